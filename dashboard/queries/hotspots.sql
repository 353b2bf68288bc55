-- Feedback per locality × topic in the 24 h before ?ref (w = 0) and in each
-- of the 7 windows of 24 h before that (w = 1..7). Go computes the 7-day
-- mean and σ from base and base_sq and flags the jumps. Ties of recent
-- are in the order of commune and topic, as in hotwindows.go.
SELECT commune_code, topic,
    sumIf(r, w = 0) AS recent, sumIf(n, w = 0) AS recent_neg,
    sumIf(r, w > 0) AS base, sumIf(r * r, w > 0) AS base_sq, sumIf(n, w > 0) AS base_neg
FROM (
    SELECT commune_code, topic, intDiv(? - toUInt32(hour) - 1, 86400) AS w,
        sum(received) AS r, sum(negative) AS n
    FROM feedback_hourly
    WHERE toUInt32(hour) >= ? AND toUInt32(hour) < ? AND {{where}}
    GROUP BY commune_code, topic, w
)
GROUP BY commune_code, topic
HAVING recent > 0
ORDER BY recent DESC, commune_code, topic
