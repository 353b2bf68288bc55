package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"dvpulse/locality/internal/datafile"
)

// Name prefixes and the kinds they stand for. Longer prefixes come first.
var (
	communeKinds = []struct{ prefix, kind string }{
		{"Thị trấn ", "township"},
		{"Đặc khu ", "special_zone"},
		{"Phường ", "ward"},
		{"Xã ", "commune"},
	}
	districtPrefixes = []string{"Thành phố ", "Thị xã ", "Quận ", "Huyện "}
)

func communeKind(fullName string) (string, error) {
	for _, k := range communeKinds {
		if strings.HasPrefix(fullName, k.prefix) {
			return k.kind, nil
		}
	}
	return "", fmt.Errorf("unit %q: name has no known commune-level prefix", fullName)
}

func districtKind(fullName string) (string, error) {
	for _, p := range districtPrefixes {
		if strings.HasPrefix(fullName, p) {
			return "district", nil
		}
	}
	return "", fmt.Errorf("unit %q: name has no known district-level prefix", fullName)
}

// report summarises a generation for standard error.
type report struct {
	province, name             string
	units, districts, communes int
	rows, kept                 int
	skipped                    map[string][]string // reason -> row ids
}

func (r *report) skippedRows() int {
	n := 0
	for _, ids := range r.skipped {
		n += len(ids)
	}
	return n
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "gen: province %s (%s): %d units (2025); %d districts, %d communes (pre2025)\n",
		r.province, r.name, r.units, r.districts, r.communes)
	fmt.Fprintf(w, "gen: crosswalk: %d rows for the province, %d kept, %d skipped\n", r.rows, r.kept, r.skippedRows())
	for _, reason := range slices.Sorted(maps.Keys(r.skipped)) {
		ids := r.skipped[reason]
		ex := ids
		if len(ex) > 8 {
			ex = ex[:8]
		}
		more := ""
		if len(ids) > len(ex) {
			more = ", …"
		}
		fmt.Fprintf(w, "gen:   skipped %d: %s (row ids %s%s)\n", len(ids), reason, strings.Join(ex, ", "), more)
	}
}

// generate builds the data file for the 2025 province with the given code.
//
// The crosswalk rows for the province are those whose new province name is
// the province's name or whose new code is one of its 2025 units. A row is
// kept when its old code is a pre-2025 commune and its new code a 2025
// unit of this province; others are skipped and reported. The pre-2025
// units are those of the pre-2025 provinces that the kept rows come from,
// plus the pre-2025 province with the same code if there is one.
func (s *sources) generate(province string) (*datafile.File, *report, error) {
	var prov *province2025
	codes := make([]string, 0, len(s.provinces))
	for i := range s.provinces {
		codes = append(codes, s.provinces[i].Code)
		if s.provinces[i].Code == province {
			prov = &s.provinces[i]
		}
	}
	if prov == nil {
		slices.Sort(codes)
		return nil, nil, fmt.Errorf("province %q is not a 2025 province; codes are %s", province, strings.Join(codes, ", "))
	}
	f := &datafile.File{
		Format:   datafile.Format,
		Province: datafile.Province{Code: prov.Code, Name: prov.Name},
		Sources:  []string{addressFile, preReformFile},
	}
	rep := &report{province: prov.Code, name: prov.Name, skipped: map[string][]string{}}

	// 2025 units: all of them indexed by code, this province's listed.
	newProvince := make(map[string]string, len(s.wards)) // code -> province code
	for _, w := range s.wards {
		if _, dup := newProvince[w.Code]; dup {
			return nil, nil, fmt.Errorf("%s: 2025 unit code %s appears twice", addressFile, w.Code)
		}
		newProvince[w.Code] = w.Province
		if w.Province != province {
			continue
		}
		kind, err := communeKind(w.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", addressFile, err)
		}
		f.Units2025 = append(f.Units2025, datafile.Unit{Code: w.Code, Name: w.Name, Kind: kind})
	}
	if len(f.Units2025) == 0 {
		return nil, nil, fmt.Errorf("%s: province %s has no units", addressFile, province)
	}

	// Pre-2025 communes, indexed by code: the province they belonged to.
	oldProvince := map[string]string{}
	for _, p := range s.pre {
		for _, d := range p.Districts {
			for _, c := range d.Communes {
				if _, dup := oldProvince[c.Code]; dup {
					return nil, nil, fmt.Errorf("%s: pre-2025 commune code %s appears twice", preReformFile, c.Code)
				}
				oldProvince[c.Code] = p.Code
			}
		}
	}

	// Crosswalk rows.
	links := map[string][]string{}
	type pair struct{ old, new string }
	seen := map[pair]bool{}
	for _, m := range s.mappings {
		if m.NewProvinceName != prov.Name && newProvince[m.NewCode] != province {
			continue
		}
		rep.rows++
		var reasons []string
		switch _, known := oldProvince[m.OldCode]; {
		case m.OldCode == "":
			reasons = append(reasons, "old code is null")
		case !known:
			reasons = append(reasons, "old code unknown in scheme pre2025")
		}
		switch p, known := newProvince[m.NewCode]; {
		case m.NewCode == "":
			reasons = append(reasons, "new code is null")
		case !known:
			reasons = append(reasons, "new code unknown in scheme 2025")
		case p != province:
			reasons = append(reasons, "new code is a 2025 unit of province "+p)
		}
		if len(reasons) == 0 && seen[pair{m.OldCode, m.NewCode}] {
			reasons = append(reasons, "duplicate row")
		}
		if len(reasons) > 0 {
			r := strings.Join(reasons, "; ")
			rep.skipped[r] = append(rep.skipped[r], m.ID)
			continue
		}
		seen[pair{m.OldCode, m.NewCode}] = true
		links[m.OldCode] = append(links[m.OldCode], m.NewCode)
		rep.kept++
	}
	for _, old := range slices.Sorted(maps.Keys(links)) {
		f.Crosswalk = append(f.Crosswalk, datafile.Link{Old: old, New: slices.Sorted(slices.Values(links[old]))})
	}

	// Pre-2025 provinces whose units go into the file.
	oldProvinces := map[string]bool{province: true}
	for old := range links {
		oldProvinces[oldProvince[old]] = true
	}
	for _, p := range s.pre {
		if !oldProvinces[p.Code] {
			continue
		}
		for _, d := range p.Districts {
			kind, err := districtKind(d.FullName)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", preReformFile, err)
			}
			f.Districts = append(f.Districts, datafile.Unit{Code: d.Code, Name: d.FullName, Kind: kind})
			for _, c := range d.Communes {
				if c.DistrictCode != d.Code {
					return nil, nil, fmt.Errorf("%s: commune %s lists district %s but sits under %s", preReformFile, c.Code, c.DistrictCode, d.Code)
				}
				kind, err := communeKind(c.FullName)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: %w", preReformFile, err)
				}
				f.Communes = append(f.Communes, datafile.Unit{Code: c.Code, Name: c.FullName, Kind: kind, District: d.Code})
			}
		}
	}

	byCode := func(a, b datafile.Unit) int { return cmp.Compare(a.Code, b.Code) }
	slices.SortFunc(f.Units2025, byCode)
	slices.SortFunc(f.Districts, byCode)
	slices.SortFunc(f.Communes, byCode)
	rep.units, rep.districts, rep.communes = len(f.Units2025), len(f.Districts), len(f.Communes)
	return f, rep, nil
}
