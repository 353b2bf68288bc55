package cli

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"dvpulse/nlp"
	"dvpulse/nlp/sentiment"
)

const scoreUsage = `usage: dvpulse score [options] < texts.txt > scores.jsonl

Reads texts from standard input, one per line, and writes one JSON object
per line with the fields label, score, confidence, probabilities, topics,
explanation, model and model_version (and text with --echo). Empty input
lines produce a result too, so output line N always belongs to input line N.

Options:
`

// ScoreMain runs "dvpulse score" and returns the process exit code.
func ScoreMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "sentiment model file written by `dvpulse train sentiment --out` (default: the embedded model)")
	lexicon := fs.String("lexicon", "", "topic lexicon TSV to use instead of the embedded one (format: see nlp/topic/lexicon.tsv)")
	explain := fs.Int("explain", 5, "number of explanation n-grams per text (0 disables)")
	echo := fs.Bool("echo", false, "include the input text in each JSON object")
	fs.Usage = func() {
		fmt.Fprint(stderr, scoreUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "score: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	opts := nlp.Options{LexiconPath: *lexicon, ExplainTop: *explain}
	if *explain <= 0 {
		opts.ExplainTop = -1
	}
	if *model != "" {
		b, err := os.ReadFile(*model)
		if err != nil {
			fmt.Fprintf(stderr, "score: %v\n", err)
			return 1
		}
		c, err := sentiment.Load(b)
		if err != nil {
			fmt.Fprintf(stderr, "score: %v\n", err)
			return 1
		}
		opts.Sentiment = c
	}
	var s *nlp.Scorer
	var err error
	if opts == (nlp.Options{ExplainTop: 5}) {
		s, err = nlp.Default()
	} else {
		s, err = nlp.New(opts)
	}
	if err != nil {
		fmt.Fprintf(stderr, "score: %v\n", err)
		return 1
	}
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 64*1024), 16<<20)
	out := bufio.NewWriter(stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	type echoed struct {
		Text string `json:"text"`
		nlp.Result
	}
	for in.Scan() {
		r := s.Score(in.Text())
		if r.Topics == nil {
			r.Topics = []nlp.TopicScore{}
		}
		if r.Explain == nil {
			r.Explain = []nlp.Contribution{}
		}
		var v any = r
		if *echo {
			v = echoed{Text: in.Text(), Result: r}
		}
		if err := enc.Encode(v); err != nil {
			fmt.Fprintf(stderr, "score: %v\n", err)
			return 1
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(stderr, "score: read input: %v\n", err)
		return 1
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "score: %v\n", err)
		return 1
	}
	return 0
}
