WITH base AS (
SELECT intDiv(intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) + 3, 7) AS bucket, nullIf(JSONExtractString(pp.properties, {p0:String}), '') AS breakdown,
    coalesce(pdi.person_id, e.distinct_id) AS person, NULL AS value
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
LEFT JOIN persons AS pp
    ON pp.project_id = e.project_id AND pp.person_id = coalesce(pdi.person_id, e.distinct_id)
WHERE e.project_id = {p2:Int64} AND e.timestamp >= fromUnixTimestamp64Micro({p3:Int64}, 'UTC') AND e.timestamp < fromUnixTimestamp64Micro({p4:Int64}, 'UTC') AND e.event = {p1:String} AND coalesce((positionCaseInsensitiveUTF8(nullIf(toString(e.browser), ''), {p5:String}) > 0), false)
),
top AS (
SELECT breakdown FROM base WHERE breakdown IS NOT NULL GROUP BY breakdown
ORDER BY count(DISTINCT person) DESC, breakdown LIMIT {p6:Int64}
)
SELECT bucket, CASE WHEN breakdown IS NULL THEN NULL
    WHEN breakdown IN (SELECT breakdown FROM top) THEN breakdown ELSE {p7:String} END AS breakdown_value,
    count(DISTINCT person) AS value
FROM base GROUP BY bucket, breakdown_value ORDER BY bucket
SETTINGS join_use_nulls = 1
-- params: {'p0': 'plan', 'p1': '$pageview', 'p2': 1, 'p3': 1774220400000000, 'p4': 1775426400000000, 'p5': 'chr', 'p6': 5, 'p7': '$other'}
