-- Every commitment's current state, counted per day made, commune,
-- fulfilled, fulfilled in time and (for the unfulfilled) due time: the
-- query cache keeps this one answer for all filters, and Go computes
-- commitments_grouped's figures from it (made, fulfilled, in time, and
-- overdue at the request's now). Used only with the cache on.
SELECT toYYYYMMDD(x_made) AS d, x_commune, x_fulfilled, x_in_time,
    if(x_fulfilled = 0, toUInt32(x_due), toUInt32(0)) AS open_due, count() AS n
FROM (
    SELECT finalizeAggregation(made_at) AS x_made, finalizeAggregation(due_at) AS x_due,
        finalizeAggregation(fulfilled) AS x_fulfilled, finalizeAggregation(fulfilled_in_time) AS x_in_time,
        finalizeAggregation(commune_code) AS x_commune
    FROM commitments FINAL
)
WHERE toUInt32(x_made) > 0
GROUP BY d, x_commune, x_fulfilled, x_in_time, open_due
