package systest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"dvpulse/demo"
	"dvpulse/event"
	"dvpulse/internal/itest"
	"dvpulse/internal/svc"
	"dvpulse/locality"
	"dvpulse/projector"
	"dvpulse/warehouse"
)

var hanoi = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return l
	}
	return time.FixedZone("ICT", 7*3600)
}()

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: not an integer", name, v)
	}
	return n
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: not a duration", name, v)
	}
	return d
}

func registry(t *testing.T) *locality.Registry {
	t.Helper()
	reg, err := locality.Load("42")
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// generator makes event i of one kind. More kinds (other event types) are
// added to generators as the demo package gains them; the indicators below
// are computed from whatever the generators make.
type generator struct {
	name string
	make func(i int) *event.Event
}

// mixedGenerators makes every event type: demo units (feedback cases with
// their lifecycle, dialogues with issues and commitments, models,
// campaigns, criticism sessions, situation reports), in the order they
// happened within each unit.
func mixedGenerators(reg *locality.Registry, seed uint64) []generator {
	g := demo.NewGenerator(reg, seed, time.Now().In(hanoi), 90)
	var cache []*event.Event
	unit := 0
	return []generator{{"mixed", func(i int) *event.Event {
		for len(cache) <= i {
			cache = append(cache, g.Unit(unit)...)
			unit++
		}
		return cache[i]
	}}}
}

func generators(reg *locality.Registry, seed uint64) []generator {
	g := demo.NewGenerator(reg, seed, time.Now().In(hanoi), 90)
	return []generator{
		{"feedback.received", g.Feedback},
	}
}

// workload is what a test sends: the distinct events, and the Kafka
// messages in sending order, resends included.
type workload struct {
	distinct []*event.Event
	msgs     []kafka.Message
	resent   int
}

func message(t *testing.T, e *event.Event) kafka.Message {
	t.Helper()
	b, err := event.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return kafka.Message{Key: []byte(e.AggregateID()), Value: b}
}

// newWorkload makes n distinct events, spread over the generators, and
// resends about one in resendEvery with the same event_id (and a later
// received_at, as a sender retry through ingest would): half right after
// the original (same batch), half at the very end of the stream.
func newWorkload(t *testing.T, gens []generator, n, resendEvery int, seed uint64) *workload {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 42))
	now := time.Now()
	w := &workload{}
	var late []kafka.Message
	for i := 0; i < n; i++ {
		g := gens[i%len(gens)]
		e := g.make(i / len(gens))
		e.SetReceived(now)
		w.distinct = append(w.distinct, e)
		w.msgs = append(w.msgs, message(t, e))
		if r.IntN(resendEvery) == 0 {
			again := *e
			again.SetReceived(now.Add(time.Second))
			w.resent++
			if r.IntN(2) == 0 {
				w.msgs = append(w.msgs, message(t, &again))
			} else {
				late = append(late, message(t, &again))
			}
		}
	}
	w.msgs = append(w.msgs, late...)
	return w
}

// produce writes msgs to topic in about chunks pieces, pausing between
// them, keyed by aggregate id with the hash balancer (as ingest does).
func produce(ctx context.Context, brokers []string, topic string, msgs []kafka.Message, chunks int, pause time.Duration) error {
	wr := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond, BatchSize: 1000, BatchBytes: 900_000}
	defer wr.Close()
	size := max(1, (len(msgs)+chunks-1)/chunks)
	for i := 0; i < len(msgs); i += size {
		end := min(len(msgs), i+size)
		// A fresh topic's metadata may lag; retry. A retried write may store
		// some messages twice: to the projector those are resends.
		for attempt := 0; ; attempt++ {
			err := wr.WriteMessages(ctx, msgs[i:end]...)
			if err == nil {
				break
			}
			if attempt == 20 || ctx.Err() != nil {
				return fmt.Errorf("produce messages %d..%d: %w", i, end, err)
			}
			time.Sleep(500 * time.Millisecond)
		}
		if end < len(msgs) {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pause):
			}
		}
	}
	return nil
}

// indicators are the numbers every projection must agree on.
type indicators struct {
	total     uint64
	byCommune map[string]uint64
	byTopic   map[string]uint64
	byDay     map[string]uint64
	byType    map[string]uint64
	daily     map[string]uint64 // feedback_daily: day|commune|channel
	// Projections of migration 0002.
	topicReceived map[string]uint64 // feedback_topic_daily: topic → received
	cohortDone    map[string]uint64 // feedback_cohort_daily: received day → cases answered or resolved
	answered      map[string]uint64 // feedback_flow_daily: day → answers
	dialogues     map[string]uint64 // dialogues_monthly: month → dialogues held
	campaigns     map[string]uint64 // campaign_daily: campaign → activities
	models        uint64            // models: distinct models
}

func newIndicators() indicators {
	return indicators{byCommune: map[string]uint64{}, byTopic: map[string]uint64{}, byDay: map[string]uint64{}, byType: map[string]uint64{}, daily: map[string]uint64{},
		topicReceived: map[string]uint64{}, cohortDone: map[string]uint64{}, answered: map[string]uint64{}, dialogues: map[string]uint64{}, campaigns: map[string]uint64{}}
}

// expected computes the indicators from the distinct events.
func expected(t *testing.T, reg *locality.Registry, evs []*event.Event) indicators {
	t.Helper()
	in := newIndicators()
	caseTopics := map[string][]string{}
	caseDay := map[string]string{}
	caseDone := map[string]bool{}
	models := map[string]bool{}
	for _, e := range evs {
		occ, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
		if err != nil {
			t.Fatalf("event %s occurred_at %q: %v", e.EventID, e.OccurredAt, err)
		}
		day := occ.In(hanoi).Format("2006-01-02")
		commune, ok := reg.Current(locality.Scheme(e.Locality.Scheme), e.Locality.Code)
		if !ok {
			commune = e.Locality.Code
		}
		in.total++
		in.byCommune[commune]++
		in.byDay[day]++
		in.byType[e.EventType]++
		topics := e.Topics
		if len(topics) == 0 && strings.HasPrefix(e.EventType, "feedback.") {
			topics = caseTopics[e.FeedbackID] // the projector gives lifecycle events their case's topics
		}
		for _, tp := range topics {
			in.byTopic[tp]++
		}
		switch e.EventType {
		case "feedback.received":
			in.daily[day+"|"+commune+"|"+e.Channel]++
			caseTopics[e.FeedbackID], caseDay[e.FeedbackID] = e.Topics, day
			for _, tp := range e.Topics {
				in.topicReceived[tp]++
			}
		case "feedback.answered", "feedback.resolved":
			if e.EventType == "feedback.answered" {
				in.answered[day]++
			}
			if !caseDone[e.FeedbackID] {
				caseDone[e.FeedbackID] = true
				in.cohortDone[caseDay[e.FeedbackID]]++
			}
		case "dialogue.held":
			in.dialogues[occ.In(hanoi).Format("2006-01")+"-01"]++
		case "campaign.activity":
			in.campaigns[e.CampaignID]++
		case "model.registered", "model.recognized", "model.replicated", "model.assessed":
			models[e.ModelID] = true
		}
	}
	in.models = uint64(len(models))
	return in
}

func queryMap(t *testing.T, conn driver.Conn, q string) map[string]uint64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var k string
		var n uint64
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// actual reads the indicators from ClickHouse: the event log and the
// feedback_daily projection.
func actual(t *testing.T, conn driver.Conn) indicators {
	t.Helper()
	in := newIndicators()
	in.total = itest.Count(t, conn, "SELECT count() FROM events")
	in.byCommune = queryMap(t, conn, "SELECT commune_code, count() FROM events GROUP BY commune_code")
	in.byTopic = queryMap(t, conn, "SELECT tp, count() FROM events ARRAY JOIN topics AS tp GROUP BY tp")
	in.byDay = queryMap(t, conn, "SELECT toString(toDate(occurred_at)), count() FROM events GROUP BY toDate(occurred_at)")
	in.byType = queryMap(t, conn, "SELECT event_type, count() FROM events GROUP BY event_type")
	in.daily = queryMap(t, conn, "SELECT concat(toString(day), '|', commune_code, '|', channel), toUInt64(sum(received)) FROM feedback_daily GROUP BY day, commune_code, channel HAVING sum(received) > 0")
	in.topicReceived = queryMap(t, conn, "SELECT topic, sum(received) FROM feedback_topic_daily GROUP BY topic HAVING sum(received) > 0")
	in.cohortDone = queryMap(t, conn, "SELECT toString(day), sum(done) FROM feedback_cohort_daily WHERE is_primary = 1 GROUP BY day HAVING sum(done) > 0")
	in.answered = queryMap(t, conn, "SELECT toString(day), sum(answered) FROM feedback_flow_daily WHERE is_primary = 1 GROUP BY day HAVING sum(answered) > 0")
	in.dialogues = queryMap(t, conn, "SELECT toString(month), toUInt64(countMerge(held)) FROM dialogues_monthly GROUP BY month")
	in.campaigns = queryMap(t, conn, "SELECT campaign_id, sum(activities) FROM campaign_daily GROUP BY campaign_id HAVING sum(activities) > 0")
	in.models = itest.Count(t, conn, "SELECT uniqExact(model_id) FROM models")
	return in
}

func compareMaps(t *testing.T, what string, want, got map[string]uint64) {
	t.Helper()
	var diffs []string
	for k, v := range want {
		if got[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: want %d, got %d", k, v, got[k]))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: want 0, got %d", k, v))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		if len(diffs) > 10 {
			diffs = append(diffs[:10], fmt.Sprintf("… and %d more", len(diffs)-10))
		}
		t.Errorf("%s differs in %d keys:\n  %s", what, len(diffs), strings.Join(diffs, "\n  "))
	}
}

// verify compares every indicator with the distinct events, and the event
// log with Kafka: every distinct event_id in the topic is stored exactly
// once, and nothing else is. Poison messages (dead letters) are named by
// their event_id in poison and must not be stored.
func verify(t *testing.T, reg *locality.Registry, conn driver.Conn, brokers []string, topic string, distinct []*event.Event, poison ...string) {
	t.Helper()
	want, got := expected(t, reg, distinct), actual(t, conn)
	if got.total != want.total {
		t.Errorf("events holds %d rows, want %d", got.total, want.total)
	}
	compareMaps(t, "events per commune", want.byCommune, got.byCommune)
	compareMaps(t, "events per topic", want.byTopic, got.byTopic)
	compareMaps(t, "events per day", want.byDay, got.byDay)
	compareMaps(t, "events per type", want.byType, got.byType)
	compareMaps(t, "feedback_daily per day, commune and channel", want.daily, got.daily)
	compareMaps(t, "feedback_topic_daily per topic", want.topicReceived, got.topicReceived)
	compareMaps(t, "feedback_cohort_daily: cases answered or resolved, per day received", want.cohortDone, got.cohortDone)
	compareMaps(t, "feedback_flow_daily: answers per day", want.answered, got.answered)
	compareMaps(t, "dialogues_monthly: dialogues held per month", want.dialogues, got.dialogues)
	compareMaps(t, "campaign_daily: activities per campaign", want.campaigns, got.campaigns)
	if got.models != want.models {
		t.Errorf("models: %d, want %d", got.models, want.models)
	}

	inKafka := map[string]bool{}
	for _, m := range itest.ReadAll(t, brokers, topic) {
		var e struct {
			ID string `json:"event_id"`
		}
		if json.Unmarshal(m.Value, &e) == nil && e.ID != "" {
			inKafka[e.ID] = true
		}
	}
	for _, id := range poison {
		if !inKafka[id] {
			t.Errorf("poison event %s not found in Kafka", id)
		}
		delete(inKafka, id)
	}
	stored := queryMap(t, conn, "SELECT toString(event_id), count() FROM events GROUP BY event_id")
	if len(inKafka) != len(distinct) {
		t.Errorf("Kafka holds %d distinct event_ids, want %d", len(inKafka), len(distinct))
	}
	var missing, doubled, extra int
	for id := range inKafka {
		switch n := stored[id]; {
		case n == 0:
			missing++
		case n > 1:
			doubled++
		}
	}
	for id := range stored {
		if !inKafka[id] {
			extra++
		}
	}
	if missing+doubled+extra > 0 {
		t.Errorf("event log vs Kafka: %d event_ids missing, %d stored more than once, %d not in Kafka", missing, doubled, extra)
	}
}

// projectorArgs are the flags of a `dvpulse projector` on private topics,
// group and database.
func projectorArgs(brokers []string, topic, dlq, group string, ch warehouse.Config, ops string, extra ...string) []string {
	args := []string{"projector",
		"--kafka-brokers", strings.Join(brokers, ","), "--kafka-topic", topic, "--kafka-deadletter-topic", dlq,
		"--projector-group", group, "--clickhouse-addr", ch.Addr, "--clickhouse-database", ch.Database,
		"--projector-ops-addr", ops, "--projector-session-timeout", "6s"}
	return append(args, extra...)
}

// waitEvents waits until events holds n rows.
func waitEvents(t *testing.T, conn driver.Conn, n uint64, timeout time.Duration, proc *itest.Proc) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got uint64
	for time.Now().Before(deadline) {
		if err := conn.QueryRow(context.Background(), "SELECT count() FROM events").Scan(&got); err == nil && got >= n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	msg := ""
	if proc != nil {
		msg = "\nprojector log:\n" + proc.Tail(60)
	}
	t.Fatalf("events holds %d rows after %s, want %d%s", got, timeout, n, msg)
}

// runProjector runs a projector in-process until the returned stop is
// called (stop waits for it and fails the test on an error).
func runProjector(t *testing.T, brokers []string, topic, dlq, group string, conn driver.Conn, reg *locality.Registry, tune func(*projector.Config)) (stop func()) {
	t.Helper()
	cfg := projector.DefaultConfig()
	cfg.Brokers, cfg.Topic, cfg.DeadLetterTopic, cfg.Group = strings.Join(brokers, ","), topic, dlq, group
	cfg.FlushInterval = 200 * time.Millisecond
	cfg.SessionTimeout = 6 * time.Second
	if tune != nil {
		tune(&cfg)
	}
	p, err := projector.New(cfg, itest.Logger(t), conn, &event.Decoder{Localities: reg}, reg, prometheus.NewRegistry(), &svc.Health{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("projector: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}
