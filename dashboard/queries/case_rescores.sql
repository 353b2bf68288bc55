-- The newest rescore of each rescored event of one feedback case (written by
-- `dvpulse projector rescore` after a model upgrade; the highest version
-- wins), with that version. loadCase replaces an event's sentiment where
-- its rescore has a sentiment_method, and its topics where it has a
-- topics_method; events that inherited the case's topics (topics_method
-- 'case') take the topics of the case's newest rescore. One lookup of the
-- table's key for the whole case. The ? is the case id.
SELECT toString(event_id) AS eid, max(version) AS v,
    argMax(sentiment_label, version) AS label, argMax(sentiment_score, version) AS score,
    argMax(sentiment_confidence, version) AS confidence, argMax(sentiment_method, version) AS method,
    argMax(sentiment_explain, version) AS explain, argMax(topics, version) AS topics,
    argMax(topics_method, version) AS topics_method
FROM feedback_rescores
WHERE feedback_id = ?
GROUP BY event_id
