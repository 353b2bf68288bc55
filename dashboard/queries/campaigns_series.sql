-- Campaign activities (campaign_daily, a SummingMergeTree: always sum),
-- grouped by {{key}}: activities, participants, money (VND) and land
-- handed over (m²).
SELECT {{key}} AS k, sum(activities) AS activities, sum(participants) AS participants,
    sum(money_vnd) AS money_vnd, sum(land_m2) AS land_m2
FROM campaign_daily
WHERE {{where}}
GROUP BY k
ORDER BY k
