-- row_security_active, DROP ROLE blocked by policies naming the role, the
-- obsolete RULE privilege, and writes to system catalogs by a plain role.
CREATE ROLE rsa_owner;
CREATE ROLE rsa_user;
CREATE ROLE rsa_bypass BYPASSRLS;
CREATE TABLE rsa_t (id int, owner text);
ALTER TABLE rsa_t OWNER TO rsa_owner;
GRANT SELECT ON rsa_t TO rsa_user, rsa_bypass;
SELECT row_security_active('rsa_t');
ALTER TABLE rsa_t ENABLE ROW LEVEL SECURITY;
CREATE POLICY rsa_p ON rsa_t TO rsa_user USING (owner = current_user);
SELECT row_security_active('rsa_t'), row_security_active('rsa_t'::regclass);
SET ROLE rsa_user;
SELECT row_security_active('rsa_t'), row_security_active('rsa_t'::regclass::oid);
SET row_security = off;
SELECT row_security_active('rsa_t');
RESET row_security;
RESET ROLE;
SET ROLE rsa_bypass;
SELECT row_security_active('rsa_t');
RESET ROLE;
SET ROLE rsa_owner;
SELECT row_security_active('rsa_t');
RESET ROLE;
ALTER TABLE rsa_t FORCE ROW LEVEL SECURITY;
SET ROLE rsa_owner;
SELECT row_security_active('public.rsa_t');
RESET ROLE;
SELECT row_security_active('no_such_table');
SELECT row_security_active(NULL::text);
-- A role a policy names cannot be dropped; the DETAIL lists the policy.
BEGIN;
CREATE ROLE rsa_gone;
CREATE POLICY rsa_p2 ON rsa_t TO rsa_gone, rsa_user USING (true);
SAVEPOINT q;
DROP ROLE rsa_gone;
ROLLBACK TO q;
ALTER POLICY rsa_p2 ON rsa_t TO rsa_user;
DROP ROLE rsa_gone;
ROLLBACK;
BEGIN;
SAVEPOINT q;
DROP ROLE rsa_user;
ROLLBACK TO q;
DROP POLICY rsa_p ON rsa_t;
REVOKE ALL ON rsa_t FROM rsa_user;
DROP ROLE rsa_user;
ROLLBACK;
-- RULE is accepted and never held, by the superuser neither.
SELECT has_table_privilege('rsa_t', 'rule'), has_table_privilege('rsa_t', 'select, rule'),
       has_table_privilege('rsa_user', 'rsa_t', 'RULE WITH GRANT OPTION'),
       has_table_privilege('pg_class', 'rule');
SELECT has_column_privilege('rsa_t', 'id', 'rule');
-- A plain role cannot write the system catalogs.
SET ROLE rsa_user;
UPDATE pg_catalog.pg_class SET relname = 'x';
DELETE FROM pg_class;
INSERT INTO pg_catalog.pg_authid (rolname) VALUES ('x');
RESET ROLE;
DROP TABLE rsa_t;
DROP ROLE rsa_owner, rsa_user, rsa_bypass;
