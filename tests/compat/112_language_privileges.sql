--
-- 112_language_privileges: GRANT/REVOKE USAGE ON LANGUAGE (trusted languages
-- only; unknown language, wrong privilege, grant without the right: warning);
-- pg_language.lanacl; creating a SQL or PL/pgSQL function and running DO
-- need USAGE on the language (after CREATE on the schema), calling a
-- function does not: the role without USAGE is refused.
--
CREATE ROLE regress_lang_a;
CREATE ROLE regress_lang_b;
GRANT CREATE ON SCHEMA public TO regress_lang_a, regress_lang_b;
SELECT lanname, lanacl FROM pg_language ORDER BY 1;
REVOKE ALL PRIVILEGES ON LANGUAGE sql FROM PUBLIC;
GRANT USAGE ON LANGUAGE sql TO regress_lang_a; -- ok
GRANT USAGE ON LANGUAGE c TO PUBLIC; -- fail
\echo :LAST_ERROR_SQLSTATE
GRANT USAGE ON LANGUAGE nosuch TO PUBLIC; -- fail
\echo :LAST_ERROR_SQLSTATE
GRANT SELECT ON LANGUAGE sql TO PUBLIC; -- fail
\echo :LAST_ERROR_SQLSTATE
SELECT lanname, lanacl FROM pg_language WHERE lanname = 'sql';
SET SESSION AUTHORIZATION regress_lang_a;
GRANT USAGE ON LANGUAGE sql TO regress_lang_b; -- warning
CREATE FUNCTION regress_lang_f1(int) RETURNS int AS 'select 2 * $1;' LANGUAGE sql; -- ok
SET SESSION AUTHORIZATION regress_lang_b;
CREATE FUNCTION regress_lang_f2(int) RETURNS int AS 'select 3 * $1;' LANGUAGE sql; -- fail
\echo :LAST_ERROR_SQLSTATE
SELECT regress_lang_f1(4); -- ok: calling needs only EXECUTE
RESET SESSION AUTHORIZATION;
REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC;
SET SESSION AUTHORIZATION regress_lang_b;
DO $$ BEGIN RAISE NOTICE 'hi'; END $$; -- fail
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION regress_lang_f3() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$; -- fail
\echo :LAST_ERROR_SQLSTATE
RESET SESSION AUTHORIZATION;
GRANT USAGE ON LANGUAGE plpgsql, sql TO regress_lang_b;
SELECT lanname, lanacl FROM pg_language WHERE lanpltrusted ORDER BY 1;
SET SESSION AUTHORIZATION regress_lang_b;
DO $$ BEGIN RAISE NOTICE 'hi'; END $$; -- ok
RESET SESSION AUTHORIZATION;
GRANT ALL ON LANGUAGE sql, plpgsql TO PUBLIC;
REVOKE USAGE ON LANGUAGE sql, plpgsql FROM regress_lang_a, regress_lang_b;
SELECT lanname, lanacl FROM pg_language WHERE lanpltrusted ORDER BY 1;
DROP FUNCTION regress_lang_f1(int);
REVOKE CREATE ON SCHEMA public FROM regress_lang_a, regress_lang_b;
DROP ROLE regress_lang_a, regress_lang_b;
