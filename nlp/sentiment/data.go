package sentiment

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Class indices. The order is fixed and stored in the model header.
const (
	Negative = 0
	Neutral  = 1
	Positive = 2
)

// Labels names the classes in index order.
var Labels = []string{"negative", "neutral", "positive"}

// Sample is one labelled text.
type Sample struct {
	ID    string
	Text  string
	Label int
}

// ErrNoData reports that the shared data folder is missing.
var ErrNoData = errors.New("sentiment data not found")

func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return fmt.Errorf("%w: %s is missing; the public corpora are expected under ../shared/data relative to the repository root (see ../shared/data/README.md) or pass --data", ErrNoData, dir)
	}
	return nil
}

// LoadVSFC reads one UIT-VSFC split ("train", "dev" or "test") from
// dataDir/sentiment/uit-vsfc.
func LoadVSFC(dataDir, split string) ([]Sample, error) {
	dir := filepath.Join(dataDir, "sentiment", "uit-vsfc", split)
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	sents, err := readLines(filepath.Join(dir, "sents.txt"))
	if err != nil {
		return nil, err
	}
	labs, err := readLines(filepath.Join(dir, "sentiments.txt"))
	if err != nil {
		return nil, err
	}
	if len(sents) != len(labs) {
		return nil, fmt.Errorf("uit-vsfc %s: %d sentences but %d labels", split, len(sents), len(labs))
	}
	out := make([]Sample, 0, len(sents))
	for i, s := range sents {
		var l int
		switch strings.TrimSpace(labs[i]) {
		case "0":
			l = Negative
		case "1":
			l = Neutral
		case "2":
			l = Positive
		default:
			return nil, fmt.Errorf("uit-vsfc %s line %d: bad label %q", split, i+1, labs[i])
		}
		out = append(out, Sample{ID: fmt.Sprintf("vsfc-%s-%d", split, i), Text: s, Label: l})
	}
	return out, nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoData, err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	// A trailing empty line is not a sample.
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out, nil
}

var aivivnID = regexp.MustCompile(`^train_\d+$`)

// AIVIVNHeldOut reports whether an AIVIVN 2019 id belongs to the fixed
// held-out split: FNV-1a 32 of the id modulo 5 equals 0 (about 20%).
func AIVIVNHeldOut(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%5 == 0
}

// LoadAIVIVN reads dataDir/sentiment/aivivn-2019/train.crash and splits it
// into the training part and the fixed held-out part (see AIVIVNHeldOut).
// Labels are mapped 0 → positive, 1 → negative.
func LoadAIVIVN(dataDir string) (train, heldOut []Sample, err error) {
	path := filepath.Join(dataDir, "sentiment", "aivivn-2019", "train.crash")
	if err := checkDir(filepath.Dir(path)); err != nil {
		return nil, nil, err
	}
	lines, err := readLines(path)
	if err != nil {
		return nil, nil, err
	}
	var id string
	var text []string
	flush := func(label string) error {
		if id == "" {
			return nil
		}
		t := strings.TrimSpace(strings.Join(text, "\n"))
		t = strings.TrimPrefix(t, `"`)
		t = strings.TrimSuffix(t, `"`)
		s := Sample{ID: id, Text: strings.TrimSpace(t)}
		switch label {
		case "0":
			s.Label = Positive
		case "1":
			s.Label = Negative
		default:
			return fmt.Errorf("aivivn %s: bad label %q", id, label)
		}
		if AIVIVNHeldOut(id) {
			heldOut = append(heldOut, s)
		} else {
			train = append(train, s)
		}
		id, text = "", nil
		return nil
	}
	for _, ln := range lines {
		tl := strings.TrimSpace(ln)
		switch {
		case id == "" && aivivnID.MatchString(tl):
			id = tl
		case id != "" && len(text) > 0 && (tl == "0" || tl == "1") && strings.HasSuffix(strings.TrimSpace(strings.Join(text, "\n")), `"`):
			if err := flush(tl); err != nil {
				return nil, nil, err
			}
		case id != "":
			text = append(text, ln)
		}
	}
	if id != "" {
		return nil, nil, fmt.Errorf("aivivn: record %s has no label", id)
	}
	return train, heldOut, nil
}

// ParseLabel accepts negative|neutral|positive (any case) and the short
// forms neg|neu|pos.
func ParseLabel(s string) (int, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "negative", "neg":
		return Negative, nil
	case "neutral", "neu":
		return Neutral, nil
	case "positive", "pos":
		return Positive, nil
	}
	return 0, fmt.Errorf("label %q is not negative, neutral or positive", s)
}

// LoadCSV reads an organisation's labelled feedback: a UTF-8 CSV with a
// header row containing the columns text and label (other columns are
// ignored); label is negative, neutral or positive.
func LoadCSV(path string) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open csv: %w", err)
	}
	defer f.Close()
	return ReadCSV(f, path)
}

// ReadCSV is LoadCSV from a reader; name is used in error messages.
func ReadCSV(r io.Reader, name string) ([]Sample, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: read header: %w", name, err)
	}
	ti, li := -1, -1
	for i, h := range head {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "text":
			ti = i
		case "label":
			li = i
		}
	}
	if ti < 0 || li < 0 {
		return nil, fmt.Errorf("%s: header must contain the columns text and label, got %q", name, head)
	}
	var out []Sample
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if ti >= len(rec) || li >= len(rec) {
			return nil, fmt.Errorf("%s line %d: missing text or label column", name, line)
		}
		l, err := ParseLabel(rec[li])
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", name, line, err)
		}
		out = append(out, Sample{ID: fmt.Sprintf("csv-%d", line), Text: rec[ti], Label: l})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows", name)
	}
	return out, nil
}
