package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// The shared source files, inside the -shared folder.
const (
	addressFile   = "vn-address-2025-07.json"          // 2025 scheme and crosswalk
	preReformFile = "vn-units-2025-03-pre-reform.json" // pre-2025 scheme
)

// sources holds the parsed source files, with codes trimmed and names in NFC.
type sources struct {
	provinces []province2025
	wards     []ward2025
	mappings  []mapping
	pre       []preProvince
}

type province2025 struct {
	Code string `json:"province_code"`
	Name string `json:"name"`
}

type ward2025 struct {
	Code     string `json:"ward_code"`
	Name     string `json:"name"`
	Province string `json:"province_code"`
}

// mapping is one ward_mappings row. A null code decodes as "".
type mapping struct {
	ID              string `json:"id"`
	OldCode         string `json:"old_ward_code"`
	OldName         string `json:"old_ward_name"`
	OldDistrictName string `json:"old_district_name"`
	OldProvinceName string `json:"old_province_name"`
	NewCode         string `json:"new_ward_code"`
	NewName         string `json:"new_ward_name"`
	NewProvinceName string `json:"new_province_name"`
}

type preProvince struct {
	Code      string
	FullName  string
	Districts []preDistrict `json:"District"`
}

type preDistrict struct {
	Code     string
	FullName string
	Communes []preCommune `json:"Ward"`
}

type preCommune struct {
	Code         string
	FullName     string
	DistrictCode string
}

// loadSources reads both source files from dir.
func loadSources(dir string) (*sources, error) {
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s not found: %w (run from the repository root, or pass -shared)", dir, err)
		}
		return nil, err
	}
	var s sources
	if err := s.readAddress(filepath.Join(dir, addressFile)); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(dir, preReformFile), &s.pre); err != nil {
		return nil, err
	}
	s.clean()
	return &s, nil
}

// readAddress reads the phpMyAdmin-style export: a list of entries, of
// which those with type "table" carry rows in data.
func (s *sources) readAddress(path string) error {
	var entries []struct {
		Type string          `json:"type"`
		Name string          `json:"name"`
		Data json.RawMessage `json:"data"`
	}
	if err := readJSON(path, &entries); err != nil {
		return err
	}
	tables := map[string]any{
		"provinces":     &s.provinces,
		"wards":         &s.wards,
		"ward_mappings": &s.mappings,
	}
	found := map[string]bool{}
	for _, e := range entries {
		dst, ok := tables[e.Name]
		if e.Type != "table" || !ok {
			continue
		}
		if err := json.Unmarshal(e.Data, dst); err != nil {
			return fmt.Errorf("%s: table %s: %w", path, e.Name, err)
		}
		found[e.Name] = true
	}
	for name := range tables {
		if !found[name] {
			return fmt.Errorf("%s: table %s missing", path, name)
		}
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s not found: %w", path, err)
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// clean trims codes and puts names in NFC: some source names are decomposed.
func (s *sources) clean() {
	for i := range s.provinces {
		p := &s.provinces[i]
		p.Code, p.Name = code(p.Code), name(p.Name)
	}
	for i := range s.wards {
		w := &s.wards[i]
		w.Code, w.Name, w.Province = code(w.Code), name(w.Name), code(w.Province)
	}
	for i := range s.mappings {
		m := &s.mappings[i]
		m.OldCode, m.NewCode = code(m.OldCode), code(m.NewCode)
		m.OldName, m.OldDistrictName, m.OldProvinceName = name(m.OldName), name(m.OldDistrictName), name(m.OldProvinceName)
		m.NewName, m.NewProvinceName = name(m.NewName), name(m.NewProvinceName)
	}
	for i := range s.pre {
		p := &s.pre[i]
		p.Code, p.FullName = code(p.Code), name(p.FullName)
		for j := range p.Districts {
			d := &p.Districts[j]
			d.Code, d.FullName = code(d.Code), name(d.FullName)
			for k := range d.Communes {
				c := &d.Communes[k]
				c.Code, c.FullName, c.DistrictCode = code(c.Code), name(c.FullName), code(c.DistrictCode)
			}
		}
	}
}

func code(s string) string { return strings.TrimSpace(s) }

func name(s string) string { return norm.NFC.String(strings.Join(strings.Fields(s), " ")) }
