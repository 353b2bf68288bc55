-- Cases by the day they fall due: due, answered or resolved, and of those in
-- time; grouped by {{key}}.
SELECT {{key}} AS k, sum(due) AS due, sum(done) AS done, sum(done_in_time) AS done_in_time
FROM feedback_due_daily
WHERE {{where}}
GROUP BY k
ORDER BY k
