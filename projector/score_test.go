package projector

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"dvpulse/demo"
	"dvpulse/event"
	"dvpulse/locality"
	"dvpulse/nlp"
	"dvpulse/nlp/textnorm"
)

// scoreFeedbackReference is scoreFeedback as it was before the text was
// normalised once and topics were scored only when used: the reference
// for TestScoreFeedbackMatchesReference.
func scoreFeedbackReference(sc, topicsOnly *nlp.Scorer, method string, r *eventRow) {
	ev := r.ev
	r.folded = textnorm.Strip(textnorm.Normalize(ev.Text))
	if len(ev.Topics) > 0 {
		r.topicsMethod = "sender"
	}
	if ev.Sentiment != nil {
		r.sentiment = senderSentiment(ev.Sentiment)
		if len(ev.Topics) > 0 || sc == nil {
			return
		}
	}
	if sc == nil {
		return
	}
	if ev.Sentiment != nil && topicsOnly != nil {
		sc = topicsOnly
	}
	res := sc.Score(ev.Text)
	if v, ok := strings.CutPrefix(method, "model:"); !ok || v != res.ModelVersion {
		method = "model:" + res.ModelVersion
	}
	if ev.Sentiment == nil {
		r.sentiment = sentimentCols{label: res.Label, score: res.Score, confidence: res.Confidence, method: method, explain: explainText(res.Explain)}
	}
	if len(ev.Topics) == 0 {
		if t := modelTopics(res); len(t) > 0 {
			ev.Topics, r.topicsMethod = t, method
		}
	}
}

// TestScoreFeedbackMatchesReference decodes feedback events with the
// contract decoder, as the projector does, and checks that every column
// scoreFeedback fills (folded text, sentiment, explanation, topics and
// their methods) is what the reference gives: demo texts, and random texts
// in upper case, decomposed (NFD), with combining marks, symbols and
// spaces; with and without a sender's sentiment and topics.
func TestScoreFeedbackMatchesReference(t *testing.T) {
	reg, err := locality.Load("42")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := nlp.Default()
	if err != nil {
		t.Fatal(err)
	}
	topicsOnly, err := nlp.New(nlp.Options{Sentiment: sc.Sentiment(), Lexicon: sc.Lexicon(), ExplainTop: -1})
	if err != nil {
		t.Fatal(err)
	}
	method := "model:" + sc.ModelVersion()
	hanoi, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	gen := demo.NewGenerator(reg, 7, time.Date(2026, 11, 1, 0, 0, 0, 0, hanoi), 30)
	dec := &event.Decoder{Localities: reg}
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"Đền", "bù", "GIẢI", "phóng", "mặt", "bằng", "quá", "thấp", "không", "đồng", "tình", "tốt", "Rất",
		"hài lòng", "ngập", "nước", "ĐƯỜNG", "xấu", "ko", "k", "dc", "quáaaa", "đẹppp", "!", "?", ",", "🙂", "ǅ", "Σ", "İ",
		"e\u0301", "a\u0300", "\u0303", "x", "123", "ñ", "ß", "\t", "  ", "\u00a0", "chưa", "chẳng", "được", "rồi"}
	var decoded, scored int
	for i := range 3000 {
		e := gen.Feedback(i)
		switch rng.IntN(3) {
		case 1: // random text
			var b strings.Builder
			for j := range 1 + rng.IntN(30) {
				if j > 0 && rng.IntN(4) != 0 {
					b.WriteByte(' ')
				}
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			e.Text = b.String()
		case 2: // the demo text, transformed
			switch rng.IntN(3) {
			case 0:
				e.Text = strings.ToUpper(e.Text)
			case 1:
				e.Text = norm.NFD.String(e.Text)
			}
		}
		if rng.IntN(3) == 0 {
			e.Topics = nil
		}
		switch rng.IntN(3) {
		case 0:
			e.Sentiment = nil
		case 1:
			e.Sentiment = &event.Sentiment{Label: "negative", Score: -0.5, Confidence: 0.75}
		}
		raw, err := event.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		for _, variant := range []struct {
			sc, topicsOnly *nlp.Scorer
		}{{sc, topicsOnly}, {sc, nil}} {
			ev1, errs := dec.Decode(raw)
			if errs != nil {
				continue
			}
			ev2, _ := dec.Decode(raw)
			decoded++
			got := &eventRow{ev: ev1}
			want := &eventRow{ev: ev2}
			scoreFeedback(variant.sc, variant.topicsOnly, method, got)
			scoreFeedbackReference(variant.sc, variant.topicsOnly, method, want)
			if got.sentiment.method != "" && got.sentiment.method != "sender" {
				scored++
			}
			if got.folded != want.folded || got.topicsMethod != want.topicsMethod || got.sentiment != want.sentiment || !reflect.DeepEqual(got.ev, want.ev) {
				t.Fatalf("event %d (%q):\n got %+v %+v\nwant %+v %+v", i, e.Text, got, got.ev.Topics, want, want.ev.Topics)
			}
		}
	}
	if decoded < 3000 || scored < 1000 {
		t.Fatalf("only %d decoded, %d scored by the model: the test covers too little", decoded, scored)
	}
}
