package systest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"dvpulse/internal/itest"
	"dvpulse/warehouse"
)

func httpOK(url string) bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestClickHouseOutageUnderLoad stops a private ClickHouse server while
// events keep arriving, starts it again, and expects the projector process
// to have waited, retried and resumed with no event lost or doubled.
func TestClickHouseOutageUnderLoad(t *testing.T) {
	outage := envDuration(t, "DVPULSE_OUTAGE", 60*time.Second)
	n := envInt(t, "DVPULSE_OUTAGE_EVENTS", 20000)
	brokers := itest.Brokers(t)
	ch := itest.StartClickHouse(t)
	chcfg, conn := ch.Database(t)
	conn.Close()
	topic := itest.Topic(t, brokers, "outage", 3)
	dlq := itest.Topic(t, brokers, "outage-dlq", 1)
	reg := registry(t)
	w := newWorkload(t, mixedGenerators(reg, 14), n, 100, 14)

	bin := itest.BuildDvpulse(t)
	ops := fmt.Sprintf("127.0.0.1:%d", itest.FreePort(t))
	proc := itest.NewProc(t, bin, ops, projectorArgs(brokers, topic, dlq, "outage-"+itest.Suffix(), chcfg, ops,
		"--projector-flush-rows", "500", "--projector-flush-interval", "200ms"), nil)
	proc.Start()
	itest.Eventually(t, 60*time.Second, "projector ready", func() bool { return httpOK("http://" + ops + "/-/ready") })

	span := outage + 12*time.Second
	produced := make(chan error, 1)
	go func() { produced <- produce(context.Background(), brokers, topic, w.msgs, 60, span/60) }()
	time.Sleep(4 * time.Second)
	t.Logf("stopping %s for %s", ch, outage)
	ch.Stop()
	time.Sleep(outage)
	if !proc.Running() {
		t.Fatalf("the projector exited during the outage; log:\n%s", proc.Tail(40))
	}
	m := proc.Metrics()
	if itest.Sum(m, "dvpulse_projector_clickhouse_errors_total") == 0 {
		t.Errorf("no ClickHouse errors counted during the outage")
	}
	if httpOK("http://" + ops + "/-/ready") {
		t.Errorf("projector reports ready while ClickHouse is down")
	}
	ch.Start()
	t.Log("ClickHouse is back")
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	conn2, err := warehouse.Open(context.Background(), chcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	waitEvents(t, conn2, uint64(len(w.distinct)), 3*time.Minute, proc)
	time.Sleep(2 * time.Second)
	if code := proc.Term(60 * time.Second); code != 0 {
		t.Fatalf("projector exited %d after SIGTERM; log:\n%s", code, proc.Tail(40))
	}
	verify(t, reg, conn2, brokers, topic, w.distinct)
}
