-- psql's list commands not covered elsewhere: \dg (roles, as \du), \di and
-- \ds (indexes and sequences, with patterns and the table column), \dv,
-- \dtvs (several kinds at once), and \c to another role and back.
CREATE ROLE lc_alice LOGIN CREATEDB;
CREATE ROLE lc_bob NOLOGIN CONNECTION LIMIT 3;
GRANT lc_bob TO lc_alice;
CREATE TABLE lc_t (id int PRIMARY KEY, name text UNIQUE, v int);
CREATE INDEX lc_t_v ON lc_t (v);
CREATE SEQUENCE lc_s;
CREATE VIEW lc_v AS SELECT id, name FROM lc_t;
\dg lc_*
\dg+ lc_*
\di lc_*
\di lc_t_*
\dit lc_*
\ds lc_*
\dv lc_*
\dtvs lc_*
\dtvsi lc_*
\dis lc_*
\c - lc_alice
SELECT current_user, session_user;
\dt lc_*
\c - postgres
SELECT current_user;
DROP VIEW lc_v;
DROP TABLE lc_t;
DROP SEQUENCE lc_s;
DROP ROLE lc_alice;
DROP ROLE lc_bob;
