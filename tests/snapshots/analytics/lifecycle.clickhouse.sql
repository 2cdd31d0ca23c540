WITH per AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, min(intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400)) AS fb,
    groupUniqArrayIf(intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400), intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) >= {p0:Int64} - 1) AS bs
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = {p2:Int64} AND e.timestamp < fromUnixTimestamp64Micro({p3:Int64}, 'UTC') AND (e.event = {p4:String} AND true)
GROUP BY person
)
SELECT code, count(*) AS persons FROM (
SELECT arrayJoin(arrayConcat(arrayMap(x -> x * 4 + CASE WHEN x = fb THEN 0 WHEN has(bs, x - 1) THEN 1 ELSE 2 END, arrayFilter(x -> x >= {p0:Int64}, bs)), arrayMap(x -> (x + 1) * 4 + 3, arrayFilter(x -> x + 1 >= {p0:Int64} AND x + 1 <= {p1:Int64} AND NOT has(bs, x + 1), bs)))) AS code FROM per
) AS coded
GROUP BY code
SETTINGS join_use_nulls = 1
-- params: {'p0': 20535, 'p1': 20548, 'p2': 1, 'p3': 1775426400000000, 'p4': 'used'}
