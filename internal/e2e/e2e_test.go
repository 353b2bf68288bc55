package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"

	"dvpulse/dashboard"
	"dvpulse/demo"
	"dvpulse/event"
	"dvpulse/ingest"
	"dvpulse/internal/itest"
	"dvpulse/internal/svc"
	"dvpulse/locality"
	"dvpulse/projector"
)

// pipeline is ingest, projector and dashboard running in-process against
// a private topic and database.
type pipeline struct {
	ingestURL, dashURL string
	conn               driver.Conn
	reg                *locality.Registry
	flush              time.Duration
	ctx                context.Context
}

func startPipeline(t *testing.T) *pipeline {
	t.Helper()
	brokers := itest.Brokers(t)
	topic := itest.Topic(t, brokers, "e2e", 4)
	dlq := itest.Topic(t, brokers, "e2e-dlq", 1)
	_, conn := itest.ClickHouse(t)
	reg, err := locality.Load("42")
	if err != nil {
		t.Fatal(err)
	}
	dec := &event.Decoder{Localities: reg}
	log := itest.Logger(t)

	// Ingest, publishing to the real topic.
	icfg := ingest.DefaultConfig()
	icfg.Topic, icfg.DeadLetterTopic, icfg.Auth = topic, dlq, "off"
	pub := ingest.NewKafkaPublisher(brokers, topic, 2*time.Millisecond)
	ih := &svc.Health{}
	ih.SetReady()
	isrv := httptest.NewServer(ingest.NewServer(icfg, log, dec, pub, prometheus.NewRegistry(), ih).Handler())
	t.Cleanup(func() { isrv.Close(); pub.Close() })

	// Projector, as its own consumer group.
	pcfg := projector.DefaultConfig()
	pcfg.Brokers, pcfg.Topic, pcfg.DeadLetterTopic = brokers[0], topic, dlq
	pcfg.Group = "e2e-" + itest.Suffix()
	pcfg.FlushInterval = 200 * time.Millisecond
	p, err := projector.New(pcfg, log, conn, dec, reg, prometheus.NewRegistry(), &svc.Health{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("projector: %v", err)
		}
	})

	// Dashboard.
	dcfg := dashboard.DefaultConfig()
	dcfg.Auth = "off"
	dsrv, err := dashboard.NewServer(dcfg, log, conn, prometheus.NewRegistry(), &svc.Health{})
	if err != nil {
		t.Fatal(err)
	}
	dts := httptest.NewServer(dsrv.Handler())
	t.Cleanup(dts.Close)
	return &pipeline{ingestURL: isrv.URL, dashURL: dts.URL, conn: conn, reg: reg, flush: pcfg.FlushInterval, ctx: ctx}
}

func TestExactCountsThroughThePipeline(t *testing.T) {
	pl := startPipeline(t)
	ctx, conn, reg := pl.ctx, pl.conn, pl.reg
	pcfg := struct{ FlushInterval time.Duration }{pl.flush}
	// N distinct events: most in batches, some one by one.
	const n = 2000
	end := time.Now().In(dashboard.Hanoi)
	gen := demo.NewGenerator(reg, 7, end, 90)
	events := make([]*event.Event, n)
	for i := range events {
		events[i] = gen.Feedback(i)
	}
	s := &demo.Sender{URL: pl.ingestURL}
	accepted, err := s.Send(ctx, events[:1900], 250)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events[1900:] {
		a, err := s.Send(ctx, []*event.Event{e}, 1)
		if err != nil {
			t.Fatal(err)
		}
		accepted += a
	}
	if accepted != n {
		t.Fatalf("ingest accepted %d of %d", accepted, n)
	}

	itest.Eventually(t, 60*time.Second, "all events in ClickHouse", func() bool {
		return itest.Count(t, conn, "SELECT count() FROM events") >= n
	})
	time.Sleep(2 * pcfg.FlushInterval) // anything extra would have landed by now
	if got := itest.Count(t, conn, "SELECT count() FROM events"); got != n {
		t.Fatalf("events table holds %d rows, want exactly %d", got, n)
	}
	if got := itest.Count(t, conn, "SELECT uniqExact(event_id) FROM events"); got != n {
		t.Fatalf("%d distinct event_ids, want %d", got, n)
	}

	from := end.AddDate(0, 0, -100).Format("2006-01-02")
	to := end.Format("2006-01-02")
	resp, err := http.Get(pl.dashURL + "/api/v1/feedback/volume?granularity=week&from=" + from + "&to=" + to)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var vol dashboard.VolumeResponse
	if err := json.NewDecoder(resp.Body).Decode(&vol); err != nil {
		t.Fatal(err)
	}
	if vol.Total != n {
		t.Fatalf("dashboard API total %d, want %d", vol.Total, n)
	}
}
