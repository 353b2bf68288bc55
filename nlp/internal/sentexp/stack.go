package main

import (
	"fmt"
	"math"

	"dvpulse/nlp/linear"
	"dvpulse/nlp/sentiment"
	"dvpulse/nlp/textnorm"
)

// syllables counts the non-punctuation tokens of text.
func syllables(text string) int {
	n := 0
	for _, t := range textnorm.Tokenize(text, nil) {
		if t.Kind != textnorm.Punct {
			n++
		}
	}
	return n
}

// metaFeatures builds the stacking input from raw logits and a length.
func metaFeatures(z []float64, n int) []float64 {
	d := z[2] - z[0]
	m := z[1] - math.Max(z[0], z[2])
	x := []float64{z[0], z[1], z[2], math.Abs(d), m, math.Abs(d) * m}
	for b := 0; b <= 11; b++ {
		v := 0.0
		if lb(n) == b {
			v = 1
		}
		x = append(x, v, v*math.Abs(d), v*m)
	}
	return x
}

func lb(n int) int {
	switch {
	case n <= 6:
		return n
	case n <= 8:
		return 7
	case n <= 11:
		return 8
	case n <= 15:
		return 9
	case n <= 25:
		return 10
	}
	return 11
}

type metaLR struct {
	w    [][]float64
	mu   []float64
	sd   []float64
	feat int
}

func fitMeta(xs [][]float64, ys []int, neuW float64) *metaLR {
	F := len(xs[0])
	m := &metaLR{feat: F, mu: make([]float64, F), sd: make([]float64, F)}
	for _, x := range xs {
		for j, v := range x {
			m.mu[j] += v
		}
	}
	for j := range m.mu {
		m.mu[j] /= float64(len(xs))
	}
	for _, x := range xs {
		for j, v := range x {
			m.sd[j] += (v - m.mu[j]) * (v - m.mu[j])
		}
	}
	for j := range m.sd {
		m.sd[j] = math.Sqrt(m.sd[j]/float64(len(xs))) + 1e-6
	}
	m.w = make([][]float64, 3)
	for c := range m.w {
		m.w[c] = make([]float64, F+1)
	}
	g := make([][]float64, 3)
	for c := range g {
		g[c] = make([]float64, F+1)
	}
	const l2 = 1e-3
	p := make([]float64, 3)
	for it := 0; it < 300; it++ {
		for c := range g {
			for j := range g[c] {
				g[c][j] = 0
			}
		}
		tot := 0.0
		for i, x := range xs {
			m.logits(x, p)
			linear.Softmax(p)
			wt := 1.0
			if ys[i] == 1 {
				wt = neuW
			}
			tot += wt
			for c := 0; c < 3; c++ {
				gr := p[c]
				if c == ys[i] {
					gr--
				}
				gr *= wt
				for j, v := range x {
					g[c][j] += gr * (v - m.mu[j]) / m.sd[j]
				}
				g[c][F] += gr
			}
		}
		for c := 0; c < 3; c++ {
			for j := range g[c] {
				m.w[c][j] -= 0.5 * (g[c][j]/tot + l2*m.w[c][j])
			}
		}
	}
	return m
}

func (m *metaLR) logits(x []float64, out []float64) {
	for c := 0; c < 3; c++ {
		s := m.w[c][m.feat]
		for j, v := range x {
			s += m.w[c][j] * (v - m.mu[j]) / m.sd[j]
		}
		out[c] = s
	}
}

// stackReport evaluates a stacking meta-model: 5-fold CV on the
// out-of-fold logits, then fitted on all of them and applied to dev.
func stackReport(oof [][]float64, oofLen []int, oofEx []linear.Example, dev [][]float64, devLen []int, devEx []linear.Example) string {
	xs := make([][]float64, len(oof))
	ys := make([]int, len(oof))
	for i := range oof {
		xs[i] = metaFeatures(oof[i], oofLen[i])
		ys[i] = oofEx[i].Label
	}
	out := ""
	for _, nw := range []float64{1, 2} {
		cvl := make([][]float64, len(xs))
		for k := 0; k < 5; k++ {
			var tx [][]float64
			var ty []int
			for i := range xs {
				if i%5 != k {
					tx, ty = append(tx, xs[i]), append(ty, ys[i])
				}
			}
			mm := fitMeta(tx, ty, nw)
			for i := range xs {
				if i%5 == k {
					z := make([]float64, 3)
					mm.logits(xs[i], z)
					cvl[i] = z
				}
			}
		}
		cf, _, cneu := score(cvl, oofEx, nil)
		mm := fitMeta(xs, ys, nw)
		dl := make([][]float64, len(dev))
		for i := range dev {
			z := make([]float64, 3)
			mm.logits(metaFeatures(dev[i], devLen[i]), z)
			dl[i] = z
		}
		df, dacc, dneu := score(dl, devEx, nil)
		out += fmt.Sprintf(" | stack nw%g: cv %.4f neu %.4f dev %.4f acc %.4f neu %.4f", nw, cf, cneu, df, dacc, dneu)
	}
	_ = sentiment.Labels
	return out
}
