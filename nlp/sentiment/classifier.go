package sentiment

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"dvpulse/nlp/linear"
	"dvpulse/nlp/textnorm"
)

//go:embed model/sentiment.bin.gz
var embeddedModel []byte

// EmbeddedModelBytes returns the gzip-compressed committed model.
func EmbeddedModelBytes() []byte { return embeddedModel }

// Classifier wraps a sentiment model with explanation support. It is
// immutable and safe for concurrent use.
type Classifier struct {
	Model *linear.Model
	// Digest is the first 12 hex digits of the SHA-256 of the encoded model.
	Digest string
}

var (
	defaultOnce sync.Once
	defaultC    *Classifier
	defaultErr  error
)

// Default returns the embedded classifier, loading it once.
func Default() (*Classifier, error) {
	defaultOnce.Do(func() {
		defaultC, defaultErr = Load(embeddedModel)
	})
	return defaultC, defaultErr
}

// Load decodes an encoded model.
func Load(b []byte) (*Classifier, error) {
	m, err := linear.DecodeBytes(b)
	if err != nil {
		return nil, fmt.Errorf("sentiment: load model: %w", err)
	}
	if len(m.Classes) != 3 || strings.Join(m.Classes, ",") != strings.Join(Labels, ",") {
		return nil, fmt.Errorf("sentiment: model classes %v, want %v", m.Classes, Labels)
	}
	sum := sha256.Sum256(b)
	return &Classifier{Model: m, Digest: hex.EncodeToString(sum[:6])}, nil
}

// LoadModel wraps an in-memory model (for example a freshly trained one).
func LoadModel(m *linear.Model) (*Classifier, error) {
	var b bytes.Buffer
	if err := m.Encode(&b); err != nil {
		return nil, err
	}
	return Load(b.Bytes())
}

// Contribution is one n-gram's push toward the predicted class.
type Contribution struct {
	Text   string  `json:"text"`
	Kind   string  `json:"kind"`
	Weight float64 `json:"weight"`
}

// Predict computes calibrated probabilities (negative, neutral, positive)
// for already-extracted features and returns the predicted class.
func (c *Classifier) Predict(feats []linear.Feature, probs *[3]float64) int {
	return c.Model.Probs(feats, probs[:])
}

// Explain returns up to k spans whose features pushed the logit of class
// cls up the most, relative to the mean of the three classes. Features
// covering the same span (tone-key, diacritic-free and character n-grams)
// are summed; negation-scope features are reported with kind "negated".
func (c *Classifier) Explain(toks []textnorm.Token, feats []linear.Feature, cls, k int, scratch []Contribution) []Contribution {
	if k <= 0 {
		return nil
	}
	type span struct {
		start, n int
		neg      bool
		w        float64
	}
	var buf [128]span
	spans := buf[:0]
	for _, f := range feats {
		if f.N == 0 {
			// Features without a surface span (text length).
			continue
		}
		w0, w1, w2 := c.Model.Weight(f.Bucket, 0), c.Model.Weight(f.Bucket, 1), c.Model.Weight(f.Bucket, 2)
		ws := [3]float64{w0, w1, w2}
		contrib := ws[cls] - (w0+w1+w2)/3
		if contrib == 0 {
			continue
		}
		neg := f.Kind == linear.KindNeg
		found := false
		for i := range spans {
			if spans[i].start == int(f.Start) && spans[i].n == int(f.N) && spans[i].neg == neg {
				spans[i].w += contrib
				found = true
				break
			}
		}
		if !found {
			spans = append(spans, span{start: int(f.Start), n: int(f.N), neg: neg, w: contrib})
		}
	}
	// slices.SortStableFunc keeps spans on the stack (sort.SliceStable's
	// reflection moved them to the heap on every call).
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Compare(b.w, a.w) })
	out := scratch[:0]
	for _, s := range spans {
		if len(out) >= k || s.w <= 0 {
			break
		}
		var b strings.Builder
		for i := s.start; i < s.start+s.n && i < len(toks); i++ {
			if i > s.start {
				b.WriteByte(' ')
			}
			b.WriteString(toks[i].Text)
		}
		kind := "ngram"
		if s.neg {
			kind = "negated"
		}
		out = append(out, Contribution{Text: b.String(), Kind: kind, Weight: float64(int64(s.w*1e4+0.5)) / 1e4})
	}
	return out
}
