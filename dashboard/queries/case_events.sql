-- Every event of one feedback case, in order: the case's timeline, from
-- feedback_timeline (migration 0010), whose key starts with the case id, so
-- that a case reads one or two small granules per part. Its payload is ''
-- where the typed columns hold what the page shows; {{text}} and loadCase
-- read the payload only where they are empty. The sentiment and topics are
-- those stored with the event: loadCase applies the case's rescores
-- (case_rescores.sql) to them. The ? is the case id.
SELECT toString(event_id) AS eid, event_type, occurred_at, received_at, source_system, channel, commune_code,
    locality_scheme, locality_code, topics, topics_method, org, status, note, outcome, within_deadline, due_at,
    {{text}} AS body, sentiment_label, sentiment_score, sentiment_confidence, sentiment_method, sentiment_explain, payload
FROM feedback_timeline
WHERE aggregate_id = ?
ORDER BY occurred_at, received_at, event_id
