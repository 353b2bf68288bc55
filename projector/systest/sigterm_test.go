package systest

import (
	"fmt"
	"testing"
	"time"

	"dvpulse/internal/itest"
)

// TestSIGTERMWritesTheBatchInHand holds events in the projector's batch (a
// long flush interval), sends SIGTERM, and expects exit 0 with every event
// stored; a restart must not store any twice.
func TestSIGTERMWritesTheBatchInHand(t *testing.T) {
	brokers := itest.Brokers(t)
	topic := itest.Topic(t, brokers, "term", 3)
	dlq := itest.Topic(t, brokers, "term-dlq", 1)
	chcfg, conn := itest.ClickHouse(t)
	reg := registry(t)
	w := newWorkload(t, generators(reg, 12), 3000, 100, 12)

	bin := itest.BuildDvpulse(t)
	ops := fmt.Sprintf("127.0.0.1:%d", itest.FreePort(t))
	proc := itest.NewProc(t, bin, ops, projectorArgs(brokers, topic, dlq, "term-"+itest.Suffix(), chcfg, ops,
		"--projector-flush-rows", "1000000", "--projector-flush-interval", "10m"), nil)
	proc.Start()
	// Wait until the projector has joined (its lag gauges appear once it
	// reads), then send.
	itest.Eventually(t, 60*time.Second, "projector ready", func() bool { return httpOK("http://" + ops + "/-/ready") })
	if err := produce(t.Context(), brokers, topic, w.msgs, 1, 0); err != nil {
		t.Fatal(err)
	}
	// Every message read into the batch. (A lag of 0 on each partition is
	// not enough: it is measured against the end the partition had when
	// the message was fetched, which may be before the last ones arrived.)
	itest.Eventually(t, 60*time.Second, "all messages in the projector's batch", func() bool {
		return proc.Metrics()["dvpulse_projector_batch_in_hand"] >= float64(len(w.msgs))
	})
	if got := itest.Count(t, conn, "SELECT count() FROM events"); got != 0 {
		t.Fatalf("%d events stored before SIGTERM; the test needs them in hand", got)
	}
	if code := proc.Term(60 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0; log:\n%s", code, proc.Tail(40))
	}
	if got := itest.Count(t, conn, "SELECT count() FROM events"); got != uint64(len(w.distinct)) {
		t.Fatalf("after SIGTERM events holds %d rows, want %d", got, len(w.distinct))
	}
	// Restart: nothing is stored twice.
	proc.Start()
	itest.Eventually(t, 60*time.Second, "projector ready again", func() bool { return httpOK("http://" + ops + "/-/ready") })
	time.Sleep(3 * time.Second)
	if code := proc.Term(60 * time.Second); code != 0 {
		t.Fatalf("exit code %d after the second SIGTERM", code)
	}
	verify(t, reg, conn, brokers, topic, w.distinct)
}
