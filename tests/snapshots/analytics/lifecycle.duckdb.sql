WITH active AS (
SELECT DISTINCT coalesce(pdi.person_id, e.distinct_id) AS person, ((CAST(epoch(timezone('Europe/Paris', e.timestamp AT TIME ZONE 'UTC')) AS BIGINT)) // (86400)) AS b
FROM events AS e
LEFT JOIN person_distinct_ids AS pdi
    ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = $3 AND e.timestamp < make_timestamp($4) AND (e.event = $5 AND true)
),
firsts AS (SELECT person, min(b) AS fb FROM active GROUP BY person)
SELECT a.b, CASE WHEN a.b = f.fb THEN 'new' WHEN prev.person IS NOT NULL THEN 'returning' ELSE 'resurrecting' END AS status, count(*) AS persons
FROM active AS a INNER JOIN firsts AS f ON f.person = a.person
LEFT JOIN active AS prev ON prev.person = a.person AND prev.b = a.b - 1
WHERE a.b >= $1 GROUP BY a.b, status
UNION ALL
SELECT a.b + 1, 'dormant', count(*)
FROM active AS a LEFT JOIN active AS nxt ON nxt.person = a.person AND nxt.b = a.b + 1
WHERE nxt.person IS NULL AND a.b + 1 >= $1 AND a.b + 1 <= $2
GROUP BY a.b + 1
-- params: [20535, 20548, 1, 1775426400000000, 'used']
