// Package svc holds what every dvpulse service shares: the operations
// endpoints (/metrics, /-/healthy, /-/ready) on their own listener, the HTTP
// latency histogram, and running an http.Server until its context ends.
package svc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Health tracks liveness and readiness. The zero value is live and not ready.
type Health struct {
	ready atomic.Bool
	why   atomic.Value // string: why not ready
}

// SetReady marks the service ready to take traffic.
func (h *Health) SetReady() { h.ready.Store(true); h.why.Store("") }

// SetNotReady marks the service not ready, with a reason shown by /-/ready.
func (h *Health) SetNotReady(reason string) { h.ready.Store(false); h.why.Store(reason) }

// Ready reports whether the service is ready.
func (h *Health) Ready() bool { return h.ready.Load() }

// Register adds /-/healthy and /-/ready to mux.
func (h *Health) Register(mux *http.ServeMux) {
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "healthy")
	})
	mux.HandleFunc("/-/ready", h.serveReady)
}

func (h *Health) serveReady(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if h.ready.Load() {
		fmt.Fprintln(w, "ready")
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	why, _ := h.why.Load().(string)
	if why == "" {
		why = "starting"
	}
	fmt.Fprintln(w, "not ready:", why)
}

// GinHealth mounts the same two endpoints on a Gin engine.
func (h *Health) GinHealth(r *gin.Engine) {
	r.GET("/-/healthy", func(c *gin.Context) { c.String(http.StatusOK, "healthy\n") })
	r.GET("/-/ready", func(c *gin.Context) { h.serveReady(c.Writer, c.Request) })
}

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// OpsHandler serves /metrics from g, the health endpoints and Go's
// profiles under /debug/pprof/ (the ops address is meant for operators
// only: loopback by default).
func OpsHandler(g prometheus.Gatherer, h *Health) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	h.Register(mux)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// HTTPMetrics is the request latency histogram shared by the HTTP services.
type HTTPMetrics struct {
	duration *prometheus.HistogramVec
}

// NewHTTPMetrics registers dvpulse_http_request_duration_seconds on reg.
func NewHTTPMetrics(reg prometheus.Registerer, service string) *HTTPMetrics {
	m := &HTTPMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "dvpulse_http_request_duration_seconds",
		Help:        "HTTP request latency by route, method and status code.",
		ConstLabels: prometheus.Labels{"service": service},
		Buckets:     []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method", "code"})}
	reg.MustRegister(m.duration)
	return m
}

// Middleware observes every request; the route label is Gin's route
// pattern, so path parameters do not blow up the label set.
func (m *HTTPMetrics) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.duration.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
	}
}

// Listen opens a TCP listener and turns "address already in use" into an
// error that says which option to change.
func Listen(addr, what, flagName string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s cannot listen on %s (is another dvpulse or program using it? stop it, or set --%s): %w", what, addr, flagName, err)
	}
	return ln, nil
}

// Serve runs srv on ln until ctx ends, then shuts it down, giving in-flight
// requests up to grace to finish. It returns nil after a clean shutdown.
func Serve(ctx context.Context, log *slog.Logger, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	log.Info("http server draining", "addr", ln.Addr().String())
	err := srv.Shutdown(sctx)
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}
