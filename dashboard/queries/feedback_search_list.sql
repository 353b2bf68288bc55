-- The page of a search in the order {{order}} (listOrders): the ids only,
-- from feedback_terms (migration 0012), whose key (term, commune_code,
-- day) makes ClickHouse read one word's rows of the communes and period
-- (or a window of it, see searchWindows) only. {{where}} holds the list's
-- filters and the search (addSearch in where.go), which keep one row per
-- matching case. list_rows.sql then reads the wide columns of these rows.
SELECT aggregate_id, toString(event_id) AS eid
FROM feedback_terms
WHERE {{where}}
ORDER BY {{order}}
LIMIT ?, ?
