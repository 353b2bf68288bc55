-- The current status of the given feedback cases, for lists: only the
-- status column is read (PREWHERE on the key first), not the other states
-- of case_status.sql.
SELECT feedback_id, argMaxMerge(status) AS status
FROM feedback_cases
PREWHERE feedback_id IN (SELECT arrayJoin(?))
GROUP BY feedback_id
