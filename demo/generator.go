package demo

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"dvpulse/event"
	"dvpulse/locality"
)

// Generator makes demo events. It is safe for concurrent use: every event
// depends only on the generator's settings and its index.
type Generator struct {
	seed    uint64
	end     time.Time
	days    int
	units   []locality.Unit // 2025 units
	old     []locality.Unit // pre2025 communes
	topics  []string
	weights []weighted
}

type weighted struct {
	code string
	w    int
}

// channelWeights reflects how feedback reaches a provincial board: hotline
// and portal dominate, the press and letters are rarer.
var channelWeights = []weighted{
	{"hotline_1022", 26}, {"public_service_portal", 18}, {"provincial_app", 14},
	{"citizen_reception", 12}, {"dialogue", 6}, {"voter_meeting", 6},
	{"front_mass_org", 7}, {"letter", 5}, {"press", 2}, {"social_media", 4},
}

// NewGenerator returns a generator whose events fall in the days days before
// end (Asia/Ho_Chi_Minh calendar). reg supplies the commune codes.
func NewGenerator(reg *locality.Registry, seed uint64, end time.Time, days int) *Generator {
	topics := make([]string, 0, len(feedbackTexts))
	for t := range feedbackTexts {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	return &Generator{seed: seed, end: end, days: max(days, 1), units: reg.Units(locality.Scheme2025),
		old: reg.Units(locality.SchemePre2025), topics: topics, weights: channelWeights}
}

// ID returns the deterministic event_id of event i: a name-based UUID
// (version 5 layout) over the seed and index.
func (g *Generator) ID(kind string, i int) string {
	h := sha1.New()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], g.seed)
	binary.BigEndian.PutUint64(b[8:], uint64(i))
	h.Write([]byte("dvpulse-demo/" + kind + "/"))
	h.Write(b[:])
	sum := h.Sum(nil)
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	x := hex.EncodeToString(sum[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func (g *Generator) rng(kind string, i int) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^0x9e3779b97f4a7c15, uint64(i)*2654435761+uint64(len(kind))))
}

// Feedback returns demo feedback.received event i. About one in six uses a
// pre-2025 commune code (feeds that have not switched yet) and one in five
// carries the sender's own sentiment.
func (g *Generator) Feedback(i int) *event.Event {
	r := g.rng("feedback", i)
	when := g.when(r)
	topic := g.topics[r.IntN(len(g.topics))]
	topics := []string{topic}
	if r.IntN(5) == 0 {
		if t2 := g.topics[r.IntN(len(g.topics))]; t2 != topic {
			topics = append(topics, t2)
		}
	}
	var loc event.Locality
	var place string
	if when.Before(time.Date(2025, 7, 1, 0, 0, 0, 0, when.Location())) || r.IntN(6) == 0 {
		u := g.old[r.IntN(len(g.old))]
		loc, place = event.Locality{Scheme: string(locality.SchemePre2025), Code: u.Code}, u.Name
	} else {
		u := g.units[r.IntN(len(g.units))]
		loc, place = event.Locality{Scheme: string(locality.Scheme2025), Code: u.Code}, u.Name
	}
	texts := feedbackTexts[topic]
	text := texts[r.IntN(len(texts))]
	if strings.Contains(text, "%s") {
		text = fmt.Sprintf(text, place)
	}
	channel := pick(r, g.weights)
	kind, size := "individual", 1
	switch n := r.IntN(10); {
	case n == 0:
		kind, size = "group", 5+r.IntN(40)
	case n == 1:
		kind, size = "organisation", 0
	}
	e := &event.Event{
		EventID:        g.ID("feedback", i),
		EventType:      "feedback.received",
		SchemaVersion:  1,
		OccurredAt:     when.Format(time.RFC3339),
		Source:         event.Source{System: channel, RecordID: fmt.Sprintf("DEMO-%d-%07d", g.seed, i)},
		Locality:       loc,
		Topics:         topics,
		Channel:        channel,
		FeedbackID:     fmt.Sprintf("PAKN-%d-%07d", g.seed, i),
		Text:           text,
		PetitionerKind: kind,
		GroupSize:      size,
		DueAt:          when.AddDate(0, 0, []int{10, 15, 30, 45}[r.IntN(4)]).Format(time.RFC3339),
	}
	if r.IntN(5) == 0 {
		e.Sentiment = senderSentiment(r, text)
	}
	return e
}

// when returns a time in the window, weighted towards working hours and
// working days.
func (g *Generator) when(r *rand.Rand) time.Time {
	loc := g.end.Location()
	for {
		d := g.end.AddDate(0, 0, -r.IntN(g.days))
		day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		if wd := day.Weekday(); (wd == time.Saturday || wd == time.Sunday) && r.IntN(3) != 0 {
			continue
		}
		t := day.Add(time.Duration(7*3600+r.IntN(11*3600)) * time.Second)
		if t.After(g.end) {
			continue
		}
		return t
	}
}

func pick(r *rand.Rand, ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.w
	}
	n := r.IntN(total)
	for _, w := range ws {
		if n < w.w {
			return w.code
		}
		n -= w.w
	}
	return ws[len(ws)-1].code
}

// senderSentiment is the rough judgement a sending system attaches: thanks
// and praise are positive, the rest negative or neutral.
func senderSentiment(r *rand.Rand, text string) *event.Sentiment {
	low := strings.ToLower(text)
	for _, w := range []string{"cảm ơn", "khen", "phấn khởi", "cảm kích", "nhiệt tình"} {
		if strings.Contains(low, w) {
			return &event.Sentiment{Label: "positive", Score: 0.6 + r.Float64()*0.3, Confidence: 0.8}
		}
	}
	if r.IntN(4) == 0 {
		return &event.Sentiment{Label: "neutral", Score: 0, Confidence: 0.6}
	}
	return &event.Sentiment{Label: "negative", Score: -0.5 - r.Float64()*0.4, Confidence: 0.75}
}
