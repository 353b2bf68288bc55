package systest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"dvpulse/internal/itest"
)

// TestChaosSIGKILLExactlyOnce sends distinct events of every type (200,000
// by default; DVPULSE_CHAOS_EVENTS sets another size) plus 1% resends while a
// `dvpulse projector` process is SIGKILLed at random points (some while a
// flush is in progress) and restarted, then checks every indicator against
// the distinct events and the event log against Kafka.
func TestChaosSIGKILLExactlyOnce(t *testing.T) {
	n := envInt(t, "DVPULSE_CHAOS_EVENTS", 200000)
	kills := max(envInt(t, "DVPULSE_CHAOS_KILLS", 6), 5)
	brokers := itest.Brokers(t)
	topic := itest.Topic(t, brokers, "chaos", 4)
	dlq := itest.Topic(t, brokers, "chaos-dlq", 1)
	chcfg, conn := itest.ClickHouse(t)
	reg := registry(t)
	w := newWorkload(t, mixedGenerators(reg, 11), n, 100, 11)
	t.Logf("%d distinct events, %d resent, %d messages", len(w.distinct), w.resent, len(w.msgs))

	bin := itest.BuildDvpulse(t)
	ops := fmt.Sprintf("127.0.0.1:%d", itest.FreePort(t))
	proc := itest.NewProc(t, bin, ops, projectorArgs(brokers, topic, dlq, "chaos-"+itest.Suffix(), chcfg, ops,
		"--projector-flush-rows", "3000", "--projector-flush-interval", "300ms"), nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	produced := make(chan error, 1)
	go func() { produced <- produce(ctx, brokers, topic, w.msgs, 100, 300*time.Millisecond) }()

	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	midFlush := 0
	for k := 0; k < kills || midFlush == 0; k++ {
		if k >= kills+6 {
			t.Fatalf("after %d kills none landed while a flush was in progress", k)
		}
		proc.Start()
		if k%2 == 1 || k >= kills {
			// Kill while a batch is being written.
			if waitFlushing(proc, 30*time.Second) {
				proc.Kill()
				midFlush++
				t.Logf("kill %d: SIGKILL while a flush was in progress", k+1)
				continue
			}
			proc.Kill()
			t.Logf("kill %d: SIGKILL (no flush seen in 30 s)", k+1)
			continue
		}
		d := time.Duration(300+r.IntN(4000)) * time.Millisecond
		time.Sleep(d)
		proc.Kill()
		t.Logf("kill %d: SIGKILL after %s", k+1, d)
	}
	proc.Start()
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	waitEvents(t, conn, uint64(len(w.distinct)), 5*time.Minute, proc)
	time.Sleep(2 * time.Second) // anything extra (a doubled row) would land by now
	if code := proc.Term(60 * time.Second); code != 0 {
		t.Fatalf("projector exited %d after SIGTERM; log:\n%s", code, proc.Tail(40))
	}
	if n := itest.Count(t, conn, "SELECT count() FROM dead_letters"); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
	verify(t, reg, conn, brokers, topic, w.distinct)
}

// waitFlushing polls the process's /metrics until a flush is in progress.
func waitFlushing(p *itest.Proc, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := p.Metrics(); m != nil && m["dvpulse_projector_flush_in_progress"] == 1 {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}
