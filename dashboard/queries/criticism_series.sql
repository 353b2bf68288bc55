-- Social criticism sessions (criticism_daily, a SummingMergeTree: always
-- sum), grouped by {{key}}: sessions, opinions given, opinions accepted.
SELECT {{key}} AS k, sum(sessions) AS sessions, sum(opinions_given) AS opinions_given,
    sum(opinions_accepted) AS opinions_accepted
FROM criticism_daily
WHERE {{where}}
GROUP BY k
ORDER BY k
