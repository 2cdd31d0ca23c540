WITH active AS (
SELECT DISTINCT coalesce(pdi.person_id, e.distinct_id) AS person, ((CAST(floor(epoch_us(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) / 1000000) AS BIGINT)) // (86400)) AS b
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = $1 AND e.timestamp >= make_timestamp($2) AND e.timestamp < make_timestamp($3) AND (e.event = $4 AND true)
)
SELECT buckets, count(*) AS persons FROM (
SELECT person, count(*) AS buckets FROM active GROUP BY person
) AS per
GROUP BY buckets ORDER BY buckets
-- params: [1, 1774220400000000, 1775426400000000, 'used']
