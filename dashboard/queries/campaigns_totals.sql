-- Campaign activities (campaign_daily) per campaign and activity kind:
-- activities, participants, money (VND) and land handed over (m²).
SELECT campaign_id, activity_kind, sum(activities) AS activities, sum(participants) AS participants,
    sum(money_vnd) AS money_vnd, sum(land_m2) AS land_m2
FROM campaign_daily
WHERE {{where}}
GROUP BY campaign_id, activity_kind
ORDER BY campaign_id, activity_kind
