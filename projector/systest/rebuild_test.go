package systest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"dvpulse/dashboard"
	"dvpulse/internal/itest"
	"dvpulse/internal/svc"
	"dvpulse/projector"
)

// TestRebuildDuringLoad rebuilds feedback_daily from the event log while
// events keep arriving and the dashboard API is polled every 50 ms. The
// projection is first damaged on purpose (a bogus row), so the test shows
// that the rebuilt table is computed from the log; it must end equal to the
// numbers computed from the distinct events, with every API answer a 200,
// and inserts after the swap must keep landing in the new table.
func TestRebuildDuringLoad(t *testing.T) {
	n := envInt(t, "DVPULSE_REBUILD_EVENTS", 12000)
	brokers := itest.Brokers(t)
	topic := itest.Topic(t, brokers, "rebuild", 4)
	dlq := itest.Topic(t, brokers, "rebuild-dlq", 1)
	_, conn := itest.ClickHouse(t)
	reg := registry(t)
	w := newWorkload(t, generators(reg, 15), n, 100, 15)
	runProjector(t, brokers, topic, dlq, "rebuild-"+itest.Suffix(), conn, reg, nil)

	dcfg := dashboard.DefaultConfig()
	dcfg.Auth = "off"
	dsrv, err := dashboard.NewServer(dcfg, itest.Discard(), conn, prometheus.NewRegistry(), &svc.Health{})
	if err != nil {
		t.Fatal(err)
	}
	dts := httptest.NewServer(dsrv.Handler())
	defer dts.Close()
	today := time.Now().In(hanoi)
	api := dts.URL + "/api/v1/feedback/volume?granularity=day&from=" + today.AddDate(0, 0, -100).Format("2006-01-02") + "&to=" + today.Format("2006-01-02")

	produced := make(chan error, 1)
	go func() { produced <- produce(context.Background(), brokers, topic, w.msgs, 60, 250*time.Millisecond) }()
	select {
	case err := <-produced:
		t.Fatalf("producer ended early: %v", err)
	case <-time.After(2 * time.Second):
	}
	waitEvents(t, conn, uint64(n/4), 2*time.Minute, nil)

	// Damage the projection: a row no event explains.
	b, err := conn.PrepareBatch(context.Background(), "INSERT INTO feedback_daily (day, commune_code, channel, received)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append(today, "00000", "hotline_1022", uint64(1000)); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}

	// Poll the dashboard throughout.
	var polls, failures atomic.Int64
	var firstFailure atomic.Value
	stopPoll := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := http.Client{Timeout: 5 * time.Second}
		for {
			select {
			case <-stopPoll:
				return
			case <-time.After(50 * time.Millisecond):
			}
			polls.Add(1)
			resp, err := c.Get(api)
			if err != nil {
				failures.Add(1)
				firstFailure.CompareAndSwap(nil, err.Error())
				continue
			}
			var body struct{ Total uint64 }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failures.Add(1)
				firstFailure.CompareAndSwap(nil, resp.Status)
			}
		}
	}()

	// Make events land in each window of the rebuild: after the new views
	// are attached (before the backfill) and between backfill and swap.
	grow := func() {
		from := itest.Count(t, conn, "SELECT count() FROM events")
		itest.Eventually(t, time.Minute, "more events during the rebuild", func() bool {
			return itest.Count(t, conn, "SELECT count() FROM events") >= from+100
		})
	}
	// feedback_commune_daily serves the dashboard's volume API without
	// filters, feedback_topic_daily the same with a topic filter;
	// feedback_daily is checked against the distinct events below.
	for _, name := range []string{"feedback_commune_daily", "feedback_topic_daily", "feedback_daily"} {
		before := itest.Count(t, conn, "SELECT count() FROM events")
		start := time.Now()
		if err := projector.Rebuild(context.Background(), conn, name, itest.Logger(t), projector.RebuildOptions{AfterAttach: grow, AfterBackfill: grow}); err != nil {
			t.Fatalf("rebuild %s: %v", name, err)
		}
		after := itest.Count(t, conn, "SELECT count() FROM events")
		t.Logf("rebuild of %s took %s; events grew from %d to %d meanwhile", name, time.Since(start).Round(time.Millisecond), before, after)
	}
	after := itest.Count(t, conn, "SELECT count() FROM events")
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	waitEvents(t, conn, uint64(len(w.distinct)), 2*time.Minute, nil)
	if itest.Count(t, conn, "SELECT count() FROM events") == after {
		t.Errorf("no event arrived after the swap; the test did not check that inserts land in the new table")
	}
	time.Sleep(time.Second)
	close(stopPoll)
	wg.Wait()
	if f := failures.Load(); f > 0 {
		t.Errorf("%d of %d dashboard API polls failed during the rebuild; first: %v", f, polls.Load(), firstFailure.Load())
	}
	t.Logf("%d dashboard API polls, all 200", polls.Load())
	for _, leftover := range []string{"feedback_daily__rebuild", "feedback_daily_mv__rebuild", "feedback_topic_daily__rebuild", "feedback_commune_daily__rebuild", "projector_fence"} {
		if itest.Count(t, conn, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = ?", leftover) != 0 {
			t.Errorf("table %s left behind", leftover)
		}
	}
	verify(t, reg, conn, brokers, topic, w.distinct)

	resp, err := http.Get(api)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var vol dashboard.VolumeResponse
	if err := json.NewDecoder(resp.Body).Decode(&vol); err != nil {
		t.Fatal(err)
	}
	if vol.Total != uint64(len(w.distinct)) {
		t.Errorf("dashboard API total %d, want %d", vol.Total, len(w.distinct))
	}
}
