package event

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

type fakeLocalities map[string]bool

func (f fakeLocalities) CheckLocality(scheme, code string) error {
	if f[scheme+"/"+code] {
		return nil
	}
	return errors.New("unknown code " + code + " in scheme " + scheme)
}

const validFeedback = `{
  "event_id": "3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b",
  "event_type": "feedback.received",
  "schema_version": 1,
  "occurred_at": "2025-09-01T08:30:00+07:00",
  "source": {"system": "hotline_1022", "record_id": "HL-1"},
  "locality": {"scheme": "2025", "code": "18073"},
  "topics": ["environment"],
  "channel": "hotline_1022",
  "feedback_id": "PAKN-1",
  "text": "Bãi rác bốc mùi hôi thối"
}`

func decoder() *Decoder {
	return &Decoder{Localities: fakeLocalities{"2025/18073": true, "pre2025/18076": true}}
}

func TestDecodeValid(t *testing.T) {
	ev, errs := decoder().Decode([]byte(validFeedback))
	if errs != nil {
		t.Fatalf("valid event rejected: %v", errs)
	}
	if ev.AggregateID() != "PAKN-1" || ev.Occurred().IsZero() {
		t.Fatalf("aggregate %q, occurred %v", ev.AggregateID(), ev.Occurred())
	}
	if _, off := ev.Occurred().Zone(); off != 7*3600 {
		t.Fatalf("offset lost: %v", ev.Occurred())
	}
}

// TestDecodeRejects names the field and a useful reason for each defect.
func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(string) string
		field     string
		reasonHas string
	}{
		{"unknown type", repl(`"feedback.received"`, `"feedback.recieved"`), "event_type", "unknown event type"},
		{"missing type", repl(`"event_type": "feedback.received",`, ``), "event_type", "missing"},
		{"bad uuid", repl(`3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b`, `42`), "event_id", "not a UUID"},
		{"missing feedback_id", repl(`"feedback_id": "PAKN-1",`, ``), "feedback_id", "missing"},
		{"missing text", repl(`"text": "Bãi rác bốc mùi hôi thối"`, `"text": "  "`), "text", "missing"},
		{"unknown locality", repl(`"18073"`, `"99999"`), "locality.code", "unknown code"},
		{"wrong scheme", repl(`"scheme": "2025"`, `"scheme": "1990"`), "locality.scheme", "2025 or pre2025"},
		{"no offset", repl(`2025-09-01T08:30:00+07:00`, `2025-09-01T08:30:00`), "occurred_at", "RFC 3339"},
		{"future", repl(`2025-09-01T08:30:00+07:00`, `2099-09-01T08:30:00+07:00`), "occurred_at", "future"},
		{"unknown topic", repl(`["environment"]`, `["weather"]`), "topics[0]", "unknown topic"},
		{"unknown channel", repl(`"channel": "hotline_1022"`, `"channel": "fax"`), "channel", "unknown channel"},
		{"wrong type", repl(`"schema_version": 1`, `"schema_version": "1"`), "schema_version", "expected a number"},
		{"unsupported version", repl(`"schema_version": 1`, `"schema_version": 7`), "schema_version", "no schema_version 7"},
		{"unknown field", repl(`"text":`, `"txt": "x", "text":`), "txt", "unknown field"},
		{"missing source", repl(`"source": {"system": "hotline_1022", "record_id": "HL-1"},`, ``), "source.system", "missing"},
		{"bad sentiment", repl(`"text":`, `"sentiment": {"label": "angry", "score": 3}, "text":`), "sentiment.label", "unknown label"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := decoder().Decode([]byte(tt.edit(validFeedback)))
			if errs == nil {
				t.Fatal("accepted")
			}
			for _, e := range errs {
				if e.Field == tt.field && strings.Contains(e.Reason, tt.reasonHas) {
					return
				}
			}
			t.Fatalf("want field %q with %q, got %v", tt.field, tt.reasonHas, errs)
		})
	}
}

func repl(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("test edit does not apply: " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func TestDecodeInvalidUTF8NamesField(t *testing.T) {
	raw := strings.Replace(validFeedback, "Bãi rác", "B\xff rác", 1)
	_, errs := decoder().Decode([]byte(raw))
	if len(errs) != 1 || errs[0].Field != "text" || !strings.Contains(errs[0].Reason, "UTF-8") {
		t.Fatalf("got %v", errs)
	}
	raw = strings.Replace(validFeedback, `"HL-1"`, "\"H\xc3\"", 1)
	_, errs = decoder().Decode([]byte(raw))
	if len(errs) != 1 || errs[0].Field != "source.record_id" {
		t.Fatalf("nested field not named: %v", errs)
	}
}

func TestDecodeNormalisesToNFCKeepingToneMarkPlacement(t *testing.T) {
	nfd := norm.NFD.String("Hòa thuỷ")
	raw := strings.Replace(validFeedback, "Bãi rác bốc mùi hôi thối", nfd, 1)
	ev, errs := decoder().Decode([]byte(raw))
	if errs != nil {
		t.Fatal(errs)
	}
	if ev.Text != "Hòa thuỷ" {
		t.Fatalf("got %q (% x)", ev.Text, ev.Text)
	}
	// Legacy placement "hoà" stays "hoà"; it is not rewritten to "hòa".
	raw = strings.Replace(validFeedback, "Bãi rác bốc mùi hôi thối", "hoà bình", 1)
	ev, _ = decoder().Decode([]byte(raw))
	if ev.Text != "hoà bình" {
		t.Fatalf("tone-mark placement changed: %q", ev.Text)
	}
}

func TestDecodeMalformedJSON(t *testing.T) {
	for _, raw := range []string{`{`, `{"event_id": }`, `[]`, `{} {}`, ``} {
		if _, errs := decoder().Decode([]byte(raw)); errs == nil {
			t.Errorf("%q accepted", raw)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(validFeedback))
	f.Add([]byte(`{"event_type":"feedback.received","locality":{"lat":1e400}}`))
	f.Add([]byte("{\"text\":\"\xff\"}"))
	files, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	for _, fn := range files {
		if b, err := os.ReadFile(fn); err == nil {
			f.Add(b)
		}
	}
	d := decoder()
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, errs := d.Decode(raw)
		if (ev == nil) == (errs == nil) {
			t.Fatalf("exactly one of event and errors must be set: %v %v", ev, errs)
		}
		if ev != nil {
			if _, err := Marshal(ev); err != nil {
				t.Fatalf("valid event does not marshal: %v", err)
			}
		}
	})
}

// TestDecodeKeepsEachTopicOnce: topics are a set, so a topic given twice
// is kept once (in first-seen order), and the indicators by topic count
// the event once per topic.
func TestDecodeKeepsEachTopicOnce(t *testing.T) {
	for _, c := range []struct{ topics, want string }{
		{`["environment"]`, "environment"},
		{`["environment", "land", "environment"]`, "environment land"},
		{`["land", "land", "land"]`, "land"},
		{`["land", "environment", "environment", "land", "education"]`, "land environment education"},
	} {
		raw := strings.Replace(validFeedback, `"topics": ["environment"]`, `"topics": `+c.topics, 1)
		ev, errs := decoder().Decode([]byte(raw))
		if errs != nil {
			t.Fatalf("%s: %v", c.topics, errs)
		}
		if got := strings.Join(ev.Topics, " "); got != c.want {
			t.Fatalf("%s: got %q, want %q", c.topics, got, c.want)
		}
	}
}
