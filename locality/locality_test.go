package locality_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"dvpulse/locality"
)

func load(t testing.TB) *locality.Registry {
	t.Helper()
	r, err := locality.Load("42")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLoad(t *testing.T) {
	r := load(t)
	if code, name := r.Province(); code != "42" || name != "Hà Tĩnh" {
		t.Errorf("Province() = %q, %q; want 42, Hà Tĩnh", code, name)
	}
	for _, p := range []string{"99", "", "../42", "data/42"} {
		_, err := locality.Load(p)
		if err == nil || !strings.Contains(err.Error(), "available: 42") {
			t.Errorf("Load(%q) error = %v; want one listing the available provinces", p, err)
		}
	}
}

// The figures are those of the shared data (see the generator's report).
func TestCounts(t *testing.T) {
	r := load(t)
	kinds := func(us []locality.Unit) map[locality.Kind]int {
		m := map[locality.Kind]int{}
		for _, u := range us {
			m[u.Kind]++
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		units []locality.Unit
		want  map[locality.Kind]int
	}{
		{"2025", r.Units(locality.Scheme2025), map[locality.Kind]int{"ward": 9, "commune": 60}},
		{"pre2025", r.Units(locality.SchemePre2025), map[locality.Kind]int{"ward": 25, "commune": 170, "township": 14}},
		{"districts", r.Districts(), map[locality.Kind]int{"district": 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := kinds(tc.units); !maps.Equal(got, tc.want) {
				t.Errorf("kinds = %v; want %v", got, tc.want)
			}
			if !slices.IsSortedFunc(tc.units, func(a, b locality.Unit) int { return strings.Compare(a.Code, b.Code) }) {
				t.Error("units not sorted by code")
			}
		})
	}
	if n := len(r.Units(locality.Scheme2025)); n != 69 {
		t.Errorf("2025 units: %d; want 69", n)
	}
	if u := r.Units("1990"); u != nil {
		t.Errorf("Units(1990) = %v; want nil", u)
	}
}

// 18073 was Phường Nam Hà and is now Phường Thành Sen; 18100 was Phường
// Thạch Hạ and is now Phường Trần Phú, while the old Phường Trần Phú
// (18094) went into Thành Sen.
func TestLookupPerScheme(t *testing.T) {
	r := load(t)
	for _, tc := range []struct {
		scheme locality.Scheme
		code   string
		want   locality.Unit
	}{
		{locality.Scheme2025, "18073", locality.Unit{Code: "18073", Name: "Phường Thành Sen", Kind: "ward", Scheme: "2025"}},
		{locality.SchemePre2025, "18073", locality.Unit{Code: "18073", Name: "Phường Nam Hà", Kind: "ward", Scheme: "pre2025",
			District: "436", DistrictName: "Thành phố Hà Tĩnh"}},
		{locality.Scheme2025, "18100", locality.Unit{Code: "18100", Name: "Phường Trần Phú", Kind: "ward", Scheme: "2025"}},
		{locality.SchemePre2025, "18094", locality.Unit{Code: "18094", Name: "Phường Trần Phú", Kind: "ward", Scheme: "pre2025",
			District: "436", DistrictName: "Thành phố Hà Tĩnh"}},
		{locality.SchemePre2025, "18133", locality.Unit{Code: "18133", Name: "Thị trấn Phố Châu", Kind: "township", Scheme: "pre2025",
			District: "439", DistrictName: "Huyện Hương Sơn"}},
		{locality.Scheme2025, "18133", locality.Unit{Code: "18133", Name: "Xã Hương Sơn", Kind: "commune", Scheme: "2025"}},
	} {
		got, err := r.Lookup(tc.scheme, tc.code)
		if err != nil || got != tc.want {
			t.Errorf("Lookup(%s, %s) = %+v, %v; want %+v", tc.scheme, tc.code, got, err, tc.want)
		}
	}
	if a, b := r.Successors("18073"), r.Successors("18094"); !slices.Equal(a, []string{"18073"}) || !slices.Equal(b, []string{"18073"}) {
		t.Errorf("Successors(18073), Successors(18094) = %v, %v; want [18073] for both", a, b)
	}
}

func TestLookupErrors(t *testing.T) {
	r := load(t)
	for _, tc := range []struct {
		scheme locality.Scheme
		code   string
		want   error
		msg    []string // substrings of the message
	}{
		{"", "18073", locality.ErrUnknownScheme, []string{`valid schemes are "2025" and "pre2025"`}},
		{"2024", "18073", locality.ErrUnknownScheme, []string{`"2024"`, `"2025"`, `"pre2025"`}},
		// Unknown in both schemes, including another province's code.
		{locality.Scheme2025, "99999", locality.ErrUnknownCode, []string{`"99999"`, "scheme 2025", "province 42 (Hà Tĩnh)", "nor of scheme pre2025"}},
		{locality.SchemePre2025, "00004", locality.ErrUnknownCode, []string{"scheme pre2025", "province 42 (Hà Tĩnh)"}},
		{locality.Scheme2025, "", locality.ErrUnknownCode, []string{`""`, "scheme 2025"}},
		{locality.Scheme2025, " 18073", locality.ErrUnknownCode, []string{"scheme 2025"}},
		// A pre2025 commune that is not a 2025 code: the error names its scheme.
		{locality.Scheme2025, "18077", locality.ErrUnknownCode, []string{
			`"18077" is not a unit of scheme 2025 in province 42 (Hà Tĩnh); it is a unit of scheme pre2025 (Phường Bắc Hà)`}},
		// District codes.
		{locality.SchemePre2025, "436", locality.ErrDistrictCode, []string{`"436"`, "Thành phố Hà Tĩnh", "scheme pre2025", "ward, commune or township"}},
		{locality.Scheme2025, "436", locality.ErrUnknownCode, []string{"scheme 2025", "district of scheme pre2025 (Thành phố Hà Tĩnh)"}},
	} {
		u, err := r.Lookup(tc.scheme, tc.code)
		if !errors.Is(err, tc.want) || u != (locality.Unit{}) {
			t.Errorf("Lookup(%q, %q) = %+v, %v; want error %v", tc.scheme, tc.code, u, err, tc.want)
			continue
		}
		for _, s := range tc.msg {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("Lookup(%q, %q) error %q lacks %q", tc.scheme, tc.code, err, s)
			}
		}
		for _, other := range []error{locality.ErrUnknownScheme, locality.ErrUnknownCode, locality.ErrDistrictCode} {
			if other != tc.want && errors.Is(err, other) {
				t.Errorf("Lookup(%q, %q) error %q also matches %v", tc.scheme, tc.code, err, other)
			}
		}
	}
}

// Every pre2025 commune of the province is in the crosswalk, each maps to
// known 2025 units, every 2025 unit has predecessors, and Predecessors
// inverts Successors.
func TestCrosswalk(t *testing.T) {
	r := load(t)
	preds := map[string][]string{}
	for _, old := range r.Units(locality.SchemePre2025) {
		succ := r.Successors(old.Code)
		if len(succ) == 0 {
			t.Errorf("pre2025 %s (%s) has no successor", old.Code, old.Name)
		}
		if !slices.IsSorted(succ) {
			t.Errorf("Successors(%s) = %v, not sorted", old.Code, succ)
		}
		for _, n := range succ {
			if _, err := r.Lookup(locality.Scheme2025, n); err != nil {
				t.Errorf("pre2025 %s maps to %s: %v", old.Code, n, err)
			}
			preds[n] = append(preds[n], old.Code)
		}
		cur, ok := r.Current(locality.SchemePre2025, old.Code)
		if !ok || !slices.Contains(succ, cur) {
			t.Errorf("Current(pre2025, %s) = %q, %v; want one of %v", old.Code, cur, ok, succ)
		}
	}
	for _, u := range r.Units(locality.Scheme2025) {
		got := r.Predecessors(u.Code)
		if len(got) == 0 || !slices.Equal(got, preds[u.Code]) {
			t.Errorf("Predecessors(%s) = %v; want %v", u.Code, got, preds[u.Code])
		}
	}
	// Phường Thành Sen took in nine wards of the old Thành phố Hà Tĩnh.
	want := []string{"18073", "18077", "18079", "18082", "18085", "18091", "18094", "18097", "18109"}
	if got := r.Predecessors("18073"); !slices.Equal(got, want) {
		t.Errorf("Predecessors(18073) = %v; want %v", got, want)
	}
	if r.Successors("99999") != nil || r.Predecessors("99999") != nil {
		t.Error("unknown codes have successors or predecessors")
	}
	// The slices returned are the caller's to change.
	s := r.Successors("18073")
	s[0] = "x"
	if r.Successors("18073")[0] != "18073" {
		t.Error("Successors shares its slice with the registry")
	}
}

func TestCurrent(t *testing.T) {
	r, r2 := load(t), load(t)
	for _, tc := range []struct {
		scheme locality.Scheme
		code   string
		want   string
		ok     bool
	}{
		{locality.Scheme2025, "18073", "18073", true},
		{locality.SchemePre2025, "18073", "18073", true},
		{locality.SchemePre2025, "18094", "18073", true}, // old Phường Trần Phú
		{locality.Scheme2025, "18094", "", false},
		{locality.SchemePre2025, "436", "", false},
		{locality.SchemePre2025, "99999", "", false},
		{"2024", "18073", "", false},
	} {
		if got, ok := r.Current(tc.scheme, tc.code); got != tc.want || ok != tc.ok {
			t.Errorf("Current(%q, %q) = %q, %v; want %q, %v", tc.scheme, tc.code, got, ok, tc.want, tc.ok)
		}
	}
	// Deterministic: the same answers from every load, and identity on 2025.
	for _, s := range []locality.Scheme{locality.Scheme2025, locality.SchemePre2025} {
		for _, u := range r.Units(s) {
			a, okA := r.Current(s, u.Code)
			b, okB := r2.Current(s, u.Code)
			if a != b || okA != okB || !okA {
				t.Errorf("Current(%s, %s) = %q, %v then %q, %v", s, u.Code, a, okA, b, okB)
			}
			if s == locality.Scheme2025 && a != u.Code {
				t.Errorf("Current(2025, %s) = %q; want identity", u.Code, a)
			}
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	r := load(t)
	for _, tc := range []struct {
		s    locality.Scheme
		code string
	}{{locality.Scheme2025, "18073"}, {locality.SchemePre2025, "18094"}} {
		if n := testing.AllocsPerRun(100, func() {
			if _, err := r.Lookup(tc.s, tc.code); err != nil {
				t.Fatal(err)
			}
			if _, ok := r.Current(tc.s, tc.code); !ok {
				t.Fatal("Current failed")
			}
		}); n != 0 {
			t.Errorf("Lookup and Current of %s %s: %v allocations; want 0", tc.s, tc.code, n)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	r := load(b)
	for b.Loop() {
		if _, err := r.Lookup(locality.SchemePre2025, "18094"); err != nil {
			b.Fatal(err)
		}
	}
}
