-- Data-modifying statements in WITH: each runs once, its RETURNING rows are
-- the CTE's rows; row-level security and privileges apply to them as to the
-- statement alone.
CREATE TABLE cte_src (id int PRIMARY KEY, tenant int, v text);
CREATE TABLE cte_arch (id int, tenant int, v text);
INSERT INTO cte_src VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c'), (4, 2, 'd');
WITH moved AS (DELETE FROM cte_src WHERE id <= 2 RETURNING *)
SELECT * FROM moved ORDER BY id;
SELECT * FROM cte_src ORDER BY id;
WITH ins AS (INSERT INTO cte_arch VALUES (9, 1, 'z') RETURNING id)
SELECT id * 10 AS x FROM ins;
WITH up AS (UPDATE cte_src SET v = 'cc' WHERE id = 3 RETURNING id, v)
SELECT * FROM up;
WITH d AS (DELETE FROM cte_arch) SELECT 1 AS not_referenced;
SELECT count(*) FROM cte_arch;
WITH a AS (INSERT INTO cte_arch VALUES (5, 2, 'e') RETURNING *),
     b AS (INSERT INTO cte_arch SELECT id + 1, tenant, v FROM a RETURNING *)
SELECT (SELECT count(*) FROM a) AS a, (SELECT count(*) FROM b) AS b;
SELECT * FROM cte_arch ORDER BY id;
-- Row-level security: a tenant deletes only its own rows through WITH.
ALTER TABLE cte_src ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON cte_src USING (tenant = current_setting('app.t')::int);
CREATE ROLE cte_tenant;
GRANT SELECT, DELETE, UPDATE ON cte_src TO cte_tenant;
SET app.t = '1';
INSERT INTO cte_src VALUES (10, 1, 'x'), (11, 2, 'y');
SET ROLE cte_tenant;
WITH gone AS (DELETE FROM cte_src RETURNING id, tenant) SELECT * FROM gone ORDER BY id;
WITH ch AS (UPDATE cte_src SET v = 'hacked' RETURNING id) SELECT count(*) FROM ch;
-- No privilege: the statement fails as a whole.
WITH i AS (INSERT INTO cte_arch VALUES (99, 1, 'no') RETURNING id) SELECT * FROM i;
RESET ROLE;
SELECT * FROM cte_src ORDER BY id;
SELECT count(*) FROM cte_arch WHERE id = 99;
-- In a read-only transaction.
BEGIN READ ONLY;
WITH d AS (DELETE FROM cte_arch RETURNING id) SELECT * FROM d;
ROLLBACK;
SELECT count(*) FROM cte_arch;
DROP TABLE cte_src, cte_arch;
DROP ROLE cte_tenant;
