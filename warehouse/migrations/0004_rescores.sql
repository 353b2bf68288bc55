-- 0004: sentiment rescored with a newer model.
--
-- The event log keeps the score the projector stored when the event
-- arrived. After a model upgrade, `dvpulse projector rescore` scores the
-- model-scored feedback again with the binary's model and writes one row per
-- event here; the row with the highest version wins. Rebuilt projections
-- (`dvpulse projector rebuild`) and the dashboard's per-case reads take the
-- sentiment from here when a row exists. A sender's score is never rescored.
-- See projector/DESIGN.md, "Rescoring".
CREATE TABLE IF NOT EXISTS feedback_rescores (
    feedback_id String,
    event_id UUID,
    sentiment_label String,
    sentiment_score Float32,
    sentiment_confidence Float32,
    sentiment_method String,
    sentiment_explain String,
    version UInt64,
    rescored_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = ReplacingMergeTree(version)
ORDER BY (feedback_id, event_id);
