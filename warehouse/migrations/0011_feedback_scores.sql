-- 0011: feedback received, ordered by sentiment score first, for the lists
-- in score order (the sentiment page's drivers, the explorer's "most
-- negative first"). feedback_index is ordered by commune and day, so such a
-- list read the score of every row of the period, twice (the page's cut,
-- then the page). Here the score's bucket leads the key: the dashboard
-- reads the most negative buckets first and widens only when they hold
-- fewer rows than the page needs. Since a bucket is a non-decreasing
-- function of the score, the rows of the buckets below a bound are a prefix
-- of the score order, so a page found inside them is the page.
--
-- Only ids and the filter columns: the texts of a page's rows are read from
-- feedback_index by their commune and day, as for every list.
-- `dvpulse migrate` fills the table from the event log (the projector's
-- exact rebuild) on a database upgraded in place; a rebuild applies rescores
-- as it does for feedback_index.
CREATE TABLE IF NOT EXISTS feedback_scores (
    unscored UInt8,
    score_bucket UInt8,
    day Date,
    commune_code String,
    occurred_at DateTime('Asia/Ho_Chi_Minh'),
    aggregate_id String,
    event_id UUID,
    channel String,
    topics Array(String),
    sentiment_label String,
    sentiment_score Float32
) ENGINE = MergeTree()
ORDER BY (unscored, score_bucket, day, commune_code)
SETTINGS index_granularity = 256;

-- score_bucket = floor(100 * sqrt(score + 1)), 0 … 141 (0 for unscored
-- rows, which sort after every scored one). The square root makes the
-- buckets finest near -1, where the model's scores crowd and the lists
-- start: bucket 3 begins at -0.9991, 10 at -0.99, 32 at -0.9, 100 at 0.
CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_scores_mv TO feedback_scores AS
SELECT toUInt8(sentiment_label = '') AS unscored,
    toUInt8(if(sentiment_label = '', 0, floor(100. * sqrt(least(greatest(toFloat64(sentiment_score), -1.), 1.) + 1.)))) AS score_bucket,
    toDate(occurred_at) AS day, commune_code, occurred_at, aggregate_id, event_id, channel, topics,
    sentiment_label, sentiment_score
FROM events
WHERE event_type = 'feedback.received';
