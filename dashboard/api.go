package dashboard

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"dvpulse/event"
	"dvpulse/locality"
)

//go:embed openapi.json
var openAPI []byte

func (s *Server) apiOpenAPI(c *gin.Context) { c.Data(http.StatusOK, "application/json", openAPI) }

func apiError(c *gin.Context, status int, code, param, msg string) {
	c.JSON(status, gin.H{"error": gin.H{"code": code, "parameter": param, "message": msg}})
}

// apiBegin parses the filter of an API request, answering 400 on a bad
// parameter (and for format values other than json and csv).
func (s *Server) apiBegin(c *gin.Context) (Filter, Scope, bool) {
	f, perr := s.parseFilter(c.Request.URL.Query())
	if perr == nil {
		if v := c.Query("format"); v != "" && v != "json" && v != "csv" {
			perr = badParam("format", "%q is not json or csv", clip(v))
		}
	}
	if perr != nil {
		apiError(c, http.StatusBadRequest, "bad_parameter", perr.Param, perr.Message)
		return f, Scope{}, false
	}
	return f, principal(c).Scope(), true
}

func (s *Server) apiFailed(c *gin.Context, err error) {
	s.log.Error("query failed", "path", c.FullPath(), "err", err)
	apiError(c, http.StatusServiceUnavailable, "storage_unavailable", "", "the indicator store did not answer; retry shortly")
}

// TableResponse is the JSON of every table endpoint.
type TableResponse struct {
	From        string         `json:"from"`
	To          string         `json:"to"`
	Granularity string         `json:"granularity"`
	Filter      map[string]any `json:"filter"`
	Rows        any            `json:"rows"`
	Total       *uint64        `json:"total,omitempty"`
	// TotalCapped says that a search's count stopped at total: there are
	// more matches.
	TotalCapped bool `json:"total_capped,omitempty"`
}

// reply answers rows as JSON, or as CSV named name with ?format=csv.
func (s *Server) reply(c *gin.Context, f Filter, name string, rows any) {
	if c.Query("format") == "csv" {
		writeCSV(c, name+".csv", rows)
		return
	}
	fm := map[string]any{"period": f.Period, "locality": f.Locality, "topic": f.Topic, "channel": f.Channel}
	c.JSON(http.StatusOK, TableResponse{From: f.From.Format("2006-01-02"), To: f.To.Format("2006-01-02"), Granularity: f.Granularity, Filter: fm, Rows: rows})
}

func (s *Server) apiRoutes() map[string]gin.HandlerFunc {
	lang := func(c *gin.Context) string { return langOf(c) }
	return map[string]gin.HandlerFunc{
		"/feedback/volume": s.apiFeedbackVolume,
		"/overview": func(c *gin.Context) {
			f, sc, ok := s.apiBegin(c)
			if !ok {
				return
			}
			ctx, cancel := ctxTimeout(c)
			defer cancel()
			k, err := s.kpis(ctx, f, sc, lang(c))
			if err != nil {
				s.apiFailed(c, err)
				return
			}
			s.reply(c, f, "overview", k)
		},
		"/hotspots": func(c *gin.Context) {
			f, sc, ok := s.apiBegin(c)
			if !ok {
				return
			}
			ctx, cancel := ctxTimeout(c)
			defer cancel()
			hs, _, err := s.hotspots(ctx, f, sc, lang(c))
			if err != nil {
				s.apiFailed(c, err)
				return
			}
			s.reply(c, f, "hotspots", hs)
		},
		"/sentiment/series":     s.sentimentAPI("series"),
		"/sentiment/topics":     s.sentimentAPI("topics"),
		"/sentiment/localities": s.sentimentAPI("localities"),
		"/sentiment/drivers":    s.sentimentAPI("drivers"),
		"/feedback": func(c *gin.Context) {
			f, sc, ok := s.apiBegin(c)
			if !ok {
				return
			}
			q, order, page, perr := explorerParams(c)
			if perr != nil {
				apiError(c, http.StatusBadRequest, "bad_parameter", perr.Param, perr.Message)
				return
			}
			d, err := s.feedbackData(c, f, sc, lang(c), q, order, page)
			if err != nil {
				s.apiFailed(c, err)
				return
			}
			if c.Query("format") == "csv" {
				writeCSV(c, "feedback.csv", d.Items)
				return
			}
			fm := map[string]any{"period": f.Period, "locality": f.Locality, "topic": f.Topic, "channel": f.Channel, "q": q, "sort": order, "page": page}
			c.JSON(http.StatusOK, TableResponse{From: f.From.Format("2006-01-02"), To: f.To.Format("2006-01-02"), Granularity: f.Granularity, Filter: fm, Rows: d.Items, Total: &d.Total, TotalCapped: d.TotalCapped})
		},
		"/cases/:id": func(c *gin.Context) {
			id := c.Param("id")
			if !caseIDOK(id) {
				apiError(c, http.StatusNotFound, "not_found", "id", "no such feedback case")
				return
			}
			ctx, cancel := ctxTimeout(c)
			defer cancel()
			cs, found, err := s.loadCase(ctx, id, principal(c).Scope())
			if err != nil {
				s.apiFailed(c, err)
				return
			}
			if !found {
				apiError(c, http.StatusNotFound, "not_found", "id", "no such feedback case")
				return
			}
			if c.Query("format") == "csv" {
				writeCSV(c, "case-events.csv", cs.Events)
				return
			}
			c.JSON(http.StatusOK, cs)
		},
		"/localities": func(c *gin.Context) {
			f, sc, ok := s.apiBegin(c)
			if !ok {
				return
			}
			sortKey := c.DefaultQuery("sort", "received")
			if _, ok := localitySorts[sortKey]; !ok {
				apiError(c, http.StatusBadRequest, "bad_parameter", "sort", fmt.Sprintf("%q is not a sort key", clip(sortKey)))
				return
			}
			ctx, cancel := ctxTimeout(c)
			defer cancel()
			rows, err := s.localities(ctx, f, sc, sortKey)
			if err != nil {
				s.apiFailed(c, err)
				return
			}
			s.reply(c, f, "localities", rows)
		},
		"/dialogues":             s.dialoguesAPI("months"),
		"/dialogues/hosts":       s.dialoguesAPI("hosts"),
		"/dialogues/issues":      s.dialoguesAPI("issues"),
		"/dialogues/commitments": s.dialoguesAPI("commitments"),
		"/models":                s.modelsAPI("fields"),
		"/models/localities":     s.modelsAPI("communes"),
		"/models/years":          s.modelsAPI("years"),
		"/campaigns":             s.campaignsAPI("campaigns"),
		"/campaigns/series":      s.campaignsAPI("campaigns/series"),
		"/criticism":             s.campaignsAPI("criticism"),
		"/criticism/series":      s.campaignsAPI("criticism/series"),
		"/meta":                  s.apiMeta,
	}
}

// tableAPI answers one table or series of a page: load computes it for the
// request's filter and scope, and the reply is named name (JSON, or CSV
// with ?format=csv).
func (s *Server) tableAPI(name string, load func(c *gin.Context, f Filter, sc Scope) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, sc, ok := s.apiBegin(c)
		if !ok {
			return
		}
		rows, err := load(c, f, sc)
		if err != nil {
			s.apiFailed(c, err)
			return
		}
		s.reply(c, f, name, rows)
	}
}

func (s *Server) sentimentAPI(part string) gin.HandlerFunc {
	return s.tableAPI("sentiment-"+part, func(c *gin.Context, f Filter, sc Scope) (any, error) {
		d, err := s.sentimentParts(c, f, sc, langOf(c), part)
		return map[string]any{"series": d.Series, "topics": d.Topics, "localities": d.Communes, "drivers": d.Drivers}[part], err
	})
}

func (s *Server) dialoguesAPI(part string) gin.HandlerFunc {
	return s.tableAPI("dialogues-"+part, func(c *gin.Context, f Filter, sc Scope) (any, error) {
		d, err := s.dialoguesParts(c, f, sc, part)
		return map[string]any{"months": d.Months, "hosts": d.Hosts, "issues": d.Issues, "commitments": d.Commitments}[part], err
	})
}

func (s *Server) modelsAPI(part string) gin.HandlerFunc {
	return s.tableAPI("models-"+part, func(c *gin.Context, f Filter, sc Scope) (any, error) {
		d, err := s.modelsData(c, f, sc, langOf(c))
		return map[string]any{"fields": d.Fields, "communes": d.Communes, "years": d.Years}[part], err
	})
}

// campaignsAPI answers one table of the campaigns and criticism page. The
// topic and channel filters do not apply to these tables.
func (s *Server) campaignsAPI(part string) gin.HandlerFunc {
	return s.tableAPI(strings.ReplaceAll(part, "/", "-"), func(c *gin.Context, f Filter, sc Scope) (any, error) {
		d, err := s.campaignsData(c, f, sc, langOf(c), false)
		return map[string]any{"campaigns": d.Campaigns, "campaigns/series": d.CampaignSeries, "criticism": d.Criticism, "criticism/series": d.CriticismSeries}[part], err
	})
}

// MetaUnit is a locality the filter accepts.
type MetaUnit struct {
	Value string `json:"value"`
	Name  string `json:"name"`
}

func (s *Server) apiMeta(c *gin.Context) {
	lang := langOf(c)
	sc := principal(c).Scope()
	vocab := func(v *event.Vocabulary) []Option {
		var out []Option
		for _, code := range v.Codes() {
			out = append(out, Option{code, v.Label(code, lang)})
		}
		return out
	}
	var units []MetaUnit
	for _, g := range s.filterOptions(lang, sc).Localities {
		for _, o := range g.Options {
			units = append(units, MetaUnit{o.Value, o.Label})
		}
	}
	prov, name := s.loc.Province()
	_ = locality.Scheme2025
	c.JSON(http.StatusOK, gin.H{"province": gin.H{"code": prov, "name": name}, "topics": vocab(event.Topics), "channels": vocab(event.Channels),
		"localities": units, "periods": periods, "granularities": granularities, "scope": sc.Communes})
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

func (s *Server) apiFeedbackVolume(c *gin.Context) {
	f, sc, ok := s.apiBegin(c)
	if !ok {
		return
	}
	ctx, cancel := ctxTimeout(c)
	defer cancel()
	rows, err := s.feedbackGrouped(ctx, f, sc, "bucket")
	if err != nil {
		s.apiFailed(c, err)
		return
	}
	resp := VolumeResponse{From: f.From.Format("2006-01-02"), To: f.To.Format("2006-01-02"), Granularity: f.Granularity, Series: []Point{}}
	for _, r := range rows {
		resp.Series = append(resp.Series, Point{Bucket: r.Key, Count: r.Received})
		resp.Total += r.Received
	}
	if c.Query("format") == "csv" {
		writeCSV(c, "feedback-volume.csv", resp.Series)
		return
	}
	c.JSON(http.StatusOK, resp)
}

// neutralise keeps a spreadsheet from reading a text cell as a formula:
// a cell starting with = + - @ tab or CR gets a leading apostrophe.
func neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvCell formats one struct field for CSV. Text is neutralised; numbers
// that this package formats are not.
func csvCell(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return csvCell(v.Elem())
	case reflect.String:
		return neutralise(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Slice:
		var parts []string
		for i := 0; i < v.Len(); i++ {
			e := v.Index(i)
			if e.Kind() == reflect.Struct {
				// e.g. explanation n-grams: "text (weight)"
				parts = append(parts, fmt.Sprint(e.Interface()))
			} else {
				parts = append(parts, csvCell(e))
			}
		}
		return neutralise(strings.Join(parts, "; "))
	}
	return neutralise(fmt.Sprint(v.Interface()))
}

// writeCSV sends a slice of structs as UTF-8 CSV with a byte-order mark
// (so Excel shows Vietnamese correctly); the header is the json tags.
func writeCSV(c *gin.Context, filename string, rows any) {
	v := reflect.ValueOf(rows)
	if v.Kind() != reflect.Slice {
		panic("dashboard: writeCSV needs a slice")
	}
	et := v.Type().Elem()
	var idx []int
	var header []string
	for i := 0; i < et.NumField(); i++ {
		tag := strings.Split(et.Field(i).Tag.Get("json"), ",")[0]
		if tag == "" || tag == "-" || !et.Field(i).IsExported() {
			continue
		}
		if k := et.Field(i).Type; k.Kind() == reflect.Slice && k.Elem().Kind() == reflect.Struct && k.Elem().Name() == "ListItem" {
			continue
		}
		idx = append(idx, i)
		header = append(header, tag)
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write([]byte{0xEF, 0xBB, 0xBF})
	w := csv.NewWriter(c.Writer)
	_ = w.Write(header)
	for r := 0; r < v.Len(); r++ {
		row := make([]string, len(idx))
		for j, i := range idx {
			row[j] = csvCell(v.Index(r).Field(i))
		}
		_ = w.Write(row)
	}
	w.Flush()
}
