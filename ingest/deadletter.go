package ingest

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"dvpulse/event"
)

// Reason codes: the bounded set of labels a rejection is counted under
// (metric label reason, dead-letter header code).
const (
	ReasonMalformedJSON   = "malformed_json"
	ReasonInvalidUTF8     = "invalid_utf8"
	ReasonMissingField    = "missing_field"
	ReasonUnknownType     = "unknown_type"
	ReasonUnknownField    = "unknown_field"
	ReasonUnknownLocality = "unknown_locality"
	ReasonInvalidValue    = "invalid_value"
	ReasonNotAllowed      = "not_allowed"
	ReasonTooLarge        = "too_large"
)

// reasonCode classifies an event's first error into a reason code.
func reasonCode(errs []event.FieldError) string {
	if len(errs) == 0 {
		return ReasonInvalidValue
	}
	e := errs[0]
	switch {
	case strings.Contains(e.Reason, " may not write "):
		return ReasonNotAllowed
	case strings.Contains(e.Reason, "UTF-8"):
		return ReasonInvalidUTF8
	case strings.HasPrefix(e.Reason, "malformed JSON"), strings.HasPrefix(e.Reason, "unexpected data"):
		return ReasonMalformedJSON
	case strings.HasPrefix(e.Reason, "line is longer"):
		return ReasonTooLarge
	case strings.HasPrefix(e.Reason, "missing"):
		return ReasonMissingField
	case e.Field == "event_type" && strings.Contains(e.Reason, "unknown event type"):
		return ReasonUnknownType
	case strings.HasPrefix(e.Reason, "unknown field"):
		return ReasonUnknownField
	case e.Field == "locality.code":
		return ReasonUnknownLocality
	}
	return ReasonInvalidValue
}

// peeked is what ingest can tell about an event that did not validate.
type peeked struct{ eventID, eventType, source string }

// peek reads event_id, event_type and source.system from raw when it is
// JSON, so that a rejected event can be labelled and matched.
func peek(raw []byte) peeked {
	var v struct {
		EventID   any `json:"event_id"`
		EventType any `json:"event_type"`
		Source    any `json:"source"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return peeked{}
	}
	str := func(x any) string {
		s, _ := x.(string)
		if len(s) > 64 || !utf8.ValidString(s) {
			return ""
		}
		return s
	}
	p := peeked{eventID: str(v.EventID), eventType: str(v.EventType)}
	if m, ok := v.Source.(map[string]any); ok {
		p.source = strings.TrimSpace(str(m["system"]))
	}
	return p
}

// DeadLetter is a rejected event as GET /v1/deadletters lists it.
type DeadLetter struct {
	Index      int                `json:"index"`
	EventID    string             `json:"event_id,omitempty"`
	EventType  string             `json:"event_type,omitempty"`
	Source     string             `json:"source"`
	Key        string             `json:"key,omitempty"`
	Reason     string             `json:"reason"`
	Errors     []event.FieldError `json:"errors"`
	ReceivedAt time.Time          `json:"received_at"`
	// Raw is the body as sent when it is UTF-8, else RawBase64 holds it.
	// Both are cut to 4 KiB in this listing (Truncated); the dead-letter
	// topic keeps the whole body.
	Raw       string `json:"raw,omitempty"`
	RawBase64 []byte `json:"raw_base64,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`

	seq uint64
}

// unknownSource names a dead letter whose source.system could not be read.
const unknownSource = "unknown"

const deadLetterListBytes = 4 << 10

// deadLetterMessage builds the dead-letter topic's message for a rejected
// event: the raw body as value (bytes as received, invalid UTF-8 included)
// and the reasons in headers.
func deadLetterMessage(d *DeadLetter, raw []byte) kafka.Message {
	reasons, _ := json.Marshal(d.Errors)
	return kafka.Message{
		Key:   []byte(d.Source),
		Value: raw,
		Time:  d.ReceivedAt,
		Headers: []kafka.Header{
			{Key: "reason", Value: reasons},
			{Key: "reason_code", Value: []byte(d.Reason)},
			{Key: "source", Value: []byte(d.Source)},
			{Key: "stage", Value: []byte("ingest")},
			{Key: "received_at", Value: []byte(d.ReceivedAt.UTC().Format(time.RFC3339Nano))},
			{Key: "event_id", Value: []byte(d.EventID)},
			{Key: "event_type", Value: []byte(d.EventType)},
			{Key: "key", Value: []byte(d.Key)},
			{Key: "index", Value: []byte(strconv.Itoa(d.Index))},
		},
	}
}

// deadLetterIndex keeps the last keep dead letters of each of at most
// maxSources sources in memory (the least recently rejected source is
// dropped first), each body cut to 4 KiB: at most about
// maxSources × keep × 4 KiB. It is per process and starts empty; the
// dead-letter topic is the complete record.
type deadLetterIndex struct {
	keep, maxSources int

	mu       sync.Mutex
	seq      uint64
	bySource map[string]*dlRing
}

type dlRing struct {
	items []DeadLetter
	next  int
	last  uint64
}

func newDeadLetterIndex(keep, maxSources int) *deadLetterIndex {
	return &deadLetterIndex{keep: keep, maxSources: maxSources, bySource: map[string]*dlRing{}}
}

func (x *deadLetterIndex) add(d DeadLetter, raw []byte) {
	if x.keep <= 0 {
		return
	}
	if len(raw) > deadLetterListBytes {
		raw, d.Truncated = raw[:deadLetterListBytes], true
	}
	if utf8.Valid(raw) {
		d.Raw = string(raw)
	} else {
		d.RawBase64 = append([]byte(nil), raw...)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.seq++
	d.seq = x.seq
	r := x.bySource[d.Source]
	if r == nil {
		if len(x.bySource) >= x.maxSources {
			var oldest string
			var at uint64 = ^uint64(0)
			for s, rr := range x.bySource {
				if rr.last < at {
					oldest, at = s, rr.last
				}
			}
			delete(x.bySource, oldest)
		}
		r = &dlRing{}
		x.bySource[d.Source] = r
	}
	r.last = d.seq
	if len(r.items) < x.keep {
		r.items = append(r.items, d)
		return
	}
	r.items[r.next] = d
	r.next = (r.next + 1) % x.keep
}

// list returns up to limit dead letters of source ("" for every source),
// newest first.
func (x *deadLetterIndex) list(source string, limit int) []DeadLetter {
	x.mu.Lock()
	var out []DeadLetter
	for s, r := range x.bySource {
		if source == "" || s == source {
			out = append(out, r.items...)
		}
	}
	x.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].seq > out[j].seq })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
