-- Every row of feedback_cell_monthly (migration 0006), its sums merged per
-- month, commune, topic, channel and is_primary: feedback received and
-- its sentiment, cases by due day and lifecycle flow. The dashboard keeps
-- this one answer until the table changes and computes
-- feedback_rollup_grouped's and feedback_figures' answers for the monthly
-- cell and topic-channel roll-ups from it in Go (see cellMonths). Sorted
-- by month, as Go reads it.
SELECT toYYYYMMDD(day) AS d, commune_code, topic, channel, is_primary,
    sum(received), sum(negative), sum(positive), sum(scored),
    sum(sentiment_sum), sum(sentiment_sq),
    sum(due), sum(done), sum(done_in_time),
    sum(answered), sum(answered_known), sum(answered_in_time),
    sum(resolved), sum(reopened)
FROM feedback_cell_monthly
GROUP BY day, commune_code, topic, channel, is_primary
ORDER BY d
