-- 0010: the events of each feedback case, keyed by case, for the case page
-- (dashboard case_events.sql). `events` is ordered by event_type first and
-- partitioned by month, so one case cost a granule of 8,192 rows per
-- feedback event type and month: about 300,000 rows read per case on 10
-- million events. Here a case's events are next to each other, in small
-- granules and without monthly partitions: a case is one or two granules
-- of 256 rows per part.
--
-- It holds the columns the case page shows. payload is kept only where the
-- page may still need it: a row whose typed column is empty while its
-- payload names that field (rows written before the projector filled the
-- typed columns; the page then reads the field from the payload, see
-- payloadFields and textExpr in the dashboard). The key is sought as
-- "name", in any case, as encoding/json matches it. Rows written by the
-- current projector have their typed columns filled and store ''.
-- `dvpulse migrate` fills the table from the event log (the projector's
-- exact rebuild) on a database upgraded in place.
CREATE TABLE IF NOT EXISTS feedback_timeline (
    aggregate_id String,
    occurred_at DateTime('Asia/Ho_Chi_Minh'),
    received_at DateTime('Asia/Ho_Chi_Minh'),
    event_id UUID,
    event_type String,
    source_system String,
    channel String,
    commune_code String,
    locality_scheme String,
    locality_code String,
    topics Array(String),
    topics_method String,
    org String,
    status String,
    note String,
    outcome String,
    within_deadline Int8,
    due_at DateTime('Asia/Ho_Chi_Minh'),
    text String,
    sentiment_label String,
    sentiment_score Float32,
    sentiment_confidence Float32,
    sentiment_method String,
    sentiment_explain String,
    payload String
) ENGINE = MergeTree()
ORDER BY (aggregate_id, occurred_at, received_at, event_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_timeline_mv TO feedback_timeline AS
SELECT aggregate_id, occurred_at, received_at, event_id, event_type, source_system, channel, commune_code,
    locality_scheme, locality_code, topics, topics_method, org, status, note, outcome, within_deadline, due_at, text,
    sentiment_label, sentiment_score, sentiment_confidence, sentiment_method, sentiment_explain,
    if((text = '' AND positionCaseInsensitive(payload, '"text"') > 0)
        OR (status = '' AND positionCaseInsensitive(payload, '"status"') > 0)
        OR (note = '' AND positionCaseInsensitive(payload, '"note"') > 0)
        OR (outcome = '' AND positionCaseInsensitive(payload, '"outcome"') > 0)
        OR (toUInt32(due_at) = 0 AND positionCaseInsensitive(payload, '"due_at"') > 0)
        OR ((within_deadline < 0 OR event_type NOT IN ('feedback.answered', 'feedback.resolved'))
            AND positionCaseInsensitive(payload, '"within_deadline"') > 0)
        OR ((sentiment_label = '' OR sentiment_method != 'sender') AND positionCaseInsensitive(payload, '"sentiment"') > 0),
        payload, '') AS payload
FROM events
WHERE event_type LIKE 'feedback.%';
