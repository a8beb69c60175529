-- Who may change memberships and drop indexes: a CREATEROLE role cannot put
-- anyone (including a new role) into a superuser role, nobody can give
-- pg_database_owner explicit members, and only the table's owner may drop
-- its index. A SCRAM verifier of the empty password clears the password.
CREATE ROLE m_super SUPERUSER;
CREATE ROLE m_plain;
CREATE ROLE m_creator CREATEROLE;
CREATE ROLE m_owner;
CREATE TABLE m_tab (id int);
CREATE INDEX m_tab_idx ON m_tab (id);
ALTER TABLE m_tab OWNER TO m_owner;
SET ROLE m_creator;
CREATE ROLE m_new1 IN ROLE m_super;
CREATE ROLE m_new2 IN ROLE pg_database_owner;
CREATE ROLE m_new3 IN ROLE m_plain;
GRANT m_super TO m_plain;
REVOKE m_super FROM m_plain;
GRANT pg_database_owner TO m_plain;
GRANT m_plain TO m_new3;
DROP INDEX m_tab_idx;
RESET ROLE;
GRANT pg_database_owner TO m_plain;
SELECT rolname FROM pg_roles WHERE rolname LIKE 'm\_new%' ORDER BY 1;
SELECT r.rolname AS role, m.rolname AS member
  FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
 WHERE m.rolname LIKE 'm\_%' ORDER BY 1, 2;
SET ROLE m_owner;
DROP INDEX m_tab_idx;
RESET ROLE;
CREATE ROLE m_empty PASSWORD 'SCRAM-SHA-256$4096:hpFyHTUsSWcR7O9P$LgZFIt6Oqdo27ZFKbZ2nV+vtnYM995pDh9ca6WSi120=:qVV5NeluNfUPkwm7Vqat25RjSPLkGeoZBQs6wVv+um4=';
SELECT rolpassword IS NULL AS cleared FROM pg_authid WHERE rolname = 'm_empty';
DROP TABLE m_tab;
DROP ROLE m_new3;
DROP ROLE m_empty;
DROP ROLE m_owner;
DROP ROLE m_creator;
DROP ROLE m_plain;
DROP ROLE m_super;
