-- The hourly roll-up of the 8 days before ?ref per commune, topic and
-- channel, in windows of 24 h (w = 0: the last 24 h; w = 1..7: the days
-- before): received (r0..r7) and negative (n0..n7). It is what
-- hotspots.sql reads for one filter, for every filter at once: the
-- dashboard keeps it per reference time (hotwindows.go) and sums a
-- request's communes, topic and channel in Go. One row per combination
-- (~8,000 for Hà Tĩnh) costs ClickHouse half as much as one row per
-- window.
SELECT commune_code, topic, channel,
    sumIf(received, w = 0) AS r0, sumIf(negative, w = 0) AS n0,
    sumIf(received, w = 1) AS r1, sumIf(negative, w = 1) AS n1,
    sumIf(received, w = 2) AS r2, sumIf(negative, w = 2) AS n2,
    sumIf(received, w = 3) AS r3, sumIf(negative, w = 3) AS n3,
    sumIf(received, w = 4) AS r4, sumIf(negative, w = 4) AS n4,
    sumIf(received, w = 5) AS r5, sumIf(negative, w = 5) AS n5,
    sumIf(received, w = 6) AS r6, sumIf(negative, w = 6) AS n6,
    sumIf(received, w = 7) AS r7, sumIf(negative, w = 7) AS n7
FROM (
    SELECT commune_code, topic, channel, intDiv(? - toUInt32(hour) - 1, 86400) AS w, received, negative
    FROM feedback_hourly
    WHERE toUInt32(hour) >= ? AND toUInt32(hour) < ?
)
GROUP BY commune_code, topic, channel
