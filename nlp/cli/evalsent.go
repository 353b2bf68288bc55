package cli

import (
	"fmt"
	"io"

	"dvpulse/nlp/linear"
	"dvpulse/nlp/sentiment"
)

// evalSentiment prints UIT-VSFC dev and test and AIVIVN held-out tables
// for m. rep (may be nil) gives the dev figures of the selection model when
// m was refitted on train + dev, whose own dev figures are in-sample.
func evalSentiment(m *linear.Model, rep *sentiment.Report, dataDir string, w io.Writer) error {
	for _, split := range []string{"dev", "test"} {
		s, err := sentiment.LoadVSFC(dataDir, split)
		if err != nil {
			return err
		}
		title := fmt.Sprintf("UIT-VSFC %s", split)
		if _, refit := m.Notes["uit-vsfc-dev"]; refit && split == "dev" {
			if rep != nil {
				fmt.Fprintf(w, "UIT-VSFC dev, selection model (trained on train only, epoch %d, float weights, no calibration): accuracy %.4f, macro-F1 %.4f\n\n",
					rep.BestEpoch, rep.DevAccuracy, rep.DevMacroF1)
			}
			title = "UIT-VSFC dev, final model (dev is in its training data: in-sample, not an estimate)"
		}
		cm := sentiment.EvalModel(m, s)
		cm.WriteMarkdown(w, title)
	}
	_, ho, err := sentiment.LoadAIVIVN(dataDir)
	if err != nil {
		return err
	}
	bm := sentiment.EvalBinary(m, ho)
	bm.WriteMarkdown(w, "AIVIVN 2019 held-out (FNV-1a(id) % 5 == 0), binary negative vs positive")
	st := bm.Stats()
	fmt.Fprintf(w, "AIVIVN binary F1 (negative = label 1 as the positive class): %.4f; F1 of positive reviews: %.4f\n\n", st[0].F1, st[1].F1)
	return nil
}
