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
-- pg_database_owner as a member; GRANTED BY on role grants (only a
-- superuser names another grantor; REVOKE ignores it in PostgreSQL 15).
CREATE ROLE gb_r1;
CREATE ROLE gb_r2 LOGIN;
CREATE ROLE gb_r3;
GRANT pg_database_owner TO gb_r1;
\echo sqlstate :LAST_ERROR_SQLSTATE
GRANT gb_r1 TO pg_database_owner;
\echo sqlstate :LAST_ERROR_SQLSTATE
GRANT gb_r1 TO gb_r2 WITH ADMIN OPTION;
SET ROLE gb_r2;
GRANT gb_r1 TO gb_r3 GRANTED BY gb_r2;
GRANT gb_r1 TO gb_r3 GRANTED BY postgres;
\echo sqlstate :LAST_ERROR_SQLSTATE
GRANT gb_r3 TO gb_r1 GRANTED BY postgres;
RESET ROLE;
GRANT gb_r3 TO gb_r1 GRANTED BY gb_r2;
SELECT r.rolname, m.rolname, g.rolname
  FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid
  JOIN pg_roles m ON m.oid = a.member JOIN pg_roles g ON g.oid = a.grantor
 WHERE r.rolname LIKE 'gb\_r%' ORDER BY 1, 2;
REVOKE gb_r3 FROM gb_r1 GRANTED BY nosuch;
REVOKE ADMIN OPTION FOR gb_r1 FROM gb_r2 GRANTED BY nosuch;
DROP ROLE gb_r1, gb_r2, gb_r3;
