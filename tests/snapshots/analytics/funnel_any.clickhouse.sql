WITH ev AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, toUnixTimestamp64Micro(e.timestamp) AS t,
    CASE WHEN (e.event = {p0:String} AND (nullIf(JSONExtractString(pp.properties, {p1:String}), '') = {p2:String})) THEN 1 ELSE 0 END + CASE WHEN (e.event = {p3:String} AND true) THEN 2 ELSE 0 END + CASE WHEN (e.event = {p4:String} AND true) THEN 4 ELSE 0 END AS m,
    CASE WHEN (e.event = {p0:String} AND (nullIf(JSONExtractString(pp.properties, {p1:String}), '') = {p2:String})) THEN 1 WHEN (e.event = {p3:String} AND true) THEN 2 WHEN (e.event = {p4:String} AND true) THEN 3 ELSE 4 END AS o, '' AS bd
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
LEFT JOIN persons AS pp
    ON pp.project_id = e.project_id AND pp.person_id = coalesce(pdi.person_id, e.distinct_id)
WHERE e.project_id = {p8:Int64} AND e.timestamp >= fromUnixTimestamp64Micro({p9:Int64}, 'UTC') AND e.timestamp < fromUnixTimestamp64Micro({p10:Int64}, 'UTC') AND e.event IN ({p5:String}, {p6:String}, {p7:String}) AND true
),
per AS (
SELECT * FROM (
SELECT decoded.*, arrayFilter((i, v) -> bitAnd(v, 1) <> 0, arrayEnumerate(ms), ms) AS s1, arrayFilter((i, v) -> bitAnd(v, 2) <> 0, arrayEnumerate(ms), ms) AS s2, arrayFilter((i, v) -> bitAnd(v, 4) <> 0, arrayEnumerate(ms), ms) AS s3, arrayFilter((w, v) -> bitAnd(v, 1) <> 0, ts, ms) AS u1, arrayFilter((w, v) -> bitAnd(v, 2) <> 0, ts, ms) AS u2, arrayFilter((w, v) -> bitAnd(v, 4) <> 0, ts, ms) AS u3, arrayFilter((i, v) -> bitAnd(v, 7) <> 0, arrayEnumerate(ms), ms) AS s0, arrayFilter((w, v) -> bitAnd(v, 7) <> 0, ts, ms) AS u0 FROM (
SELECT person, arrayMap(v -> intDiv(v, 64), x) AS ts, arrayMap(v -> v % 8, x) AS ms FROM (
SELECT person, arraySort(groupArray((t - {p11:Int64}) * 64 + o * 8 + m)) AS x FROM ev WHERE m <> 0 GROUP BY person
) AS grouped
) AS decoded
) AS listed WHERE length(s0) > 0
),
c2 AS (
SELECT *, arrayMap((a0) -> arrayFirst((q, u) -> u >= a0 AND u <= a0 + {p12:Int64}, s1, u1), u0) AS f1, arrayMap((a0) -> arrayFirst((q, u) -> u >= a0 AND u <= a0 + {p12:Int64}, s2, u2), u0) AS f2, arrayMap((a0) -> arrayFirst((q, u) -> u >= a0 AND u <= a0 + {p12:Int64}, s3, u3), u0) AS f3 FROM per
),
chains AS (
SELECT *, arrayMap((a0, a1, a2) -> CASE WHEN a0 <> 0 THEN 1 ELSE 0 END + CASE WHEN a1 <> 0 THEN 1 ELSE 0 END + CASE WHEN a2 <> 0 THEN 1 ELSE 0 END, f1, f2, f3) AS lv FROM c2
),
best AS (
SELECT person, level, '' AS bd, CASE WHEN level >= 2 THEN tk[2] - tk[1] ELSE -1 END AS d2, CASE WHEN level >= 3 THEN tk[3] - tk[2] ELSE -1 END AS d3 FROM (
SELECT *, arraySort(arrayFilter(v -> v >= 0, [CASE WHEN f1[kb] <> 0 THEN ts[f1[kb]] ELSE -1 END, CASE WHEN f2[kb] <> 0 THEN ts[f2[kb]] ELSE -1 END, CASE WHEN f3[kb] <> 0 THEN ts[f3[kb]] ELSE -1 END])) AS tk FROM (
SELECT *, arrayMax(lv) AS level, indexOf(lv, arrayMax(lv)) AS kb FROM chains
) AS chosen
) AS ranked WHERE level > 0
)
SELECT 1, '', countIf(level >= 1), countIf(level >= 2), countIf(level >= 3), NULL, quantileExactInclusiveIf(0.5)(d2, level >= 2), quantileExactInclusiveIf(0.5)(d3, level >= 3), NULL, quantileExactInclusiveIf(0.9)(d2, level >= 2), quantileExactInclusiveIf(0.9)(d3, level >= 3) FROM best
SETTINGS join_use_nulls = 1
-- params: {'p0': 'signed_up', 'p1': 'plan', 'p2': 'pro', 'p3': 'activated', 'p4': 'paid', 'p5': 'activated', 'p6': 'paid', 'p7': 'signed_up', 'p8': 1, 'p9': 1774220400000000, 'p10': 1775426400000000, 'p11': 1774220400000000, 'p12': 3600000000}
