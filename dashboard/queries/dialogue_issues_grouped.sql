-- Issues raised at dialogues, grouped by {{key}}.
SELECT {{key}} AS k, sum(raised) AS raised
FROM dialogue_issues_daily
WHERE {{where}}
GROUP BY k
ORDER BY k
