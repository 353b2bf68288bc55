package warehouse

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"dvpulse/locality"
)

// localitiesVersion is bumped whenever the registry's data changes, so that
// ReplacingMergeTree keeps the newest rows.
const localitiesVersion = 1

// SeedLocalities writes reg's units of both schemes, with the 2025 unit each
// rolls up to, into the localities table. It is idempotent: rerunning it
// inserts rows that ReplacingMergeTree collapses.
func SeedLocalities(ctx context.Context, conn driver.Conn, reg *locality.Registry) error {
	var n uint64
	province, _ := reg.Province()
	if err := conn.QueryRow(ctx, "SELECT count() FROM localities FINAL WHERE province = ? AND version = ?", province, uint32(localitiesVersion)).Scan(&n); err != nil {
		return fmt.Errorf("count localities: %w", err)
	}
	var rows [][]any
	for _, s := range []locality.Scheme{locality.Scheme2025, locality.SchemePre2025} {
		for _, u := range reg.Units(s) {
			cur, _ := reg.Current(s, u.Code)
			rows = append(rows, []any{province, string(s), u.Code, u.Name, string(u.Kind), u.District, u.DistrictName, cur, uint32(localitiesVersion)})
		}
	}
	for _, d := range reg.Districts() {
		rows = append(rows, []any{province, string(locality.SchemePre2025), d.Code, d.Name, string(d.Kind), "", "", "", uint32(localitiesVersion)})
	}
	if int(n) == len(rows) {
		return nil
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO localities (province, scheme, code, name, kind, district_code, district_name, current_code, version)")
	if err != nil {
		return fmt.Errorf("seed localities: %w", err)
	}
	defer b.Close()
	for _, r := range rows {
		if err := b.Append(r...); err != nil {
			return fmt.Errorf("seed localities: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("seed localities: %w", err)
	}
	return nil
}
