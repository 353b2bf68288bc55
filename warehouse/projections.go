package warehouse

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Projection is a table derived from the event log by a materialized view:
// every insert into Source also lands, transformed by Select, in Name. The
// registry is read from the migrations themselves, so a projection added by
// a new migration (CREATE TABLE + CREATE MATERIALIZED VIEW … TO … AS
// SELECT … FROM events) can be rebuilt with no other change.
type Projection struct {
	// Name is the target table, e.g. feedback_daily.
	Name string
	// Views are the materialized views that feed it (at least one), sorted
	// by name.
	Views []View
	// TableDDL is the CREATE TABLE statement of Name, as in the migration.
	TableDDL string
}

// View is one materialized view feeding a projection.
type View struct {
	// Name of the view, e.g. feedback_daily_mv.
	Name string
	// Source is the table the view reads (events).
	Source string
	// Select is the view's SELECT.
	Select string
}

var (
	createTableRe = regexp.MustCompile(`(?is)^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
	createMVRe    = regexp.MustCompile(`(?is)^\s*CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s+TO\s+([A-Za-z_][A-Za-z0-9_]*)\s+AS\s+(SELECT\b.*)$`)
	dropRe        = regexp.MustCompile(`(?is)^\s*DROP\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*$`)
	fromRe        = regexp.MustCompile(`(?is)\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)\b`)
)

// Projections returns the rebuildable projections, sorted by name: tables
// fed by a materialized view from events, except the projector's own
// bookkeeping (projector_*). Later migrations override earlier ones.
func Projections() ([]Projection, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	tables := map[string]string{}
	type viewDef struct {
		target string
		View
	}
	views := map[string]viewDef{} // by view name
	for _, m := range ms {
		for _, st := range m.Statements {
			if g := createTableRe.FindStringSubmatch(st); g != nil {
				tables[g[1]] = st
				continue
			}
			if g := createMVRe.FindStringSubmatch(st); g != nil {
				src := ""
				if f := fromRe.FindStringSubmatch(g[3]); f != nil {
					src = f[1]
				}
				views[g[1]] = viewDef{target: g[2], View: View{Name: g[1], Source: src, Select: strings.TrimSpace(g[3])}}
				continue
			}
			if g := dropRe.FindStringSubmatch(st); g != nil {
				delete(tables, g[1])
				delete(views, g[1])
			}
		}
	}
	byTarget := map[string]*Projection{}
	var out []Projection
	for _, v := range views {
		if strings.HasPrefix(v.target, "projector_") {
			continue
		}
		p := byTarget[v.target]
		if p == nil {
			ddl, ok := tables[v.target]
			if !ok {
				return nil, fmt.Errorf("projection %s (view %s): no CREATE TABLE for it in the migrations", v.target, v.Name)
			}
			p = &Projection{Name: v.target, TableDDL: ddl}
			byTarget[v.target] = p
		}
		p.Views = append(p.Views, v.View)
	}
	for _, p := range byTarget {
		sort.Slice(p.Views, func(i, j int) bool { return p.Views[i].Name < p.Views[j].Name })
		ok := true
		for _, v := range p.Views {
			ok = ok && v.Source == "events"
		}
		if ok { // only projections of the event log can be rebuilt from it
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// LookupProjection returns the projection named name.
func LookupProjection(name string) (Projection, error) {
	ps, err := Projections()
	if err != nil {
		return Projection{}, err
	}
	var names []string
	for _, p := range ps {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Projection{}, fmt.Errorf("no projection %q; known: %s", name, strings.Join(names, ", "))
}

// DDLFor returns TableDDL creating table instead of Name.
func (p Projection) DDLFor(table string) string {
	loc := createTableRe.FindStringSubmatchIndex(p.TableDDL)
	// loc[2]:loc[3] is the table name.
	return "CREATE TABLE " + table + " " + strings.TrimLeft(p.TableDDL[loc[3]:], " \t\n")
}

// SelectFrom returns Select reading from source (a table name or a
// parenthesised subquery) instead of Source.
func (v View) SelectFrom(source string) string {
	done := false
	return fromRe.ReplaceAllStringFunc(v.Select, func(m string) string {
		if done || fromRe.FindStringSubmatch(m)[1] != v.Source {
			return m
		}
		done = true
		return "FROM " + source
	})
}
