-- 0007: feedback_cases with small granules. Lists look up the status of
-- about 50 scattered cases at a time; with ClickHouse's default 8,192 rows
-- per granule each case cost a whole granule per part (about 780,000 rows
-- read per list on 4 million cases), with 256 about 30 times fewer. The
-- table and its views are otherwise those of 0002; `dvpulse migrate` fills
-- the new table from the event log (the projector's exact rebuild) on a
-- database upgraded in place.
DROP TABLE IF EXISTS feedback_cases_received_mv;

DROP TABLE IF EXISTS feedback_cases_lifecycle_mv;

DROP TABLE IF EXISTS feedback_cases;

CREATE TABLE IF NOT EXISTS feedback_cases (
    feedback_id String,
    received_at AggregateFunction(min, DateTime('Asia/Ho_Chi_Minh')),
    commune_code AggregateFunction(any, String),
    channel AggregateFunction(any, String),
    topics AggregateFunction(any, Array(String)),
    due_at AggregateFunction(max, DateTime('Asia/Ho_Chi_Minh')),
    sentiment_label AggregateFunction(any, String),
    sentiment_score AggregateFunction(any, Float32),
    status AggregateFunction(argMax, String, DateTime('Asia/Ho_Chi_Minh')),
    last_event_at AggregateFunction(max, DateTime('Asia/Ho_Chi_Minh')),
    first_action_at AggregateFunction(min, DateTime('Asia/Ho_Chi_Minh')),
    answered_at AggregateFunction(min, DateTime('Asia/Ho_Chi_Minh')),
    resolved_at AggregateFunction(min, DateTime('Asia/Ho_Chi_Minh')),
    reopened AggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree()
ORDER BY feedback_id
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_cases_received_mv TO feedback_cases AS
SELECT aggregate_id AS feedback_id,
    minState(occurred_at) AS received_at,
    anyState(commune_code) AS commune_code,
    anyState(channel) AS channel,
    anyState(topics) AS topics,
    maxState(due_at) AS due_at,
    anyState(sentiment_label) AS sentiment_label,
    anyState(sentiment_score) AS sentiment_score,
    argMaxState('received', occurred_at) AS status,
    maxState(occurred_at) AS last_event_at,
    minStateIf(occurred_at, 0) AS first_action_at,
    minStateIf(occurred_at, 0) AS answered_at,
    minStateIf(occurred_at, 0) AS resolved_at,
    sumStateIf(toUInt64(0), 0) AS reopened
FROM events
WHERE event_type = 'feedback.received'
GROUP BY feedback_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_cases_lifecycle_mv TO feedback_cases AS
SELECT aggregate_id AS feedback_id,
    minStateIf(occurred_at, 0) AS received_at,
    anyStateIf(commune_code, 0) AS commune_code,
    anyStateIf(channel, 0) AS channel,
    anyStateIf(topics, 0) AS topics,
    maxState(due_at) AS due_at,
    anyStateIf(sentiment_label, 0) AS sentiment_label,
    anyStateIf(sentiment_score, 0) AS sentiment_score,
    argMaxState(multiIf(event_type = 'feedback.assigned', 'assigned', event_type = 'feedback.status_changed', status,
        event_type = 'feedback.answered', 'answered', event_type = 'feedback.resolved', 'resolved', 'reopened'), occurred_at) AS status,
    maxState(occurred_at) AS last_event_at,
    minStateIf(occurred_at, event_type != 'feedback.reopened') AS first_action_at,
    minStateIf(occurred_at, event_type = 'feedback.answered') AS answered_at,
    minStateIf(occurred_at, event_type = 'feedback.resolved') AS resolved_at,
    sumState(toUInt64(event_type = 'feedback.reopened')) AS reopened
FROM events
WHERE event_type IN ('feedback.assigned', 'feedback.status_changed', 'feedback.answered', 'feedback.resolved', 'feedback.reopened')
GROUP BY feedback_id;
