WITH base AS (
SELECT ((((CAST(floor(epoch_us(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) / 1000000) AS BIGINT)) // (86400)) + 3) // (7)) AS bucket, nullif(json_extract_string(pp.properties, $1), '') AS breakdown,
    coalesce(pdi.person_id, e.distinct_id) AS person, NULL AS value
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
LEFT JOIN persons AS pp
    ON pp.project_id = e.project_id AND pp.person_id = coalesce(pdi.person_id, e.distinct_id)
WHERE e.project_id = $3 AND e.timestamp >= make_timestamp($4) AND e.timestamp < make_timestamp($5) AND e.event = $2 AND coalesce(contains(lower(nullif(CAST(e.browser AS VARCHAR), '')), lower($6)), false)
),
top AS (
SELECT breakdown FROM base WHERE breakdown IS NOT NULL GROUP BY breakdown
ORDER BY count(DISTINCT person) DESC, breakdown LIMIT $7
)
SELECT bucket, CASE WHEN breakdown IS NULL THEN NULL
    WHEN breakdown IN (SELECT breakdown FROM top) THEN breakdown ELSE $8 END AS breakdown_value,
    count(DISTINCT person) AS value
FROM base GROUP BY bucket, breakdown_value ORDER BY bucket
-- params: ['$."plan"', '$pageview', 1, 1774220400000000, 1775426400000000, 'chr', 5, '$other']
