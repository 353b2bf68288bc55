-- How many feedback cases feedback_list would page through.
SELECT count() AS n
FROM feedback_index
WHERE {{where}}
