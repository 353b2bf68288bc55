package event

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// loadExamples reads testdata/valid/<type>.json for every type.
func loadExamples(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, typ := range Types() {
		b, err := os.ReadFile(filepath.Join("testdata", "valid", typ+".json"))
		if err != nil {
			t.Fatalf("every event type needs a valid example: %v", err)
		}
		out[typ] = string(b)
	}
	return out
}

func TestEveryTypeValidExample(t *testing.T) {
	for typ, raw := range loadExamples(t) {
		t.Run(typ, func(t *testing.T) {
			ev, errs := decoder().Decode([]byte(raw))
			if errs != nil {
				t.Fatalf("valid example rejected: %v", errs)
			}
			if ev.AggregateID() == "" || ev.AggregateID() == ev.EventID {
				t.Fatalf("aggregate id %q", ev.AggregateID())
			}
			// The example satisfies its own JSON Schema (required fields,
			// no unknown properties).
			checkAgainstSchema(t, typ, raw)
		})
	}
}

// TestEveryTypeInvalidExamples breaks each valid example in ways that
// matter for its type and checks the named field.
func TestEveryTypeInvalidExamples(t *testing.T) {
	ex := loadExamples(t)
	type bad struct {
		typ, old, new, field string
	}
	cases := []bad{
		{"feedback.received", `"channel":"hotline_1022",`, ``, "channel"},
		{"feedback.received", `"group_size":12`, `"group_size":-3`, "group_size"},
		{"feedback.assigned", `"org":"UBND phường Thành Sen",`, ``, "org"},
		{"feedback.status_changed", `"in_progress"`, `"lost"`, "status"},
		{"feedback.answered", `"upheld"`, `"maybe"`, "outcome"},
		{"feedback.answered", `"within_deadline":true`, `"within_deadline":"yes"`, "within_deadline"},
		{"feedback.resolved", `"feedback_id":"FB-1",`, ``, "feedback_id"},
		{"feedback.reopened", `"note"`, `"text"`, "text"},
		{"dialogue.held", `"commune"`, `"village"`, "host_level"},
		{"dialogue.held", `"dialogue_kind":"periodic",`, ``, "dialogue_kind"},
		{"dialogue.issue_raised", `"topics":["site_clearance"],`, ``, "topics"},
		{"commitment.made", `"due_at":"2026-11-01T17:00:00+07:00",`, ``, "due_at"},
		{"commitment.fulfilled", `"commitment_id":"CK-1",`, ``, "commitment_id"},
		{"model.registered", `"culture_society"`, `"sports"`, "field"},
		{"model.registered", `"year":2026`, `"year":1066`, "year"},
		{"model.recognized", `"province"`, `"galaxy"`, "recognition_level"},
		{"model.replicated", `"source_model_id":"MH-1"`, `"source_model_id":"MH-2"`, "source_model_id"},
		{"model.assessed", `"effective":true,`, ``, "effective"},
		{"campaign.activity", `"land_m2":12500.5`, `"land_m2":-1`, "land_m2"},
		{"campaign.activity", `"money_vnd":150000000`, `"money_vnd":-5`, "money_vnd"},
		{"criticism.session", `"opinions_accepted":21`, `"opinions_accepted":99`, "opinions_accepted"},
		{"situation.report", `"period_end":"2026-10-31"`, `"period_end":"2026-09-30"`, "period_end"},
		{"situation.report", `"severity":"high"`, `"severity":"spicy"`, "hot_issues[0].severity"},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.typ] = true
		t.Run(c.typ+"/"+c.field, func(t *testing.T) {
			raw := ex[c.typ]
			if !strings.Contains(raw, c.old) {
				t.Fatalf("edit %q does not apply", c.old)
			}
			_, errs := decoder().Decode([]byte(strings.Replace(raw, c.old, c.new, 1)))
			for _, e := range errs {
				if e.Field == c.field {
					return
				}
			}
			t.Fatalf("want an error on %q, got %v", c.field, errs)
		})
	}
	for _, typ := range Types() {
		if !covered[typ] {
			t.Errorf("no invalid example for %s", typ)
		}
	}
}

func TestSchemasServeEveryType(t *testing.T) {
	refs := Schemas()
	if len(refs) != len(Types()) {
		t.Fatalf("%d schemas for %d types", len(refs), len(Types()))
	}
	for _, r := range refs {
		b, ok := Schema(r.Type, r.Version)
		if !ok {
			t.Fatalf("no schema for %v", r)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || m["title"] == "" {
			t.Fatalf("schema of %v: %v", r, err)
		}
	}
	if _, ok := Schema("feedback.received", 99); ok {
		t.Fatal("a schema for an unsupported version")
	}
}

// checkAgainstSchema checks required properties and additionalProperties
// of the top level of raw against the type's schema.
func checkAgainstSchema(t *testing.T, typ, raw string) {
	t.Helper()
	b, _ := Schema(typ, 1)
	var sch struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(b, &sch); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range sch.Required {
		if _, ok := doc[r]; !ok {
			t.Errorf("schema requires %q, example lacks it", r)
		}
	}
	var extra []string
	for k := range doc {
		if _, ok := sch.Properties[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("example has properties the schema does not list: %v", extra)
	}
}
