package dashboard

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"dvpulse/dashboard/auth"
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
type cdp struct {
	t      *testing.T
	ws     *websocket.Conn
	mu     sync.Mutex
	id     int
	waits  map[int]chan json.RawMessage
	events chan string
}

var devtoolsRe = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

func startBrowser(t *testing.T, bin string) *cdp {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+dir, "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1280,900", "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtoolsRe.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	var browserURL string
	select {
	case browserURL = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not print its DevTools address in 30 s")
	}
	host := strings.SplitN(strings.TrimPrefix(browserURL, "ws://"), "/", 2)[0]
	var targets []struct {
		Type, WebSocketDebuggerURL string
	}
	for i := 0; i < 50 && len(targets) == 0; i++ {
		resp, err := http.Get("http://" + host + "/json/list")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
		}
		var pages []struct{ Type, WebSocketDebuggerURL string }
		for _, x := range targets {
			if x.Type == "page" {
				pages = append(pages, x)
			}
		}
		targets = pages
		if len(targets) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(targets) == 0 {
		t.Fatal("chromium has no page target")
	}
	ws, err := websocket.Dial(targets[0].WebSocketDebuggerURL, "", "http://localhost")
	if err != nil {
		t.Fatalf("DevTools websocket: %v", err)
	}
	ws.MaxPayloadBytes = 64 << 20
	c := &cdp{t: t, ws: ws, waits: map[int]chan json.RawMessage{}, events: make(chan string, 100)}
	t.Cleanup(func() { ws.Close() })
	go c.read()
	c.call("Page.enable", nil)
	c.call("Runtime.enable", nil)
	return c
}

func (c *cdp) read() {
	for {
		var msg struct {
			ID     int             `json:"id"`
			Method string          `json:"method"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := websocket.JSON.Receive(c.ws, &msg); err != nil {
			return
		}
		if msg.ID != 0 {
			c.mu.Lock()
			ch := c.waits[msg.ID]
			delete(c.waits, msg.ID)
			c.mu.Unlock()
			if ch != nil {
				if msg.Error != nil {
					ch <- json.RawMessage(`{"__error":` + string(msg.Error) + `}`)
				} else {
					ch <- msg.Result
				}
			}
		}
	}
}

func (c *cdp) call(method string, params any) json.RawMessage {
	c.t.Helper()
	c.mu.Lock()
	c.id++
	id := c.id
	ch := make(chan json.RawMessage, 1)
	c.waits[id] = ch
	c.mu.Unlock()
	if params == nil {
		params = map[string]any{}
	}
	if err := websocket.JSON.Send(c.ws, map[string]any{"id": id, "method": method, "params": params}); err != nil {
		c.t.Fatalf("CDP %s: %v", method, err)
	}
	select {
	case r := <-ch:
		if strings.HasPrefix(string(r), `{"__error"`) {
			c.t.Fatalf("CDP %s: %s", method, r)
		}
		return r
	case <-time.After(30 * time.Second):
		c.t.Fatalf("CDP %s: no answer in 30 s", method)
	}
	return nil
}

func (c *cdp) eval(expr string) json.RawMessage {
	c.t.Helper()
	r := c.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	var out struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception json.RawMessage `json:"exceptionDetails"`
	}
	_ = json.Unmarshal(r, &out)
	if out.Exception != nil {
		return nil
	}
	return out.Result.Value
}

func (c *cdp) evalString(expr string) string {
	c.t.Helper()
	var s string
	_ = json.Unmarshal(c.eval(expr), &s)
	return s
}

func (c *cdp) waitFor(cond string) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if string(c.eval("!!("+cond+")")) == "true" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("timed out waiting for %s on %s", cond, c.evalString("location.href"))
}

func (c *cdp) navigate(url string) {
	c.t.Helper()
	c.eval(`document.title = '__loading__'`)
	c.call("Page.navigate", map[string]any{"url": url})
	c.waitFor(`document.title !== '__loading__' && document.readyState === 'complete'`)
}

func (c *cdp) screenshot(path string) {
	c.t.Helper()
	r := c.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true})
	var out struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(r, &out); err != nil {
		c.t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(out.Data)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		c.t.Fatal(fmt.Errorf("screenshot: %w", err))
	}
}
