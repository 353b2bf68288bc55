package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScoreMainJSON(t *testing.T) {
	in := strings.NewReader("Tiền đền bù quá thấp, dân không đồng tình\n\nthầy dạy rất hay\n")
	var out, errb bytes.Buffer
	if code := ScoreMain(nil, in, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 output lines, got %d: %q", len(lines), out.String())
	}
	for i, ln := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(ln), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i+1, err, ln)
		}
		for _, k := range []string{"label", "score", "confidence", "probabilities", "topics", "explanation", "model", "model_version"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i+1, k, ln)
			}
		}
		p := m["probabilities"].(map[string]any)
		for _, k := range []string{"negative", "neutral", "positive"} {
			if _, ok := p[k]; !ok {
				t.Errorf("line %d: probabilities lack %q", i+1, k)
			}
		}
	}
	var first map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	if first["label"] != "negative" {
		t.Errorf("first line label %v", first["label"])
	}
	topics := first["topics"].([]any)
	if len(topics) == 0 || topics[0].(map[string]any)["code"] != "site_clearance" {
		t.Errorf("first line topics %v", topics)
	}
}

func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := TrainMain([]string{"sentiment", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, opt := range []string{"-data", "-eval", "-seed", "-out", "-csv"} {
		if !strings.Contains(errb.String(), opt) {
			t.Errorf("sentiment help lacks %s", opt)
		}
	}
	errb.Reset()
	if code := ScoreMain([]string{"-h"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("score -h exit %d", code)
	}
	if code := TrainMain([]string{"bogus"}, &out, &errb); code != 2 {
		t.Errorf("unknown model: exit %d", code)
	}
}

func TestTrainFromCSVAndScore(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "own.bin.gz")
	csv := filepath.Join("..", "sentiment", "testdata", "own_feedback.csv")
	var out, errb bytes.Buffer
	code := TrainMain([]string{"sentiment", "--no-base", "--csv", csv, "--out", model, "--bits", "14", "--epochs", "20", "--quiet"}, &out, &errb)
	if code != 0 {
		t.Fatalf("train exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(model); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	code = ScoreMain([]string{"--model", model, "--echo"}, strings.NewReader("rác bốc mùi hôi thối\n"), &out, &errb)
	if code != 0 {
		t.Fatalf("score exit %d: %s", code, errb.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["text"] != "rác bốc mùi hôi thối" || m["label"] != "negative" {
		t.Errorf("unexpected result %s", out.String())
	}
}

func TestMissingData(t *testing.T) {
	var out, errb bytes.Buffer
	code := TrainMain([]string{"sentiment", "--data", filepath.Join(t.TempDir(), "missing"), "--quiet"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "shared/data") {
		t.Errorf("want a clear error about the data folder, got exit %d: %s", code, errb.String())
	}
}
