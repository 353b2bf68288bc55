package dashboard

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dvpulse/dashboard/auth"
)

// TestModelsPerTenThousand: where a commune's population was imported, the
// models by locality carry it and the models registered per 10,000 people
// (in the API, its CSV and the page); elsewhere they carry neither. A newer
// import of a commune wins.
func TestModelsPerTenThousand(t *testing.T) {
	e := newEnv(t, nil)
	now := time.Now()
	year := uint16(now.Year())
	insertEvents(t, e.conn, []ev{
		{Type: "model.registered", ID: "MD-P1", Commune: "18073", Field: "economy", Year: year, At: now},
		{Type: "model.registered", ID: "MD-P2", Commune: "18073", Field: "culture", Year: year, At: now},
		{Type: "model.registered", ID: "MD-P3", Commune: "18073", Field: "economy", Year: year, At: now},
		{Type: "model.registered", ID: "MD-P4", Commune: "18496", Field: "economy", Year: year, At: now},
	})
	b, err := e.conn.PrepareBatch(t.Context(), "INSERT INTO locality_population (commune_code, population, year, source, imported_at, version)")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range []struct {
		code string
		n    uint64
	}{{"18073", 10000}, {"18073", 24000}} { // the second is newer
		if err := b.Append(r.code, r.n, uint16(2025), "test", now, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	tok, _, err := e.s.store.CreateToken(t.Context(), "ana", "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	code, body := e.apiGet(tok, "/api/v1/models/localities?period=year")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var r struct {
		Rows []ModelRow `json:"rows"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	by := map[string]ModelRow{}
	for _, x := range r.Rows {
		by[x.Key] = x
	}
	a, ok := by["18073"]
	if !ok || a.Registered != 3 || a.Population == nil || *a.Population != 24000 || a.PerTenThousand == nil || *a.PerTenThousand != 1.25 {
		t.Fatalf("18073: %+v (population %v, per 10k %v); want 3 models, population 24000, 1.25 per 10,000", a, a.Population, a.PerTenThousand)
	}
	if b, ok := by["18496"]; !ok || b.Registered != 1 || b.Population != nil || b.PerTenThousand != nil {
		t.Fatalf("18496 has no population: %+v", b)
	}
	if strings.Count(body, "registered_per_10k") != 1 {
		t.Fatalf("only the commune with a population carries the figure: %s", body)
	}
	_, csv := e.apiGet(tok, "/api/v1/models/localities?period=year&format=csv")
	if !strings.Contains(csv, "24000") || !strings.Contains(csv, "1.25") {
		t.Fatalf("CSV lacks the population figures:\n%s", csv)
	}
	c := e.client()
	e.addUser("lead", auth.RoleLeader, "leader-password")
	c.login("lead", "leader-password")
	code, page, _ := c.get("/models?period=year")
	if code != 200 || !strings.Contains(page, "Mô hình/10.000 dân") || !strings.Contains(page, ">1.25<") {
		t.Fatalf("models page: %d, per-10,000 column missing\n%.3000s", code, page)
	}
}
