package dashboard

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"dvpulse/event"
	"dvpulse/locality"
)

// Page is what every template receives.
type Page struct {
	Lang, Name    string
	T             map[string]string
	User          *Principal
	CSRF          string
	Filter        Filter
	ShowFilter    bool
	Error         string
	Notice        string
	Data          any
	Charts        []Chart
	VendorMissing bool
	Options       *FilterOptions
	ScopeNote     string
	path          string
	extra         url.Values // page-specific parameters kept in links (q, sort, …)
}

// navItem is one entry of the top navigation.
type navItem struct {
	Path, Key, Name string
}

var nav = []navItem{
	{"/", "nav_overview", "overview"},
	{"/sentiment", "nav_sentiment", "sentiment"},
	{"/dialogues", "nav_dialogues", "dialogues"},
	{"/models", "nav_models", "models"},
	{"/campaigns", "nav_campaigns", "campaigns"},
	{"/feedback", "nav_feedback", "feedback"},
	{"/localities", "nav_localities", "localities"},
}

// NavLink is a rendered navigation entry.
type NavLink struct {
	URL, Label string
	Active     bool
}

// Nav returns the navigation with the current filter and language kept.
func (p *Page) Nav() []NavLink {
	var out []NavLink
	for _, n := range nav {
		out = append(out, NavLink{URL: p.link(n.Path, p.Filter.Values()), Label: p.T[n.Key], Active: n.Name == p.Name || (n.Name == "feedback" && p.Name == "case")})
	}
	if p.User != nil && p.User.IsAdmin() {
		out = append(out, NavLink{URL: p.link("/admin", nil), Label: p.T["nav_admin"], Active: p.Name == "admin"})
	}
	return out
}

func (p *Page) link(path string, v url.Values) string {
	if v == nil {
		v = url.Values{}
	}
	v.Set("lang", p.Lang)
	return path + "?" + v.Encode()
}

// URL returns path with the page's filter, language and extra parameters,
// with kv (name, value pairs) overriding them; an empty value removes one.
func (p *Page) URL(path string, kv ...string) string {
	v := p.Filter.Values()
	for k, x := range p.extra {
		v[k] = x
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	return p.link(path, v)
}

// ExtraHidden returns the page-specific parameters to keep in the filter
// form (q, sort).
func (p *Page) ExtraHidden() map[string]string {
	out := map[string]string{}
	for k := range p.extra {
		out[k] = p.extra.Get(k)
	}
	return out
}

// FilterHidden returns the filter as hidden fields for another form.
func (p *Page) FilterHidden() map[string]string {
	out := map[string]string{}
	v := p.Filter.Values()
	for k := range v {
		out[k] = v.Get(k)
	}
	return out
}

// Here is URL for the current page.
func (p *Page) Here(kv ...string) string { return p.URL(p.path, kv...) }

// OtherLangURL switches language and keeps everything else.
func (p *Page) OtherLangURL() string {
	other := "en"
	if p.Lang == "en" {
		other = "vi"
	}
	q := p.Filter.Values()
	if !p.ShowFilter {
		q = url.Values{}
	}
	for k, x := range p.extra {
		q[k] = x
	}
	q.Set("lang", other)
	return p.path + "?" + q.Encode()
}

// APIURL returns the API endpoint with the page's filter.
func (p *Page) APIURL(endpoint string, kv ...string) string {
	v := p.Filter.Values()
	for k, x := range p.extra {
		v[k] = x
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "/api/v1/" + endpoint + "?" + v.Encode()
}

// CSVURL is APIURL with format=csv.
func (p *Page) CSVURL(endpoint string, kv ...string) string {
	return p.APIURL(endpoint, append(kv, "format", "csv")...)
}

// Label returns a vocabulary label in the page's language.
func (p *Page) Label(vocab, code string) string {
	v := vocabs[vocab]
	if v == nil || code == "" {
		return code
	}
	return v.Label(code, p.Lang)
}

var vocabs = map[string]*event.Vocabulary{
	"topic": event.Topics, "channel": event.Channels, "status": event.FeedbackStatuses, "sentiment": event.SentimentLabels,
	"host_level": event.HostLevels, "host_role": event.HostRoles, "field": event.ModelFields, "outcome": event.Outcomes,
	"activity_kind": event.ActivityKinds, "form": event.CriticismForms,
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
}

// OptGroup is a labelled group of options.
type OptGroup struct {
	Label   string
	Options []Option
}

// FilterOptions are the choices of the filter bar.
type FilterOptions struct {
	Periods, Granularities, Topics, Channels []Option
	Localities                               []OptGroup
	Years                                    []int
	Months                                   []int
}

func (s *Server) filterOptions(lang string, sc Scope) *FilterOptions {
	t := messages[lang]
	o := &FilterOptions{}
	for _, p := range periods {
		o.Periods = append(o.Periods, Option{p, t["period_"+p]})
	}
	for _, g := range granularities {
		o.Granularities = append(o.Granularities, Option{g, t[g]})
	}
	for _, c := range event.Topics.Codes() {
		o.Topics = append(o.Topics, Option{c, event.Topics.Label(c, lang)})
	}
	for _, c := range event.Channels.Codes() {
		o.Channels = append(o.Channels, Option{c, event.Channels.Label(c, lang)})
	}
	in := func(code string) bool {
		if sc.Communes == nil {
			return true
		}
		for _, c := range sc.Communes {
			if c == code {
				return true
			}
		}
		return false
	}
	cur := OptGroup{Label: t["loc_2025"]}
	for _, u := range s.loc.Units(locality.Scheme2025) {
		if in(u.Code) {
			cur.Options = append(cur.Options, Option{"c:" + u.Code, u.Name})
		}
	}
	o.Localities = append(o.Localities, cur)
	if sc.Communes == nil {
		d := OptGroup{Label: t["loc_district"]}
		for _, u := range s.loc.Districts() {
			d.Options = append(d.Options, Option{"d:" + u.Code, u.Name})
		}
		p := OptGroup{Label: t["loc_pre2025"]}
		for _, u := range s.loc.Units(locality.SchemePre2025) {
			p.Options = append(p.Options, Option{"p:" + u.Code, u.Name + " (" + u.DistrictName + ")"})
		}
		o.Localities = append(o.Localities, d, p)
	}
	y := s.now().In(Hanoi).Year()
	for i := y; i >= y-6; i-- {
		o.Years = append(o.Years, i)
	}
	for i := 1; i <= 12; i++ {
		o.Months = append(o.Months, i)
	}
	return o
}

func langOf(c *gin.Context) string {
	code, _ := lang(c.Query("lang"))
	return code
}

// newPage prepares the common page data; filter pages call withFilter.
func (s *Server) newPage(c *gin.Context, name string, f *Filter) *Page {
	code, t := lang(c.Query("lang"))
	p := &Page{Lang: code, Name: name, T: t, User: principal(c), VendorMissing: !s.vendorOK, path: c.Request.URL.Path, extra: url.Values{}}
	p.CSRF = s.csrfToken(p.User)
	if f != nil {
		p.Filter, p.ShowFilter = *f, true
		sc := Scope{}
		if p.User != nil {
			sc = p.User.Scope()
		}
		p.Options = s.filterOptions(code, sc)
		if sc.Communes != nil {
			names := make([]string, len(sc.Communes))
			for i, c := range sc.Communes {
				names[i] = s.communeName(c)
			}
			p.ScopeNote = t["scope_note"] + " " + strings.Join(names, ", ")
		}
	}
	return p
}

func (s *Server) render(c *gin.Context, status int, name string, p *Page) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "internal error while rendering the page\n")
		return
	}
	s.markRendered(name)
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) renderError(c *gin.Context, status int, key string) {
	p := s.newPage(c, "error", nil)
	p.Error = p.T[key]
	if p.Error == "" {
		p.Error = key
	}
	s.render(c, status, "error", p)
}

// funcs are the template helpers.
var funcs = template.FuncMap{
	"pct": func(x *float64) string {
		if x == nil {
			return "—"
		}
		return strconv.FormatFloat(*x*100, 'f', 1, 64) + "%"
	},
	"num": func(x any) string {
		switch v := x.(type) {
		case uint64:
			return groupDigits(strconv.FormatUint(v, 10))
		case int:
			return groupDigits(strconv.Itoa(v))
		case int64:
			if v < 0 {
				return "-" + groupDigits(strconv.FormatUint(uint64(-v), 10))
			}
			return groupDigits(strconv.FormatInt(v, 10))
		case float64:
			return strconv.FormatFloat(v, 'f', 1, 64)
		case *float64:
			if v == nil {
				return "—"
			}
			if *v == math.Trunc(*v) && math.Abs(*v) < 1e15 {
				return groupDigits(strconv.FormatInt(int64(*v), 10))
			}
			return strconv.FormatFloat(*v, 'f', 2, 64)
		}
		return fmt.Sprint(x)
	},
	"signed": func(x *float64) string {
		if x == nil {
			return "—"
		}
		return strconv.FormatFloat(*x, 'f', 2, 64)
	},
	// heat maps a share in [0,1] to one of the classes heat0 … heat9.
	"heat": func(x *float64) string {
		if x == nil {
			return "heatna"
		}
		i := int(math.Floor(*x * 10))
		return "heat" + strconv.Itoa(max(0, min(i, 9)))
	},
	"heatn": func(n, maxN uint64) string {
		if maxN == 0 {
			return "heat0"
		}
		return "heat" + strconv.Itoa(min(int(n*10/(maxN+1)), 9))
	},
	"short": func(s string, n int) string {
		r := []rune(s)
		if len(r) <= n {
			return s
		}
		return string(r[:n]) + "…"
	},
	"join": strings.Join,
	"deref": func(x any) any {
		switch v := x.(type) {
		case *float64:
			if v == nil {
				return 0.0
			}
			return *v
		case *bool:
			return v != nil && *v
		}
		return x
	},
	// heatinv is heat for shares where high is good.
	"heatinv": func(x *float64) string {
		if x == nil {
			return "heatna"
		}
		return "heat" + strconv.Itoa(max(0, min(int(math.Floor((1-*x)*10)), 9)))
	},
	"pair":  func(p *Page, v any) map[string]any { return map[string]any{"P": p, "V": v} },
	"sorts": func() []string { return []string{"newest", "oldest", "score"} },
	"loccols": func() []string {
		return []string{"name", "received", "negative", "index", "resolution", "deadline", "dialogues", "models"}
	},
	"add": func(a, b int) int { return a + b },
}

func groupDigits(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Chart is one ECharts chart, drawn by static/app.js from this data. All
// strings are text: app.js escapes them before ECharts renders HTML.
type Chart struct {
	ID         string        `json:"id"`
	Kind       string        `json:"kind"` // line | bar | hbar
	Title      string        `json:"title"`
	Categories []string      `json:"categories"`
	Series     []ChartSeries `json:"series"`
	// Notes are extra tooltip lines per category (e.g. the feedback that
	// drove a hot spot).
	Notes   [][]string `json:"notes,omitempty"`
	Percent bool       `json:"percent,omitempty"`
	Empty   bool       `json:"empty"`
}

// ChartSeries is one series; nil values are gaps.
type ChartSeries struct {
	Name  string     `json:"name"`
	Type  string     `json:"type,omitempty"` // line | bar | band-low | band-high
	Data  []*float64 `json:"data"`
	Axis  int        `json:"axis,omitempty"` // 1 = right axis
	Stack string     `json:"stack,omitempty"`
}

func uval(x uint64) *float64 { v := float64(x); return &v }
