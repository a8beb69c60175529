--
-- 113_grant_routine_lists: GRANT/REVOKE naming several functions, procedures
-- or routines at once (quoted names, aggregates among them); a missing or
-- wrong-kind routine fails the whole statement; the role not granted is
-- refused.
--
CREATE ROLE regress_ml_u;
CREATE FUNCTION ml_f1(int) RETURNS int LANGUAGE sql AS 'select 1';
CREATE FUNCTION ml_f2(int) RETURNS int LANGUAGE sql AS 'select 2';
CREATE FUNCTION "Ml F3"(text) RETURNS int LANGUAGE sql AS 'select 3';
CREATE PROCEDURE ml_p1(int) LANGUAGE sql AS 'select 1';
CREATE PROCEDURE ml_p2() LANGUAGE sql AS 'select 1';
CREATE AGGREGATE ml_agg(int) (sfunc = int4pl, stype = int4);
REVOKE ALL ON FUNCTION ml_f1(int), ml_f2(int), "Ml F3"(text), ml_agg(int) FROM PUBLIC;
SELECT proname, proacl FROM pg_proc WHERE proname LIKE 'ml%' OR proname = 'Ml F3' ORDER BY 1;
GRANT EXECUTE ON FUNCTION ml_f1(int), ml_f2(int) TO regress_ml_u;
GRANT EXECUTE ON FUNCTION ml_f1(int), ml_nosuch(int) TO regress_ml_u;
\echo :LAST_ERROR_SQLSTATE
GRANT USAGE ON FUNCTION ml_f1(int), ml_f2(int) TO regress_ml_u;
\echo :LAST_ERROR_SQLSTATE
GRANT EXECUTE ON FUNCTION ml_f1(int), ml_p1(int) TO regress_ml_u;
\echo :LAST_ERROR_SQLSTATE
REVOKE ALL ON PROCEDURE ml_p1(int), ml_p2() FROM PUBLIC;
GRANT ALL ON ROUTINE ml_p1(int), ml_f2(int) TO regress_ml_u;
SELECT proname, proacl FROM pg_proc WHERE proname LIKE 'ml%' OR proname = 'Ml F3' ORDER BY 1;
SET ROLE regress_ml_u;
SELECT ml_f1(1), ml_f2(1);
SELECT "Ml F3"('x');
\echo :LAST_ERROR_SQLSTATE
SELECT ml_agg(x) FROM (VALUES (1)) _(x);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP FUNCTION ml_f1(int), ml_f2(int), "Ml F3"(text);
DROP PROCEDURE ml_p1(int), ml_p2();
DROP AGGREGATE ml_agg(int);
DROP ROLE regress_ml_u;
