-- Current status, deadline and dates of the given feedback cases (IN a
-- subquery rather than has(), so that ClickHouse uses the primary key).
SELECT feedback_id, argMaxMerge(status) AS status, maxMerge(due_at) AS due_at,
    minMerge(first_action_at) AS first_action_at, minMerge(answered_at) AS answered_at,
    minMerge(resolved_at) AS resolved_at, sumMerge(reopened) AS reopened
FROM feedback_cases
WHERE feedback_id IN (SELECT arrayJoin(?))
GROUP BY feedback_id
