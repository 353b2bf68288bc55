package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"dvpulse/event"
)

// Sender posts events to an ingest API in batches, retrying a batch that
// gets 503 (same event_ids, so retries are safe).
type Sender struct {
	URL    string // e.g. http://127.0.0.1:8080
	Client *http.Client
	// Progress, when set, receives a line per batch.
	Progress io.Writer
}

// ingestAnswer is the part of ingest's response the sender reads.
type ingestAnswer struct {
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	Results  []struct {
		Index  int                `json:"index"`
		Status string             `json:"status"`
		Errors []event.FieldError `json:"errors"`
	} `json:"results"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Send posts events in batches of size batch and returns how many ingest
// accepted. A rejected event is an error: demo data must all be valid.
func (s *Sender) Send(ctx context.Context, events []*event.Event, batch int) (int, error) {
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	accepted := 0
	start := time.Now()
	for lo := 0; lo < len(events); lo += batch {
		hi := min(lo+batch, len(events))
		body, err := json.Marshal(events[lo:hi])
		if err != nil {
			return accepted, err
		}
		ans, err := s.post(ctx, client, body)
		if err != nil {
			return accepted, fmt.Errorf("events %d–%d: %w", lo, hi-1, err)
		}
		if ans.Rejected > 0 {
			for _, r := range ans.Results {
				if r.Status != "accepted" {
					return accepted, fmt.Errorf("event %d rejected: %v", lo+r.Index, r.Errors)
				}
			}
		}
		accepted += ans.Accepted
		if s.Progress != nil {
			fmt.Fprintf(s.Progress, "\rsent %d/%d events (%.0f/s)", hi, len(events), float64(hi)/time.Since(start).Seconds())
		}
	}
	if s.Progress != nil {
		fmt.Fprintln(s.Progress)
	}
	return accepted, nil
}

func (s *Sender) post(ctx context.Context, client *http.Client, body []byte) (*ingestAnswer, error) {
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/v1/events", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			if attempt >= 10 {
				return nil, fmt.Errorf("ingest at %s not reachable (is it running? `dvpulse all` starts it): %w", s.URL, err)
			}
		} else {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr != nil {
				return nil, rerr
			}
			var ans ingestAnswer
			if err := json.Unmarshal(b, &ans); err != nil {
				return nil, fmt.Errorf("ingest answered %s with a body that is not JSON: %.200s", resp.Status, b)
			}
			switch {
			case resp.StatusCode < 300:
				return &ans, nil
			case resp.StatusCode == http.StatusServiceUnavailable && attempt < 30:
				// Kafka not ready yet, or ingest still starting: retry.
			default:
				msg := resp.Status
				if ans.Error != nil {
					msg += ": " + ans.Error.Message
				}
				if resp.StatusCode == http.StatusUnprocessableEntity && len(ans.Results) > 0 {
					msg += fmt.Sprintf(": %v", ans.Results[0].Errors)
				}
				return nil, fmt.Errorf("ingest answered %s", msg)
			}
		}
		wait := time.Second
		if resp != nil {
			if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n > 0 && n < 30 {
				wait = time.Duration(n) * time.Second
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}
