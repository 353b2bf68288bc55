package dashboard

import (
	"errors"
	"flag"
)

// Config configures the dashboard.
type Config struct {
	// HTTPAddr is where pages and the API listen. Default 127.0.0.1:8081.
	HTTPAddr string
	// OpsAddr serves /metrics and the health endpoints. Default 127.0.0.1:9103.
	OpsAddr string
	// DefaultDays is the period shown when a request gives none. Default 180.
	DefaultDays int
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{HTTPAddr: "127.0.0.1:8081", OpsAddr: "127.0.0.1:9103", DefaultDays: 180}
}

// RegisterFlags binds the fields to flags on fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "dashboard-addr", c.HTTPAddr, "address of the dashboard's pages and JSON/CSV API")
	fs.StringVar(&c.OpsAddr, "dashboard-ops-addr", c.OpsAddr, "address of the dashboard's /metrics, /-/healthy and /-/ready")
	fs.IntVar(&c.DefaultDays, "dashboard-default-days", c.DefaultDays, "days shown when a request names no period")
}

// Validate reports invalid settings.
func (c *Config) Validate() error {
	if c.DefaultDays < 1 {
		return errors.New("dashboard-default-days: must be at least 1")
	}
	return nil
}
