-- 0005: hot spots honour the channel filter. feedback_hourly (0002) had no
-- channel; it is replaced by the same table with one. `dvpulse migrate`
-- fills the new table from the event log (the projector's exact rebuild),
-- so a database upgraded in place keeps its history.
DROP TABLE IF EXISTS feedback_hourly_mv;

DROP TABLE IF EXISTS feedback_hourly;

CREATE TABLE IF NOT EXISTS feedback_hourly (
    hour DateTime('Asia/Ho_Chi_Minh'),
    commune_code String,
    topic String,
    channel String,
    is_primary UInt8,
    received UInt64,
    negative UInt64
) ENGINE = SummingMergeTree()
ORDER BY (hour, commune_code, topic, channel, is_primary);

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_hourly_mv TO feedback_hourly AS
SELECT toStartOfHour(occurred_at) AS hour, commune_code, topic, channel, toUInt8(idx = 1) AS is_primary,
    count() AS received, countIf(sentiment_label = 'negative') AS negative
FROM events
ARRAY JOIN if(empty(topics), [''], topics) AS topic, arrayEnumerate(if(empty(topics), [''], topics)) AS idx
WHERE event_type = 'feedback.received'
GROUP BY hour, commune_code, topic, channel, is_primary;
