package dashboard

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func day0() time.Time { return day(time.Now()) }

// seedBasic writes feedback in two communes over the last days.
func seedBasic(t testing.TB, e *testEnv) {
	now := time.Now()
	var evs []ev
	for i := 0; i < 6; i++ {
		evs = append(evs, ev{Type: "feedback.received", ID: "FB-A-" + string(rune('a'+i)), Commune: "18073", Channel: "hotline_1022",
			Topics: []string{"environment"}, Text: "Bãi rác ở Hương Khê bốc mùi hôi thối", Sentiment: "negative", Score: -0.7,
			At: now.Add(-time.Duration(i) * 26 * time.Hour), Due: now.Add(72 * time.Hour), Explain: `[{"text":"bốc mùi","weight":0.8}]`})
	}
	for i := 0; i < 4; i++ {
		evs = append(evs, ev{Type: "feedback.received", ID: "FB-B-" + string(rune('a'+i)), Commune: "18496", Channel: "provincial_app",
			Topics: []string{"land", "site_clearance"}, Text: "Cảm ơn chính quyền đã giải quyết đền bù", Sentiment: "positive", Score: 0.6,
			At: now.Add(-time.Duration(i) * 30 * time.Hour)})
	}
	insertEvents(t, e.conn, evs)
	evs = nil
	evs = append(evs, ev{Type: "feedback.assigned", ID: "FB-A-a", Commune: "18073", Channel: "hotline_1022", Topics: []string{"environment"},
		At: now.Add(-time.Hour), CaseReceived: now.Add(-2 * time.Hour), CaseDue: now.Add(72 * time.Hour), FirstAction: 1})
	insertEventsTry(t, e.conn, evs)
	evs = nil
	evs = append(evs, ev{Type: "dialogue.held", ID: "DL-1", Commune: "18073", HostLevel: "commune", HostRole: "pc_chair", Participants: 40, At: now.Add(-48 * time.Hour)})
	insertEventsTry(t, e.conn, evs)
	evs = nil
	evs = append(evs, ev{Type: "model.registered", ID: "MD-1", Commune: "18496", Field: "economy", Year: uint16(now.Year())})
	insertEventsTry(t, e.conn, evs)
	evs = nil
	evs = append(evs, ev{Type: "model.assessed", ID: "MD-1", Commune: "18496", Effective: 1, Year: uint16(now.Year())})
	insertEventsTry(t, e.conn, evs)
	insertEvents(t, e.conn, []ev{
		{Type: "campaign.activity", ID: "CA-A", Commune: "18073", CampaignID: "CMP-A", ActivityKind: "site_clearance", Participants: 120,
			MoneyVND: 5_000_000, LandM2: 850.5, At: now.Add(-50 * time.Hour)},
		{Type: "campaign.activity", ID: "CA-B", Commune: "18496", CampaignID: "CMP-B", ActivityKind: "relief", Participants: 35,
			MoneyVND: 12_000_000, At: now.Add(-5 * time.Hour)},
		{Type: "criticism.session", ID: "CR-A", Commune: "18073", Org: "mttq", Form: "conference", Given: 14, Accepted: 9, At: now.Add(-70 * time.Hour)},
		{Type: "criticism.session", ID: "CR-B", Commune: "18496", Org: "mttq", Form: "written", Given: 6, Accepted: 2, At: now.Add(-3 * time.Hour)},
	})
}

var allPages = []string{"/", "/sentiment", "/dialogues", "/models", "/campaigns", "/feedback", "/localities"}

func TestEveryTemplateRenders(t *testing.T) {
	e := newEnv(t, nil)
	seedBasic(t, e)
	e.addUser("admin", "admin", "admin-password-1")
	c := e.client()
	c.login("admin", "admin-password-1")
	for _, p := range allPages {
		for _, lang := range []string{"", "&lang=en"} {
			code, body, _ := c.get(p + "?granularity=week" + lang)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d\n%.3000s", p, code, body)
			}
			if strings.Contains(body, "ZgotmplZ") {
				t.Errorf("%s: template produced ZgotmplZ (unsafe value filtered)", p)
			}
		}
	}
	if code, body, _ := c.get("/feedback/FB-A-a"); code != 200 || !strings.Contains(body, "bốc mùi") {
		t.Fatalf("case page: %d %.2000s", code, body)
	}
	c.get("/admin")
	c.get("/feedback?period=bogus") // renders with an error
	anon := e.client()
	anon.get("/login")
	e2 := newEnv(t, func(c *Config) { c.Auth = "off" })
	e2.client().get("/admin") // error page
	rendered, all := e.s.RenderedTemplates()
	r2, _ := e2.s.RenderedTemplates()
	for _, name := range all {
		if rendered[name]+r2[name] == 0 {
			t.Errorf("template %s.html was never rendered by the tests", name)
		}
	}
}

func TestLanguageKeptInLinks(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	code, body, _ := e.client().get("/sentiment?lang=en&topic=land")
	if code != 200 {
		t.Fatal(code)
	}
	if !strings.Contains(body, `href="/localities?`) || strings.Contains(body, `href="/localities?granularity=day&amp;lang=vi`) {
		t.Fatalf("nav links: %s", body[:2000])
	}
	for _, want := range []string{"lang=en", "topic=land", "Public sentiment"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !strings.Contains(body, "Tiếng Việt") {
		t.Error("no language switch")
	}
}

func TestMessagesComplete(t *testing.T) {
	for k := range messages["vi"] {
		if _, ok := messages["en"][k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	for k := range messages["en"] {
		if _, ok := messages["vi"][k]; !ok {
			t.Errorf("vi lacks %q", k)
		}
	}
}
