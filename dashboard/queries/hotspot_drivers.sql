-- The feedback that drove hot spots: for each cell {{key}} (commune|topic;
-- topic '' is feedback without topics), its first 3 rows by {{order}}, in
-- one pass over the window instead of one query per cell. Ids only; the
-- texts are read by feedback_rows.sql.
SELECT aggregate_id, toString(event_id) AS eid, {{key}} AS k
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS cell_topic
WHERE event_type = 'feedback.received' AND {{where}}
ORDER BY k, {{order}}
LIMIT 3 BY k
