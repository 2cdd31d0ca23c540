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
best AS (
SELECT person, windowFunnel(3600000000)(toUInt64(t), bitAnd(m, 1) <> 0, bitAnd(m, 2) <> 0, bitAnd(m, 4) <> 0) AS level FROM ev GROUP BY person
)
SELECT person FROM best WHERE level = {p11:Int64}
ORDER BY person LIMIT {p12:Int64} OFFSET {p13:Int64}
SETTINGS join_use_nulls = 1
-- params: {'p0': 'signed_up', 'p1': 'plan', 'p2': 'pro', 'p3': 'activated', 'p4': 'paid', 'p5': 'activated', 'p6': 'paid', 'p7': 'signed_up', 'p8': 1, 'p9': 1774220400000000, 'p10': 1775426400000000, 'p11': 1, 'p12': 10, 'p13': 20}
