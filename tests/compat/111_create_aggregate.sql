--
-- 111_create_aggregate: CREATE AGGREGATE with a built-in or SQL transition
-- function, INITCOND and FINALFUNC; NULL inputs and empty groups; errors;
-- pg_proc; EXECUTE granted and revoked like a function's (the wrong role
-- is refused); DROP FUNCTION refuses an aggregate. ORDER BY inside an
-- aggregate call orders its input (built-in and user-defined).
--
CREATE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int4);
SELECT my_sum(x) FROM (VALUES (1), (2), (NULL), (3)) _(x);
SELECT my_sum(x) FROM (VALUES (1)) _(x) WHERE false;
SELECT public.my_sum(x) FROM (VALUES (1), (2)) _(x);
SELECT aggfnoid, aggkind, aggtransfn, aggfinalfn, aggtranstype::regtype, agginitval FROM pg_aggregate WHERE aggfnoid::text LIKE 'my_%' ORDER BY 1::text;
CREATE AGGREGATE my_sum2(int) (sfunc = int4pl, stype = int4, initcond = '100');
SELECT my_sum2(x) FROM (VALUES (1), (2)) _(x);
SELECT my_sum2(x) FROM (VALUES (1)) _(x) WHERE false;
CREATE AGGREGATE my_total(int) (sfunc = int4_sum, stype = bigint);
SELECT g % 2 AS k, my_total(g), my_sum(g) FROM generate_series(1, 10) g GROUP BY 1 ORDER BY 1;
CREATE FUNCTION concat_step(text, text) RETURNS text LANGUAGE sql AS $$ SELECT $1 || ',' || $2 $$;
CREATE FUNCTION wrap(text) RETURNS text LANGUAGE sql AS $$ SELECT '[' || $1 || ']' $$;
CREATE AGGREGATE joined(text) (sfunc = concat_step, stype = text, initcond = '', finalfunc = wrap);
SELECT joined(v) FROM (VALUES ('a'), ('b')) _(v);
SELECT joined(v ORDER BY v) FROM (VALUES ('b'), ('a')) _(v);
SELECT string_agg(v, ',' ORDER BY v) FROM (VALUES ('b'), ('a'), ('c')) _(v);
SELECT string_agg(v, ',' ORDER BY v DESC) FROM (VALUES ('b'), ('a'), ('c')) _(v);
SELECT array_agg(x ORDER BY x NULLS FIRST) FROM (VALUES (2), (NULL), (1)) _(x);
SELECT k, array_agg(x ORDER BY x DESC), string_agg(x::text, '' ORDER BY x) FILTER (WHERE x > 2)
  FROM (VALUES (1, 2), (1, 5), (2, 3), (1, 4)) _(k, x) GROUP BY k ORDER BY k;
SELECT lower('A' ORDER BY 1);
\echo :LAST_ERROR_SQLSTATE
CREATE AGGREGATE bad1(int) (sfunc = int4pl);
\echo :LAST_ERROR_SQLSTATE
CREATE AGGREGATE bad2(int) (sfunc = nosuch, stype = int4);
\echo :LAST_ERROR_SQLSTATE
CREATE AGGREGATE bad3(int) (sfunc = int4pl, stype = int4, initcond = 'x');
\echo :LAST_ERROR_SQLSTATE
CREATE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int4);
\echo :LAST_ERROR_SQLSTATE
DROP FUNCTION my_sum(int);
\echo :LAST_ERROR_SQLSTATE
DROP AGGREGATE wrap(text);
\echo :LAST_ERROR_SQLSTATE
DROP AGGREGATE nosuch(int);
\echo :LAST_ERROR_SQLSTATE
DROP AGGREGATE IF EXISTS nosuch(int);
SELECT proname, prokind, prorettype::regtype FROM pg_proc WHERE proname IN ('my_sum', 'joined') ORDER BY 1;
CREATE ROLE regress_agg_user;
REVOKE ALL ON FUNCTION my_sum(int) FROM PUBLIC;
SELECT has_function_privilege('regress_agg_user', 'my_sum(int)', 'EXECUTE');
SET ROLE regress_agg_user;
SELECT my_sum(x) FROM (VALUES (1)) _(x);
\echo :LAST_ERROR_SQLSTATE
DROP AGGREGATE my_sum(int);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION my_sum(int) TO regress_agg_user;
SET ROLE regress_agg_user;
SELECT my_sum(x) FROM (VALUES (5)) _(x);
RESET ROLE;
ALTER AGGREGATE my_sum2(int) RENAME TO my_sum3;
ALTER AGGREGATE my_sum3(int) OWNER TO regress_agg_user;
SELECT proname, proowner::regrole FROM pg_proc WHERE proname LIKE 'my_sum%' ORDER BY 1;
DROP AGGREGATE my_sum(int), my_sum3(int);
DROP AGGREGATE joined(text);
DROP AGGREGATE my_total(int);
DROP FUNCTION concat_step(text, text);
DROP FUNCTION wrap(text);
DROP ROLE regress_agg_user;
