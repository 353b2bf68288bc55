package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"dvpulse/demo"
	"dvpulse/event"
	"dvpulse/internal/config"
	"dvpulse/locality"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvpulse demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("ingest-url", "http://127.0.0.1:8080", "base URL of the ingest API")
	n := fs.Int("events", 3000, "number of events to send (at least; a unit's events are sent together)")
	kind := fs.String("kind", "mixed", "mixed: every event type, feedback cases with their lifecycle, dialogues, models, campaigns…; feedback: only feedback.received")
	days := fs.Int("days", 180, "spread the events over this many days up to today")
	seed := fs.Uint64("seed", 1, "random seed; the same seed sends the same events (same event_ids)")
	batch := fs.Int("batch", 500, "events per request")
	province := fs.String("province", "42", "province whose commune codes the events use")
	fs.Usage = config.Usage(fs, "dvpulse demo [options]", `Sends realistic demo events through the ingest API: feedback cases with
their lifecycle (received, assigned, answered or resolved, sometimes
reopened), dialogues with the issues raised and the commitments made and kept,
Dân vận khéo models, campaign activity, criticism sessions and situation
reports; real commune codes of the province (2025 and pre-2025 schemes),
Vietnamese texts, the domain's topics and channels, times spread over recent
months. Running it twice with the same seed sends the same events again
(same event_ids), so nothing is counted twice.`)
	if err := config.Parse(fs, args, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	if *n < 1 || *batch < 1 || *days < 1 {
		fmt.Fprintln(stderr, "dvpulse demo: --events, --batch and --days must be at least 1")
		return 2
	}
	reg, err := locality.Load(*province)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse demo:", err)
		return 2
	}
	gen := demo.NewGenerator(reg, *seed, time.Now().In(demoZone()), *days)
	var events []*event.Event
	switch *kind {
	case "mixed":
		events = gen.Units(*n)
	case "feedback":
		events = make([]*event.Event, *n)
		for i := range events {
			events[i] = gen.Feedback(i)
		}
	default:
		fmt.Fprintf(stderr, "dvpulse demo: --kind %q: use mixed or feedback\n", *kind)
		return 2
	}
	byType := map[string]int{}
	for _, e := range events {
		byType[e.EventType]++
	}
	s := &demo.Sender{URL: *url, Progress: stderr}
	accepted, err := s.Send(ctx, events, *batch)
	if err != nil {
		fmt.Fprintln(stderr, "\ndvpulse demo:", err)
		return 1
	}
	fmt.Fprintf(stdout, "demo: %d events accepted by %s (%d feedback.received)\n", accepted, *url, byType["feedback.received"])
	return 0
}

func demoZone() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}
