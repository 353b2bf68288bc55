package event

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// spec describes one event type.
type spec struct {
	versions  []int
	aggregate func(*Event) string
	validate  func(d *Decoder, e *Event, add func(field, reason string))
}

// specs lists every event type the contract knows.
var specs = map[string]spec{
	"feedback.received": {
		versions:  []int{1},
		aggregate: func(e *Event) string { return e.FeedbackID },
		validate:  validateFeedbackReceived,
	},
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
	add := func(field, reason string) { errs = append(errs, FieldError{Field: field, Reason: reason}) }

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
	if e.Channel != "" && !Channels.Has(e.Channel) {
		add("channel", fmt.Sprintf("unknown channel %q; one of: %s", clip(e.Channel), Channels.list()))
	}
	e.Org = nfc(strings.TrimSpace(e.Org))
	if len(e.Org) > maxShortLen {
		add("org", fmt.Sprintf("longer than %d bytes", maxShortLen))
	}

	if known {
		sp.validate(d, e, add)
	}
	return errs
}

func (d *Decoder) validateLocality(e *Event, add func(field, reason string)) {
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

func validateFeedbackReceived(d *Decoder, e *Event, add func(field, reason string)) {
	requireID(e.FeedbackID, "feedback_id", add)
	if e.Channel == "" {
		add("channel", "missing; one of: "+Channels.list())
	}
	e.Text = nfc(strings.TrimSpace(e.Text))
	maxText := d.MaxTextLen
	if maxText <= 0 {
		maxText = 20000
	}
	if e.Text == "" {
		add("text", "missing; the citizen's feedback as free Vietnamese text")
	} else if n := utf8.RuneCountInString(e.Text); n > maxText {
		add("text", fmt.Sprintf("%d characters; at most %d", n, maxText))
	}
	if e.PetitionerKind != "" && !PetitionerKinds.Has(e.PetitionerKind) {
		add("petitioner_kind", fmt.Sprintf("unknown kind %q; one of: %s", clip(e.PetitionerKind), PetitionerKinds.list()))
	}
	if e.GroupSize < 0 {
		add("group_size", "negative")
	}
	if e.DueAt != "" {
		if t, err := parseTime(e.DueAt); err != nil {
			add("due_at", err.Error())
		} else {
			e.dueAt = t
		}
	}
	if s := e.Sentiment; s != nil {
		if !SentimentLabels.Has(s.Label) {
			add("sentiment.label", fmt.Sprintf("unknown label %q; one of: %s", clip(s.Label), SentimentLabels.list()))
		}
		if s.Score < -1 || s.Score > 1 {
			add("sentiment.score", "outside -1..1")
		}
		if s.Confidence < 0 || s.Confidence > 1 {
			add("sentiment.confidence", "outside 0..1")
		}
	}
}

func requireID(v, field string, add func(field, reason string)) {
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
