WITH per AS (
SELECT transform(e.distinct_id, (SELECT (groupArray(distinct_id), groupArray(person_id)) FROM person_distinct_ids WHERE project_id = {p0:Int64}).1, (SELECT (groupArray(distinct_id), groupArray(person_id)) FROM person_distinct_ids WHERE project_id = {p0:Int64}).2, e.distinct_id) AS person, countIf((e.event = {p1:String} AND true)) AS starts,
    min(intDiv(intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) + 3, 7)) FILTER (WHERE (e.event = {p1:String} AND true)) AS cohort,
    min(e.timestamp) FILTER (WHERE (e.event = {p1:String} AND true)) AS first_seen,
    groupUniqArrayIf(intDiv(intDiv((toInt64(toUnixTimestamp(e.timestamp)) + timeZoneOffset(toTimeZone(e.timestamp, 'Europe/Paris'))), 86400) + 3, 7), (coalesce((positionCaseInsensitiveUTF8(nullIf(toString(e.browser), ''), {p2:String}) > 0), false)) AND e.timestamp >= fromUnixTimestamp64Micro({p3:Int64}, 'UTC')) AS back
FROM events AS e
WHERE e.project_id = {p5:Int64} AND e.timestamp < fromUnixTimestamp64Micro({p6:Int64}, 'UTC') AND ((e.event = {p1:String} AND true) OR (coalesce((positionCaseInsensitiveUTF8(nullIf(toString(e.browser), ''), {p2:String}) > 0), false)))
GROUP BY person
)
SELECT cohort, b - cohort AS period, count(*) AS persons FROM (
SELECT cohort, arrayJoin(arrayConcat([cohort], arrayFilter(x -> x > cohort AND x - cohort <= {p4:Int64}, back))) AS b FROM per
WHERE starts > 0 AND first_seen >= fromUnixTimestamp64Micro({p3:Int64}, 'UTC')
) AS returned
GROUP BY cohort, b - cohort
SETTINGS join_use_nulls = 1
-- params: {'p0': 1, 'p1': 'signed_up', 'p2': 'chr', 'p3': 1774220400000000, 'p4': 4, 'p5': 1, 'p6': 1775426400000000}
