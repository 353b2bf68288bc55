-- Every event of one feedback case, in order: the case's timeline. PREWHERE
-- keeps ClickHouse from reading payload of the other rows in the granules.
SELECT event_type, occurred_at, received_at, source_system, channel, commune_code,
    locality_scheme, locality_code, topics, org, status, note, outcome, within_deadline, due_at,
    {{text}} AS body, sentiment_label, sentiment_score, sentiment_confidence, sentiment_method, sentiment_explain, payload
FROM events
PREWHERE aggregate_id = ? AND event_type LIKE 'feedback.%'
ORDER BY occurred_at, received_at
