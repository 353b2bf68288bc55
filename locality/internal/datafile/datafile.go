// Package datafile defines the layout of the locality data files
// (locality/data/<province>.json) shared by the generator, which writes
// them, and package locality, which embeds and reads them.
//
// A file is one JSON object. Marshal writes one record per line so that a
// regenerated file gives a readable diff; it writes records in the order
// given, so callers sort them first (the generator sorts by code).
package datafile

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Format is the version of the layout. Readers reject other versions.
const Format = 1

// File is the data for one province (in its 2025 boundaries).
type File struct {
	Format   int      `json:"format"`
	Province Province `json:"province"`
	// Sources names the shared files the data was derived from.
	Sources []string `json:"sources"`
	// Units2025 holds the commune-level units of the 2025 scheme.
	Units2025 []Unit `json:"units2025"`
	// Districts and Communes hold the pre-2025 district-level and
	// commune-level units that preceded the province's 2025 units.
	Districts []Unit `json:"districts"`
	Communes  []Unit `json:"communes"`
	// Crosswalk maps pre-2025 commune codes to 2025 unit codes.
	Crosswalk []Link `json:"crosswalk"`
}

// Province identifies the 2025 province a file describes.
type Province struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Unit is one administrative unit. District is set for pre-2025
// communes only.
type Unit struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	District string `json:"district,omitempty"`
}

// Link maps one pre-2025 commune to the 2025 units it became part of.
type Link struct {
	Old string   `json:"old"`
	New []string `json:"new"`
}

// Marshal encodes f with one record per line, ending in a newline.
func Marshal(f *File) ([]byte, error) {
	w := &writer{}
	w.enc = json.NewEncoder(&w.buf)
	w.enc.SetEscapeHTML(false)

	fmt.Fprintf(&w.buf, "{\n\"format\": %d,\n\"province\": ", f.Format)
	w.value(f.Province)
	w.buf.WriteString(",\n\"sources\": ")
	w.value(f.Sources)
	writeList(w, "units2025", f.Units2025)
	writeList(w, "districts", f.Districts)
	writeList(w, "communes", f.Communes)
	writeList(w, "crosswalk", f.Crosswalk)
	w.buf.WriteString("\n}\n")
	if w.err != nil {
		return nil, w.err
	}
	return w.buf.Bytes(), nil
}

// writer accumulates output and keeps the first error.
type writer struct {
	buf bytes.Buffer
	enc *json.Encoder
	err error
}

// value appends v as compact JSON, without the encoder's trailing newline.
func (w *writer) value(v any) {
	if w.err != nil {
		return
	}
	if w.err = w.enc.Encode(v); w.err == nil {
		w.buf.Truncate(w.buf.Len() - 1)
	}
}

// writeList appends `,\n"name": [` and then one item per line.
func writeList[T any](w *writer, name string, items []T) {
	fmt.Fprintf(&w.buf, ",\n%q: [", name)
	for i, it := range items {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		w.buf.WriteString("\n  ")
		w.value(it)
	}
	w.buf.WriteString("\n]")
}

// Unmarshal decodes a data file, rejecting unknown fields, trailing data
// and other format versions.
func Unmarshal(b []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON object")
	}
	if f.Format != Format {
		return nil, fmt.Errorf("format %d, want %d", f.Format, Format)
	}
	return &f, nil
}
