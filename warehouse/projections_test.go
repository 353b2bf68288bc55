package warehouse

import (
	"strings"
	"testing"
)

func TestProjectionsRegistry(t *testing.T) {
	ps, err := Projections()
	if err != nil {
		t.Fatal(err)
	}
	var fd *Projection
	for i := range ps {
		if strings.HasPrefix(ps[i].Name, "projector_") {
			t.Errorf("bookkeeping table %s listed as a projection", ps[i].Name)
		}
		for _, v := range ps[i].Views {
			if v.Source != "events" {
				t.Errorf("projection %s: view %s reads %s, want events", ps[i].Name, v.Name, v.Source)
			}
		}
		if ps[i].Name == "commitments" && len(ps[i].Views) != 2 {
			t.Errorf("commitments has views %v, want the two of 0002", ps[i].Views)
		}
		if ps[i].Name == "feedback_daily" {
			fd = &ps[i]
		}
	}
	if fd == nil {
		t.Fatalf("feedback_daily missing from %v", ps)
	}
	if len(fd.Views) != 1 || fd.Views[0].Name != "feedback_daily_mv" || !strings.HasPrefix(fd.Views[0].Select, "SELECT toDate(occurred_at) AS day") {
		t.Fatalf("feedback_daily: %+v", fd)
	}
	ddl := fd.DDLFor("feedback_daily__rebuild")
	if !strings.HasPrefix(ddl, "CREATE TABLE feedback_daily__rebuild (") || !strings.Contains(ddl, "SummingMergeTree") {
		t.Fatalf("DDLFor: %s", ddl)
	}
	sel := fd.Views[0].SelectFrom("(SELECT * FROM events WHERE 1)")
	if !strings.Contains(sel, "FROM (SELECT * FROM events WHERE 1)\n") || strings.Count(sel, "FROM") != 2 {
		t.Fatalf("SelectFrom: %s", sel)
	}
	if _, err := LookupProjection("nope"); err == nil || !strings.Contains(err.Error(), "feedback_daily") {
		t.Fatalf("LookupProjection(nope) = %v; want an error listing the known ones", err)
	}
}
