package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/websocket"
)

// chartsDoneScript runs before the page's own scripts and records when the
// chart script marks the body data-charts="done" (or "error…").
const chartsDoneScript = `(function(){
  var mark = function(){ var b = document.body; if (!b || window.__chartsAt) return;
    var v = b.getAttribute('data-charts'); if (v) { window.__chartsAt = performance.now(); window.__chartsState = v; } };
  new MutationObserver(mark).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-charts'], childList: true});
})();`

func runPage(args []string) error {
	fs := flag.NewFlagSet("page", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8081", "dashboard base URL")
	user := fs.String("user", "bench", "dashboard username")
	password := fs.String("password", os.Getenv("DVPULSE_BENCH_PASSWORD"), "password (or env DVPULSE_BENCH_PASSWORD)")
	path := fs.String("path", "/", "page to load")
	runs := fs.Int("runs", 10, "loads per mode")
	bin := fs.String("chromium", "/usr/bin/chromium", "chromium binary")
	_ = fs.Parse(args)
	b, err := startChromium(*bin)
	if err != nil {
		return err
	}
	defer b.close()
	if _, err := b.call("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": chartsDoneScript}); err != nil {
		return err
	}
	if err := b.navigate(*base + "/login?lang=vi"); err != nil {
		return err
	}
	js, _ := json.Marshal(*user)
	jp, _ := json.Marshal(*password)
	b.eval(`document.querySelector('input[name=username]').value=` + string(js) + `;
		document.querySelector('input[name=password]').value=` + string(jp) + `;
		document.getElementById('login').submit(); true`)
	if err := b.waitFor(`document.getElementById('username') && document.readyState === 'complete'`, 30*time.Second); err != nil {
		return fmt.Errorf("sign-in failed: %w", err)
	}
	logf("signed in as %s; loading %s%s %d times per mode", b.evalString(`document.getElementById('username').textContent`), *base, *path, *runs)
	type run struct{ load, charts float64 }
	results := map[string][]run{}
	for _, mode := range []string{"cold", "warm"} {
		if _, err := b.call("Network.enable", nil); err != nil {
			return err
		}
		if _, err := b.call("Network.setCacheDisabled", map[string]any{"cacheDisabled": mode == "cold"}); err != nil {
			return err
		}
		if mode == "warm" { // prime the cache
			if err := b.navigate(*base + *path); err != nil {
				return err
			}
		}
		for i := 0; i < *runs; i++ {
			if err := b.navigate(*base + *path); err != nil {
				return err
			}
			if err := b.waitFor(`window.__chartsAt || (!document.getElementById('chart-data') && performance.getEntriesByType('navigation')[0].loadEventEnd > 0)`, 30*time.Second); err != nil {
				return err
			}
			if err := b.waitFor(`performance.getEntriesByType('navigation')[0].loadEventEnd > 0`, 30*time.Second); err != nil {
				return err
			}
			var v struct {
				Load, Charts float64
				State        string
				Res          int
			}
			_ = json.Unmarshal(b.eval(`({Load: performance.getEntriesByType('navigation')[0].loadEventEnd,
				Charts: window.__chartsAt || 0, State: window.__chartsState || 'none',
				Res: performance.getEntriesByType('resource').length})`), &v)
			if strings.HasPrefix(v.State, "error") {
				return fmt.Errorf("chart script failed: %s", v.State)
			}
			results[mode] = append(results[mode], run{v.Load, v.Charts})
			logf("%s load %d: load event end %.0f ms, charts drawn %.0f ms (%s), %d resources", mode, i+1, v.Load, v.Charts, v.State, v.Res)
		}
	}
	fmt.Printf("\n| cache | loads | load event end: median | max | charts drawn: median | max |\n|---|---:|---:|---:|---:|---:|\n")
	for _, mode := range []string{"cold", "warm"} {
		var l, c []float64
		for _, r := range results[mode] {
			l, c = append(l, r.load), append(c, r.charts)
		}
		fmt.Printf("| %s | %d | %.0f ms | %.0f ms | %.0f ms | %.0f ms |\n", mode, len(l), median(l), maxOf(l), median(c), maxOf(c))
	}
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// browser is a minimal Chrome DevTools Protocol client over one page.
type browser struct {
	cmd   *exec.Cmd
	dir   string
	ws    *websocket.Conn
	mu    sync.Mutex
	id    int
	waits map[int]chan json.RawMessage
}

var devtoolsRe = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

func startChromium(bin string) (*browser, error) {
	dir, err := os.MkdirTemp("", "dvpulse-chromium")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+dir, "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1280,900", "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start chromium: %w", err)
	}
	b := &browser{cmd: cmd, dir: dir, waits: map[int]chan json.RawMessage{}}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtoolsRe.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	var wsURL string
	select {
	case wsURL = <-found:
	case <-time.After(30 * time.Second):
		b.close()
		return nil, fmt.Errorf("chromium did not print its DevTools address in 30 s")
	}
	host := strings.SplitN(strings.TrimPrefix(wsURL, "ws://"), "/", 2)[0]
	var page string
	for i := 0; i < 50 && page == ""; i++ {
		var targets []struct{ Type, WebSocketDebuggerURL string }
		if resp, err := http.Get("http://" + host + "/json/list"); err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
		}
		for _, t := range targets {
			if t.Type == "page" {
				page = t.WebSocketDebuggerURL
			}
		}
		if page == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if page == "" {
		b.close()
		return nil, fmt.Errorf("chromium has no page target")
	}
	if b.ws, err = websocket.Dial(page, "", "http://localhost"); err != nil {
		b.close()
		return nil, err
	}
	b.ws.MaxPayloadBytes = 64 << 20
	go b.read()
	for _, m := range []string{"Page.enable", "Runtime.enable"} {
		if _, err := b.call(m, nil); err != nil {
			b.close()
			return nil, err
		}
	}
	return b, nil
}

func (b *browser) close() {
	if b.ws != nil {
		b.ws.Close()
	}
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
	os.RemoveAll(b.dir)
}

func (b *browser) read() {
	for {
		var msg struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := websocket.JSON.Receive(b.ws, &msg); err != nil {
			return
		}
		if msg.ID == 0 {
			continue
		}
		b.mu.Lock()
		ch := b.waits[msg.ID]
		delete(b.waits, msg.ID)
		b.mu.Unlock()
		if ch != nil {
			if msg.Error != nil {
				ch <- json.RawMessage(`{"__error":` + string(msg.Error) + `}`)
			} else {
				ch <- msg.Result
			}
		}
	}
}

func (b *browser) call(method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.id++
	id := b.id
	ch := make(chan json.RawMessage, 1)
	b.waits[id] = ch
	b.mu.Unlock()
	if params == nil {
		params = map[string]any{}
	}
	if err := websocket.JSON.Send(b.ws, map[string]any{"id": id, "method": method, "params": params}); err != nil {
		return nil, fmt.Errorf("CDP %s: %w", method, err)
	}
	select {
	case r := <-ch:
		if strings.HasPrefix(string(r), `{"__error"`) {
			return nil, fmt.Errorf("CDP %s: %s", method, r)
		}
		return r, nil
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("CDP %s: no answer in 60 s", method)
	}
}

func (b *browser) eval(expr string) json.RawMessage {
	r, err := b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	if err != nil {
		return nil
	}
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

func (b *browser) evalString(expr string) string {
	var s string
	_ = json.Unmarshal(b.eval(expr), &s)
	return s
}

func (b *browser) waitFor(cond string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if string(b.eval("!!("+cond+")")) == "true" {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("timed out waiting for %s on %s", cond, b.evalString("location.href"))
}

// navigate loads url and waits until the new document has finished loading.
func (b *browser) navigate(url string) error {
	b.eval(`window.__navMark = 1`)
	if _, err := b.call("Page.navigate", map[string]any{"url": url}); err != nil {
		return err
	}
	return b.waitFor(`!window.__navMark && document.readyState === 'complete'`, 60*time.Second)
}
