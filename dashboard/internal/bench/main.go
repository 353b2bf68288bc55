// Command bench measures the dashboard on a large demo data set (see
// dashboard/BENCHMARKS-dashboard.md). It has three phases, run separately so
// that only the measuring ones are wrapped in flock:
//
//	go run ./dashboard/internal/bench load -events 10000000 -db dvpulse_bench10m
//	flock /tmp/dvpulse-bench.lock go run ./dashboard/internal/bench http -url … -token …
//	flock /tmp/dvpulse-bench.lock go run ./dashboard/internal/bench page -url … -user … -password …
//
// load writes demo events (every kind, with lifecycles) to a private Kafka
// topic and runs the real projector (`dvpulse projector` built from this
// tree) until the events table holds them all; it is resumable. http runs
// concurrent clients against every /api/v1 indicator endpoint with random
// filters. page times the overview page in headless chromium.
package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

func logf(format string, a ...any) { fmt.Printf(time.Now().Format("15:04:05 ")+format+"\n", a...) }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench load|http|page [options] (each takes --help)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "load":
		err = runLoad(os.Args[2:])
	case "http":
		err = runHTTP(os.Args[2:])
	case "page":
		err = runPage(os.Args[2:])
	default:
		err = fmt.Errorf("unknown phase %q (load, http, page)", os.Args[1])
	}
	if err != nil {
		msg := err.Error()
		if len(msg) > 800 {
			msg = msg[:800] + "…"
		}
		fmt.Fprintln(os.Stderr, "bench:", strings.TrimSpace(msg))
		os.Exit(1)
	}
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if i := strings.IndexByte(l, ':'); i > 0 {
				return strings.TrimSpace(l[i+1:])
			}
		}
	}
	return "unknown CPU"
}
