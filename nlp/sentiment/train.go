package sentiment

import (
	"fmt"
	"io"
	"math"
	"sort"
	"sync"

	"dvpulse/nlp/linear"
	"dvpulse/nlp/textnorm"
)

// Options configures a training run. The zero value is not useful; start
// from DefaultOptions.
type Options struct {
	// DataDir is the shared data folder (../shared/data).
	DataDir string
	// Base trains on the public corpora; when false only CSV is used.
	Base bool
	// AIVIVNWeight is the instance weight of AIVIVN training reviews
	// (0 leaves the corpus out).
	AIVIVNWeight float64
	// CSV is an optional organisation CSV (text,label) added to training.
	CSV string
	// CSVWeight is the instance weight of CSV rows.
	CSVWeight float64
	// Features and Train set the model family and the optimiser.
	Features linear.FeatureConfig
	Train    linear.TrainConfig
	// TuneOffsets tunes per-class decision offsets on the dev split.
	TuneOffsets bool
	// CalibFolds > 1 adds out-of-fold logits of a CalibFolds-fold split of
	// UIT-VSFC train to the dev logits when tuning the offsets and the
	// temperature (only with the base corpora).
	CalibFolds int
	// RefitOnDev, after the epoch count has been chosen on the dev
	// split, trains the final model on UIT-VSFC train + dev (+ AIVIVN)
	// for that many epochs; the offsets and the temperature are then
	// fitted on cross-fitted logits of train + dev (only with the base
	// corpora and CalibFolds > 1). Dev figures in the Report come from
	// the selection model trained without dev.
	RefitOnDev bool
	// Limit keeps only the first Limit training samples of each corpus
	// (0 = all); used by tests.
	Limit int
	// Version is written into the model header.
	Version string
	// Progress receives progress lines (may be nil).
	Progress io.Writer
}

// DefaultOptions returns the configuration of the committed model.
func DefaultOptions() Options {
	return Options{
		DataDir:      "../shared/data",
		Base:         true,
		AIVIVNWeight: 0.2,
		CSVWeight:    1,
		Features: linear.FeatureConfig{
			Bits: 18, Words: 2, Stripped: 2, Neg: true, Length: true, Edges: true,
		},
		Train: linear.TrainConfig{
			Classes: 3, Bits: 18, Epochs: 12, LR: 0.1, L2: 0, Seed: 20240601,
			ClassWeight: []float64{1, 2, 1}, Average: true, Bag: 5,
		},
		TuneOffsets: true,
		CalibFolds:  5,
		RefitOnDev:  true,
		Version:     "dev",
	}
}

// Report summarises a training run.
type Report struct {
	BestEpoch   int
	DevMacroF1  float64
	DevAccuracy float64
	TrainSize   int
	DevSize     int
	Notes       map[string]string
}

func (o *Options) logf(format string, a ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format, a...)
	}
}

// Featurize converts samples to training examples.
func Featurize(cfg linear.FeatureConfig, samples []Sample, weight float64) []linear.Example {
	out := make([]linear.Example, len(samples))
	var toks []textnorm.Token
	var feats []linear.Feature
	for i, s := range samples {
		toks = textnorm.Tokenize(s.Text, toks[:0])
		feats = cfg.Extract(toks, feats[:0])
		b := make([]uint32, len(feats))
		for j, f := range feats {
			b[j] = f.Bucket
		}
		out[i] = linear.Example{Buckets: b, Label: s.Label, Weight: float32(weight), Scale: float32(cfg.InputScale(len(b)))}
	}
	return out
}

// Train trains a model with dev-split selection of the epoch count,
// optionally refits it on train + dev (Options.RefitOnDev), quantises it,
// tunes decision offsets and calibrates the temperature.
func Train(o Options) (*linear.Model, *Report, error) {
	o.Train.Bits = o.Features.Bits
	o.Train.Classes = len(Labels)
	var train, dev []Sample
	notes := map[string]string{}
	var trainEx []linear.Example
	nVSFC := 0 // trainEx[:nVSFC] are the UIT-VSFC training sentences
	if o.Base {
		var err error
		train, err = LoadVSFC(o.DataDir, "train")
		if err != nil {
			return nil, nil, err
		}
		dev, err = LoadVSFC(o.DataDir, "dev")
		if err != nil {
			return nil, nil, err
		}
		if o.Limit > 0 && len(train) > o.Limit {
			train = train[:o.Limit]
		}
		trainEx = append(trainEx, Featurize(o.Features, train, 1)...)
		nVSFC = len(trainEx)
		notes["uit-vsfc-train"] = fmt.Sprint(len(train))
		if o.AIVIVNWeight > 0 {
			at, _, err := LoadAIVIVN(o.DataDir)
			if err != nil {
				return nil, nil, err
			}
			if o.Limit > 0 && len(at) > o.Limit {
				at = at[:o.Limit]
			}
			trainEx = append(trainEx, Featurize(o.Features, at, o.AIVIVNWeight)...)
			notes["aivivn-train"] = fmt.Sprint(len(at))
		}
	}
	if o.CSV != "" {
		cs, err := LoadCSV(o.CSV)
		if err != nil {
			return nil, nil, err
		}
		if !o.Base {
			// Without the public corpora, hold out every fifth row for
			// model selection when there are enough rows.
			if len(cs) >= 50 {
				for i, s := range cs {
					if i%5 == 4 {
						dev = append(dev, s)
					} else {
						train = append(train, s)
					}
				}
				cs = train
			}
		}
		trainEx = append(trainEx, Featurize(o.Features, cs, o.CSVWeight)...)
		notes["csv-rows"] = fmt.Sprint(len(cs))
	}
	if len(trainEx) == 0 {
		return nil, nil, fmt.Errorf("sentiment: no training data (enable the base corpora or pass a CSV)")
	}
	o.logf("training on %d examples, %d buckets, %d epochs max\n", len(trainEx), 1<<o.Features.Bits, o.Train.Epochs)
	devEx := Featurize(o.Features, dev, 1)
	best, bestEpoch := trainBag(trainEx, devEx, o.Train, o.Train.Epochs, o.logf)
	notes["best-epoch"] = fmt.Sprint(bestEpoch)
	refit := o.RefitOnDev && o.Base && o.CalibFolds > 1 && len(devEx) > 0
	var selDev *linear.Confusion
	if refit {
		// Dev figures of the selection model, before dev joins training.
		selDev = evalWeights(best, devEx)
		all := make([]linear.Example, 0, len(trainEx)+len(devEx))
		all = append(all, trainEx[:nVSFC]...)
		all = append(all, devEx...)
		all = append(all, trainEx[nVSFC:]...)
		trainEx, nVSFC = all, nVSFC+len(devEx)
		best, _ = trainBag(trainEx, nil, o.Train, bestEpoch, nil)
		notes["uit-vsfc-dev"] = fmt.Sprintf("%d (in the final model's training data; selection on dev before refit)", len(dev))
		o.logf("refitted on UIT-VSFC train + dev: %d examples, %d epochs\n", len(trainEx), bestEpoch)
	}
	if o.Train.Bag > 1 {
		notes["bagged-models"] = fmt.Sprint(o.Train.Bag)
	}
	h := linear.Header{
		Name: "dvpulse-sentiment", Version: o.Version, Classes: Labels,
		Features: o.Features, Train: o.Train, Notes: notes,
	}
	m := linear.Quantize(best, h)
	rep := &Report{BestEpoch: bestEpoch, TrainSize: len(trainEx), DevSize: len(devEx), Notes: notes}
	if len(devEx) > 0 {
		logits := rawLogits(m, devEx)
		calEx := devEx
		if refit {
			// Dev is training data now: calibrate on out-of-fold logits
			// of UIT-VSFC train + dev alone.
			logits, calEx = crossFit(trainEx, nVSFC, o, h, bestEpoch)
			notes["calibration"] = fmt.Sprintf("%d-fold out-of-fold UIT-VSFC train + dev (%d sentences)", o.CalibFolds, len(calEx))
		} else if o.Base && o.CalibFolds > 1 {
			// Out-of-fold logits of UIT-VSFC train (models trained with
			// the selected epoch count on the other folds) join the dev
			// logits, so the offsets and the temperature are fitted on
			// 531 neutral sentences instead of dev's 73.
			oof, oofEx := crossFit(trainEx, nVSFC, o, h, bestEpoch)
			logits = append(logits, oof...)
			calEx = append(append([]linear.Example(nil), devEx...), oofEx...)
			notes["calibration"] = fmt.Sprintf("dev + %d-fold out-of-fold UIT-VSFC train (%d sentences)", o.CalibFolds, len(calEx))
		}
		if o.TuneOffsets {
			m.Offset = tuneOffsets(logits, calEx)
		}
		m.Temperature = fitTemperature(logits, calEx, m.Offset)
		cm := EvalModel(m, dev)
		if selDev != nil {
			cm = selDev
		}
		rep.DevMacroF1, rep.DevAccuracy = cm.MacroF1(), cm.Accuracy()
		o.logf("selected epoch %d; offsets %.2f; temperature %.2f; dev macro-F1 %.4f accuracy %.4f\n",
			bestEpoch, m.Offset, m.Temperature, rep.DevMacroF1, rep.DevAccuracy)
	}
	return m, rep, nil
}

// trainBag trains o.Bag models in lockstep (seeds Seed + k·BagStride) for
// up to epochs epochs and returns the averaged weights of the epoch with
// the best dev macro-F1 (the last epoch when devEx is empty).
func trainBag(ex, devEx []linear.Example, cfg linear.TrainConfig, epochs int, logf func(string, ...any)) (*linear.Weights, int) {
	bag := max(cfg.Bag, 1)
	trs := make([]*linear.Trainer, bag)
	for k := range trs {
		c := cfg
		c.Seed += uint64(k) * linear.BagStride
		trs[k] = linear.NewTrainer(ex, c)
	}
	// epoch runs one epoch of every bagged model (two at a time; each
	// model has its own seeded order, so the result does not depend on
	// scheduling) and returns their averaged weights.
	epoch := func() *linear.Weights {
		ws := make([]*linear.Weights, bag)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2)
		for k, tr := range trs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				tr.Epoch()
				ws[k] = tr.Weights()
			}()
		}
		wg.Wait()
		return linear.AverageWeights(ws)
	}
	var best *linear.Weights
	bestF1, bestEpoch := -1.0, 0
	for ep := 1; ep <= epochs; ep++ {
		w := epoch()
		if len(devEx) == 0 {
			bestEpoch, best = ep, w
			continue
		}
		cm := evalWeights(w, devEx)
		logf("epoch %2d: dev macro-F1 %.4f accuracy %.4f\n", ep, cm.MacroF1(), cm.Accuracy())
		if cm.MacroF1() > bestF1 {
			bestF1, bestEpoch, best = cm.MacroF1(), ep, w
		}
	}
	return best, bestEpoch
}

// crossFit splits ex[:nVSFC] into o.CalibFolds folds (sentence i in fold
// i mod k), trains on the other folds plus ex[nVSFC:] for epochs epochs,
// quantises like the final model and returns the raw logits of every
// held-out sentence.
func crossFit(ex []linear.Example, nVSFC int, o Options, h linear.Header, epochs int) ([][]float64, []linear.Example) {
	var logits [][]float64
	var held []linear.Example
	k := o.CalibFolds
	for f := 0; f < k; f++ {
		var tr, te []linear.Example
		for i := range ex {
			if i < nVSFC && i%k == f {
				te = append(te, ex[i])
			} else {
				tr = append(tr, ex[i])
			}
		}
		w, _ := trainBag(tr, nil, o.Train, epochs, nil)
		m := linear.Quantize(w, h)
		logits = append(logits, rawLogits(m, te)...)
		held = append(held, te...)
		o.logf("calibration fold %d/%d: %d held-out sentences\n", f+1, k, len(te))
	}
	return logits, held
}

func evalWeights(w *linear.Weights, ex []linear.Example) *linear.Confusion {
	cm := linear.NewConfusion(Labels)
	scratch := make([]float64, w.Classes)
	for _, e := range ex {
		w.LogitsScaled(e.Buckets, e.XScale(), scratch)
		cm.Add(e.Label, linear.Argmax(scratch))
	}
	return cm
}

func rawLogits(m *linear.Model, ex []linear.Example) [][]float64 {
	out := make([][]float64, len(ex))
	feats := []linear.Feature{}
	for i, e := range ex {
		feats = feats[:0]
		for _, b := range e.Buckets {
			feats = append(feats, linear.Feature{Bucket: b})
		}
		z := make([]float64, m.NumClasses())
		m.RawLogits(feats, z)
		out[i] = z
	}
	return out
}

func macroWithOffsets(logits [][]float64, ex []linear.Example, off []float64) float64 {
	cm := linear.NewConfusion(Labels)
	z := make([]float64, len(off))
	for i, l := range logits {
		for c := range z {
			z[c] = l[c] + off[c]
		}
		cm.Add(ex[i].Label, linear.Argmax(z))
	}
	return cm.MacroF1()
}

// tuneOffsets searches a coarse grid of neutral and negative offsets
// (positive fixed at 0) for the best dev macro-F1. Ties keep the offset
// closest to zero, and small gains (< 0.002) are ignored to limit
// overfitting the small dev split.
func tuneOffsets(logits [][]float64, ex []linear.Example) []float64 {
	base := macroWithOffsets(logits, ex, []float64{0, 0, 0})
	best := []float64{0, 0, 0}
	bestF := base
	type cand struct{ neg, neu float64 }
	var cands []cand
	for neu := -1.0; neu <= 2.0001; neu += 0.25 {
		for neg := -0.5; neg <= 0.5001; neg += 0.25 {
			cands = append(cands, cand{math.Round(neg*100) / 100, math.Round(neu*100) / 100})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		return math.Abs(cands[i].neg)+math.Abs(cands[i].neu) < math.Abs(cands[j].neg)+math.Abs(cands[j].neu)
	})
	for _, c := range cands {
		off := []float64{c.neg, c.neu, 0}
		f := macroWithOffsets(logits, ex, off)
		if f > bestF+1e-12 {
			bestF, best = f, off
		}
	}
	if bestF < base+0.002 {
		return []float64{0, 0, 0}
	}
	return best
}

// fitTemperature picks the temperature in [0.3, 4] minimising dev
// negative log-likelihood.
func fitTemperature(logits [][]float64, ex []linear.Example, off []float64) float64 {
	bestT, bestNLL := 1.0, math.Inf(1)
	z := make([]float64, len(off))
	for t := 0.3; t <= 4.0001; t += 0.05 {
		nll := 0.0
		for i, l := range logits {
			for c := range z {
				z[c] = (l[c] + off[c]) / t
			}
			linear.Softmax(z)
			nll -= math.Log(math.Max(z[ex[i].Label], 1e-12))
		}
		if nll < bestNLL {
			bestNLL, bestT = nll, math.Round(t*100)/100
		}
	}
	return bestT
}

// EvalModel scores samples with m and returns the confusion matrix.
func EvalModel(m *linear.Model, samples []Sample) *linear.Confusion {
	cm := linear.NewConfusion(Labels)
	var toks []textnorm.Token
	var feats []linear.Feature
	p := make([]float64, m.NumClasses())
	for _, s := range samples {
		toks, feats = m.Featurize(s.Text, toks, feats)
		cm.Add(s.Label, m.Probs(feats, p))
	}
	return cm
}

// EvalBinary scores pos/neg samples, mapping the model's prediction to the
// more likely of negative and positive (neutral is ignored), and returns a
// 2x2 confusion matrix with classes negative, positive.
func EvalBinary(m *linear.Model, samples []Sample) *linear.Confusion {
	cm := linear.NewConfusion([]string{"negative", "positive"})
	var toks []textnorm.Token
	var feats []linear.Feature
	p := make([]float64, m.NumClasses())
	for _, s := range samples {
		toks, feats = m.Featurize(s.Text, toks, feats)
		m.Probs(feats, p)
		pred := 1
		if p[Negative] > p[Positive] {
			pred = 0
		}
		gold := 1
		if s.Label == Negative {
			gold = 0
		}
		cm.Add(gold, pred)
	}
	return cm
}
