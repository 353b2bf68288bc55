package linear

import (
	"math"
)

// Example is one training instance: its feature buckets, class index and
// instance weight.
type Example struct {
	Buckets []uint32
	Label   int
	Weight  float32
	// Scale is the value of each feature occurrence (0 means 1); see
	// FeatureConfig.InputScale.
	Scale float32
}

// XScale returns the feature value of e (Scale, or 1 when unset).
func (e *Example) XScale() float64 {
	if e.Scale == 0 {
		return 1
	}
	return float64(e.Scale)
}

// TrainConfig controls the AdaGrad trainer.
type TrainConfig struct {
	Classes int     `json:"classes"`
	Bits    int     `json:"bits"`
	Epochs  int     `json:"epochs"`
	LR      float64 `json:"lr"`
	L2      float64 `json:"l2"`
	Seed    uint64  `json:"seed"`
	// ClassWeight multiplies the loss of every example of a class (nil
	// means all 1).
	ClassWeight []float64 `json:"class_weight,omitempty"`
	// Average keeps a running average of the weights over all updates
	// (averaged SGD), which usually generalises better.
	Average bool `json:"average"`
	// Bag > 1 trains Bag models with seeds Seed, Seed+BagStride, … in
	// lockstep and averages their weights (a bagged ensemble folded into
	// one linear model). 0 or 1 trains one model.
	Bag int `json:"bag,omitempty"`
}

// BagStride separates the seeds of bagged models.
const BagStride = 1000003

// Weights is a dense float model: W[bucket*Classes+class] and a bias per
// class.
type Weights struct {
	Classes int
	Bits    int
	W       []float32
	B       []float32
}

// Logits writes the class scores of buckets into out.
func (w *Weights) Logits(buckets []uint32, out []float64) {
	w.LogitsScaled(buckets, 1, out)
}

// LogitsScaled writes the class scores of buckets, each with feature value
// xs, into out.
func (w *Weights) LogitsScaled(buckets []uint32, xs float64, out []float64) {
	C := w.Classes
	for c := 0; c < C; c++ {
		out[c] = float64(w.B[c])
	}
	for _, b := range buckets {
		row := w.W[int(b)*C : int(b)*C+C]
		for c := 0; c < C; c++ {
			out[c] += xs * float64(row[c])
		}
	}
}

// Predict returns the argmax class.
func (w *Weights) Predict(buckets []uint32, scratch []float64) int {
	w.Logits(buckets, scratch)
	return Argmax(scratch[:w.Classes])
}

// Argmax returns the index of the largest value (the first on ties).
func Argmax(v []float64) int {
	best := 0
	for i := 1; i < len(v); i++ {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// Softmax turns logits into probabilities in place.
func Softmax(v []float64) {
	m := v[0]
	for _, x := range v[1:] {
		if x > m {
			m = x
		}
	}
	s := 0.0
	for i, x := range v {
		e := math.Exp(x - m)
		v[i] = e
		s += e
	}
	for i := range v {
		v[i] /= s
	}
}

// Rand is a small deterministic generator (SplitMix64) whose sequence does
// not depend on the Go version.
type Rand struct{ s uint64 }

// NewRand returns a generator seeded with seed.
func NewRand(seed uint64) *Rand { return &Rand{s: seed} }

// Uint64 returns the next value.
func (r *Rand) Uint64() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Intn returns a value in [0,n).
func (r *Rand) Intn(n int) int { return int(r.Uint64() % uint64(n)) }

// Perm returns a deterministic permutation of [0,n).
func (r *Rand) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.Intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// Trainer runs AdaGrad epochs over a fixed example set. It is
// single-threaded so results are bit-for-bit reproducible.
type Trainer struct {
	cfg   TrainConfig
	ex    []Example
	w     *Weights
	g     []float32 // AdaGrad accumulators for W
	gb    []float64
	avg   []float64 // running sum for averaging
	avgB  []float64
	last  []int32 // step of the last update per weight row, for lazy averaging
	steps int
	rng   *Rand
	probs []float64
}

// NewTrainer prepares a trainer.
func NewTrainer(ex []Example, cfg TrainConfig) *Trainer {
	n := (1 << cfg.Bits) * cfg.Classes
	t := &Trainer{
		cfg: cfg, ex: ex,
		w:     &Weights{Classes: cfg.Classes, Bits: cfg.Bits, W: make([]float32, n), B: make([]float32, cfg.Classes)},
		g:     make([]float32, n),
		gb:    make([]float64, cfg.Classes),
		rng:   NewRand(cfg.Seed),
		probs: make([]float64, cfg.Classes),
	}
	if cfg.Average {
		t.avg = make([]float64, n)
		t.avgB = make([]float64, cfg.Classes)
		t.last = make([]int32, 1<<cfg.Bits)
	}
	return t
}

// Epoch runs one pass over the examples in a seeded random order.
func (t *Trainer) Epoch() {
	C := t.cfg.Classes
	lr := t.cfg.LR
	l2 := t.cfg.L2
	w := t.w
	for _, idx := range t.rng.Perm(len(t.ex)) {
		e := &t.ex[idx]
		if t.cfg.Average {
			t.catchUp(e.Buckets)
		}
		xs := e.XScale()
		w.LogitsScaled(e.Buckets, xs, t.probs)
		Softmax(t.probs)
		scale := float64(e.Weight)
		if scale == 0 {
			scale = 1
		}
		if t.cfg.ClassWeight != nil {
			scale *= t.cfg.ClassWeight[e.Label]
		}
		for c := 0; c < C; c++ {
			gr := t.probs[c]
			if c == e.Label {
				gr -= 1
			}
			gr *= scale
			t.gb[c] += gr * gr
			w.B[c] -= float32(lr * gr / (math.Sqrt(t.gb[c]) + 1e-8))
		}
		for _, b := range e.Buckets {
			base := int(b) * C
			for c := 0; c < C; c++ {
				gr := t.probs[c]
				if c == e.Label {
					gr -= 1
				}
				gr = gr*scale*xs + l2*float64(w.W[base+c])
				g := float64(t.g[base+c]) + gr*gr
				t.g[base+c] = float32(g)
				w.W[base+c] -= float32(lr * gr / (math.Sqrt(g) + 1e-8))
			}
		}
		t.steps++
		if t.cfg.Average {
			for c := 0; c < C; c++ {
				t.avgB[c] += float64(w.B[c])
			}
		}
	}
}

// catchUp adds the weights of rows untouched since their last update to
// the running average (they were constant meanwhile).
func (t *Trainer) catchUp(buckets []uint32) {
	C := t.cfg.Classes
	for _, b := range buckets {
		gap := int32(t.steps) - t.last[b]
		if gap > 0 {
			base := int(b) * C
			for c := 0; c < C; c++ {
				t.avg[base+c] += float64(gap) * float64(t.w.W[base+c])
			}
			t.last[b] = int32(t.steps)
		}
	}
}

// Weights returns the current model: the averaged weights when averaging
// is on, otherwise the live weights. The result is a copy.
func (t *Trainer) Weights() *Weights {
	C := t.cfg.Classes
	out := &Weights{Classes: C, Bits: t.cfg.Bits, W: make([]float32, len(t.w.W)), B: make([]float32, C)}
	if !t.cfg.Average || t.steps == 0 {
		copy(out.W, t.w.W)
		copy(out.B, t.w.B)
		return out
	}
	n := float64(t.steps)
	for b := 0; b < 1<<t.cfg.Bits; b++ {
		gap := int32(t.steps) - t.last[b]
		base := b * C
		for c := 0; c < C; c++ {
			s := t.avg[base+c] + float64(gap)*float64(t.w.W[base+c])
			out.W[base+c] = float32(s / n)
		}
	}
	for c := 0; c < C; c++ {
		out.B[c] = float32(t.avgB[c] / n)
	}
	return out
}

// AverageWeights returns the element-wise mean of models of the same shape
// (a bagged ensemble of linear models folded into one linear model).
func AverageWeights(ws []*Weights) *Weights {
	if len(ws) == 1 {
		return ws[0]
	}
	out := &Weights{Classes: ws[0].Classes, Bits: ws[0].Bits, W: make([]float32, len(ws[0].W)), B: make([]float32, len(ws[0].B))}
	n := float64(len(ws))
	for i := range out.W {
		s := 0.0
		for _, w := range ws {
			s += float64(w.W[i])
		}
		out.W[i] = float32(s / n)
	}
	for i := range out.B {
		s := 0.0
		for _, w := range ws {
			s += float64(w.B[i])
		}
		out.B[i] = float32(s / n)
	}
	return out
}
