-- 0001: the event log, the projector's offsets and the daily feedback volume.

-- Every accepted event, immutable, with the Kafka position it was read from.
-- The projector writes each batch as one block; the materialized views below
-- see exactly the rows of that block.
CREATE TABLE IF NOT EXISTS events (
    event_id UUID,
    event_type String,
    schema_version UInt16,
    occurred_at DateTime('Asia/Ho_Chi_Minh'),
    received_at DateTime('Asia/Ho_Chi_Minh'),
    source_system String,
    source_record_id String,
    locality_scheme String,
    locality_code String,
    commune_code String,
    aggregate_id String,
    channel String,
    topics Array(String),
    topics_method String,
    org String,
    payload String,
    kafka_topic String,
    kafka_partition Int32,
    kafka_offset Int64,
    -- Typed copies of the type-specific fields, for the projections.
    -- Absent values are '' / 0; tri-state flags are -1 unknown, 0 no, 1 yes.
    text String,
    text_folded String,
    petitioner_kind String,
    group_size UInt32,
    due_at DateTime('Asia/Ho_Chi_Minh'),
    status String,
    note String,
    outcome String,
    answer_ref String,
    within_deadline Int8,
    sentiment_label String,
    sentiment_score Float32,
    sentiment_confidence Float32,
    sentiment_method String,
    sentiment_explain String,
    dialogue_id String,
    dialogue_kind String,
    host_role String,
    host_level String,
    participants UInt32,
    issue_id String,
    commitment_id String,
    evidence String,
    model_id String,
    model_name String,
    model_field String,
    model_year UInt16,
    recognition_level String,
    source_model_id String,
    effective Int8,
    campaign_id String,
    activity_kind String,
    money_vnd Int64,
    land_m2 Float64,
    session_id String,
    draft_document String,
    criticism_form String,
    opinions_given UInt32,
    opinions_accepted UInt32,
    report_id String,
    period_start Date,
    period_end Date,
    hot_topics Array(String),
    hot_severities Array(String),
    complex_case Int8,
    -- Filled by the projector for feedback lifecycle events from the case's
    -- earlier events: when it was received, its deadline, and whether this
    -- event is the case's first action / first answer-or-resolution.
    case_received_at DateTime('Asia/Ho_Chi_Minh'),
    case_due_at DateTime('Asia/Ho_Chi_Minh'),
    first_action UInt8,
    first_done UInt8
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(received_at)
ORDER BY (event_type, aggregate_id, occurred_at, event_id);

-- The highest offset stored per partition; the projector seeks to it + 1 on
-- start. Filled from the same insert as the events, so it never runs ahead.
CREATE TABLE IF NOT EXISTS projector_offsets (
    kafka_topic String,
    kafka_partition Int32,
    max_offset AggregateFunction(max, Int64)
) ENGINE = AggregatingMergeTree()
ORDER BY (kafka_topic, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS projector_offsets_mv TO projector_offsets AS
SELECT kafka_topic, kafka_partition, maxState(kafka_offset) AS max_offset
FROM events
GROUP BY kafka_topic, kafka_partition;

-- Feedback received per calendar day (Asia/Ho_Chi_Minh), commune and channel.
CREATE TABLE IF NOT EXISTS feedback_daily (
    day Date,
    commune_code String,
    channel String,
    received UInt64
) ENGINE = SummingMergeTree()
ORDER BY (day, commune_code, channel);

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_daily_mv TO feedback_daily AS
SELECT toDate(occurred_at) AS day, commune_code, channel, count() AS received
FROM events
WHERE event_type = 'feedback.received'
GROUP BY day, commune_code, channel;

-- Messages the projector could not project (undecodable, unknown schema
-- version, invalid), with the reason. Their offsets count as stored, so a
-- restart does not read them again.
CREATE TABLE IF NOT EXISTS dead_letters (
    kafka_topic String,
    kafka_partition Int32,
    kafka_offset Int64,
    reason String,
    payload String,
    dead_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = ReplacingMergeTree()
ORDER BY (kafka_topic, kafka_partition, kafka_offset);

CREATE MATERIALIZED VIEW IF NOT EXISTS projector_offsets_dead_mv TO projector_offsets AS
SELECT kafka_topic, kafka_partition, maxState(kafka_offset) AS max_offset
FROM dead_letters
GROUP BY kafka_topic, kafka_partition;
