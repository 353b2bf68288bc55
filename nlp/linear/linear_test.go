package linear

import (
	"bytes"
	"testing"

	"dvpulse/nlp/textnorm"
)

func TestEncodeRoundTrip(t *testing.T) {
	cfg := FeatureConfig{Bits: 10, Words: 2, Stripped: 1, Neg: true}
	texts := []string{"rất tốt", "không tốt", "bình thường", "tệ quá"}
	labels := []int{2, 0, 1, 0}
	var ex []Example
	for i, s := range texts {
		var b []uint32
		for _, f := range cfg.Extract(textnorm.Tokenize(s, nil), nil) {
			b = append(b, f.Bucket)
		}
		ex = append(ex, Example{Buckets: b, Label: labels[i], Weight: 1})
	}
	tr := NewTrainer(ex, TrainConfig{Classes: 3, Bits: 10, LR: 0.2, Seed: 1, Average: true})
	for i := 0; i < 20; i++ {
		tr.Epoch()
	}
	m := Quantize(tr.Weights(), Header{Name: "t", Version: "1", Classes: []string{"n", "u", "p"}, Features: cfg})
	enc, err := m.EncodeBytes()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := DecodeBytes(enc)
	if err != nil {
		t.Fatal(err)
	}
	enc2, _ := m2.EncodeBytes()
	if !bytes.Equal(enc, enc2) {
		t.Error("decode/encode changed the model")
	}
	p := make([]float64, 3)
	for i, s := range texts {
		_, feats := m2.Featurize(s, nil, nil)
		if got := m2.Probs(feats, p); got != labels[i] {
			t.Errorf("%q: predicted %d want %d", s, got, labels[i])
		}
	}
	if _, err := DecodeBytes([]byte("not a model")); err == nil {
		t.Error("garbage decoded")
	}
}

func TestConfusion(t *testing.T) {
	c := NewConfusion([]string{"a", "b"})
	c.Add(0, 0)
	c.Add(0, 1)
	c.Add(1, 1)
	if c.Accuracy() < 0.66 || c.Accuracy() > 0.67 {
		t.Errorf("accuracy %f", c.Accuracy())
	}
	st := c.Stats()
	if st[0].Precision != 1 || st[0].Recall != 0.5 || st[1].Precision != 0.5 {
		t.Errorf("stats %+v", st)
	}
}

func TestSVMSeparates(t *testing.T) {
	cfg := FeatureConfig{Bits: 10, Words: 2, Length: true, Edges: true}
	texts := []string{"rất tốt", "không tốt lắm", "bình thường", "tệ quá", "hay lắm", "dở tệ"}
	labels := []int{2, 0, 1, 0, 2, 0}
	var ex []Example
	for i, s := range texts {
		var b []uint32
		for _, f := range cfg.Extract(textnorm.Tokenize(s, nil), nil) {
			b = append(b, f.Bucket)
		}
		ex = append(ex, Example{Buckets: b, Label: labels[i], Weight: 1})
	}
	for _, nb := range []float64{0, 1} {
		sc := SVMConfig{Classes: 3, Bits: 10, C: 10, Iters: 200, Seed: 3, NBAlpha: nb}
		w := TrainSVM(ex, sc)
		w2 := TrainSVM(ex, sc)
		for i := range w.W {
			if w.W[i] != w2.W[i] {
				t.Fatal("SVM training is not deterministic")
			}
		}
		for i, e := range ex {
			if got := w.Predict(e.Buckets, make([]float64, 3)); got != labels[i] {
				t.Errorf("nb=%g %q: predicted %d want %d", nb, texts[i], got, labels[i])
			}
		}
	}
}

func TestLengthAndEdgeFeatures(t *testing.T) {
	cfg := FeatureConfig{Bits: 12, Words: 1, Length: true, Edges: true}
	fs := cfg.Extract(textnorm.Tokenize("thầy dạy hay .", nil), nil)
	var n, edges int
	for _, f := range fs {
		switch f.Kind {
		case KindLen:
			n++
			if f.N != 0 {
				t.Error("the length feature must have no surface span")
			}
		case KindEdge:
			edges++
		}
	}
	if n != 1 || edges != 2 {
		t.Errorf("got %d length and %d edge features, want 1 and 2", n, edges)
	}
	if a, b := cfg.InputScale(16), (FeatureConfig{Norm: true}).InputScale(16); a != 1 || b != 0.25 {
		t.Errorf("InputScale: %v %v", a, b)
	}
	ws := []*Weights{{Classes: 1, Bits: 1, W: []float32{1, 3}, B: []float32{2}}, {Classes: 1, Bits: 1, W: []float32{3, 5}, B: []float32{4}}}
	if a := AverageWeights(ws); a.W[0] != 2 || a.W[1] != 4 || a.B[0] != 3 {
		t.Errorf("AverageWeights %+v", a)
	}
}

// TestOptionalTemplates checks the experimental templates (off in the
// shipped model): short-text conjunctions and the whole-text feature fire
// only for short texts, and skip-bigrams add one feature per triple.
func TestOptionalTemplates(t *testing.T) {
	count := func(cfg FeatureConfig, text string, kind FeatureKind) int {
		n := 0
		for _, f := range cfg.Extract(textnorm.Tokenize(text, nil), nil) {
			if f.Kind == kind {
				n++
			}
		}
		return n
	}
	cfg := FeatureConfig{Bits: 16, Words: 2, Short: 4, Whole: 4, Skip: true}
	short, long := "giảng bài .", "thầy giảng bài rất dễ hiểu và nhiệt tình ."
	if got := count(cfg, short, KindShort); got != 3 {
		t.Errorf("short text: %d short-conjunction features, want 3 (2 unigrams + 1 bigram)", got)
	}
	if got := count(cfg, long, KindShort); got != 0 {
		t.Errorf("long text: %d short-conjunction features, want 0", got)
	}
	if count(cfg, short, KindWhole) != 1 || count(cfg, long, KindWhole) != 0 {
		t.Error("the whole-text feature should fire for short texts only")
	}
	if got := count(cfg, long, KindSkip); got != 7 {
		t.Errorf("%d skip-bigrams, want 7", got)
	}
	a := cfg.Extract(textnorm.Tokenize("hoà bình", nil), nil)
	b := cfg.Extract(textnorm.Tokenize("hòa bình", nil), nil)
	if len(a) != len(b) {
		t.Fatal("hoà/hòa give different feature counts")
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("hoà/hòa differ at feature %d", i)
		}
	}
}
