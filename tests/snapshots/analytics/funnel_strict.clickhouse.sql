WITH ev AS (
SELECT transform(e.distinct_id, (SELECT (groupArray(distinct_id), groupArray(person_id)) FROM person_distinct_ids WHERE project_id = {p2:Int64}).1, (SELECT (groupArray(distinct_id), groupArray(person_id)) FROM person_distinct_ids WHERE project_id = {p2:Int64}).2, e.distinct_id) AS person, toUnixTimestamp64Micro(e.timestamp) AS t,
    CASE WHEN (e.event = {p0:String} AND true) THEN 1 ELSE 0 END + CASE WHEN (e.event = {p1:String} AND true) THEN 2 ELSE 0 END AS m,
    CASE WHEN (e.event = {p0:String} AND true) THEN 1 WHEN (e.event = {p1:String} AND true) THEN 2 ELSE 3 END AS o, '' AS bd
FROM events AS e
WHERE e.project_id = {p3:Int64} AND e.timestamp >= fromUnixTimestamp64Micro({p4:Int64}, 'UTC') AND e.timestamp < fromUnixTimestamp64Micro({p5:Int64}, 'UTC') AND true
),
per AS (
SELECT * FROM (
SELECT decoded.*, arrayFilter((i, v) -> bitAnd(v, 1) <> 0, arrayEnumerate(ms), ms) AS s1, arrayFilter((i, v) -> bitAnd(v, 2) <> 0, arrayEnumerate(ms), ms) AS s2, arrayFilter((w, v) -> bitAnd(v, 1) <> 0, ts, ms) AS u1, arrayFilter((w, v) -> bitAnd(v, 2) <> 0, ts, ms) AS u2 FROM (
SELECT person, arrayMap(v -> intDiv(v, 16), x) AS ts, arrayMap(v -> v % 4, x) AS ms FROM (
SELECT person, arraySort(groupArray((t - {p6:Int64}) * 16 + o * 4 + m)) AS x FROM ev GROUP BY person
) AS grouped
) AS decoded
) AS listed WHERE length(s1) > 0
),
c2 AS (
SELECT *, arrayMap((a0, a1) -> CASE WHEN a0 = 0 THEN 0 ELSE arrayFirst((q, u) -> q = a0 + 1 AND u <= a1 + {p7:Int64}, s2, u2) END, s1, u1) AS j2 FROM per
),
chains AS (
SELECT *, arrayMap((a0, a1) -> CASE WHEN a1 <> 0 THEN 2 ELSE 1 END, s1, j2) AS lv FROM c2
),
best AS (
SELECT person, level, '' AS bd, CASE WHEN level >= 2 THEN ts[j2[kb]] - ts[s1[kb]] ELSE -1 END AS d2 FROM (
SELECT *, arrayMax(lv) AS level, indexOf(lv, arrayMax(lv)) AS kb FROM chains
) AS ranked WHERE level > 0
)
SELECT 1, '', countIf(level >= 1), countIf(level >= 2), NULL, quantileExactInclusiveIf(0.5)(d2, level >= 2), NULL, quantileExactInclusiveIf(0.9)(d2, level >= 2) FROM best
SETTINGS join_use_nulls = 1
-- params: {'p0': 'activated', 'p1': 'paid', 'p2': 1, 'p3': 1, 'p4': 1774220400000000, 'p5': 1775426400000000, 'p6': 1774220400000000, 'p7': 3600000000}
