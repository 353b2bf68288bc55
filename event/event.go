package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Source names the sending system and that system's own record id.
type Source struct {
	System   string `json:"system"`
	RecordID string `json:"record_id,omitempty"`
}

// Locality is a commune-level code and the scheme it belongs to.
type Locality struct {
	Scheme string   `json:"scheme"`
	Code   string   `json:"code"`
	Lat    *float64 `json:"lat,omitempty"`
	Lon    *float64 `json:"lon,omitempty"`
}

// HotIssue is one hot issue named in a situation report.
type HotIssue struct {
	Topic    string `json:"topic"`
	Severity string `json:"severity"`
	Note     string `json:"note,omitempty"`
}

// Sentiment is a sentiment judgement, from the sender or from a model.
type Sentiment struct {
	Label      string  `json:"label"`
	Score      float64 `json:"score"`
	Confidence float64 `json:"confidence,omitempty"`
}

// Event is one event as it travels through Kafka: the envelope plus the
// fields of every event type (each type uses its own subset). Times are kept
// as RFC 3339 strings on the wire; Decode parses them into the unexported
// fields that the accessors return.
type Event struct {
	EventID       string   `json:"event_id"`
	EventType     string   `json:"event_type"`
	SchemaVersion int      `json:"schema_version"`
	OccurredAt    string   `json:"occurred_at"`
	ReceivedAt    string   `json:"received_at,omitempty"`
	Source        Source   `json:"source"`
	Locality      Locality `json:"locality"`
	Topics        []string `json:"topics,omitempty"`
	Channel       string   `json:"channel,omitempty"`
	Org           string   `json:"org,omitempty"`

	// feedback.*
	FeedbackID     string     `json:"feedback_id,omitempty"`
	Text           string     `json:"text,omitempty"`
	PetitionerKind string     `json:"petitioner_kind,omitempty"`
	GroupSize      int        `json:"group_size,omitempty"`
	DueAt          string     `json:"due_at,omitempty"`
	Sentiment      *Sentiment `json:"sentiment,omitempty"`
	Status         string     `json:"status,omitempty"`
	Note           string     `json:"note,omitempty"`
	Outcome        string     `json:"outcome,omitempty"`
	AnswerRef      string     `json:"answer_ref,omitempty"`
	WithinDeadline *bool      `json:"within_deadline,omitempty"`

	// dialogue.*, commitment.*
	DialogueID   string `json:"dialogue_id,omitempty"`
	DialogueKind string `json:"dialogue_kind,omitempty"`
	HostRole     string `json:"host_role,omitempty"`
	HostLevel    string `json:"host_level,omitempty"`
	Participants int    `json:"participants,omitempty"`
	IssueID      string `json:"issue_id,omitempty"`
	CommitmentID string `json:"commitment_id,omitempty"`
	Evidence     string `json:"evidence,omitempty"`

	// model.*
	ModelID          string `json:"model_id,omitempty"`
	ModelName        string `json:"model_name,omitempty"`
	Field            string `json:"field,omitempty"`
	Year             int    `json:"year,omitempty"`
	RecognitionLevel string `json:"recognition_level,omitempty"`
	SourceModelID    string `json:"source_model_id,omitempty"`
	Effective        *bool  `json:"effective,omitempty"`

	// campaign.activity
	CampaignID   string  `json:"campaign_id,omitempty"`
	ActivityKind string  `json:"activity_kind,omitempty"`
	MoneyVND     int64   `json:"money_vnd,omitempty"`
	LandM2       float64 `json:"land_m2,omitempty"`

	// criticism.session
	SessionID        string `json:"session_id,omitempty"`
	DraftDocument    string `json:"draft_document,omitempty"`
	Form             string `json:"form,omitempty"`
	OpinionsGiven    int    `json:"opinions_given,omitempty"`
	OpinionsAccepted int    `json:"opinions_accepted,omitempty"`

	// situation.report
	ReportID    string     `json:"report_id,omitempty"`
	PeriodStart string     `json:"period_start,omitempty"`
	PeriodEnd   string     `json:"period_end,omitempty"`
	HotIssues   []HotIssue `json:"hot_issues,omitempty"`
	ComplexCase *bool      `json:"complex_case,omitempty"`

	occurredAt time.Time
	receivedAt time.Time
	dueAt      time.Time
}

// Occurred returns occurred_at as parsed by Decode.
func (e *Event) Occurred() time.Time { return e.occurredAt }

// Received returns received_at as parsed by Decode (zero before ingest sets it).
func (e *Event) Received() time.Time { return e.receivedAt }

// Due returns due_at as parsed by Decode (zero when absent).
func (e *Event) Due() time.Time { return e.dueAt }

// SetReceived stamps received_at; ingest calls it once per accepted event.
func (e *Event) SetReceived(t time.Time) {
	e.receivedAt = t.Truncate(time.Millisecond)
	e.ReceivedAt = e.receivedAt.Format(time.RFC3339Nano)
}

// AggregateID returns the id of the aggregate the event belongs to, which is
// also its Kafka message key.
func (e *Event) AggregateID() string {
	if s, ok := specs[e.EventType]; ok {
		return aggregateOf(e, s.aggregate)
	}
	return e.EventID
}

// FieldError says which field of an event is wrong and why. Field is a dotted
// path such as "locality.code"; it is empty when the event as a whole is wrong.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (f FieldError) Error() string {
	if f.Field == "" {
		return f.Reason
	}
	return f.Field + ": " + f.Reason
}

// Errors is the list of problems found in one event.
type Errors []FieldError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// ErrInvalid is wrapped by the error Decode returns for an invalid event.
var ErrInvalid = errors.New("event: invalid")

// LocalityChecker checks a locality code against a scheme. The error it
// returns is shown to the sender, so it should name the valid scheme.
type LocalityChecker interface {
	CheckLocality(scheme, code string) error
}

// Decoder decodes and validates events. The zero value checks everything but
// locality codes.
type Decoder struct {
	// Localities, when set, rejects unknown locality codes.
	Localities LocalityChecker
	// MaxTextLen caps free-text fields, in characters. Default 20,000.
	MaxTextLen int
}

// Decode parses and validates one JSON event. On failure the returned
// Errors lists every problem found, with field paths.
func (d *Decoder) Decode(raw []byte) (*Event, Errors) {
	if !utf8.Valid(raw) {
		return nil, Errors{{Field: invalidUTF8Field(raw), Reason: "text is not valid UTF-8; send UTF-8 encoded JSON"}}
	}
	var e Event
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, Errors{jsonError(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Errors{{Reason: "unexpected data after the event object"}}
	}
	errs := d.validate(&e)
	if len(errs) > 0 {
		return nil, errs
	}
	return &e, nil
}

// jsonError turns an encoding/json error into a FieldError.
func jsonError(err error) FieldError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return FieldError{Field: te.Field, Reason: fmt.Sprintf("expected %s, got JSON %s", jsonKind(te.Type.Kind().String()), te.Value)}
	case errors.As(err, &se):
		return FieldError{Reason: fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return FieldError{Reason: "malformed JSON: the event ends early"}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return FieldError{Field: strings.Trim(f, `"`), Reason: "unknown field; see GET /v1/schemas for the fields of each event type"}
	}
	return FieldError{Reason: "malformed JSON: " + msg}
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "float64", "float32":
		return "a number"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	}
	return k
}

// invalidUTF8Field finds the top-level (or nested) member whose value holds
// the first invalid byte, so the sender learns which field to fix.
func invalidUTF8Field(raw []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for k, v := range m {
		if !utf8.ValidString(k) {
			return "(a field name)"
		}
		if !utf8.Valid(v) {
			if sub := invalidUTF8Field(v); sub != "" {
				return k + "." + sub
			}
			return k
		}
	}
	return ""
}

// nfc normalises s to Unicode NFC without touching tone-mark placement.
func nfc(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// parseTime parses an RFC 3339 time that must carry an offset.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not an RFC 3339 time with an offset (example: 2025-07-01T08:30:00+07:00)")
	}
	return t, nil
}

// Marshal returns the canonical JSON form of e, as published to Kafka.
func Marshal(e *Event) ([]byte, error) { return json.Marshal(e) }
