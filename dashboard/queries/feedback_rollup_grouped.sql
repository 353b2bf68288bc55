-- Feedback received and its sentiment from a roll-up of migration 0003
-- ({{rollup}}: feedback_commune_*, feedback_topic_channel_* or
-- feedback_cell_*, by day or, for whole months, by month: 0006 and 0008), grouped by
-- {{key}} (a whitelisted String expression: a time bucket, topic or
-- commune_code, or '' for the total). The roll-ups also hold due and flow
-- rows, whose received is 0: HAVING keeps the keys that feedback_grouped
-- would return (every row of feedback_topic_daily has received > 0).
SELECT {{key}} AS k,
    sum(received) AS received,
    sum(negative) AS negative,
    sum(positive) AS positive,
    sum(scored) AS scored,
    sum(sentiment_sum) AS s_sum,
    sum(sentiment_sq) AS s_sq
FROM {{rollup}}
WHERE {{where}}
GROUP BY k
HAVING received > 0
ORDER BY k
