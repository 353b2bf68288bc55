// Command loadgen drives the ingest API for ingest/bench.sh and prints one
// result line as JSON.
//
//	go run ./ingest/internal/loadgen --mode batch --url http://127.0.0.1:8080 --duration 60s
//
// Modes: batch (POST /v1/events with --batch events per request, as fast as
// --workers allow: events/s), single (one event per POST: requests/s), rate
// (one event per POST at a fixed --rate, open loop: latency p50/p99). With
// --pid it samples that process's VmRSS and reports it with VmHWM. Every
// event has a fresh event_id, so the dedup table never answers for Kafka.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// result is the line loadgen prints.
type result struct {
	Mode        string  `json:"mode"`
	Seconds     float64 `json:"seconds"`
	Requests    int64   `json:"requests"`
	Events      int64   `json:"events"`
	Failed      int64   `json:"failed_requests"`
	EventsPerS  float64 `json:"events_per_s"`
	RequestsPS  float64 `json:"requests_per_s"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxRSSMB    float64 `json:"rss_max_mb,omitempty"`
	HWMMB       float64 `json:"vmhwm_mb,omitempty"`
	EventBytes  int     `json:"event_bytes"`
	BatchEvents int     `json:"batch_events"`
}

// generator makes ~400-byte feedback.received events with unique ids by
// writing a counter into a template.
type generator struct {
	tmpl        []byte
	idOff, fOff int
	run         uint32
	n           atomic.Uint64
}

func newGenerator(size int) *generator {
	run := uint32(time.Now().UnixNano())
	base := `{"event_id":"%08x-0000-4000-8000-@@@@@@@@@@@@","event_type":"feedback.received","schema_version":1,"occurred_at":"2025-10-01T09:00:00+07:00","source":{"system":"hotline_1022","record_id":"HL-LOAD"},"locality":{"scheme":"2025","code":"18073"},"topics":["land"],"channel":"hotline_1022","feedback_id":"F-%08x-############","text":"TEXT"}`
	s := fmt.Sprintf(base, run, run)
	pad := size - len(s) + len("TEXT")
	filler := "Đề nghị xử lý bãi rác gây ô nhiễm ở thôn. "
	var text strings.Builder
	for text.Len() < pad {
		text.WriteString(filler)
	}
	t := text.String()[:max(pad-1, 0)]
	t = strings.ToValidUTF8(t, "")
	s = strings.Replace(s, "TEXT", strings.TrimSpace(t)+".", 1)
	g := &generator{tmpl: []byte(s), run: run}
	g.idOff = strings.Index(s, "@@@@@@@@@@@@")
	g.fOff = strings.Index(s, "############")
	return g
}

const hexdigits = "0123456789abcdef"

func (g *generator) appendEvent(dst []byte) []byte {
	n := g.n.Add(1)
	start := len(dst)
	dst = append(dst, g.tmpl...)
	for i := 11; i >= 0; i-- {
		d := hexdigits[n&15]
		dst[start+g.idOff+i] = d
		dst[start+g.fOff+i] = d
		n >>= 4
	}
	return dst
}

func main() {
	mode := flag.String("mode", "batch", "batch, single or rate")
	url := flag.String("url", "http://127.0.0.1:8080", "ingest base URL")
	dur := flag.Duration("duration", 60*time.Second, "how long to run")
	workers := flag.Int("workers", 0, "concurrent requests (default: batch 4, single 64)")
	batch := flag.Int("batch", 1000, "events per request in batch mode")
	size := flag.Int("event-bytes", 400, "approximate size of one event")
	rate := flag.Int("rate", 2000, "requests per second in rate mode")
	pid := flag.Int("pid", 0, "ingest process id to sample VmRSS/VmHWM from")
	flag.Parse()

	g := newGenerator(*size)
	one := g.appendEvent(nil)
	res := result{Mode: *mode, EventBytes: len(one), BatchEvents: 1}
	if *mode == "batch" {
		res.BatchEvents = *batch
	}
	if *workers == 0 {
		*workers = map[bool]int{true: 4, false: 64}[*mode == "batch"]
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}}

	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var rssMax atomic.Int64
	if *pid > 0 {
		go func() {
			for ctx.Err() == nil {
				if v := procKB(*pid, "VmRSS"); v > rssMax.Load() {
					rssMax.Store(v)
				}
				time.Sleep(250 * time.Millisecond)
			}
		}()
	}
	var reqs, events, failed atomic.Int64
	var latMu sync.Mutex
	var lats []time.Duration
	post := func(body []byte, n int) {
		t0 := time.Now()
		resp, err := client.Post(*url+"/v1/events", "application/json", bytes.NewReader(body))
		if err != nil {
			if ctx.Err() == nil {
				failed.Add(1)
			}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat := time.Since(t0)
		if resp.StatusCode != 200 {
			failed.Add(1)
			return
		}
		reqs.Add(1)
		events.Add(int64(n))
		latMu.Lock()
		lats = append(lats, lat)
		latMu.Unlock()
	}
	start := time.Now()
	var wg sync.WaitGroup
	switch *mode {
	case "batch", "single":
		n := 1
		if *mode == "batch" {
			n = *batch
		}
		for w := 0; w < *workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 0, n*(len(one)+1)+2)
				for ctx.Err() == nil {
					buf = buf[:0]
					if n > 1 {
						buf = append(buf, '[')
					}
					for i := 0; i < n; i++ {
						if i > 0 {
							buf = append(buf, ',')
						}
						buf = g.appendEvent(buf)
					}
					if n > 1 {
						buf = append(buf, ']')
					}
					post(buf, n)
				}
			}()
		}
	case "rate":
		interval := time.Second / time.Duration(*rate)
		next := time.Now()
		sem := make(chan struct{}, 2048)
		for ctx.Err() == nil {
			next = next.Add(interval)
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				post(g.appendEvent(nil), 1)
			}()
		}
	default:
		fmt.Fprintln(os.Stderr, "loadgen: --mode is batch, single or rate")
		os.Exit(2)
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	res.Seconds = el
	res.Requests, res.Events, res.Failed = reqs.Load(), events.Load(), failed.Load()
	res.EventsPerS, res.RequestsPS = float64(res.Events)/el, float64(res.Requests)/el
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	if len(lats) > 0 {
		res.P50ms = float64(lats[len(lats)/2].Microseconds()) / 1000
		res.P99ms = float64(lats[len(lats)*99/100].Microseconds()) / 1000
	}
	if *pid > 0 {
		res.MaxRSSMB = float64(rssMax.Load()) / 1024
		res.HWMMB = float64(procKB(*pid, "VmHWM")) / 1024
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
}

// procKB reads a "Name:  N kB" line of /proc/pid/status.
func procKB(pid int, name string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
