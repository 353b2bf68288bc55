package ingest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// TestOpenAPIMatchesServer makes, for every path, method and status the
// embedded OpenAPI document lists, a request that produces that status,
// and validates the body against the documented schema. It also checks
// that every route the server registers is documented and that the served
// document is the embedded one.
func TestOpenAPIMatchesServer(t *testing.T) {
	var spec map[string]any
	if err := json.Unmarshal(openAPI, &spec); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	keysFile := filepath.Join(t.TempDir(), "keys.json")
	token, err := CreateKey(keysFile, NewKeyRequest{Name: "spec", Types: []string{"*"}, Localities: []string{"*"}, Rate: 0.001, Burst: 1}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	open := newServerWith(t, &fakePublisher{}, func(c *Config) { c.MaxBatch = 2; c.MaxLines = 2 })
	keyed := newServerWith(t, &fakePublisher{}, func(c *Config) { c.KeysFile = keysFile })
	down := newServerWith(t, &fakePublisher{err: fmt.Errorf("kafka down")}, nil)
	notReady := newServerWith(t, &fakePublisher{}, nil)
	notReady.health.SetNotReady("test")

	bad := strings.Replace(feedbackJSON(9), `"18073"`, `"1"`, 1)
	ok := func(i int) string { return feedbackJSON(100 + i) }
	type call struct {
		srv         testServer
		method, url string
		ct          string
		body        string
		hdr         []string
	}
	events := func(path, ct string, wrap func(...string) string) map[int]call {
		return map[int]call{
			200: {open, "POST", path, ct, wrap(ok(1)), nil},
			207: {open, "POST", path, ct, wrap(ok(2), bad), nil},
			400: {open, "POST", path, ct, "", []string{"Content-Encoding", "gzip"}},
			401: {keyed, "POST", path, ct, wrap(ok(3)), nil},
			413: {open, "POST", path, ct, wrap(ok(4), ok(5), ok(6)), nil},
			415: {open, "POST", path, "text/csv", wrap(ok(7)), nil},
			422: {open, "POST", path, ct, wrap(bad), nil},
			429: {keyed, "POST", path, ct, wrap(ok(8)), []string{"Authorization", "Bearer " + token}},
			503: {down, "POST", path, ct, wrap(ok(9)), nil},
		}
	}
	array := func(evs ...string) string { return "[" + strings.Join(evs, ",") + "]" }
	lines := func(evs ...string) string { return string(ndjson(evs...)) }
	cases := map[string]map[int]call{
		"POST /v1/events":        events("/v1/events", "application/json", array),
		"POST /v1/events/ndjson": events("/v1/events/ndjson", "application/x-ndjson", lines),
		"GET /v1/deadletters": {
			200: {open, "GET", "/v1/deadletters?source=test&limit=5", "", "", nil},
			400: {open, "GET", "/v1/deadletters?limit=0", "", "", nil},
			401: {keyed, "GET", "/v1/deadletters", "", "", []string{"Authorization", "Bearer wrong"}},
		},
		"GET /v1/openapi.json": {200: {open, "GET", "/v1/openapi.json", "", "", nil}},
		"GET /v1/schemas":      {200: {open, "GET", "/v1/schemas", "", "", nil}},
		"GET /v1/schemas/{type}/{version}": {
			200: {open, "GET", "/v1/schemas/feedback.received/1", "", "", nil},
			404: {open, "GET", "/v1/schemas/feedback.received/99", "", "", nil},
		},
		"GET /-/healthy": {200: {open, "GET", "/-/healthy", "", "", nil}},
		"GET /-/ready": {
			200: {open, "GET", "/-/ready", "", "", nil},
			503: {notReady, "GET", "/-/ready", "", "", nil},
		},
	}
	// The 429 case needs the key's single token spent first.
	if rec, _ := do(t, keyed.Handler(), "POST", "/v1/events", "application/json", []byte(ok(0)), "Authorization", "Bearer "+token); rec.Code != 200 {
		t.Fatalf("spending the token: %d %s", rec.Code, rec.Body)
	}
	// The 207 dead letter makes the 200 list non-empty.
	do(t, open.Handler(), "POST", "/v1/events", "application/json", []byte(array(ok(20), bad)))

	paths := spec["paths"].(map[string]any)
	documented := map[string]bool{}
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			name := strings.ToUpper(method) + " " + path
			documented[name] = true
			for code, r := range op.(map[string]any)["responses"].(map[string]any) {
				status := 0
				fmt.Sscan(code, &status)
				c, ok := cases[name][status]
				if !ok {
					t.Errorf("%s %d is documented but the test has no request for it", name, status)
					continue
				}
				rec, _ := do(t, c.srv.Handler(), c.method, c.url, c.ct, []byte(c.body), c.hdr...)
				if rec.Code != status {
					t.Errorf("%s: got %d, want %d: %s", name, rec.Code, status, rec.Body)
					continue
				}
				checkResponse(t, spec, name, status, resolve(spec, r.(map[string]any)), rec)
			}
			for status := range cases[name] {
				if _, ok := op.(map[string]any)["responses"].(map[string]any)[fmt.Sprint(status)]; !ok {
					t.Errorf("%s answers %d but the document does not list it", name, status)
				}
			}
		}
	}
	for name := range cases {
		if !documented[name] {
			t.Errorf("%s is tested but not documented", name)
		}
	}
	param := regexp.MustCompile(`:([a-z]+)`)
	for _, r := range open.Handler().(*gin.Engine).Routes() {
		name := r.Method + " " + param.ReplaceAllString(r.Path, "{$1}")
		if !documented[name] {
			t.Errorf("route %s is not in openapi.json", name)
		}
	}
}

func checkResponse(t *testing.T, spec map[string]any, name string, status int, resp map[string]any, rec *httptest.ResponseRecorder) {
	t.Helper()
	for h := range asMap(resp["headers"]) {
		if h != "WWW-Authenticate" || status == http.StatusUnauthorized {
			if rec.Header().Get(h) == "" {
				t.Errorf("%s %d: header %s missing", name, status, h)
			}
		}
	}
	content := asMap(resp["content"])
	ct := strings.Split(rec.Header().Get("Content-Type"), ";")[0]
	media, ok := content[ct]
	if !ok {
		keys := make([]string, 0, len(content))
		for k := range content {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Errorf("%s %d: Content-Type %s, documented %v", name, status, ct, keys)
		return
	}
	schema := asMap(asMap(media)["schema"])
	var body any
	if ct == "text/plain" {
		body = rec.Body.String()
	} else if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Errorf("%s %d: body is not JSON: %v", name, status, err)
		return
	}
	for _, e := range validate(spec, schema, body, "$") {
		t.Errorf("%s %d: %s\n%s", name, status, e, rec.Body)
	}
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

// resolve follows a local $ref.
func resolve(spec map[string]any, v map[string]any) map[string]any {
	for {
		ref, ok := v["$ref"].(string)
		if !ok {
			return v
		}
		var cur any = spec
		for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = asMap(cur)[p]
		}
		v = asMap(cur)
	}
}

// validate checks v against the JSON-Schema subset the document uses:
// $ref, type, required, properties, additionalProperties: false, items,
// enum and oneOf.
func validate(spec, schema map[string]any, v any, at string) []string {
	schema = resolve(spec, schema)
	var errs []string
	if alts, ok := schema["oneOf"].([]any); ok {
		for _, a := range alts {
			if len(validate(spec, asMap(a), v, at)) == 0 {
				return nil
			}
		}
		return []string{at + ": matches no oneOf alternative"}
	}
	switch typ, _ := schema["type"].(string); typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want object", at, v)}
		}
		for _, r := range asSlice(schema["required"]) {
			if _, ok := m[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required property %s missing", at, r))
			}
		}
		props := asMap(schema["properties"])
		for k, pv := range m {
			ps, ok := props[k]
			if !ok {
				if schema["additionalProperties"] == false {
					errs = append(errs, fmt.Sprintf("%s: property %s is not documented", at, k))
				}
				continue
			}
			errs = append(errs, validate(spec, asMap(ps), pv, at+"."+k)...)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want array", at, v)}
		}
		for i, e := range a {
			errs = append(errs, validate(spec, asMap(schema["items"]), e, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			return []string{fmt.Sprintf("%s: %T, want string", at, v)}
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != float64(int64(f)) {
			return []string{fmt.Sprintf("%s: %v, want integer", at, v)}
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return []string{fmt.Sprintf("%s: %T, want number", at, v)}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s: %T, want boolean", at, v)}
		}
	}
	if enum := asSlice(schema["enum"]); enum != nil {
		found := false
		for _, e := range enum {
			found = found || e == v
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
		}
	}
	return errs
}

func asSlice(v any) []any { s, _ := v.([]any); return s }
