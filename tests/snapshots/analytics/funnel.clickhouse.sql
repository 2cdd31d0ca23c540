WITH ev AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, toUnixTimestamp64Micro(e.timestamp) AS t,
    CASE WHEN (e.event = {p2:String} AND (nullIf(JSONExtractString(pp.properties, {p3:String}), '') = {p4:String})) THEN 1 ELSE 0 END + CASE WHEN (e.event = {p5:String} AND true) THEN 2 ELSE 0 END + CASE WHEN (e.event = {p6:String} AND true) THEN 4 ELSE 0 END + CASE WHEN (e.event = {p7:String} AND true) THEN 8 ELSE 0 END AS m,
    CASE WHEN (e.event = {p2:String} AND (nullIf(JSONExtractString(pp.properties, {p3:String}), '') = {p4:String})) THEN 1 WHEN (e.event = {p5:String} AND true) THEN 2 WHEN (e.event = {p6:String} AND true) THEN 3 ELSE 4 END AS o, coalesce(nullIf(toString(e.utm_source), ''), '') AS bd
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
LEFT JOIN persons AS pp
    ON pp.project_id = e.project_id AND pp.person_id = coalesce(pdi.person_id, e.distinct_id)
WHERE e.project_id = {p12:Int64} AND e.timestamp >= fromUnixTimestamp64Micro({p13:Int64}, 'UTC') AND e.timestamp < fromUnixTimestamp64Micro({p14:Int64}, 'UTC') AND e.event IN ({p8:String}, {p9:String}, {p10:String}, {p11:String}) AND true
),
per AS (
SELECT * FROM (
SELECT decoded.*, arrayFilter((i, v) -> bitAnd(v, 1) <> 0, arrayEnumerate(ms), ms) AS s1, arrayFilter((i, v) -> bitAnd(v, 2) <> 0, arrayEnumerate(ms), ms) AS s2, arrayFilter((i, v) -> bitAnd(v, 4) <> 0, arrayEnumerate(ms), ms) AS s3, arrayFilter((i, v) -> bitAnd(v, 8) <> 0, arrayEnumerate(ms), ms) AS s4, arrayFilter((w, v) -> bitAnd(v, 1) <> 0, ts, ms) AS u1, arrayFilter((w, v) -> bitAnd(v, 2) <> 0, ts, ms) AS u2, arrayFilter((w, v) -> bitAnd(v, 4) <> 0, ts, ms) AS u3 FROM (
SELECT person, arrayMap(v -> intDiv(v.1, 128), x) AS ts, arrayMap(v -> v.1 % 16, x) AS ms, arrayMap(v -> v.2, x) AS bds FROM (
SELECT person, arraySort(groupArray(tuple((t - {p15:Int64}) * 128 + o * 16 + m, bd))) AS x FROM ev WHERE m <> 0 GROUP BY person
) AS grouped
) AS decoded
) AS listed WHERE length(s1) > 0
),
c2 AS (
SELECT *, arrayMap((a0, a1) -> CASE WHEN a0 = 0 THEN 0 ELSE arrayFirst((q, u) -> q > a0 AND u <= a1 + {p16:Int64}, s2, u2) END, s1, u1) AS j2 FROM per
),
c3 AS (
SELECT *, arrayMap((a0, a1) -> CASE WHEN a0 = 0 THEN 0 ELSE arrayFirst((q, u) -> q > a0 AND u <= a1 + {p16:Int64}, s3, u3) END, j2, u1) AS j3 FROM c2
),
chains AS (
SELECT *, arrayMap((a0, a1, a2) -> CASE WHEN (a1 <> 0 AND length(arrayFilter(x -> x > a0 AND x < a1, s4)) > 0) THEN 0 ELSE CASE WHEN a2 <> 0 THEN 3 WHEN a1 <> 0 THEN 2 ELSE 1 END END, s1, j2, j3) AS lv FROM c3
),
best AS (
SELECT person, level, bds[s1[kb]] AS bd, CASE WHEN level >= 2 THEN ts[j2[kb]] - ts[s1[kb]] ELSE -1 END AS d2, CASE WHEN level >= 3 THEN ts[j3[kb]] - ts[j2[kb]] ELSE -1 END AS d3 FROM (
SELECT *, arrayMax(lv) AS level, indexOf(lv, arrayMax(lv)) AS kb FROM chains
) AS ranked WHERE level > 0
)
SELECT grouping(folded), folded, countIf(level >= 1), countIf(level >= 2), countIf(level >= 3), NULL, quantileExactInclusiveIf(0.5)(d2, level >= 2), quantileExactInclusiveIf(0.5)(d3, level >= 3), NULL, quantileExactInclusiveIf(0.9)(d2, level >= 2), quantileExactInclusiveIf(0.9)(d3, level >= 3) FROM (
SELECT *, CASE WHEN bd = '' THEN '' WHEN rk <= {p0:Int64} THEN bd ELSE {p1:String} END AS folded FROM (
SELECT *, dense_rank() OVER (ORDER BY bd = '', persons DESC, bd) AS rk FROM (
SELECT *, count(*) OVER (PARTITION BY bd) AS persons FROM best
) AS counted
) AS ranked
) AS b
GROUP BY GROUPING SETS ((folded), ())
SETTINGS join_use_nulls = 1
-- params: {'p0': 10, 'p1': '$other', 'p2': 'signed_up', 'p3': 'plan', 'p4': 'pro', 'p5': 'activated', 'p6': 'paid', 'p7': 'churned', 'p8': 'activated', 'p9': 'churned', 'p10': 'paid', 'p11': 'signed_up', 'p12': 1, 'p13': 1774220400000000, 'p14': 1775426400000000, 'p15': 1774220400000000, 'p16': 86400000000}
