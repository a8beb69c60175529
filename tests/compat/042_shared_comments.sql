-- COMMENT ON ROLE / DATABASE: pg_shdescription, shobj_description, \du+
-- and \l+ style queries, who may comment (CREATEROLE for roles, superuser
-- for superuser roles, the owner for databases), the missing-database
-- WARNING, missing roles, removal with NULL and '', and DROP ROLE.
CREATE ROLE shc_admin CREATEROLE;
CREATE ROLE shc_plain;
CREATE ROLE shc_target;
CREATE ROLE shc_super SUPERUSER;
COMMENT ON ROLE shc_target IS 'a target role';
COMMENT ON ROLE shc_super IS 'the super one';
COMMENT ON DATABASE postgres IS 'main database';
\du+ shc_*
SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname LIKE 'shc_%' ORDER BY 1;
SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'postgres';
SELECT shobj_description(oid, 'pg_class') FROM pg_database WHERE datname = 'postgres';
SELECT d.description FROM pg_shdescription d JOIN pg_roles r ON r.oid = d.objoid
 WHERE d.classoid = 'pg_authid'::regclass ORDER BY 1;
SELECT r.rolname, pg_catalog.shobj_description(r.oid, 'pg_authid') AS description
  FROM pg_catalog.pg_roles r WHERE r.rolname ~ '^(shc_target)$';
COMMENT ON ROLE nope IS 'x';
\echo :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE
COMMENT ON DATABASE nope IS 'x';
SET ROLE shc_plain;
COMMENT ON ROLE shc_target IS 'plain tries';
\echo :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE
COMMENT ON DATABASE postgres IS 'plain tries';
\echo :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE
RESET ROLE;
SET ROLE shc_admin;
COMMENT ON ROLE shc_target IS 'admin changed it';
COMMENT ON ROLE shc_super IS 'admin tries';
\echo :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE
RESET ROLE;
SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname LIKE 'shc_%' ORDER BY 1;
COMMENT ON ROLE shc_target IS NULL;
COMMENT ON ROLE shc_super IS '';
SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname LIKE 'shc_%' ORDER BY 1;
COMMENT ON ROLE shc_plain IS 'to be dropped';
DROP ROLE shc_plain;
SELECT count(*) FROM pg_shdescription d WHERE d.classoid = 'pg_authid'::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = d.objoid);
COMMENT ON DATABASE postgres IS NULL;
SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'postgres';
DROP ROLE shc_admin, shc_target, shc_super;
