--
-- 110_view_pushdown_leakproof: a query's predicates on a view reach the
-- table (an ordinary view is flattened: its index is used); a
-- security_barrier view lets in only leakproof predicates, so a leaky
-- function never sees a row the view hides; under row-level security a
-- cheap leaky function still runs after the policy, a leakproof cheap
-- predicate before it; a correlated subquery calling a function is
-- evaluated per row. Function COST is kept (pg_proc.procost).
--
CREATE ROLE regress_pd_owner;
CREATE ROLE regress_pd_alice;
CREATE SCHEMA regress_pd AUTHORIZATION regress_pd_owner;
GRANT USAGE ON SCHEMA regress_pd TO regress_pd_alice;
SET search_path = regress_pd;
SET ROLE regress_pd_owner;
CREATE FUNCTION f_leak(text) RETURNS bool COST 0.0000001 LANGUAGE plpgsql
  AS 'BEGIN RAISE NOTICE ''f_leak => %'', $1; RETURN true; END';
CREATE FUNCTION f_costly(text) RETURNS bool COST 5000 LANGUAGE plpgsql
  AS 'BEGIN RETURN true; END';
SELECT proname, procost FROM pg_proc WHERE proname IN ('f_leak', 'f_costly') ORDER BY 1;
CREATE FUNCTION f_bad(int) RETURNS int COST 0 LANGUAGE sql AS 'SELECT 1';
\echo sqlstate :LAST_ERROR_SQLSTATE
CREATE FUNCTION f_bad(int) RETURNS int COST -3 LANGUAGE sql AS 'SELECT 1';
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A subquery calling a function on the outer row runs for each row.
CREATE FUNCTION dbl(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2';
SELECT g, (SELECT dbl(g)) FROM generate_series(1, 3) g;
SELECT g FROM generate_series(1, 3) g WHERE EXISTS (SELECT 1 WHERE dbl(g) = 4);
CREATE TABLE acct (id int PRIMARY KEY, owner name, secret text);
INSERT INTO acct SELECT g, CASE WHEN g % 2 = 0 THEN 'regress_pd_alice' ELSE 'regress_pd_bob' END, 's' || g
  FROM generate_series(1, 8) g;
CREATE VIEW acct_plain AS SELECT * FROM acct WHERE owner = current_user;
CREATE VIEW acct_sb WITH (security_barrier) AS SELECT * FROM acct WHERE owner = current_user;
GRANT SELECT ON acct_plain, acct_sb TO regress_pd_alice;
SET ROLE regress_pd_alice;
-- An ordinary view is flattened: the predicate reaches the index, and a
-- leaky function in it sees the view's hidden rows (as PostgreSQL: use
-- security_barrier for that).
SELECT * FROM acct_plain WHERE id = 4;
EXPLAIN (COSTS OFF) SELECT * FROM acct_plain WHERE id = 4;
SELECT id FROM acct_plain WHERE f_leak(secret) ORDER BY id;
-- A security_barrier view: the leakproof predicate goes in, the leaky one
-- stays outside and sees only the view's rows.
SELECT * FROM acct_sb WHERE id = 4;
EXPLAIN (COSTS OFF) SELECT * FROM acct_sb WHERE id = 4;
SELECT id FROM acct_sb WHERE f_leak(secret) ORDER BY id;
EXPLAIN (COSTS OFF) SELECT * FROM acct_sb WHERE f_leak(secret);
SELECT id FROM acct_sb WHERE f_leak(secret) AND id > 2 ORDER BY id;
EXPLAIN (COSTS OFF) SELECT * FROM acct_sb WHERE f_leak(secret) AND secret <> 's3';
-- Row-level security: the cheap leaky function runs after the policy.
RESET ROLE;
SET ROLE regress_pd_owner;
ALTER TABLE acct ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON acct USING (owner = current_user);
GRANT SELECT ON acct TO regress_pd_alice;
SET ROLE regress_pd_alice;
SELECT id FROM acct WHERE f_leak(secret) ORDER BY id;
EXPLAIN (COSTS OFF) SELECT * FROM acct WHERE f_leak(secret) AND secret <> 's3';
EXPLAIN (COSTS OFF) SELECT * FROM acct WHERE f_costly(secret) AND secret <> 'x';
-- A policy with a subquery: EXPLAIN shows the InitPlan and the hashed SubPlan.
RESET ROLE;
SET ROLE regress_pd_owner;
CREATE TABLE levels (who name PRIMARY KEY, lvl int);
INSERT INTO levels VALUES ('regress_pd_alice', 5);
CREATE TABLE blocked (id int);
INSERT INTO blocked VALUES (6);
GRANT SELECT ON levels, blocked TO regress_pd_alice;
DROP POLICY own ON acct;
CREATE POLICY lvl ON acct USING (id <= (SELECT lvl FROM levels WHERE who = current_user));
CREATE POLICY not_blocked ON acct AS RESTRICTIVE USING (id NOT IN (SELECT id FROM blocked));
SET ROLE regress_pd_alice;
SELECT id FROM acct WHERE f_leak(secret) ORDER BY id;
EXPLAIN (COSTS OFF) SELECT * FROM acct WHERE f_leak(secret);
-- Grouped subqueries take predicates on their grouping columns.
SELECT * FROM (SELECT owner, count(*) FROM acct_plain GROUP BY owner) s WHERE owner = 'regress_pd_alice';
RESET ROLE;
RESET search_path;
DROP SCHEMA regress_pd CASCADE;
DROP ROLE regress_pd_owner, regress_pd_alice;
