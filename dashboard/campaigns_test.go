package dashboard

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"dvpulse/dashboard/auth"
)

// seedCampaigns writes campaign activities and criticism sessions in
// communes 18073 and 18496 over the last days, one activity a year back
// (outside the default period), and returns the events written.
func seedCampaigns(t testing.TB, e *testEnv) []ev {
	now := time.Now()
	var evs []ev
	kinds := []string{"propaganda", "site_clearance", "relief", "contributions"}
	for i := 0; i < 12; i++ {
		commune := "18073"
		if i%3 == 0 {
			commune = "18496"
		}
		evs = append(evs, ev{Type: "campaign.activity", ID: fmt.Sprintf("CA-%d", i), Commune: commune, CampaignID: fmt.Sprintf("CMP-%d", i%2),
			ActivityKind: kinds[i%4], Participants: uint32(10 + 7*i), MoneyVND: int64(1_000_000 * (i + 1)), LandM2: 12.5 * float64(i),
			At: now.Add(-time.Duration(i) * 20 * time.Hour)})
	}
	evs = append(evs, ev{Type: "campaign.activity", ID: "CA-old", Commune: "18496", CampaignID: "CMP-0", ActivityKind: "relief",
		Participants: 999, MoneyVND: 999, LandM2: 999, At: now.AddDate(-1, 0, -5)})
	forms := []string{"conference", "written", "consultation"}
	orgs := []string{"mttq", "hoi_nong_dan"}
	for i := 0; i < 9; i++ {
		commune := "18073"
		if i%2 == 0 {
			commune = "18496"
		}
		evs = append(evs, ev{Type: "criticism.session", ID: fmt.Sprintf("CR-%d", i), Commune: commune, Org: orgs[i%2], Form: forms[i%3],
			Given: uint32(5 + 3*i), Accepted: uint32(2 + i), At: now.Add(-time.Duration(i) * 30 * time.Hour)})
	}
	insertEvents(t, e.conn, evs)
	return evs
}

// campaignSums is what the API must answer for evs in the communes in
// (all when nil) and the default period.
type campaignSums struct {
	cells   map[string]CampaignRow // campaign|kind
	crit    map[string]CriticismRow
	total   CampaignFigures
	critTot CriticismFigures
}

func sumCampaigns(evs []ev, in []string) campaignSums {
	s := campaignSums{cells: map[string]CampaignRow{}, crit: map[string]CriticismRow{}}
	from := time.Now().AddDate(0, 0, -179)
	for _, x := range evs {
		if x.At.Before(day(from)) || (in != nil && !slices.Contains(in, x.Commune)) {
			continue
		}
		switch x.Type {
		case "campaign.activity":
			k := x.CampaignID + "|" + x.ActivityKind
			r := s.cells[k]
			r.Campaign, r.Kind = x.CampaignID, x.ActivityKind
			r.Activities++
			r.Participants += uint64(x.Participants)
			r.MoneyVND += x.MoneyVND
			r.LandM2 += x.LandM2
			s.cells[k] = r
			s.total.Activities++
			s.total.Participants += uint64(x.Participants)
			s.total.MoneyVND += x.MoneyVND
			s.total.LandM2 += x.LandM2
		case "criticism.session":
			k := x.Org + "|" + x.Form
			r := s.crit[k]
			r.Org, r.Form = x.Org, x.Form
			r.Sessions++
			r.Given += uint64(x.Given)
			r.Accepted += uint64(x.Accepted)
			s.crit[k] = r
			s.critTot.Sessions++
			s.critTot.Given += uint64(x.Given)
			s.critTot.Accepted += uint64(x.Accepted)
		}
	}
	return s
}

type tableJSON[T any] struct {
	Rows []T `json:"rows"`
}

func getRows[T any](t *testing.T, e *testEnv, token, path string) []T {
	t.Helper()
	code, body := e.apiGet(token, path)
	var r tableJSON[T]
	if code != http.StatusOK || json.Unmarshal([]byte(body), &r) != nil {
		t.Fatalf("%s: %d %.300s", path, code, body)
	}
	return r.Rows
}

// checkCampaignAPI compares every campaign and criticism endpoint with want.
func checkCampaignAPI(t *testing.T, e *testEnv, token, query string, want campaignSums) {
	t.Helper()
	rows := getRows[CampaignRow](t, e, token, "/api/v1/campaigns?"+query)
	if len(rows) != len(want.cells) {
		t.Errorf("campaigns %s: %d rows, want %d: %+v", query, len(rows), len(want.cells), rows)
	}
	for _, r := range rows {
		w := want.cells[r.Campaign+"|"+r.Kind]
		if r.Activities != w.Activities || r.Participants != w.Participants || r.MoneyVND != w.MoneyVND || math.Abs(r.LandM2-w.LandM2) > 1e-9 || r.KindLabel == "" {
			t.Errorf("campaigns %s: row %+v, want %+v", query, r, w)
		}
	}
	var got CampaignFigures
	for _, p := range getRows[CampaignFigures](t, e, token, "/api/v1/campaigns/series?"+query) {
		got.Activities += p.Activities
		got.Participants += p.Participants
		got.MoneyVND += p.MoneyVND
		got.LandM2 += p.LandM2
	}
	if got.Activities != want.total.Activities || got.Participants != want.total.Participants || got.MoneyVND != want.total.MoneyVND || math.Abs(got.LandM2-want.total.LandM2) > 1e-9 {
		t.Errorf("campaigns/series %s sums to %+v, want %+v", query, got, want.total)
	}
	crit := getRows[CriticismRow](t, e, token, "/api/v1/criticism?"+query)
	if len(crit) != len(want.crit) {
		t.Errorf("criticism %s: %d rows, want %d", query, len(crit), len(want.crit))
	}
	for _, r := range crit {
		w := want.crit[r.Org+"|"+r.Form]
		if r.Sessions != w.Sessions || r.Given != w.Given || r.Accepted != w.Accepted || r.AcceptedShare == nil ||
			math.Abs(*r.AcceptedShare-float64(w.Accepted)/float64(w.Given)) > 1e-9 {
			t.Errorf("criticism %s: row %+v, want %+v", query, r, w)
		}
	}
	var ct CriticismFigures
	for _, p := range getRows[CriticismFigures](t, e, token, "/api/v1/criticism/series?"+query) {
		ct.Sessions += p.Sessions
		ct.Given += p.Given
		ct.Accepted += p.Accepted
	}
	if ct.Sessions != want.critTot.Sessions || ct.Given != want.critTot.Given || ct.Accepted != want.critTot.Accepted {
		t.Errorf("criticism/series %s sums to %+v, want %+v", query, ct, want.critTot)
	}
}

var kpiRe = regexp.MustCompile(`(?s)data-kpi="([a-z]+)">\s*<span class="kpi-label">[^<]*</span>\s*<b class="kpi-value">([^<]*)</b>`)

func pageKPIs(body string) map[string]string {
	out := map[string]string{}
	for _, m := range kpiRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestCampaignsFigures(t *testing.T) {
	e := newEnv(t, nil)
	evs := seedCampaigns(t, e)
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	tok, _, err := e.s.store.CreateToken(t.Context(), "ana", "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login("ana", "analyst-password")
	all := sumCampaigns(evs, nil)
	if all.total.Activities != 12 || all.critTot.Sessions != 9 {
		t.Fatalf("seed: %+v", all)
	}
	for _, g := range []string{"day", "week", "month", "quarter"} {
		// topic and channel do not apply to these tables: they change nothing.
		for _, extra := range []string{"", "&topic=land&channel=press"} {
			checkCampaignAPI(t, e, tok, "granularity="+g+extra, all)
		}
	}
	// Through the browser session too (the API answers a signed-in page).
	var cs tableJSON[CampaignRow]
	if code, body, _ := c.get("/api/v1/campaigns"); code != 200 || json.Unmarshal([]byte(body), &cs) != nil || len(cs.Rows) != len(all.cells) {
		t.Fatalf("session API: %d %.300s", code, body)
	}
	checkCampaignSession(t, c, "", all)
	one := sumCampaigns(evs, []string{"18496"})
	checkCampaignSession(t, c, "locality=c:18496", one)
	// A period with only the old activity.
	old := time.Now().AddDate(-1, 0, -5).In(Hanoi).Format("2006-01-02")
	code, body, _ := c.get("/api/v1/campaigns/series?from=" + old + "&to=" + old)
	if code != 200 || !strings.Contains(body, `"participants":999`) {
		t.Errorf("old period: %d %.400s", code, body)
	}
	// Empty period: the page says so, the chart is empty.
	code, body, _ = c.get("/campaigns?from=2001-01-01&to=2001-01-31&lang=en")
	if code != 200 || !strings.Contains(body, messages["en"]["empty"]) || !strings.Contains(body, `"empty":true`) {
		t.Errorf("empty page: %d", code)
	}
	// Bad parameters are 400s on the page and the API.
	for _, p := range []string{"/campaigns?granularity=year", "/api/v1/criticism?topic=nope", "/api/v1/campaigns?format=xml"} {
		if code, _, _ := c.get(p); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", p, code)
		}
	}
}

// checkCampaignSession checks the page's key figures and tables and the
// API through c for the filter query.
func checkCampaignSession(t *testing.T, c *client, query string, want campaignSums) {
	t.Helper()
	code, body, _ := c.get("/campaigns?" + query)
	if code != 200 {
		t.Fatalf("/campaigns?%s: %d %.2000s", query, code, body)
	}
	num := funcs["num"].(func(any) string)
	pct := funcs["pct"].(func(*float64) string)
	k := pageKPIs(body)
	for key, w := range map[string]string{
		"activities":   num(uval(want.total.Activities)),
		"participants": num(uval(want.total.Participants)),
		"money":        num(fptr(float64(want.total.MoneyVND))),
		"land":         num(fptr(round3(want.total.LandM2))),
		"sessions":     num(uval(want.critTot.Sessions)),
		"opinions":     num(uval(want.critTot.Given)),
		"accepted":     pct(ratio(want.critTot.Accepted, want.critTot.Given)),
	} {
		if k[key] != w {
			t.Errorf("page %s: key figure %s is %q, want %q", query, key, k[key], w)
		}
	}
	for _, r := range want.cells {
		row := fmt.Sprintf(`<tr><td>%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td>`, r.Campaign,
			labelVi("activity_kind", r.Kind), num(r.Activities), num(r.Participants), num(r.MoneyVND))
		if !strings.Contains(body, row) {
			t.Errorf("page %s lacks campaign row %s", query, row)
		}
	}
	for _, r := range want.crit {
		row := fmt.Sprintf(`<tr><td>%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td></tr>`, r.Org,
			labelVi("form", r.Form), num(r.Sessions), num(r.Given), num(r.Accepted), pct(ratio(r.Accepted, r.Given)))
		if !strings.Contains(body, row) {
			t.Errorf("page %s lacks criticism row %s", query, row)
		}
	}
	if !strings.Contains(body, `id="chart-campaigns"`) || !strings.Contains(body, "Vận động, phản biện") {
		t.Errorf("page %s: no chart or title", query)
	}
}

func labelVi(vocab, code string) string { return vocabs[vocab].Label(code, "vi") }

func TestCampaignsLocalityScoping(t *testing.T) {
	e := newEnv(t, nil)
	evs := seedCampaigns(t, e)
	// Texts that must never reach the officer of 18496 (they lie in 18073).
	insertEvents(t, e.conn, []ev{
		{Type: "campaign.activity", ID: "CA-X", Commune: "18073", CampaignID: "SECRET-CMP", ActivityKind: "relief", Participants: 5},
		{Type: "criticism.session", ID: "CR-X", Commune: "18073", Org: "SECRET-ORG", Form: "written", Given: 1, Accepted: 1},
	})
	evs = append(evs, ev{Type: "campaign.activity", Commune: "18073", CampaignID: "SECRET-CMP", ActivityKind: "relief", Participants: 5, At: time.Now()},
		ev{Type: "criticism.session", Commune: "18073", Org: "SECRET-ORG", Form: "written", Given: 1, Accepted: 1, At: time.Now()})
	e.addUser("officer", auth.RoleLocalityOfficer, "officer-password", "18496")
	tok, _, err := e.s.store.CreateToken(t.Context(), "officer", "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	mine := sumCampaigns(evs, []string{"18496"})
	if mine.total.Activities == 0 || mine.critTot.Sessions == 0 {
		t.Fatal("seed has nothing in 18496")
	}
	checkCampaignAPI(t, e, tok, "granularity=week", mine)
	// Asking for another commune gives nothing, not that commune's data.
	checkCampaignAPI(t, e, tok, "locality=c:18073", sumCampaigns(nil, nil))
	c := e.client()
	c.login("officer", "officer-password")
	checkCampaignSession(t, c, "", mine)
	for _, q := range []string{"", "?locality=c:18073", "?granularity=month"} {
		_, body, _ := c.get("/campaigns" + q)
		for _, a := range []string{"campaigns", "campaigns/series", "criticism", "criticism/series"} {
			for _, f := range []string{"", "&format=csv"} {
				_, b := e.apiGet(tok, "/api/v1/"+a+"?granularity=day"+strings.ReplaceAll(q, "?", "&")+f)
				body += b
			}
		}
		for _, s := range []string{"SECRET", "Thành Sen"} {
			if strings.Contains(body, s) {
				t.Errorf("%s: the officer sees %q of commune 18073", q, s)
			}
		}
	}
	// An analyst sees the whole province.
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	a := e.client()
	a.login("ana", "analyst-password")
	checkCampaignSession(t, a, "", sumCampaigns(evs, nil))
}

func TestCampaignsCSVSafe(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	insertEvents(t, e.conn, []ev{
		{Type: "campaign.activity", ID: "CA-F", Commune: "18073", CampaignID: formulaText, ActivityKind: "-1+1", Participants: 3, MoneyVND: 100, LandM2: 2.5},
		{Type: "campaign.activity", ID: "CA-S", Commune: "18073", CampaignID: xssText, ActivityKind: "relief", Participants: 1},
		{Type: "criticism.session", ID: "CR-F", Commune: "18073", Org: "@SUM(A1)", Form: "=1+1", Given: 4, Accepted: 1},
	})
	for _, a := range []string{"campaigns", "criticism", "campaigns/series", "criticism/series"} {
		code, body, h := e.client().get("/api/v1/" + a + "?format=csv&granularity=month")
		if code != 200 || !strings.HasPrefix(body, "\xEF\xBB\xBF") || !strings.Contains(h.Get("Content-Type"), "text/csv") ||
			!strings.Contains(h.Get("Content-Disposition"), strings.ReplaceAll(a, "/", "-")+".csv") {
			t.Fatalf("%s CSV: %d %q %q", a, code, h.Get("Content-Type"), h.Get("Content-Disposition"))
		}
		for _, bad := range []string{"\n=", ",=", "\n@", ",@", "\n+", ",+", "\n-", ",-"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s CSV has an unneutralised formula cell (%q):\n%s", a, bad, body)
			}
		}
	}
	_, body, _ := e.client().get("/api/v1/campaigns?format=csv")
	if !strings.HasPrefix(body, "\xEF\xBB\xBFcampaign_id,activity_kind,activity_kind_label,activities,participants,money_vnd,land_m2\r\n") &&
		!strings.HasPrefix(body, "\xEF\xBB\xBFcampaign_id,activity_kind,activity_kind_label,activities,participants,money_vnd,land_m2\n") {
		t.Errorf("campaigns CSV header: %.200q", body)
	}
	if !strings.Contains(body, `'=HYPERLINK`) || !strings.Contains(body, "'-1+1") || !strings.Contains(body, ",3,100,2.5") {
		t.Errorf("campaigns CSV:\n%s", body)
	}
	_, body, _ = e.client().get("/api/v1/criticism?format=csv")
	if !strings.Contains(body, "'@SUM(A1),'=1+1,'=1+1,1,4,1,0.25") {
		t.Errorf("criticism CSV:\n%s", body)
	}
	// The page escapes the texts.
	code, page, _ := e.client().get("/campaigns?lang=en")
	if code != 200 || strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") || !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("page: %d, unescaped text", code)
	}
	// SQL-shaped parameters are rejected before any query runs.
	for _, v := range []string{"' OR 1=1 --", "1); DROP TABLE events; --"} {
		for _, p := range []string{"granularity", "locality", "from", "topic"} {
			if code, _ := e.apiGet("", "/api/v1/criticism?"+p+"="+url.QueryEscape(v)); code != http.StatusBadRequest {
				t.Errorf("criticism %s=%q: %d", p, v, code)
			}
		}
	}
}
