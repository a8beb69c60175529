-- REASSIGN OWNED BY and DROP OWNED BY: emptying a role before DROP ROLE, and who may do it.
CREATE ROLE o_old LOGIN;
CREATE ROLE o_new LOGIN;
CREATE ROLE o_grantee LOGIN;
CREATE ROLE o_stranger LOGIN;
CREATE SCHEMA o_s AUTHORIZATION o_old;
SET ROLE o_old;
CREATE TABLE o_s.t (id serial, v text);
CREATE VIEW o_s.v AS SELECT v FROM o_s.t;
CREATE SEQUENCE o_s.q;
GRANT SELECT ON o_s.t TO o_grantee;
GRANT UPDATE (v) ON o_s.t TO o_grantee;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO o_grantee;
RESET ROLE;
CREATE TABLE o_public (x int);
GRANT INSERT ON o_public TO o_grantee;
SET ROLE o_stranger;
REASSIGN OWNED BY o_old TO o_stranger;
DROP OWNED BY o_old;
DROP OWNED BY o_grantee;
RESET ROLE;
REASSIGN OWNED BY o_nobody TO o_new;
DROP ROLE o_old;
REASSIGN OWNED BY o_old TO o_new;
SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'o_s' ORDER BY 1;
SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'o_s';
\dp o_s.*
DROP ROLE o_old;
DROP ROLE o_grantee;
DROP OWNED BY o_grantee;
-- o_old's default privileges are back to the built-in ones: the entry goes
SELECT pg_get_userbyid(defaclrole), defaclacl FROM pg_default_acl WHERE pg_get_userbyid(defaclrole) LIKE 'o\_%';
\dp o_s.*
\dp o_public
DROP ROLE o_grantee;
DROP OWNED BY o_new;
SELECT count(*) FROM pg_namespace WHERE nspname = 'o_s';
SELECT count(*) FROM pg_class WHERE relname IN ('t', 'v', 'q', 't_id_seq');
DROP ROLE o_new;
DROP ROLE o_stranger;
DROP TABLE o_public;
DROP ROLE o_old;
