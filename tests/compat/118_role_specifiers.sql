--
-- 118_role_specifiers: CURRENT_USER, CURRENT_ROLE, SESSION_USER and PUBLIC
-- are keywords only when unquoted; "current_user" is an ordinary role name,
-- and statements that name it must act on that role, not on the caller.
-- "public" and "none" are special even when quoted. Every statement that
-- takes a role: CREATE/ALTER/DROP ROLE, GRANT/REVOKE (objects and
-- membership, GRANTED BY), OWNER TO, CREATE SCHEMA AUTHORIZATION,
-- ALTER DEFAULT PRIVILEGES FOR ROLE, CREATE POLICY TO, DROP/REASSIGN OWNED.
--
SET client_min_messages = error;
CREATE ROLE "current_user";
CREATE ROLE "current_role";
CREATE ROLE "session_user";
CREATE ROLE "user";
CREATE ROLE "Public";
CREATE ROLE "None";
RESET client_min_messages;
CREATE ROLE regress_rs_admin SUPERUSER;
CREATE ROLE regress_rs_sess SUPERUSER LOGIN IN ROLE regress_rs_admin;

-- keywords are not role names
CREATE ROLE current_user;
\echo :LAST_ERROR_SQLSTATE
CREATE ROLE current_role;
CREATE ROLE session_user;
\echo :LAST_ERROR_SQLSTATE
CREATE ROLE public;
CREATE ROLE "public";
CREATE ROLE none;
CREATE ROLE "none";
\echo :LAST_ERROR_SQLSTATE

SET SESSION AUTHORIZATION regress_rs_sess;
SET ROLE regress_rs_admin;
SELECT current_user, session_user;

-- ALTER ROLE: the quoted name alters that role, the keyword the caller
BEGIN;
ALTER ROLE "current_user" WITH REPLICATION;
ALTER ROLE "session_user" CONNECTION LIMIT 3;
SELECT rolname, rolreplication, rolconnlimit FROM pg_roles
 WHERE rolname IN ('current_user', 'session_user', 'regress_rs_admin', 'regress_rs_sess')
 ORDER BY 1;
ALTER ROLE CURRENT_USER WITH REPLICATION;
ALTER ROLE SESSION_USER CONNECTION LIMIT 5;
SELECT rolname, rolreplication, rolconnlimit FROM pg_roles
 WHERE rolname IN ('current_user', 'session_user', 'regress_rs_admin', 'regress_rs_sess')
 ORDER BY 1;
ALTER USER "Public" WITH CREATEDB;
SELECT rolname, rolcreatedb FROM pg_roles WHERE rolname IN ('Public', 'None') ORDER BY 1;
ROLLBACK;
ALTER ROLE PUBLIC WITH NOREPLICATION;
\echo :LAST_ERROR_SQLSTATE
ALTER ROLE "public" WITH NOREPLICATION;
ALTER ROLE NONE WITH NOREPLICATION;
ALTER ROLE "none" WITH NOREPLICATION;
\echo :LAST_ERROR_SQLSTATE
ALTER ROLE USER WITH LOGIN;
\echo :LAST_ERROR_SQLSTATE
ALTER ROLE regress_rs_nonexistent WITH LOGIN;

-- ALTER ROLE SET
ALTER ROLE "current_user" SET application_name TO 'quoted';
ALTER ROLE CURRENT_USER SET application_name TO 'keyword';
SELECT r.rolname, s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
 WHERE r.rolname IN ('current_user', 'regress_rs_admin') ORDER BY 1;
ALTER ROLE "current_user" RESET application_name;
ALTER ROLE CURRENT_USER RESET application_name;
-- ALTER ROLE ALL SET: defaults for every role, superusers only
ALTER ROLE ALL SET work_mem TO '5MB';
ALTER ROLE ALL SET lock_timeout TO '7s';
ALTER ROLE ALL SET statement_timeout TO 'lots';
\echo :LAST_ERROR_SQLSTATE
SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = 0;
SET ROLE "user";
ALTER ROLE ALL SET work_mem TO '6MB';
\echo :LAST_ERROR_SQLSTATE
ALTER ROLE ALL WITH LOGIN;
SET ROLE regress_rs_admin;
ALTER ROLE ALL RESET work_mem;
SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = 0;
ALTER ROLE ALL RESET ALL;
SELECT count(*) FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = 0;

-- CREATE SCHEMA AUTHORIZATION
CREATE SCHEMA regress_rs_s1 AUTHORIZATION CURRENT_USER;
CREATE SCHEMA regress_rs_s2 AUTHORIZATION "current_user";
CREATE SCHEMA regress_rs_s3 AUTHORIZATION SESSION_USER;
CREATE SCHEMA regress_rs_s4 AUTHORIZATION "Public";
CREATE SCHEMA regress_rs_sx AUTHORIZATION PUBLIC;
\echo :LAST_ERROR_SQLSTATE
CREATE SCHEMA regress_rs_sx AUTHORIZATION "public";
CREATE SCHEMA regress_rs_sx AUTHORIZATION NONE;
CREATE SCHEMA regress_rs_sx AUTHORIZATION USER;
CREATE SCHEMA IF NOT EXISTS regress_rs_sx AUTHORIZATION regress_rs_nonexistent;
SELECT n.nspname, r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
 WHERE n.nspname LIKE 'regress_rs_s%' ORDER BY 1;

-- OWNER TO
CREATE TABLE regress_rs_t1 (a int);
CREATE TABLE regress_rs_t2 (a int);
CREATE TABLE regress_rs_t3 (a int);
CREATE SEQUENCE regress_rs_seq;
CREATE VIEW regress_rs_v AS SELECT 1 AS x;
CREATE FUNCTION regress_rs_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER TABLE regress_rs_t1 OWNER TO "current_user";
ALTER TABLE regress_rs_t2 OWNER TO SESSION_USER;
ALTER TABLE regress_rs_t3 OWNER TO "Public";
ALTER TABLE regress_rs_t3 OWNER TO PUBLIC;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE regress_rs_t3 OWNER TO "public";
ALTER TABLE regress_rs_t3 OWNER TO USER;
ALTER SEQUENCE regress_rs_seq OWNER TO "session_user";
ALTER VIEW regress_rs_v OWNER TO "current_role";
ALTER FUNCTION regress_rs_f() OWNER TO "current_user";
ALTER SCHEMA regress_rs_s1 OWNER TO "session_user";
SELECT c.relname, r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
 WHERE c.relname LIKE 'regress_rs_%' ORDER BY 1;
SELECT p.proname, r.rolname FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
 WHERE p.proname = 'regress_rs_f';
SELECT n.nspname, r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
 WHERE n.nspname = 'regress_rs_s1';

-- GRANT / REVOKE on objects
CREATE TABLE regress_rs_g (a int);
GRANT SELECT ON regress_rs_g TO "current_user";
GRANT INSERT ON regress_rs_g TO "public";
GRANT UPDATE ON regress_rs_g TO CURRENT_USER, "Public", SESSION_USER;
SELECT relacl FROM pg_class WHERE relname = 'regress_rs_g';
REVOKE SELECT ON regress_rs_g FROM "current_user";
REVOKE INSERT ON regress_rs_g FROM "public";
REVOKE UPDATE ON regress_rs_g FROM CURRENT_USER, "Public";
SELECT relacl FROM pg_class WHERE relname = 'regress_rs_g';
GRANT SELECT ON regress_rs_g TO NONE;
\echo :LAST_ERROR_SQLSTATE
GRANT SELECT ON regress_rs_g TO "none";
GRANT SELECT ON regress_rs_g TO regress_rs_nonexistent;
SELECT has_table_privilege('current_user', 'regress_rs_g', 'SELECT');

-- membership: GRANT role TO, GRANTED BY
GRANT "current_role" TO "session_user";
GRANT "Public" TO CURRENT_USER GRANTED BY CURRENT_USER;
SELECT r.rolname AS role, m.rolname AS member FROM pg_auth_members a
  JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
 WHERE r.rolname IN ('current_role', 'Public') ORDER BY 1, 2;
GRANT "None" TO PUBLIC;
\echo :LAST_ERROR_SQLSTATE
REVOKE "current_role" FROM "session_user";
REVOKE "Public" FROM CURRENT_USER;

-- ALTER DEFAULT PRIVILEGES FOR ROLE, CREATE POLICY TO
ALTER DEFAULT PRIVILEGES FOR ROLE "current_user" GRANT SELECT ON TABLES TO "user";
ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER GRANT INSERT ON TABLES TO "user";
SELECT pg_get_userbyid(defaclrole), defaclacl FROM pg_default_acl
 WHERE pg_get_userbyid(defaclrole) IN ('current_user', 'regress_rs_admin') ORDER BY 1;
ALTER DEFAULT PRIVILEGES FOR ROLE "current_user" REVOKE SELECT ON TABLES FROM "user";
ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER REVOKE INSERT ON TABLES FROM "user";
CREATE POLICY p1 ON regress_rs_g TO "current_user", CURRENT_USER USING (true);
CREATE POLICY p2 ON regress_rs_g TO "public" USING (true);
CREATE POLICY p3 ON regress_rs_g TO "none" USING (true);
\echo :LAST_ERROR_SQLSTATE
SELECT policyname, roles FROM pg_policies WHERE tablename = 'regress_rs_g' ORDER BY 1;

-- DROP ROLE keeps its own message for the keywords
DROP ROLE CURRENT_USER;
\echo :LAST_ERROR_SQLSTATE

-- REASSIGN / DROP OWNED BY a quoted name touches that role only
RESET ROLE;
REASSIGN OWNED BY "current_user" TO "session_user";
SELECT c.relname, r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
 WHERE c.relname LIKE 'regress_rs_%' ORDER BY 1;
DROP OWNED BY "current_user", "current_role", "session_user", "Public";
SELECT c.relname, r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
 WHERE c.relname LIKE 'regress_rs_%' ORDER BY 1;
RESET SESSION AUTHORIZATION;
DROP SCHEMA regress_rs_s2, regress_rs_s3;
DROP OWNED BY regress_rs_admin, regress_rs_sess;
DROP ROLE "current_user", "current_role", "session_user", "user", "Public", "None";
DROP ROLE regress_rs_sess, regress_rs_admin;
