// Command sentexp compares sentiment model variants on the UIT-VSFC dev
// split and by k-fold cross-validation on train (never on test): linear
// variants, a hidden-layer model (mlp.go), a convolutional model over
// syllable embeddings (cnn.go) and logit ensembles of them. It is a
// development tool for the model card; the shipped configuration lives in
// sentiment.DefaultOptions. Neural variants are single-threaded and
// seeded; -v prints their per-epoch dev figures.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"dvpulse/nlp/internal/datadir"
	"dvpulse/nlp/linear"
	"dvpulse/nlp/sentiment"
)

type variant struct {
	name string
	feat linear.FeatureConfig
	// svm selects the SVM trainer; otherwise AdaGrad logistic regression.
	svm *linear.SVMConfig
	lr  linear.TrainConfig
	aiv float64
	// bag > 1 averages the weights of bag LR models with different seeds.
	bag int
	// plus adds mix × an SVM trained on the same features to the LR model.
	plus *linear.SVMConfig
	mix  float64
	// ens sums the logits of separately trained variants, weighted by mixes.
	ens   []variant
	mixes []float64
	mlp   *mlpConfig
	cnn   *cnnConfig
	// topic adds gold-topic conjunctions (an upper bound: gold topics
	// are not available when scoring).
	topic bool
	// boot trains every bagged model on a bootstrap sample.
	boot bool
	// binary keeps each bucket once per text.
	binary bool
	// minCount drops buckets seen in fewer than minCount training texts.
	minCount int
}

func addLogits(dst, src [][]float64) {
	for i := range dst {
		for c := range dst[i] {
			dst[i][c] += src[i][c]
		}
	}
}

func poisson1(r *linear.Rand) int {
	l, k, p := math.Exp(-1), 0, 1.0
	for {
		p *= float64(r.Uint64()>>11) / float64(1<<53)
		if p <= l {
			return k
		}
		k++
	}
}

func dedupe(ex []linear.Example) {
	for i := range ex {
		seen := map[uint32]bool{}
		var out []uint32
		for _, b := range ex[i].Buckets {
			if !seen[b] {
				seen[b] = true
				out = append(out, b)
			}
		}
		ex[i].Buckets = out
	}
}

// prune removes, from all of sets, buckets occurring in fewer than k
// texts of ref.
func prune(ref []linear.Example, k int, sets ...[]linear.Example) {
	cnt := map[uint32]int{}
	for _, e := range ref {
		seen := map[uint32]bool{}
		for _, b := range e.Buckets {
			if !seen[b] {
				seen[b] = true
				cnt[b]++
			}
		}
	}
	for _, set := range sets {
		for i := range set {
			var out []uint32
			for _, b := range set[i].Buckets {
				if cnt[b] >= k {
					out = append(out, b)
				}
			}
			set[i].Buckets = out
		}
	}
}

var (
	par     = flag.Int("par", 2, "bagged models trained in parallel")
	sub     = flag.Int("sub", 10, "keep this many tenths of the CV training folds (learning curve)")
	dump    = flag.String("dump", "", "write out-of-fold logits and texts here")
	verbose = flag.Bool("v", false, "print per-epoch dev figures of neural variants")
	stack   = flag.Bool("stack", false, "evaluate a stacking meta-model on the out-of-fold logits")
)

func main() {
	only := flag.String("run", ".", "regexp of variant names to run")
	cv := flag.Int("cv", 0, "also run k-fold cross-validation on UIT-VSFC train")
	flag.Parse()
	dir, err := datadir.Find()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	train, _ := sentiment.LoadVSFC(dir, "train")
	dev, _ := sentiment.LoadVSFC(dir, "dev")
	aivTrain, _, _ := sentiment.LoadAIVIVN(dir)
	re := regexp.MustCompile(*only)
	trainTopic := readInts(dir + "/sentiment/uit-vsfc/train/topics.txt")
	devTopic := readInts(dir + "/sentiment/uit-vsfc/dev/topics.txt")
	trainLen := make([]int, len(train))
	for i, s := range train {
		trainLen[i] = syllables(s.Text)
	}
	devLen := make([]int, len(dev))
	for i, s := range dev {
		devLen[i] = syllables(s.Text)
	}
	base := linear.FeatureConfig{Bits: 18, Words: 3, Stripped: 2, Neg: true}
	lr := linear.TrainConfig{Classes: 3, Bits: 18, Epochs: 12, LR: 0.1, Seed: 20240601, ClassWeight: []float64{1, 2, 1}, Average: true}
	with := func(f linear.FeatureConfig, mod func(*linear.FeatureConfig)) linear.FeatureConfig {
		mod(&f)
		return f
	}
	svm := func(c, neu, nb float64) *linear.SVMConfig {
		return &linear.SVMConfig{Classes: 3, Bits: 18, C: c, Iters: 60, Eps: 0.01, Seed: 7, ClassWeight: []float64{1, neu, 1}, NBAlpha: nb}
	}
	norm := with(base, func(f *linear.FeatureConfig) { f.Norm = true })
	var vs []variant
	lrn := func(neu float64, mod func(*linear.TrainConfig)) linear.TrainConfig {
		x := lr
		x.ClassWeight = []float64{1, neu, 1}
		if mod != nil {
			mod(&x)
		}
		return x
	}
	for _, neu := range []float64{1, 3, 4} {
		vs = append(vs, variant{name: fmt.Sprintf("lr-neu%g", neu), feat: base, lr: lrn(neu, nil), aiv: 0.2})
	}
	le := with(base, func(f *linear.FeatureConfig) { f.Edges = true; f.Length = true })
	for _, b := range []int{3, 5} {
		vs = append(vs, variant{name: fmt.Sprintf("bag%d-base", b), feat: base, lr: lr, aiv: 0.2, bag: b})
		vs = append(vs, variant{name: fmt.Sprintf("bag%d-lenedge", b), feat: le, lr: lr, aiv: 0.2, bag: b})
		vs = append(vs, variant{name: fmt.Sprintf("bag%d-lenedge-w2", b), feat: with(le, func(f *linear.FeatureConfig) { f.Words = 2 }), lr: lr, aiv: 0.2, bag: b})
	}
	le2 := with(le, func(f *linear.FeatureConfig) { f.Words = 2 })
	for _, neu := range []float64{1, 3} {
		vs = append(vs, variant{name: fmt.Sprintf("b5-le2-neu%g", neu), feat: le2, lr: lrn(neu, nil), aiv: 0.2, bag: 5})
	}
	for _, a := range []float64{0.1, 0.35} {
		vs = append(vs, variant{name: fmt.Sprintf("b5-le2-aiv%g", a), feat: le2, lr: lr, aiv: a, bag: 5})
	}
	vs = append(vs, variant{name: "b8-le2", feat: le2, lr: lr, aiv: 0.2, bag: 8})
	vs = append(vs, variant{name: "b5-le2-lr0.2", feat: le2, lr: lrn(2, func(x *linear.TrainConfig) { x.LR = 0.2 }), aiv: 0.2, bag: 5})
	vs = append(vs, variant{name: "b5-le2-nostrip", feat: with(le2, func(f *linear.FeatureConfig) { f.Stripped = 0 }), lr: lr, aiv: 0.2, bag: 5})
	for _, mix := range []float64{1, 3} {
		vs = append(vs, variant{name: fmt.Sprintf("b5-le2+svm%g", mix), feat: le2, lr: lr, aiv: 0.2, bag: 5, plus: svm(0.1, 2, 0), mix: mix})
	}
	vs = append(vs, variant{name: "lr-len", feat: with(base, func(f *linear.FeatureConfig) { f.Length = true }), lr: lr, aiv: 0.2})
	vs = append(vs, variant{name: "lr-edge", feat: with(base, func(f *linear.FeatureConfig) { f.Edges = true }), lr: lr, aiv: 0.2})
	vs = append(vs, variant{name: "lr-lenedge", feat: with(base, func(f *linear.FeatureConfig) { f.Edges = true; f.Length = true }), lr: lr, aiv: 0.2})
	vs = append(vs, variant{name: "lr-char25", feat: with(base, func(f *linear.FeatureConfig) { f.CharMin = 2; f.CharMax = 5 }), lr: lr, aiv: 0.2})
	vs = append(vs, variant{name: "lr-w2", feat: with(base, func(f *linear.FeatureConfig) { f.Words = 2 }), lr: lr, aiv: 0.2})
	vs = append(vs, variant{name: "lr-w4", feat: with(base, func(f *linear.FeatureConfig) { f.Words = 4 }), lr: lr, aiv: 0.2})
	vs = append(vs, variant{name: "lr-punct", feat: with(base, func(f *linear.FeatureConfig) { f.Punct = true }), lr: lr, aiv: 0.2})
	vs = append(vs, variant{name: "lr-aiv0", feat: base, lr: lr, aiv: 0})
	vs = append(vs, variant{name: "lr-aiv0.5", feat: base, lr: lr, aiv: 0.5})
	vs = append(vs, variant{name: "lr-lr0.05", feat: base, lr: lrn(2, func(x *linear.TrainConfig) { x.LR = 0.05 }), aiv: 0.2})
	vs = append(vs, variant{name: "lr-l2", feat: base, lr: lrn(2, func(x *linear.TrainConfig) { x.L2 = 1e-5 }), aiv: 0.2})
	vs = append(vs, variant{name: "lr-base", feat: base, lr: lr, aiv: 0.2})
	vs = append(vs, variant{name: "lr-norm", feat: norm, lr: func() linear.TrainConfig { x := lr; x.LR = 0.3; return x }(), aiv: 0.2})
	for _, c := range []float64{0.1, 0.3, 1} {
		for _, neu := range []float64{1, 2} {
			vs = append(vs, variant{name: fmt.Sprintf("svm-norm-C%g-neu%g", c, neu), feat: norm, svm: svm(c, neu, 0), aiv: 0.2})
			vs = append(vs, variant{name: fmt.Sprintf("nbsvm-norm-C%g-neu%g", c, neu), feat: norm, svm: svm(c, neu, 1), aiv: 0.2})
		}
	}
	for _, sh := range []int{4, 6, 8} {
		vs = append(vs, variant{name: fmt.Sprintf("b5-le2-short%d", sh), feat: with(le2, func(f *linear.FeatureConfig) { f.Short = sh }), lr: lr, aiv: 0.2, bag: 5})
		vs = append(vs, variant{name: fmt.Sprintf("b5-le2-whole%d", sh), feat: with(le2, func(f *linear.FeatureConfig) { f.Whole = sh }), lr: lr, aiv: 0.2, bag: 5})
	}
	b5le2 := variant{name: "bag5-lenedge-w2", feat: le2, lr: lr, aiv: 0.2, bag: 5}
	b5char := variant{name: "b5-char25", feat: with(le2, func(f *linear.FeatureConfig) { f.Words = 1; f.Stripped = 1; f.CharMin = 2; f.CharMax = 5 }), lr: lr, aiv: 0.2, bag: 5}
	b5charonly := variant{name: "b5-charonly", feat: linear.FeatureConfig{Bits: 18, CharMin: 1, CharMax: 5, Length: true}, lr: lr, aiv: 0.2, bag: 5}
	b5w3 := variant{name: "b5-le3", feat: with(le2, func(f *linear.FeatureConfig) { f.Words = 3 }), lr: lr, aiv: 0.2, bag: 5}
	b5skip := variant{name: "b5-le2-skip", feat: with(le2, func(f *linear.FeatureConfig) { f.Skip = true }), lr: lr, aiv: 0.2, bag: 5}
	vs = append(vs, b5char, b5charonly)
	for _, mix := range []float64{0.5, 1} {
		vs = append(vs, variant{name: fmt.Sprintf("ens-le2+char-%g", mix), ens: []variant{b5le2, b5char}, mixes: []float64{1, mix}})
		vs = append(vs, variant{name: fmt.Sprintf("ens-le2+charonly-%g", mix), ens: []variant{b5le2, b5charonly}, mixes: []float64{1, mix}})
		vs = append(vs, variant{name: fmt.Sprintf("ens-le2+le3-%g", mix), ens: []variant{b5le2, b5w3}, mixes: []float64{1, mix}})
		vs = append(vs, variant{name: fmt.Sprintf("ens-le2+skip+char-%g", mix), ens: []variant{b5le2, b5skip, b5char}, mixes: []float64{1, mix, mix}})
	}
	for _, d := range []int{16, 32} {
		for _, lrate := range []float64{0.05, 0.2} {
			mv := variant{name: fmt.Sprintf("mlp-d%d-lr%g", d, lrate), feat: le2, aiv: 0.2, mlp: &mlpConfig{Bits: 18, Dim: d, LR: lrate, Epochs: 10, Seed: 11, NeuW: 2}}
			vs = append(vs, mv)
			for _, mix := range []float64{0.5, 1} {
				vs = append(vs, variant{name: fmt.Sprintf("ens-le2+mlp-d%d-lr%g-%g", d, lrate, mix), ens: []variant{b5le2, mv}, mixes: []float64{1, mix}})
			}
		}
	}
	for _, nw := range []int{2, 3, 5} {
		vs = append(vs, variant{name: fmt.Sprintf("b5-le2-negwin%d", nw), feat: with(le2, func(f *linear.FeatureConfig) { f.NegWindow = nw }), lr: lr, aiv: 0.2, bag: 5})
	}
	vs = append(vs, variant{name: "b5-le2-noneg", feat: with(le2, func(f *linear.FeatureConfig) { f.Neg = false }), lr: lr, aiv: 0.2, bag: 5})
	for _, d := range []int{16, 32} {
		mv := variant{name: fmt.Sprintf("mlpbag3-d%d", d), feat: le2, aiv: 0.2, bag: 3, mlp: &mlpConfig{Bits: 18, Dim: d, LR: 0.05, Epochs: 6, Seed: 11, NeuW: 2}}
		vs = append(vs, mv)
		for _, mix := range []float64{0.5, 1, 2} {
			vs = append(vs, variant{name: fmt.Sprintf("ens-le2+mlpbag3-d%d-%g", d, mix), ens: []variant{b5le2, mv}, mixes: []float64{1, mix}})
		}
	}
	seedv := variant{name: "bag5-lenedge-w2-seed2", feat: le2, lr: lr, aiv: 0.2, bag: 5}
	seedv.lr.Seed += 17
	vs = append(vs, seedv)
	vs = append(vs, variant{name: "b5-le2-boot", feat: le2, lr: lr, aiv: 0.2, bag: 5, boot: true})
	vs = append(vs, variant{name: "b10-le2-boot", feat: le2, lr: lr, aiv: 0.2, bag: 10, boot: true})
	vs = append(vs, variant{name: "b5-le2-binary", feat: le2, lr: lr, aiv: 0.2, bag: 5, binary: true})
	vs = append(vs, variant{name: "b5-le2-min2", feat: le2, lr: lr, aiv: 0.2, bag: 5, minCount: 2})
	vs = append(vs, variant{name: "b5-le2-min3", feat: le2, lr: lr, aiv: 0.2, bag: 5, minCount: 3})
	vs = append(vs, variant{name: "b5-le2-goldtopic", feat: le2, lr: lr, aiv: 0.2, bag: 5, topic: true})
	vs = append(vs, variant{name: "b5-le2-skip", feat: with(le2, func(f *linear.FeatureConfig) { f.Skip = true }), lr: lr, aiv: 0.2, bag: 5})
	vs = append(vs, variant{name: "b5-le2-bits20", feat: with(le2, func(f *linear.FeatureConfig) { f.Bits = 20 }), lr: lr, aiv: 0.2, bag: 5})
	vs = append(vs, variant{name: "b5-le3", feat: with(le2, func(f *linear.FeatureConfig) { f.Words = 3 }), lr: lr, aiv: 0.2, bag: 5})
	// Round 2026.2: convolutional model over syllable embeddings.
	cnnBase := cnnConfig{KeyBits: 16, StripBits: 15, Dim: 32, Filters: 64, Widths: 3, Epochs: 10, Batch: 32,
		LR: 2e-3, Dropout: 0.5, NeuW: 2, MaxLen: 80, Seed: 4242}
	cnnV := func(name string, bag int, aiv float64, mod func(*cnnConfig)) variant {
		c := cnnBase
		if mod != nil {
			mod(&c)
		}
		return variant{name: name, cnn: &c, aiv: aiv, bag: bag}
	}
	cnns := []variant{
		cnnV("cnn", 1, 0.2, nil),
		cnnV("cnn-focal2", 1, 0.2, func(c *cnnConfig) { c.Gamma = 2; c.NeuW = 1 }),
		cnnV("cnn-bigram", 1, 0.2, func(c *cnnConfig) { c.Bigram = true }),
		cnnV("cnn-wdrop", 1, 0.2, func(c *cnnConfig) { c.WordDrop = 0.1 }),
		cnnV("cnn-d64", 1, 0.2, func(c *cnnConfig) { c.Dim = 64 }),
		cnnV("cnn-w4", 1, 0.2, func(c *cnnConfig) { c.Widths = 4 }),
		cnnV("cnn-aiv1", 1, 1, nil),
		cnnV("cnn-aiv0", 1, 0, nil),
		cnnV("cnn-neu3", 1, 0.2, func(c *cnnConfig) { c.NeuW = 3 }),
		cnnV("cnn-bag3", 3, 0.2, nil),
		cnnV("cnn-focal2-bag3", 3, 0.2, func(c *cnnConfig) { c.Gamma = 2; c.NeuW = 1 }),
		cnnV("cnn-focal2-neu2", 1, 0.2, func(c *cnnConfig) { c.Gamma = 2 }),
		cnnV("cnn-lr1e-3", 1, 0.2, func(c *cnnConfig) { c.LR = 1e-3; c.Epochs = 12 }),
		cnnV("cnn-f32", 1, 0.2, func(c *cnnConfig) { c.Filters = 32 }),
		cnnV("cnn-f128", 1, 0.2, func(c *cnnConfig) { c.Filters = 128 }),
		cnnV("cnn-focal1", 1, 0.2, func(c *cnnConfig) { c.Gamma = 1; c.NeuW = 1.5 }),
	}
	for _, cv := range cnns {
		vs = append(vs, cv)
		for _, mix := range []float64{0.5, 1, 2} {
			vs = append(vs, variant{name: fmt.Sprintf("ens-le2+%s-%g", cv.name, mix), ens: []variant{b5le2, cv}, mixes: []float64{1, mix}})
		}
	}
	// Seed check of the LR + CNN-bag ensemble: both members with other seeds.
	cnnSeed2 := cnnV("cnn-bag3-seed2", 3, 0.2, func(c *cnnConfig) { c.Seed += 17 })
	vs = append(vs, cnnSeed2)
	for _, mix := range []float64{0.5, 1, 2} {
		vs = append(vs, variant{name: fmt.Sprintf("ens-le2seed2+cnn-bag3-seed2-%g", mix), ens: []variant{seedv, cnnSeed2}, mixes: []float64{1, mix}})
	}
	cache := map[string]*result{}
	var evalV func(v variant) *result
	evalV = func(v variant) *result {
		if r, ok := cache[v.name]; ok {
			return r
		}
		r := &result{}
		if v.cnn != nil {
			evalCNN(v, r, train, dev, aivTrain, *cv)
			cache[v.name] = r
			return r
		}
		if len(v.ens) > 0 {
			for k, sub := range v.ens {
				sr := evalV(sub)
				if k == 0 {
					r.devEx, r.oofEx = sr.devEx, sr.oofEx
					r.lg = make([][]float64, len(sr.lg))
					for i := range r.lg {
						r.lg[i] = make([]float64, 3)
					}
					if sr.oof != nil {
						r.oof = make([][]float64, len(sr.oof))
						for i := range r.oof {
							r.oof[i] = make([]float64, 3)
						}
					}
				}
				for i := range sr.lg {
					for c := 0; c < 3; c++ {
						r.lg[i][c] += v.mixes[k] * sr.lg[i][c]
					}
				}
				for i := range sr.oof {
					for c := 0; c < 3; c++ {
						r.oof[i][c] += v.mixes[k] * sr.oof[i][c]
					}
				}
				r.extra += sr.extra + " "
			}
			cache[v.name] = r
			return r
		}
		ex := sentiment.Featurize(v.feat, train, 1)
		r.devEx = sentiment.Featurize(v.feat, dev, 1)
		if v.topic {
			conj(ex, trainTopic, v.feat.Bits)
			conj(r.devEx, devTopic, v.feat.Bits)
		}
		var aivEx []linear.Example
		if v.aiv > 0 {
			aivEx = sentiment.Featurize(v.feat, aivTrain, v.aiv)
		}
		if v.binary {
			dedupe(ex)
			dedupe(r.devEx)
			dedupe(aivEx)
		}
		if v.minCount > 1 {
			// counted on train + AIVIVN (a small leak into the CV folds;
			// labels are not used)
			prune(append(append([]linear.Example(nil), ex...), aivEx...), v.minCount, ex, r.devEx, aivEx)
		}
		if v.mlp != nil {
			all := append(append([]linear.Example(nil), ex...), aivEx...)
			_, lg, ep := fitMLP(*v.mlp, all, r.devEx)
			// further seeds run for the dev-chosen epoch count
			nb := max(v.bag, 1)
			for b := 1; b < nb; b++ {
				c := *v.mlp
				c.Epochs, c.Seed = ep, c.Seed+uint64(b)*7919
				mb, _, _ := fitMLP(c, all, nil)
				addLogits(lg, mb.logits(r.devEx))
			}
			r.lg, r.extra = lg, fmt.Sprintf("ep%d", ep)
			if *cv > 0 {
				for k := 0; k < *cv; k++ {
					var trk, tek []linear.Example
					for i := range ex {
						if i%*cv == k {
							tek = append(tek, ex[i])
						} else {
							trk = append(trk, ex[i])
						}
					}
					var sum [][]float64
					for b := 0; b < nb; b++ {
						c := *v.mlp
						c.Epochs, c.Seed = ep, c.Seed+uint64(b)*7919
						mk, _, _ := fitMLP(c, append(trk, aivEx...), nil)
						if sum == nil {
							sum = mk.logits(tek)
						} else {
							addLogits(sum, mk.logits(tek))
						}
					}
					r.oof = append(r.oof, sum...)
					r.oofEx = append(r.oofEx, tek...)
				}
			}
			if nb > 1 {
				for _, l := range append(r.lg, r.oof...) {
					for c := range l {
						l[c] /= float64(nb)
					}
				}
			}
			cache[v.name] = r
			return r
		}
		w, extra := fit(v, append(append([]linear.Example(nil), ex...), aivEx...), r.devEx)
		r.lg = logits(w, r.devEx)
		r.extra = extra
		if *cv > 0 {
			// k-fold CV on UIT-VSFC train (AIVIVN always in training);
			// the epoch of LR variants is the one chosen on dev above.
			for k := 0; k < *cv; k++ {
				var trk, tek []linear.Example
				for i := range ex {
					if i%*cv == k {
						tek = append(tek, ex[i])
					} else if (i / *cv)%10 < *sub {
						trk = append(trk, ex[i])
					}
				}
				vk := v
				vk.lr.Epochs = epochOf(extra, v.lr.Epochs)
				wk, _ := fit(vk, append(trk, aivEx...), nil)
				r.oof = append(r.oof, logits(wk, tek)...)
				r.oofEx = append(r.oofEx, tek...)
			}
		}
		cache[v.name] = r
		return r
	}
	var oofLen, oofIdx []int
	for k := 0; k < *cv; k++ {
		for i := range train {
			if i%*cv == k {
				oofLen = append(oofLen, trainLen[i])
				oofIdx = append(oofIdx, i)
			}
		}
	}
	for _, v := range vs {
		if !re.MatchString(v.name) {
			continue
		}
		t0 := time.Now()
		r := evalV(v)
		lg, devEx, oof, oofEx, extra := r.lg, r.devEx, r.oof, r.oofEx, r.extra
		f, acc, neuF := score(lg, devEx, nil)
		off, tf := tune(lg, devEx)
		_, tacc, tneu := score(lg, devEx, off)
		line := fmt.Sprintf("%-28s dev F1 %.4f acc %.4f neu %.4f | tuned %.4f acc %.4f neu %.4f off %.2f %s",
			v.name, f, acc, neuF, tf, tacc, tneu, off, extra)
		if *cv > 0 {
			cf, cacc, cneu := score(oof, oofEx, nil)
			coff, ctf := tune(oof, oofEx)
			// the dev score with the offsets chosen on CV
			df, dacc, _ := score(lg, devEx, coff)
			line += fmt.Sprintf(" || cv F1 %.4f acc %.4f neu %.4f tuned %.4f off %.2f -> dev %.4f acc %.4f", cf, cacc, cneu, ctf, coff, df, dacc)
			if *dump != "" {
				f, _ := os.Create(*dump)
				for i := range oof {
					fmt.Fprintf(f, "%d\t%.3f\t%.3f\t%.3f\t%s\n", oofEx[i].Label, oof[i][0], oof[i][1], oof[i][2], train[oofIdx[i]].Text)
				}
				f.Close()
			}
			if *stack {
				line += stackReport(oof, oofLen, oofEx, lg, devLen, devEx)
			}
		}
		fmt.Printf("%s (%.1fs)\n", line, time.Since(t0).Seconds())
	}
}

type result struct {
	lg, oof      [][]float64
	devEx, oofEx []linear.Example
	extra        string
}

func epochOf(extra string, def int) int {
	var e int
	if _, err := fmt.Sscanf(extra, "ep%d", &e); err == nil {
		return e
	}
	return def
}

// fit trains a variant; with devEx, LR variants keep the best dev epoch.
func fit(v variant, ex, devEx []linear.Example) (*linear.Weights, string) {
	if v.svm != nil {
		return linear.TrainSVM(ex, *v.svm), ""
	}
	if v.plus != nil {
		sv := linear.TrainSVM(ex, *v.plus)
		p := v
		p.plus = nil
		w, extra := fit(p, ex, devEx)
		out := linear.AverageWeights([]*linear.Weights{w, w})
		for i := range out.W {
			out.W[i] += float32(v.mix) * sv.W[i]
		}
		for i := range out.B {
			out.B[i] += float32(v.mix) * sv.B[i]
		}
		return out, extra
	}
	v.lr.Bits = v.feat.Bits
	if v.bag < 1 {
		v.bag = 1
	}
	var trs []*linear.Trainer
	for k := 0; k < v.bag; k++ {
		c := v.lr
		c.Seed += uint64(k) * 1000003
		exk := ex
		if v.boot {
			// Poisson(1) instance weights: a bootstrap sample per model.
			r := linear.NewRand(c.Seed ^ 0x5eed)
			exk = make([]linear.Example, 0, len(ex))
			for _, e := range ex {
				n := poisson1(r)
				if n == 0 {
					continue
				}
				w := e.Weight
				if w == 0 {
					w = 1
				}
				e.Weight = w * float32(n)
				exk = append(exk, e)
			}
		}
		trs = append(trs, linear.NewTrainer(exk, c))
	}
	epochAll := func() {
		var wg sync.WaitGroup
		sem := make(chan struct{}, *par)
		for _, tr := range trs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				tr.Epoch()
			}()
		}
		wg.Wait()
	}
	avg := func() *linear.Weights {
		var ws []*linear.Weights
		for _, tr := range trs {
			ws = append(ws, tr.Weights())
		}
		return linear.AverageWeights(ws)
	}
	if devEx == nil {
		for ep := 1; ep <= v.lr.Epochs; ep++ {
			epochAll()
		}
		return avg(), ""
	}
	best := -1.0
	var w *linear.Weights
	extra := ""
	for ep := 1; ep <= v.lr.Epochs; ep++ {
		epochAll()
		cw := avg()
		f, _, _ := score(logits(cw, devEx), devEx, nil)
		if f > best {
			best, w = f, cw
			extra = fmt.Sprintf("ep%d", ep)
		}
	}
	return w, extra
}

func logits(w *linear.Weights, ex []linear.Example) [][]float64 {
	out := make([][]float64, len(ex))
	for i := range ex {
		z := make([]float64, 3)
		w.LogitsScaled(ex[i].Buckets, ex[i].XScale(), z)
		out[i] = z
	}
	return out
}

func score(lg [][]float64, ex []linear.Example, off []float64) (float64, float64, float64) {
	cm := linear.NewConfusion(sentiment.Labels)
	z := make([]float64, 3)
	for i, l := range lg {
		copy(z, l)
		if off != nil {
			for c := range z {
				z[c] += off[c]
			}
		}
		cm.Add(ex[i].Label, linear.Argmax(z))
	}
	return cm.MacroF1(), cm.Accuracy(), cm.Stats()[1].F1
}

func tune(lg [][]float64, ex []linear.Example) ([]float64, float64) {
	// scale the grid to the logit spread
	s := 0.0
	for _, l := range lg {
		s += math.Abs(l[0] - l[2])
	}
	s /= float64(len(lg))
	best, bestOff := -1.0, []float64{0, 0, 0}
	for a := -0.5; a <= 1.0001; a += 0.05 {
		for b := -0.25; b <= 0.2501; b += 0.05 {
			off := []float64{b * s, a * s, 0}
			f, _, _ := score(lg, ex, off)
			if f > best+1e-12 {
				best, bestOff = f, off
			}
		}
	}
	return bestOff, best
}

func readInts(path string) []int {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}

// conj adds, for every example, a topic feature and topic × feature
// conjunctions (AIVIVN examples are not passed here and get none).
func conj(ex []linear.Example, topic []int, bits int) {
	mask := uint64(1)<<bits - 1
	for i := range ex {
		t := uint64(topic[i] + 1)
		n := len(ex[i].Buckets)
		for _, b := range ex[i].Buckets[:n] {
			h := (uint64(b)*0x9E3779B97F4A7C15 ^ t*0xC2B2AE3D27D4EB4F) * 0xff51afd7ed558ccd
			ex[i].Buckets = append(ex[i].Buckets, uint32((h>>20)&mask))
		}
		ex[i].Buckets = append(ex[i].Buckets, uint32((t*0x9E3779B97F4A7C15>>20)&mask))
	}
}
