WITH base AS (
SELECT intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) AS bucket, NULL AS breakdown,
    transform(e.distinct_id, (SELECT (groupArray(distinct_id), groupArray(person_id)) FROM person_distinct_ids WHERE project_id = {p2:Int64}).1, (SELECT (groupArray(distinct_id), groupArray(person_id)) FROM person_distinct_ids WHERE project_id = {p2:Int64}).2, e.distinct_id) AS person, toFloat64OrNull(nullIf(JSONExtractString(e.properties, {p0:String}), '')) AS value
FROM events AS e
WHERE e.project_id = {p3:Int64} AND e.timestamp >= fromUnixTimestamp64Micro({p4:Int64}, 'UTC') AND e.timestamp < fromUnixTimestamp64Micro({p5:Int64}, 'UTC') AND e.event = {p1:String} AND true
)
SELECT bucket, NULL AS breakdown_value, coalesce(sum(value), 0) AS value
FROM base GROUP BY bucket ORDER BY bucket
SETTINGS join_use_nulls = 1
-- params: {'p0': 'amount', 'p1': 'paid', 'p2': 1, 'p3': 1, 'p4': 1774220400000000, 'p5': 1775426400000000}
