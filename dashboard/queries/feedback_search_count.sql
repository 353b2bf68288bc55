-- How many feedback cases a search pages through, counted up to the cap
-- (the bound ?, the cap + 1), from feedback_terms (migration 0012): {{where}}
-- holds the list's filters and the search (addSearch in where.go), which
-- keep one row per matching case. The key (term, commune_code, day) makes
-- ClickHouse read one word's rows of the communes and period only, and it
-- stops once it has found the cap's.
SELECT count() AS n
FROM (
    SELECT 1
    FROM feedback_terms
    WHERE {{where}}
    LIMIT ?
) AS matched
