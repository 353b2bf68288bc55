-- Every event of one feedback case, in order: the case's timeline, from
-- feedback_timeline (migration 0010), whose key starts with the case id, so
-- that a case reads one or two small granules per part. Its payload is ''
-- where the typed columns hold what the page shows; {{text}} and loadCase
-- read the payload only where they are empty. Sentiment and topics are the
-- newest rescore (feedback_rescores, written by `dvpulse projector rescore`
-- after a model upgrade) where it replaced them, else those stored with the
-- event; events that inherited the case's topics (topics_method 'case')
-- follow the case's rescore. Every ? is the case id.
SELECT event_type, occurred_at, received_at, source_system, channel, commune_code,
    locality_scheme, locality_code,
    if(r_has = 1 AND r_topics_method != '', r_topics,
        if(topics_method = 'case' AND (SELECT argMax(topics_method, version) FROM feedback_rescores WHERE feedback_id = ?) != '',
            (SELECT argMax(topics, version) FROM feedback_rescores WHERE feedback_id = ?), topics)) AS topics_now,
    org, status, note, outcome, within_deadline, due_at,
    body,
    if(r_has = 1 AND r_method != '', r_label, sentiment_label) AS label,
    if(r_has = 1 AND r_method != '', r_score, sentiment_score) AS score,
    if(r_has = 1 AND r_method != '', r_confidence, sentiment_confidence) AS confidence,
    if(r_has = 1 AND r_method != '', r_method, sentiment_method) AS method,
    if(r_has = 1 AND r_method != '', r_explain, sentiment_explain) AS explain,
    payload
FROM (
    SELECT event_id, event_type, occurred_at, received_at, source_system, channel, commune_code,
        locality_scheme, locality_code, topics, topics_method, org, status, note, outcome, within_deadline, due_at,
        {{text}} AS body, sentiment_label, sentiment_score, sentiment_confidence, sentiment_method, sentiment_explain, payload
    FROM feedback_timeline
    WHERE aggregate_id = ?
) AS stored
ANY LEFT JOIN (
    SELECT event_id, argMax(sentiment_label, version) AS r_label, argMax(sentiment_score, version) AS r_score,
        argMax(sentiment_confidence, version) AS r_confidence, argMax(sentiment_method, version) AS r_method,
        argMax(sentiment_explain, version) AS r_explain, argMax(topics, version) AS r_topics,
        argMax(topics_method, version) AS r_topics_method, toUInt8(1) AS r_has
    FROM feedback_rescores
    WHERE feedback_id = ?
    GROUP BY event_id
) AS rescored USING event_id
ORDER BY occurred_at, received_at, event_id
