-- How many feedback cases a search pages through, counted up to the cap
-- (the bound ?, the cap + 1): ClickHouse stops reading the texts once it
-- has found that many, so a common word costs a fraction of the period.
SELECT count() AS n
FROM (
    SELECT 1
    FROM feedback_index
    WHERE {{where}}
    LIMIT ?
) AS matched
