package cli

import (
	"fmt"
	"io"

	"dvpulse/nlp/linear"
	"dvpulse/nlp/sentiment"
)

func evalSentiment(m *linear.Model, dataDir string, w io.Writer) error {
	for _, split := range []string{"dev", "test"} {
		s, err := sentiment.LoadVSFC(dataDir, split)
		if err != nil {
			return err
		}
		cm := sentiment.EvalModel(m, s)
		cm.WriteMarkdown(w, fmt.Sprintf("UIT-VSFC %s", split))
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
