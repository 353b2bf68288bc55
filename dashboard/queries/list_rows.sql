-- The rows of a list page and their cases' current status, from one
-- lookup of feedback_timeline (migration 0010), whose key starts with the
-- case: each case's events lie together, so the ~50 cases of a page cost
-- about one 256-row granule each, for their texts and their statuses both
-- (measured on 10 M events: 4.8 ms of ClickHouse CPU, against 9.2 ms for
-- the texts from feedback_index plus the statuses from feedback_cases).
-- Per case: its feedback.received events, as parallel arrays (normally
-- one), and its status with the rule of feedback_cases (migrations 0002,
-- 0007): the status of its latest lifecycle event, 'received' when the
-- received event is the latest.
-- Rows with text '' were written before the projector filled it: the
-- dashboard reads those texts from events (feedback_rows.sql).
SELECT aggregate_id,
    groupArrayIf(toString(event_id), event_type = 'feedback.received') AS eids,
    groupArrayIf(occurred_at, event_type = 'feedback.received') AS ats,
    groupArrayIf(commune_code, event_type = 'feedback.received') AS communes,
    groupArrayIf(channel, event_type = 'feedback.received') AS channels,
    groupArrayIf(topics, event_type = 'feedback.received') AS topic_lists,
    groupArrayIf(text, event_type = 'feedback.received') AS texts,
    groupArrayIf(sentiment_label, event_type = 'feedback.received') AS labels,
    groupArrayIf(sentiment_score, event_type = 'feedback.received') AS scores,
    groupArrayIf(due_at, event_type = 'feedback.received') AS dues,
    argMaxIf(multiIf(event_type = 'feedback.received', 'received', event_type = 'feedback.assigned', 'assigned',
            event_type = 'feedback.status_changed', status, event_type = 'feedback.answered', 'answered',
            event_type = 'feedback.resolved', 'resolved', 'reopened'),
        occurred_at,
        event_type IN ('feedback.received', 'feedback.assigned', 'feedback.status_changed', 'feedback.answered',
            'feedback.resolved', 'feedback.reopened')) AS status
FROM feedback_timeline
PREWHERE aggregate_id IN (SELECT arrayJoin(?))
GROUP BY aggregate_id
