-- The feedback received events of the given cases, with their text; {{where}}
-- selects them by aggregate_id (the primary key's second column) and
-- PREWHERE keeps ClickHouse from reading text and payload of other rows.
SELECT aggregate_id, toString(event_id) AS eid, occurred_at, commune_code, channel, topics,
    {{text}} AS body, sentiment_label, sentiment_score, due_at
FROM events
PREWHERE event_type = 'feedback.received' AND {{where}}
