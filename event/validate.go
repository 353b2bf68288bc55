package event

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// spec describes one event type.
type spec struct {
	title     string // Vietnamese and English, for the JSON Schema
	versions  []int
	aggregate string   // the field whose value is the aggregate id (Kafka key)
	required  []string // type-specific fields that must be present
	optional  []string // type-specific fields that may be present
	envelope  []string // envelope fields this type requires: channel, topics, org
	check     func(d *Decoder, e *Event, add adder)
}

var (
	feedbackAnswer = []string{"outcome", "answer_ref", "within_deadline", "note"}
	modelCommon    = []string{"model_name", "field", "year", "recognition_level", "note"}
)

// specs lists every event type the contract knows.
var specs = map[string]spec{
	"feedback.received": {title: "Tiếp nhận phản ánh, kiến nghị / Feedback received", versions: []int{1}, aggregate: "feedback_id",
		required: []string{"feedback_id", "text"}, optional: []string{"petitioner_kind", "group_size", "due_at", "sentiment"},
		envelope: []string{"channel"},
		check: func(_ *Decoder, e *Event, add adder) {
			if e.PetitionerKind == "group" && e.GroupSize == 1 {
				add("group_size", "a group petition has more than one person")
			}
		}},
	"feedback.assigned": {title: "Giao xử lý / Feedback assigned", versions: []int{1}, aggregate: "feedback_id",
		required: []string{"feedback_id"}, optional: []string{"note", "due_at"}, envelope: []string{"org"}},
	"feedback.status_changed": {title: "Đổi trạng thái / Feedback status changed", versions: []int{1}, aggregate: "feedback_id",
		required: []string{"feedback_id", "status"}, optional: []string{"note"}},
	"feedback.answered": {title: "Đã trả lời / Feedback answered", versions: []int{1}, aggregate: "feedback_id",
		required: []string{"feedback_id"}, optional: feedbackAnswer},
	"feedback.resolved": {title: "Đã giải quyết / Feedback resolved", versions: []int{1}, aggregate: "feedback_id",
		required: []string{"feedback_id"}, optional: feedbackAnswer},
	"feedback.reopened": {title: "Mở lại / Feedback reopened", versions: []int{1}, aggregate: "feedback_id",
		required: []string{"feedback_id"}, optional: []string{"note", "due_at"}},
	"dialogue.held": {title: "Tiếp xúc, đối thoại / Dialogue held", versions: []int{1}, aggregate: "dialogue_id",
		required: []string{"dialogue_id", "dialogue_kind", "host_role", "host_level"}, optional: []string{"participants", "note"}},
	"dialogue.issue_raised": {title: "Kiến nghị tại đối thoại / Issue raised at a dialogue", versions: []int{1}, aggregate: "dialogue_id",
		required: []string{"issue_id", "dialogue_id", "text"}, optional: []string{"due_at"}, envelope: []string{"topics"}},
	"commitment.made": {title: "Cam kết giải quyết / Commitment made", versions: []int{1}, aggregate: "commitment_id",
		required: []string{"commitment_id", "issue_id", "due_at"}, optional: []string{"text", "dialogue_id"}},
	"commitment.fulfilled": {title: "Thực hiện cam kết / Commitment fulfilled", versions: []int{1}, aggregate: "commitment_id",
		required: []string{"commitment_id"}, optional: []string{"issue_id", "evidence", "within_deadline"}},
	"model.registered": {title: "Đăng ký mô hình Dân vận khéo / Model registered", versions: []int{1}, aggregate: "model_id",
		required: []string{"model_id", "model_name", "field", "year"}, optional: []string{"note"}, envelope: []string{"org"}},
	"model.recognized": {title: "Công nhận mô hình / Model recognised", versions: []int{1}, aggregate: "model_id",
		required: []string{"model_id", "recognition_level", "year"}, optional: []string{"model_name", "field", "note"}},
	"model.replicated": {title: "Nhân rộng mô hình / Model replicated", versions: []int{1}, aggregate: "model_id",
		required: []string{"model_id", "source_model_id", "year"}, optional: modelCommon[:2],
		check: func(_ *Decoder, e *Event, add adder) {
			if e.SourceModelID == e.ModelID {
				add("source_model_id", "a model cannot replicate itself")
			}
		}},
	"model.assessed": {title: "Đánh giá hiệu quả mô hình / Model assessed", versions: []int{1}, aggregate: "model_id",
		required: []string{"model_id", "effective", "year"}, optional: []string{"note"}},
	"campaign.activity": {title: "Hoạt động vận động / Campaign activity", versions: []int{1}, aggregate: "campaign_id",
		required: []string{"campaign_id", "activity_kind"}, optional: []string{"participants", "money_vnd", "land_m2", "note"}},
	"criticism.session": {title: "Giám sát, phản biện xã hội / Criticism session", versions: []int{1}, aggregate: "session_id",
		required: []string{"session_id", "draft_document", "form"}, optional: []string{"opinions_given", "opinions_accepted", "note"},
		envelope: []string{"org"}},
	"situation.report": {title: "Báo cáo tình hình nhân dân / Situation report", versions: []int{1}, aggregate: "report_id",
		required: []string{"report_id", "period_start", "period_end"}, optional: []string{"hot_issues", "complex_case", "note"},
		envelope: []string{"org"}},
}

// aggregateOf returns the aggregate id of e by its type's aggregate field.
func aggregateOf(e *Event, field string) string {
	switch field {
	case "feedback_id":
		return e.FeedbackID
	case "dialogue_id":
		return e.DialogueID
	case "commitment_id":
		return e.CommitmentID
	case "model_id":
		return e.ModelID
	case "campaign_id":
		return e.CampaignID
	case "session_id":
		return e.SessionID
	case "report_id":
		return e.ReportID
	}
	return e.EventID
}

// Types returns the known event types, sorted.
func Types() []string {
	out := make([]string, 0, len(specs))
	for t := range specs {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Schemes are the locality schemes an event may use.
var Schemes = []string{"2025", "pre2025"}

const (
	maxIDLen    = 128
	maxShortLen = 256
)

func (d *Decoder) validate(e *Event) Errors {
	var errs Errors
	add := adder(func(field, reason string) { errs = append(errs, FieldError{Field: field, Reason: reason}) })

	switch {
	case e.EventID == "":
		add("event_id", "missing; send a UUID chosen by the sending system, reused when it retries")
	case !isUUID(e.EventID):
		add("event_id", fmt.Sprintf("%q is not a UUID (example: 3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b)", clip(e.EventID)))
	default:
		e.EventID = strings.ToLower(e.EventID)
	}

	sp, known := specs[e.EventType]
	switch {
	case e.EventType == "":
		add("event_type", "missing; one of: "+strings.Join(Types(), ", "))
	case !known:
		add("event_type", fmt.Sprintf("unknown event type %q; one of: %s", clip(e.EventType), strings.Join(Types(), ", ")))
	}
	if known {
		ok := false
		for _, v := range sp.versions {
			ok = ok || v == e.SchemaVersion
		}
		if !ok {
			if e.SchemaVersion == 0 {
				add("schema_version", fmt.Sprintf("missing; %s supports schema_version %v", e.EventType, sp.versions))
			} else {
				add("schema_version", fmt.Sprintf("%s has no schema_version %d; supported: %v", e.EventType, e.SchemaVersion, sp.versions))
			}
		}
	}

	if e.OccurredAt == "" {
		add("occurred_at", "missing; RFC 3339 with an offset, e.g. 2025-07-01T08:30:00+07:00")
	} else if t, err := parseTime(e.OccurredAt); err != nil {
		add("occurred_at", err.Error())
	} else if t.After(time.Now().Add(24 * time.Hour)) {
		add("occurred_at", "is more than a day in the future; check the sender's clock and time zone")
	} else {
		e.occurredAt = t
	}
	if e.ReceivedAt != "" {
		if t, err := parseTime(e.ReceivedAt); err != nil {
			add("received_at", err.Error())
		} else {
			e.receivedAt = t
		}
	}

	e.Source.System = strings.TrimSpace(e.Source.System)
	if e.Source.System == "" {
		add("source.system", "missing; name the sending system, e.g. hotline_1022")
	} else if len(e.Source.System) > 64 {
		add("source.system", "longer than 64 bytes")
	}
	if len(e.Source.RecordID) > maxShortLen {
		add("source.record_id", fmt.Sprintf("longer than %d bytes", maxShortLen))
	}

	d.validateLocality(e, add)

	for i, t := range e.Topics {
		if !Topics.Has(t) {
			add(fmt.Sprintf("topics[%d]", i), fmt.Sprintf("unknown topic %q; one of: %s", clip(t), Topics.list()))
		}
	}
	// Topics are a set: a topic given twice counts once (every indicator
	// by topic counts an event once per topic it lists).
	e.Topics = distinct(e.Topics)
	if e.Channel != "" && !Channels.Has(e.Channel) {
		add("channel", fmt.Sprintf("unknown channel %q; one of: %s", clip(e.Channel), Channels.list()))
	}
	e.Org = nfc(strings.TrimSpace(e.Org))
	if len(e.Org) > maxShortLen {
		add("org", fmt.Sprintf("longer than %d bytes", maxShortLen))
	}

	if len(e.Topics) > 20 {
		add("topics", "more than 20 topics")
	}
	if known {
		trimStrings(e)
		d.validateFields(sp, e, add)
	}
	return errs
}

func (d *Decoder) validateLocality(e *Event, add adder) {
	l := &e.Locality
	okScheme := false
	for _, s := range Schemes {
		okScheme = okScheme || l.Scheme == s
	}
	switch {
	case l.Scheme == "":
		add("locality.scheme", "missing; 2025 (units since 1 July 2025) or pre2025 (district → commune)")
	case !okScheme:
		add("locality.scheme", fmt.Sprintf("unknown scheme %q; use 2025 or pre2025", clip(l.Scheme)))
	}
	if l.Code == "" {
		add("locality.code", "missing; a commune-level code")
	} else if okScheme && d.Localities != nil {
		if err := d.Localities.CheckLocality(l.Scheme, l.Code); err != nil {
			add("locality.code", err.Error())
		}
	}
	if l.Lat != nil && (*l.Lat < -90 || *l.Lat > 90) {
		add("locality.lat", "outside -90..90")
	}
	if l.Lon != nil && (*l.Lon < -180 || *l.Lon > 180) {
		add("locality.lon", "outside -180..180")
	}
}

// validateFields checks the type-specific fields of e against sp: required
// ones present, foreign ones absent, every present one valid.
func (d *Decoder) validateFields(sp spec, e *Event, add adder) {
	allowed := make(map[string]bool, len(sp.required)+len(sp.optional))
	for _, f := range sp.required {
		allowed[f] = true
		if !fieldByName[f].set(e) {
			add(f, "missing; required for "+e.EventType)
		}
	}
	for _, f := range sp.optional {
		allowed[f] = true
	}
	for i := range fields {
		f := &fields[i]
		if !f.set(e) {
			continue
		}
		if !allowed[f.name] {
			add(f.name, fmt.Sprintf("is not a field of %s; see GET /v1/schemas/%s/%d", e.EventType, e.EventType, e.SchemaVersion))
			continue
		}
		if strings.HasSuffix(f.name, "_id") {
			requireID(aggregateValue(e, f), f.name, add)
		}
		if f.check != nil {
			f.check(d, e, add)
		}
	}
	for _, env := range sp.envelope {
		switch env {
		case "channel":
			if e.Channel == "" {
				add("channel", "missing; required for "+e.EventType+"; one of: "+Channels.list())
			}
		case "topics":
			if len(e.Topics) == 0 {
				add("topics", "missing; give at least one topic: "+Topics.list())
			}
		case "org":
			if e.Org == "" {
				add("org", "missing; name the responsible body")
			}
		}
	}
	if sp.check != nil {
		sp.check(d, e, add)
	}
}

// aggregateValue returns the string value of an *_id field.
func aggregateValue(e *Event, f *fieldDef) string {
	switch f.name {
	case "issue_id":
		return e.IssueID
	case "source_model_id":
		return e.SourceModelID
	}
	return aggregateOf(e, f.name)
}

func requireID(v, field string, add adder) {
	switch {
	case strings.TrimSpace(v) == "":
		add(field, "missing")
	case len(v) > maxIDLen:
		add(field, fmt.Sprintf("longer than %d bytes", maxIDLen))
	}
}

// isUUID accepts the canonical 8-4-4-4-12 hexadecimal form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// clip shortens a sender's value for an error message.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// distinct returns xs without its repeats, in first-seen order (xs itself
// when it has none).
func distinct(xs []string) []string {
	for i := 1; i < len(xs); i++ {
		if slices.Contains(xs[:i], xs[i]) {
			out := slices.Clone(xs[:i])
			for _, x := range xs[i+1:] {
				if !slices.Contains(out, x) {
					out = append(out, x)
				}
			}
			return out
		}
	}
	return xs
}
