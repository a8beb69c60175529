-- LATERAL: subqueries and functions in FROM that read the items to their left.
CREATE TABLE lt (id int, n int);
INSERT INTO lt VALUES (1, 2), (2, 0), (3, 3);
SELECT id, x FROM lt, generate_series(1, lt.n) x ORDER BY 1, 2;
SELECT id, x FROM lt LEFT JOIN LATERAL generate_series(1, lt.n) x ON true ORDER BY 1, 2;
SELECT l.id, s.m FROM lt l, LATERAL (SELECT max(id) AS m FROM lt l2 WHERE l2.id < l.id) s ORDER BY 1;
SELECT l.id, s.* FROM lt l CROSS JOIN LATERAL (SELECT l.n * 10 AS t, l.id + 1 AS u) s ORDER BY 1;
SELECT l.id, s.* FROM lt l JOIN LATERAL (SELECT l.n * 10 AS t) s ON s.t > 0 ORDER BY 1;
SELECT l.id, s.* FROM lt l LEFT JOIN LATERAL (SELECT l2.id AS other FROM lt l2 WHERE l2.n > l.n) s ON true ORDER BY 1, 2;
SELECT * FROM lt l, (SELECT l.id) s;
SELECT * FROM lt l RIGHT JOIN LATERAL (SELECT l.id) s ON true;
SELECT id, u FROM lt, unnest(ARRAY[lt.id, lt.n]) u ORDER BY 1, 2;
SELECT (SELECT sum(x) FROM lt, generate_series(1, lt.n + o.id) x) FROM lt o ORDER BY o.id;
SELECT count(*) FROM lt a, LATERAL (SELECT * FROM lt b WHERE b.id = a.id) c, LATERAL (SELECT c.n + a.n AS z) d WHERE d.z > 0;
SELECT * FROM lt a FULL JOIN (SELECT a.id) s ON true;
SELECT * FROM lt a, (SELECT id) s;
SELECT * FROM lt a, LATERAL (SELECT a.id, b.n FROM lt b WHERE b.id = a.id + 1) s ORDER BY 1;
DROP TABLE lt;
