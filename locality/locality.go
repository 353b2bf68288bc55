package locality

import (
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"dvpulse/locality/internal/datafile"
)

//go:embed data/*.json
var dataFS embed.FS

// Scheme names an administrative scheme.
type Scheme string

// The schemes.
const (
	Scheme2025    Scheme = "2025"    // in force since 1 July 2025
	SchemePre2025 Scheme = "pre2025" // in force until 30 June 2025
)

// Kind is the level and type of a unit.
type Kind string

// The kinds. Ward, commune, township and special zone are commune-level.
const (
	KindProvince    Kind = "province"
	KindDistrict    Kind = "district"     // quận, huyện, thị xã, thành phố thuộc tỉnh (pre2025 only)
	KindWard        Kind = "ward"         // phường
	KindCommune     Kind = "commune"      // xã
	KindTownship    Kind = "township"     // thị trấn (pre2025 only)
	KindSpecialZone Kind = "special_zone" // đặc khu (2025 only)
)

// kindWord is the word a unit's full name starts with, by kind.
var kindWord = map[Kind]string{
	KindWard:        "Phường ",
	KindCommune:     "Xã ",
	KindTownship:    "Thị trấn ",
	KindSpecialZone: "Đặc khu ",
}

// Unit is an administrative unit of one scheme.
type Unit struct {
	Code string
	Name string // full Vietnamese name in NFC, e.g. "Phường Thành Sen"
	Kind Kind
	// Scheme is the scheme the code belongs to.
	Scheme Scheme
	// District and DistrictName identify the parent district of a pre2025
	// commune-level unit; they are empty otherwise.
	District     string
	DistrictName string
}

// Errors wrapped by Lookup.
var (
	ErrUnknownScheme = errors.New("unknown scheme")
	ErrUnknownCode   = errors.New("unknown code")
	// ErrDistrictCode reports a pre2025 district code where a
	// commune-level code is required.
	ErrDistrictCode = errors.New("district code, not commune-level")
)

// Registry holds one province's units in both schemes and the crosswalk
// between them. It is read-only after Load.
type Registry struct {
	code, name string
	cur, pre   map[string]Unit // commune-level units by code, per scheme
	districts  map[string]Unit // pre2025 districts by code
	curList    []Unit          // sorted by code
	preList    []Unit
	distList   []Unit
	succ, pred map[string][]string
	primary    map[string]string // pre2025 commune -> primary 2025 successor
}

// Load returns the registry of the province with the given 2025 code,
// e.g. "42" for Hà Tĩnh, from the embedded data.
func Load(province string) (*Registry, error) {
	b, err := dataFS.ReadFile("data/" + province + ".json")
	if err != nil {
		return nil, fmt.Errorf("locality: no data for province %q; available: %s", province, strings.Join(available(), ", "))
	}
	f, err := datafile.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("locality: data/%s.json: %w", province, err)
	}
	if f.Province.Code != province {
		return nil, fmt.Errorf("locality: data/%s.json holds province %q", province, f.Province.Code)
	}
	r, err := newRegistry(f)
	if err != nil {
		return nil, fmt.Errorf("locality: data/%s.json: %w", province, err)
	}
	return r, nil
}

// available lists the provinces with embedded data.
func available() []string {
	names, _ := fs.Glob(dataFS, "data/*.json")
	for i, n := range names {
		names[i] = strings.TrimSuffix(path.Base(n), ".json")
	}
	return names
}

// newRegistry indexes and checks a decoded data file.
func newRegistry(f *datafile.File) (*Registry, error) {
	r := &Registry{
		code:      f.Province.Code,
		name:      f.Province.Name,
		cur:       make(map[string]Unit, len(f.Units2025)),
		pre:       make(map[string]Unit, len(f.Communes)),
		districts: make(map[string]Unit, len(f.Districts)),
		succ:      make(map[string][]string, len(f.Crosswalk)),
		pred:      map[string][]string{},
		primary:   make(map[string]string, len(f.Crosswalk)),
	}
	for _, d := range f.Districts {
		if _, dup := r.districts[d.Code]; dup {
			return nil, fmt.Errorf("district %s listed twice", d.Code)
		}
		if Kind(d.Kind) != KindDistrict {
			return nil, fmt.Errorf("district %s has kind %q", d.Code, d.Kind)
		}
		u := Unit{Code: d.Code, Name: d.Name, Kind: KindDistrict, Scheme: SchemePre2025}
		r.districts[d.Code] = u
		r.distList = append(r.distList, u)
	}
	add := func(s Scheme, x datafile.Unit) error {
		m, list := r.cur, &r.curList
		if s == SchemePre2025 {
			m, list = r.pre, &r.preList
		}
		if _, dup := m[x.Code]; dup {
			return fmt.Errorf("scheme %s: unit %s listed twice", s, x.Code)
		}
		if _, ok := kindWord[Kind(x.Kind)]; !ok {
			return fmt.Errorf("scheme %s: unit %s has kind %q", s, x.Code, x.Kind)
		}
		u := Unit{Code: x.Code, Name: x.Name, Kind: Kind(x.Kind), Scheme: s}
		if s == SchemePre2025 {
			d, ok := r.districts[x.District]
			if !ok {
				return fmt.Errorf("scheme %s: unit %s has unknown district %q", s, x.Code, x.District)
			}
			u.District, u.DistrictName = d.Code, d.Name
		}
		m[u.Code] = u
		*list = append(*list, u)
		return nil
	}
	for _, x := range f.Units2025 {
		if err := add(Scheme2025, x); err != nil {
			return nil, err
		}
	}
	for _, x := range f.Communes {
		if err := add(SchemePre2025, x); err != nil {
			return nil, err
		}
	}
	for _, l := range f.Crosswalk {
		old, ok := r.pre[l.Old]
		if !ok {
			return nil, fmt.Errorf("crosswalk: %s is not a pre2025 commune", l.Old)
		}
		if _, dup := r.succ[l.Old]; dup {
			return nil, fmt.Errorf("crosswalk: %s listed twice", l.Old)
		}
		news := slices.Compact(slices.Sorted(slices.Values(l.New)))
		if len(news) == 0 {
			return nil, fmt.Errorf("crosswalk: %s has no successor", l.Old)
		}
		for _, n := range news {
			if _, ok := r.cur[n]; !ok {
				return nil, fmt.Errorf("crosswalk: %s maps to %s, not a 2025 unit", l.Old, n)
			}
			r.pred[n] = append(r.pred[n], l.Old)
		}
		r.succ[l.Old] = news
		r.primary[l.Old] = r.primarySuccessor(old, news)
	}
	byCode := func(a, b Unit) int { return cmp.Compare(a.Code, b.Code) }
	slices.SortFunc(r.curList, byCode)
	slices.SortFunc(r.preList, byCode)
	slices.SortFunc(r.distList, byCode)
	for _, p := range r.pred {
		slices.Sort(p)
	}
	return r, nil
}

// primarySuccessor picks, among sorted successor codes, the first whose
// bare name equals the old unit's, or else the first.
func (r *Registry) primarySuccessor(old Unit, succ []string) string {
	want := bareName(old)
	for _, c := range succ {
		if bareName(r.cur[c]) == want {
			return c
		}
	}
	return succ[0]
}

// bareName is a unit's name without its kind word: "Sơn Kim 1" for
// "Xã Sơn Kim 1".
func bareName(u Unit) string {
	return strings.TrimPrefix(u.Name, kindWord[u.Kind])
}

// Province returns the 2025 code and name of the registry's province.
func (r *Registry) Province() (code, name string) { return r.code, r.name }

// Lookup returns the commune-level unit with the given code in scheme s.
// See the package documentation for the errors it returns.
func (r *Registry) Lookup(s Scheme, code string) (Unit, error) {
	var units, others map[string]Unit
	var other Scheme
	switch s {
	case Scheme2025:
		units, others, other = r.cur, r.pre, SchemePre2025
	case SchemePre2025:
		units, others, other = r.pre, r.cur, Scheme2025
	default:
		return Unit{}, fmt.Errorf("locality: %w %q; valid schemes are %q and %q", ErrUnknownScheme, s, Scheme2025, SchemePre2025)
	}
	if u, ok := units[code]; ok {
		return u, nil
	}
	if d, ok := r.districts[code]; ok {
		if s == SchemePre2025 {
			return Unit{}, fmt.Errorf("locality: %w: %q is the district %s of scheme pre2025 in province %s (%s); events must carry a ward, commune or township code",
				ErrDistrictCode, code, d.Name, r.code, r.name)
		}
		return Unit{}, fmt.Errorf("locality: %w: %q is not a unit of scheme %s in province %s (%s); it is a district of scheme %s (%s)",
			ErrUnknownCode, code, s, r.code, r.name, other, d.Name)
	}
	if u, ok := others[code]; ok {
		return Unit{}, fmt.Errorf("locality: %w: %q is not a unit of scheme %s in province %s (%s); it is a unit of scheme %s (%s)",
			ErrUnknownCode, code, s, r.code, r.name, other, u.Name)
	}
	return Unit{}, fmt.Errorf("locality: %w: %q is not a unit of scheme %s in province %s (%s), nor of scheme %s",
		ErrUnknownCode, code, s, r.code, r.name, other)
}

// Units returns the commune-level units of scheme s sorted by code, or nil
// if s is not a scheme.
func (r *Registry) Units(s Scheme) []Unit {
	switch s {
	case Scheme2025:
		return slices.Clone(r.curList)
	case SchemePre2025:
		return slices.Clone(r.preList)
	}
	return nil
}

// Districts returns the pre2025 districts sorted by code.
func (r *Registry) Districts() []Unit { return slices.Clone(r.distList) }

// Successors returns the codes of the 2025 units that the pre2025 commune
// oldCode became part of, sorted; usually one. It returns nil if the
// crosswalk has no row for oldCode.
func (r *Registry) Successors(oldCode string) []string { return slices.Clone(r.succ[oldCode]) }

// Predecessors returns the codes of the pre2025 communes that became part
// of the 2025 unit newCode, sorted, or nil if there are none.
func (r *Registry) Predecessors(newCode string) []string { return slices.Clone(r.pred[newCode]) }

// Current returns the code of the 2025 unit that a locality code of scheme
// s rolls up to: the code itself for a 2025 unit, and the primary
// successor (see the package documentation) for a pre2025 commune. It
// reports false for an unknown scheme or code, and for a pre2025 commune
// missing from the crosswalk.
func (r *Registry) Current(s Scheme, code string) (string, bool) {
	switch s {
	case Scheme2025:
		if _, ok := r.cur[code]; ok {
			return code, true
		}
	case SchemePre2025:
		c, ok := r.primary[code]
		return c, ok
	}
	return "", false
}
