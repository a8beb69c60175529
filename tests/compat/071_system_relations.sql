-- The system catalogs and views are rows of pg_class and pg_attribute:
-- \dS lists them, \d describes the views, \dp shows their ACLs, and
-- regclass / pg_table_is_visible know them (information_schema too).
\dtS pg_auth*
\dvS pg_ro*
\dnS pg_*
\dnS information_schema
\db
\dp pg_authid
\dp pg_roles
\dp information_schema.table_privileges
\dv information_schema.table_priv*
\d pg_group
\d pg_views
SELECT 'pg_authid'::regclass, 'information_schema.tables'::regclass::oid > 0, 'information_schema'::regnamespace;
SELECT pg_table_is_visible('pg_roles'::regclass), pg_table_is_visible('information_schema.tables'::regclass);
SET search_path = information_schema, public;
SELECT pg_table_is_visible('information_schema.tables'::regclass), 'information_schema.tables'::regclass;
RESET search_path;
-- A user table named like a catalog is hidden by it (pg_catalog comes first).
CREATE TABLE public.pg_roles (x int);
SELECT pg_table_is_visible('public.pg_roles'::regclass), 'public.pg_roles'::regclass, 'pg_roles'::regclass;
DROP TABLE public.pg_roles;
SELECT relname, relkind, relacl, reltablespace FROM pg_class
 WHERE relname IN ('pg_authid', 'pg_roles', 'pg_shadow', 'pg_settings', 'pg_class', 'pg_policies') ORDER BY 1;
SELECT a.attname, a.attnotnull, format_type(a.atttypid, a.atttypmod)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relname = 'pg_auth_members' AND a.attnum > 0 ORDER BY a.attnum;
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname = 'pg_authid';
SELECT spcname, pg_get_userbyid(spcowner), spcacl, pg_tablespace_location(oid) FROM pg_tablespace ORDER BY oid;
SELECT nspname, nspacl FROM pg_namespace WHERE nspname IN ('pg_toast', 'information_schema') ORDER BY 1;
-- What a role may do with them, by their ACLs.
CREATE ROLE sysrel_reader;
SELECT has_table_privilege('sysrel_reader', 'pg_authid', 'SELECT'),
       has_table_privilege('sysrel_reader', 'pg_roles', 'SELECT'),
       has_table_privilege('sysrel_reader', 'pg_shadow', 'SELECT'),
       has_table_privilege('sysrel_reader', 'pg_class', 'UPDATE');
SET ROLE sysrel_reader;
SELECT count(*) > 0 FROM pg_authid;
RESET ROLE;
DROP ROLE sysrel_reader;
-- initdb's explicit ACLs on the template databases; \dD with no domains.
\l template1
\dD
