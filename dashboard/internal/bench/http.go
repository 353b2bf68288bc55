package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"dvpulse/event"
	"dvpulse/locality"
)

// endpoints are every indicator endpoint of /api/v1 (meta and openapi are
// not indicators). "cases" is /cases/{id} with ids read from the explorer.
var endpoints = []string{
	"feedback/volume", "overview", "hotspots",
	"sentiment/series", "sentiment/topics", "sentiment/localities", "sentiment/drivers",
	"feedback", "cases", "localities",
	"dialogues", "dialogues/hosts", "dialogues/issues", "dialogues/commitments",
	"models", "models/localities", "models/years",
}

// searchTerms are explorer searches, with and without diacritics.
var searchTerms = []string{
	"rác", "rac thai", "đất", "dat dai", "Hương Khê", "huong khe", "học phí", "hoc phi",
	"ngập", "ngap lut", "giải phóng mặt bằng", "giai phong mat bang", "ô nhiễm", "o nhiem", "đường", "duong",
}

type sample struct {
	ep   string
	path string
	d    time.Duration
	code int
	err  bool
}

type filterGen struct {
	topics, channels, localities []string
	today                        time.Time
	days                         int
}

func newFilterGen(days int) (*filterGen, error) {
	reg, err := locality.Load("42")
	if err != nil {
		return nil, err
	}
	g := &filterGen{topics: event.Topics.Codes(), channels: event.Channels.Codes(), days: days}
	for _, u := range reg.Units(locality.Scheme2025) {
		g.localities = append(g.localities, "c:"+u.Code)
	}
	for _, d := range reg.Districts() {
		g.localities = append(g.localities, "d:"+d.Code)
	}
	for _, u := range reg.Units(locality.SchemePre2025) {
		g.localities = append(g.localities, "p:"+u.Code)
	}
	now := time.Now().In(hanoi)
	g.today = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, hanoi)
	return g, nil
}

// query returns random mixed filters: a period kind, granularity, and
// sometimes a locality (c:, d:, p:), topic and channel.
func (g *filterGen) query(r *rand.Rand) url.Values {
	q := url.Values{}
	years := []int{g.today.Year(), g.today.Year() - 1}
	switch r.IntN(6) {
	case 0: // custom: a random range within the data
		span := []int{7, 30, 90, 180, 365, g.days}[r.IntN(6)]
		end := g.today.AddDate(0, 0, -r.IntN(max(g.days-span, 1)))
		q.Set("period", "custom")
		q.Set("from", end.AddDate(0, 0, -span+1).Format("2006-01-02"))
		q.Set("to", end.Format("2006-01-02"))
	case 1:
		q.Set("period", "month")
		q.Set("year", strconv.Itoa(years[r.IntN(2)]))
		q.Set("n", strconv.Itoa(1+r.IntN(12)))
	case 2:
		q.Set("period", "quarter")
		q.Set("year", strconv.Itoa(years[r.IntN(2)]))
		q.Set("n", strconv.Itoa(1+r.IntN(4)))
	case 3:
		q.Set("period", "half")
		q.Set("year", strconv.Itoa(years[r.IntN(2)]))
	case 4:
		q.Set("period", "nine")
		q.Set("year", strconv.Itoa(years[r.IntN(2)]))
	default:
		q.Set("period", "year")
		q.Set("year", strconv.Itoa(years[r.IntN(2)]))
	}
	q.Set("granularity", []string{"day", "week", "month", "quarter"}[r.IntN(4)])
	if r.IntN(2) == 0 {
		q.Set("locality", g.localities[r.IntN(len(g.localities))])
	}
	if r.IntN(3) == 0 {
		q.Set("topic", g.topics[r.IntN(len(g.topics))])
	}
	if r.IntN(4) == 0 {
		q.Set("channel", g.channels[r.IntN(len(g.channels))])
	}
	if r.IntN(4) == 0 {
		q.Set("lang", "en")
	}
	return q
}

func runHTTP(args []string) error {
	fs := flag.NewFlagSet("http", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8081", "dashboard base URL")
	token := fs.String("token", os.Getenv("DVPULSE_BENCH_TOKEN"), "API token (or env DVPULSE_BENCH_TOKEN)")
	clients := fs.Int("clients", 20, "concurrent clients")
	duration := fs.Duration("duration", 60*time.Second, "length of the run")
	days := fs.Int("days", 730, "days of data (custom periods are drawn from them)")
	seed := fs.Uint64("seed", 1, "random seed of the filters")
	only := fs.String("only", "", "comma-separated endpoints to run (default all)")
	out := fs.String("json", "", "write the results as JSON to this file")
	rate := fs.Float64("rate", 0, "open loop: send this many requests per second (Poisson arrivals, whatever the answers' speed; latency counted from each request's planned start) instead of -clients closed-loop clients; 0: closed loop")
	each := fs.String("requests", "", "write every request to this file: milliseconds, status and path, tab-separated (to look into one endpoint's slow requests)")
	_ = fs.Parse(args)
	if *token == "" {
		return fmt.Errorf("give -token (dvpulse users token create …)")
	}
	eps := endpoints
	if *only != "" {
		eps = strings.Split(*only, ",")
	}
	g, err := newFilterGen(*days)
	if err != nil {
		return err
	}
	idle := *clients * 2
	if *rate > 0 {
		idle = 200
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: idle}}
	get := func(path string) (int, []byte, error) {
		req, _ := http.NewRequest("GET", *base+"/api/v1/"+path, nil)
		req.Header.Set("Authorization", "Bearer "+*token)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	// Case ids for /cases/{id}: from explorer pages (not measured).
	var ids []string
	rr := rand.New(rand.NewPCG(*seed, 7))
	for i := 0; i < 30 && len(ids) < 300; i++ {
		q := g.query(rr)
		q.Del("topic")
		q.Del("channel")
		q.Set("page", strconv.Itoa(1+rr.IntN(20)))
		code, b, err := get("feedback?" + q.Encode())
		if err != nil || code != 200 {
			return fmt.Errorf("collecting case ids: %d %v %s", code, err, b)
		}
		var resp struct {
			Rows []struct {
				ID string `json:"feedback_id"`
			} `json:"rows"`
		}
		_ = json.Unmarshal(b, &resp)
		for _, r := range resp.Rows {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return fmt.Errorf("no feedback cases found")
	}
	if *rate > 0 {
		logf("%d case ids collected; open loop, %.0f requests/s × %s over %d endpoints, random filters", len(ids), *rate, *duration, len(eps))
	} else {
		logf("%d case ids collected; %d clients × %s over %d endpoints, random filters", len(ids), *clients, *duration, len(eps))
	}

	// pick draws a request: an endpoint and its path with random filters.
	pick := func(r *rand.Rand) (ep, path string) {
		ep = eps[r.IntN(len(eps))]
		path = ep
		q := g.query(r)
		switch ep {
		case "cases":
			path = "cases/" + ids[r.IntN(len(ids))]
			q = url.Values{}
		case "feedback":
			if r.IntN(2) == 0 {
				q.Set("q", searchTerms[r.IntN(len(searchTerms))])
			}
			q.Set("sort", []string{"newest", "oldest", "score"}[r.IntN(3)])
			if r.IntN(3) == 0 {
				q.Set("page", strconv.Itoa(2+r.IntN(5)))
			}
		case "localities":
			q.Set("sort", []string{"received", "negative", "index", "resolution", "deadline", "dialogues", "models", "name"}[r.IntN(8)])
		}
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		return ep, path
	}

	var mu sync.Mutex
	var samples []sample
	var wg sync.WaitGroup
	deadline := time.Now().Add(*duration)
	start := time.Now()
	if *rate > 0 {
		samples = openLoop(*rate, *duration, rand.New(rand.NewPCG(*seed, 99)), pick, get)
		if *each != "" {
			if err := writeRequests(*each, samples); err != nil {
				return err
			}
		}
		return report(samples, eps, time.Since(start), *out)
	}
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(*seed, uint64(c)+100))
			var local []sample
			for time.Now().Before(deadline) {
				ep, path := pick(r)
				t0 := time.Now()
				code, _, err := get(path)
				d := time.Since(t0)
				local = append(local, sample{ep: ep, path: path, d: d, code: code, err: err != nil || code != 200})
				if (err != nil || code != 200) && len(local) < 5000 {
					fmt.Fprintf(os.Stderr, "error: %s → %d %v\n", path, code, err)
				}
			}
			mu.Lock()
			samples = append(samples, local...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if *each != "" {
		if err := writeRequests(*each, samples); err != nil {
			return err
		}
	}
	return report(samples, eps, elapsed, *out)
}

type epResult struct {
	Endpoint string  `json:"endpoint"`
	Count    int     `json:"count"`
	Errors   int     `json:"errors"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
}

func summarise(name string, ds []time.Duration, errs int) epResult {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	q := func(p float64) float64 {
		if len(ds) == 0 {
			return 0
		}
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) / 1000
	}
	res := epResult{Endpoint: name, Count: len(ds), Errors: errs, P50: q(0.5), P95: q(0.95), P99: q(0.99)}
	if len(ds) > 0 {
		res.Max = float64(ds[len(ds)-1].Microseconds()) / 1000
	}
	return res
}

func report(samples []sample, eps []string, elapsed time.Duration, out string) error {
	by := map[string][]time.Duration{}
	errs := map[string]int{}
	var all []time.Duration
	total := 0
	for _, s := range samples {
		by[s.ep] = append(by[s.ep], s.d)
		all = append(all, s.d)
		if s.err {
			errs[s.ep]++
			total++
		}
	}
	var rows []epResult
	fmt.Printf("\n| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms | errors |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, ep := range eps {
		r := summarise(ep, by[ep], errs[ep])
		rows = append(rows, r)
		name := "/api/v1/" + ep
		if ep == "cases" {
			name = "/api/v1/cases/{id}"
		}
		fmt.Printf("| %s | %d | %.1f | %.1f | %.1f | %.1f | %d |\n", name, r.Count, r.P50, r.P95, r.P99, r.Max, r.Errors)
	}
	o := summarise("all", all, total)
	rows = append(rows, o)
	fmt.Printf("| **all** | %d | %.1f | **%.1f** | %.1f | %.1f | %d |\n\n", o.Count, o.P50, o.P95, o.P99, o.Max, o.Errors)
	logf("%d requests in %s (%.0f requests/s), %d errors; overall p95 %.1f ms", o.Count, elapsed.Round(time.Millisecond), float64(o.Count)/elapsed.Seconds(), total, o.P95)
	if out != "" {
		b, _ := json.MarshalIndent(rows, "", "  ")
		return os.WriteFile(out, b, 0o644)
	}
	return nil
}

// writeRequests writes one line per request: milliseconds, HTTP status
// (0 when it failed) and path, tab-separated.
func writeRequests(name string, samples []sample) error {
	var b strings.Builder
	for _, s := range samples {
		fmt.Fprintf(&b, "%.1f\t%d\t%s\n", float64(s.d.Microseconds())/1000, s.code, s.path)
	}
	return os.WriteFile(name, []byte(b.String()), 0o644)
}

// openLoop sends requests at rate per second for d, with exponential gaps
// (Poisson arrivals), each on its own goroutine whatever the answers'
// speed: the load of many independent users rather than of a fixed number
// of clients that wait for each answer. A request's latency counts from
// its planned start, so a sender that falls behind does not hide the
// delay. At most 2,000 requests are in flight; more count as errors.
func openLoop(rate float64, d time.Duration, r *rand.Rand, pick func(*rand.Rand) (string, string), get func(string) (int, []byte, error)) []sample {
	var mu sync.Mutex
	var samples []sample
	var wg sync.WaitGroup
	slots := make(chan struct{}, 2000)
	start := time.Now()
	next := start
	for next.Sub(start) < d {
		ep, path := pick(r)
		planned := next
		next = next.Add(time.Duration(r.ExpFloat64() / rate * float64(time.Second)))
		time.Sleep(time.Until(planned))
		select {
		case slots <- struct{}{}:
		default:
			mu.Lock()
			samples = append(samples, sample{ep: ep, path: path, err: true})
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			code, _, err := get(path)
			s := sample{ep: ep, path: path, d: time.Since(planned), code: code, err: err != nil || code != 200}
			mu.Lock()
			samples = append(samples, s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return samples
}
