package main

import (
	"fmt"
	"math"
	"os"

	"dvpulse/nlp/linear"
	"dvpulse/nlp/sentiment"
	"dvpulse/nlp/textnorm"
)

// cnnConfig is a small convolutional text model (Kim-2014 style) over
// syllable embeddings: each token is the sum of a tone-key embedding, a
// diacritic-free embedding and, inside a negation scope, a NEG vector;
// filters of widths 1..Widths slide over the sequence padded with
// begin/end markers; max-pooling over time, ReLU, dropout, softmax.
// Trained with mini-batch Adam on class-weighted log-loss (optionally
// focal), single-threaded and seeded, so it is deterministic.
type cnnConfig struct {
	KeyBits, StripBits int // hashed embedding tables
	Dim, Filters       int
	Widths             int // filter widths 1..Widths
	Epochs, Batch      int
	LR                 float64
	Dropout            float64
	NeuW               float64
	Gamma              float64 // focal-loss exponent (0: plain log-loss)
	MaxLen             int
	Seed               uint64
	// Bigram adds a hashed tone-key bigram embedding (token t-1, t) to
	// every position.
	Bigram bool
	// WordDrop replaces a token's embeddings by zero with this
	// probability during training.
	WordDrop float64
}

// seq is a tokenised text: embedding rows per position (BOS/EOS included).
type seq struct {
	key, strip, bi []int32 // -1: none
	neg            []bool
	label          int
	weight         float32
}

func makeSeqs(cfg cnnConfig, samples []sentiment.Sample, weight float64) []seq {
	out := make([]seq, len(samples))
	var toks []textnorm.Token
	kv := 1 << cfg.KeyBits
	sv := 1 << cfg.StripBits
	for i, s := range samples {
		toks = textnorm.Tokenize(s.Text, toks[:0])
		if cfg.MaxLen > 0 && len(toks) > cfg.MaxLen {
			toks = toks[:cfg.MaxLen]
		}
		n := len(toks) + 2
		q := seq{key: make([]int32, n), strip: make([]int32, n), bi: make([]int32, n), neg: make([]bool, n), label: s.Label, weight: float32(weight)}
		q.key[0], q.strip[0], q.bi[0] = int32(kv), -1, -1
		q.key[n-1], q.strip[n-1], q.bi[n-1] = int32(kv+1), -1, -1
		negOn := false
		for j, t := range toks {
			p := j + 1
			q.key[p] = int32(mixKey(t.Key, 1) & uint64(kv-1))
			q.strip[p] = -1
			if t.Kind == textnorm.Word {
				q.strip[p] = int32(mixKey(t.Strip, 2) & uint64(sv-1))
			}
			q.bi[p] = -1
			if cfg.Bigram && j > 0 {
				q.bi[p] = int32(mixKey(toks[j-1].Key*0x9E3779B97F4A7C15^t.Key, 3) & uint64(kv-1))
			}
			if t.Kind == textnorm.Punct {
				negOn = false
			} else if negOn && !t.Neg {
				q.neg[p] = true
			}
			if t.Neg {
				negOn = true
			}
		}
		out[i] = q
	}
	return out
}

func mixKey(h, ns uint64) uint64 {
	h ^= ns * 0xC2B2AE3D27D4EB4F
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

type adamP struct {
	w, g, m, v []float32
}

func newAdamP(n int) *adamP {
	return &adamP{w: make([]float32, n), g: make([]float32, n), m: make([]float32, n), v: make([]float32, n)}
}

type cnn struct {
	cfg        cnnConfig
	K          int // number of (width, offset) pairs
	off        [][]int
	ek, es, eb *adamP // embeddings: key (+BOS, EOS), strip, bigram
	eneg       *adamP
	W          *adamP // [K][F][D]
	b          *adamP // [widths][F]
	V          *adamP // [3][widths*F]
	c          *adamP // [3]
	touchedK   map[int32]bool
	touchedS   map[int32]bool
	touchedB   map[int32]bool
	step       int
	rng        *linear.Rand
	// scratch
	X    []float32 // [T][D]
	P    []float32 // [T][K][F]
	arg  []int     // [widths*F]
	h    []float32 // pooled, after ReLU and dropout
	mask []float32
	gX   []float32
	drop []bool
}

func newCNN(cfg cnnConfig) *cnn {
	D, F := cfg.Dim, cfg.Filters
	m := &cnn{cfg: cfg, rng: linear.NewRand(cfg.Seed)}
	for w := 1; w <= cfg.Widths; w++ {
		var o []int
		for k := 0; k < w; k++ {
			o = append(o, m.K)
			m.K++
		}
		m.off = append(m.off, o)
	}
	m.ek = newAdamP(((1 << cfg.KeyBits) + 2) * D)
	m.es = newAdamP((1 << cfg.StripBits) * D)
	if cfg.Bigram {
		m.eb = newAdamP((1 << cfg.KeyBits) * D)
	}
	m.eneg = newAdamP(D)
	m.W = newAdamP(m.K * F * D)
	m.b = newAdamP(cfg.Widths * F)
	m.V = newAdamP(3 * cfg.Widths * F)
	m.c = newAdamP(3)
	r := linear.NewRand(cfg.Seed ^ 0x51ed)
	u := func(p []float32, s float64) {
		for i := range p {
			p[i] = float32((float64(r.Uint64()>>11)/float64(1<<53)*2 - 1) * s)
		}
	}
	u(m.ek.w, 0.1)
	u(m.es.w, 0.1)
	if m.eb != nil {
		u(m.eb.w, 0.05)
	}
	u(m.eneg.w, 0.1)
	u(m.W.w, math.Sqrt(3.0/float64(D*2)))
	u(m.V.w, math.Sqrt(6.0/float64(cfg.Widths*F+3)))
	m.touchedK, m.touchedS, m.touchedB = map[int32]bool{}, map[int32]bool{}, map[int32]bool{}
	m.arg = make([]int, cfg.Widths*F)
	m.h = make([]float32, cfg.Widths*F)
	m.mask = make([]float32, cfg.Widths*F)
	return m
}

// forward computes the logits of q into z; with train it samples dropout.
func (m *cnn) forward(q *seq, z []float64, train bool) {
	D, F, K := m.cfg.Dim, m.cfg.Filters, m.K
	T := len(q.key)
	if cap(m.X) < T*D {
		m.X = make([]float32, T*D*2)
		m.P = make([]float32, T*K*F*2)
		m.gX = make([]float32, T*D*2)
		m.drop = make([]bool, T*2)
	}
	X := m.X[:T*D]
	P := m.P[:T*K*F]
	for t := 0; t < T; t++ {
		x := X[t*D : t*D+D]
		dropped := false
		if train && m.cfg.WordDrop > 0 && t > 0 && t < T-1 {
			dropped = float64(m.rng.Uint64()>>11)/float64(1<<53) < m.cfg.WordDrop
		}
		m.drop[t] = dropped
		if dropped {
			clear(x)
		} else {
			copy(x, m.ek.w[int(q.key[t])*D:int(q.key[t])*D+D])
			if s := q.strip[t]; s >= 0 {
				e := m.es.w[int(s)*D : int(s)*D+D]
				for d := range x {
					x[d] += e[d]
				}
			}
			if b := q.bi[t]; b >= 0 {
				e := m.eb.w[int(b)*D : int(b)*D+D]
				for d := range x {
					x[d] += e[d]
				}
			}
			if q.neg[t] {
				for d := range x {
					x[d] += m.eneg.w[d]
				}
			}
		}
		pt := P[t*K*F : (t+1)*K*F]
		for o := 0; o < K; o++ {
			for f := 0; f < F; f++ {
				wr := m.W.w[(o*F+f)*D : (o*F+f)*D+D]
				var s float32
				for d, xv := range x {
					s += wr[d] * xv
				}
				pt[o*F+f] = s
			}
		}
	}
	for wi := 0; wi < m.cfg.Widths; wi++ {
		w := wi + 1
		for f := 0; f < F; f++ {
			best, arg := float32(math.Inf(-1)), -1
			for t := 0; t+w <= T; t++ {
				s := m.b.w[wi*F+f]
				for k := 0; k < w; k++ {
					s += P[((t+k)*K+m.off[wi][k])*F+f]
				}
				if s > best {
					best, arg = s, t
				}
			}
			j := wi*F + f
			m.arg[j] = arg
			if arg < 0 || best < 0 {
				best = 0
			}
			m.mask[j] = 1
			if train && m.cfg.Dropout > 0 {
				if float64(m.rng.Uint64()>>11)/float64(1<<53) < m.cfg.Dropout {
					m.mask[j] = 0
				} else {
					m.mask[j] = float32(1 / (1 - m.cfg.Dropout))
				}
			}
			m.h[j] = best * m.mask[j]
		}
	}
	H := m.cfg.Widths * F
	for c := 0; c < 3; c++ {
		s := float64(m.c.w[c])
		vr := m.V.w[c*H : c*H+H]
		for j, hv := range m.h {
			s += float64(vr[j] * hv)
		}
		z[c] = s
	}
}

// backward accumulates the gradients of loss weight gz (dL/dz) for the
// last forward pass of q.
func (m *cnn) backward(q *seq, gz []float64) {
	D, F, K := m.cfg.Dim, m.cfg.Filters, m.K
	H := m.cfg.Widths * F
	T := len(q.key)
	X := m.X[:T*D]
	gX := m.gX[:T*D]
	clear(gX)
	for c := 0; c < 3; c++ {
		g := float32(gz[c])
		m.c.g[c] += g
		gv := m.V.g[c*H : c*H+H]
		for j, hv := range m.h {
			gv[j] += g * hv
		}
	}
	for wi := 0; wi < m.cfg.Widths; wi++ {
		for f := 0; f < F; f++ {
			j := wi*F + f
			if m.h[j] <= 0 || m.arg[j] < 0 {
				continue
			}
			var g float32
			for c := 0; c < 3; c++ {
				g += float32(gz[c]) * m.V.w[c*H+j]
			}
			g *= m.mask[j]
			m.b.g[j] += g
			for k := 0; k <= wi; k++ {
				t := m.arg[j] + k
				o := m.off[wi][k]
				x := X[t*D : t*D+D]
				gw := m.W.g[(o*F+f)*D : (o*F+f)*D+D]
				wr := m.W.w[(o*F+f)*D : (o*F+f)*D+D]
				gx := gX[t*D : t*D+D]
				for d := range x {
					gw[d] += g * x[d]
					gx[d] += g * wr[d]
				}
			}
		}
	}
	_ = K
	for t := 0; t < T; t++ {
		if m.drop[t] {
			continue
		}
		gx := gX[t*D : t*D+D]
		add := func(p *adamP, row int32, touched map[int32]bool) {
			touched[row] = true
			g := p.g[int(row)*D : int(row)*D+D]
			for d := range g {
				g[d] += gx[d]
			}
		}
		add(m.ek, q.key[t], m.touchedK)
		if q.strip[t] >= 0 {
			add(m.es, q.strip[t], m.touchedS)
		}
		if q.bi[t] >= 0 {
			add(m.eb, q.bi[t], m.touchedB)
		}
		if q.neg[t] {
			for d := range gx {
				m.eneg.g[d] += gx[d]
			}
		}
	}
}

const (
	adamB1  = 0.9
	adamB2  = 0.999
	adamEps = 1e-8
)

func (m *cnn) adamRange(p *adamP, lo, hi int, scale float32, lr float64) {
	c1 := 1 - math.Pow(adamB1, float64(m.step))
	c2 := 1 - math.Pow(adamB2, float64(m.step))
	a := float32(lr * math.Sqrt(c2) / c1)
	for i := lo; i < hi; i++ {
		g := p.g[i] * scale
		p.g[i] = 0
		p.m[i] = adamB1*p.m[i] + (1-adamB1)*g
		p.v[i] = adamB2*p.v[i] + (1-adamB2)*g*g
		p.w[i] -= a * p.m[i] / (float32(math.Sqrt(float64(p.v[i]))) + adamEps)
	}
}

// update applies one Adam step (lazy for embedding rows) with the
// gradients accumulated over a batch of n examples.
func (m *cnn) update(n int, lr float64) {
	m.step++
	s := float32(1 / float64(n))
	D := m.cfg.Dim
	for _, p := range []*adamP{m.eneg, m.W, m.b, m.V, m.c} {
		m.adamRange(p, 0, len(p.w), s, lr)
	}
	// sorted row order is not needed: rows are independent.
	for r := range m.touchedK {
		m.adamRange(m.ek, int(r)*D, int(r)*D+D, s, lr)
	}
	clear(m.touchedK)
	for r := range m.touchedS {
		m.adamRange(m.es, int(r)*D, int(r)*D+D, s, lr)
	}
	clear(m.touchedS)
	if m.eb != nil {
		for r := range m.touchedB {
			m.adamRange(m.eb, int(r)*D, int(r)*D+D, s, lr)
		}
	}
	clear(m.touchedB)
}

func (m *cnn) epoch(data []seq) {
	z := make([]float64, 3)
	gz := make([]float64, 3)
	n := 0
	for _, idx := range m.rng.Perm(len(data)) {
		q := &data[idx]
		m.forward(q, z, true)
		linear.Softmax(z)
		w := float64(q.weight)
		if w == 0 {
			w = 1
		}
		if q.label == 1 {
			w *= m.cfg.NeuW
		}
		py := z[q.label]
		if m.cfg.Gamma > 0 {
			// focal loss -(1-p)^γ log p; dL/dz_c = f'(p_y) * dp_y/dz_c
			// with dp_y/dz_c = p_y(δ - p_c).
			lp := math.Log(math.Max(py, 1e-12))
			om := 1 - py
			dLdp := m.cfg.Gamma*math.Pow(om, m.cfg.Gamma-1)*lp - math.Pow(om, m.cfg.Gamma)/math.Max(py, 1e-12)
			for c := 0; c < 3; c++ {
				d := -z[c]
				if c == q.label {
					d = 1 - py
				}
				gz[c] = w * dLdp * py * d
			}
		} else {
			for c := 0; c < 3; c++ {
				gz[c] = z[c]
				if c == q.label {
					gz[c]--
				}
				gz[c] *= w
			}
		}
		m.backward(q, gz)
		n++
		if n == m.cfg.Batch {
			m.update(n, m.cfg.LR)
			n = 0
		}
	}
	if n > 0 {
		m.update(n, m.cfg.LR)
	}
}

func (m *cnn) logits(data []seq) [][]float64 {
	out := make([][]float64, len(data))
	for i := range data {
		z := make([]float64, 3)
		m.forward(&data[i], z, false)
		out[i] = z
	}
	return out
}

func seqExamples(data []seq) []linear.Example {
	out := make([]linear.Example, len(data))
	for i, q := range data {
		out[i] = linear.Example{Label: q.label}
	}
	return out
}

// fitCNN trains for cfg.Epochs epochs; with dev it returns the dev logits
// of the best dev epoch and that epoch.
func fitCNN(cfg cnnConfig, data, dev []seq) (*cnn, [][]float64, int) {
	m := newCNN(cfg)
	best, bestEp := -1.0, cfg.Epochs
	var bestLg [][]float64
	devEx := seqExamples(dev)
	for ep := 1; ep <= cfg.Epochs; ep++ {
		m.epoch(data)
		if dev != nil {
			lg := m.logits(dev)
			f, acc, neu := score(lg, devEx, nil)
			if *verbose {
				fmt.Fprintf(os.Stderr, "  cnn epoch %d dev F1 %.4f acc %.4f neu %.4f\n", ep, f, acc, neu)
			}
			if f > best {
				best, bestEp, bestLg = f, ep, lg
			}
		}
	}
	return m, bestLg, bestEp
}

// evalCNN fills r with dev logits (best dev epoch; bag of v.bag seeds
// averaged, the further seeds trained for the dev-chosen epoch count) and,
// with cv > 0, out-of-fold logits of k-fold CV on train.
func evalCNN(v variant, r *result, train, dev, aiv []sentiment.Sample, cv int) {
	cfg := *v.cnn
	tr := makeSeqs(cfg, train, 1)
	dv := makeSeqs(cfg, dev, 1)
	var av []seq
	if v.aiv > 0 {
		av = makeSeqs(cfg, aiv, v.aiv)
	}
	nb := max(v.bag, 1)
	all := append(append([]seq(nil), tr...), av...)
	_, lg, ep := fitCNN(cfg, all, dv)
	for b := 1; b < nb; b++ {
		c := cfg
		c.Epochs, c.Seed = ep, c.Seed+uint64(b)*7919
		mb, _, _ := fitCNN(c, all, nil)
		addLogits(lg, mb.logits(dv))
	}
	r.lg, r.devEx, r.extra = lg, seqExamples(dv), fmt.Sprintf("ep%d", ep)
	for k := 0; k < cv; k++ {
		var trk, tek []seq
		for i := range tr {
			if i%cv == k {
				tek = append(tek, tr[i])
			} else {
				trk = append(trk, tr[i])
			}
		}
		var sum [][]float64
		for b := 0; b < nb; b++ {
			c := cfg
			c.Epochs, c.Seed = ep, c.Seed+uint64(b)*7919
			mk, _, _ := fitCNN(c, append(trk, av...), nil)
			if sum == nil {
				sum = mk.logits(tek)
			} else {
				addLogits(sum, mk.logits(tek))
			}
		}
		r.oof = append(r.oof, sum...)
		r.oofEx = append(r.oofEx, seqExamples(tek)...)
	}
	if nb > 1 {
		for _, l := range append(r.lg, r.oof...) {
			for c := range l {
				l[c] /= float64(nb)
			}
		}
	}
}
