-- 0008: the other two roll-ups of 0003 by month, as 0006 did for the
-- cells: feedback_commune_daily and feedback_topic_channel_daily summed per
-- month (day is the month's first day). The dashboard reads them for a
-- period of whole months not grouped by day or week, e.g. the overview's
-- figures and the localities page. `dvpulse migrate` fills them from the
-- event log (the projector's exact rebuild) on a database upgraded in place.
CREATE TABLE IF NOT EXISTS feedback_commune_monthly (
    day Date,
    commune_code String,
    received UInt64,
    negative UInt64,
    positive UInt64,
    scored UInt64,
    sentiment_sum Float64,
    sentiment_sq Float64,
    due UInt64,
    done UInt64,
    done_in_time UInt64,
    answered UInt64,
    answered_known UInt64,
    answered_in_time UInt64,
    resolved UInt64,
    reopened UInt64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code)
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_commune_monthly_received_mv TO feedback_commune_monthly AS
SELECT toStartOfMonth(if(part = 0, toDate(occurred_at), toDate(due_at))) AS day, commune_code,
    countIf(part = 0) AS received,
    countIf(part = 0 AND sentiment_label = 'negative') AS negative,
    countIf(part = 0 AND sentiment_label = 'positive') AS positive,
    countIf(part = 0 AND sentiment_label != '') AS scored,
    sumIf(toFloat64(sentiment_score), part = 0 AND sentiment_label != '') AS sentiment_sum,
    sumIf(toFloat64(sentiment_score) * toFloat64(sentiment_score), part = 0 AND sentiment_label != '') AS sentiment_sq,
    countIf(part = 1) AS due, toUInt64(0) AS done, toUInt64(0) AS done_in_time,
    toUInt64(0) AS answered, toUInt64(0) AS answered_known, toUInt64(0) AS answered_in_time,
    toUInt64(0) AS resolved, toUInt64(0) AS reopened
FROM events
ARRAY JOIN [0, 1] AS part
WHERE event_type = 'feedback.received' AND (part = 0 OR toUInt32(due_at) > 0)
GROUP BY day, commune_code;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_commune_monthly_lifecycle_mv TO feedback_commune_monthly AS
SELECT toStartOfMonth(if(part = 0, toDate(occurred_at), toDate(case_due_at))) AS day, commune_code,
    toUInt64(0) AS received, toUInt64(0) AS negative, toUInt64(0) AS positive, toUInt64(0) AS scored,
    toFloat64(0) AS sentiment_sum, toFloat64(0) AS sentiment_sq,
    toUInt64(0) AS due,
    countIf(part = 1) AS done,
    countIf(part = 1 AND occurred_at <= case_due_at) AS done_in_time,
    countIf(part = 0 AND event_type = 'feedback.answered') AS answered,
    countIf(part = 0 AND event_type = 'feedback.answered' AND within_deadline >= 0) AS answered_known,
    countIf(part = 0 AND event_type = 'feedback.answered' AND within_deadline = 1) AS answered_in_time,
    countIf(part = 0 AND event_type = 'feedback.resolved') AS resolved,
    countIf(part = 0 AND event_type = 'feedback.reopened') AS reopened
FROM events
ARRAY JOIN [0, 1] AS part
WHERE (part = 0 AND event_type IN ('feedback.assigned', 'feedback.status_changed', 'feedback.answered', 'feedback.resolved', 'feedback.reopened'))
    OR (part = 1 AND first_done = 1 AND toUInt32(case_due_at) > 0)
GROUP BY day, commune_code;

CREATE TABLE IF NOT EXISTS feedback_topic_channel_monthly (
    topic String,
    channel String,
    day Date,
    is_primary UInt8,
    received UInt64,
    negative UInt64,
    positive UInt64,
    scored UInt64,
    sentiment_sum Float64,
    sentiment_sq Float64,
    due UInt64,
    done UInt64,
    done_in_time UInt64,
    answered UInt64,
    answered_known UInt64,
    answered_in_time UInt64,
    resolved UInt64,
    reopened UInt64
) ENGINE = SummingMergeTree()
ORDER BY (topic, channel, day, is_primary)
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_topic_channel_monthly_received_mv TO feedback_topic_channel_monthly AS
SELECT topic, channel, toStartOfMonth(if(part = 0, toDate(occurred_at), toDate(due_at))) AS day, toUInt8(idx = 1) AS is_primary,
    countIf(part = 0) AS received,
    countIf(part = 0 AND sentiment_label = 'negative') AS negative,
    countIf(part = 0 AND sentiment_label = 'positive') AS positive,
    countIf(part = 0 AND sentiment_label != '') AS scored,
    sumIf(toFloat64(sentiment_score), part = 0 AND sentiment_label != '') AS sentiment_sum,
    sumIf(toFloat64(sentiment_score) * toFloat64(sentiment_score), part = 0 AND sentiment_label != '') AS sentiment_sq,
    countIf(part = 1) AS due, toUInt64(0) AS done, toUInt64(0) AS done_in_time,
    toUInt64(0) AS answered, toUInt64(0) AS answered_known, toUInt64(0) AS answered_in_time,
    toUInt64(0) AS resolved, toUInt64(0) AS reopened
FROM events
ARRAY JOIN arrayConcat(if(empty(topics), [''], topics), if(empty(topics), [''], topics)) AS topic,
    arrayConcat(arrayEnumerate(if(empty(topics), [''], topics)), arrayEnumerate(if(empty(topics), [''], topics))) AS idx,
    arrayConcat(arrayMap(x -> 0, if(empty(topics), [''], topics)), arrayMap(x -> 1, if(empty(topics), [''], topics))) AS part
WHERE event_type = 'feedback.received' AND (part = 0 OR toUInt32(due_at) > 0)
GROUP BY topic, channel, day, is_primary;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_topic_channel_monthly_lifecycle_mv TO feedback_topic_channel_monthly AS
SELECT topic, channel, toStartOfMonth(if(part = 0, toDate(occurred_at), toDate(case_due_at))) AS day, toUInt8(idx = 1) AS is_primary,
    toUInt64(0) AS received, toUInt64(0) AS negative, toUInt64(0) AS positive, toUInt64(0) AS scored,
    toFloat64(0) AS sentiment_sum, toFloat64(0) AS sentiment_sq,
    toUInt64(0) AS due,
    countIf(part = 1) AS done,
    countIf(part = 1 AND occurred_at <= case_due_at) AS done_in_time,
    countIf(part = 0 AND event_type = 'feedback.answered') AS answered,
    countIf(part = 0 AND event_type = 'feedback.answered' AND within_deadline >= 0) AS answered_known,
    countIf(part = 0 AND event_type = 'feedback.answered' AND within_deadline = 1) AS answered_in_time,
    countIf(part = 0 AND event_type = 'feedback.resolved') AS resolved,
    countIf(part = 0 AND event_type = 'feedback.reopened') AS reopened
FROM events
ARRAY JOIN arrayConcat(if(empty(topics), [''], topics), if(empty(topics), [''], topics)) AS topic,
    arrayConcat(arrayEnumerate(if(empty(topics), [''], topics)), arrayEnumerate(if(empty(topics), [''], topics))) AS idx,
    arrayConcat(arrayMap(x -> 0, if(empty(topics), [''], topics)), arrayMap(x -> 1, if(empty(topics), [''], topics))) AS part
WHERE (part = 0 AND event_type IN ('feedback.assigned', 'feedback.status_changed', 'feedback.answered', 'feedback.resolved', 'feedback.reopened'))
    OR (part = 1 AND first_done = 1 AND toUInt32(case_due_at) > 0)
GROUP BY topic, channel, day, is_primary;
