package locality

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"dvpulse/locality/internal/datafile"
)

// testFile is a small made-up province with a split commune, a commune
// whose successor repeats its name and a 2025 code unknown before 2025.
func testFile() *datafile.File {
	return &datafile.File{
		Format:   datafile.Format,
		Province: datafile.Province{Code: "99", Name: "Thử"},
		Units2025: []datafile.Unit{
			{Code: "00010", Name: "Phường Một", Kind: "ward"},
			{Code: "00020", Name: "Xã Hai", Kind: "commune"},
			{Code: "00030", Name: "Xã Ba", Kind: "commune"},
			{Code: "00040", Name: "Đặc khu Bốn", Kind: "special_zone"},
		},
		Districts: []datafile.Unit{{Code: "001", Name: "Huyện Cũ", Kind: "district"}},
		Communes: []datafile.Unit{
			{Code: "00011", Name: "Xã Tách", Kind: "commune", District: "001"},
			{Code: "00012", Name: "Thị trấn Ba", Kind: "township", District: "001"},
			{Code: "00013", Name: "Xã Gộp", Kind: "commune", District: "001"},
		},
		Crosswalk: []datafile.Link{
			{Old: "00011", New: []string{"00030", "00020"}}, // split, no name match
			{Old: "00012", New: []string{"00010", "00030"}}, // split, 00030 is "Xã Ba"
			{Old: "00013", New: []string{"00030"}},
		},
	}
}

func TestPrimarySuccessor(t *testing.T) {
	r, err := newRegistry(testFile())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		old, want string
		succ      []string
	}{
		{"00011", "00020", []string{"00020", "00030"}}, // smallest code
		{"00012", "00030", []string{"00010", "00030"}}, // same bare name wins over a smaller code
		{"00013", "00030", []string{"00030"}},
	} {
		for range 3 {
			if got, ok := r.Current(SchemePre2025, tc.old); got != tc.want || !ok {
				t.Errorf("Current(pre2025, %s) = %q, %v; want %q", tc.old, got, ok, tc.want)
			}
		}
		if got := r.Successors(tc.old); !slices.Equal(got, tc.succ) {
			t.Errorf("Successors(%s) = %v; want %v", tc.old, got, tc.succ)
		}
	}
	if got := r.Predecessors("00030"); !slices.Equal(got, []string{"00011", "00012", "00013"}) {
		t.Errorf("Predecessors(00030) = %v", got)
	}
	if got, ok := r.Current(Scheme2025, "00040"); got != "00040" || !ok {
		t.Errorf("Current(2025, 00040) = %q, %v", got, ok)
	}
	// A 2025 code looked up as pre2025 names its scheme.
	_, err = r.Lookup(SchemePre2025, "00020")
	if !errors.Is(err, ErrUnknownCode) || !strings.Contains(err.Error(), "it is a unit of scheme 2025 (Xã Hai)") {
		t.Errorf("Lookup(pre2025, 00020) error = %v", err)
	}
}

func TestNewRegistryRejectsBadData(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *datafile.File)
		want   string
	}{
		{"duplicate unit", func(f *datafile.File) { f.Units2025 = append(f.Units2025, f.Units2025[0]) }, "listed twice"},
		{"unknown kind", func(f *datafile.File) { f.Units2025[0].Kind = "hamlet" }, `kind "hamlet"`},
		{"district kind", func(f *datafile.File) { f.Districts[0].Kind = "ward" }, `kind "ward"`},
		{"unknown district", func(f *datafile.File) { f.Communes[0].District = "002" }, `unknown district "002"`},
		{"crosswalk from unknown", func(f *datafile.File) { f.Crosswalk[0].Old = "00099" }, "not a pre2025 commune"},
		{"crosswalk to unknown", func(f *datafile.File) { f.Crosswalk[0].New = []string{"00099"} }, "not a 2025 unit"},
		{"crosswalk to nothing", func(f *datafile.File) { f.Crosswalk[0].New = nil }, "no successor"},
		{"crosswalk twice", func(f *datafile.File) { f.Crosswalk = append(f.Crosswalk, f.Crosswalk[0]) }, "listed twice"},
	} {
		f := testFile()
		tc.change(f)
		if _, err := newRegistry(f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v; want one containing %q", tc.name, err, tc.want)
		}
	}
}

// The embedded data round-trips through datafile unchanged.
func TestEmbeddedDataIsCanonical(t *testing.T) {
	names := available()
	if len(names) == 0 {
		t.Fatal("no embedded data")
	}
	for _, p := range names {
		b, err := dataFS.ReadFile("data/" + p + ".json")
		if err != nil {
			t.Fatal(err)
		}
		f, err := datafile.Unmarshal(b)
		if err != nil {
			t.Fatalf("data/%s.json: %v", p, err)
		}
		again, err := datafile.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(b) {
			t.Errorf("data/%s.json is not in canonical layout; regenerate it", p)
		}
		if _, err := Load(p); err != nil {
			t.Error(err)
		}
	}
}
