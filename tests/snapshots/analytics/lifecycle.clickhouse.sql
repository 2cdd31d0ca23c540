WITH active AS (
SELECT DISTINCT coalesce(pdi.person_id, e.distinct_id) AS person, intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) AS b
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = {p2:Int64} AND e.timestamp < fromUnixTimestamp64Micro({p3:Int64}, 'UTC') AND (e.event = {p4:String} AND true)
),
firsts AS (SELECT person, min(b) AS fb FROM active GROUP BY person)
SELECT a.b, CASE WHEN a.b = f.fb THEN 'new' WHEN prev.person IS NOT NULL THEN 'returning' ELSE 'resurrecting' END AS status, count(*) AS persons
FROM active AS a INNER JOIN firsts AS f ON f.person = a.person
LEFT JOIN active AS prev ON prev.person = a.person AND prev.b = a.b - 1
WHERE a.b >= {p0:Int64} GROUP BY a.b, status
UNION ALL
SELECT a.b + 1, 'dormant', count(*)
FROM active AS a LEFT JOIN active AS nxt ON nxt.person = a.person AND nxt.b = a.b + 1
WHERE nxt.person IS NULL AND a.b + 1 >= {p0:Int64} AND a.b + 1 <= {p1:Int64}
GROUP BY a.b + 1
SETTINGS join_use_nulls = 1
-- params: {'p0': 20535, 'p1': 20548, 'p2': 1, 'p3': 1775426400000000, 'p4': 'used'}
