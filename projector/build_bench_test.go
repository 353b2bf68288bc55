package projector

import (
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"dvpulse/demo"
	"dvpulse/event"
	"dvpulse/locality"
	"dvpulse/nlp"
)

// BenchmarkBuildBatch measures the projector's own work on a batch of
// 10,000 demo feedback events, without Kafka or ClickHouse: decoding,
// deduplication, scoring and laying out the insert columns. Profile it with
//
//	go test ./projector -run XXX -bench BuildBatch -cpuprofile cpu.out -memprofile mem.out
func BenchmarkBuildBatch(b *testing.B) {
	reg, err := locality.Load("42")
	if err != nil {
		b.Fatal(err)
	}
	scorer, err := nlp.Default()
	if err != nil {
		b.Fatal(err)
	}
	hanoi, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	gen := demo.NewGenerator(reg, 99, time.Now().In(hanoi), 90)
	const n = 10000
	msgs := make([]kafka.Message, n)
	var size int
	for i := range msgs {
		e := gen.Feedback(i)
		e.SetReceived(time.Now())
		v, err := event.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		size += len(v)
		msgs[i] = kafka.Message{Topic: "bench", Partition: i % 6, Offset: int64(i / 6), Key: []byte(e.AggregateID()), Value: v}
	}
	topicScorer, err := nlp.New(nlp.Options{Sentiment: scorer.Sentiment(), Lexicon: scorer.Lexicon(), ExplainTop: -1})
	if err != nil {
		b.Fatal(err)
	}
	p := &Projector{dec: &event.Decoder{Localities: reg}, loc: reg, scorer: scorer, topicScorer: topicScorer, method: "model:" + scorer.ModelVersion()}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		p.seen = newSeenSet(2_000_000)
		prep := p.build(msgs)
		if prep.events != n {
			b.Fatalf("%d events built, want %d", prep.events, n)
		}
		for _, st := range prep.steps {
			for _, c := range eventColumns {
				c.values(st.events, &p.cols)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}
