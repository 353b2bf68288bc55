package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dvpulse/dashboard/auth"
)

const (
	xssText     = `<script>alert("x")</script><img src=x onerror=alert(1)> =HYPERLINK("http://evil","click")`
	formulaText = `=HYPERLINK("http://evil","click")`
)

// seedHostile writes feedback whose texts are attacks, in commune 18073,
// and ordinary feedback in 18496.
func seedHostile(t testing.TB, e *testEnv) {
	now := time.Now()
	insertEvents(t, e.conn, []ev{
		{Type: "feedback.received", ID: "X-1", Commune: "18073", Channel: "hotline_1022", Topics: []string{"environment"}, Text: xssText,
			Sentiment: "negative", Score: -0.9, At: now.Add(-time.Hour), Explain: `[{"text":"<b>bad</b>","weight":0.5}]`},
		{Type: "feedback.received", ID: "X-2", Commune: "18073", Channel: "hotline_1022", Topics: []string{"environment"}, Text: formulaText,
			Sentiment: "negative", Score: -0.8, At: now.Add(-2 * time.Hour)},
		{Type: "feedback.received", ID: "Y-1", Commune: "18496", Channel: "press", Topics: []string{"land"}, Text: "Đất đai ở Hương Khê chưa được cấp sổ",
			Sentiment: "negative", Score: -0.5, At: now.Add(-3 * time.Hour)},
	})
}

func TestXSSEscapedEverywhere(t *testing.T) {
	e := newEnv(t, nil)
	seedHostile(t, e)
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	c := e.client()
	c.login("ana", "analyst-password")
	for _, p := range []string{"/feedback", "/sentiment", "/feedback/X-1", "/", "/feedback?q=" + url.QueryEscape("<script>")} {
		code, body, h := c.get(p)
		if code != 200 {
			t.Fatalf("%s: %d", p, code)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || strings.Contains(body, "<b>bad</b>") {
			t.Errorf("%s: unescaped citizen text in the page", p)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: no CSP", p)
		}
	}
	// The chart data embedded in the page is JSON with < escaped.
	_, body, _ := c.get("/")
	if i := strings.Index(body, `id="chart-data">`); i < 0 || strings.Contains(body[i:], "</script><img") {
		t.Error("chart data not escaped")
	}
	// JSON: Go escapes <, > and & in strings.
	code, js, _ := c.get("/api/v1/feedback")
	if code != 200 || strings.Contains(js, "<script>") || !strings.Contains(js, `\u003cscript\u003e`) {
		t.Errorf("JSON not escaped: %d %.500s", code, js)
	}
	// CSV: formulas neutralised, BOM present.
	code, csv, h := c.get("/api/v1/feedback?format=csv")
	if code != 200 || !strings.HasPrefix(csv, "\xEF\xBB\xBF") || !strings.Contains(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %q", code, h.Get("Content-Type"))
	}
	if strings.Contains(csv, "\n=HYPERLINK") || strings.Contains(csv, ",=HYPERLINK") || !strings.Contains(csv, `'=HYPERLINK`) {
		t.Errorf("CSV formula not neutralised:\n%s", csv)
	}
	// The tooltip formatter escapes (static/app.js).
	js2, err := staticFS.ReadFile("static/app.js")
	if err != nil || !strings.Contains(string(js2), "escapeHTML(t)") || !strings.Contains(string(js2), "escapeHTML(chart.categories[idx])") {
		t.Error("app.js tooltip formatter does not escape")
	}
}

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx", "ok": "ok", "": ""} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"Hương Khê": "huong khe", "ĐỀN BÙ  đất": "den bu dat", "huong khe": "huong khe"} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSearchWithAndWithoutDiacritics: a search finds the texts holding
// every word of the term, whole, in any order, with or without diacritics
// (TestSearchWholeWords covers the rest).
func TestSearchWithAndWithoutDiacritics(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	seedHostile(t, e)
	for q, want := range map[string]uint64{
		"huong khe": 1, "Hương Khê": 1, "HUONG KHE": 1, "cấp sổ": 1, "khê hương": 1, "So cap, dat dai!": 1, "huong": 1, "ĐẤT": 1,
		// Parts of words no longer match.
		"huon": 0, "huong kh": 0, "ất": 0,
	} {
		code, body := e.apiGet("", "/api/v1/feedback?q="+url.QueryEscape(q))
		var r struct {
			Total uint64 `json:"total"`
			Rows  []ListItem
		}
		if code != 200 || json.Unmarshal([]byte(body), &r) != nil || r.Total != want || (want == 1 && r.Rows[0].ID != "Y-1") {
			t.Errorf("q=%q: %d %.300s", q, code, body)
		}
	}
}

func TestSQLShapedParameters(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	seedHostile(t, e)
	evil := []string{"' OR 1=1 --", "1); DROP TABLE events; --", "c:18073' OR '1'='1", "\\'", "x\x00y"}
	params := map[string][]string{
		"from": nil, "to": nil, "granularity": nil, "locality": nil, "topic": nil, "channel": nil, "format": nil,
		"period": nil, "sort": {"/api/v1/feedback", "/api/v1/localities"}, "page": {"/api/v1/feedback"},
	}
	for p, paths := range params {
		if paths == nil {
			paths = []string{"/api/v1/feedback", "/api/v1/overview", "/api/v1/localities", "/api/v1/sentiment/series", "/api/v1/hotspots", "/api/v1/models", "/api/v1/dialogues",
				"/api/v1/campaigns", "/api/v1/criticism/series"}
		}
		for _, v := range evil {
			for _, path := range paths {
				code, body := e.apiGet("", path+"?"+p+"="+url.QueryEscape(v))
				if code != http.StatusBadRequest {
					t.Errorf("%s %s=%q: status %d, want 400: %.200s", path, p, v, code, body)
				}
			}
			code, _, _ := e.client().get("/localities?" + p + "=" + url.QueryEscape(v))
			if code != http.StatusBadRequest && p != "page" && p != "format" {
				t.Errorf("page %s=%q: %d, want 400", p, v, code)
			}
		}
	}
	for _, v := range evil {
		code, _ := e.apiGet("", "/api/v1/feedback?period=month&n="+url.QueryEscape(v))
		code2, _ := e.apiGet("", "/api/v1/feedback?period=year&year="+url.QueryEscape(v))
		if code != 400 || code2 != 400 {
			t.Errorf("n/year=%q: %d %d", v, code, code2)
		}
	}
	// The search term is a literal: its words are looked up as words, so
	// SQL in it matches nothing and breaks nothing; a term without a word
	// (letters or digits) is a 400.
	for _, v := range evil {
		code, body := e.apiGet("", "/api/v1/feedback?q="+url.QueryEscape(v))
		if len(Words(Fold(v))) == 0 {
			if code != http.StatusBadRequest {
				t.Errorf("q=%q: %d %.200s, want 400", v, code, body)
			}
			continue
		}
		if code != 200 || !strings.Contains(body, `"total":0`) {
			t.Errorf("q=%q: %d %.200s", v, code, body)
		}
	}
	if n := countRows(t, e, "SELECT count() FROM events"); n != 3 {
		t.Fatalf("events: %d rows", n)
	}
	// A case id is a literal too.
	code, _ := e.apiGet("", "/api/v1/cases/"+url.PathEscape("X-1' OR '1'='1"))
	if code != http.StatusNotFound {
		t.Errorf("case id injection: %d", code)
	}
}

func countRows(t testing.TB, e *testEnv, q string) uint64 {
	var n uint64
	if err := e.conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLocalityScoping(t *testing.T) {
	e := newEnv(t, nil)
	seedHostile(t, e)
	seedBasic(t, e)
	e.addUser("officer", auth.RoleLocalityOfficer, "officer-password", "18496")
	tok, _, err := e.s.store.CreateToken(context.Background(), "officer", "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login("officer", "officer-password")
	// What must never show: names, ids, texts and codes of commune 18073's
	// data (the request's own locality parameter may be echoed).
	outside := []string{"Thành Sen", "X-1", "X-2", "FB-A-", "HYPERLINK", "Bãi rác", `"18073"`, "\n18073,", ",18073,", `data-code="18073"`}
	check := func(what, body string) {
		t.Helper()
		for _, s := range outside {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q, outside the officer's commune", what, s)
			}
		}
	}
	for _, p := range allPages {
		for _, q := range []string{"", "?locality=c:18073", "?locality=d:436", "?q=rac"} {
			code, body, _ := c.get(p + q)
			if code != 200 {
				t.Fatalf("%s%s: %d", p, q, code)
			}
			check(p+q, body)
		}
	}
	if code, body, _ := c.get("/feedback/X-1"); code != http.StatusNotFound {
		t.Errorf("case outside scope: %d", code)
	} else if strings.Contains(body, "HYPERLINK") || strings.Contains(body, "onerror") {
		t.Error("case page outside scope shows the text")
	}
	apis := []string{"feedback/volume", "overview", "hotspots", "sentiment/series", "sentiment/topics", "sentiment/localities", "sentiment/drivers",
		"feedback", "localities", "dialogues", "dialogues/hosts", "dialogues/issues", "dialogues/commitments", "models", "models/localities", "models/years",
		"campaigns", "campaigns/series", "criticism", "criticism/series", "meta"}
	for _, a := range apis {
		for _, q := range []string{"", "&locality=c:18073"} {
			for _, f := range []string{"", "&format=csv"} {
				code, body := e.apiGet(tok, "/api/v1/"+a+"?granularity=day"+q+f)
				if code != 200 {
					t.Fatalf("%s: %d %.300s", a, code, body)
				}
				check(a+q+f, body)
			}
		}
	}
	if code, _ := e.apiGet(tok, "/api/v1/cases/X-1"); code != 404 {
		t.Errorf("case API outside scope: %d", code)
	}
	// Inside the scope the officer sees the data.
	code, body := e.apiGet(tok, "/api/v1/feedback")
	if code != 200 || !strings.Contains(body, "Y-1") {
		t.Errorf("officer does not see own commune: %.300s", body)
	}
	// An analyst sees both.
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	a := e.client()
	a.login("ana", "analyst-password")
	if _, body, _ := a.get("/api/v1/feedback"); !strings.Contains(body, "X-1") || !strings.Contains(body, "Y-1") {
		t.Errorf("analyst: %.300s", body)
	}
}

func TestAuthSessionsCSRFTokens(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	admin := e.addUser("admin", auth.RoleAdmin, "admin-password-1")
	// No credentials.
	if code, _ := e.apiGet("", "/api/v1/feedback/volume"); code != http.StatusUnauthorized {
		t.Errorf("API without auth: %d", code)
	}
	anon := e.client()
	if code, _, h := anon.get("/sentiment?lang=en"); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?next=") {
		t.Errorf("page without auth: %d %s", code, h.Get("Location"))
	}
	// Wrong password, wrong login CSRF.
	_, body, _ := anon.get("/login")
	if code, _, _ := anon.post("/login", url.Values{"csrf": {csrfOf(t, body)}, "username": {"admin"}, "password": {"nope-nope-nope"}}); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", code)
	}
	if code, _, _ := anon.post("/login", url.Values{"csrf": {"forged"}, "username": {"admin"}, "password": {"admin-password-1"}}); code != http.StatusForbidden {
		t.Errorf("login without CSRF: %d", code)
	}
	c := e.client()
	c.login("admin", "admin-password-1")
	// Cookie flags.
	u, _ := url.Parse(e.ts.URL)
	_ = u
	resp, _ := http.Get(e.ts.URL + "/login")
	if sc := resp.Header.Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") {
		t.Errorf("login CSRF cookie: %s", sc)
	}
	resp.Body.Close()
	// State changes need the CSRF token.
	if code, _, _ := c.post("/admin/users", url.Values{"username": {"bob"}, "role": {"analyst"}, "password": {"bob-password-1"}}); code != http.StatusForbidden {
		t.Errorf("admin POST without CSRF: %d", code)
	}
	_, page, _ := c.get("/admin")
	tok := csrfOf(t, page)
	if code, body, _ := c.post("/admin/users", url.Values{"csrf": {tok}, "username": {"bob"}, "role": {"analyst"}, "password": {"bob-password-1"}}); code != 200 {
		t.Fatalf("add user: %d %.500s", code, body)
	}
	code, body, _ := c.post("/admin/tokens", url.Values{"csrf": {tok}, "username": {"bob"}, "name": {"portal"}, "days": {"30"}})
	m := strings.Index(body, `id="new-token">`)
	if code != 200 || m < 0 {
		t.Fatalf("create token: %d", code)
	}
	apiTok := body[m+len(`id="new-token">`):]
	apiTok = apiTok[:strings.Index(apiTok, "<")]
	if code, _ := e.apiGet(apiTok, "/api/v1/feedback/volume"); code != 200 {
		t.Errorf("token: %d", code)
	}
	// Disabling bob ends his token; a revoked token stops working.
	b := e.client()
	b.login("bob", "bob-password-1")
	if code, _, _ := c.post("/admin/users/disable", url.Values{"csrf": {tok}, "username": {"bob"}}); code != 200 {
		t.Fatalf("disable: %d", code)
	}
	if code, _ := e.apiGet(apiTok, "/api/v1/feedback/volume"); code != http.StatusUnauthorized {
		t.Errorf("token of disabled user: %d", code)
	}
	if code, _, _ := b.get("/"); code != http.StatusSeeOther {
		t.Errorf("session of disabled user: %d", code)
	}
	at, tk, err := e.s.store.CreateToken(ctx, "admin", "x", 0)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.apiGet(at, "/api/v1/meta"); code != 200 {
		t.Errorf("admin token: %d", code)
	}
	if err := e.s.store.RevokeToken(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.apiGet(at, "/api/v1/meta"); code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", code)
	}
	if code, _ := e.apiGet(at+"x", "/api/v1/meta"); code != http.StatusUnauthorized {
		t.Errorf("forged token: %d", code)
	}
	// Non-admins cannot open admin.
	e.addUser("lead", auth.RoleLeader, "leader-password")
	l := e.client()
	l.login("lead", "leader-password")
	if code, _, _ := l.get("/admin"); code != http.StatusForbidden {
		t.Errorf("leader on /admin: %d", code)
	}
	// Logout needs CSRF and ends the session server-side.
	if code, _, _ := c.post("/logout", nil); code != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d", code)
	}
	jarCookies := c.hc.Jar.Cookies(u)
	if code, _, _ := c.post("/logout", url.Values{"csrf": {tok}}); code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	replay := e.client()
	replay.hc.Jar.SetCookies(u, jarCookies)
	if code, _, _ := replay.get("/"); code != http.StatusSeeOther {
		t.Errorf("replayed cookie after logout: %d", code)
	}
	_ = admin
}

func TestAuthOffKeepsVolumeOpen(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	seedBasic(t, e)
	code, body := e.apiGet("", "/api/v1/feedback/volume?granularity=month")
	var v VolumeResponse
	if code != 200 || json.Unmarshal([]byte(body), &v) != nil || v.Total != 10 || v.Granularity != "month" {
		t.Fatalf("%d %s", code, body)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/feedback?x=1": "/feedback?x=1", "//evil.com": "/", "https://evil.com": "/", "/\\evil": "/", "": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q", in, got)
		}
	}
}
