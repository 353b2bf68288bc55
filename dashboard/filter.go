package dashboard

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"dvpulse/event"
	"dvpulse/locality"
)

// Filter is the validated filter bar: every page and API call takes the
// same query parameters.
//
//	period       custom (from/to) | month | quarter | half | nine | year
//	year, n      the official period: year, and the month (1-12) or quarter (1-4)
//	from, to     custom period, YYYY-MM-DD, inclusive
//	granularity  day | week | month | quarter
//	locality     "" (the province) | c:<2025 code> | d:<pre-2025 district> | p:<pre-2025 commune>
//	topic        a topic code of event.Topics
//	channel      a channel code of event.Channels
type Filter struct {
	Period      string
	Year, N     int
	From, To    time.Time // calendar days in Asia/Ho_Chi_Minh, inclusive
	Granularity string
	Locality    string
	Topic       string
	Channel     string
	// Communes are the 2025 units the locality filter selects; nil means
	// the whole province.
	Communes []string
}

// periods are the official reporting periods, in the order shown.
var periods = []string{"custom", "month", "quarter", "half", "nine", "year"}

// granularities in the order shown.
var granularities = []string{"day", "week", "month", "quarter"}

// paramError is a bad query parameter; it becomes a 400.
type paramError struct {
	Param, Message string
}

func (e *paramError) Error() string { return e.Param + ": " + e.Message }

func badParam(name, format string, args ...any) *paramError {
	return &paramError{name, fmt.Sprintf(format, args...)}
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// day returns the calendar day of t in Asia/Ho_Chi_Minh at midnight.
func day(t time.Time) time.Time {
	t = t.In(Hanoi)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Hanoi)
}

// parseFilter validates the filter parameters of q.
func (s *Server) parseFilter(q url.Values) (Filter, *paramError) {
	today := day(s.now())
	f := Filter{Period: "custom", To: today, From: today.AddDate(0, 0, -(s.cfg.DefaultDays - 1)), Granularity: "day"}
	if p := q.Get("period"); p != "" {
		if !slices.Contains(periods, p) {
			return f, badParam("period", "%q is not one of %s", clip(p), strings.Join(periods, ", "))
		}
		f.Period = p
	}
	if f.Period == "custom" {
		for _, name := range []string{"from", "to"} {
			v := q.Get(name)
			if v == "" {
				continue
			}
			t, err := time.ParseInLocation("2006-01-02", v, Hanoi)
			if err != nil {
				return f, badParam(name, "%q is not a date; use YYYY-MM-DD", clip(v))
			}
			if name == "from" {
				f.From = t
			} else {
				f.To = t
			}
		}
	} else {
		f.Year, f.N = today.Year(), 1
		if v := q.Get("year"); v != "" {
			y, err := strconv.Atoi(v)
			if err != nil || y < 2000 || y > 2100 {
				return f, badParam("year", "%q is not a year between 2000 and 2100", clip(v))
			}
			f.Year = y
		}
		maxN := map[string]int{"month": 12, "quarter": 4}[f.Period]
		if f.Period == "month" {
			f.N = int(today.Month())
		} else if f.Period == "quarter" {
			f.N = (int(today.Month())-1)/3 + 1
		}
		if v := q.Get("n"); v != "" && maxN > 0 {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxN {
				return f, badParam("n", "%q is not a number from 1 to %d", clip(v), maxN)
			}
			f.N = n
		}
		start := time.Date(f.Year, 1, 1, 0, 0, 0, 0, Hanoi)
		switch f.Period {
		case "month":
			f.From = start.AddDate(0, f.N-1, 0)
			f.To = f.From.AddDate(0, 1, -1)
		case "quarter":
			f.From = start.AddDate(0, 3*(f.N-1), 0)
			f.To = f.From.AddDate(0, 3, -1)
		case "half":
			f.From, f.To = start, start.AddDate(0, 6, -1)
		case "nine":
			f.From, f.To = start, start.AddDate(0, 9, -1)
		case "year":
			f.From, f.To = start, start.AddDate(1, 0, -1)
		}
	}
	if f.To.Before(f.From) {
		return f, badParam("to", "is before from")
	}
	if f.To.Sub(f.From) > 20*366*24*time.Hour {
		return f, badParam("from", "the period is longer than 20 years")
	}
	if g := q.Get("granularity"); g != "" {
		if !slices.Contains(granularities, g) {
			return f, badParam("granularity", "%q is not one of day, week, month, quarter", clip(g))
		}
		f.Granularity = g
	}
	if v := q.Get("topic"); v != "" {
		if !event.Topics.Has(v) {
			return f, badParam("topic", "%q is not a topic code", clip(v))
		}
		f.Topic = v
	}
	if v := q.Get("channel"); v != "" {
		if !event.Channels.Has(v) {
			return f, badParam("channel", "%q is not a channel code", clip(v))
		}
		f.Channel = v
	}
	if v := q.Get("locality"); v != "" {
		communes, err := s.resolveLocality(v)
		if err != nil {
			return f, err
		}
		f.Locality, f.Communes = v, communes
	}
	return f, nil
}

// resolveLocality maps a locality filter value to the 2025 units it
// covers: a 2025 unit is itself; a pre-2025 commune is its successor
// unit(s); a pre-2025 district is the successors of all its communes.
func (s *Server) resolveLocality(v string) ([]string, *paramError) {
	kind, code, ok := strings.Cut(v, ":")
	bad := badParam("locality", "%q is not a locality; use c:<2025 code>, d:<pre-2025 district code> or p:<pre-2025 commune code>", clip(v))
	if !ok {
		return nil, bad
	}
	var out []string
	switch kind {
	case "c":
		if _, err := s.loc.Lookup(locality.Scheme2025, code); err != nil {
			return nil, bad
		}
		out = []string{code}
	case "p":
		if _, err := s.loc.Lookup(locality.SchemePre2025, code); err != nil {
			return nil, bad
		}
		out = s.loc.Successors(code)
	case "d":
		found := false
		for _, d := range s.loc.Districts() {
			found = found || d.Code == code
		}
		if !found {
			return nil, bad
		}
		for _, u := range s.loc.Units(locality.SchemePre2025) {
			if u.District == code {
				out = append(out, s.loc.Successors(u.Code)...)
			}
		}
	default:
		return nil, bad
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil, badParam("locality", "%q has no 2025 successor in the crosswalk", clip(v))
	}
	return out, nil
}

// Values returns the filter as query parameters (without lang).
func (f Filter) Values() url.Values {
	v := url.Values{}
	if f.Period != "custom" && f.Period != "" {
		v.Set("period", f.Period)
		v.Set("year", strconv.Itoa(f.Year))
		if f.Period == "month" || f.Period == "quarter" {
			v.Set("n", strconv.Itoa(f.N))
		}
	} else {
		v.Set("from", f.From.Format("2006-01-02"))
		v.Set("to", f.To.Format("2006-01-02"))
	}
	v.Set("granularity", f.Granularity)
	for k, x := range map[string]string{"locality": f.Locality, "topic": f.Topic, "channel": f.Channel} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// Previous returns the filter for the period of the same length just
// before f's.
func (f Filter) Previous() Filter {
	p := f
	days := int(f.To.Sub(f.From).Hours()/24+0.5) + 1
	p.To = f.From.AddDate(0, 0, -1)
	p.From = p.To.AddDate(0, 0, -(days - 1))
	if f.Period != "custom" {
		// Official periods compare with the same period a step earlier.
		switch f.Period {
		case "month":
			p.From = f.From.AddDate(0, -1, 0)
			p.To = f.From.AddDate(0, 0, -1)
		case "quarter":
			p.From = f.From.AddDate(0, -3, 0)
			p.To = f.From.AddDate(0, 0, -1)
		default: // half, nine, year: the same months of the year before
			p.From = f.From.AddDate(-1, 0, 0)
			p.To = f.To.AddDate(-1, 0, 0)
		}
	}
	p.Period = "custom"
	return p
}

// Scope is what the signed-in principal may see: nil Communes means every
// locality.
type Scope struct {
	Communes []string
}

// noCommune is a commune code that never exists, bound when a filter and a
// scope do not overlap, so the query returns nothing.
const noCommune = "\x00none"

// communes returns the 2025 units a query must be limited to, applying the
// scope; restricted is false when the query covers the whole province.
func (f Filter) communes(sc Scope) (list []string, restricted bool) {
	switch {
	case sc.Communes == nil && f.Communes == nil:
		return nil, false
	case sc.Communes == nil:
		return f.Communes, true
	case f.Communes == nil:
		list = slices.Clone(sc.Communes)
	default:
		for _, c := range f.Communes {
			if slices.Contains(sc.Communes, c) {
				list = append(list, c)
			}
		}
	}
	if len(list) == 0 {
		list = []string{noCommune}
	}
	return list, true
}
