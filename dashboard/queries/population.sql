-- The population of each 2025 commune that has one (the newest import of
-- each, see migration 0009).
SELECT commune_code, argMax(population, version) AS population, argMax(year, version) AS year
FROM locality_population
GROUP BY commune_code
