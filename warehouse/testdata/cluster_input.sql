-- Input of TestClusterGolden: single-node statements in the style of the
-- migrations. cluster.golden is their cluster-mode rewrite.
CREATE TABLE IF NOT EXISTS events (
    event_id UUID,
    event_type String,
    occurred_at DateTime('Asia/Ho_Chi_Minh'),
    received_at DateTime('Asia/Ho_Chi_Minh'),
    commune_code String,
    channel String,
    kafka_topic String,
    kafka_partition Int32,
    kafka_offset Int64
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(received_at)
ORDER BY (event_type, occurred_at, event_id);

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

CREATE TABLE IF NOT EXISTS dead_letters (
    kafka_topic String,
    kafka_partition Int32,
    kafka_offset Int64,
    reason String,
    dead_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = ReplacingMergeTree(dead_at)
ORDER BY (kafka_topic, kafka_partition, kafka_offset);

CREATE TABLE IF NOT EXISTS scratch (x UInt8) ENGINE = Memory;

ALTER TABLE events ADD COLUMN IF NOT EXISTS org String;

DROP TABLE IF EXISTS scratch;
