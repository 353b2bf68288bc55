-- The feedback.received rows (time and event) whose text has the word ?,
-- from feedback_terms (migration 0012), whose key starts with the word: a
-- word's postings, which the dashboard keeps beside list_index.sql's rows
-- to answer searches in memory (keptlist.go).
SELECT toUInt32(occurred_at) AS at, event_id
FROM feedback_terms
WHERE term = ?
