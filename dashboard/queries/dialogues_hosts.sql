-- Dialogues per month and host (locality, level, role): how many, how many
-- people, and on how many distinct days the host received citizens.
SELECT toString(month) AS m, commune_code, host_level, host_role,
    countMerge(held) AS held, sumMerge(participants) AS participants, uniqExactMerge(days) AS days
FROM dialogues_monthly
WHERE {{where}}
GROUP BY m, commune_code, host_level, host_role
ORDER BY m, commune_code, host_level, host_role
