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
	var topBuf [8]span
	ranked := topSpans(spans, k, topBuf[:0])
	out := scratch[:0]
	for _, s := range ranked {
		if len(out) >= k || s.w <= 0 {
			break
		}
		kind := "ngram"
		if s.neg {
			kind = "negated"
		}
		if cap(out) == 0 {
			out = make([]Contribution, 0, min(k, len(ranked)))
		}
		out = append(out, Contribution{Text: spanText(toks, s.start, s.n), Kind: kind, Weight: float64(int64(s.w*1e4+0.5)) / 1e4})
	}
	return out
}

// spanText is the text of n tokens from start, separated by spaces. A
// single token's text is returned as it is, without a copy.
func spanText(toks []textnorm.Token, start, n int) string {
	end := min(start+n, len(toks))
	if start < 0 || start >= end {
		return ""
	}
	if end == start+1 {
		return toks[start].Text
	}
	size := end - start - 1
	for i := start; i < end; i++ {
		size += len(toks[i].Text)
	}
	var b strings.Builder
	b.Grow(size)
	for i := start; i < end; i++ {
		if i > start {
			b.WriteByte(' ')
		}
		b.WriteString(toks[i].Text)
	}
	return b.String()
}

// span is one surface span of a text and its summed contribution.
type span struct {
	start, n int
	neg      bool
	w        float64
}

// topSpans returns the spans that Explain reports, in its order: the first
// k of spans stable-sorted by descending weight, up to the first weight
// that is not positive. For k up to cap(top) and no NaN weight it selects
// them into top in one pass, without sorting every span; otherwise it
// sorts spans in place. slices.SortStableFunc keeps spans on the stack
// (sort.SliceStable's reflection moved them to the heap on every call).
func topSpans(spans []span, k int, top []span) []span {
	if k <= cap(top) {
		top = top[:0]
		for _, s := range spans {
			if s.w != s.w {
				return sortSpans(spans)
			}
			if !(s.w > 0) || len(top) == k && !(s.w > top[k-1].w) {
				continue
			}
			// After every kept span of equal or greater weight: a
			// stable sort keeps equal weights in their order.
			j := len(top)
			for j > 0 && top[j-1].w < s.w {
				j--
			}
			if len(top) < k {
				top = append(top, span{})
			}
			copy(top[j+1:], top[j:len(top)-1])
			top[j] = s
		}
		return top
	}
	return sortSpans(spans)
}

func sortSpans(spans []span) []span {
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Compare(b.w, a.w) })
	return spans
}
