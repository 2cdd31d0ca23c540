WITH per AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, count(*) FILTER (WHERE (e.event = $1 AND true)) AS starts,
    min(((((CAST(floor(epoch_us(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) / 1000000) AS BIGINT)) // (86400)) + 3) // (7))) FILTER (WHERE (e.event = $1 AND true)) AS cohort,
    min(e.timestamp) FILTER (WHERE (e.event = $1 AND true)) AS first_seen,
    list_distinct(list(((((CAST(floor(epoch_us(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) / 1000000) AS BIGINT)) // (86400)) + 3) // (7))) FILTER (WHERE (coalesce(contains(lower(nullif(CAST(e.browser AS VARCHAR), '')), lower($2)), false)) AND e.timestamp >= make_timestamp($3))) AS back
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = $5 AND e.timestamp < make_timestamp($6) AND ((e.event = $1 AND true) OR (coalesce(contains(lower(nullif(CAST(e.browser AS VARCHAR), '')), lower($2)), false)))
GROUP BY person
)
SELECT cohort, b - cohort AS period, count(*) AS persons FROM (
SELECT cohort, unnest(list_concat([cohort], list_filter(back, lambda x: x > cohort AND x - cohort <= $4))) AS b FROM per
WHERE starts > 0 AND first_seen >= make_timestamp($3)
) AS returned
GROUP BY cohort, b - cohort
-- params: ['signed_up', 'chr', 1774220400000000, 4, 1, 1775426400000000]
