-- ALTER DEFAULT PRIVILEGES: global and per-schema entries, what new objects get,
-- who may change them, \ddp, pg_default_acl, and the role dependency it creates.
CREATE ROLE dp_owner LOGIN;
CREATE ROLE dp_reader LOGIN;
CREATE ROLE dp_other LOGIN;
CREATE SCHEMA dp_s AUTHORIZATION dp_owner;
SET ROLE dp_owner;
ALTER DEFAULT PRIVILEGES IN SCHEMA dp_s GRANT SELECT ON TABLES TO dp_reader;
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO dp_reader WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE dp_other GRANT SELECT ON TABLES TO dp_owner;
ALTER DEFAULT PRIVILEGES IN SCHEMA dp_s GRANT USAGE ON SCHEMAS TO dp_reader;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON TABLES TO dp_reader;
CREATE TABLE dp_s.t1 (id serial, v text);
CREATE SEQUENCE dp_s.q1;
CREATE VIEW dp_s.v1 AS SELECT id FROM dp_s.t1;
RESET ROLE;
\ddp
\dp dp_s.*
SELECT has_table_privilege('dp_reader', 'dp_s.t1', 'SELECT') AS reader_select,
       has_table_privilege('dp_reader', 'dp_s.t1', 'INSERT') AS reader_insert,
       has_table_privilege('dp_other', 'dp_s.t1', 'SELECT') AS other_select;
SET ROLE dp_reader;
SELECT count(*) FROM dp_s.t1;
INSERT INTO dp_s.t1 (v) VALUES ('no');
RESET ROLE;
SET ROLE dp_owner;
ALTER DEFAULT PRIVILEGES IN SCHEMA dp_s REVOKE SELECT ON TABLES FROM dp_reader;
CREATE TABLE dp_s.t2 (x int);
RESET ROLE;
SELECT has_table_privilege('dp_reader', 'dp_s.t2', 'SELECT') AS after_revoke;
DROP ROLE dp_reader;
SELECT defaclobjtype, array_to_string(defaclacl, ',') FROM pg_default_acl ORDER BY 1;
SET ROLE dp_owner;
ALTER DEFAULT PRIVILEGES REVOKE USAGE ON SEQUENCES FROM dp_reader;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
RESET ROLE;
ALTER DEFAULT PRIVILEGES FOR ROLE dp_other REVOKE SELECT ON TABLES FROM dp_owner;
SELECT count(*) FROM pg_default_acl;
DROP VIEW dp_s.v1;
DROP TABLE dp_s.t1;
DROP TABLE dp_s.t2;
DROP SEQUENCE dp_s.q1;
DROP SCHEMA dp_s;
DROP ROLE dp_reader;
DROP ROLE dp_owner;
DROP ROLE dp_other;
-- ON TYPES (the object keyword sqlparser lacks).
CREATE ROLE dpt;
ALTER DEFAULT PRIVILEGES FOR ROLE dpt REVOKE USAGE ON TYPES FROM PUBLIC;
SELECT defaclobjtype, defaclacl FROM pg_default_acl;
\ddp
ALTER DEFAULT PRIVILEGES FOR ROLE dpt GRANT USAGE ON TYPES TO PUBLIC;
SELECT count(*) FROM pg_default_acl;
ALTER DEFAULT PRIVILEGES FOR ROLE dpt GRANT SELECT ON TYPES TO PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE dpt REVOKE USAGE ON TYPES FROM pg_signal_backend;
SELECT count(*) FROM pg_default_acl;
DROP ROLE dpt;
