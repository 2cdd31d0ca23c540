WITH active AS (
SELECT DISTINCT coalesce(pdi.person_id, e.distinct_id) AS person, intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) AS b
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = {p0:Int64} AND e.timestamp >= fromUnixTimestamp64Micro({p1:Int64}, 'UTC') AND e.timestamp < fromUnixTimestamp64Micro({p2:Int64}, 'UTC') AND (e.event = {p3:String} AND true)
)
SELECT buckets, count(*) AS persons FROM (
SELECT person, count(*) AS buckets FROM active GROUP BY person
) AS per
GROUP BY buckets ORDER BY buckets
SETTINGS join_use_nulls = 1
-- params: {'p0': 1, 'p1': 1774220400000000, 'p2': 1775426400000000, 'p3': 'used'}
