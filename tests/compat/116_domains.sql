--
-- 116_domains: CREATE DOMAIN with NOT NULL, CHECK and DEFAULT; columns,
-- casts, INSERT/UPDATE/COPY checked against the domain with PostgreSQL's
-- errors; domains over domains; the catalogs (pg_type, pg_constraint,
-- format_type, has_type_privilege); USAGE on a domain (GRANT/REVOKE ON
-- DOMAIN | TYPE) with a role that lacks it trying to use it; ownership and
-- DROP with dependents; information_schema.usage_privileges and
-- role_usage_grants.
--
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE DOMAIN email text NOT NULL CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');
CREATE DOMAIN small_pos AS posint CHECK (VALUE < 100);
CREATE DOMAIN with_default int DEFAULT 42 NOT NULL;
CREATE DOMAIN code varchar(5) COLLATE "C" CHECK (VALUE <> 'it''s');
CREATE TABLE dt (id posint PRIMARY KEY, mail email, s small_pos, w with_default, c code);
INSERT INTO dt VALUES (1, 'a@b', 5, 1, 'x');
INSERT INTO dt (id, mail) VALUES (2, 'c@d');
SELECT * FROM dt ORDER BY id;
INSERT INTO dt VALUES (0, 'a@b');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO dt VALUES (3, 'no-at');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO dt (id) VALUES (4);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO dt VALUES (5, 'e@f', 100);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO dt VALUES (6, 'e@f', -1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO dt VALUES (7, 'e@f', 1, NULL);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO dt VALUES (8, 'e@f', 1, 1, 'toolong');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO dt VALUES (9, 'e@f', 1, 1, 'it''s');
\echo :LAST_ERROR_SQLSTATE
UPDATE dt SET s = 200 WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
UPDATE dt SET mail = NULL WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
UPDATE dt SET s = s + 1, w = DEFAULT WHERE id = 1 RETURNING *;
INSERT INTO dt SELECT 10, 'x@y', 3, 3, 'ok';
INSERT INTO dt SELECT -10, 'x@y';
\echo :LAST_ERROR_SQLSTATE
COPY dt (id, mail, s) FROM stdin;
11	m@n	9
\.
COPY dt (id, mail, s) FROM stdin;
12	m@n	0
\.
\echo :LAST_ERROR_SQLSTATE
COPY dt (id, mail, s) FROM stdin;
13	\N	5
\.
\echo :LAST_ERROR_SQLSTATE
SELECT id, s FROM dt ORDER BY id;
SELECT 5::posint, 7::small_pos AS seven, '3'::posint + 1;
SELECT (-5)::posint;
\echo :LAST_ERROR_SQLSTATE
SELECT 150::small_pos;
\echo :LAST_ERROR_SQLSTATE
SELECT NULL::email;
\echo :LAST_ERROR_SQLSTATE
SELECT NULL::posint IS NULL AS null_passes_check;
-- Catalogs.
SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod) AS base,
       t.typnotnull, t.typdefault, t.typacl
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = 'public' AND t.typtype = 'd' ORDER BY t.typname;
SELECT c.conname, t.typname, pg_get_constraintdef(c.oid)
  FROM pg_constraint c JOIN pg_type t ON t.oid = c.contypid
  WHERE t.typnamespace = 'public'::regnamespace ORDER BY c.conname;
SELECT a.attname, format_type(a.atttypid, a.atttypmod)
  FROM pg_attribute a WHERE a.attrelid = 'dt'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT has_type_privilege('posint', 'USAGE'), has_type_privilege('int4', 'USAGE');
SELECT has_type_privilege('nosuchtype', 'USAGE');
\echo :LAST_ERROR_SQLSTATE
-- Duplicates and bad definitions.
CREATE DOMAIN posint AS int;
\echo :LAST_ERROR_SQLSTATE
CREATE DOMAIN dt AS int;
\echo :LAST_ERROR_SQLSTATE
CREATE DOMAIN bad AS int NULL NOT NULL;
\echo :LAST_ERROR_SQLSTATE
CREATE DOMAIN bad AS nosuchtype;
\echo :LAST_ERROR_SQLSTATE
CREATE DOMAIN bad AS int COLLATE "C";
\echo :LAST_ERROR_SQLSTATE
CREATE DOMAIN bad AS int CHECK (VALUE > 'x');
\echo :LAST_ERROR_SQLSTATE
CREATE DOMAIN bad AS int CHECK (VALUE > (SELECT 1));
\echo :LAST_ERROR_SQLSTATE
CREATE DOMAIN bad AS int CHECK (nosuch > 0);
\echo :LAST_ERROR_SQLSTATE
CREATE DOMAIN bad AS int DEFAULT 'abc';
\echo :LAST_ERROR_SQLSTATE
-- psql's \dD and \d read pg_type, pg_constraint and format_type.
\dD
\d dt
-- Privileges: USAGE is needed to declare a column or a domain over it.
CREATE ROLE regress_dom_owner;
CREATE ROLE regress_dom_user;
CREATE SCHEMA domsch AUTHORIZATION regress_dom_owner;
GRANT USAGE, CREATE ON SCHEMA domsch TO regress_dom_user;
SET ROLE regress_dom_owner;
CREATE DOMAIN domsch.secret_int AS int CHECK (VALUE <> 13);
REVOKE USAGE ON DOMAIN domsch.secret_int FROM PUBLIC;
SELECT typacl FROM pg_type WHERE typname = 'secret_int';
RESET ROLE;
SELECT has_type_privilege('regress_dom_user', 'domsch.secret_int', 'USAGE');
SET ROLE regress_dom_user;
CREATE TABLE domsch.t1 (a domsch.secret_int);
\echo :LAST_ERROR_SQLSTATE
CREATE DOMAIN domsch.d2 AS domsch.secret_int;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE domsch.t2 (a int);
ALTER TABLE domsch.t2 ADD COLUMN b domsch.secret_int;
\echo :LAST_ERROR_SQLSTATE
GRANT USAGE ON DOMAIN domsch.secret_int TO regress_dom_user;
\echo :LAST_ERROR_SQLSTATE
DROP DOMAIN domsch.secret_int;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_dom_owner;
GRANT USAGE ON TYPE domsch.secret_int TO regress_dom_user;
GRANT USAGE ON DOMAIN int4 TO regress_dom_user;
\echo :LAST_ERROR_SQLSTATE
GRANT USAGE ON TYPE _int4 TO regress_dom_user;
\echo :LAST_ERROR_SQLSTATE
GRANT SELECT ON DOMAIN domsch.secret_int TO regress_dom_user;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_dom_user;
CREATE TABLE domsch.t1 (a domsch.secret_int);
INSERT INTO domsch.t1 VALUES (13);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO domsch.t1 VALUES (12);
SELECT * FROM domsch.t1;
RESET ROLE;
SELECT has_type_privilege('regress_dom_user', 'domsch.secret_int', 'USAGE');
-- Dependents block DROP; ownership moves with ALTER DOMAIN … OWNER TO.
DROP DOMAIN domsch.secret_int;
\echo :LAST_ERROR_SQLSTATE
DROP DOMAIN posint;
\echo :LAST_ERROR_SQLSTATE
ALTER DOMAIN domsch.secret_int OWNER TO regress_dom_user;
SELECT t.typname, r.rolname FROM pg_type t JOIN pg_roles r ON r.oid = t.typowner
  WHERE t.typname = 'secret_int';
DROP ROLE regress_dom_user;
\echo :LAST_ERROR_SQLSTATE
DROP TABLE domsch.t1;
DROP TABLE domsch.t2;
DROP DOMAIN IF EXISTS nosuch;
DROP DOMAIN nosuch;
\echo :LAST_ERROR_SQLSTATE
DROP DOMAIN int4;
\echo :LAST_ERROR_SQLSTATE
DROP SCHEMA domsch CASCADE;
DROP ROLE regress_dom_user;
DROP ROLE regress_dom_owner;
DROP TABLE dt;
DROP DOMAIN small_pos;
DROP TYPE posint;
DROP DOMAIN email, code;
DROP DOMAIN with_default;
SELECT count(*) FROM pg_type WHERE typtype = 'd' AND typnamespace = 'public'::regnamespace;
-- information_schema lists USAGE on domains beside sequences.
CREATE ROLE regress_up_a;
CREATE ROLE regress_up_b;
CREATE DOMAIN up_d1 AS int;
CREATE DOMAIN up_d2 AS text;
REVOKE USAGE ON DOMAIN up_d2 FROM PUBLIC;
GRANT USAGE ON DOMAIN up_d2 TO regress_up_a WITH GRANT OPTION;
CREATE SEQUENCE up_s;
GRANT USAGE ON SEQUENCE up_s TO regress_up_b;
SELECT grantor, grantee, object_schema, object_name, object_type, privilege_type, is_grantable
  FROM information_schema.usage_privileges WHERE object_name IN ('up_d1', 'up_d2', 'up_s')
  ORDER BY object_type, object_name, grantee;
SET ROLE regress_up_a;
SELECT grantor, grantee, object_schema, object_name, object_type, privilege_type, is_grantable
  FROM information_schema.role_usage_grants WHERE object_name IN ('up_d1', 'up_d2', 'up_s')
  ORDER BY object_type, object_name, grantee;
SELECT grantor, grantee, object_schema, object_name, object_type, privilege_type, is_grantable
  FROM information_schema.usage_privileges WHERE object_name IN ('up_d1', 'up_d2', 'up_s')
  ORDER BY object_type, object_name, grantee;
RESET ROLE;
DROP SEQUENCE up_s;
DROP DOMAIN up_d1, up_d2;
DROP ROLE regress_up_a;
DROP ROLE regress_up_b;
