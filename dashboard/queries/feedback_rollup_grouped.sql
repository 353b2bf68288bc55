-- Feedback received and its sentiment from a roll-up of migration 0003
-- ({{rollup}}: feedback_commune_daily, feedback_topic_channel_daily,
-- feedback_cell_daily or, for whole months, feedback_cell_monthly of 0006), grouped by
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
