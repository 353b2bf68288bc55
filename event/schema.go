package event

import (
	"encoding/json"
	"sort"
)

// SchemaRef names one version of one event type's JSON Schema.
type SchemaRef struct {
	Type    string `json:"event_type"`
	Version int    `json:"schema_version"`
}

// Schemas lists every event type and version the contract accepts, sorted.
func Schemas() []SchemaRef {
	var out []SchemaRef
	for t, s := range specs {
		for _, v := range s.versions {
			out = append(out, SchemaRef{Type: t, Version: v})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// Schema returns the JSON Schema (draft 2020-12) of one type and version.
func Schema(eventType string, version int) (json.RawMessage, bool) {
	s, ok := specs[eventType]
	if !ok {
		return nil, false
	}
	for _, v := range s.versions {
		if v == version {
			b, err := json.MarshalIndent(buildSchema(eventType, version), "", "  ")
			return b, err == nil
		}
	}
	return nil, false
}

// buildSchema is filled in by the full contract; for now a minimal schema.
func buildSchema(eventType string, version int) map[string]any {
	return map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$id":     "dvpulse:event:" + eventType + ":" + itoa(version),
		"title":   eventType,
		"type":    "object",
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
