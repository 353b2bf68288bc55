-- The page of feedback received in score order (most negative first,
-- unscored last): the ids only, from feedback_scores (migration 0011), whose
-- key starts with the score's bucket. {{where}} holds the list's filters
-- and, but for the last try, a bound on the bucket (see scorePage).
-- list_rows.sql then reads the wide columns of these rows.
SELECT aggregate_id, toString(event_id) AS eid
FROM feedback_scores
WHERE {{where}}
ORDER BY {{order}}
LIMIT ?, ?
