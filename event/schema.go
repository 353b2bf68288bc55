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

// buildSchema assembles the JSON Schema of one type from the envelope and
// the type's fields.
func buildSchema(eventType string, version int) map[string]any {
	sp := specs[eventType]
	props := map[string]any{
		"event_id":       map[string]any{"type": "string", "format": "uuid", "description": "UUID chosen by the sender; reused when it retries"},
		"event_type":     map[string]any{"const": eventType},
		"schema_version": map[string]any{"const": version},
		"occurred_at":    dateTimeSchema,
		"received_at":    map[string]any{"type": "string", "format": "date-time", "description": "set by ingest; any value sent is replaced"},
		"source": map[string]any{
			"type": "object", "required": []string{"system"}, "additionalProperties": false,
			"properties": map[string]any{
				"system":    str("the sending system, e.g. hotline_1022", 64),
				"record_id": str("the sending system's own record id", maxShortLen),
			}},
		"locality": map[string]any{
			"type": "object", "required": []string{"scheme", "code"}, "additionalProperties": false,
			"properties": map[string]any{
				"scheme": map[string]any{"enum": Schemes, "description": "2025: units since 1 July 2025; pre2025: district → commune"},
				"code":   str("commune-level code of the scheme", 16),
				"lat":    map[string]any{"type": "number", "minimum": -90, "maximum": 90},
				"lon":    map[string]any{"type": "number", "minimum": -180, "maximum": 180},
			}},
		"topics":  map[string]any{"type": "array", "maxItems": 20, "items": enum(Topics, "topic"), "description": "topic codes; a topic listed twice counts once"},
		"channel": enum(Channels, "how the feedback reached the system"),
		"org":     str("the responsible body", maxShortLen),
	}
	required := []string{"event_id", "event_type", "schema_version", "occurred_at", "source", "locality"}
	required = append(required, sp.envelope...)
	for _, f := range append(append([]string{}, sp.required...), sp.optional...) {
		props[f] = fieldByName[f].schema
	}
	required = append(required, sp.required...)
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  "urn:dvpulse:event:" + eventType + ":" + itoa(version),
		"title":                sp.title,
		"description":          "Aggregate id (Kafka message key): " + sp.aggregate + ". Vietnamese text is normalised to NFC; times are RFC 3339 with an offset and calendar buckets use Asia/Ho_Chi_Minh.",
		"type":                 "object",
		"required":             required,
		"additionalProperties": false,
		"properties":           props,
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
