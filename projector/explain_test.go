package projector

import (
	"math"
	"math/rand/v2"
	"testing"

	"dvpulse/event"
	"dvpulse/nlp"
)

// TestExplainTextMatchesJSON checks the hand-written explanation JSON
// against encoding/json, byte for byte.
func TestExplainTextMatchesJSON(t *testing.T) {
	texts := []string{"", "tốt", "không tốt lắm", "a\"b", `back\slash`, "<b>", "a&b", "tab\there", "nl\n", "\x01",
		"bad \xff utf8", "line\u2028sep", "para\u2029sep", "\u007f", "đường ngập nước", "🙂 emoji"}
	weights := []float64{0, 1, -1, 0.1234, 1e-7, -3e-7, 1e21, 123456789, 1e20, 5e-324, math.Copysign(0, -1), 0.5, 2.5e-5}
	check := func(ex []nlp.Contribution) {
		t.Helper()
		if got, want := explainText(ex), explainMarshal(ex); got != want {
			t.Fatalf("explainText(%+v) = %s, want %s", ex, got, want)
		}
	}
	check(nil)
	check([]nlp.Contribution{})
	for _, s := range texts {
		for _, w := range weights {
			check([]nlp.Contribution{{Text: s, Weight: w}})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		ex := make([]nlp.Contribution, r.IntN(6))
		for i := range ex {
			b := make([]byte, r.IntN(12))
			for j := range b {
				b[j] = byte(r.IntN(256))
			}
			if r.IntN(2) == 0 {
				b = []byte(texts[r.IntN(len(texts))])
			}
			w := r.NormFloat64() * math.Pow(10, float64(r.IntN(50)-25))
			if r.IntN(3) == 0 {
				w = float64(int64(w*1e4+0.5)) / 1e4
			}
			ex[i] = nlp.Contribution{Text: string(b), Weight: w}
		}
		check(ex)
	}
	// Not finite: encoding/json fails, and the column stays empty, as before.
	check([]nlp.Contribution{{Text: "x", Weight: math.NaN()}})
	check([]nlp.Contribution{{Text: "x", Weight: math.Inf(1)}})
}

// TestScoreFeedbackMethod checks that the method passed in (built once per
// projector) is used only when it names the scorer's version.
func TestScoreFeedbackMethod(t *testing.T) {
	sc, err := nlp.Default()
	if err != nil {
		t.Fatal(err)
	}
	want := "model:" + sc.ModelVersion()
	for _, method := range []string{"", want, "model:old", "x"} {
		r := &eventRow{ev: &event.Event{EventType: "feedback.received", Text: "Đường ngập nước, không ai xử lý"}}
		scoreFeedback(sc, nil, method, r)
		if r.sentiment.method != want {
			t.Errorf("method %q: sentiment_method %q, want %q", method, r.sentiment.method, want)
		}
		if r.sentiment.explain == "" || r.sentiment.explain != explainMarshal(sc.Score(r.ev.Text).Explain) {
			t.Errorf("method %q: sentiment_explain %q", method, r.sentiment.explain)
		}
	}
}
