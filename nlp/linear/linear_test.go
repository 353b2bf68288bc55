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
