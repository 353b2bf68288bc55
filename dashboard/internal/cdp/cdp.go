// Package cdp is a minimal Chrome DevTools Protocol client for the
// dashboard's browser test and page-load benchmark: it starts Debian's
// headless Chromium, and navigates, evaluates and takes screenshots on one
// page. It needs no internet and no browser download.
package cdp

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/websocket"
)

// Browser is a headless Chromium driven through the Chrome DevTools Protocol,
// over one page. Its methods are safe for concurrent use.
type Browser struct {
	cmd   *exec.Cmd
	dir   string
	ws    *websocket.Conn
	mu    sync.Mutex
	id    int
	waits map[int]chan json.RawMessage
}

var devtoolsRe = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// Start launches bin (Debian's /usr/bin/chromium) headless with the flags
// this machine needs (no sandbox as root, no background networking) and an
// empty profile, and connects to its page. Close stops it.
func Start(bin string) (*Browser, error) {
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
	b := &Browser{cmd: cmd, dir: dir, waits: map[int]chan json.RawMessage{}}
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
		b.Close()
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
		b.Close()
		return nil, fmt.Errorf("chromium has no page target")
	}
	if b.ws, err = websocket.Dial(page, "", "http://localhost"); err != nil {
		b.Close()
		return nil, err
	}
	b.ws.MaxPayloadBytes = 64 << 20
	go b.read()
	for _, m := range []string{"Page.enable", "Runtime.enable"} {
		if _, err := b.Call(m, nil); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	if b.ws != nil {
		b.ws.Close()
	}
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
	os.RemoveAll(b.dir)
}

func (b *Browser) read() {
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

// Call sends one CDP command and returns its result.
func (b *Browser) Call(method string, params any) (json.RawMessage, error) {
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

// Eval evaluates expr in the page and returns its JSON value, or nil when
// it throws.
func (b *Browser) Eval(expr string) json.RawMessage {
	r, err := b.Call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
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

// EvalString evaluates expr and returns it as a string ("" if it is not one).
func (b *Browser) EvalString(expr string) string {
	var s string
	_ = json.Unmarshal(b.Eval(expr), &s)
	return s
}

// WaitFor polls the JavaScript condition cond until it is true.
func (b *Browser) WaitFor(cond string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if string(b.Eval("!!("+cond+")")) == "true" {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("timed out waiting for %s on %s", cond, b.EvalString("location.href"))
}

// Navigate loads url and waits until the new document has finished loading.
func (b *Browser) Navigate(url string) error {
	b.Eval(`window.__navMark = 1`)
	if _, err := b.Call("Page.navigate", map[string]any{"url": url}); err != nil {
		return err
	}
	return b.WaitFor(`!window.__navMark && document.readyState === 'complete'`, 60*time.Second)
}

// Screenshot saves the whole page as a PNG at path.
func (b *Browser) Screenshot(path string) error {
	r, err := b.Call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true})
	if err != nil {
		return err
	}
	var out struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(r, &out); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	png, err := base64.StdEncoding.DecodeString(out.Data)
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return os.WriteFile(path, png, 0o644)
}
