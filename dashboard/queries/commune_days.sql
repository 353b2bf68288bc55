-- Every row of feedback_commune_daily (migration 0003), its sums merged
-- per day and commune: feedback received and its sentiment, cases by due
-- day and lifecycle flow. The dashboard keeps this one answer until the
-- table changes and computes feedback_rollup_grouped's and
-- feedback_figures' answers for the commune roll-ups from it in Go (see
-- communeDays). Sorted by day, as Go reads it.
SELECT toYYYYMMDD(day) AS d, commune_code,
    sum(received), sum(negative), sum(positive), sum(scored),
    sum(sentiment_sum), sum(sentiment_sq),
    sum(due), sum(done), sum(done_in_time),
    sum(answered), sum(answered_known), sum(answered_in_time),
    sum(resolved), sum(reopened)
FROM feedback_commune_daily
GROUP BY day, commune_code
ORDER BY d, commune_code
