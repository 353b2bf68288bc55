-- Feedback received and its sentiment, grouped by {{key}} (a whitelisted
-- String expression: a time bucket, topic or commune_code, or '' for the
-- total). {{where}} is built from whitelisted conditions with bound values.
SELECT {{key}} AS k,
    sum(received) AS received,
    sum(negative) AS negative,
    sum(positive) AS positive,
    sum(scored) AS scored,
    sum(sentiment_sum) AS s_sum,
    sum(sentiment_sq) AS s_sq
FROM feedback_topic_daily
WHERE {{where}}
GROUP BY k
ORDER BY k
