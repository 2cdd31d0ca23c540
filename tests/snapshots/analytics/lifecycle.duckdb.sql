WITH per AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, min(((CAST(floor(epoch_us(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) / 1000000) AS BIGINT)) // (86400))) AS fb,
    list_distinct(list(((CAST(floor(epoch_us(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) / 1000000) AS BIGINT)) // (86400))) FILTER (WHERE ((CAST(floor(epoch_us(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) / 1000000) AS BIGINT)) // (86400)) >= $1 - 1)) AS bs
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = $3 AND e.timestamp < make_timestamp($4) AND (e.event = $5 AND true)
GROUP BY person
)
SELECT code, count(*) AS persons FROM (
SELECT unnest(list_concat(list_transform(list_filter(bs, lambda x: x >= $1), lambda x: x * 4 + CASE WHEN x = fb THEN 0 WHEN coalesce(list_contains(bs, x - 1), false) THEN 1 ELSE 2 END), list_transform(list_filter(bs, lambda x: x + 1 >= $1 AND x + 1 <= $2 AND NOT coalesce(list_contains(bs, x + 1), false)), lambda x: (x + 1) * 4 + 3))) AS code FROM per
) AS coded
GROUP BY code
-- params: [20535, 20548, 1, 1775426400000000, 'used']
