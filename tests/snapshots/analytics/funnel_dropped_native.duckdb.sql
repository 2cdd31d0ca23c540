WITH ev AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, epoch_us(e.timestamp) AS t,
    CASE WHEN (e.event = $1 AND (nullif(json_extract_string(pp.properties, $2), '') = $3)) THEN 1 ELSE 0 END + CASE WHEN (e.event = $4 AND true) THEN 2 ELSE 0 END + CASE WHEN (e.event = $5 AND true) THEN 4 ELSE 0 END AS m,
    CASE WHEN (e.event = $1 AND (nullif(json_extract_string(pp.properties, $2), '') = $3)) THEN 1 WHEN (e.event = $4 AND true) THEN 2 WHEN (e.event = $5 AND true) THEN 3 ELSE 4 END AS o, '' AS bd
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
LEFT JOIN persons AS pp
    ON pp.project_id = e.project_id AND pp.person_id = coalesce(pdi.person_id, e.distinct_id)
WHERE e.project_id = $9 AND e.timestamp >= make_timestamp($10) AND e.timestamp < make_timestamp($11) AND e.event IN ($6, $7, $8) AND true
),
per AS (
SELECT *, list_transform(p1, lambda v: (((v) // (64)) + $13 + 1) * 64) AS lims FROM (
SELECT person, list_filter(x, lambda v: ((v) & (1)) <> 0) AS p1, list_filter(x, lambda v: ((v) & (2)) <> 0) AS p2, list_filter(x, lambda v: ((v) & (4)) <> 0) AS p3 FROM (
SELECT person, list_sort(list((t - $12) * 64 + o * 8 + m)) AS x FROM ev WHERE m <> 0 GROUP BY person
) AS grouped
) AS listed WHERE len(p1) > 0
),
c2 AS (
SELECT *, list_transform(generate_series(1, len(p1)), lambda k: CASE WHEN p1[k] = 0 THEN 0 ELSE coalesce((list_filter(p2, lambda w: w > p1[k] AND w < lims[k]))[1], 0) END) AS j2 FROM per
),
c3 AS (
SELECT *, list_transform(generate_series(1, len(j2)), lambda k: CASE WHEN j2[k] = 0 THEN 0 ELSE coalesce((list_filter(p3, lambda w: w > j2[k] AND w < lims[k]))[1], 0) END) AS j3 FROM c2
),
chains AS (
SELECT *, CASE level WHEN 3 THEN coalesce(list_position(list_transform(j3, lambda w: w <> 0), true), 0) WHEN 2 THEN coalesce(list_position(list_transform(j2, lambda w: w <> 0), true), 0) ELSE 1 END AS kb FROM (
SELECT *, 1 + CASE WHEN list_max(j2) > 0 THEN 1 ELSE 0 END + CASE WHEN list_max(j3) > 0 THEN 1 ELSE 0 END AS level FROM c3
) AS leveled
),
best AS (
SELECT person, level, '' AS bd, CASE WHEN level >= 2 THEN ((j2[kb]) // (64)) - ((p1[kb]) // (64)) ELSE -1 END AS d2, CASE WHEN level >= 3 THEN ((j3[kb]) // (64)) - ((j2[kb]) // (64)) ELSE -1 END AS d3 FROM (
SELECT * FROM chains
) AS ranked WHERE level > 0
)
SELECT person FROM best WHERE level = $14
ORDER BY person LIMIT $15 OFFSET $16
-- params: ['signed_up', '$."plan"', 'pro', 'activated', 'paid', 'activated', 'paid', 'signed_up', 1, 1774220400000000, 1775426400000000, 1774220400000000, 3600000000, 1, 10, 20]
