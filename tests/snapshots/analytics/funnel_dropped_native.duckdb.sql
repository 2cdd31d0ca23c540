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
SELECT * FROM (
SELECT decoded.*, list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 1) <> 0) AS s1, list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 2) <> 0) AS s2, list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 4) <> 0) AS s3, list_transform(list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 1) <> 0), lambda i: ts[i]) AS u1, list_transform(list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 2) <> 0), lambda i: ts[i]) AS u2, list_transform(list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 4) <> 0), lambda i: ts[i]) AS u3 FROM (
SELECT person, list_transform(x, lambda v: ((v) // (64))) AS ts, list_transform(x, lambda v: v % 8) AS ms FROM (
SELECT person, list_sort(list((t - $12) * 64 + o * 8 + m)) AS x FROM ev WHERE m <> 0 GROUP BY person
) AS grouped
) AS decoded
) AS listed WHERE len(s1) > 0
),
c2 AS (
SELECT *, list_transform(generate_series(1, len(s1)), lambda k: CASE WHEN s1[k] = 0 THEN 0 ELSE coalesce((list_filter(s2, lambda x: x > s1[k] AND ts[x] <= u1[k] + $13))[1], 0) END) AS j2 FROM per
),
c3 AS (
SELECT *, list_transform(generate_series(1, len(j2)), lambda k: CASE WHEN j2[k] = 0 THEN 0 ELSE coalesce((list_filter(s3, lambda x: x > j2[k] AND ts[x] <= u1[k] + $13))[1], 0) END) AS j3 FROM c2
),
chains AS (
SELECT *, list_transform(generate_series(1, len(s1)), lambda k: CASE WHEN j3[k] <> 0 THEN 3 WHEN j2[k] <> 0 THEN 2 ELSE 1 END) AS lv FROM c3
),
best AS (
SELECT person, level, '' AS bd, CASE WHEN level >= 2 THEN ts[j2[kb]] - ts[s1[kb]] ELSE -1 END AS d2, CASE WHEN level >= 3 THEN ts[j3[kb]] - ts[j2[kb]] ELSE -1 END AS d3 FROM (
SELECT *, list_max(lv) AS level, coalesce(list_position(lv, list_max(lv)), 0) AS kb FROM chains
) AS ranked WHERE level > 0
)
SELECT person FROM best WHERE level = $14
ORDER BY person LIMIT $15 OFFSET $16
-- params: ['signed_up', '$."plan"', 'pro', 'activated', 'paid', 'activated', 'paid', 'signed_up', 1, 1774220400000000, 1775426400000000, 1774220400000000, 3600000000, 1, 10, 20]
