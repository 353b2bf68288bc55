package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
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

// Response is the body of every answer to POST /v1/events.
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

type metrics struct {
	events       *prometheus.CounterVec
	batchSize    prometheus.Histogram
	kafkaLatency prometheus.Histogram
	kafkaErrors  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dvpulse_ingest_events_total",
			Help: "Events received by ingest, by type and outcome (accepted, rejected, unavailable).",
		}, []string{"event_type", "outcome"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dvpulse_ingest_request_events",
			Help:    "Events per ingest request.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
		kafkaLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dvpulse_ingest_kafka_write_seconds",
			Help:    "Time from handing a request's events to the Kafka writer to their acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		kafkaErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dvpulse_ingest_kafka_write_errors_total",
			Help: "Kafka writes that failed (the request answered 503).",
		}),
	}
	reg.MustRegister(m.events, m.batchSize, m.kafkaLatency, m.kafkaErrors)
	return m
}

// Server is the ingest HTTP service.
type Server struct {
	cfg     Config
	log     *slog.Logger
	dec     *event.Decoder
	pub     Publisher
	m       *metrics
	health  *svc.Health
	httpm   *svc.HTTPMetrics
	now     func() time.Time
	handler http.Handler
}

// NewServer builds the service around pub. reg receives its metrics and
// health tracks readiness.
func NewServer(cfg Config, log *slog.Logger, dec *event.Decoder, pub Publisher, reg prometheus.Registerer, health *svc.Health) *Server {
	s := &Server{cfg: cfg, log: log, dec: dec, pub: pub, m: newMetrics(reg), health: health,
		httpm: svc.NewHTTPMetrics(reg, "ingest"), now: time.Now}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), s.httpm.Middleware())
	health.GinHealth(r)
	r.POST("/v1/events", s.postEvents)
	s.handler = r
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) fail(c *gin.Context, status int, code, msg string, index *int, field string) {
	c.JSON(status, Response{Error: &RequestError{Code: code, Message: msg, Index: index, Field: field}})
}

func (s *Server) postEvents(c *gin.Context) {
	if !s.health.Ready() {
		c.Header("Retry-After", "5")
		s.fail(c, http.StatusServiceUnavailable, "not_ready", "ingest is starting or shutting down; retry shortly", nil, "")
		return
	}
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "text/json") {
		s.fail(c, http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("Content-Type %q is not accepted; send application/json (one event object or an array of events)", c.GetHeader("Content-Type")), nil, "")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(c, http.StatusRequestEntityTooLarge, "body_too_large",
				fmt.Sprintf("request body is over the %d-byte limit; split it into smaller batches", s.cfg.MaxBodyBytes), nil, "")
			return
		}
		s.fail(c, http.StatusBadRequest, "read_error", "could not read the request body: "+err.Error(), nil, "")
		return
	}
	raws, rerr := splitEvents(body)
	if rerr != nil {
		s.fail(c, http.StatusBadRequest, "malformed_json", rerr.msg, rerr.index, "")
		return
	}
	if len(raws) > s.cfg.MaxBatch {
		s.fail(c, http.StatusRequestEntityTooLarge, "batch_too_large",
			fmt.Sprintf("%d events in one request; at most %d", len(raws), s.cfg.MaxBatch), nil, "")
		return
	}
	s.m.batchSize.Observe(float64(len(raws)))
	resp, status := s.process(c.Request.Context(), raws)
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "5")
	}
	c.JSON(status, resp)
}

// process validates and publishes raws, and returns the response and its
// HTTP status: 200 all accepted, 207 some accepted, 422 none valid, 503
// Kafka did not acknowledge.
func (s *Server) process(ctx context.Context, raws []json.RawMessage) (Response, int) {
	resp := Response{Results: make([]Result, len(raws))}
	msgs := make([]kafka.Message, 0, len(raws))
	msgIdx := make([]int, 0, len(raws))
	types := make([]string, len(raws))
	now := s.now()
	for i, raw := range raws {
		r := &resp.Results[i]
		r.Index = i
		ev, errs := s.dec.Decode(raw)
		if errs != nil {
			r.Status = StatusRejected
			r.Errors = errs
			r.EventID = peekEventID(raw)
			types[i] = "invalid"
			continue
		}
		r.EventID = ev.EventID
		types[i] = ev.EventType
		ev.SetReceived(now)
		val, err := event.Marshal(ev)
		if err != nil {
			r.Status = StatusRejected
			r.Errors = []event.FieldError{{Reason: "cannot encode: " + err.Error()}}
			continue
		}
		msgs = append(msgs, kafka.Message{
			Key:   []byte(ev.AggregateID()),
			Value: val,
			Time:  now,
			Headers: []kafka.Header{
				{Key: "event_type", Value: []byte(ev.EventType)},
				{Key: "schema_version", Value: []byte(strconv.Itoa(ev.SchemaVersion))},
			},
		})
		msgIdx = append(msgIdx, i)
	}
	var failed []bool
	if len(msgs) > 0 {
		wctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
		start := time.Now()
		err := s.pub.Publish(wctx, msgs)
		cancel()
		s.m.kafkaLatency.Observe(time.Since(start).Seconds())
		if err != nil {
			s.m.kafkaErrors.Inc()
			s.log.Warn("kafka write failed; answering 503", "events", len(msgs), "err", err)
			failed = failedIndexes(err, len(msgs))
		}
	}
	for j, i := range msgIdx {
		if failed != nil && failed[j] {
			resp.Results[i].Status = StatusUnavailable
			resp.Results[i].Errors = []event.FieldError{{Reason: "Kafka did not acknowledge the event; retry the request with the same event_id"}}
		} else {
			resp.Results[i].Status = StatusAccepted
		}
	}
	for i := range resp.Results {
		switch resp.Results[i].Status {
		case StatusAccepted:
			resp.Accepted++
		case StatusRejected:
			resp.Rejected++
		case StatusUnavailable:
			resp.Unavailable++
		}
		s.m.events.WithLabelValues(types[i], resp.Results[i].Status).Inc()
	}
	switch {
	case resp.Unavailable > 0:
		return resp, http.StatusServiceUnavailable
	case resp.Rejected == 0:
		return resp, http.StatusOK
	case resp.Accepted > 0:
		return resp, http.StatusMultiStatus
	default:
		return resp, http.StatusUnprocessableEntity
	}
}

// peekEventID extracts event_id from an invalid event, if it has one, so
// the sender can match the result.
func peekEventID(raw []byte) string {
	var v struct {
		EventID any `json:"event_id"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	s, _ := v.EventID.(string)
	if len(s) > 64 {
		return ""
	}
	return s
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
