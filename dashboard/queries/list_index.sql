-- Every feedback.received row of feedback_index (migration 0003) with what
-- a list page filters and sorts on, but no text. The dashboard keeps this
-- answer until feedback_index or feedback_terms changes and finds the
-- explorer's and the sentiment drivers' pages in it (keptlist.go); it then
-- reads the wide columns of a page's rows alone with list_rows.sql. Go
-- sorts the rows itself: no ORDER BY here.
SELECT toUInt32(occurred_at) AS at, toYYYYMMDD(day) AS d, commune_code, aggregate_id, event_id,
    channel, topics, toUInt8(sentiment_label = '') AS unscored,
    toUInt8(sentiment_label = 'negative') AS negative, sentiment_score
FROM feedback_index
