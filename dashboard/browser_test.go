package dashboard

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"dvpulse/dashboard/auth"
	"dvpulse/dashboard/internal/cdp"
	"dvpulse/internal/itest"
)

// TestBrowser drives Debian's chromium through the Chrome DevTools Protocol:
// it signs in, opens every page with filters in the URL, checks that charts
// are drawn and that tables show what the API returns for the same filters,
// and saves screenshots to .state/artifacts/screenshots. It fails (never
// skips) when chromium is missing, unless DVPULSE_BROWSER=skip outside CI.
func TestBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		if os.Getenv("DVPULSE_BROWSER") == "skip" && os.Getenv("CI") == "" {
			t.Skip("DVPULSE_BROWSER=skip")
		}
		t.Fatal("chromium not found: install it with deploy/local/browser.sh (apt-get install -y chromium); the test command does this")
	}
	if !e2eVendor() {
		t.Fatal("dashboard/static/vendor/echarts.min.js is missing: run dashboard/web/build.sh before go test")
	}
	e := newEnv(t, nil)
	seedBasic(t, e)
	seedHostile(t, e)
	e.addUser("admin", auth.RoleAdmin, "admin-password-1")
	token, _, err := e.s.store.CreateToken(context.Background(), "admin", "browser-test", 0)
	if err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join(itest.RepoRoot(t), ".state", "artifacts", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := startBrowser(t, bin)

	b.navigate(e.ts.URL + "/login?lang=vi")
	b.eval(`document.querySelector('input[name=username]').value='admin';
		document.querySelector('input[name=password]').value='admin-password-1';
		document.getElementById('login').submit(); true`)
	b.waitFor(`document.getElementById('username') && document.readyState === 'complete'`)
	if u := b.evalString(`document.getElementById('username').textContent`); u != "admin" {
		t.Fatalf("signed in as %q", u)
	}

	for _, pg := range []struct{ path, api, tableID string }{
		{"/?granularity=week", "", ""},
		{"/sentiment?granularity=week&topic=environment", "sentiment/topics?granularity=week&topic=environment", "by-topic"},
		{"/dialogues?granularity=month", "", ""},
		{"/models", "", ""},
		{"/campaigns?granularity=week", "campaigns?granularity=week", "campaigns"},
		{"/campaigns?granularity=week&lang=en", "criticism?granularity=week", "criticism"},
		{"/feedback?q=huong+khe", "feedback?q=huong+khe", "items"},
		{"/localities?sort=received&lang=en", "localities?sort=received", "localities"},
		{"/feedback/X-1", "", ""},
	} {
		b.navigate(e.ts.URL + pg.path)
		b.waitFor(`document.readyState === 'complete' && (!document.getElementById('chart-data') || document.body.getAttribute('data-charts'))`)
		if st := b.evalString(`document.body.getAttribute('data-charts') || 'none'`); strings.HasPrefix(st, "error") {
			t.Errorf("%s: chart script failed: %s", pg.path, st)
		}
		if n := b.evalString(`String(document.querySelectorAll('.chart[data-state=missing]').length)`); n != "0" {
			t.Errorf("%s: ECharts missing in the page", pg.path)
		}
		if strings.Contains(b.evalString(`document.documentElement.outerHTML`), "<script>alert") {
			t.Errorf("%s: injected script in the DOM", pg.path)
		}
		if b.evalString(`String(!!window.__xss)`) == "true" {
			t.Errorf("%s: injected script ran", pg.path)
		}
		name := strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-", "+", "-").Replace(strings.TrimPrefix(pg.path, "/"))
		if name == "" || name[0] == '_' {
			name = "overview" + name
		}
		b.screenshot(filepath.Join(shots, name+".png"))
		if pg.api == "" {
			continue
		}
		rows := b.evalString(`String(document.querySelectorAll('#` + pg.tableID + ` tbody tr').length)`)
		code, body := e.apiGet(token, "/api/v1/"+pg.api)
		var r struct {
			Rows []json.RawMessage `json:"rows"`
		}
		if code != 200 || json.Unmarshal([]byte(body), &r) != nil {
			t.Fatalf("API %s: %d", pg.api, code)
		}
		if rows != strconv.Itoa(len(r.Rows)) {
			t.Errorf("%s: the table has %s rows, the API %d", pg.path, rows, len(r.Rows))
		}
	}
	// The overview's volume chart sums to the API's total for the same filters.
	b.navigate(e.ts.URL + "/?granularity=day&channel=hotline_1022")
	b.waitFor(`document.body.getAttribute('data-charts') === 'done'`)
	sum := b.evalString(`document.getElementById('chart-volume').getAttribute('data-sum')`)
	code, body := e.apiGet(token, "/api/v1/feedback/volume?granularity=day&channel=hotline_1022")
	var v VolumeResponse
	if code != 200 || json.Unmarshal([]byte(body), &v) != nil {
		t.Fatal(code, body)
	}
	if sum != strconv.FormatUint(v.Total, 10) || v.Total == 0 {
		t.Errorf("volume chart sums to %s, the API total is %d", sum, v.Total)
	}
	if kpi := b.evalString(`document.querySelector('[data-kpi=volume] .kpi-value').textContent`); kpi != strconv.FormatUint(v.Total, 10) {
		t.Errorf("volume KPI %q, API %d", kpi, v.Total)
	}
	b.screenshot(filepath.Join(shots, "overview_hotline.png"))
	// The campaigns chart's first series (participants) sums to the API's
	// series for the same filters, and its key figure shows the same number.
	b.navigate(e.ts.URL + "/campaigns?granularity=day&topic=land")
	b.waitFor(`document.body.getAttribute('data-charts') === 'done'`)
	if st := b.evalString(`document.getElementById('chart-campaigns').getAttribute('data-state')`); st != "drawn" {
		t.Errorf("campaigns chart: %s", st)
	}
	sum = b.evalString(`document.getElementById('chart-campaigns').getAttribute('data-sum')`)
	code, body = e.apiGet(token, "/api/v1/campaigns/series?granularity=day&topic=land")
	var cs struct{ Rows []CampaignFigures }
	if code != 200 || json.Unmarshal([]byte(body), &cs) != nil {
		t.Fatal(code, body)
	}
	var parts uint64
	for _, r := range cs.Rows {
		parts += r.Participants
	}
	if sum != strconv.FormatUint(parts, 10) || parts == 0 {
		t.Errorf("campaigns chart sums to %s, the API series to %d", sum, parts)
	}
	if kpi := b.evalString(`document.querySelector('[data-kpi=participants] .kpi-value').textContent`); kpi != strconv.FormatUint(parts, 10) {
		t.Errorf("participants key figure %q, API %d", kpi, parts)
	}
	b.screenshot(filepath.Join(shots, "campaigns_day.png"))
	t.Logf("screenshots in %s", shots)
}

func e2eVendor() bool {
	_, err := staticFS.ReadFile("static/vendor/echarts.min.js")
	return err == nil
}

func findChromium() string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// cdp is a minimal Chrome DevTools Protocol client over one page target.
// browser wraps the CDP client so that a failure fails the test.
type browser struct {
	t *testing.T
	b *cdp.Browser
}

func startBrowser(t *testing.T, bin string) *browser {
	t.Helper()
	b, err := cdp.Start(bin)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	t.Cleanup(b.Close)
	return &browser{t: t, b: b}
}

func (c *browser) call(method string, params any) json.RawMessage {
	c.t.Helper()
	r, err := c.b.Call(method, params)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

func (c *browser) eval(expr string) json.RawMessage { return c.b.Eval(expr) }

func (c *browser) evalString(expr string) string { return c.b.EvalString(expr) }

func (c *browser) waitFor(cond string) {
	c.t.Helper()
	if err := c.b.WaitFor(cond, 20*time.Second); err != nil {
		c.t.Fatal(err)
	}
}

func (c *browser) navigate(url string) {
	c.t.Helper()
	if err := c.b.Navigate(url); err != nil {
		c.t.Fatal(err)
	}
}

func (c *browser) screenshot(path string) {
	c.t.Helper()
	if err := c.b.Screenshot(path); err != nil {
		c.t.Fatal(err)
	}
}
