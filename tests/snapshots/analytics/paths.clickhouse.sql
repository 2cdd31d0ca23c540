WITH per AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, arrayMap(x -> x.1, arraySort(x -> x.2, groupArray(tuple(CASE WHEN e.event = {p1:String} THEN coalesce(e.path, e.url, '') ELSE e.event END, tuple(e.timestamp, e.uuid))))) AS items,
    arrayMap(x -> x.1, arraySort(x -> x.2, groupArray(tuple(CASE WHEN (e.event = {p0:String} AND true) THEN 1 ELSE 0 END, tuple(e.timestamp, e.uuid))))) AS marks
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = {p3:Int64} AND e.timestamp >= fromUnixTimestamp64Micro({p4:Int64}, 'UTC') AND e.timestamp < fromUnixTimestamp64Micro({p5:Int64}, 'UTC') AND (e.event = {p1:String} OR (e.event = {p0:String} AND true))
GROUP BY person
),
anchored AS (
SELECT items, arrayElement(arrayFilter(i -> marks[i] = 1, arrayEnumerate(marks)), 1) AS j FROM per
)
SELECT arrayStringConcat(arraySlice(items, greatest(j - {p2:Int64}, 1), j - greatest(j - {p2:Int64}, 1)), char(31)) AS path, count(*) AS persons FROM anchored WHERE j > 0
GROUP BY path ORDER BY persons DESC, path LIMIT {p6:Int64}
SETTINGS join_use_nulls = 1
-- params: {'p0': 'signed_up', 'p1': '$pageview', 'p2': 3, 'p3': 1, 'p4': 1774220400000000, 'p5': 1775426400000000, 'p6': 20}
