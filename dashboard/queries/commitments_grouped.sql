-- Commitments made in the period (by the day made), grouped by {{key}}
-- (over the merged columns made_at and commune_code; inner aliases that an
-- outer aggregate reads are prefixed x_, as ClickHouse 18.16 confuses them
-- with the table's columns): made, fulfilled,
-- fulfilled in time, and overdue (past due, not fulfilled) at ?now.
SELECT {{key}} AS k, count() AS made, countIf(x_fulfilled = 1) AS fulfilled,
    countIf(x_in_time = 1) AS in_time,
    countIf(x_fulfilled = 0 AND toUInt32(x_due) > 0 AND toUInt32(x_due) < ?) AS overdue
FROM (
    SELECT commitment_id, minMerge(made_at) AS made_at, maxMerge(due_at) AS x_due,
        maxMerge(fulfilled) AS x_fulfilled, maxMerge(fulfilled_in_time) AS x_in_time,
        anyMerge(commune_code) AS commune_code
    FROM commitments
    GROUP BY commitment_id
)
WHERE toUInt32(made_at) > 0 AND {{where}}
GROUP BY k
ORDER BY k
