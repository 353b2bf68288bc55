package linear

import (
	"math"
	"sort"
	"sync"
)

// SVMConfig configures TrainSVM: one-vs-rest linear SVMs with squared hinge
// loss and L2 regularisation, solved by dual coordinate descent (Hsieh et
// al. 2008, the LIBLINEAR "L2R_L2LOSS_SVC_DUAL" solver).
type SVMConfig struct {
	Classes int `json:"classes"`
	Bits    int `json:"bits"`
	// C is the cost of a margin violation (inverse regularisation).
	C float64 `json:"c"`
	// Iters bounds the passes over the data; Eps stops earlier when the
	// projected-gradient spread falls below it.
	Iters int     `json:"iters"`
	Eps   float64 `json:"eps"`
	Seed  uint64  `json:"seed"`
	// ClassWeight multiplies C for the examples of a class (nil = all 1).
	ClassWeight []float64 `json:"class_weight,omitempty"`
	// NBAlpha > 0 turns on NB-SVM: every feature of the class-c problem is
	// scaled by its naive Bayes log-count ratio r (smoothing NBAlpha)
	// computed from binarised counts, and the final weight is r·w.
	NBAlpha float64 `json:"nb_alpha,omitempty"`
	// NBBeta interpolates NB-SVM weights toward their mean magnitude as in
	// Wang & Manning (2012): w' = (1-β)·mean|w| + β·w; 0 means 1 (off).
	NBBeta float64 `json:"nb_beta,omitempty"`
}

type sparseEx struct {
	idx []uint32
	val []float32
}

// toSparse merges duplicate buckets into counts times the example scale.
func toSparse(e *Example) sparseEx {
	b := append([]uint32(nil), e.Buckets...)
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	xs := float32(e.XScale())
	var s sparseEx
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] == b[i] {
			j++
		}
		s.idx = append(s.idx, b[i])
		s.val = append(s.val, float32(j-i)*xs)
		i = j
	}
	return s
}

// TrainSVM trains one binary SVM per class (class vs rest) and returns
// their weights as one multiclass linear model whose logits are the SVM
// decision values. The classes are solved concurrently but independently,
// each with its own seeded order, so the result is deterministic.
func TrainSVM(ex []Example, cfg SVMConfig) *Weights {
	C := cfg.Classes
	nb := 1 << cfg.Bits
	sp := make([]sparseEx, len(ex))
	for i := range ex {
		sp[i] = toSparse(&ex[i])
	}
	out := &Weights{Classes: C, Bits: cfg.Bits, W: make([]float32, nb*C), B: make([]float32, C)}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for c := 0; c < C; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			w, b := solveBinary(ex, sp, cfg, c)
			for j, x := range w {
				out.W[j*C+c] = float32(x)
			}
			out.B[c] = float32(b)
		}(c)
	}
	wg.Wait()
	return out
}

// nbRatios returns log((p/|p|)/(q/|q|)) per bucket for class c, where p and
// q are the smoothed, instance-weighted binarised feature counts of the
// examples in and outside c.
func nbRatios(ex []Example, sp []sparseEx, nb int, alpha float64, c int) []float64 {
	p := make([]float64, nb)
	q := make([]float64, nb)
	for i := range p {
		p[i], q[i] = alpha, alpha
	}
	for i := range sp {
		wt := float64(ex[i].Weight)
		if wt == 0 {
			wt = 1
		}
		t := q
		if ex[i].Label == c {
			t = p
		}
		for _, b := range sp[i].idx {
			t[b] += wt
		}
	}
	var sp1, sq1 float64
	for i := range p {
		sp1 += p[i]
		sq1 += q[i]
	}
	r := make([]float64, nb)
	for i := range r {
		r[i] = math.Log((p[i] / sp1) / (q[i] / sq1))
	}
	return r
}

func solveBinary(ex []Example, sp []sparseEx, cfg SVMConfig, c int) ([]float64, float64) {
	nb := 1 << cfg.Bits
	n := len(ex)
	var r []float64
	if cfg.NBAlpha > 0 {
		r = nbRatios(ex, sp, nb, cfg.NBAlpha, c)
	}
	w := make([]float64, nb)
	var wb float64
	const biasX = 1.0
	alpha := make([]float64, n)
	y := make([]float64, n)
	qd := make([]float64, n)
	diag := make([]float64, n)
	for i := range ex {
		y[i] = -1
		if ex[i].Label == c {
			y[i] = 1
		}
		ci := cfg.C
		if ex[i].Weight != 0 {
			ci *= float64(ex[i].Weight)
		}
		if cfg.ClassWeight != nil {
			ci *= cfg.ClassWeight[ex[i].Label]
		}
		diag[i] = 0.5 / ci
		s := biasX * biasX
		for k, b := range sp[i].idx {
			v := float64(sp[i].val[k])
			if r != nil {
				v *= r[b]
			}
			s += v * v
		}
		qd[i] = s + diag[i]
	}
	rng := NewRand(cfg.Seed + uint64(c)*0x9E3779B97F4A7C15)
	eps := cfg.Eps
	if eps == 0 {
		eps = 0.1
	}
	for it := 0; it < cfg.Iters; it++ {
		maxPG, minPG := math.Inf(-1), math.Inf(1)
		for _, i := range rng.Perm(n) {
			x := &sp[i]
			d := wb * biasX
			if r != nil {
				for k, b := range x.idx {
					d += w[b] * float64(x.val[k]) * r[b]
				}
			} else {
				for k, b := range x.idx {
					d += w[b] * float64(x.val[k])
				}
			}
			g := y[i]*d - 1 + diag[i]*alpha[i]
			pg := g
			if alpha[i] == 0 && g > 0 {
				pg = 0
			}
			maxPG = math.Max(maxPG, pg)
			minPG = math.Min(minPG, pg)
			if pg == 0 {
				continue
			}
			old := alpha[i]
			alpha[i] = math.Max(old-g/qd[i], 0)
			step := (alpha[i] - old) * y[i]
			if step == 0 {
				continue
			}
			if r != nil {
				for k, b := range x.idx {
					w[b] += step * float64(x.val[k]) * r[b]
				}
			} else {
				for k, b := range x.idx {
					w[b] += step * float64(x.val[k])
				}
			}
			wb += step * biasX
		}
		if maxPG-minPG < eps {
			break
		}
	}
	if r != nil {
		beta := cfg.NBBeta
		if beta > 0 && beta < 1 {
			mean := 0.0
			for _, x := range w {
				mean += math.Abs(x)
			}
			mean /= float64(nb)
			for j := range w {
				w[j] = (1-beta)*mean + beta*w[j]
			}
		}
		for j := range w {
			w[j] *= r[j]
		}
	}
	return w, wb * biasX
}
