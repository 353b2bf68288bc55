-- Every row of dialogue_issues_daily (migration 0002), its sums merged per
-- day, commune, topic and is_primary: ~283,000 rows for two years of the
-- 10 M-event demo. The dashboard keeps this answer until the table
-- changes and computes dialogue_issues_grouped.sql's answers from it in Go
-- (issuedays.go). Sorted by day, as Go reads it.
SELECT toYYYYMMDD(day) AS d, commune_code, topic, is_primary, sum(raised) AS raised
FROM dialogue_issues_daily
GROUP BY day, commune_code, topic, is_primary
ORDER BY d
