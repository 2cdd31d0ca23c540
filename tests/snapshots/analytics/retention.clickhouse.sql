WITH per AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, countIf((e.event = {p0:String} AND true)) AS starts,
    min(intDiv(intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) + 3, 7)) FILTER (WHERE (e.event = {p0:String} AND true)) AS cohort,
    min(e.timestamp) FILTER (WHERE (e.event = {p0:String} AND true)) AS first_seen,
    groupUniqArrayIf(intDiv(intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) + 3, 7), (coalesce((positionCaseInsensitiveUTF8(nullIf(toString(e.browser), ''), {p1:String}) > 0), false)) AND e.timestamp >= fromUnixTimestamp64Micro({p2:Int64}, 'UTC')) AS back
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = {p4:Int64} AND e.timestamp < fromUnixTimestamp64Micro({p5:Int64}, 'UTC') AND ((e.event = {p0:String} AND true) OR (coalesce((positionCaseInsensitiveUTF8(nullIf(toString(e.browser), ''), {p1:String}) > 0), false)))
GROUP BY person
)
SELECT cohort, b - cohort AS period, count(*) AS persons FROM (
SELECT cohort, arrayJoin(arrayConcat([cohort], arrayFilter(x -> x > cohort AND x - cohort <= {p3:Int64}, back))) AS b FROM per
WHERE starts > 0 AND first_seen >= fromUnixTimestamp64Micro({p2:Int64}, 'UTC')
) AS returned
GROUP BY cohort, b - cohort
SETTINGS join_use_nulls = 1
-- params: {'p0': 'signed_up', 'p1': 'chr', 'p2': 1774220400000000, 'p3': 4, 'p4': 1, 'p5': 1775426400000000}
