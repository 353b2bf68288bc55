-- The feedback that drove hot spots: for each cell {{key}} (commune|topic;
-- topic '' is feedback without topics), its first 3 rows by {{order}}, in
-- one pass over the window instead of one query per cell. Ids only; the
-- texts are read by list_rows.sql. feedback_index (migration 0003) is
-- ordered by commune_code, day, so the cells' communes and the window's
-- days narrow the rows read.
SELECT aggregate_id, toString(event_id) AS eid, {{key}} AS k
FROM feedback_index
ARRAY JOIN if(empty(topics), [''], topics) AS cell_topic
WHERE {{where}}
ORDER BY k, {{order}}
LIMIT 3 BY k
