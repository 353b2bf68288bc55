// Command sentexp compares sentiment model variants on the UIT-VSFC dev
// split (never on test). It is a development tool for the model card; the
// shipped configuration lives in sentiment.DefaultOptions.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
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
}

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
	for _, v := range vs {
		if !re.MatchString(v.name) {
			continue
		}
		t0 := time.Now()
		ex := sentiment.Featurize(v.feat, train, 1)
		var aivEx []linear.Example
		if v.aiv > 0 {
			aivEx = sentiment.Featurize(v.feat, aivTrain, v.aiv)
		}
		devEx := sentiment.Featurize(v.feat, dev, 1)
		w, extra := fit(v, append(append([]linear.Example(nil), ex...), aivEx...), devEx)
		lg := logits(w, devEx)
		f, acc, neuF := score(lg, devEx, nil)
		off, tf := tune(lg, devEx)
		_, tacc, tneu := score(lg, devEx, off)
		line := fmt.Sprintf("%-28s dev F1 %.4f acc %.4f neu %.4f | tuned %.4f acc %.4f neu %.4f off %.2f %s",
			v.name, f, acc, neuF, tf, tacc, tneu, off, extra)
		if *cv > 0 {
			// k-fold CV on UIT-VSFC train (AIVIVN always in training);
			// the epoch of LR variants is the one chosen on dev above.
			var oof [][]float64
			var oofEx []linear.Example
			for k := 0; k < *cv; k++ {
				var trk, tek []linear.Example
				for i := range ex {
					if i%*cv == k {
						tek = append(tek, ex[i])
					} else {
						trk = append(trk, ex[i])
					}
				}
				vk := v
				vk.lr.Epochs = epochOf(extra, v.lr.Epochs)
				wk, _ := fit(vk, append(trk, aivEx...), nil)
				oof = append(oof, logits(wk, tek)...)
				oofEx = append(oofEx, tek...)
			}
			cf, cacc, cneu := score(oof, oofEx, nil)
			coff, ctf := tune(oof, oofEx)
			// the dev score with the offsets chosen on CV
			df, dacc, _ := score(lg, devEx, coff)
			line += fmt.Sprintf(" || cv F1 %.4f acc %.4f neu %.4f tuned %.4f off %.2f -> dev %.4f acc %.4f", cf, cacc, cneu, ctf, coff, df, dacc)
		}
		fmt.Printf("%s (%.1fs)\n", line, time.Since(t0).Seconds())
	}
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
		trs = append(trs, linear.NewTrainer(ex, c))
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
			for _, tr := range trs {
				tr.Epoch()
			}
		}
		return avg(), ""
	}
	best := -1.0
	var w *linear.Weights
	extra := ""
	for ep := 1; ep <= v.lr.Epochs; ep++ {
		for _, tr := range trs {
			tr.Epoch()
		}
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
