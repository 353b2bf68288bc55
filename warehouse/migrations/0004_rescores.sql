-- 0004: feedback rescored with a newer model.
--
-- The event log keeps the sentiment and topics the projector stored when the
-- event arrived. After a model or lexicon upgrade, `dvpulse projector
-- rescore` scores the feedback again with the binary's model and writes one
-- row per feedback.received event here; the row with the highest version
-- wins. A row replaces the sentiment when its sentiment_method is not ''
-- (never a sender's sentiment) and the topics when its topics_method is not
-- '' (never a sender's topics; topics may then be empty). Rebuilt
-- projections (`dvpulse projector rebuild`) and the dashboard's per-case
-- reads use it; lifecycle events that inherited their case's topics
-- (topics_method 'case') follow the case's row. See projector/DESIGN.md,
-- "Rescoring".
CREATE TABLE IF NOT EXISTS feedback_rescores (
    feedback_id String,
    event_id UUID,
    model String,
    sentiment_label String,
    sentiment_score Float32,
    sentiment_confidence Float32,
    sentiment_method String,
    sentiment_explain String,
    topics Array(String),
    topics_method String,
    version UInt64,
    rescored_at DateTime('Asia/Ho_Chi_Minh')
) ENGINE = ReplacingMergeTree(version)
ORDER BY (feedback_id, event_id);
