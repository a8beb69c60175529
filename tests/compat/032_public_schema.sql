-- PostgreSQL 15's public schema: owned by pg_database_owner; USAGE (not CREATE) for PUBLIC.
SELECT nspname, pg_get_userbyid(nspowner) AS owner, nspacl FROM pg_namespace WHERE nspname = 'public';
\dn
CREATE ROLE pub_plain LOGIN;
CREATE ROLE pub_dbowner LOGIN;
CREATE DATABASE pub_db OWNER pub_dbowner;
SET ROLE pub_plain;
CREATE TABLE public.should_fail (a int);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT has_schema_privilege('pub_plain', 'public', 'CREATE') AS plain_create,
       has_schema_privilege('pub_plain', 'public', 'USAGE') AS plain_usage,
       pg_has_role('postgres', 'pg_database_owner', 'MEMBER') AS su_member;
DROP DATABASE pub_db;
DROP ROLE pub_plain, pub_dbowner;
