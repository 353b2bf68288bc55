-- The page of feedback received, newest first (or by {{order}}): the ids
-- only, from feedback_index (migration 0003), whose key (commune_code, day)
-- lets a period or commune filter skip the other rows (a search reads
-- feedback_terms instead: feedback_search_list.sql).
-- list_rows.sql then reads the wide columns of these rows alone, by case.
SELECT aggregate_id, toString(event_id) AS eid
FROM feedback_index
WHERE {{where}}
ORDER BY {{order}}
LIMIT ?, ?
