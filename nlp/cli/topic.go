package cli

import (
	"flag"
	"fmt"
	"io"

	"dvpulse/nlp/topic"
)

const topicUsage = `usage: dvpulse train topic [options]

Topic scoring uses the editable phrase lexicon (embedded nlp/topic/lexicon.tsv,
or --lexicon FILE). This command evaluates it and the learned models:

  - the lexicon on the hand-labelled feedback set (--feedback), multi-label
    precision/recall/F1 per topic, macro- and micro-F1;
  - a learned linear model on the same set by 5-fold cross-validation, alone
    and blended with the lexicon;
  - the proxy task: a linear model trained on UIT-ViCTSD train, epoch chosen
    on valid, scored on test (10 news categories), macro-F1 and accuracy.

With --eval all figures reported in MODEL.md are reproduced from the
committed seed and data.

Options:
`

func trainTopic(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("train topic", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "../shared/data", "shared data folder holding topics/uit-victsd")
	feedback := fs.String("feedback", "nlp/testdata/feedback_topics.tsv", "hand-labelled set: text<TAB>comma-separated topic codes")
	lexicon := fs.String("lexicon", "", "lexicon TSV to evaluate instead of the embedded one")
	seed := fs.Uint64("seed", 20240601, "random seed of the learned models")
	epochs := fs.Int("epochs", 15, "maximum epochs for the UIT-ViCTSD model")
	eval := fs.Bool("eval", false, "run every evaluation (same as --lexicon-eval --cv --victsd)")
	lexEval := fs.Bool("lexicon-eval", false, "evaluate the lexicon on the feedback set")
	cv := fs.Bool("cv", false, "5-fold cross-validation of a learned model on the feedback set")
	victsd := fs.Bool("victsd", false, "train and evaluate the UIT-ViCTSD proxy model")
	quiet := fs.Bool("quiet", false, "no progress output")
	fs.Usage = func() {
		fmt.Fprint(stderr, topicUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "train topic: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *eval {
		*lexEval, *cv, *victsd = true, true, true
	}
	if !*lexEval && !*cv && !*victsd {
		fmt.Fprintln(stderr, "train topic: choose --eval, --lexicon-eval, --cv or --victsd")
		fs.Usage()
		return 2
	}
	lx, err := topic.DefaultLexicon()
	if *lexicon != "" {
		lx, err = topic.LoadLexicon(*lexicon)
	}
	if err != nil {
		fmt.Fprintf(stderr, "train topic: %v\n", err)
		return 1
	}
	if *lexEval || *cv {
		set, err := topic.LoadFeedback(*feedback)
		if err != nil {
			fmt.Fprintf(stderr, "train topic: %v\n", err)
			return 1
		}
		if *lexEval {
			topic.EvalLexicon(lx, set).WriteMarkdown(stdout, "Lexicon on the hand-labelled feedback set")
		}
		if *cv {
			if !*quiet {
				fmt.Fprintln(stderr, "5-fold cross-validation of the learned topic model ...")
			}
			learned, blend := topic.LearnedCV(set, 5, *seed, lx)
			learned.WriteMarkdown(stdout, "Learned model, 5-fold CV on the feedback set")
			blend.WriteMarkdown(stdout, "Lexicon + learned model, 5-fold CV on the feedback set")
		}
	}
	if *victsd {
		var progress io.Writer
		if !*quiet {
			progress = stderr
		}
		res, err := topic.TrainViCTSD(*data, *seed, *epochs, progress)
		if err != nil {
			fmt.Fprintf(stderr, "train topic: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "UIT-ViCTSD proxy: best epoch on valid %d (valid macro-F1 %.4f)\n\n", res.BestEpoch, res.Valid.MacroF1())
		res.Test.WriteMarkdown(stdout, "UIT-ViCTSD test, article category from comment text")
	}
	return 0
}
