-- Feedback received, newest first (or by {{order}}), with its text; the
-- search condition compares the folded text with the folded search term.
SELECT aggregate_id, occurred_at, commune_code, channel, topics,
    {{text}} AS body, sentiment_label, sentiment_score, due_at
FROM events
WHERE event_type = 'feedback.received' AND {{where}}
ORDER BY {{order}}
LIMIT ?, ?
