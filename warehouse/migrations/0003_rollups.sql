-- 0003: roll-ups of the daily feedback projections of 0002, so that the
-- dashboard reads tens of thousands of rows where it read millions. Each
-- holds, in one row per key, the measures of feedback_topic_daily (by the
-- day received), feedback_due_daily (by the day due) and
-- feedback_flow_daily (by the day of the lifecycle event); a row has zeros
-- in the measures of the other kinds. Every figure is a count or a sum, so
-- the dashboard's sums over them equal its sums over the 0002 tables.
--
-- Each view emits every event twice (ARRAY JOIN part 0 and 1): part 0 is
-- keyed by the day the event occurred, part 1 by the case's due day (for
-- feedback.received the case's due_at, for the first answer or resolution
-- case_due_at), with the same conditions as the 0002 views.

-- Without topic and channel: day × commune, about 70 rows a day. Answers
-- queries with no topic or channel filter and no topic grouping (each
-- event counts once, as is_primary = 1 does in the 0002 tables).
CREATE TABLE IF NOT EXISTS feedback_commune_daily (
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

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_commune_daily_received_mv TO feedback_commune_daily AS
SELECT if(part = 0, toDate(occurred_at), toDate(due_at)) AS day, commune_code,
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

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_commune_daily_lifecycle_mv TO feedback_commune_daily AS
SELECT if(part = 0, toDate(occurred_at), toDate(case_due_at)) AS day, commune_code,
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

-- With topic and channel, ordered so that a topic, channel and commune
-- filter each narrow the rows read: the same keys as the 0002 tables
-- (topic '' for events without topics; is_primary = 1 on an event's first
-- topic), with small granules.
CREATE TABLE IF NOT EXISTS feedback_cell_daily (
    topic String,
    channel String,
    commune_code String,
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
ORDER BY (topic, channel, commune_code, day, is_primary)
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_cell_daily_received_mv TO feedback_cell_daily AS
SELECT topic, channel, commune_code, if(part = 0, toDate(occurred_at), toDate(due_at)) AS day, toUInt8(idx = 1) AS is_primary,
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
GROUP BY topic, channel, commune_code, day, is_primary;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_cell_daily_lifecycle_mv TO feedback_cell_daily AS
SELECT topic, channel, commune_code, if(part = 0, toDate(occurred_at), toDate(case_due_at)) AS day, toUInt8(idx = 1) AS is_primary,
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
GROUP BY topic, channel, commune_code, day, is_primary;

-- The same without commune, for queries over the whole province with a
-- topic or channel filter or by topic: about 200 rows a day.
CREATE TABLE IF NOT EXISTS feedback_topic_channel_daily (
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

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_topic_channel_daily_received_mv TO feedback_topic_channel_daily AS
SELECT topic, channel, if(part = 0, toDate(occurred_at), toDate(due_at)) AS day, toUInt8(idx = 1) AS is_primary,
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

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_topic_channel_daily_lifecycle_mv TO feedback_topic_channel_daily AS
SELECT topic, channel, if(part = 0, toDate(occurred_at), toDate(case_due_at)) AS day, toUInt8(idx = 1) AS is_primary,
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

-- The columns of every feedback.received event that the feedback lists
-- show or filter on (not payload), ordered by commune and day, for the
-- feedback explorer's lists and counts and the hot-spot drivers: a period
-- or a commune narrows the rows read, where `events` (ordered by
-- event_type, aggregate_id) is read in full, and a page's rows are read by
-- key (commune_code, day) without the granules of payload around them.
-- unfolded = 1 marks rows without text_folded (written before the
-- projector filled it): searches fold their text from `events`, as the
-- lists read the text of rows without `text` from its payload.
CREATE TABLE IF NOT EXISTS feedback_index (
    commune_code String,
    day Date,
    occurred_at DateTime('Asia/Ho_Chi_Minh'),
    aggregate_id String,
    event_id UUID,
    channel String,
    topics Array(String),
    sentiment_label String,
    sentiment_score Float32,
    due_at DateTime('Asia/Ho_Chi_Minh'),
    text String,
    text_folded String,
    unfolded UInt8
) ENGINE = MergeTree()
ORDER BY (commune_code, day, occurred_at)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_index_mv TO feedback_index AS
SELECT commune_code, toDate(occurred_at) AS day, occurred_at, aggregate_id, event_id, channel, topics,
    sentiment_label, sentiment_score, due_at, text, text_folded, toUInt8(text_folded = '') AS unfolded
FROM events
WHERE event_type = 'feedback.received';
