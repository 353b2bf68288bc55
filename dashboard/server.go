package dashboard

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"dvpulse/internal/svc"
)

//go:embed queries/*.sql
var queryFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

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

// bucketExpr whitelists the granularities and their ClickHouse expressions.
var bucketExpr = map[string]string{
	"day":     "day",
	"week":    "toMonday(day)",
	"month":   "toStartOfMonth(day)",
	"quarter": "toStartOfQuarter(day)",
}

// Server serves pages and the API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	conn    driver.Conn
	tmpl    *template.Template
	queries map[string]string
	now     func() time.Time
	handler http.Handler
}

// NewServer builds the dashboard over a migrated ClickHouse database.
func NewServer(cfg Config, log *slog.Logger, conn driver.Conn, reg prometheus.Registerer, health *svc.Health) (*Server, error) {
	tmpl, err := template.New("").Funcs(template.FuncMap{"pct": pct}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	s := &Server{cfg: cfg, log: log, conn: conn, tmpl: tmpl, queries: map[string]string{}, now: time.Now}
	entries, err := queryFS.ReadDir("queries")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := queryFS.ReadFile("queries/" + e.Name())
		if err != nil {
			return nil, err
		}
		s.queries[strings.TrimSuffix(e.Name(), ".sql")] = string(b)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), svc.NewHTTPMetrics(reg, "dashboard").Middleware())
	health.GinHealth(r)
	r.GET("/", s.overviewPage)
	r.GET("/api/v1/feedback/volume", s.apiFeedbackVolume)
	s.handler = r
	return s, nil
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Period is a validated reporting window.
type Period struct {
	From, To    time.Time // calendar days in Asia/Ho_Chi_Minh, inclusive
	Granularity string
}

// paramError is a bad query parameter.
type paramError struct {
	Param, Message string
}

func (s *Server) parsePeriod(q url.Values) (Period, *paramError) {
	today := s.now().In(Hanoi)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, Hanoi)
	p := Period{To: today, From: today.AddDate(0, 0, -(s.cfg.DefaultDays - 1)), Granularity: "day"}
	for _, name := range []string{"from", "to"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", v, Hanoi)
		if err != nil {
			return p, &paramError{name, fmt.Sprintf("%q is not a date; use YYYY-MM-DD", clip(v))}
		}
		if name == "from" {
			p.From = t
		} else {
			p.To = t
		}
	}
	if p.To.Before(p.From) {
		return p, &paramError{"to", "is before from"}
	}
	if p.To.Sub(p.From) > 20*366*24*time.Hour {
		return p, &paramError{"from", "the period is longer than 20 years"}
	}
	if g := q.Get("granularity"); g != "" {
		if _, ok := bucketExpr[g]; !ok {
			return p, &paramError{"granularity", fmt.Sprintf("%q is not one of day, week, month, quarter", clip(g))}
		}
		p.Granularity = g
	}
	return p, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Point is one bucket of a series.
type Point struct {
	Bucket string `json:"bucket"`
	Count  uint64 `json:"count"`
}

// VolumeResponse is the answer of /api/v1/feedback/volume.
type VolumeResponse struct {
	From        string  `json:"from"`
	To          string  `json:"to"`
	Granularity string  `json:"granularity"`
	Total       uint64  `json:"total"`
	Series      []Point `json:"series"`
}

func (s *Server) feedbackVolume(ctx context.Context, p Period) (VolumeResponse, error) {
	q := strings.ReplaceAll(s.queries["feedback_volume"], "{{bucket}}", bucketExpr[p.Granularity])
	resp := VolumeResponse{From: p.From.Format("2006-01-02"), To: p.To.Format("2006-01-02"), Granularity: p.Granularity, Series: []Point{}}
	rows, err := s.conn.Query(ctx, q, resp.From, resp.To)
	if err != nil {
		return resp, fmt.Errorf("feedback volume query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b time.Time
		var n uint64
		if err := rows.Scan(&b, &n); err != nil {
			return resp, fmt.Errorf("feedback volume scan: %w", err)
		}
		resp.Series = append(resp.Series, Point{Bucket: b.Format("2006-01-02"), Count: n})
		resp.Total += n
	}
	return resp, rows.Err()
}

func apiError(c *gin.Context, status int, code, param, msg string) {
	c.JSON(status, gin.H{"error": gin.H{"code": code, "parameter": param, "message": msg}})
}

func (s *Server) apiFeedbackVolume(c *gin.Context) {
	p, perr := s.parsePeriod(c.Request.URL.Query())
	if perr != nil {
		apiError(c, http.StatusBadRequest, "bad_parameter", perr.Param, perr.Message)
		return
	}
	resp, err := s.feedbackVolume(c.Request.Context(), p)
	if err != nil {
		s.log.Error("query failed", "err", err)
		apiError(c, http.StatusServiceUnavailable, "storage_unavailable", "", "the indicator store did not answer; retry shortly")
		return
	}
	if c.Query("format") == "csv" {
		writeCSV(c, "feedback-volume.csv", []string{"bucket", "count"}, func(w *csv.Writer) {
			for _, pt := range resp.Series {
				_ = w.Write([]string{pt.Bucket, strconv.FormatUint(pt.Count, 10)})
			}
		})
		return
	}
	c.JSON(http.StatusOK, resp)
}

// writeCSV sends UTF-8 CSV with a byte-order mark, so Excel shows
// Vietnamese correctly.
func writeCSV(c *gin.Context, filename string, header []string, body func(*csv.Writer)) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write([]byte{0xEF, 0xBB, 0xBF})
	w := csv.NewWriter(c.Writer)
	_ = w.Write(header)
	body(w)
	w.Flush()
}

func pct(a, b uint64) string {
	if b == 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(a)*100/float64(b), 'f', 1, 64)
}

func (s *Server) overviewPage(c *gin.Context) {
	q := c.Request.URL.Query()
	code, t := lang(q.Get("lang"))
	data := gin.H{"Lang": code, "T": t, "Granularities": []string{"day", "week", "month", "quarter"}}
	other := url.Values{}
	for k, v := range q {
		other[k] = v
	}
	if code == "vi" {
		other.Set("lang", "en")
	} else {
		other.Set("lang", "vi")
	}
	data["OtherLangURL"] = "/?" + other.Encode()
	status := http.StatusOK
	p, perr := s.parsePeriod(q)
	vol := VolumeResponse{From: p.From.Format("2006-01-02"), To: p.To.Format("2006-01-02"), Granularity: p.Granularity}
	if perr != nil {
		status = http.StatusBadRequest
		data["Error"] = t["bad_param"] + " " + perr.Param + ": " + perr.Message
	} else if v, err := s.feedbackVolume(c.Request.Context(), p); err != nil {
		s.log.Error("query failed", "err", err)
		status = http.StatusServiceUnavailable
		data["Error"] = t["unavailable"]
	} else {
		vol = v
	}
	var maxN uint64
	for _, pt := range vol.Series {
		maxN = max(maxN, pt.Count)
	}
	api := url.Values{"from": {vol.From}, "to": {vol.To}, "granularity": {vol.Granularity}}
	data["Data"], data["Max"] = vol, maxN
	data["APIURL"] = "/api/v1/feedback/volume?" + api.Encode()
	api.Set("format", "csv")
	data["CSVURL"] = "/api/v1/feedback/volume?" + api.Encode()
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := s.tmpl.ExecuteTemplate(c.Writer, "overview.html", data); err != nil {
		s.log.Error("render overview", "err", err)
	}
}
