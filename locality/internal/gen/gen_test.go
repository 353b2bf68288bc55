package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"dvpulse/locality/internal/datafile"
)

// Paths from this package's folder; the repository root is three levels up.
const (
	sharedRoot = "../../../../shared/data"
	sharedDir  = sharedRoot + "/localities"
	dataDir    = "../../data"
)

var (
	srcOnce sync.Once
	src     *sources
	srcErr  error
)

// shared returns the parsed sources, skipping the test only when
// ../shared/data is absent.
func shared(t *testing.T) *sources {
	t.Helper()
	if _, err := os.Stat(sharedRoot); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("../shared/data not found (looked for %s): cannot check the data against its sources", sharedRoot)
	}
	srcOnce.Do(func() { src, srcErr = loadSources(sharedDir) })
	if srcErr != nil {
		t.Fatal(srcErr)
	}
	return src
}

// The committed data files are what the generator makes from the sources.
func TestCommittedDataIsFresh(t *testing.T) {
	s := shared(t)
	files, _ := filepath.Glob(filepath.Join(dataDir, "*.json"))
	if len(files) == 0 {
		t.Fatalf("no data files in %s", dataDir)
	}
	for _, path := range files {
		province := strings.TrimSuffix(filepath.Base(path), ".json")
		f, _, err := s.generate(province)
		if err != nil {
			t.Fatal(err)
		}
		want, err := datafile.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("locality/data/%s.json is stale; regenerate it from the repository root with\n"+
				"\tgo run ./locality/internal/gen -province %[1]s", province)
		}
	}
}

func TestGenerateHaTinh(t *testing.T) {
	f, rep, err := shared(t).generate("42")
	if err != nil {
		t.Fatal(err)
	}
	if f.Province.Name != "Hà Tĩnh" || len(f.Units2025) != 69 || len(f.Districts) != 12 || len(f.Communes) != 209 {
		t.Errorf("province %v: %d units, %d districts, %d communes; want Hà Tĩnh, 69, 12, 209",
			f.Province, len(f.Units2025), len(f.Districts), len(f.Communes))
	}
	if rep.rows != 224 || rep.kept != 209 || rep.skippedRows() != 15 {
		t.Errorf("crosswalk rows %d, kept %d, skipped %d; want 224, 209, 15", rep.rows, rep.kept, rep.skippedRows())
	}
	want := map[string]int{
		"old code is null": 9,
		"old code is null; new code unknown in scheme 2025":        5,
		"old code is null; new code is a 2025 unit of province 38": 1,
	}
	for reason, n := range want {
		if len(rep.skipped[reason]) != n {
			t.Errorf("skipped for %q: %d; want %d", reason, len(rep.skipped[reason]), n)
		}
	}
	var log bytes.Buffer
	rep.print(&log)
	if !strings.Contains(log.String(), "224 rows for the province, 209 kept, 15 skipped") {
		t.Errorf("report:\n%s", log.String())
	}
}

// Every 2025 province generates, with a crosswalk consistent with its units
// and no name outside NFC: this guards the hazards listed in the data README.
func TestGenerateAllProvinces(t *testing.T) {
	s := shared(t)
	if len(s.provinces) != 34 {
		t.Errorf("%d provinces in 2025; want 34", len(s.provinces))
	}
	total := 0
	for _, p := range s.provinces {
		f, rep, err := s.generate(p.Code)
		if err != nil {
			t.Errorf("province %s: %v", p.Code, err)
			continue
		}
		total += len(f.Units2025)
		news, olds := codes(f.Units2025), codes(f.Communes)
		for _, l := range f.Crosswalk {
			if !olds[l.Old] {
				t.Errorf("province %s: crosswalk from unknown %s", p.Code, l.Old)
			}
			for _, n := range l.New {
				if !news[n] {
					t.Errorf("province %s: crosswalk to unknown %s", p.Code, n)
				}
			}
		}
		if rep.kept+rep.skippedRows() != rep.rows {
			t.Errorf("province %s: %d kept + %d skipped != %d rows", p.Code, rep.kept, rep.skippedRows(), rep.rows)
		}
	}
	if total != 3321 {
		t.Errorf("%d units in 2025; want 3321", total)
	}
}

func codes(us []datafile.Unit) map[string]bool {
	m := make(map[string]bool, len(us))
	for _, u := range us {
		m[u.Code] = true
	}
	return m
}

func TestErrors(t *testing.T) {
	_, err := loadSources("no/such/dir")
	if err == nil || !strings.HasPrefix(err.Error(), "no/such/dir not found: ") {
		t.Errorf("loadSources(missing) error = %v", err)
	}
	_, _, err = shared(t).generate("43")
	if err == nil || !strings.Contains(err.Error(), "42") {
		t.Errorf("generate(43) error = %v; want one listing the province codes", err)
	}
}

func TestRunWritesFile(t *testing.T) {
	shared(t)
	out := filepath.Join(t.TempDir(), "sub", "42.json")
	var log bytes.Buffer
	if err := run(sharedDir, "42", out, &log); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dataDir, "42.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("run wrote a file that differs from locality/data/42.json")
	}
	if !strings.Contains(log.String(), "skipped 9: old code is null") {
		t.Errorf("log:\n%s", log.String())
	}
}
