-- 0009: population of each 2025 commune, loaded by `dvpulse population
-- import` from the statistics office's figures, so that the dashboard can
-- show "Dân vận khéo" models per 10,000 people where the population is
-- known. Not an event projection: the newest import of a commune wins.
CREATE TABLE IF NOT EXISTS locality_population (
    commune_code String,
    population UInt64,
    year UInt16,
    source String,
    imported_at DateTime('Asia/Ho_Chi_Minh'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY commune_code;
