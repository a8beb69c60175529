-- COMMENT ON tables, views, indexes, sequences, columns and schemas:
-- pg_description, obj_description/col_description, \dn+ and \d+, the
-- owner-only rule, PostgreSQL's errors, and removal with NULL or ''.
CREATE TABLE cm_t (id int PRIMARY KEY, v text);
CREATE VIEW cm_v AS SELECT id FROM cm_t;
CREATE SCHEMA cm_s;
CREATE SEQUENCE cm_seq;
CREATE ROLE cm_r;
COMMENT ON TABLE cm_t IS 'the table';
COMMENT ON COLUMN cm_t.v IS 'a column';
COMMENT ON COLUMN public.cm_t.id IS 'the key';
COMMENT ON VIEW cm_v IS 'the view';
COMMENT ON SCHEMA cm_s IS 'the schema';
COMMENT ON INDEX cm_t_pkey IS 'pk';
COMMENT ON SEQUENCE cm_seq IS 'seq';
COMMENT ON TABLE cm_v IS 'x';
\echo :LAST_ERROR_SQLSTATE
COMMENT ON VIEW cm_t IS 'x';
\echo :LAST_ERROR_SQLSTATE
COMMENT ON TABLE nope IS 'x';
\echo :LAST_ERROR_SQLSTATE
COMMENT ON COLUMN cm_t.nope IS 'x';
\echo :LAST_ERROR_SQLSTATE
COMMENT ON SCHEMA nope IS 'x';
\echo :LAST_ERROR_SQLSTATE
COMMENT ON COLUMN cm_t IS 'x';
\echo :LAST_ERROR_SQLSTATE
SET ROLE cm_r;
COMMENT ON TABLE cm_t IS 'mine';
\echo :LAST_ERROR_SQLSTATE
COMMENT ON COLUMN cm_t.v IS 'mine';
\echo :LAST_ERROR_SQLSTATE
COMMENT ON SCHEMA cm_s IS 'mine';
\echo :LAST_ERROR_SQLSTATE
COMMENT ON SEQUENCE cm_seq IS 'mine';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT obj_description('cm_t'::regclass, 'pg_class'), obj_description('cm_t'::regclass), col_description('cm_t'::regclass, 2), col_description('cm_t'::regclass, 1);
SELECT obj_description('cm_s'::regnamespace, 'pg_namespace'), obj_description('public'::regnamespace, 'pg_namespace');
SELECT classoid::regclass, objsubid, description FROM pg_description WHERE objoid IN ('cm_t'::regclass, 'cm_v'::regclass, 'cm_t_pkey'::regclass, 'cm_seq'::regclass) ORDER BY objoid, objsubid;
\dn+
\d+ cm_t
COMMENT ON TABLE cm_t IS NULL;
COMMENT ON COLUMN cm_t.v IS '';
SELECT objsubid, description FROM pg_description WHERE objoid = 'cm_t'::regclass;
DROP VIEW cm_v;
SELECT count(*) FROM pg_description WHERE description = 'the view';
DROP TABLE cm_t; DROP SCHEMA cm_s; DROP SEQUENCE cm_seq; DROP ROLE cm_r;
