package dashboard

import (
	"context"
	"sort"
	"strconv"
)

// KPI is one key figure with its value in the previous period.
type KPI struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Value    *float64 `json:"value"`
	Previous *float64 `json:"previous"`
	// Change is the relative change (counts, "%") or the difference in
	// percentage points (shares, "pp").
	Change     *float64 `json:"change"`
	ChangeUnit string   `json:"change_unit"`
	Share      bool     `json:"is_share"`
	Numerator  uint64   `json:"numerator"`
	Denom      uint64   `json:"denominator"`
}

// Totals are the figures of one period.
type totals struct {
	fb      FeedbackRow
	due     DueRow
	flow    FlowRow
	held    uint64
	commit  CommitmentRow
	models  ModelRow
	hostsOK uint64
	hosts   uint64
}

func (s *Server) totals(ctx context.Context, f Filter, sc Scope) (totals, error) {
	var t totals
	fb, due, flow, err := s.feedbackFigures(ctx, f, sc, "total")
	if err != nil {
		return t, err
	}
	if len(fb) > 0 {
		t.fb = fb[0]
	}
	t.due, t.flow = due[""], flow[""]
	hosts, err := s.dialogueHosts(ctx, f, sc)
	if err != nil {
		return t, err
	}
	for _, h := range hosts {
		t.held += h.Held
		t.hosts++
		if h.MeetsRule {
			t.hostsOK++
		}
	}
	cm, err := s.commitmentsGrouped(ctx, f, sc, "total")
	if err != nil {
		return t, err
	}
	if len(cm) > 0 {
		t.commit = cm[0]
	}
	return t, nil
}

// modelTotals returns the models registered up to the end of each of the
// periods fs, from one query grouped by registration year (every figure
// of ModelRow is a count, so the years add up).
func (s *Server) modelTotals(ctx context.Context, sc Scope, fs ...Filter) ([]ModelRow, error) {
	last := fs[0]
	for _, f := range fs {
		if f.To.Year() > last.To.Year() {
			last = f
		}
	}
	years, err := s.modelsGrouped(ctx, last, sc, "year")
	if err != nil {
		return nil, err
	}
	out := make([]ModelRow, len(fs))
	for i, f := range fs {
		for _, y := range years {
			if n, err := strconv.Atoi(y.Key); err == nil && n <= f.To.Year() {
				addModels(&out[i], y)
			}
		}
	}
	return out, nil
}

func addModels(dst *ModelRow, r ModelRow) {
	dst.Registered += r.Registered
	dst.Recognized += r.Recognized
	dst.Effective += r.Effective
	dst.Replications += r.Replications
}

// kpis returns the overview's key figures for f against the previous
// period.
func (s *Server) kpis(ctx context.Context, f Filter, sc Scope, lang string) ([]KPI, error) {
	var cur, prev totals
	var md []ModelRow
	err := together(func() (err error) {
		cur, err = s.totals(ctx, f, sc)
		return err
	}, func() (err error) {
		prev, err = s.totals(ctx, f.Previous(), sc)
		return err
	}, func() (err error) {
		md, err = s.modelTotals(ctx, sc, f, f.Previous())
		return err
	})
	if err != nil {
		return nil, err
	}
	cur.models, prev.models = md[0], md[1]
	t := messages[lang]
	count := func(key string, a, b uint64) KPI {
		k := KPI{Key: key, Label: t["kpi_"+key], Value: uval(a), Previous: uval(b), ChangeUnit: "%", Numerator: a}
		if b > 0 {
			k.Change = fptr((float64(a) - float64(b)) / float64(b) * 100)
		}
		return k
	}
	share := func(key string, num, den, pnum, pden uint64) KPI {
		k := KPI{Key: key, Label: t["kpi_"+key], Value: ratio(num, den), Previous: ratio(pnum, pden), ChangeUnit: "pp", Share: true, Numerator: num, Denom: den}
		if k.Value != nil && k.Previous != nil {
			k.Change = fptr((*k.Value - *k.Previous) * 100)
		}
		return k
	}
	return []KPI{
		count("volume", cur.fb.Received, prev.fb.Received),
		share("negative", cur.fb.Negative, cur.fb.Scored, prev.fb.Negative, prev.fb.Scored),
		share("resolution", cur.due.Done, cur.due.Due, prev.due.Done, prev.due.Due),
		share("deadline", cur.flow.AnsweredInTime, cur.flow.AnsweredKnown, prev.flow.AnsweredInTime, prev.flow.AnsweredKnown),
		count("dialogues", cur.held, prev.held),
		share("commitments", cur.commit.Fulfilled, cur.commit.Made, prev.commit.Fulfilled, prev.commit.Made),
		count("models", cur.models.Effective, prev.models.Effective),
	}, nil
}

// LocalityRow is one 2025 unit on the key indicators.
type LocalityRow struct {
	Code           string   `json:"commune_code"`
	Name           string   `json:"commune_name"`
	Received       uint64   `json:"received"`
	NegativeShare  *float64 `json:"negative_share"`
	Index          *float64 `json:"sentiment_index"`
	ResolutionRate *float64 `json:"resolution_rate"`
	InDeadline     *float64 `json:"in_deadline_share"`
	Dialogues      uint64   `json:"dialogues_held"`
	Models         uint64   `json:"models_registered"`
	Effective      uint64   `json:"models_effective"`
}

// localitySorts whitelists the sort keys of the localities table.
var localitySorts = map[string]func(a, b *LocalityRow) bool{
	"name":       func(a, b *LocalityRow) bool { return a.Name < b.Name },
	"received":   func(a, b *LocalityRow) bool { return a.Received > b.Received },
	"negative":   func(a, b *LocalityRow) bool { return fl(a.NegativeShare) > fl(b.NegativeShare) },
	"index":      func(a, b *LocalityRow) bool { return fl(a.Index) < fl(b.Index) },
	"resolution": func(a, b *LocalityRow) bool { return fl(a.ResolutionRate) > fl(b.ResolutionRate) },
	"deadline":   func(a, b *LocalityRow) bool { return fl(a.InDeadline) > fl(b.InDeadline) },
	"dialogues":  func(a, b *LocalityRow) bool { return a.Dialogues > b.Dialogues },
	"models":     func(a, b *LocalityRow) bool { return a.Models > b.Models },
}

func fl(x *float64) float64 {
	if x == nil {
		return -1e9
	}
	return *x
}

// localities returns every 2025 unit in scope (and in the locality filter)
// on the key indicators, sorted by sortKey.
func (s *Server) localities(ctx context.Context, f Filter, sc Scope, sortKey string) ([]LocalityRow, error) {
	var fb []FeedbackRow
	var due map[string]DueRow
	var flow map[string]FlowRow
	var hosts []DialogueHost
	var models []ModelRow
	err := together(func() (err error) {
		fb, due, flow, err = s.feedbackFigures(ctx, f, sc, "commune")
		return err
	}, func() (err error) {
		hosts, err = s.dialogueHosts(ctx, f, sc)
		return err
	}, func() (err error) {
		models, err = s.modelsGrouped(ctx, f, sc, "commune")
		return err
	})
	if err != nil {
		return nil, err
	}
	list, restricted := f.communes(sc)
	if !restricted {
		list = nil
		for code := range s.communeNames {
			list = append(list, code)
		}
	}
	rows := map[string]*LocalityRow{}
	var out []*LocalityRow
	for _, code := range list {
		if _, ok := s.communeNames[code]; !ok {
			continue
		}
		r := &LocalityRow{Code: code, Name: s.communeName(code)}
		rows[code] = r
		out = append(out, r)
	}
	for _, x := range fb {
		if r := rows[x.Key]; r != nil {
			r.Received, r.NegativeShare, r.Index = x.Received, x.NegativeShare, x.Index
		}
	}
	for k, x := range due {
		if r := rows[k]; r != nil {
			r.ResolutionRate = x.ResolutionRate
		}
	}
	for k, x := range flow {
		if r := rows[k]; r != nil {
			r.InDeadline = x.InDeadline
		}
	}
	for _, h := range hosts {
		if r := rows[h.Commune]; r != nil {
			r.Dialogues += h.Held
		}
	}
	for _, m := range models {
		if r := rows[m.Key]; r != nil {
			r.Models, r.Effective = m.Registered, m.Effective
		}
	}
	less, ok := localitySorts[sortKey]
	if !ok {
		less = localitySorts["received"]
	}
	sort.SliceStable(out, func(i, j int) bool {
		if less(out[i], out[j]) != less(out[j], out[i]) {
			return less(out[i], out[j])
		}
		return out[i].Code < out[j].Code
	})
	res := make([]LocalityRow, len(out))
	for i, r := range out {
		res[i] = *r
	}
	return res, nil
}

// DialogueMonth is one month of dialogues.
type DialogueMonth struct {
	Month        string   `json:"month"`
	Held         uint64   `json:"held"`
	Participants uint64   `json:"participants"`
	Hosts        uint64   `json:"host_months"`
	HostsOK      uint64   `json:"host_months_meeting_rule"`
	ShareOK      *float64 `json:"share_meeting_rule"`
}

func dialogueMonths(hosts []DialogueHost) []DialogueMonth {
	by := map[string]*DialogueMonth{}
	var keys []string
	for _, h := range hosts {
		m := by[h.Month]
		if m == nil {
			m = &DialogueMonth{Month: h.Month}
			by[h.Month] = m
			keys = append(keys, h.Month)
		}
		m.Held += h.Held
		m.Participants += h.Participants
		m.Hosts++
		if h.MeetsRule {
			m.HostsOK++
		}
	}
	sort.Strings(keys)
	out := []DialogueMonth{}
	for _, k := range keys {
		m := by[k]
		m.ShareOK = ratio(m.HostsOK, m.Hosts)
		out = append(out, *m)
	}
	return out
}

// modelsByYear returns models by registration year with the change on the
// year before.
type ModelYear struct {
	Year       string   `json:"year"`
	Registered uint64   `json:"registered"`
	Effective  uint64   `json:"effective"`
	YoY        *float64 `json:"registered_change_pct"`
}

func modelYears(rows []ModelRow) []ModelYear {
	out := []ModelYear{}
	prev := map[string]uint64{}
	for _, r := range rows {
		prev[r.Key] = r.Registered
	}
	for _, r := range rows {
		y := ModelYear{Year: r.Key, Registered: r.Registered, Effective: r.Effective}
		if n, err := strconv.Atoi(r.Key); err == nil {
			if p, ok := prev[strconv.Itoa(n-1)]; ok && p > 0 {
				y.YoY = fptr((float64(r.Registered) - float64(p)) / float64(p) * 100)
			}
		}
		out = append(out, y)
	}
	return out
}
