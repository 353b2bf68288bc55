package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"dvpulse/event"
	"dvpulse/internal/svc"
)

// Result is the outcome of one event in a request.
type Result struct {
	Index   int                `json:"index"`
	EventID string             `json:"event_id,omitempty"`
	Status  string             `json:"status"` // accepted, rejected or unavailable
	Errors  []event.FieldError `json:"errors,omitempty"`
}

// Response is the body of every answer to POST /v1/events and
// POST /v1/events/ndjson.
type Response struct {
	Accepted    int           `json:"accepted"`
	Rejected    int           `json:"rejected"`
	Unavailable int           `json:"unavailable,omitempty"`
	Results     []Result      `json:"results,omitempty"`
	Error       *RequestError `json:"error,omitempty"`
}

// RequestError is a problem with the request as a whole.
type RequestError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Index   *int   `json:"index,omitempty"`
	Field   string `json:"field,omitempty"`
}

// Status values of a Result.
const (
	StatusAccepted    = "accepted"
	StatusRejected    = "rejected"
	StatusUnavailable = "unavailable"
)

// Option changes how NewServer builds a Server.
type Option func(*Server)

// WithDeadLetterPublisher sets the publisher of the dead-letter topic.
// Without it rejected events are only logged and listed in memory.
func WithDeadLetterPublisher(p Publisher) Option { return func(s *Server) { s.dlq = p } }

// WithKeyStore sets the write keys; by default NewServer loads
// Config.KeysFile in Config.Auth mode.
func WithKeyStore(ks *KeyStore) Option { return func(s *Server) { s.keys = ks } }

// WithDedup sets the event_id memory; by default NewServer builds one from
// Config.DedupWindow and Config.DedupMaxIDs. Servers sharing one Dedup
// deduplicate across each other.
func WithDedup(d *Dedup) Option { return func(s *Server) { s.dedup, s.dedupSet = d, true } }

// withClock sets the clock (tests).
func withClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// Server is the ingest HTTP service. Its handlers are safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	dec      *event.Decoder
	pub      Publisher
	dlq      Publisher
	keys     *KeyStore
	limiter  rateLimiter
	dedup    *Dedup
	dedupSet bool
	dead     *deadLetterIndex
	m        *metrics
	health   *svc.Health
	httpm    *svc.HTTPMetrics
	now      func() time.Time
	handler  http.Handler
	sources  map[string]bool // known source systems (metric labels)
	types    map[string]bool // known event types (metric labels)
}

// NewServer builds the service around pub. reg receives its metrics and
// health tracks readiness.
func NewServer(cfg Config, log *slog.Logger, dec *event.Decoder, pub Publisher, reg prometheus.Registerer, health *svc.Health, opts ...Option) *Server {
	s := &Server{cfg: cfg, log: log, dec: dec, pub: pub, health: health, now: time.Now,
		httpm: svc.NewHTTPMetrics(reg, "ingest"), dead: newDeadLetterIndex(cfg.DeadLetterKeep, 64)}
	for _, o := range opts {
		o(s)
	}
	if s.keys == nil {
		ks, err := NewKeyStore(cfg.KeysFile, cfg.Auth)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			log.Error("ingest keys file unreadable: every request gets 401 until it is fixed", "file", cfg.KeysFile, "err", err)
		}
		s.keys = ks
	}
	if !s.dedupSet {
		s.dedup = NewDedup(cfg.DedupWindow, cfg.DedupMaxIDs, s.now)
	}
	s.sources = map[string]bool{"demo": true, "test": true, unknownSource: true}
	for _, c := range event.Channels.Codes() {
		s.sources[c] = true
	}
	s.types = map[string]bool{}
	for _, t := range event.Types() {
		s.types[t] = true
	}
	s.m = newMetrics(reg, s.dedup)

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), s.httpm.Middleware())
	health.GinHealth(r)
	r.POST("/v1/events", s.handle(s.postEvents))
	r.POST("/v1/events/ndjson", s.handle(s.postNDJSON))
	r.GET("/v1/deadletters", s.handle(s.getDeadLetters))
	r.GET("/v1/openapi.json", s.getOpenAPI)
	r.GET("/v1/schemas", s.getSchemas)
	r.GET("/v1/schemas/:type/:version", s.handle(s.getSchema))
	r.NoRoute(s.handle(func(c *gin.Context) error {
		return &apiError{status: http.StatusNotFound, code: "not_found", msg: "no such endpoint; see GET /v1/openapi.json"}
	}))
	s.handler = r
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// apiError is what a handler returns to answer with an error status. It is
// turned into a response in one place, Server.writeError.
type apiError struct {
	status     int
	code, msg  string
	index      *int
	field      string
	retryAfter time.Duration
	resp       *Response // partial results to send with the error, if any
	err        error
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }
func (e *apiError) Unwrap() error { return e.err }

// handle adapts an error-returning handler.
func (s *Server) handle(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeError(c, err)
		}
	}
}

// writeError maps a handler's error to its HTTP answer: an *apiError gives
// its own status and code, anything else is a logged 500.
func (s *Server) writeError(c *gin.Context, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		s.log.Error("ingest request failed", "path", c.Request.URL.Path, "err", err)
		ae = &apiError{status: http.StatusInternalServerError, code: "internal", msg: "internal error; see the ingest log"}
	}
	if ae.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(ae.retryAfter.Seconds()))))
	}
	if ae.status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="dvpulse-ingest"`)
	}
	var resp Response
	if ae.resp != nil {
		resp = *ae.resp
	}
	resp.Error = &RequestError{Code: ae.code, Message: ae.msg, Index: ae.index, Field: ae.field}
	c.JSON(ae.status, resp)
}

var errNotReady = &apiError{status: http.StatusServiceUnavailable, code: "not_ready",
	msg: "ingest is starting or shutting down; retry shortly", retryAfter: 5 * time.Second}

// admit authenticates and rate-limits a request. It returns the caller's
// key, nil when keys are not enforced.
func (s *Server) admit(c *gin.Context) (*WriteKey, error) {
	var key *WriteKey
	if s.keys.Enforced() {
		h := c.GetHeader("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			s.m.authFailures.WithLabelValues("missing_token").Inc()
			return nil, &apiError{status: http.StatusUnauthorized, code: "unauthorized",
				msg: "this ingest requires a write key: send Authorization: Bearer <token> (ask the operator for a key: dvpulse keys create)"}
		}
		if key = s.keys.Lookup(strings.TrimSpace(token)); key == nil {
			s.m.authFailures.WithLabelValues("invalid_token").Inc()
			return nil, &apiError{status: http.StatusUnauthorized, code: "unauthorized",
				msg: "unknown or revoked write key"}
		}
		if ok, wait := s.limiter.allow(key, s.now()); !ok {
			s.m.rateLimited.WithLabelValues(key.Name).Inc()
			return nil, &apiError{status: http.StatusTooManyRequests, code: "rate_limited", retryAfter: max(wait, time.Second),
				msg: fmt.Sprintf("key %s is limited to %g requests/s (burst %d); retry after the Retry-After seconds", key.Name, key.Rate, key.Burst)}
		}
	}
	return key, nil
}

func (s *Server) postEvents(c *gin.Context) error {
	key, err := s.admit(c)
	if err != nil {
		return err
	}
	if !s.health.Ready() {
		return errNotReady
	}
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "text/json") {
		return &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
			msg: fmt.Sprintf("Content-Type %q is not accepted; send application/json (one event object or an array of events), or NDJSON to /v1/events/ndjson", c.GetHeader("Content-Type"))}
	}
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	raws, rerr := splitEvents(body)
	if rerr != nil {
		return &apiError{status: http.StatusBadRequest, code: "malformed_json", msg: rerr.msg, index: rerr.index}
	}
	if len(raws) > s.cfg.MaxBatch {
		return &apiError{status: http.StatusRequestEntityTooLarge, code: "batch_too_large",
			msg: fmt.Sprintf("%d events in one request; at most %d", len(raws), s.cfg.MaxBatch)}
	}
	s.m.batchSize.WithLabelValues("events").Observe(float64(len(raws)))
	items := make([]item, len(raws))
	for i, raw := range raws {
		items[i] = item{index: i, raw: raw}
	}
	b := s.newBatch(key, len(items))
	s.processChunk(c.Request.Context(), b, items)
	s.answer(c, b)
	return nil
}

// readBody reads a POST /v1/events body, gunzipping it when
// Content-Encoding is gzip, within MaxBodyBytes.
func (s *Server) readBody(c *gin.Context) ([]byte, error) {
	limit := s.cfg.MaxBodyBytes
	tooLarge := &apiError{status: http.StatusRequestEntityTooLarge, code: "body_too_large",
		msg: fmt.Sprintf("request body is over the %d-byte limit; split it into smaller batches, or stream NDJSON to /v1/events/ndjson", limit)}
	var r io.Reader = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	gz, err := contentEncoding(c)
	if err != nil {
		return nil, err
	}
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, badGzip(err)
		}
		defer zr.Close()
		r = io.LimitReader(zr, limit+1)
	}
	body, err := io.ReadAll(r)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil && gz:
		return nil, badGzip(err)
	case err != nil:
		return nil, &apiError{status: http.StatusBadRequest, code: "read_error", msg: "could not read the request body: " + err.Error(), err: err}
	case int64(len(body)) > limit:
		return nil, tooLarge
	}
	return body, nil
}

func contentEncoding(c *gin.Context) (gzip bool, err error) {
	switch ce := strings.ToLower(strings.TrimSpace(c.GetHeader("Content-Encoding"))); ce {
	case "", "identity":
		return false, nil
	case "gzip", "x-gzip":
		return true, nil
	default:
		return false, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_encoding",
			msg: fmt.Sprintf("Content-Encoding %q is not accepted; send identity or gzip", ce)}
	}
}

func badGzip(err error) error {
	return &apiError{status: http.StatusBadRequest, code: "bad_gzip", msg: "the gzip body is corrupt: " + err.Error(), err: err}
}

// answer writes the response of a processed request: 200 all accepted,
// 207 some accepted, 422 none accepted, 503 (with Retry-After) when Kafka
// did not acknowledge some valid event.
func (s *Server) answer(c *gin.Context, b *batch) {
	status := statusOf(&b.resp)
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "5")
	}
	c.JSON(status, &b.resp)
}

func statusOf(r *Response) int {
	switch {
	case r.Unavailable > 0:
		return http.StatusServiceUnavailable
	case r.Rejected == 0:
		return http.StatusOK
	case r.Accepted > 0:
		return http.StatusMultiStatus
	default:
		return http.StatusUnprocessableEntity
	}
}

// item is one event of a request: its raw bytes, its index (array
// position or NDJSON line number), and errors found before decoding.
type item struct {
	index int
	raw   []byte
	errs  []event.FieldError
}

// batch is the state of one request across its chunks.
type batch struct {
	key  *WriteKey
	now  time.Time
	resp Response
	// kafkaFailed is set after a failed write: later chunks of the same
	// request are answered unavailable without trying Kafka again.
	kafkaFailed bool
}

func (s *Server) newBatch(key *WriteKey, n int) *batch {
	return &batch{key: key, now: s.now(), resp: Response{Results: make([]Result, 0, n)}}
}

// toPublish is a valid event waiting for Kafka.
type toPublish struct {
	pos int // position in the chunk
	id  idKey
	msg kafka.Message
}

// processChunk validates items, answers duplicates of acknowledged
// event_ids from memory, publishes the rest to Kafka, sends the rejected
// ones to the dead-letter topic, and appends one Result per item to b.
func (s *Server) processChunk(ctx context.Context, b *batch, items []item) {
	start := len(b.resp.Results)
	b.resp.Results = append(b.resp.Results, make([]Result, len(items))...)
	res := b.resp.Results[start:]
	types := make([]string, len(items))
	sources := make([]string, len(items))
	var pubs []toPublish
	var rejected []int
	var firstOf map[idKey]int
	var dupOf map[int]int
	for i := range items {
		it := &items[i]
		r := &res[i]
		r.Index = it.index
		errs := it.errs
		var ev *event.Event
		if errs == nil {
			var verrs event.Errors
			ev, verrs = s.dec.Decode(it.raw)
			errs = verrs
		}
		if errs == nil && b.key != nil {
			errs = b.key.Check(ev)
		}
		if errs != nil {
			r.Status, r.Errors = StatusRejected, errs
			rejected = append(rejected, i)
			continue
		}
		r.EventID = ev.EventID
		types[i], sources[i] = ev.EventType, ev.Source.System
		id := keyOf(ev.EventID)
		if j, ok := firstOf[id]; ok {
			if dupOf == nil {
				dupOf = map[int]int{}
			}
			dupOf[i] = j
			continue
		}
		if firstOf == nil {
			firstOf = make(map[idKey]int, len(items))
		}
		firstOf[id] = i
		ev.SetReceived(b.now)
		val, err := event.Marshal(ev)
		if err != nil {
			r.Status, r.Errors = StatusRejected, []event.FieldError{{Reason: "cannot encode: " + err.Error()}}
			rejected = append(rejected, i)
			continue
		}
		pubs = append(pubs, toPublish{pos: i, id: id, msg: kafka.Message{
			Key:   []byte(ev.AggregateID()),
			Value: val,
			Time:  b.now,
			Headers: []kafka.Header{
				{Key: "event_type", Value: []byte(ev.EventType)},
				{Key: "schema_version", Value: []byte(strconv.Itoa(ev.SchemaVersion))},
			},
		}})
	}

	var dlqDone sync.WaitGroup
	if len(rejected) > 0 {
		msgs := make([]kafka.Message, len(rejected))
		for j, i := range rejected {
			p := peek(items[i].raw)
			types[i], sources[i] = p.eventType, p.source
			if res[i].EventID == "" {
				res[i].EventID = p.eventID
			}
			d := DeadLetter{Index: items[i].index, EventID: p.eventID, EventType: p.eventType, Source: p.source,
				Reason: reasonCode(res[i].Errors), Errors: res[i].Errors, ReceivedAt: b.now}
			if d.Source == "" {
				d.Source = unknownSource
			}
			if b.key != nil {
				d.Key = b.key.Name
			}
			msgs[j] = deadLetterMessage(&d, items[i].raw)
			s.dead.add(d, items[i].raw)
		}
		if s.dlq != nil {
			dlqDone.Add(1)
			go func() {
				defer dlqDone.Done()
				s.writeDeadLetters(msgs)
			}()
		}
	}

	s.publishAll(ctx, b, res, pubs)
	for i, j := range dupOf {
		res[i].Status, res[i].Errors = res[j].Status, res[j].Errors
	}
	cnt := counts{}
	for i := range res {
		k := countKey{eventType: s.typeLabel(types[i]), source: s.sourceLabel(sources[i]), outcome: res[i].Status, reason: "none"}
		switch res[i].Status {
		case StatusAccepted:
			b.resp.Accepted++
		case StatusRejected:
			b.resp.Rejected++
			k.reason = reasonCode(res[i].Errors)
		case StatusUnavailable:
			b.resp.Unavailable++
			k.reason = "kafka_unavailable"
		}
		cnt[k]++
	}
	s.m.flush(cnt)
	dlqDone.Wait()
}

var errUnavailable = []event.FieldError{{Reason: "Kafka did not acknowledge the event; retry the request with the same event_id"}}

// publishAll publishes pubs, skipping ids already acknowledged and waiting
// for ids another request is publishing (then taking them over if that
// write failed). Claims are taken without waiting and released after each
// write, so two requests never wait on each other.
func (s *Server) publishAll(ctx context.Context, b *batch, res []Result, pubs []toPublish) {
	wctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	for len(pubs) > 0 {
		var mine, theirs []toPublish
		var chans []<-chan struct{}
		for _, p := range pubs {
			if b.kafkaFailed {
				res[p.pos].Status, res[p.pos].Errors = StatusUnavailable, errUnavailable
				continue
			}
			switch st, ch := s.dedup.claim(p.id); st {
			case seen:
				s.m.dedupHits.Inc()
				res[p.pos].Status = StatusAccepted
			case claimed:
				mine = append(mine, p)
			case busy:
				theirs = append(theirs, p)
				chans = append(chans, ch)
			}
		}
		if len(mine) > 0 {
			msgs := make([]kafka.Message, len(mine))
			for j := range mine {
				msgs[j] = mine[j].msg
			}
			failed := s.publish(ctx, msgs)
			for j, p := range mine {
				ok := failed == nil || !failed[j]
				s.dedup.release(p.id, ok)
				if ok {
					res[p.pos].Status = StatusAccepted
				} else {
					res[p.pos].Status, res[p.pos].Errors = StatusUnavailable, errUnavailable
					b.kafkaFailed = true
				}
			}
		}
		pubs = pubs[:0]
		for j, p := range theirs {
			if err := wait(wctx, chans[j]); err != nil {
				res[p.pos].Status, res[p.pos].Errors = StatusUnavailable, errUnavailable
				continue
			}
			pubs = append(pubs, p)
		}
	}
}

// publish writes msgs and returns which failed (nil: all acknowledged).
// The write runs to its own timeout even if the client goes away, so that
// an acknowledged event is always remembered by the dedup table.
func (s *Server) publish(ctx context.Context, msgs []kafka.Message) []bool {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.WriteTimeout)
	defer cancel()
	start := time.Now()
	err := s.pub.Publish(wctx, msgs)
	s.m.kafkaLatency.Observe(time.Since(start).Seconds())
	if err == nil {
		return nil
	}
	s.m.kafkaErrors.Inc()
	s.log.Warn("kafka write failed; answering 503", "events", len(msgs), "err", err)
	return failedIndexes(err, len(msgs))
}

// writeDeadLetters publishes rejected events to the dead-letter topic. A
// failure is logged and counted; it never changes the answer, since the
// events were rejected anyway.
func (s *Server) writeDeadLetters(msgs []kafka.Message) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.DeadLetterTimeout)
	defer cancel()
	if err := s.dlq.Publish(ctx, msgs); err != nil {
		failed := failedIndexes(err, len(msgs))
		n := 0
		for _, f := range failed {
			if f {
				n++
			}
		}
		s.m.dlqWrites.WithLabelValues("error").Add(float64(n))
		s.m.dlqWrites.WithLabelValues("ok").Add(float64(len(msgs) - n))
		s.log.Error("dead-letter write failed; the rejected events are only in this log and GET /v1/deadletters", "events", n, "topic", s.cfg.DeadLetterTopic, "err", err)
		return
	}
	s.m.dlqWrites.WithLabelValues("ok").Add(float64(len(msgs)))
}

func (s *Server) typeLabel(t string) string {
	if s.types[t] {
		return t
	}
	return "other"
}

func (s *Server) sourceLabel(src string) string {
	if src == "" {
		return unknownSource
	}
	if s.sources[src] {
		return src
	}
	for _, n := range s.keys.Names() {
		if n == src {
			return src
		}
	}
	return "other"
}

func (s *Server) getDeadLetters(c *gin.Context) error {
	if _, err := s.admit(c); err != nil {
		return err
	}
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return &apiError{status: http.StatusBadRequest, code: "bad_parameter", field: "limit",
				msg: fmt.Sprintf("limit %q: give a whole number from 1 to 1000", v)}
		}
		limit = n
	}
	src := c.Query("source")
	list := s.dead.list(src, limit)
	if list == nil {
		list = []DeadLetter{}
	}
	c.JSON(http.StatusOK, gin.H{"source": src, "dead_letters": list})
	return nil
}

func (s *Server) getSchemas(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"schemas": event.Schemas()})
}

func (s *Server) getSchema(c *gin.Context) error {
	t, v := c.Param("type"), c.Param("version")
	n, err := strconv.Atoi(v)
	var sch json.RawMessage
	ok := false
	if err == nil {
		sch, ok = event.Schema(t, n)
	}
	if !ok {
		return &apiError{status: http.StatusNotFound, code: "unknown_schema",
			msg: fmt.Sprintf("no schema for event type %q version %q; GET /v1/schemas lists them", t, v)}
	}
	c.Data(http.StatusOK, "application/schema+json", sch)
	return nil
}

type splitError struct {
	msg   string
	index *int
}

// splitEvents accepts one JSON object or an array of them and returns each
// event's raw bytes. Malformed JSON fails the request, naming the index of
// the event where parsing broke.
func splitEvents(body []byte) ([]json.RawMessage, *splitError) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, &splitError{msg: "empty body; send one event object or an array of events"}
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	switch trimmed[0] {
	case '{':
		var raw json.RawMessage
		zero := 0
		if err := dec.Decode(&raw); err != nil {
			return nil, &splitError{msg: "malformed JSON in event 0: " + jsonMsg(err, dec), index: &zero}
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, &splitError{msg: "unexpected data after the event object; send an array to send several events"}
		}
		return []json.RawMessage{raw}, nil
	case '[':
		if _, err := dec.Token(); err != nil {
			return nil, &splitError{msg: "malformed JSON: " + err.Error()}
		}
		var out []json.RawMessage
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				i := len(out)
				return nil, &splitError{msg: fmt.Sprintf("malformed JSON in event %d: %s", i, jsonMsg(err, dec)), index: &i}
			}
			out = append(out, raw)
		}
		if _, err := dec.Token(); err != nil {
			i := len(out)
			return nil, &splitError{msg: fmt.Sprintf("malformed JSON after event %d: %s", i-1, jsonMsg(err, dec)), index: &i}
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, &splitError{msg: "unexpected data after the array of events"}
		}
		return out, nil
	}
	return nil, &splitError{msg: "the body must be a JSON object (one event) or an array of events"}
}

func jsonMsg(err error, dec *json.Decoder) string {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "the body ends in the middle of the event"
	}
	return fmt.Sprintf("%v (near byte %d)", err, dec.InputOffset())
}
