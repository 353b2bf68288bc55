package main

import (
	"math"

	"dvpulse/nlp/linear"
)

// mlpConfig is a fastText-style model with one hidden layer: hashed
// feature embeddings summed (scaled by 1/sqrt(n)), ReLU, softmax.
type mlpConfig struct {
	Bits, Dim int
	LR        float64
	Epochs    int
	Seed      uint64
	NeuW      float64
}

type mlp struct {
	cfg  mlpConfig
	E    []float32 // [bucket][dim]
	gE   []float32
	b1   []float64
	V    []float64 // [3][dim]
	b2   []float64
	gb1  []float64
	gV   []float64
	gb2  []float64
	rng  *linear.Rand
	a, h []float64
}

func newMLP(cfg mlpConfig) *mlp {
	n := (1 << cfg.Bits) * cfg.Dim
	m := &mlp{cfg: cfg, E: make([]float32, n), gE: make([]float32, n), b1: make([]float64, cfg.Dim),
		V: make([]float64, 3*cfg.Dim), b2: make([]float64, 3), gb1: make([]float64, cfg.Dim),
		gV: make([]float64, 3*cfg.Dim), gb2: make([]float64, 3), rng: linear.NewRand(cfg.Seed),
		a: make([]float64, cfg.Dim), h: make([]float64, cfg.Dim)}
	r := linear.NewRand(cfg.Seed ^ 0xabcdef)
	u := func(s float64) float64 { return (float64(r.Uint64()>>11)/float64(1<<53)*2 - 1) * s }
	for i := range m.E {
		m.E[i] = float32(u(0.1))
	}
	for i := range m.V {
		m.V[i] = u(1 / math.Sqrt(float64(cfg.Dim)))
	}
	for i := range m.b1 {
		m.b1[i] = 0.1
	}
	return m
}

func (m *mlp) forward(b []uint32, out []float64) {
	D := m.cfg.Dim
	s := 1 / math.Sqrt(math.Max(float64(len(b)), 1))
	copy(m.a, m.b1)
	for _, x := range b {
		row := m.E[int(x)*D : int(x)*D+D]
		for j := range row {
			m.a[j] += s * float64(row[j])
		}
	}
	for j := range m.a {
		m.h[j] = math.Max(m.a[j], 0)
	}
	for c := 0; c < 3; c++ {
		z := m.b2[c]
		for j := 0; j < D; j++ {
			z += m.V[c*D+j] * m.h[j]
		}
		out[c] = z
	}
}

func (m *mlp) epoch(ex []linear.Example) {
	D := m.cfg.Dim
	lr := m.cfg.LR
	p := make([]float64, 3)
	gh := make([]float64, D)
	for _, idx := range m.rng.Perm(len(ex)) {
		e := &ex[idx]
		m.forward(e.Buckets, p)
		linear.Softmax(p)
		w := float64(e.Weight)
		if w == 0 {
			w = 1
		}
		if e.Label == 1 {
			w *= m.cfg.NeuW
		}
		for j := range gh {
			gh[j] = 0
		}
		for c := 0; c < 3; c++ {
			g := p[c]
			if c == e.Label {
				g--
			}
			g *= w
			m.gb2[c] += g * g
			m.b2[c] -= lr * g / (math.Sqrt(m.gb2[c]) + 1e-8)
			for j := 0; j < D; j++ {
				gh[j] += g * m.V[c*D+j]
				gv := g * m.h[j]
				m.gV[c*D+j] += gv * gv
				m.V[c*D+j] -= lr * gv / (math.Sqrt(m.gV[c*D+j]) + 1e-8)
			}
		}
		for j := 0; j < D; j++ {
			if m.a[j] <= 0 {
				gh[j] = 0
			}
			m.gb1[j] += gh[j] * gh[j]
			m.b1[j] -= lr * gh[j] / (math.Sqrt(m.gb1[j]) + 1e-8)
		}
		s := 1 / math.Sqrt(math.Max(float64(len(e.Buckets)), 1))
		for _, x := range e.Buckets {
			base := int(x) * D
			for j := 0; j < D; j++ {
				if gh[j] == 0 {
					continue
				}
				g := gh[j] * s
				acc := float64(m.gE[base+j]) + g*g
				m.gE[base+j] = float32(acc)
				m.E[base+j] -= float32(lr * g / (math.Sqrt(acc) + 1e-8))
			}
		}
	}
}

func (m *mlp) logits(ex []linear.Example) [][]float64 {
	out := make([][]float64, len(ex))
	for i := range ex {
		z := make([]float64, 3)
		m.forward(ex[i].Buckets, z)
		out[i] = z
	}
	return out
}

// fitMLP trains for cfg.Epochs epochs; with devEx it returns the logits
// function of the best dev epoch (weights are not copied: it returns the
// dev logits and the epoch instead).
func fitMLP(cfg mlpConfig, ex, devEx []linear.Example) (*mlp, [][]float64, int) {
	m := newMLP(cfg)
	best, bestEp := -1.0, cfg.Epochs
	var bestLg [][]float64
	for ep := 1; ep <= cfg.Epochs; ep++ {
		m.epoch(ex)
		if devEx != nil {
			lg := m.logits(devEx)
			f, _, _ := score(lg, devEx, nil)
			if f > best {
				best, bestEp, bestLg = f, ep, lg
			}
		}
	}
	return m, bestLg, bestEp
}
