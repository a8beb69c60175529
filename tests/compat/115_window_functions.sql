--
-- 115_window_functions: row_number, rank, dense_rank, percent_rank,
-- cume_dist, ntile, lag, lead, first_value, last_value, nth_value and
-- aggregates OVER (PARTITION BY … ORDER BY …) with the default frame;
-- errors with their SQLSTATEs; a predicate outside a subquery does not move
-- below its window; under row-level security a window sees only the rows
-- the policies show; a column the role may not read cannot be used in
-- PARTITION BY.
--
CREATE TABLE wf (id int, g text, v int, d date);
INSERT INTO wf VALUES (1, 'a', 10, '2020-01-01'), (2, 'a', 20, '2020-01-02'),
  (3, 'a', 20, '2020-01-03'), (4, 'b', 5, '2020-01-01'), (5, 'b', NULL, '2020-01-05'),
  (6, 'c', 7, '2020-01-06');
SELECT id, g, v, row_number() OVER (PARTITION BY g ORDER BY v),
       rank() OVER (PARTITION BY g ORDER BY v),
       dense_rank() OVER (PARTITION BY g ORDER BY v) FROM wf ORDER BY id;
SELECT id, v, sum(v) OVER (ORDER BY v), count(*) OVER (), avg(v) OVER (PARTITION BY g)
  FROM wf ORDER BY id;
SELECT id, lag(v) OVER (ORDER BY id), lead(v, 2, -1) OVER (ORDER BY id),
       first_value(v) OVER (PARTITION BY g ORDER BY id),
       last_value(v) OVER (PARTITION BY g ORDER BY id),
       nth_value(v, 2) OVER (PARTITION BY g ORDER BY id) FROM wf ORDER BY id;
SELECT id, ntile(4) OVER (ORDER BY id), percent_rank() OVER (ORDER BY v),
       cume_dist() OVER (ORDER BY v) FROM wf ORDER BY id;
SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v DESC NULLS LAST) AS rn
  FROM wf ORDER BY g, rn;
SELECT id, sum(v) OVER (PARTITION BY g ORDER BY id) s FROM wf WHERE id > 1 ORDER BY s DESC, id;
SELECT * FROM (SELECT id, g, row_number() OVER (PARTITION BY g ORDER BY id DESC) rn FROM wf) x
  WHERE rn = 1 ORDER BY id;
SELECT * FROM (SELECT id, row_number() OVER (ORDER BY id) rn FROM wf) x WHERE id > 3;
CREATE VIEW wf_ranked AS SELECT id, g, rank() OVER (ORDER BY v DESC NULLS LAST) AS r FROM wf;
SELECT * FROM wf_ranked WHERE g = 'a' ORDER BY id;
SELECT id, string_agg(g, ',') OVER (ORDER BY id) FROM wf ORDER BY id;
SELECT id, max(d) OVER (PARTITION BY g) - min(d) OVER (PARTITION BY g) AS span FROM wf ORDER BY id;
SELECT id, row_number() OVER (ORDER BY id) FROM wf;
SELECT v, sum(v) OVER (ORDER BY v NULLS FIRST) FROM wf ORDER BY v NULLS FIRST, id;
SELECT id, count(v) FILTER (WHERE v > 6) OVER (ORDER BY id) FROM wf ORDER BY id;
SELECT ntile(2) OVER (ORDER BY id), ntile(NULL) OVER () FROM wf WHERE id < 4 ORDER BY id;
SELECT id FROM wf WHERE row_number() OVER () > 1;
\echo :LAST_ERROR_SQLSTATE
SELECT lower(g) OVER () FROM wf;
\echo :LAST_ERROR_SQLSTATE
SELECT count(DISTINCT v) OVER () FROM wf;
\echo :LAST_ERROR_SQLSTATE
SELECT ntile(0) OVER () FROM wf;
\echo :LAST_ERROR_SQLSTATE
SELECT nth_value(v, 0) OVER () FROM wf;
\echo :LAST_ERROR_SQLSTATE
SELECT row_number(1) OVER () FROM wf;
\echo :LAST_ERROR_SQLSTATE
SELECT row_number() OVER (ORDER BY row_number() OVER ()) FROM wf;
\echo :LAST_ERROR_SQLSTATE
SELECT sum(row_number() OVER ()) OVER () FROM wf;
\echo :LAST_ERROR_SQLSTATE
UPDATE wf SET v = row_number() OVER () WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
-- Frames: ROWS with offsets, RANGE with UNBOUNDED and CURRENT ROW.
INSERT INTO wf VALUES (7, 'a', 1, '2020-01-07');
SELECT id, v, sum(v) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) s1,
  avg(v) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) a1,
  count(*) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) c1,
  sum(v) OVER (ORDER BY v RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) s2,
  sum(v) OVER (ORDER BY v RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) s3,
  max(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING) m1,
  count(v) OVER (ORDER BY id ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING) c2,
  count(*) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 PRECEDING) c3,
  first_value(v) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) f1,
  last_value(v) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) l1,
  nth_value(v, 3) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) n1,
  sum(v) OVER (ORDER BY id ROWS 2 PRECEDING) s4
FROM wf ORDER BY id;
SELECT id, sum(v) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN UNBOUNDED PRECEDING
  AND UNBOUNDED FOLLOWING) FROM wf ORDER BY id;
SELECT id, sum(v) OVER (ORDER BY id ROWS BETWEEN -1 PRECEDING AND CURRENT ROW) FROM wf;
\echo :LAST_ERROR_SQLSTATE
SELECT id, sum(v) OVER (ORDER BY id ROWS BETWEEN NULL PRECEDING AND CURRENT ROW) FROM wf;
\echo :LAST_ERROR_SQLSTATE
-- Named windows (WINDOW w AS …), built on by later ones and by OVER.
SELECT id, row_number() OVER w1, sum(v) OVER w1, rank() OVER (w2 ORDER BY v) FROM wf
  WINDOW w1 AS (PARTITION BY g ORDER BY id), w2 AS (PARTITION BY g) ORDER BY id;
SELECT id, sum(v) OVER (w1 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM wf
  WINDOW w1 AS (ORDER BY id) ORDER BY id;
SELECT id, sum(v) OVER w3 FROM wf WINDOW w1 AS (ORDER BY id);
SELECT id, sum(v) OVER (w1 PARTITION BY g) FROM wf WINDOW w1 AS (ORDER BY id);
SELECT id, sum(v) OVER (w1 ORDER BY g) FROM wf WINDOW w1 AS (ORDER BY id);
SELECT id, sum(v) OVER (w1) FROM wf WINDOW w1 AS (ORDER BY id ROWS 1 PRECEDING);
SELECT id, sum(v) OVER w2 FROM wf WINDOW w1 AS (w2), w2 AS (ORDER BY id);
SELECT id, sum(v) OVER w1 FROM wf WINDOW w1 AS (w1);
SELECT id FROM wf WINDOW a AS (ORDER BY id), a AS (ORDER BY v);
\echo :LAST_ERROR_SQLSTATE
-- Over grouped rows: keys and arguments may be aggregates.
SELECT g, count(*), rank() OVER (ORDER BY count(*) DESC), sum(v) s,
       row_number() OVER (ORDER BY g DESC) FROM wf GROUP BY g ORDER BY g;
SELECT g, count(*) c, dense_rank() OVER (ORDER BY count(*)) r FROM wf GROUP BY g ORDER BY r, g;
SELECT g, lag(g) OVER (ORDER BY max(v)) FROM wf GROUP BY g ORDER BY g;
SELECT g, max(v), first_value(g) OVER (ORDER BY max(v) DESC NULLS LAST) FROM wf
  GROUP BY g HAVING count(*) > 1 ORDER BY 1;
SELECT g FROM wf GROUP BY g HAVING rank() OVER (ORDER BY g) > 1;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*), row_number() OVER () FROM wf;
SELECT g, ntile(2) OVER (PARTITION BY count(*) > 1 ORDER BY g) FROM wf GROUP BY g ORDER BY g;
EXPLAIN (COSTS OFF) SELECT id, row_number() OVER (PARTITION BY g ORDER BY id) FROM wf;
EXPLAIN (COSTS OFF) SELECT id, count(*) OVER () FROM wf;
EXPLAIN (COSTS OFF) SELECT id, rank() OVER (ORDER BY id DESC, g NULLS FIRST) FROM wf WHERE id > 5;
EXPLAIN (COSTS OFF) SELECT id, rank() OVER (ORDER BY id + 1 DESC NULLS LAST) FROM wf;
-- Row-level security: the window counts only the tenant's rows.
CREATE ROLE regress_wf_tenant;
CREATE TABLE wf_docs (id int, tenant int, secret text);
INSERT INTO wf_docs SELECT g, g % 3, 's' || g FROM generate_series(1, 9) g;
ALTER TABLE wf_docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY wf_p ON wf_docs USING (tenant = 1);
GRANT SELECT (id, tenant) ON wf_docs TO regress_wf_tenant;
SET ROLE regress_wf_tenant;
SELECT id, count(*) OVER (), row_number() OVER (ORDER BY id DESC), lead(id) OVER (ORDER BY id)
  FROM wf_docs ORDER BY id;
SELECT id, first_value(secret) OVER (ORDER BY id) FROM wf_docs;
\echo :LAST_ERROR_SQLSTATE
SELECT id, row_number() OVER (PARTITION BY secret) FROM wf_docs;
\echo :LAST_ERROR_SQLSTATE
SELECT id, rank() OVER (ORDER BY secret) FROM wf_docs;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP VIEW wf_ranked;
DROP TABLE wf, wf_docs;
DROP ROLE regress_wf_tenant;
