-- How many feedback cases feedback_list would page through.
SELECT count() AS n
FROM events
WHERE event_type = 'feedback.received' AND {{where}}
