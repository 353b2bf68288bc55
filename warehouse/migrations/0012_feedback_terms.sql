-- 0012: a word index of the feedback texts, for the explorer's search. A
-- search scanned text_folded of every feedback_index row of the period
-- (position(text_folded, term) > 0), the costliest query of a request;
-- here each feedback.received event has one row per distinct word of its
-- text_folded, so a search reads the rows of its words and nothing else.
-- A word is a maximal run of letters and digits (RE2 \pL and \pN;
-- dashboard.Words is the same rule in Go, the one that splits the search
-- term), so a search matches whole words.
--
-- The key continues with the commune, then the day: a search in some
-- communes (a locality filter, an officer's scope) reads their rows only,
-- and within a commune the period or a window of days narrows the rows
-- read. Measured on 2.65 M feedback events (69 communes), against (term,
-- day, commune_code): for a commune 24 times fewer rows read and 2.2
-- times less ClickHouse time, for a district 5.6 and 1.8 times, for the
-- whole province 18 % more of both (a window of days still reads a
-- granule per commune). Granules of 256 rows read fewer rows than 1024.
--
-- The filter columns are feedback_index's, with the same names and types,
-- so the dashboard's filter conditions apply unchanged; the texts of a
-- page's rows are read from feedback_index by commune and day, as for
-- every list.
-- `dvpulse migrate` fills the table from the event log on a database
-- upgraded in place; a rebuild applies rescores as it does for
-- feedback_index.
CREATE TABLE IF NOT EXISTS feedback_terms (
    term String,
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
ORDER BY (term, commune_code, day, occurred_at)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_terms_mv TO feedback_terms AS
SELECT arrayJoin(arrayDistinct(extractAll(text_folded, '[\\pL\\pN]+'))) AS term,
    toDate(occurred_at) AS day, commune_code, occurred_at, aggregate_id, event_id, channel, topics,
    sentiment_label, sentiment_score
FROM events
WHERE event_type = 'feedback.received' AND text_folded != '';

-- Events written before the projector filled text_folded (and text: then
-- the payload's text) are folded here, in SQL, the way the projector folds
-- Vietnamese (dashboard's foldRawExpr: lower case, no diacritics, đ → d),
-- so that a search finds them in the index like any other. The projector
-- now fills text_folded for every feedback, so on its inserts this view
-- keeps no row and folds nothing (the WHERE is applied first); it works
-- when `dvpulse migrate` or a rebuild fills the table from old events.
CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_terms_unfolded_mv TO feedback_terms AS
SELECT arrayJoin(arrayDistinct(extractAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(lowerUTF8(if(text != '', text, visitParamExtractString(payload, 'text'))), 'à|á|ạ|ả|ã|â|ầ|ấ|ậ|ẩ|ẫ|ă|ằ|ắ|ặ|ẳ|ẵ|À|Á|Ạ|Ả|Ã|Â|Ầ|Ấ|Ậ|Ẩ|Ẫ|Ă|Ằ|Ắ|Ặ|Ẳ|Ẵ', 'a'), 'è|é|ẹ|ẻ|ẽ|ê|ề|ế|ệ|ể|ễ|È|É|Ẹ|Ẻ|Ẽ|Ê|Ề|Ế|Ệ|Ể|Ễ', 'e'), 'ì|í|ị|ỉ|ĩ|Ì|Í|Ị|Ỉ|Ĩ', 'i'), 'ò|ó|ọ|ỏ|õ|ô|ồ|ố|ộ|ổ|ỗ|ơ|ờ|ớ|ợ|ở|ỡ|Ò|Ó|Ọ|Ỏ|Õ|Ô|Ồ|Ố|Ộ|Ổ|Ỗ|Ơ|Ờ|Ớ|Ợ|Ở|Ỡ', 'o'), 'ù|ú|ụ|ủ|ũ|ư|ừ|ứ|ự|ử|ữ|Ù|Ú|Ụ|Ủ|Ũ|Ư|Ừ|Ứ|Ự|Ử|Ữ', 'u'), 'ỳ|ý|ỵ|ỷ|ỹ|Ỳ|Ý|Ỵ|Ỷ|Ỹ', 'y'), 'đ|Đ', 'd'), '[[:space:]]+', ' '), '[\\pL\\pN]+'))) AS term,
    toDate(occurred_at) AS day, commune_code, occurred_at, aggregate_id, event_id, channel, topics,
    sentiment_label, sentiment_score
FROM events
WHERE event_type = 'feedback.received' AND text_folded = '';
