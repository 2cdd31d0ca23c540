WITH ev AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, epoch_us(e.timestamp) AS t,
    CASE WHEN (e.event = $1 AND true) THEN 1 ELSE 0 END + CASE WHEN (e.event = $2 AND true) THEN 2 ELSE 0 END AS m,
    CASE WHEN (e.event = $1 AND true) THEN 1 WHEN (e.event = $2 AND true) THEN 2 ELSE 3 END AS o, '' AS bd
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = $3 AND e.timestamp >= make_timestamp($4) AND e.timestamp < make_timestamp($5) AND true
),
per AS (
SELECT * FROM (
SELECT decoded.*, list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 1) <> 0) AS s1, list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 2) <> 0) AS s2, list_transform(list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 1) <> 0), lambda i: ts[i]) AS u1, list_transform(list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 2) <> 0), lambda i: ts[i]) AS u2 FROM (
SELECT person, list_transform(x, lambda v: ((v) // (16))) AS ts, list_transform(x, lambda v: v % 4) AS ms FROM (
SELECT person, list_sort(list((t - $6) * 16 + o * 4 + m)) AS x FROM ev GROUP BY person
) AS grouped
) AS decoded
) AS listed WHERE len(s1) > 0
),
c2 AS (
SELECT *, list_transform(generate_series(1, len(s1)), lambda k: CASE WHEN s1[k] = 0 THEN 0 ELSE coalesce((list_filter(s2, lambda x: x = s1[k] + 1 AND ts[x] <= u1[k] + $7))[1], 0) END) AS j2 FROM per
),
chains AS (
SELECT *, list_transform(generate_series(1, len(s1)), lambda k: CASE WHEN j2[k] <> 0 THEN 2 ELSE 1 END) AS lv FROM c2
),
best AS (
SELECT person, level, '' AS bd, CASE WHEN level >= 2 THEN ts[j2[kb]] - ts[s1[kb]] ELSE -1 END AS d2 FROM (
SELECT *, list_max(lv) AS level, coalesce(list_position(lv, list_max(lv)), 0) AS kb FROM chains
) AS ranked WHERE level > 0
)
SELECT 1, '', count(*) FILTER (WHERE level >= 1), count(*) FILTER (WHERE level >= 2), NULL, quantile_cont(d2, 0.5) FILTER (WHERE level >= 2), NULL, quantile_cont(d2, 0.9) FILTER (WHERE level >= 2) FROM best
-- params: ['activated', 'paid', 1, 1774220400000000, 1775426400000000, 1774220400000000, 3600000000]
