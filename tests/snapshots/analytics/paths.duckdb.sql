WITH per AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, list(CASE WHEN e.event = $2 THEN coalesce(e.path, e.url, '') ELSE e.event END ORDER BY e.timestamp, e.uuid) AS items,
    list(CASE WHEN (e.event = $1 AND true) THEN 1 ELSE 0 END ORDER BY e.timestamp, e.uuid) AS marks
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = $4 AND e.timestamp >= make_timestamp($5) AND e.timestamp < make_timestamp($6) AND (e.event = $2 OR (e.event = $1 AND true))
GROUP BY person
),
anchored AS (
SELECT items, coalesce((list_filter(generate_series(1, len(marks)), lambda i: marks[i] = 1))[1], 0) AS j FROM per
)
SELECT array_to_string(list_slice(items, greatest(j - $3, 1), (greatest(j - $3, 1)) + (j - greatest(j - $3, 1)) - 1), chr(31)) AS path, count(*) AS persons FROM anchored WHERE j > 0
GROUP BY path ORDER BY persons DESC, path LIMIT $7
-- params: ['signed_up', '$pageview', 3, 1, 1774220400000000, 1775426400000000, 20]
