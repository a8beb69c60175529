-- PostgreSQL's restrict_and_check_grant: table-level and per-column errors
-- and warnings, the owner's own grant options, ACLs written by warning-only
-- GRANTs.
CREATE ROLE gw_r1;
CREATE ROLE gw_r2;
CREATE TABLE gw_t (a int, b int, c int);
-- The owner granting itself grant options: stored and printed (ar*wdDxt).
GRANT SELECT ON gw_t TO CURRENT_USER WITH GRANT OPTION;
SELECT relacl FROM pg_class WHERE relname = 'gw_t';
GRANT SELECT (a, b) ON gw_t TO gw_r1;
REVOKE SELECT (a, c) ON gw_t FROM gw_r1;
REVOKE INSERT (a) ON gw_t FROM gw_r1;
\dp gw_t
SET ROLE gw_r1;
-- No privilege at all on the table, then none on the column.
GRANT SELECT ON gw_t TO gw_r2;
\echo sqlstate :LAST_ERROR_SQLSTATE
GRANT SELECT (a) ON gw_t TO gw_r2;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
-- A warning-only GRANT still writes the (default) ACL.
CREATE TABLE gw_t3 (a int);
GRANT SELECT ON gw_t3 TO gw_r1;
SET ROLE gw_r1;
GRANT INSERT ON gw_t3 TO gw_r2;
RESET ROLE;
SELECT relacl FROM pg_class WHERE relname = 'gw_t3';
CREATE FUNCTION gw_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
SELECT proacl FROM pg_proc WHERE proname = 'gw_f';
SET ROLE gw_r1;
GRANT EXECUTE ON FUNCTION gw_f() TO gw_r2;
RESET ROLE;
SELECT proacl FROM pg_proc WHERE proname = 'gw_f';
-- Revoking without grant options: a warning for the table and for every
-- column, system columns included; per-column GRANT warnings.
CREATE TABLE gw_t4 (a int, b int);
GRANT SELECT ON gw_t4 TO gw_r1;
GRANT SELECT (b) ON gw_t4 TO gw_r1 WITH GRANT OPTION;
SET ROLE gw_r1;
REVOKE SELECT ON gw_t4 FROM gw_r2;
REVOKE SELECT (a, b) ON gw_t4 FROM gw_r2;
GRANT SELECT (a, b) ON gw_t4 TO gw_r2;
GRANT ALL (b) ON gw_t4 TO gw_r2;
GRANT UPDATE (a) ON gw_t4 TO gw_r2;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
\dp gw_t4
SELECT attname, attacl FROM pg_attribute
 WHERE attrelid = 'gw_t4'::regclass AND attnum > 0 ORDER BY attnum;
GRANT SELECT (a) ON gw_t4 TO PUBLIC WITH GRANT OPTION;
\echo sqlstate :LAST_ERROR_SQLSTATE
GRANT SELECT ON gw_t4 TO PUBLIC WITH GRANT OPTION;
REVOKE ALL ON gw_t4 FROM gw_r1;
\echo sqlstate :LAST_ERROR_SQLSTATE
REVOKE ALL ON gw_t4 FROM gw_r1 CASCADE;
\dp gw_t4
-- Revoking the owner's own grant option leaves its privileges.
REVOKE GRANT OPTION FOR SELECT ON gw_t FROM CURRENT_USER;
SELECT relacl FROM pg_class WHERE relname = 'gw_t';
DROP FUNCTION gw_f();
DROP TABLE gw_t, gw_t3, gw_t4;
DROP ROLE gw_r1, gw_r2;
