-- Feedback received per bucket between two calendar days (inclusive).
-- {{bucket}} is replaced by a whitelisted expression over `day`.
SELECT {{bucket}} AS bucket, sum(received) AS n
FROM feedback_daily
WHERE day >= toDate(?) AND day <= toDate(?)
GROUP BY bucket
ORDER BY bucket
