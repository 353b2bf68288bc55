package dashboard

import (
	"errors"
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"time"
)

// Config configures the dashboard.
type Config struct {
	// HTTPAddr is where pages and the API listen. Default 127.0.0.1:8081.
	HTTPAddr string
	// OpsAddr serves /metrics and the health endpoints. Default 127.0.0.1:9103.
	OpsAddr string
	// DefaultDays is the period shown when a request gives none. Default 180.
	DefaultDays int
	// Province is the 2025 code of the province whose localities the
	// filters offer. Default 42 (Hà Tĩnh).
	Province string
	// Auth is "on" (default: every page and API call needs a signed-in user
	// or an API token) or "off" (no sign-in; everyone sees everything and
	// the admin page is closed — for local experiments and tests only).
	Auth string
	// SecureCookies marks the session cookie Secure even on plain-HTTP
	// requests (it always is on TLS requests). Default false, so local
	// http://127.0.0.1 works; set it behind a TLS-terminating proxy.
	SecureCookies bool
	// SessionKey signs session cookies and CSRF tokens (at least 32
	// characters). When empty, SessionKeyFile is read, and created with a
	// random key when missing. When both are empty a random key is made at
	// start, so sessions end when the process restarts.
	SessionKey     string
	SessionKeyFile string
	// SessionTTL is how long a sign-in lasts. Default 12 h.
	SessionTTL time.Duration
	// HotspotK is k in "last 24 h above the 7-day mean + k·σ". Default 2.
	HotspotK float64
	// HotspotMinCount is the least feedback in the last 24 h for a cell to
	// be a hot spot. Default 3.
	HotspotMinCount int
	// CacheTTL is how long the answer of an indicator query is kept and served again to identical queries (same
	// SQL, filter, scope and reference time); concurrent identical queries
	// run once, and for one more CacheTTL after that an answer is served
	// while a background query refreshes it. 0 (default) turns the cache
	// off, so every request reads ClickHouse and shows what the projector
	// has committed. With a TTL (10s suits a busy dashboard) figures can
	// lag the projector by up to twice the TTL (plus the refreshing
	// query's time).
	CacheTTL time.Duration
	// AuthCacheTTL is how long who an API token or a session belongs to is
	// kept (see authCache), sparing two queries per request. A token or
	// session revoked, or a user disabled or changed, by another process
	// (the CLI, another dashboard) keeps working for up to this long;
	// through this process the change takes effect at once. Default 2s; 0
	// reads the user store on every request.
	AuthCacheTTL time.Duration
	// NoSnapshots turns off the answers kept until their table changes
	// (every model's and commitment's current state, summed per cell; the
	// commune roll-up, the monthly cell roll-up and the dialogue issues,
	// see snapshotCache; the hot spots' 8-day windows and drivers, see
	// hotRefs; the list rows of the explorer and the drivers, see
	// keptList), so those indicators are computed in ClickHouse for each
	// request. For tests
	// and measurements that compare both ways; default false.
	NoSnapshots bool
	// NoResultCache turns off the result cache: the rows of an identical
	// query (same SQL, filter, scope and reference time) reused while none
	// of the tables it reads has changed. For tests that compare both ways;
	// default false (on). The ttl cache, when on, replaces it.
	NoResultCache bool
	// VersionReuse is how long one read of the tables' versions serves the
	// snapshot and result caches: their answers are at most this much
	// (plus the read's time) older than the tables. Default 200ms, far
	// inside the 2 s allowed from ingest to the API; 0 reads the versions
	// for every query.
	VersionReuse time.Duration
	// NoMonthly makes feedback queries read the daily roll-ups even for
	// periods of whole months (tests compare the two).
	NoMonthly bool
	// QueryThreads is ClickHouse's max_threads for each dashboard query; 0
	// keeps the server's setting (its number of cores). Default 1: the
	// dashboard's queries are small and many run at once, so splitting one
	// over threads costs more than it saves (measured on 10 M events, 20
	// clients: 308 against 266 requests/s).
	QueryThreads int
	// MaxQueries is how many of the dashboard's queries run in ClickHouse
	// at once; the others wait, and a freed slot goes to the request that
	// started first (see gate). 0: no limit. Default one more than this
	// machine's cores (ClickHouse on the same machine, as deploy/local runs
	// it): a query per core, and one more so that no core idles while the
	// dashboard reads a finished query's rows. On 2 cores and 10 M events
	// 3 slots measured p95 140–152 ms, 4 slots 145–159 ms, none 214–251 ms.
	MaxQueries int
	// NoUncompressedCache stops the dashboard's queries from asking for
	// ClickHouse's uncompressed cache (use_uncompressed_cache). By default
	// they do: their reads are small and repeat, so keeping decompressed
	// blocks saves most of their CPU.
	NoUncompressedCache bool
	// DevDir, when set, serves templates and static files from this folder
	// (the dashboard/ source folder) instead of the embedded copies, so
	// edits show without a rebuild.
	DevDir string
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{HTTPAddr: "127.0.0.1:8081", OpsAddr: "127.0.0.1:9103", DefaultDays: 180, Province: "42", Auth: "on",
		SessionTTL: 12 * time.Hour, HotspotK: 2, HotspotMinCount: 3, AuthCacheTTL: 2 * time.Second,
		VersionReuse: 200 * time.Millisecond, QueryThreads: 1, MaxQueries: runtime.NumCPU() + 1}
}

// RegisterFlags binds the fields to flags on fs. The province flag is
// shared with ingest and the projector, so it is not registered here.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "dashboard-addr", c.HTTPAddr, "address of the dashboard's pages and JSON/CSV API")
	fs.StringVar(&c.OpsAddr, "dashboard-ops-addr", c.OpsAddr, "address of the dashboard's /metrics, /-/healthy and /-/ready")
	fs.IntVar(&c.DefaultDays, "dashboard-default-days", c.DefaultDays, "days shown when a request names no period")
	fs.StringVar(&c.Auth, "dashboard-auth", c.Auth, `"on": pages and API need a signed-in user or an API token; "off": no sign-in (local experiments only)`)
	fs.BoolVar(&c.SecureCookies, "dashboard-secure-cookies", c.SecureCookies, "mark the session cookie Secure on plain-HTTP requests too (it always is on TLS); set behind a TLS proxy")
	fs.StringVar(&c.SessionKey, "dashboard-session-key", c.SessionKey, "key (≥ 32 characters) that signs session cookies and CSRF tokens")
	fs.StringVar(&c.SessionKeyFile, "dashboard-session-key-file", c.SessionKeyFile, "file holding the session key; created with a random key when missing")
	fs.DurationVar(&c.SessionTTL, "dashboard-session-ttl", c.SessionTTL, "how long a sign-in lasts")
	fs.Float64Var(&c.HotspotK, "dashboard-hotspot-k", c.HotspotK, "hot spot when the last 24 h exceed the 7-day mean + k·σ")
	fs.IntVar(&c.HotspotMinCount, "dashboard-hotspot-min", c.HotspotMinCount, "least feedback in the last 24 h for a hot spot")
	fs.DurationVar(&c.CacheTTL, "dashboard-cache-ttl", c.CacheTTL, "keep indicator query answers this long for identical queries (same filter and scope), e.g. 10s; 0 (default) turns the cache off")
	fs.BoolFunc("dashboard-no-result-cache", "turn off the result cache (identical queries sharing answers while their tables are unchanged); for measurements", func(v string) error {
		off, err := strconv.ParseBool(v)
		c.NoResultCache = off
		return err
	})
	fs.BoolVar(&c.NoSnapshots, "dashboard-no-snapshots", c.NoSnapshots, "compute every answer in ClickHouse per request instead of keeping table-wide state in memory until its table changes (models, commitments, dialogue hosts and issues, the commune and monthly cell roll-ups, hot spot windows and drivers, the feedback list rows behind the explorer and the drivers: about 60 bytes per feedback); for measurements and comparisons")
	fs.DurationVar(&c.AuthCacheTTL, "dashboard-auth-cache-ttl", c.AuthCacheTTL, "keep who a valid API token or session belongs to this long; a revocation made by another process (e.g. the users CLI) takes up to this long to apply; 0 reads the user store on every request")
	fs.IntVar(&c.QueryThreads, "dashboard-query-threads", c.QueryThreads, "ClickHouse max_threads for each dashboard query (its queries are small and run many at once); 0 keeps the server's setting")
	fs.IntVar(&c.MaxQueries, "dashboard-max-queries", c.MaxQueries, "how many indicator queries run in ClickHouse at once; the others wait, the oldest request's first (0: no limit; default this machine's cores + 1)")
	fs.BoolVar(&c.NoUncompressedCache, "dashboard-no-uncompressed-cache", c.NoUncompressedCache, "do not ask ClickHouse to keep the decompressed blocks the dashboard reads (use_uncompressed_cache=0); for measurements")
	fs.StringVar(&c.DevDir, "dashboard-dev-dir", c.DevDir, "serve templates and static files from this dashboard/ folder instead of the embedded copies")
}

// Validate reports invalid settings.
func (c *Config) Validate() error {
	var errs []error
	if c.DefaultDays < 1 {
		errs = append(errs, errors.New("dashboard-default-days: must be at least 1"))
	}
	if c.Auth != "on" && c.Auth != "off" {
		errs = append(errs, fmt.Errorf("dashboard-auth: %q is not on or off", c.Auth))
	}
	if c.SessionKey != "" && len(c.SessionKey) < 32 {
		errs = append(errs, errors.New("dashboard-session-key: must have at least 32 characters"))
	}
	if c.SessionTTL < time.Minute {
		errs = append(errs, errors.New("dashboard-session-ttl: must be at least 1m"))
	}
	if c.QueryThreads < 0 {
		errs = append(errs, errors.New("dashboard-query-threads: must not be negative"))
	}
	if c.MaxQueries < 0 {
		errs = append(errs, errors.New("dashboard-max-queries: must not be negative (0 means no limit)"))
	}
	if c.CacheTTL < 0 {
		errs = append(errs, errors.New("dashboard-cache-ttl: must not be negative"))
	}
	if c.AuthCacheTTL < 0 || c.AuthCacheTTL > time.Minute {
		errs = append(errs, errors.New("dashboard-auth-cache-ttl: must be between 0 and 1m, so that revocations apply soon"))
	}
	if c.HotspotK < 0 {
		errs = append(errs, errors.New("dashboard-hotspot-k: must not be negative"))
	}
	if c.Province == "" {
		errs = append(errs, errors.New("province: empty"))
	}
	return errors.Join(errs...)
}
