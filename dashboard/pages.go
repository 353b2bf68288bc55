package dashboard

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// begin parses the filter of a page request; on a bad parameter it renders
// the page with the error and a 400, and reports false.
func (s *Server) begin(c *gin.Context, name string) (*Page, Filter, Scope, bool) {
	f, perr := s.parseFilter(c.Request.URL.Query())
	p := s.newPage(c, name, &f)
	sc := principal(c).Scope()
	if perr != nil {
		p.Error = p.T["bad_param"] + " " + perr.Param + ": " + perr.Message
		s.render(c, http.StatusBadRequest, name, p)
		return nil, f, sc, false
	}
	return p, f, sc, true
}

func (s *Server) failed(c *gin.Context, name string, p *Page, err error) {
	s.log.Error("query failed", "page", name, "err", err)
	p.Error = p.T["unavailable"]
	p.Data = nil
	s.render(c, http.StatusServiceUnavailable, name, p)
}

func lineChart(id, title string, cats []string) Chart {
	return Chart{ID: id, Kind: "line", Title: title, Categories: cats, Empty: len(cats) == 0}
}

// OverviewData is the overview page.
type OverviewData struct {
	KPIs       []KPI
	Series     []FeedbackRow
	Hotspots   []Hotspot
	HotspotRef string
}

func (s *Server) overviewPage(c *gin.Context) {
	p, f, sc, ok := s.begin(c, "overview")
	if !ok {
		return
	}
	ctx, cancel := ctxTimeout(c)
	defer cancel()
	var d OverviewData
	var err error
	if d.KPIs, err = s.kpis(ctx, f, sc, p.Lang); err != nil {
		s.failed(c, "overview", p, err)
		return
	}
	series, err := s.feedbackGrouped(ctx, f, sc, "bucket")
	if err != nil {
		s.failed(c, "overview", p, err)
		return
	}
	d.Series = fillBuckets(f, series, func(r *FeedbackRow) string { return r.Key }, func(b string) FeedbackRow { return FeedbackRow{Key: b} })
	hs, ref, err := s.hotspots(ctx, f, sc, p.Lang)
	if err != nil {
		s.failed(c, "overview", p, err)
		return
	}
	d.Hotspots, d.HotspotRef = hs, ref.In(Hanoi).Format("2006-01-02 15:04")
	p.Data = d
	p.Charts = []Chart{s.volumeChart(p, d.Series), s.hotspotChart(p, hs)}
	s.render(c, http.StatusOK, "overview", p)
}

func (s *Server) volumeChart(p *Page, series []FeedbackRow) Chart {
	ch := Chart{ID: "volume", Kind: "bar", Title: p.T["volume_chart"]}
	rec := ChartSeries{Name: p.T["received"], Type: "bar"}
	neg := ChartSeries{Name: p.T["negative_share"], Type: "line", Axis: 1}
	var total uint64
	for _, r := range series {
		ch.Categories = append(ch.Categories, r.Key)
		rec.Data = append(rec.Data, uval(r.Received))
		neg.Data = append(neg.Data, pctPtr(r.NegativeShare))
		total += r.Received
	}
	ch.Series = []ChartSeries{rec, neg}
	ch.Empty = total == 0
	return ch
}

func pctPtr(x *float64) *float64 {
	if x == nil {
		return nil
	}
	return fptr(round3(*x * 100))
}

func (s *Server) hotspotChart(p *Page, hs []Hotspot) Chart {
	ch := Chart{ID: "hotspots", Kind: "hbar", Title: p.T["hotspots"], Empty: len(hs) == 0}
	recent := ChartSeries{Name: p.T["last_24h"], Type: "bar"}
	thr := ChartSeries{Name: p.T["threshold"], Type: "bar"}
	for _, h := range hs {
		ch.Categories = append(ch.Categories, h.CommuneName+" · "+h.TopicLabel)
		recent.Data = append(recent.Data, uval(h.Recent))
		thr.Data = append(thr.Data, fptr(round3(h.Threshold)))
		var notes []string
		for _, d := range h.Drivers {
			notes = append(notes, d.Text)
		}
		ch.Notes = append(ch.Notes, notes)
	}
	ch.Series = []ChartSeries{recent, thr}
	return ch
}

// SentimentData is the sentiment page.
type SentimentData struct {
	Series   []FeedbackRow
	Topics   []FeedbackRow
	Communes []FeedbackRow
	Drivers  []ListItem
}

func (s *Server) sentimentData(c *gin.Context, f Filter, sc Scope, lang string) (SentimentData, error) {
	return s.sentimentParts(c, f, sc, lang, "")
}

// sentimentParts fills only the part named ("series", "topics",
// "localities" or "drivers"; "" for all), so that an API call for one
// table runs only that table's query.
func (s *Server) sentimentParts(c *gin.Context, f Filter, sc Scope, lang, part string) (SentimentData, error) {
	ctx, cancel := ctxTimeout(c)
	defer cancel()
	var d SentimentData
	want := func(p string) bool { return part == "" || part == p }
	var parts []func() error
	if want("series") {
		parts = append(parts, func() error {
			series, err := s.feedbackGrouped(ctx, f, sc, "bucket")
			d.Series = fillBuckets(f, series, func(r *FeedbackRow) string { return r.Key }, func(b string) FeedbackRow { return FeedbackRow{Key: b} })
			return err
		})
	}
	if want("topics") {
		parts = append(parts, func() (err error) {
			if d.Topics, err = s.feedbackGrouped(ctx, f, sc, "topic"); err == nil {
				s.labelFeedback(d.Topics, "topic", lang)
				sortFeedbackBy(d.Topics)
			}
			return err
		})
	}
	if want("localities") {
		parts = append(parts, func() (err error) {
			if d.Communes, err = s.feedbackGrouped(ctx, f, sc, "commune"); err == nil {
				s.labelFeedback(d.Communes, "commune", lang)
				sortFeedbackBy(d.Communes)
			}
			return err
		})
	}
	if want("drivers") {
		parts = append(parts, func() (err error) {
			d.Drivers, err = s.feedbackItems(ctx, f, sc, listOptions{order: "score", limit: 10}, lang)
			return err
		})
	}
	return d, together(parts...)
}

func (s *Server) sentimentPage(c *gin.Context) {
	p, f, sc, ok := s.begin(c, "sentiment")
	if !ok {
		return
	}
	d, err := s.sentimentData(c, f, sc, p.Lang)
	if err != nil {
		s.failed(c, "sentiment", p, err)
		return
	}
	p.Data = d
	idx := Chart{ID: "index", Kind: "line", Title: p.T["index"]}
	mean := ChartSeries{Name: p.T["index"], Type: "line"}
	lo := ChartSeries{Name: p.T["index_band"], Type: "band-low", Stack: "band"}
	hi := ChartSeries{Name: p.T["index_band"], Type: "band-high", Stack: "band"}
	neg := ChartSeries{Name: p.T["negative_share"], Type: "line", Axis: 1}
	var scored uint64
	for _, r := range d.Series {
		idx.Categories = append(idx.Categories, r.Key)
		mean.Data = append(mean.Data, r.Index)
		lo.Data = append(lo.Data, r.IndexLow)
		if r.IndexLow != nil {
			hi.Data = append(hi.Data, fptr(*r.IndexHigh-*r.IndexLow))
		} else {
			hi.Data = append(hi.Data, nil)
		}
		neg.Data = append(neg.Data, pctPtr(r.NegativeShare))
		scored += r.Scored
	}
	idx.Series, idx.Empty = []ChartSeries{lo, hi, mean, neg}, scored == 0
	p.Charts = []Chart{idx, s.shareChart(p, "topics", p.T["by_topic"], d.Topics), s.shareChart(p, "communes", p.T["by_locality"], top(d.Communes, 15))}
	s.render(c, http.StatusOK, "sentiment", p)
}

func top(rows []FeedbackRow, n int) []FeedbackRow {
	if len(rows) > n {
		return rows[:n]
	}
	return rows
}

func (s *Server) shareChart(p *Page, id, title string, rows []FeedbackRow) Chart {
	ch := Chart{ID: id, Kind: "hbar", Title: title, Percent: true}
	neg := ChartSeries{Name: p.T["negative_share"], Type: "bar"}
	var scored uint64
	for _, r := range rows {
		ch.Categories = append(ch.Categories, r.Label)
		neg.Data = append(neg.Data, pctPtr(r.NegativeShare))
		scored += r.Scored
	}
	ch.Series, ch.Empty = []ChartSeries{neg}, scored == 0
	return ch
}

// FeedbackData is the feedback explorer.
type FeedbackData struct {
	Query string
	Sort  string
	Items []ListItem
	Total uint64
	// TotalCapped: a search's count stopped at Total (searchCountCap);
	// there are more.
	TotalCapped bool
	Page        int
	Pages       int
	PageSize    int
}

const pageSize = 50

// explorerParams reads q, sort and page.
func explorerParams(c *gin.Context) (q, order string, page int, perr *paramError) {
	q = strings.TrimSpace(c.Query("q"))
	if len([]rune(q)) > 200 {
		return "", "", 0, badParam("q", "longer than 200 characters")
	}
	if q != "" && len(Words(Fold(q))) == 0 {
		// A search matches whole words (letters and digits): a term of
		// punctuation or symbols only would match nothing, silently.
		return "", "", 0, badParam("q", "%q has no word (letters or digits) to search for", clip(q))
	}
	order = c.DefaultQuery("sort", "newest")
	if _, ok := listOrders[order]; !ok {
		return "", "", 0, badParam("sort", "%q is not one of newest, oldest, score", clip(order))
	}
	page = 1
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return "", "", 0, badParam("page", "%q is not a page number", clip(v))
		}
		page = n
	}
	return q, order, page, nil
}

func (s *Server) feedbackData(c *gin.Context, f Filter, sc Scope, lang, q, order string, page int) (FeedbackData, error) {
	ctx, cancel := ctxTimeout(c)
	defer cancel()
	d := FeedbackData{Query: q, Sort: order, Page: page, PageSize: pageSize}
	o := listOptions{search: Fold(q), order: order, offset: (page - 1) * pageSize, limit: pageSize}
	var err error
	if o.search != "" && o.offset > 0 {
		// A later page of a search: its count tells feedbackItems whether
		// the newest (or oldest) days can hold the page at all.
		if d.Total, d.TotalCapped, err = s.feedbackCount(ctx, f, sc, o); err != nil {
			return d, err
		}
		o.total, o.totalCapped = d.Total, d.TotalCapped
		d.Items, err = s.feedbackItems(ctx, f, sc, o, lang)
	} else {
		// Otherwise the page does not depend on the count: both at once.
		err = together(func() (err error) {
			d.Total, d.TotalCapped, err = s.feedbackCount(ctx, f, sc, o)
			return err
		}, func() (err error) {
			d.Items, err = s.feedbackItems(ctx, f, sc, o, lang)
			return err
		})
	}
	d.Pages = int((d.Total + pageSize - 1) / pageSize)
	return d, err
}

func (s *Server) feedbackPage(c *gin.Context) {
	p, f, sc, ok := s.begin(c, "feedback")
	if !ok {
		return
	}
	q, order, page, perr := explorerParams(c)
	if perr != nil {
		p.Error = p.T["bad_param"] + " " + perr.Param + ": " + perr.Message
		s.render(c, http.StatusBadRequest, "feedback", p)
		return
	}
	if q != "" {
		p.extra.Set("q", q)
	}
	if order != "newest" {
		p.extra.Set("sort", order)
	}
	d, err := s.feedbackData(c, f, sc, p.Lang, q, order, page)
	if err != nil {
		s.failed(c, "feedback", p, err)
		return
	}
	p.Data = d
	s.render(c, http.StatusOK, "feedback", p)
}

var caseIDOK = func(id string) bool { return id != "" && len(id) <= 200 && !strings.ContainsAny(id, "\x00\r\n") }

func (s *Server) casePage(c *gin.Context) {
	f, _ := s.parseFilter(c.Request.URL.Query())
	p := s.newPage(c, "case", &f)
	p.ShowFilter = false
	id := c.Param("id")
	if !caseIDOK(id) {
		p.Error = p.T["not_found"]
		s.render(c, http.StatusNotFound, "case", p)
		return
	}
	ctx, cancel := ctxTimeout(c)
	defer cancel()
	cs, found, err := s.loadCase(ctx, id, principal(c).Scope())
	if err != nil {
		s.failed(c, "case", p, err)
		return
	}
	if !found {
		p.Error = p.T["not_found"]
		s.render(c, http.StatusNotFound, "case", p)
		return
	}
	p.Data = cs
	s.render(c, http.StatusOK, "case", p)
}

// LocalitiesData is the localities page.
type LocalitiesData struct {
	Sort string
	Rows []LocalityRow
	Max  uint64
}

func (s *Server) localitiesPage(c *gin.Context) {
	p, f, sc, ok := s.begin(c, "localities")
	if !ok {
		return
	}
	sortKey := c.DefaultQuery("sort", "received")
	if _, ok := localitySorts[sortKey]; !ok {
		p.Error = p.T["bad_param"] + " sort: " + clip(sortKey)
		s.render(c, http.StatusBadRequest, "localities", p)
		return
	}
	p.extra.Set("sort", sortKey)
	ctx, cancel := ctxTimeout(c)
	defer cancel()
	rows, err := s.localities(ctx, f, sc, sortKey)
	if err != nil {
		s.failed(c, "localities", p, err)
		return
	}
	d := LocalitiesData{Sort: sortKey, Rows: rows}
	for _, r := range rows {
		d.Max = max(d.Max, r.Received)
	}
	p.Data = d
	s.render(c, http.StatusOK, "localities", p)
}

// DialoguesData is the dialogues page.
type DialoguesData struct {
	Months      []DialogueMonth
	Hosts       []DialogueHost
	Issues      []CountRow
	Commitments []CommitmentRow
}

func (s *Server) dialoguesData(c *gin.Context, f Filter, sc Scope) (DialoguesData, error) {
	return s.dialoguesParts(c, f, sc, "")
}

// dialoguesParts fills only the part named ("months", "hosts", "issues"
// or "commitments"; "" for all); months and hosts come from one query.
func (s *Server) dialoguesParts(c *gin.Context, f Filter, sc Scope, part string) (DialoguesData, error) {
	ctx, cancel := ctxTimeout(c)
	defer cancel()
	var d DialoguesData
	want := func(p string) bool { return part == "" || part == p }
	if want("months") || want("hosts") {
		hosts, err := s.dialogueHosts(ctx, f, sc)
		if err != nil {
			return d, err
		}
		for i := range hosts {
			hosts[i].CommuneName = s.communeName(hosts[i].Commune)
		}
		d.Hosts, d.Months = hosts, dialogueMonths(hosts)
	}
	var err error
	if want("issues") {
		if d.Issues, err = s.issuesGrouped(ctx, f, sc, "bucket"); err != nil {
			return d, err
		}
	}
	if want("commitments") {
		if d.Commitments, err = s.commitmentsGrouped(ctx, f, sc, "commune"); err != nil {
			return d, err
		}
		for i := range d.Commitments {
			d.Commitments[i].Label = s.communeName(d.Commitments[i].Key)
		}
	}
	return d, nil
}

func (s *Server) dialoguesPage(c *gin.Context) {
	p, f, sc, ok := s.begin(c, "dialogues")
	if !ok {
		return
	}
	d, err := s.dialoguesData(c, f, sc)
	if err != nil {
		s.failed(c, "dialogues", p, err)
		return
	}
	p.Data = d
	ch := Chart{ID: "dialogues", Kind: "bar", Title: p.T["title_dialogues"], Empty: len(d.Months) == 0}
	held := ChartSeries{Name: p.T["held"], Type: "bar"}
	share := ChartSeries{Name: p.T["hosts_meeting"], Type: "line", Axis: 1}
	for _, m := range d.Months {
		ch.Categories = append(ch.Categories, m.Month)
		held.Data = append(held.Data, uval(m.Held))
		share.Data = append(share.Data, pctPtr(m.ShareOK))
	}
	ch.Series = []ChartSeries{held, share}
	p.Charts = []Chart{ch}
	s.render(c, http.StatusOK, "dialogues", p)
}

// ModelsData is the models page.
type ModelsData struct {
	Fields   []ModelRow
	Communes []ModelRow
	Years    []ModelYear
}

func (s *Server) modelsData(c *gin.Context, f Filter, sc Scope, lang string) (ModelsData, error) {
	ctx, cancel := ctxTimeout(c)
	defer cancel()
	var d ModelsData
	// The three groupings in one pass over the per-cell counts.
	g, err := s.modelsGroupings(ctx, f, sc, "field", "commune", "year")
	if err != nil {
		return d, err
	}
	d.Fields, d.Communes = g[0], g[1]
	for i := range d.Fields {
		d.Fields[i].Label = vocabs["field"].Label(d.Fields[i].Key, lang)
	}
	pop, err := s.population(ctx)
	if err != nil {
		return d, err
	}
	for i := range d.Communes {
		r := &d.Communes[i]
		r.Label = s.communeName(r.Key)
		if p := pop[r.Key]; p > 0 {
			r.Population = &p
			r.PerTenThousand = fptr(math.Round(float64(r.Registered)*10000/float64(p)*100) / 100)
		}
	}
	d.Years = modelYears(g[2])
	return d, nil
}

func (s *Server) modelsPage(c *gin.Context) {
	p, f, sc, ok := s.begin(c, "models")
	if !ok {
		return
	}
	d, err := s.modelsData(c, f, sc, p.Lang)
	if err != nil {
		s.failed(c, "models", p, err)
		return
	}
	p.Data = d
	ch := Chart{ID: "models", Kind: "bar", Title: p.T["by_field"], Empty: len(d.Fields) == 0}
	reg := ChartSeries{Name: p.T["registered"], Type: "bar"}
	rec := ChartSeries{Name: p.T["recognized"], Type: "bar"}
	eff := ChartSeries{Name: p.T["effective"], Type: "bar"}
	for _, r := range d.Fields {
		ch.Categories = append(ch.Categories, r.Label)
		reg.Data = append(reg.Data, uval(r.Registered))
		rec.Data = append(rec.Data, uval(r.Recognized))
		eff.Data = append(eff.Data, uval(r.Effective))
	}
	ch.Series = []ChartSeries{reg, rec, eff}
	p.Charts = []Chart{ch}
	s.render(c, http.StatusOK, "models", p)
}

// CampaignsData is the campaigns and criticism page.
type CampaignsData struct {
	KPIs            []KPI
	CampaignSeries  []CampaignFigures
	Campaigns       []CampaignRow
	CriticismSeries []CriticismFigures
	Criticism       []CriticismRow
}

// campaignFigures sums campaign figures (total rows: at most one).
func campaignFigures(rows []CampaignFigures) CampaignFigures {
	var t CampaignFigures
	for _, r := range rows {
		t.Activities += r.Activities
		t.Participants += r.Participants
		t.MoneyVND += r.MoneyVND
		t.LandM2 += r.LandM2
	}
	return t
}

// criticismFigures sums criticism figures (total rows: at most one).
func criticismFigures(rows []CriticismFigures) CriticismFigures {
	var t CriticismFigures
	for _, r := range rows {
		t.Sessions += r.Sessions
		t.Given += r.Given
		t.Accepted += r.Accepted
	}
	t.AcceptedShare = ratio(t.Accepted, t.Given)
	return t
}

// campaignKPIs returns the page's key figures for f against the previous
// period: participants, money, land, criticism sessions, opinions given and
// the share accepted.
func (s *Server) campaignKPIs(ctx context.Context, f Filter, sc Scope, lang string) ([]KPI, error) {
	var cm [2]CampaignFigures
	var cr [2]CriticismFigures
	for i, g := range []Filter{f, f.Previous()} {
		rows, err := s.campaignSeries(ctx, g, sc, "total")
		if err != nil {
			return nil, err
		}
		cm[i] = campaignFigures(rows)
		crows, err := s.criticismSeries(ctx, g, sc, "total")
		if err != nil {
			return nil, err
		}
		cr[i] = criticismFigures(crows)
	}
	t := messages[lang]
	count := func(key string, a, b float64) KPI {
		k := KPI{Key: key, Label: t["kpi_"+key], Value: fptr(a), Previous: fptr(b), ChangeUnit: "%"}
		if a >= 0 {
			k.Numerator = uint64(a)
		}
		if b > 0 {
			k.Change = fptr((a - b) / b * 100)
		}
		return k
	}
	acc := KPI{Key: "accepted", Label: t["kpi_accepted"], Value: cr[0].AcceptedShare, Previous: cr[1].AcceptedShare, ChangeUnit: "pp", Share: true,
		Numerator: cr[0].Accepted, Denom: cr[0].Given}
	if acc.Value != nil && acc.Previous != nil {
		acc.Change = fptr((*acc.Value - *acc.Previous) * 100)
	}
	return []KPI{
		count("activities", float64(cm[0].Activities), float64(cm[1].Activities)),
		count("participants", float64(cm[0].Participants), float64(cm[1].Participants)),
		count("money", float64(cm[0].MoneyVND), float64(cm[1].MoneyVND)),
		count("land", round3(cm[0].LandM2), round3(cm[1].LandM2)),
		count("sessions", float64(cr[0].Sessions), float64(cr[1].Sessions)),
		count("opinions", float64(cr[0].Given), float64(cr[1].Given)),
		acc,
	}, nil
}

func (s *Server) campaignsData(c *gin.Context, f Filter, sc Scope, lang string, kpis bool) (CampaignsData, error) {
	ctx, cancel := ctxTimeout(c)
	defer cancel()
	var d CampaignsData
	var err error
	if kpis {
		if d.KPIs, err = s.campaignKPIs(ctx, f, sc, lang); err != nil {
			return d, err
		}
	}
	cs, err := s.campaignSeries(ctx, f, sc, "bucket")
	if err != nil {
		return d, err
	}
	d.CampaignSeries = fillBuckets(f, cs, func(r *CampaignFigures) string { return r.Bucket }, func(b string) CampaignFigures { return CampaignFigures{Bucket: b} })
	if d.Campaigns, err = s.campaignTotals(ctx, f, sc, lang); err != nil {
		return d, err
	}
	crs, err := s.criticismSeries(ctx, f, sc, "bucket")
	if err != nil {
		return d, err
	}
	d.CriticismSeries = fillBuckets(f, crs, func(r *CriticismFigures) string { return r.Bucket }, func(b string) CriticismFigures { return CriticismFigures{Bucket: b} })
	d.Criticism, err = s.criticismTotals(ctx, f, sc, lang)
	return d, err
}

func (s *Server) campaignsPage(c *gin.Context) {
	p, f, sc, ok := s.begin(c, "campaigns")
	if !ok {
		return
	}
	d, err := s.campaignsData(c, f, sc, p.Lang, true)
	if err != nil {
		s.failed(c, "campaigns", p, err)
		return
	}
	p.Data = d
	ch := Chart{ID: "campaigns", Kind: "bar", Title: p.T["campaigns_chart"]}
	part := ChartSeries{Name: p.T["participants"], Type: "bar"}
	given := ChartSeries{Name: p.T["opinions_given"], Type: "bar"}
	share := ChartSeries{Name: p.T["accepted_share"], Type: "line", Axis: 1}
	var activity uint64
	for i, r := range d.CampaignSeries {
		ch.Categories = append(ch.Categories, r.Bucket)
		part.Data = append(part.Data, uval(r.Participants))
		activity += r.Activities
		var cr CriticismFigures
		if i < len(d.CriticismSeries) {
			cr = d.CriticismSeries[i]
		}
		given.Data = append(given.Data, uval(cr.Given))
		share.Data = append(share.Data, pctPtr(cr.AcceptedShare))
		activity += cr.Sessions
	}
	ch.Series = []ChartSeries{part, given, share}
	ch.Empty = activity == 0
	p.Charts = []Chart{ch}
	s.render(c, http.StatusOK, "campaigns", p)
}
