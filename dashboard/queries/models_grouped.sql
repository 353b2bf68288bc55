-- "Dân vận khéo" models, current state, grouped by {{key}} (over the merged
-- columns field, commune_code, registered_year): registered, recognised,
-- assessed effective, replications.
SELECT {{key}} AS k, count() AS registered, countIf(x_level != '') AS recognized,
    countIf(x_effective = 1) AS effective, countIf(x_source != '') AS replications
FROM (
    SELECT model_id, anyLastMerge(field) AS field, anyMerge(commune_code) AS commune_code,
        minMerge(registered_year) AS registered_year, maxMerge(source_model_id) AS x_source,
        argMaxMerge(recognition_level) AS x_level, argMaxMerge(effective) AS x_effective,
        maxMerge(assessed_year) AS assessed_year
    FROM models
    GROUP BY model_id
)
WHERE {{where}}
GROUP BY k
ORDER BY k
