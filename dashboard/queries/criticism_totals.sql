-- Social criticism sessions (criticism_daily) per organiser and form:
-- sessions, opinions given, opinions accepted.
SELECT org, form, sum(sessions) AS sessions, sum(opinions_given) AS opinions_given,
    sum(opinions_accepted) AS opinions_accepted
FROM criticism_daily
WHERE {{where}}
GROUP BY org, form
ORDER BY org, form
