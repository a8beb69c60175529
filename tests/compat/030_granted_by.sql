-- GRANTED BY on object privileges (PostgreSQL 15: only the current user).
CREATE ROLE gb_user;
CREATE ROLE gb_other;
CREATE TABLE gb_t (a int);
GRANT SELECT ON gb_t TO gb_user GRANTED BY CURRENT_USER;
GRANT INSERT ON gb_t TO gb_user GRANTED BY postgres;
GRANT UPDATE ON gb_t TO gb_user GRANTED BY gb_other;
\echo :LAST_ERROR_SQLSTATE
GRANT UPDATE ON gb_t TO gb_user GRANTED BY nosuch_role;
\echo :LAST_ERROR_SQLSTATE
REVOKE SELECT ON gb_t FROM gb_user GRANTED BY gb_other;
\echo :LAST_ERROR_SQLSTATE
REVOKE SELECT ON gb_t FROM gb_user GRANTED BY CURRENT_USER;
SELECT relacl FROM pg_class WHERE relname = 'gb_t';
DROP TABLE gb_t;
DROP ROLE gb_user, gb_other;
