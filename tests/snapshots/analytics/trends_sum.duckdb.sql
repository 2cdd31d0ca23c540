WITH base AS (
SELECT ((CAST(floor(epoch_us(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) / 1000000) AS BIGINT)) // (86400)) AS bucket, NULL AS breakdown,
    coalesce(pdi.person_id, e.distinct_id) AS person, TRY_CAST(nullif(json_extract_string(e.properties, $1), '') AS DOUBLE) AS value
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = $3 AND e.timestamp >= make_timestamp($4) AND e.timestamp < make_timestamp($5) AND e.event = $2 AND true
)
SELECT bucket, NULL AS breakdown_value, coalesce(sum(value), 0) AS value
FROM base GROUP BY bucket ORDER BY bucket
-- params: ['$."amount"', 'paid', 1, 1774220400000000, 1775426400000000]
