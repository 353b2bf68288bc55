package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"

	"dvpulse/internal/svc"
)

// Run serves the dashboard until ctx ends, then drains in-flight requests.
// The caller owns conn and closes it afterwards.
func Run(ctx context.Context, cfg Config, log *slog.Logger, conn driver.Conn, reg prometheus.Registerer, health *svc.Health) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("dashboard config: %w", err)
	}
	s, err := NewServer(cfg, log, conn, reg, health)
	if err != nil {
		return err
	}
	ln, err := svc.Listen(cfg.HTTPAddr, "dashboard", "dashboard-addr")
	if err != nil {
		return err
	}
	health.SetReady()
	log.Info("dashboard listening", "url", "http://"+ln.Addr().String()+"/")
	err = svc.Serve(ctx, log, &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}, ln, 10*time.Second)
	health.SetNotReady("shutting down")
	return err
}
