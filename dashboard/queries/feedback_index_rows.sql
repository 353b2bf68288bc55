-- The feedback received rows of a list page, with their text, from
-- feedback_index: {{where}} names the rows' communes and days (the table's
-- key, so only their granules are read) and cases. Rows with text '' were
-- written before the projector filled it: feedback_rows.sql reads those
-- from events.
SELECT aggregate_id, toString(event_id) AS eid, occurred_at, commune_code, channel, topics,
    text, sentiment_label, sentiment_score, due_at
FROM feedback_index
WHERE {{where}}
