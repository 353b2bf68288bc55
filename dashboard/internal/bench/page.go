package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"dvpulse/dashboard/internal/cdp"
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
	b, err := cdp.Start(*bin)
	if err != nil {
		return err
	}
	defer b.Close()
	if _, err := b.Call("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": chartsDoneScript}); err != nil {
		return err
	}
	if err := b.Navigate(*base + "/login?lang=vi"); err != nil {
		return err
	}
	js, _ := json.Marshal(*user)
	jp, _ := json.Marshal(*password)
	b.Eval(`document.querySelector('input[name=username]').value=` + string(js) + `;
		document.querySelector('input[name=password]').value=` + string(jp) + `;
		document.getElementById('login').submit(); true`)
	if err := b.WaitFor(`document.getElementById('username') && document.readyState === 'complete'`, 30*time.Second); err != nil {
		return fmt.Errorf("sign-in failed: %w", err)
	}
	logf("signed in as %s; loading %s%s %d times per mode", b.EvalString(`document.getElementById('username').textContent`), *base, *path, *runs)
	type run struct{ load, charts float64 }
	results := map[string][]run{}
	for _, mode := range []string{"cold", "warm"} {
		if _, err := b.Call("Network.enable", nil); err != nil {
			return err
		}
		if _, err := b.Call("Network.setCacheDisabled", map[string]any{"cacheDisabled": mode == "cold"}); err != nil {
			return err
		}
		if mode == "warm" { // prime the cache
			if err := b.Navigate(*base + *path); err != nil {
				return err
			}
		}
		for i := 0; i < *runs; i++ {
			if err := b.Navigate(*base + *path); err != nil {
				return err
			}
			if err := b.WaitFor(`window.__chartsAt || (!document.getElementById('chart-data') && performance.getEntriesByType('navigation')[0].loadEventEnd > 0)`, 30*time.Second); err != nil {
				return err
			}
			if err := b.WaitFor(`performance.getEntriesByType('navigation')[0].loadEventEnd > 0`, 30*time.Second); err != nil {
				return err
			}
			var v struct {
				Load, Charts float64
				State        string
				Res          int
			}
			_ = json.Unmarshal(b.Eval(`({Load: performance.getEntriesByType('navigation')[0].loadEventEnd,
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
