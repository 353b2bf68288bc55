package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"dvpulse/nlp/sentiment"
)

const trainUsage = `usage: dvpulse train <sentiment|topic> [options]

  sentiment  train the sentiment model from ../shared/data/sentiment
             (UIT-VSFC train, selection on UIT-VSFC dev), optionally plus
             your own labelled CSV; --eval reports UIT-VSFC test and the
             AIVIVN 2019 held-out split.
  topic      evaluate the topic lexicon on the hand-labelled feedback set,
             train/evaluate the proxy UIT-ViCTSD category model, or train a
             learned taxonomy model from your own labelled CSV.

Run "dvpulse train sentiment --help" or "dvpulse train topic --help" for
the options of each.
`

// TrainMain runs "dvpulse train ..." and returns the process exit code.
func TrainMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, trainUsage)
		return 2
	}
	switch args[0] {
	case "sentiment":
		return trainSentiment(args[1:], stdout, stderr)
	case "topic":
		return trainTopic(args[1:], stdout, stderr)
	case "-h", "--help", "-help", "help":
		fmt.Fprint(stdout, trainUsage)
		return 0
	}
	fmt.Fprintf(stderr, "train: unknown model %q\n\n%s", args[0], trainUsage)
	return 2
}

const sentimentUsage = `usage: dvpulse train sentiment [options]

Trains the hashed logistic-regression sentiment model (a bag of models
with different seeds whose weights are averaged into one). With the defaults and
the committed seed it reproduces the embedded model byte for byte (the
command prints whether it did). Training takes under a minute on two cores.

Own data: --csv file.csv adds an organisation's labelled feedback. The file
is UTF-8 CSV with a header row containing the columns text and label
(other columns are ignored); label is negative, neutral or positive. Add
--no-base to train on the CSV alone (every fifth row is then held out for
epoch selection when the file has at least 50 rows). Load the result with
"dvpulse score --model out.bin.gz".

Options:
`

func trainSentiment(args []string, stdout, stderr io.Writer) int {
	o := sentiment.DefaultOptions()
	fs := flag.NewFlagSet("train sentiment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.DataDir, "data", o.DataDir, "shared data folder holding sentiment/uit-vsfc and sentiment/aivivn-2019")
	fs.Uint64Var(&o.Train.Seed, "seed", o.Train.Seed, "random seed for the example order (same data + seed = identical model)")
	out := fs.String("out", "", "write the trained model here (gzip); nothing is written when empty")
	eval := fs.Bool("eval", false, "after training, evaluate on UIT-VSFC test and the AIVIVN held-out split and print Markdown tables")
	fs.StringVar(&o.CSV, "csv", "", "organisation CSV with columns text,label (label: negative|neutral|positive) added to training")
	fs.Float64Var(&o.CSVWeight, "csv-weight", o.CSVWeight, "instance weight of CSV rows relative to corpus sentences")
	noBase := fs.Bool("no-base", false, "do not use the public corpora; train on --csv only")
	fs.Float64Var(&o.AIVIVNWeight, "aivivn-weight", o.AIVIVNWeight, "instance weight of AIVIVN 2019 training reviews (0 leaves them out)")
	fs.IntVar(&o.Train.Epochs, "epochs", o.Train.Epochs, "maximum epochs; the best epoch on the dev split is kept")
	fs.Float64Var(&o.Train.LR, "lr", o.Train.LR, "AdaGrad learning rate")
	fs.Float64Var(&o.Train.L2, "l2", o.Train.L2, "L2 penalty per update")
	neu := fs.Float64("neutral-weight", o.Train.ClassWeight[1], "loss weight of neutral examples (neutral is ~5% of UIT-VSFC)")
	fs.IntVar(&o.Features.Bits, "bits", o.Features.Bits, "log2 of the hashed feature space")
	fs.IntVar(&o.Features.Words, "ngrams", o.Features.Words, "highest syllable n-gram order")
	fs.IntVar(&o.Features.Stripped, "stripped-ngrams", o.Features.Stripped, "highest n-gram order on the diacritic-free channel (0 = off)")
	fs.BoolVar(&o.Features.Neg, "negation", o.Features.Neg, "add NEG_ features for syllables in a negation scope")
	fs.BoolVar(&o.Features.Length, "length", o.Features.Length, "add a text-length feature (syllable count, bucketed)")
	fs.BoolVar(&o.Features.Edges, "edges", o.Features.Edges, "add features for the first and last syllable of the text")
	fs.BoolVar(&o.Features.Norm, "norm", o.Features.Norm, "scale feature values by 1/sqrt(feature count)")
	fs.IntVar(&o.Train.Bag, "bag", o.Train.Bag, "average the weights of this many models trained with different seeds (1 = a single model)")
	fs.IntVar(&o.Features.CharMax, "char-max", o.Features.CharMax, "longest character n-gram inside syllables (0 = off)")
	fs.BoolVar(&o.RefitOnDev, "refit-on-dev", o.RefitOnDev, "after choosing the epoch count on UIT-VSFC dev, train the final model on train + dev (calibration then uses cross-fitted train + dev logits)")
	fs.IntVar(&o.Limit, "limit", 0, "use only the first N sentences of each corpus (for quick tests)")
	fs.StringVar(&o.Version, "version", "", "version string stored in the model (default: the embedded model's version)")
	quiet := fs.Bool("quiet", false, "no progress output")
	fs.Usage = func() {
		fmt.Fprint(stderr, sentimentUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "train sentiment: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o.Train.ClassWeight = []float64{1, *neu, 1}
	o.Base = !*noBase
	if *noBase && o.CSV == "" {
		fmt.Fprintln(stderr, "train sentiment: --no-base needs --csv")
		return 2
	}
	if o.Features.CharMax > 0 && o.Features.CharMin == 0 {
		o.Features.CharMin = 2
	}
	embedded, embErr := sentiment.Default()
	if o.Version == "" {
		o.Version = "custom"
		if embErr == nil {
			o.Version = embedded.Model.Version
		}
	}
	if !*quiet {
		o.Progress = stderr
	}
	t0 := time.Now()
	m, rep, err := sentiment.Train(o)
	if err != nil {
		fmt.Fprintf(stderr, "train sentiment: %v\n", err)
		return 1
	}
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		fmt.Fprintf(stderr, "train sentiment: %v\n", err)
		return 1
	}
	sum := sha256.Sum256(buf.Bytes())
	fmt.Fprintf(stdout, "trained in %.1fs on %d examples; best epoch %d; dev macro-F1 %.4f accuracy %.4f\n",
		time.Since(t0).Seconds(), rep.TrainSize, rep.BestEpoch, rep.DevMacroF1, rep.DevAccuracy)
	fmt.Fprintf(stdout, "model sha256 %s (%d bytes)", hex.EncodeToString(sum[:]), buf.Len())
	if embErr == nil {
		es := sha256.Sum256(sentiment.EmbeddedModelBytes())
		fmt.Fprintf(stdout, "; identical to embedded model: %v", es == sum)
	}
	fmt.Fprintln(stdout)
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			fmt.Fprintf(stderr, "train sentiment: %v\n", err)
			return 1
		}
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "train sentiment: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s\n", *out)
	}
	if *eval {
		if !o.Base {
			fmt.Fprintln(stderr, "train sentiment: --eval reports the public test splits; evaluating the CSV-only model on them")
		}
		if err := evalSentiment(m, rep, o.DataDir, stdout); err != nil {
			fmt.Fprintf(stderr, "train sentiment: %v\n", err)
			return 1
		}
	}
	return 0
}
