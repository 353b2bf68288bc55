-- Lifecycle flow by the day it happened, grouped by {{key}}.
SELECT {{key}} AS k, sum(answered) AS answered, sum(answered_known) AS answered_known,
    sum(answered_in_time) AS answered_in_time, sum(resolved) AS resolved, sum(reopened) AS reopened
FROM feedback_flow_daily
WHERE {{where}}
GROUP BY k
ORDER BY k
