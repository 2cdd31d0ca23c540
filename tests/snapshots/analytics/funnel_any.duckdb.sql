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
SELECT decoded.*, list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 1) <> 0) AS s1, list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 2) <> 0) AS s2, list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 4) <> 0) AS s3, list_transform(list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 1) <> 0), lambda i: ts[i]) AS u1, list_transform(list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 2) <> 0), lambda i: ts[i]) AS u2, list_transform(list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 4) <> 0), lambda i: ts[i]) AS u3, list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 7) <> 0) AS s0, list_transform(list_filter(generate_series(1, len(ms)), lambda i: (ms[i] & 7) <> 0), lambda i: ts[i]) AS u0 FROM (
SELECT person, list_transform(x, lambda v: ((v) // (64))) AS ts, list_transform(x, lambda v: v % 8) AS ms FROM (
SELECT person, list_sort(list((t - $12) * 64 + o * 8 + m)) AS x FROM ev WHERE m <> 0 GROUP BY person
) AS grouped
) AS decoded
) AS listed WHERE len(s0) > 0
),
c2 AS (
SELECT *, list_transform(generate_series(1, len(u0)), lambda k: coalesce((list_filter(s1, lambda x: ts[x] >= u0[k] AND ts[x] <= u0[k] + $13))[1], 0)) AS f1, list_transform(generate_series(1, len(u0)), lambda k: coalesce((list_filter(s2, lambda x: ts[x] >= u0[k] AND ts[x] <= u0[k] + $13))[1], 0)) AS f2, list_transform(generate_series(1, len(u0)), lambda k: coalesce((list_filter(s3, lambda x: ts[x] >= u0[k] AND ts[x] <= u0[k] + $13))[1], 0)) AS f3 FROM per
),
chains AS (
SELECT *, list_transform(generate_series(1, len(f1)), lambda k: CASE WHEN f1[k] <> 0 THEN 1 ELSE 0 END + CASE WHEN f2[k] <> 0 THEN 1 ELSE 0 END + CASE WHEN f3[k] <> 0 THEN 1 ELSE 0 END) AS lv FROM c2
),
best AS (
SELECT person, level, '' AS bd, CASE WHEN level >= 2 THEN tk[2] - tk[1] ELSE -1 END AS d2, CASE WHEN level >= 3 THEN tk[3] - tk[2] ELSE -1 END AS d3 FROM (
SELECT *, list_sort(list_filter([CASE WHEN f1[kb] <> 0 THEN ts[f1[kb]] ELSE -1 END, CASE WHEN f2[kb] <> 0 THEN ts[f2[kb]] ELSE -1 END, CASE WHEN f3[kb] <> 0 THEN ts[f3[kb]] ELSE -1 END], lambda v: v >= 0)) AS tk FROM (
SELECT *, list_max(lv) AS level, coalesce(list_position(lv, list_max(lv)), 0) AS kb FROM chains
) AS chosen
) AS ranked WHERE level > 0
)
SELECT 1, '', count(*) FILTER (WHERE level >= 1), count(*) FILTER (WHERE level >= 2), count(*) FILTER (WHERE level >= 3), NULL, quantile_cont(d2, 0.5) FILTER (WHERE level >= 2), quantile_cont(d3, 0.5) FILTER (WHERE level >= 3), NULL, quantile_cont(d2, 0.9) FILTER (WHERE level >= 2), quantile_cont(d3, 0.9) FILTER (WHERE level >= 3) FROM best
-- params: ['signed_up', '$."plan"', 'pro', 'activated', 'paid', 'activated', 'paid', 'signed_up', 1, 1774220400000000, 1775426400000000, 1774220400000000, 3600000000]
