-- The page of feedback received, newest first (or by {{order}}): the ids
-- only, so that ClickHouse reads just the filter and sort columns; the
-- search condition compares the folded text with the folded search term.
-- feedback_rows.sql then reads the wide columns of these rows alone.
SELECT aggregate_id, toString(event_id) AS eid
FROM events
WHERE event_type = 'feedback.received' AND {{where}}
ORDER BY {{order}}
LIMIT ?, ?
