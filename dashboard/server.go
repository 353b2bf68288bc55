package dashboard

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"dvpulse/dashboard/auth"
	"dvpulse/internal/svc"
	"dvpulse/locality"
)

//go:embed queries/*.sql
var queryFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

// staticFS holds app.css, app.js and vendor/ (filled by web/build.sh; a
// README keeps the folder present before the build step ran).
//
//go:embed all:static
var staticFS embed.FS

// Hanoi is the calendar the indicators are bucketed in.
var Hanoi = mustLoadLocation("Asia/Ho_Chi_Minh")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Systems without tzdata: Vietnam has kept UTC+7 without DST since 1975.
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}

// Server serves pages and the API. It is safe for concurrent use.
type Server struct {
	cfg          Config
	log          *slog.Logger
	conn         driver.Conn
	loc          *locality.Registry
	communeNames map[string]string
	queries      map[string]string
	pages        map[string]*template.Template
	static       fs.FS
	vendorOK     bool
	store        *auth.Store
	key          []byte
	limiter      *loginLimiter
	now          func() time.Time
	handler      http.Handler
	// cache keeps query results for cfg.CacheTTL; nil when that is 0.
	cache *queryCache
	// authCache keeps who a token or session is for cfg.AuthCacheTTL; nil
	// when that is 0.
	authCache *authCache
	// results keeps query rows while their tables are unchanged; nil when
	// cfg.NoResultCache (or when the ttl cache is on).
	results *queryCache
	// rows keeps list rows by case while their tables are unchanged; nil
	// when results is.
	rows *rowCache
	// versions reads the tables' versions for snapshots and results.
	versions *tableVersions
	// snapshots keeps table-wide answers until their table changes; nil
	// when Config.NoSnapshots.
	snapshots *snapshotCache
	// hotRefs and hotDrivers keep hot spot data, used when snapshots are
	// on (see hotwindows.go).
	hotRefs    hotRefs
	hotDrivers hotDrivers
	// gate bounds the indicator queries running in ClickHouse at once
	// (Config.MaxQueries); nil: no limit.
	gate *gate

	// listsKept counts the list pages and counts answered from the list
	// rows in memory (for tests).
	listsKept atomic.Int64

	renderedMu sync.Mutex
	rendered   map[string]int // page template → times rendered (for tests)
}

// pageTemplates are the page templates; each is parsed with layout.html.
var pageTemplates = []string{"overview", "sentiment", "dialogues", "models", "campaigns", "feedback", "case", "localities", "login", "admin", "error"}

// NewServer builds the dashboard over a migrated ClickHouse database.
// It loads the locality registry of cfg.Province and the session key (see
// Config.SessionKey).
func NewServer(cfg Config, log *slog.Logger, conn driver.Conn, reg prometheus.Registerer, health *svc.Health) (*Server, error) {
	if cfg.Province == "" {
		cfg.Province = "42"
	}
	if cfg.HotspotMinCount == 0 {
		cfg.HotspotMinCount = 3
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Auth == "" {
		cfg.Auth = "on"
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("dashboard config: %w", err)
	}
	loc, err := locality.Load(cfg.Province)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	s := &Server{cfg: cfg, log: log, conn: conn, loc: loc, communeNames: map[string]string{}, queries: map[string]string{},
		pages: map[string]*template.Template{}, store: auth.NewStore(conn), limiter: newLoginLimiter(), now: time.Now,
		rendered: map[string]int{}}
	for _, u := range loc.Units(locality.Scheme2025) {
		s.communeNames[u.Code] = u.Name
	}
	s.cache = newQueryCache(cfg.CacheTTL, 10000, func() time.Time { return s.now() })
	s.authCache = newAuthCache(cfg.AuthCacheTTL, func() time.Time { return s.now() })
	s.versions = &tableVersions{reuse: cfg.VersionReuse, now: func() time.Time { return s.now() }}
	if !cfg.NoResultCache && s.cache == nil {
		// Entries are keyed by their tables' versions, so they never go
		// stale; the long ttl only lets unused ones be evicted.
		s.results = newQueryCache(time.Hour, 5000, func() time.Time { return s.now() })
		s.rows = newRowCache(rowCacheCases)
	}
	if !cfg.NoSnapshots {
		s.snapshots = newSnapshotCache()
	}
	if cfg.MaxQueries > 0 {
		s.gate = newGate(cfg.MaxQueries)
	}
	if s.key, err = loadSessionKey(cfg, log); err != nil {
		return nil, err
	}
	tfs, sfs := fs.FS(templateFS), fs.FS(staticFS)
	if cfg.DevDir != "" {
		tfs, sfs = os.DirFS(cfg.DevDir), os.DirFS(cfg.DevDir)
	}
	if s.static, err = fs.Sub(sfs, "static"); err != nil {
		return nil, err
	}
	if _, err := fs.Stat(s.static, "vendor/echarts.min.js"); err == nil {
		s.vendorOK = true
	} else {
		log.Warn("dashboard charts are disabled: dashboard/static/vendor/echarts.min.js is missing; run dashboard/web/build.sh before go build")
	}
	for _, p := range pageTemplates {
		t, err := template.New(p).Funcs(funcs).ParseFS(tfs, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard templates: %w", err)
		}
		s.pages[p] = t
	}
	if err := fs.WalkDir(queryFS, "queries", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := queryFS.ReadFile(path)
		s.queries[strings.TrimSuffix(filepath.Base(path), ".sql")] = string(b)
		return err
	}); err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), svc.NewHTTPMetrics(reg, "dashboard").Middleware(), requestStart, securityHeaders)
	health.GinHealth(r)
	s.routes(r)
	s.handler = r
	return s, nil
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Store returns the user store (for tests and the CLI).
func (s *Server) Store() *auth.Store { return s.store }

func (s *Server) routes(r *gin.Engine) {
	r.StaticFS("/static", http.FS(s.static))
	r.GET("/login", s.loginPage)
	r.POST("/login", s.loginSubmit)
	r.GET("/api/v1/openapi.json", s.apiOpenAPI)

	a := r.Group("/", s.authenticate, s.checkCSRF)
	a.POST("/logout", s.logout)
	a.GET("/", s.overviewPage)
	a.GET("/sentiment", s.sentimentPage)
	a.GET("/dialogues", s.dialoguesPage)
	a.GET("/models", s.modelsPage)
	a.GET("/campaigns", s.campaignsPage)
	a.GET("/feedback", s.feedbackPage)
	a.GET("/feedback/:id", s.casePage)
	a.GET("/localities", s.localitiesPage)

	adm := a.Group("/admin", s.requireAdmin)
	adm.GET("", s.adminPage)
	adm.POST("/users", s.adminSaveUser)
	adm.POST("/users/disable", s.adminDisableUser)
	adm.POST("/tokens", s.adminCreateToken)
	adm.POST("/tokens/revoke", s.adminRevokeToken)

	api := a.Group("/api/v1")
	for path, h := range s.apiRoutes() {
		api.GET(path, h)
	}
	r.NoRoute(func(c *gin.Context) {
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			apiError(c, http.StatusNotFound, "not_found", "", "no such endpoint; see /api/v1/openapi.json")
			return
		}
		c.String(http.StatusNotFound, "404 page not found\n")
	})
}

// securityHeaders forbids inline scripts and framing: pages load only
// their own scripts, so injected markup cannot run.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	c.Next()
}

// loadSessionKey returns the key that signs cookies and CSRF tokens.
func loadSessionKey(cfg Config, log *slog.Logger) ([]byte, error) {
	if cfg.SessionKey != "" {
		return []byte(cfg.SessionKey), nil
	}
	if cfg.SessionKeyFile != "" {
		b, err := os.ReadFile(cfg.SessionKeyFile)
		if err == nil {
			k := strings.TrimSpace(string(b))
			if len(k) < 32 {
				return nil, fmt.Errorf("dashboard-session-key-file %s: the key must have at least 32 characters", cfg.SessionKeyFile)
			}
			return []byte(k), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("dashboard-session-key-file: %w", err)
		}
		k := randomKey()
		if err := os.MkdirAll(filepath.Dir(cfg.SessionKeyFile), 0o700); err != nil {
			return nil, fmt.Errorf("dashboard-session-key-file: %w", err)
		}
		if err := os.WriteFile(cfg.SessionKeyFile, []byte(k+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("dashboard-session-key-file: %w", err)
		}
		log.Info("created a new session key", "file", cfg.SessionKeyFile)
		return []byte(k), nil
	}
	if cfg.Auth == "on" {
		log.Warn("no --dashboard-session-key or --dashboard-session-key-file: using a random key, so sign-ins end when dvpulse restarts")
	}
	return []byte(randomKey()), nil
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// markRendered counts a page template render (see RenderedTemplates).
func (s *Server) markRendered(name string) {
	s.renderedMu.Lock()
	s.rendered[name]++
	s.renderedMu.Unlock()
}

// RenderedTemplates returns how many times each page template was
// rendered, and the names of all page templates.
func (s *Server) RenderedTemplates() (map[string]int, []string) {
	s.renderedMu.Lock()
	defer s.renderedMu.Unlock()
	out := map[string]int{}
	for k, v := range s.rendered {
		out[k] = v
	}
	return out, append([]string(nil), pageTemplates...)
}

// ctxTimeout bounds one request's queries.
func ctxTimeout(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), 30*time.Second)
}

// requestStart records when each request began in its context, so that
// the query gate serves the oldest request first.
func requestStart(c *gin.Context) {
	c.Request = c.Request.WithContext(withStart(c.Request.Context(), time.Now()))
	c.Next()
}
