package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"dvpulse/event"
	"dvpulse/ingest"
)

// Sender posts events to ingest's POST /v1/events.
//
// A batch is retried, with the same event_ids, when ingest answers 429 (the
// write key's rate limit), 502, 503 or 504 or cannot be reached: after 1 s, 2 s, 4 s … up to MaxBackoff, or
// after Retry-After when ingest asks for longer, until RetryFor has passed.
// Only the events that ingest did not settle are resent. A 413 splits the
// batch in two. Per-event rejections come back as results, not errors; an
// error means the events without a result were not sent.
type Sender struct {
	URL   string // base URL, e.g. http://127.0.0.1:8080
	Token string // write key sent as "Authorization: Bearer"; none when empty
	// Client defaults to an http.Client with a 60 s timeout.
	Client *http.Client
	// RetryFor bounds how long one batch is retried. Default 2 minutes.
	RetryFor time.Duration
	// MaxBackoff caps one wait, including Retry-After. Default 30 s.
	MaxBackoff time.Duration
	// Log, when set, receives a line for each retry.
	Log func(format string, args ...any)

	sleep func(ctx context.Context, d time.Duration) error // tests
}

// sendResult is ingest's verdict on one event.
type sendResult struct {
	done     bool // ingest settled the event (accepted or rejected)
	accepted bool
	errs     []event.FieldError
}

// ErrUnauthorized is wrapped when ingest refuses the write key.
var ErrUnauthorized = errors.New("importer: ingest refused the token")

// send posts evs and returns one result per event. On error, events whose
// result is not done were not sent.
func (s *Sender) send(ctx context.Context, evs []json.RawMessage) ([]sendResult, error) {
	res := make([]sendResult, len(evs))
	idx := make([]int, len(evs))
	for i := range idx {
		idx[i] = i
	}
	return res, s.sendSome(ctx, evs, idx, res)
}

func (s *Sender) sendSome(ctx context.Context, evs []json.RawMessage, pending []int, res []sendResult) error {
	retryFor := s.RetryFor
	if retryFor <= 0 {
		retryFor = 2 * time.Minute
	}
	maxWait := s.MaxBackoff
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	sleep := s.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	var waited time.Duration
	for attempt := 1; len(pending) > 0; attempt++ {
		status, ans, retryAfter, err := s.post(ctx, evs, pending)
		var why string
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			why = fmt.Sprintf("ingest at %s not reachable: %v", s.URL, err)
		case status == http.StatusRequestEntityTooLarge && len(pending) > 1:
			half := len(pending) / 2
			if err := s.sendSome(ctx, evs, pending[:half], res); err != nil {
				return err
			}
			return s.sendSome(ctx, evs, pending[half:], res)
		case status < 300, status == http.StatusUnprocessableEntity, status == http.StatusServiceUnavailable:
			var left []int
			if len(ans.Results) == 0 {
				left = pending
			}
			for _, r := range ans.Results {
				if r.Index < 0 || r.Index >= len(pending) {
					return fmt.Errorf("ingest answered %d with a result for event %d of %d", status, r.Index, len(pending))
				}
				i := pending[r.Index]
				switch r.Status {
				case ingest.StatusAccepted:
					res[i] = sendResult{done: true, accepted: true}
				case ingest.StatusRejected:
					res[i] = sendResult{done: true, errs: r.Errors}
				default:
					left = append(left, i)
				}
			}
			if status != http.StatusServiceUnavailable {
				if len(left) > 0 {
					return fmt.Errorf("ingest answered %d without a result for %d events", status, len(left))
				}
				return nil
			}
			pending = left
			why = "ingest answered 503 Service Unavailable" + ans.message()
		case status == http.StatusBadGateway, status == http.StatusGatewayTimeout, status == http.StatusTooManyRequests:
			why = fmt.Sprintf("ingest answered %d %s%s", status, http.StatusText(status), ans.message())
		case status == http.StatusUnauthorized, status == http.StatusForbidden:
			return fmt.Errorf("%w: %d %s%s; check --token", ErrUnauthorized, status, http.StatusText(status), ans.message())
		default:
			return fmt.Errorf("ingest answered %d %s%s", status, http.StatusText(status), ans.message())
		}
		if len(pending) == 0 {
			return nil
		}
		wait := min(time.Second<<min(attempt-1, 10), maxWait)
		if retryAfter > wait {
			wait = min(retryAfter, maxWait)
		}
		if waited+wait > retryFor {
			return fmt.Errorf("gave up after %s of retries: %s", waited.Round(time.Second), why)
		}
		if s.Log != nil {
			s.Log("%s; retrying %d events in %s (attempt %d)", why, len(pending), wait, attempt+1)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		waited += wait
	}
	return nil
}

type answer struct{ ingest.Response }

func (a *answer) message() string {
	if a.Error != nil && a.Error.Message != "" {
		return ": " + a.Error.Message
	}
	return ""
}

// post sends the pending events as one JSON array.
func (s *Sender) post(ctx context.Context, evs []json.RawMessage, pending []int) (int, *answer, time.Duration, error) {
	var body bytes.Buffer
	body.WriteByte('[')
	for j, i := range pending {
		if j > 0 {
			body.WriteByte(',')
		}
		body.Write(evs[i])
	}
	body.WriteByte(']')
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.URL, "/")+"/v1/events", &body)
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, 0, fmt.Errorf("read ingest's answer: %w", err)
	}
	ans := &answer{}
	if len(bytes.TrimSpace(b)) > 0 && json.Unmarshal(b, &ans.Response) != nil {
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			ans = &answer{} // a proxy's error page
		} else {
			return 0, nil, 0, fmt.Errorf("ingest answered %s with a body that is not JSON: %.200q", resp.Status, b)
		}
	}
	return resp.StatusCode, ans, retryAfter(resp.Header.Get("Retry-After")), nil
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
