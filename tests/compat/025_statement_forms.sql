-- Statement forms: TABLE, CREATE TABLE AS, view options, ALTER GROUP members, policy kinds.
CREATE TABLE base (id int, secret text, owner_name text);
INSERT INTO base VALUES (1, 'a', 'vw_alice'), (2, 'b', 'vw_bob');
TABLE base;
CREATE TABLE copy1 AS SELECT id, secret FROM base WHERE id > 1;
TABLE copy1;
CREATE TABLE copy2 (x, y) AS VALUES (1, 'one'::text), (2, 'two');
SELECT * FROM copy2 ORDER BY x;
CREATE TABLE copy2 AS SELECT 1;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE IF NOT EXISTS copy2 AS SELECT 1;
CREATE ROLE vw_alice;
CREATE ROLE vw_bob;
CREATE GROUP vw_group;
ALTER GROUP vw_group ADD USER vw_alice, vw_bob;
SELECT r.rolname, m.rolname AS member FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid
  JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = 'vw_group' ORDER BY 2;
ALTER GROUP vw_group DROP USER vw_bob;
SELECT count(*) FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid WHERE r.rolname = 'vw_group';
ALTER TABLE base ENABLE ROW LEVEL SECURITY;
CREATE POLICY p_own ON base USING (owner_name = current_user);
CREATE POLICY p_bad ON base AS UGLY USING (true);
\echo :LAST_ERROR_SQLSTATE
GRANT SELECT ON base TO vw_alice, vw_bob;
CREATE VIEW v_owner AS SELECT id, secret FROM base;
CREATE VIEW v_invoker WITH (security_invoker) AS SELECT id, secret FROM base;
CREATE VIEW v_barrier WITH (security_barrier, check_option = local) AS SELECT id FROM base;
CREATE VIEW v_badopt WITH (nonsense = true) AS SELECT 1;
\echo :LAST_ERROR_SQLSTATE
SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'v\_%' ORDER BY 1;
GRANT SELECT ON v_owner, v_invoker TO vw_alice, vw_bob;
SET ROLE vw_alice;
SELECT * FROM v_owner ORDER BY id;
SELECT * FROM v_invoker ORDER BY id;
RESET ROLE;
SET force_parallel_mode = off;
DROP VIEW v_owner, v_invoker, v_barrier;
DROP TABLE base, copy1, copy2;
DROP ROLE vw_alice, vw_bob, vw_group;
