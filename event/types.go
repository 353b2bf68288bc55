package event

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// fieldDef is one type-specific field: how to tell it is present, how to
// check its value, and its JSON Schema.
type fieldDef struct {
	name   string
	set    func(*Event) bool
	check  func(d *Decoder, e *Event, add adder)
	schema map[string]any
}

type adder func(field, reason string)

func str(desc string, maxLen int) map[string]any {
	return map[string]any{"type": "string", "minLength": 1, "maxLength": maxLen, "description": desc}
}

func enum(v *Vocabulary, desc string) map[string]any {
	return map[string]any{"type": "string", "enum": v.Codes(), "description": desc}
}

func integer(desc string, minimum int) map[string]any {
	return map[string]any{"type": "integer", "minimum": minimum, "description": desc}
}

func boolean(desc string) map[string]any {
	return map[string]any{"type": "boolean", "description": desc}
}

var dateTimeSchema = map[string]any{"type": "string", "format": "date-time", "description": "RFC 3339 with an offset"}

// fields lists every type-specific field of the contract. Order is the
// order of JSON Schema properties.
var fields = []fieldDef{
	{name: "feedback_id", set: func(e *Event) bool { return e.FeedbackID != "" }, schema: str("the feedback case's id in the sending system", maxIDLen)},
	{name: "text", set: func(e *Event) bool { return e.Text != "" }, schema: str("free Vietnamese text; normalised to NFC", 20000),
		check: func(d *Decoder, e *Event, add adder) { e.Text = checkText(d, e.Text, "text", add) }},
	{name: "petitioner_kind", set: func(e *Event) bool { return e.PetitionerKind != "" }, schema: enum(PetitionerKinds, "who filed the feedback"),
		check: vocabCheck(PetitionerKinds, func(e *Event) string { return e.PetitionerKind })},
	{name: "group_size", set: func(e *Event) bool { return e.GroupSize != 0 }, schema: integer("people in a group petition", 0),
		check: nonNegative(func(e *Event) int64 { return int64(e.GroupSize) }, "group_size")},
	{name: "due_at", set: func(e *Event) bool { return e.DueAt != "" }, schema: dateTimeSchema,
		check: func(_ *Decoder, e *Event, add adder) {
			if t, err := parseTime(e.DueAt); err != nil {
				add("due_at", err.Error())
			} else {
				e.dueAt = t
			}
		}},
	{name: "sentiment", set: func(e *Event) bool { return e.Sentiment != nil }, schema: map[string]any{
		"type": "object", "required": []string{"label", "score"}, "additionalProperties": false,
		"description": "the sender's own sentiment judgement; kept and marked as the sender's",
		"properties": map[string]any{
			"label":      enum(SentimentLabels, "sentiment class"),
			"score":      map[string]any{"type": "number", "minimum": -1, "maximum": 1},
			"confidence": map[string]any{"type": "number", "minimum": 0, "maximum": 1},
		}},
		check: func(_ *Decoder, e *Event, add adder) {
			s := e.Sentiment
			if !SentimentLabels.Has(s.Label) {
				add("sentiment.label", fmt.Sprintf("unknown label %q; one of: %s", clip(s.Label), SentimentLabels.list()))
			}
			if s.Score < -1 || s.Score > 1 {
				add("sentiment.score", "outside -1..1")
			}
			if s.Confidence < 0 || s.Confidence > 1 {
				add("sentiment.confidence", "outside 0..1")
			}
		}},
	{name: "status", set: func(e *Event) bool { return e.Status != "" }, schema: enum(FeedbackStatuses, "the case's new status"),
		check: vocabCheck(FeedbackStatuses, func(e *Event) string { return e.Status })},
	{name: "note", set: func(e *Event) bool { return e.Note != "" }, schema: str("a short note", 4000),
		check: func(d *Decoder, e *Event, add adder) { e.Note = checkShortText(e.Note, "note", 4000, add) }},
	{name: "outcome", set: func(e *Event) bool { return e.Outcome != "" }, schema: enum(Outcomes, "outcome of the answer or resolution"),
		check: vocabCheck(Outcomes, func(e *Event) string { return e.Outcome })},
	{name: "answer_ref", set: func(e *Event) bool { return e.AnswerRef != "" }, schema: str("reference of the written answer (document number)", maxShortLen),
		check: func(_ *Decoder, e *Event, add adder) {
			e.AnswerRef = checkShortText(e.AnswerRef, "answer_ref", maxShortLen, add)
		}},
	{name: "within_deadline", set: func(e *Event) bool { return e.WithinDeadline != nil }, schema: boolean("whether it happened within the deadline")},
	{name: "dialogue_id", set: func(e *Event) bool { return e.DialogueID != "" }, schema: str("the dialogue's id", maxIDLen)},
	{name: "dialogue_kind", set: func(e *Event) bool { return e.DialogueKind != "" }, schema: enum(DialogueKinds, "periodic or ad hoc"),
		check: vocabCheck(DialogueKinds, func(e *Event) string { return e.DialogueKind })},
	{name: "host_role", set: func(e *Event) bool { return e.HostRole != "" }, schema: enum(HostRoles, "the host's office"),
		check: vocabCheck(HostRoles, func(e *Event) string { return e.HostRole })},
	{name: "host_level", set: func(e *Event) bool { return e.HostLevel != "" }, schema: enum(HostLevels, "level of the host's office"),
		check: vocabCheck(HostLevels, func(e *Event) string { return e.HostLevel })},
	{name: "participants", set: func(e *Event) bool { return e.Participants != 0 }, schema: integer("people taking part", 0),
		check: nonNegative(func(e *Event) int64 { return int64(e.Participants) }, "participants")},
	{name: "issue_id", set: func(e *Event) bool { return e.IssueID != "" }, schema: str("the dialogue issue's id", maxIDLen)},
	{name: "commitment_id", set: func(e *Event) bool { return e.CommitmentID != "" }, schema: str("the commitment's id", maxIDLen)},
	{name: "evidence", set: func(e *Event) bool { return e.Evidence != "" }, schema: str("what shows the commitment was kept", 4000),
		check: func(_ *Decoder, e *Event, add adder) { e.Evidence = checkShortText(e.Evidence, "evidence", 4000, add) }},
	{name: "model_id", set: func(e *Event) bool { return e.ModelID != "" }, schema: str("the Dân vận khéo model's id", maxIDLen)},
	{name: "model_name", set: func(e *Event) bool { return e.ModelName != "" }, schema: str("the model's name", 1000),
		check: func(_ *Decoder, e *Event, add adder) {
			e.ModelName = checkShortText(e.ModelName, "model_name", 1000, add)
		}},
	{name: "field", set: func(e *Event) bool { return e.Field != "" }, schema: enum(ModelFields, "the model's field"),
		check: vocabCheck(ModelFields, func(e *Event) string { return e.Field })},
	{name: "year", set: func(e *Event) bool { return e.Year != 0 }, schema: map[string]any{"type": "integer", "minimum": 1990, "maximum": 2100},
		check: func(_ *Decoder, e *Event, add adder) {
			if e.Year < 1990 || e.Year > time.Now().Year()+1 {
				add("year", fmt.Sprintf("%d is not a plausible year", e.Year))
			}
		}},
	{name: "recognition_level", set: func(e *Event) bool { return e.RecognitionLevel != "" }, schema: enum(RecognitionLevels, "level that recognised the model"),
		check: vocabCheck(RecognitionLevels, func(e *Event) string { return e.RecognitionLevel })},
	{name: "source_model_id", set: func(e *Event) bool { return e.SourceModelID != "" }, schema: str("the model this one replicates", maxIDLen)},
	{name: "effective", set: func(e *Event) bool { return e.Effective != nil }, schema: boolean("whether the assessment found the model effective")},
	{name: "campaign_id", set: func(e *Event) bool { return e.CampaignID != "" }, schema: str("the campaign's id, e.g. cao-toc-bac-nam", maxIDLen)},
	{name: "activity_kind", set: func(e *Event) bool { return e.ActivityKind != "" }, schema: enum(ActivityKinds, "kind of campaign activity"),
		check: vocabCheck(ActivityKinds, func(e *Event) string { return e.ActivityKind })},
	{name: "money_vnd", set: func(e *Event) bool { return e.MoneyVND != 0 }, schema: integer("money raised or spent, in VND", 0),
		check: nonNegative(func(e *Event) int64 { return e.MoneyVND }, "money_vnd")},
	{name: "land_m2", set: func(e *Event) bool { return e.LandM2 != 0 }, schema: map[string]any{"type": "number", "minimum": 0, "description": "land handed over, m²"},
		check: func(_ *Decoder, e *Event, add adder) {
			if e.LandM2 < 0 || e.LandM2 > 1e10 {
				add("land_m2", "outside 0..10,000,000,000 m²")
			}
		}},
	{name: "session_id", set: func(e *Event) bool { return e.SessionID != "" }, schema: str("the criticism session's id", maxIDLen)},
	{name: "draft_document", set: func(e *Event) bool { return e.DraftDocument != "" }, schema: str("the draft policy or document criticised", 1000),
		check: func(_ *Decoder, e *Event, add adder) {
			e.DraftDocument = checkShortText(e.DraftDocument, "draft_document", 1000, add)
		}},
	{name: "form", set: func(e *Event) bool { return e.Form != "" }, schema: enum(CriticismForms, "form of the session"),
		check: vocabCheck(CriticismForms, func(e *Event) string { return e.Form })},
	{name: "opinions_given", set: func(e *Event) bool { return e.OpinionsGiven != 0 }, schema: integer("opinions given", 0),
		check: nonNegative(func(e *Event) int64 { return int64(e.OpinionsGiven) }, "opinions_given")},
	{name: "opinions_accepted", set: func(e *Event) bool { return e.OpinionsAccepted != 0 }, schema: integer("opinions accepted by the drafting body", 0),
		check: func(_ *Decoder, e *Event, add adder) {
			if e.OpinionsAccepted < 0 {
				add("opinions_accepted", "negative")
			} else if e.OpinionsAccepted > e.OpinionsGiven {
				add("opinions_accepted", fmt.Sprintf("%d is more than opinions_given (%d)", e.OpinionsAccepted, e.OpinionsGiven))
			}
		}},
	{name: "report_id", set: func(e *Event) bool { return e.ReportID != "" }, schema: str("the report's id", maxIDLen)},
	{name: "period_start", set: func(e *Event) bool { return e.PeriodStart != "" }, schema: map[string]any{"type": "string", "format": "date"},
		check: dateCheck(func(e *Event) string { return e.PeriodStart }, "period_start")},
	{name: "period_end", set: func(e *Event) bool { return e.PeriodEnd != "" }, schema: map[string]any{"type": "string", "format": "date"},
		check: func(d *Decoder, e *Event, add adder) {
			dateCheck(func(e *Event) string { return e.PeriodEnd }, "period_end")(d, e, add)
			if e.PeriodStart != "" && e.PeriodEnd < e.PeriodStart {
				add("period_end", "is before period_start")
			}
		}},
	{name: "hot_issues", set: func(e *Event) bool { return len(e.HotIssues) > 0 }, schema: map[string]any{
		"type": "array", "maxItems": 100, "items": map[string]any{
			"type": "object", "required": []string{"topic", "severity"}, "additionalProperties": false,
			"properties": map[string]any{"topic": enum(Topics, "topic"), "severity": enum(Severities, "severity"), "note": str("note", 4000)},
		}},
		check: func(_ *Decoder, e *Event, add adder) {
			if len(e.HotIssues) > 100 {
				add("hot_issues", "more than 100 items")
			}
			for i := range e.HotIssues {
				h := &e.HotIssues[i]
				if !Topics.Has(h.Topic) {
					add(fmt.Sprintf("hot_issues[%d].topic", i), fmt.Sprintf("unknown topic %q; one of: %s", clip(h.Topic), Topics.list()))
				}
				if !Severities.Has(h.Severity) {
					add(fmt.Sprintf("hot_issues[%d].severity", i), fmt.Sprintf("unknown severity %q; one of: %s", clip(h.Severity), Severities.list()))
				}
				h.Note = checkShortText(h.Note, fmt.Sprintf("hot_issues[%d].note", i), 4000, add)
			}
		}},
	{name: "complex_case", set: func(e *Event) bool { return e.ComplexCase != nil }, schema: boolean("whether the report flags a complex, long-running case")},
}

var fieldByName = func() map[string]*fieldDef {
	m := make(map[string]*fieldDef, len(fields))
	for i := range fields {
		m[fields[i].name] = &fields[i]
	}
	return m
}()

func vocabCheck(v *Vocabulary, get func(*Event) string) func(*Decoder, *Event, adder) {
	return func(_ *Decoder, e *Event, add adder) {
		if val := get(e); !v.Has(val) {
			add(v.Name, fmt.Sprintf("unknown %s %q; one of: %s", v.Name, clip(val), v.list()))
		}
	}
}

func nonNegative(get func(*Event) int64, name string) func(*Decoder, *Event, adder) {
	return func(_ *Decoder, e *Event, add adder) {
		if get(e) < 0 {
			add(name, "negative")
		}
	}
}

func dateCheck(get func(*Event) string, name string) func(*Decoder, *Event, adder) {
	return func(_ *Decoder, e *Event, add adder) {
		if _, err := time.Parse("2006-01-02", get(e)); err != nil {
			add(name, fmt.Sprintf("%q is not a date; use YYYY-MM-DD", clip(get(e))))
		}
	}
}

func checkText(d *Decoder, s, name string, add adder) string {
	s = nfc(strings.TrimSpace(s))
	maxText := d.MaxTextLen
	if maxText <= 0 {
		maxText = 20000
	}
	if n := utf8.RuneCountInString(s); n > maxText {
		add(name, fmt.Sprintf("%d characters; at most %d", n, maxText))
	}
	return s
}

func checkShortText(s, name string, maxBytes int, add adder) string {
	s = nfc(strings.TrimSpace(s))
	if len(s) > maxBytes {
		add(name, fmt.Sprintf("longer than %d bytes", maxBytes))
	}
	return s
}

// trimStrings removes surrounding white space from every free-form string
// field, so that a field holding only spaces counts as missing.
func trimStrings(e *Event) {
	for _, p := range []*string{&e.FeedbackID, &e.Text, &e.Note, &e.AnswerRef, &e.DialogueID, &e.IssueID,
		&e.CommitmentID, &e.Evidence, &e.ModelID, &e.ModelName, &e.SourceModelID, &e.CampaignID,
		&e.SessionID, &e.DraftDocument, &e.ReportID, &e.PeriodStart, &e.PeriodEnd, &e.DueAt} {
		*p = strings.TrimSpace(*p)
	}
}
