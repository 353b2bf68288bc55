package topic

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"dvpulse/nlp/linear"
	"dvpulse/nlp/textnorm"
)

// Labeled is a text with its gold topic codes.
type Labeled struct {
	Text   string
	Topics []string
}

// LoadFeedback reads a "text<TAB>code,code" file such as
// nlp/testdata/feedback_topics.tsv. Lines starting with # are comments.
func LoadFeedback(path string) ([]Labeled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("topic: open feedback set: %w", err)
	}
	defer f.Close()
	var out []Labeled
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if strings.TrimSpace(s) == "" || strings.HasPrefix(s, "#") {
			continue
		}
		cols := strings.Split(s, "\t")
		if len(cols) != 2 {
			return nil, fmt.Errorf("topic: %s line %d: want text<TAB>codes", path, line)
		}
		var codes []string
		for _, c := range strings.Split(cols[1], ",") {
			c = strings.TrimSpace(c)
			if !IsCode(c) {
				return nil, fmt.Errorf("topic: %s line %d: unknown topic %q", path, line, c)
			}
			codes = append(codes, c)
		}
		out = append(out, Labeled{Text: cols[0], Topics: codes})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("topic: read %s: %w", path, err)
	}
	return out, nil
}

// MultiLabelReport holds per-topic and averaged multi-label metrics.
type MultiLabelReport struct {
	Topics     []string
	TP, FP, FN []int
	Exact      int // texts whose predicted set equals the gold set
	Top1       int // texts whose most confident topic is gold
	AnyTopic   int // texts with at least one predicted topic
	N          int
}

// NewMultiLabelReport starts an empty report over the taxonomy.
func NewMultiLabelReport() *MultiLabelReport {
	n := len(Codes)
	return &MultiLabelReport{Topics: Codes, TP: make([]int, n), FP: make([]int, n), FN: make([]int, n)}
}

// Add records one text: gold codes and predicted codes, most confident
// first.
func (r *MultiLabelReport) Add(gold, pred []string) {
	r.N++
	g := map[string]bool{}
	for _, c := range gold {
		g[c] = true
	}
	p := map[string]bool{}
	for _, c := range pred {
		p[c] = true
	}
	if len(pred) > 0 {
		r.AnyTopic++
		if g[pred[0]] {
			r.Top1++
		}
	}
	same := len(g) == len(p)
	for i, c := range r.Topics {
		switch {
		case g[c] && p[c]:
			r.TP[i]++
		case g[c]:
			r.FN[i]++
			same = false
		case p[c]:
			r.FP[i]++
			same = false
		}
	}
	if same {
		r.Exact++
	}
}

func prf(tp, fp, fn int) (p, rc, f float64) {
	if tp+fp > 0 {
		p = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		rc = float64(tp) / float64(tp+fn)
	}
	if p+rc > 0 {
		f = 2 * p * rc / (p + rc)
	}
	return
}

// MacroF1 averages per-topic F1 over the topics present in gold or
// predictions.
func (r *MultiLabelReport) MacroF1() float64 {
	s, n := 0.0, 0
	for i := range r.Topics {
		if r.TP[i]+r.FP[i]+r.FN[i] == 0 {
			continue
		}
		_, _, f := prf(r.TP[i], r.FP[i], r.FN[i])
		s += f
		n++
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}

// MicroF1 pools all topic decisions.
func (r *MultiLabelReport) MicroF1() float64 {
	tp, fp, fn := 0, 0, 0
	for i := range r.Topics {
		tp += r.TP[i]
		fp += r.FP[i]
		fn += r.FN[i]
	}
	_, _, f := prf(tp, fp, fn)
	return f
}

// WriteMarkdown prints the report.
func (r *MultiLabelReport) WriteMarkdown(w io.Writer, title string) {
	fmt.Fprintf(w, "%s (n=%d): macro-F1 %.4f, micro-F1 %.4f, exact set match %.4f, top-1 topic correct %.4f, texts with no topic %d\n\n",
		title, r.N, r.MacroF1(), r.MicroF1(), float64(r.Exact)/float64(max(r.N, 1)), float64(r.Top1)/float64(max(r.N, 1)), r.N-r.AnyTopic)
	fmt.Fprintln(w, "| topic | precision | recall | F1 | support |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for i, c := range r.Topics {
		p, rc, f := prf(r.TP[i], r.FP[i], r.FN[i])
		fmt.Fprintf(w, "| %s | %.3f | %.3f | %.3f | %d |\n", c, p, rc, f, r.TP[i]+r.FN[i])
	}
	fmt.Fprintln(w)
}

// EvalLexicon scores a labelled set with the lexicon.
func EvalLexicon(lx *Lexicon, set []Labeled) *MultiLabelReport {
	rep := NewMultiLabelReport()
	var toks []textnorm.Token
	var ms []Match
	for _, x := range set {
		toks = textnorm.Tokenize(x.Text, toks[:0])
		var pred []string
		for _, s := range lx.Score(toks, ms) {
			pred = append(pred, s.Topic)
		}
		rep.Add(x.Topics, pred)
	}
	return rep
}

// TopicFeatures is the feature set of learned topic models.
var TopicFeatures = linear.FeatureConfig{Bits: 18, Words: 2, Stripped: 1}

func topicTrainConfig(classes int, seed uint64, epochs int) linear.TrainConfig {
	return linear.TrainConfig{Classes: classes, Bits: TopicFeatures.Bits, Epochs: epochs, LR: 0.1, L2: 1e-6, Seed: seed, Average: true}
}

func buckets(text string, toks []textnorm.Token, feats []linear.Feature) ([]uint32, []textnorm.Token, []linear.Feature) {
	toks = textnorm.Tokenize(text, toks[:0])
	feats = TopicFeatures.Extract(toks, feats[:0])
	b := make([]uint32, len(feats))
	for i, f := range feats {
		b[i] = f.Bucket
	}
	return b, toks, feats
}

// LearnedCV runs k-fold cross-validation of a learned multi-label topic
// model (softmax over topics, one training copy per gold topic; predicted
// topics are the top one plus any with probability >= 0.35) on a labelled
// set. Folds are assigned round-robin, so the result is deterministic.
// When blend is set, lexicon topics are added to the learned ones.
func LearnedCV(set []Labeled, k int, seed uint64, lx *Lexicon) (learned, blend *MultiLabelReport) {
	idx := map[string]int{}
	for i, c := range Codes {
		idx[c] = i
	}
	var toks []textnorm.Token
	var feats []linear.Feature
	all := make([][]uint32, len(set))
	for i, x := range set {
		all[i], toks, feats = buckets(x.Text, toks, feats)
	}
	learned, blend = NewMultiLabelReport(), NewMultiLabelReport()
	var ms []Match
	for fold := 0; fold < k; fold++ {
		var ex []linear.Example
		for i, x := range set {
			if i%k == fold {
				continue
			}
			for _, c := range x.Topics {
				ex = append(ex, linear.Example{Buckets: all[i], Label: idx[c], Weight: 1})
			}
		}
		tr := linear.NewTrainer(ex, topicTrainConfig(len(Codes), seed, 15))
		for e := 0; e < 15; e++ {
			tr.Epoch()
		}
		w := tr.Weights()
		p := make([]float64, len(Codes))
		for i, x := range set {
			if i%k != fold {
				continue
			}
			w.Logits(all[i], p)
			linear.Softmax(p)
			order := make([]int, len(p))
			for j := range order {
				order[j] = j
			}
			sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
			var pred []string
			for r, j := range order {
				if r == 0 || p[j] >= 0.35 {
					pred = append(pred, Codes[j])
				}
			}
			learned.Add(x.Topics, pred)
			if lx != nil {
				toks = textnorm.Tokenize(x.Text, toks[:0])
				seen := map[string]bool{}
				var bl []string
				for _, s := range lx.Score(toks, ms) {
					bl = append(bl, s.Topic)
					seen[s.Topic] = true
				}
				for _, c := range pred {
					if !seen[c] {
						bl = append(bl, c)
					}
				}
				blend.Add(x.Topics, bl)
			}
		}
	}
	return learned, blend
}

// ViCTSDCategories lists the UIT-ViCTSD article categories.
var ViCTSDCategories = []string{"ThoiSu", "PhapLuat", "GiaoDuc", "SucKhoe", "KinhDoanh", "TheGioi", "OtoXemay", "KhoaHoc", "GiaiTri", "TheThao"}

// LoadViCTSD reads comments and article categories from
// dataDir/topics/uit-victsd/<split>.csv (split: train, valid, test).
func LoadViCTSD(dataDir, split string) (texts []string, labels []int, err error) {
	path := filepath.Join(dataDir, "topics", "uit-victsd", split+".csv")
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("topic: UIT-ViCTSD %s not found (expected under ../shared/data, see its README.md): %w", split, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("topic: %s: %w", path, err)
	}
	ci, ti := -1, -1
	for i, h := range head {
		switch strings.TrimSpace(h) {
		case "Comment":
			ci = i
		case "Topic":
			ti = i
		}
	}
	if ci < 0 || ti < 0 {
		return nil, nil, fmt.Errorf("topic: %s: missing Comment or Topic column", path)
	}
	cat := map[string]int{}
	for i, c := range ViCTSDCategories {
		cat[c] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("topic: %s: %w", path, err)
		}
		l, ok := cat[strings.TrimSpace(rec[ti])]
		if !ok {
			return nil, nil, fmt.Errorf("topic: %s: unknown category %q", path, rec[ti])
		}
		texts = append(texts, rec[ci])
		labels = append(labels, l)
	}
	return texts, labels, nil
}

// ViCTSDResult is the proxy evaluation outcome.
type ViCTSDResult struct {
	BestEpoch int
	Valid     *linear.Confusion
	Test      *linear.Confusion
}

// TrainViCTSD trains a softmax model on UIT-ViCTSD train, picks the epoch
// with the best valid macro-F1 and evaluates it on test.
func TrainViCTSD(dataDir string, seed uint64, maxEpochs int, progress io.Writer) (*ViCTSDResult, error) {
	load := func(split string) ([][]uint32, []int, error) {
		texts, labels, err := LoadViCTSD(dataDir, split)
		if err != nil {
			return nil, nil, err
		}
		var toks []textnorm.Token
		var feats []linear.Feature
		out := make([][]uint32, len(texts))
		for i, t := range texts {
			out[i], toks, feats = buckets(t, toks, feats)
		}
		return out, labels, nil
	}
	trX, trY, err := load("train")
	if err != nil {
		return nil, err
	}
	vaX, vaY, err := load("valid")
	if err != nil {
		return nil, err
	}
	teX, teY, err := load("test")
	if err != nil {
		return nil, err
	}
	ex := make([]linear.Example, len(trX))
	for i := range trX {
		ex[i] = linear.Example{Buckets: trX[i], Label: trY[i], Weight: 1}
	}
	eval := func(w *linear.Weights, X [][]uint32, Y []int) *linear.Confusion {
		cm := linear.NewConfusion(ViCTSDCategories)
		p := make([]float64, len(ViCTSDCategories))
		for i := range X {
			cm.Add(Y[i], w.Predict(X[i], p))
		}
		return cm
	}
	tr := linear.NewTrainer(ex, topicTrainConfig(len(ViCTSDCategories), seed, maxEpochs))
	res := &ViCTSDResult{}
	best := math.Inf(-1)
	var bestW *linear.Weights
	for e := 1; e <= maxEpochs; e++ {
		tr.Epoch()
		w := tr.Weights()
		cm := eval(w, vaX, vaY)
		if progress != nil {
			fmt.Fprintf(progress, "victsd epoch %2d: valid macro-F1 %.4f accuracy %.4f\n", e, cm.MacroF1(), cm.Accuracy())
		}
		if cm.MacroF1() > best {
			best, bestW, res.BestEpoch, res.Valid = cm.MacroF1(), w, e, cm
		}
	}
	res.Test = eval(bestW, teX, teY)
	return res, nil
}
