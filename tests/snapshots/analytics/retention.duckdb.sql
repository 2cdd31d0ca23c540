WITH firsts AS (
SELECT coalesce(pdi.person_id, e.distinct_id) AS person, min(((((CAST(epoch(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) AS BIGINT)) // (86400)) + 3) // (7))) AS cohort, min(e.timestamp) AS first_seen
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = $2 AND e.timestamp < make_timestamp($3) AND (e.event = $4 AND true)
GROUP BY person
),
cohorts AS (
SELECT person, cohort FROM firsts
WHERE first_seen >= make_timestamp($1)
),
returns AS (
SELECT DISTINCT coalesce(pdi.person_id, e.distinct_id) AS person, ((((CAST(epoch(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) AS BIGINT)) // (86400)) + 3) // (7)) AS b
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = $5 AND e.timestamp >= make_timestamp($6) AND e.timestamp < make_timestamp($7) AND (coalesce(contains(lower(nullif(CAST(e.browser AS VARCHAR), '')), lower($8)), false))
)
SELECT cohort, 0 AS period, count(*) AS persons FROM cohorts GROUP BY cohort
UNION ALL
SELECT c.cohort, r.b - c.cohort AS period, count(*) AS persons
FROM cohorts AS c INNER JOIN returns AS r ON r.person = c.person
WHERE r.b > c.cohort AND r.b - c.cohort <= $9
GROUP BY c.cohort, r.b - c.cohort
-- params: [1774220400000000, 1, 1775426400000000, 'signed_up', 1, 1774220400000000, 1775426400000000, 'chr', 4]
