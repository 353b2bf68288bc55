-- Feedback received and its sentiment, cases by due day, and lifecycle flow,
-- grouped by {{key}}, in one pass over a roll-up of migration 0003
-- ({{rollup}}: feedback_commune_*, feedback_topic_channel_* or
-- feedback_cell_*, by day or, for whole months, by month: 0006 and 0008). Go keeps,
-- per key, the feedback figures when received > 0 and the due figures when
-- due or done > 0, as the 0002 tables have rows only for those.
SELECT {{key}} AS k,
    sum(received) AS received, sum(negative) AS negative, sum(positive) AS positive, sum(scored) AS scored,
    sum(sentiment_sum) AS s_sum, sum(sentiment_sq) AS s_sq,
    sum(due) AS due, sum(done) AS done, sum(done_in_time) AS done_in_time,
    sum(answered) AS answered, sum(answered_known) AS answered_known, sum(answered_in_time) AS answered_in_time,
    sum(resolved) AS resolved, sum(reopened) AS reopened
FROM {{rollup}}
WHERE {{where}}
GROUP BY k
ORDER BY k
