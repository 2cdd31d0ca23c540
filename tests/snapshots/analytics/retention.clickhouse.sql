WITH firsts AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, min(intDiv(intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) + 3, 7)) AS cohort, min(e.timestamp) AS first_seen
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = {p1:Int64} AND e.timestamp < fromUnixTimestamp64Micro({p2:Int64}, 'UTC') AND (e.event = {p3:String} AND true)
GROUP BY person
),
cohorts AS (
SELECT person, cohort FROM firsts
WHERE first_seen >= fromUnixTimestamp64Micro({p0:Int64}, 'UTC')
),
returns AS (
SELECT DISTINCT coalesce(pdi.person_id, e.distinct_id) AS person, intDiv(intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) + 3, 7) AS b
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = {p4:Int64} AND e.timestamp >= fromUnixTimestamp64Micro({p5:Int64}, 'UTC') AND e.timestamp < fromUnixTimestamp64Micro({p6:Int64}, 'UTC') AND (coalesce((positionCaseInsensitiveUTF8(nullIf(toString(e.browser), ''), {p7:String}) > 0), false))
)
SELECT cohort, 0 AS period, count(*) AS persons FROM cohorts GROUP BY cohort
UNION ALL
SELECT c.cohort, r.b - c.cohort AS period, count(*) AS persons
FROM cohorts AS c INNER JOIN returns AS r ON r.person = c.person
WHERE r.b > c.cohort AND r.b - c.cohort <= {p8:Int64}
GROUP BY c.cohort, r.b - c.cohort
SETTINGS join_use_nulls = 1
-- params: {'p0': 1774220400000000, 'p1': 1, 'p2': 1775426400000000, 'p3': 'signed_up', 'p4': 1, 'p5': 1774220400000000, 'p6': 1775426400000000, 'p7': 'chr', 'p8': 4}
