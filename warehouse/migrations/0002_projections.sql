-- 0002: projections for every indicator of domain.md. Each is a
-- materialized view over `events`, so it sees exactly the rows of each
-- insert block the projector writes (see projector/DESIGN.md).
--
-- Topic dimension: an event with several topics contributes one row per
-- topic; the first carries is_primary = 1. Queries without a topic filter
-- add `is_primary = 1`, so every event counts once; a topic filter counts
-- each event once for that topic. An event without topics has topic ''.

-- Feedback volume and sentiment by calendar day.
CREATE TABLE IF NOT EXISTS feedback_topic_daily (
    day Date,
    commune_code String,
    channel String,
    topic String,
    is_primary UInt8,
    received UInt64,
    negative UInt64,
    positive UInt64,
    scored UInt64,
    sentiment_sum Float64,
    sentiment_sq Float64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code, topic, channel, is_primary);

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_topic_daily_mv TO feedback_topic_daily AS
SELECT toDate(occurred_at) AS day, commune_code, channel, topic, toUInt8(idx = 1) AS is_primary,
    count() AS received,
    countIf(sentiment_label = 'negative') AS negative,
    countIf(sentiment_label = 'positive') AS positive,
    countIf(sentiment_label != '') AS scored,
    sumIf(toFloat64(sentiment_score), sentiment_label != '') AS sentiment_sum,
    sumIf(toFloat64(sentiment_score) * toFloat64(sentiment_score), sentiment_label != '') AS sentiment_sq
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE event_type = 'feedback.received'
GROUP BY day, commune_code, channel, topic, is_primary;

-- The same by hour, for hot spots (last 24 h against the days before).
CREATE TABLE IF NOT EXISTS feedback_hourly (
    hour DateTime('Asia/Ho_Chi_Minh'),
    commune_code String,
    topic String,
    is_primary UInt8,
    received UInt64,
    negative UInt64
) ENGINE = SummingMergeTree()
ORDER BY (hour, commune_code, topic, is_primary);

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_hourly_mv TO feedback_hourly AS
SELECT toStartOfHour(occurred_at) AS hour, commune_code, topic, toUInt8(idx = 1) AS is_primary,
    count() AS received, countIf(sentiment_label = 'negative') AS negative
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE event_type = 'feedback.received'
GROUP BY hour, commune_code, topic, is_primary;

-- Cases by the day they were received: how many were later acted on,
-- answered or resolved, reopened. Lifecycle events carry their case's
-- received time and the case's topics and channel (set by the projector).
CREATE TABLE IF NOT EXISTS feedback_cohort_daily (
    day Date,
    commune_code String,
    channel String,
    topic String,
    is_primary UInt8,
    received UInt64,
    actioned UInt64,
    done UInt64,
    reopened UInt64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code, topic, channel, is_primary);

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_cohort_received_mv TO feedback_cohort_daily AS
SELECT toDate(occurred_at) AS day, commune_code, channel, topic, toUInt8(idx = 1) AS is_primary,
    count() AS received, toUInt64(0) AS actioned, toUInt64(0) AS done, toUInt64(0) AS reopened
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE event_type = 'feedback.received'
GROUP BY day, commune_code, channel, topic, is_primary;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_cohort_lifecycle_mv TO feedback_cohort_daily AS
SELECT toDate(case_received_at) AS day, commune_code, channel, topic, toUInt8(idx = 1) AS is_primary,
    toUInt64(0) AS received,
    countIf(first_action = 1) AS actioned,
    countIf(first_done = 1) AS done,
    countIf(event_type = 'feedback.reopened') AS reopened
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE event_type IN ('feedback.assigned', 'feedback.status_changed', 'feedback.answered', 'feedback.resolved', 'feedback.reopened')
    AND toUInt32(case_received_at) > 0
GROUP BY day, commune_code, channel, topic, is_primary;

-- Cases by the day they fall due: how many, and how many were answered or
-- resolved, and how many of those by the deadline.
CREATE TABLE IF NOT EXISTS feedback_due_daily (
    day Date,
    commune_code String,
    channel String,
    topic String,
    is_primary UInt8,
    due UInt64,
    done UInt64,
    done_in_time UInt64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code, topic, channel, is_primary);

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_due_received_mv TO feedback_due_daily AS
SELECT toDate(due_at) AS day, commune_code, channel, topic, toUInt8(idx = 1) AS is_primary,
    count() AS due, toUInt64(0) AS done, toUInt64(0) AS done_in_time
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE event_type = 'feedback.received' AND toUInt32(due_at) > 0
GROUP BY day, commune_code, channel, topic, is_primary;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_due_done_mv TO feedback_due_daily AS
SELECT toDate(case_due_at) AS day, commune_code, channel, topic, toUInt8(idx = 1) AS is_primary,
    toUInt64(0) AS due, count() AS done, countIf(occurred_at <= case_due_at) AS done_in_time
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE first_done = 1 AND toUInt32(case_due_at) > 0
GROUP BY day, commune_code, channel, topic, is_primary;

-- Lifecycle flow by the day it happened: answers (and how many within the
-- deadline), resolutions, reopenings.
CREATE TABLE IF NOT EXISTS feedback_flow_daily (
    day Date,
    commune_code String,
    channel String,
    topic String,
    is_primary UInt8,
    answered UInt64,
    answered_known UInt64,
    answered_in_time UInt64,
    resolved UInt64,
    reopened UInt64,
    first_actions UInt64,
    first_dones UInt64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code, topic, channel, is_primary);

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_flow_daily_mv TO feedback_flow_daily AS
SELECT toDate(occurred_at) AS day, commune_code, channel, topic, toUInt8(idx = 1) AS is_primary,
    countIf(event_type = 'feedback.answered') AS answered,
    countIf(event_type = 'feedback.answered' AND within_deadline >= 0) AS answered_known,
    countIf(event_type = 'feedback.answered' AND within_deadline = 1) AS answered_in_time,
    countIf(event_type = 'feedback.resolved') AS resolved,
    countIf(event_type = 'feedback.reopened') AS reopened,
    countIf(first_action = 1) AS first_actions,
    countIf(first_done = 1) AS first_dones
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE event_type IN ('feedback.assigned', 'feedback.status_changed', 'feedback.answered', 'feedback.resolved', 'feedback.reopened')
GROUP BY day, commune_code, channel, topic, is_primary;

-- Time to first action and to resolution, in seconds, by the day of the
-- action; kind is 'act' or 'done'.
CREATE TABLE IF NOT EXISTS feedback_latency_daily (
    day Date,
    commune_code String,
    channel String,
    topic String,
    is_primary UInt8,
    kind String,
    seconds AggregateFunction(quantiles(0.5, 0.9), UInt32),
    n AggregateFunction(count)
) ENGINE = AggregatingMergeTree()
ORDER BY (day, commune_code, topic, channel, is_primary, kind);

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_latency_act_mv TO feedback_latency_daily AS
SELECT toDate(occurred_at) AS day, commune_code, channel, topic, toUInt8(idx = 1) AS is_primary, 'act' AS kind,
    quantilesState(0.5, 0.9)(toUInt32(greatest(toInt64(toUInt32(occurred_at)) - toInt64(toUInt32(case_received_at)), 0))) AS seconds,
    countState() AS n
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE first_action = 1 AND toUInt32(case_received_at) > 0
GROUP BY day, commune_code, channel, topic, is_primary;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_latency_done_mv TO feedback_latency_daily AS
SELECT toDate(occurred_at) AS day, commune_code, channel, topic, toUInt8(idx = 1) AS is_primary, 'done' AS kind,
    quantilesState(0.5, 0.9)(toUInt32(greatest(toInt64(toUInt32(occurred_at)) - toInt64(toUInt32(case_received_at)), 0))) AS seconds,
    countState() AS n
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE first_done = 1 AND toUInt32(case_received_at) > 0
GROUP BY day, commune_code, channel, topic, is_primary;

-- Current state of each feedback case.
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
ORDER BY feedback_id;

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

-- Dialogues by month, locality and host: how many, how many people, and on
-- how many distinct days (reception days) the host received citizens.
CREATE TABLE IF NOT EXISTS dialogues_monthly (
    month Date,
    commune_code String,
    host_level String,
    host_role String,
    dialogue_kind String,
    held AggregateFunction(count),
    participants AggregateFunction(sum, UInt32),
    days AggregateFunction(uniqExact, Date)
) ENGINE = AggregatingMergeTree()
ORDER BY (month, commune_code, host_level, host_role, dialogue_kind);

CREATE MATERIALIZED VIEW IF NOT EXISTS dialogues_monthly_mv TO dialogues_monthly AS
SELECT toStartOfMonth(occurred_at) AS month, commune_code, host_level, host_role, dialogue_kind,
    countState() AS held, sumState(participants) AS participants, uniqExactState(toDate(occurred_at)) AS days
FROM events
WHERE event_type = 'dialogue.held'
GROUP BY month, commune_code, host_level, host_role, dialogue_kind;

-- Issues raised at dialogues, by day, locality and topic.
CREATE TABLE IF NOT EXISTS dialogue_issues_daily (
    day Date,
    commune_code String,
    topic String,
    is_primary UInt8,
    raised UInt64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code, topic, is_primary);

CREATE MATERIALIZED VIEW IF NOT EXISTS dialogue_issues_daily_mv TO dialogue_issues_daily AS
SELECT toDate(occurred_at) AS day, commune_code, topic, toUInt8(idx = 1) AS is_primary, count() AS raised
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE event_type = 'dialogue.issue_raised'
GROUP BY day, commune_code, topic, is_primary;

-- Current state of each commitment made at a dialogue.
CREATE TABLE IF NOT EXISTS commitments (
    commitment_id String,
    issue_id AggregateFunction(any, String),
    commune_code AggregateFunction(any, String),
    made_at AggregateFunction(min, DateTime('Asia/Ho_Chi_Minh')),
    due_at AggregateFunction(max, DateTime('Asia/Ho_Chi_Minh')),
    fulfilled_at AggregateFunction(min, DateTime('Asia/Ho_Chi_Minh')),
    fulfilled AggregateFunction(max, UInt8),
    fulfilled_in_time AggregateFunction(max, Int8)
) ENGINE = AggregatingMergeTree()
ORDER BY commitment_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS commitments_made_mv TO commitments AS
SELECT aggregate_id AS commitment_id, anyState(issue_id) AS issue_id, anyState(commune_code) AS commune_code,
    minState(occurred_at) AS made_at, maxState(due_at) AS due_at,
    minStateIf(occurred_at, 0) AS fulfilled_at, maxStateIf(toUInt8(0), 0) AS fulfilled,
    maxStateIf(within_deadline, 0) AS fulfilled_in_time
FROM events
WHERE event_type = 'commitment.made'
GROUP BY commitment_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS commitments_fulfilled_mv TO commitments AS
SELECT aggregate_id AS commitment_id, anyStateIf(issue_id, 0) AS issue_id, anyStateIf(commune_code, 0) AS commune_code,
    minStateIf(occurred_at, 0) AS made_at, maxStateIf(due_at, 0) AS due_at,
    minState(occurred_at) AS fulfilled_at, maxState(toUInt8(1)) AS fulfilled,
    maxState(within_deadline) AS fulfilled_in_time
FROM events
WHERE event_type = 'commitment.fulfilled'
GROUP BY commitment_id;

-- Current state of each "Dân vận khéo" model.
CREATE TABLE IF NOT EXISTS models (
    model_id String,
    model_name AggregateFunction(anyLast, String),
    field AggregateFunction(anyLast, String),
    commune_code AggregateFunction(any, String),
    org AggregateFunction(any, String),
    registered_year AggregateFunction(min, UInt16),
    source_model_id AggregateFunction(max, String),
    recognition_level AggregateFunction(argMax, String, DateTime('Asia/Ho_Chi_Minh')),
    recognized_year AggregateFunction(min, UInt16),
    effective AggregateFunction(argMax, Int8, DateTime('Asia/Ho_Chi_Minh')),
    assessed_year AggregateFunction(max, UInt16)
) ENGINE = AggregatingMergeTree()
ORDER BY model_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS models_registered_mv TO models AS
SELECT aggregate_id AS model_id, anyLastState(model_name) AS model_name, anyLastState(model_field) AS field,
    anyState(commune_code) AS commune_code, anyState(org) AS org, minState(model_year) AS registered_year,
    maxState(source_model_id) AS source_model_id,
    argMaxStateIf(recognition_level, occurred_at, 0) AS recognition_level, minStateIf(model_year, 0) AS recognized_year,
    argMaxStateIf(effective, occurred_at, 0) AS effective, maxStateIf(model_year, 0) AS assessed_year
FROM events
WHERE event_type IN ('model.registered', 'model.replicated')
GROUP BY model_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS models_recognized_mv TO models AS
SELECT aggregate_id AS model_id,
    anyLastStateIf(model_name, 0) AS model_name, anyLastStateIf(model_field, 0) AS field,
    anyStateIf(commune_code, 0) AS commune_code, anyStateIf(org, 0) AS org, minStateIf(model_year, 0) AS registered_year,
    maxStateIf(source_model_id, 0) AS source_model_id,
    argMaxState(recognition_level, occurred_at) AS recognition_level, minState(model_year) AS recognized_year,
    argMaxStateIf(effective, occurred_at, 0) AS effective, maxStateIf(model_year, 0) AS assessed_year
FROM events
WHERE event_type = 'model.recognized'
GROUP BY model_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS models_assessed_mv TO models AS
SELECT aggregate_id AS model_id,
    anyLastStateIf(model_name, 0) AS model_name, anyLastStateIf(model_field, 0) AS field,
    anyStateIf(commune_code, 0) AS commune_code, anyStateIf(org, 0) AS org, minStateIf(model_year, 0) AS registered_year,
    maxStateIf(source_model_id, 0) AS source_model_id,
    argMaxStateIf(recognition_level, occurred_at, 0) AS recognition_level, minStateIf(model_year, 0) AS recognized_year,
    argMaxState(effective, occurred_at) AS effective, maxState(model_year) AS assessed_year
FROM events
WHERE event_type = 'model.assessed'
GROUP BY model_id;

-- Campaign activity totals by day, locality, campaign and kind.
CREATE TABLE IF NOT EXISTS campaign_daily (
    day Date,
    commune_code String,
    campaign_id String,
    activity_kind String,
    activities UInt64,
    participants UInt64,
    money_vnd Int64,
    land_m2 Float64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code, campaign_id, activity_kind);

CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_daily_mv TO campaign_daily AS
SELECT toDate(occurred_at) AS day, commune_code, campaign_id, activity_kind,
    count() AS activities, sum(toUInt64(participants)) AS participants, sum(money_vnd) AS money_vnd, sum(land_m2) AS land_m2
FROM events
WHERE event_type = 'campaign.activity'
GROUP BY day, commune_code, campaign_id, activity_kind;

-- Social criticism sessions by day, locality, organiser and form.
CREATE TABLE IF NOT EXISTS criticism_daily (
    day Date,
    commune_code String,
    org String,
    form String,
    sessions UInt64,
    opinions_given UInt64,
    opinions_accepted UInt64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code, org, form);

CREATE MATERIALIZED VIEW IF NOT EXISTS criticism_daily_mv TO criticism_daily AS
SELECT toDate(occurred_at) AS day, commune_code, org, criticism_form AS form,
    count() AS sessions, sum(toUInt64(opinions_given)) AS opinions_given, sum(toUInt64(opinions_accepted)) AS opinions_accepted
FROM events
WHERE event_type = 'criticism.session'
GROUP BY day, commune_code, org, form;

-- Hot issues named in situation reports, by day, locality, topic, severity.
CREATE TABLE IF NOT EXISTS situation_issues_daily (
    day Date,
    commune_code String,
    topic String,
    severity String,
    mentions UInt64,
    in_complex_reports UInt64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code, topic, severity);

CREATE MATERIALIZED VIEW IF NOT EXISTS situation_issues_daily_mv TO situation_issues_daily AS
SELECT toDate(occurred_at) AS day, commune_code, topic, severity,
    count() AS mentions, countIf(complex_case = 1) AS in_complex_reports
FROM events
ARRAY JOIN hot_topics AS topic, hot_severities AS severity
WHERE event_type = 'situation.report'
GROUP BY day, commune_code, topic, severity;

-- The locality registry (both schemes) with the 2025 crosswalk, written by
-- `dvpulse migrate` from the embedded registry. current_code is the 2025
-- unit a code rolls up to (itself for 2025 codes).
CREATE TABLE IF NOT EXISTS localities (
    province String,
    scheme String,
    code String,
    name String,
    kind String,
    district_code String,
    district_name String,
    current_code String,
    version UInt32
) ENGINE = ReplacingMergeTree(version)
ORDER BY (province, scheme, code);
