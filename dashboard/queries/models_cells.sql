-- "Dân vận khéo" models, current state, per field × commune × registration
-- year: registered, recognised, assessed effective, replications. The
-- dashboard filters (communes, years up to the period's end) and sums
-- these cells in Go; every figure is a count, so the sums are exact. One
-- query for every filter, so the query cache serves all model figures.
-- FINAL merges each model's states in key order, cheaper than GROUP BY
-- model_id; finalizeAggregation reads the merged values.
SELECT field, commune_code, registered_year, count() AS registered, countIf(x_level != '') AS recognized,
    countIf(x_effective = 1) AS effective, countIf(x_source != '') AS replications
FROM (
    SELECT finalizeAggregation(field) AS field, finalizeAggregation(commune_code) AS commune_code,
        finalizeAggregation(registered_year) AS registered_year, finalizeAggregation(source_model_id) AS x_source,
        finalizeAggregation(recognition_level) AS x_level, finalizeAggregation(effective) AS x_effective
    FROM models FINAL
)
GROUP BY field, commune_code, registered_year
ORDER BY field, commune_code, registered_year
