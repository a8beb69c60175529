-- Routine catalogs: pg_proc, \df, has_function_privilege, pg_get_function_*.
CREATE ROLE df_user;
CREATE FUNCTION add1(i integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS 'SELECT i + 1';
CREATE FUNCTION greet(who text, greeting text DEFAULT 'hello') RETURNS text LANGUAGE sql AS $$ SELECT greeting || who $$;
CREATE FUNCTION noop() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN END $$;
CREATE PROCEDURE do_nothing(a int) LANGUAGE sql AS $$ SELECT 1 $$;
CREATE SCHEMA hidden;
CREATE FUNCTION hidden.secret() RETURNS int LANGUAGE sql AS 'SELECT 7';
REVOKE ALL ON FUNCTION hidden.secret() FROM PUBLIC;
\df
\df hidden.*
SELECT proname, prokind, prosecdef, proisstrict, provolatile, pronargs, pronargdefaults,
       format_type(prorettype, NULL) AS rettype, proretset, proargnames, prosrc
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('public', 'hidden') ORDER BY proname;
SELECT proname, proacl FROM pg_proc WHERE proname IN ('secret', 'add1') ORDER BY 1;
SELECT l.lanname, p.proname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.proname IN ('add1', 'noop') ORDER BY 2;
SELECT has_function_privilege('df_user', 'add1(integer)', 'EXECUTE'),
       has_function_privilege('df_user', 'hidden.secret()', 'execute'),
       has_function_privilege('hidden.secret()', 'EXECUTE');
SELECT has_function_privilege('df_user', 'nosuch(int)', 'EXECUTE');
SELECT has_function_privilege('df_user', 'add1(integer)', 'SELECT');
GRANT EXECUTE ON FUNCTION hidden.secret() TO df_user;
SELECT has_function_privilege('df_user', 'hidden.secret()', 'EXECUTE');
SELECT pg_get_function_arguments(oid), pg_get_function_identity_arguments(oid), pg_get_function_result(oid)
FROM pg_proc WHERE proname = 'greet';
SELECT pg_function_is_visible(oid) FROM pg_proc WHERE proname IN ('add1', 'secret') ORDER BY proname;
DROP FUNCTION hidden.secret();
DROP SCHEMA hidden;
DROP ROLE df_user;
-- clean up (the compat runner shares one server between scripts)
DROP FUNCTION add1(integer), greet(text, text), noop();
DROP PROCEDURE do_nothing(int);
