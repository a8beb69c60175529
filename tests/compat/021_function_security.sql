-- Function security: EXECUTE privilege, SECURITY DEFINER, LEAKPROOF, ownership.
CREATE ROLE fn_owner LOGIN;
CREATE ROLE fn_user LOGIN;
CREATE ROLE fn_other LOGIN;
CREATE TABLE secrets (id int, owner_name text, payload text);
INSERT INTO secrets VALUES (1, 'fn_owner', 'owner row'), (2, 'fn_user', 'user row'), (3, 'nobody', 'hidden row');
ALTER TABLE secrets OWNER TO fn_owner;
ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON secrets USING (owner_name = current_user);
GRANT SELECT ON secrets TO fn_user;
GRANT CREATE ON SCHEMA public TO fn_owner;
SET ROLE fn_owner;
CREATE FUNCTION whoami() RETURNS text LANGUAGE sql AS $$ SELECT current_user || '/' || session_user $$;
CREATE FUNCTION whoami_definer() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT current_user || '/' || session_user $$;
CREATE FUNCTION visible_payloads() RETURNS text LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE r record; acc text := '';
BEGIN
  FOR r IN SELECT payload FROM secrets ORDER BY id LOOP acc := acc || r.payload || ';'; END LOOP;
  RETURN acc;
END $$;
CREATE FUNCTION invoker_payloads() RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; acc text := '';
BEGIN
  FOR r IN SELECT payload FROM secrets ORDER BY id LOOP acc := acc || r.payload || ';'; END LOOP;
  RETURN acc;
END $$;
CREATE FUNCTION private_fn() RETURNS int LANGUAGE sql AS 'SELECT 42';
REVOKE EXECUTE ON FUNCTION private_fn() FROM PUBLIC;
CREATE FUNCTION leaky(text) RETURNS boolean LANGUAGE sql LEAKPROOF AS 'SELECT true';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE fn_user;
SELECT whoami(), whoami_definer();
SELECT visible_payloads();
SELECT invoker_payloads();
SELECT private_fn();
\echo :LAST_ERROR_SQLSTATE
SELECT 1 WHERE private_fn() > 0;
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION user_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
\echo :LAST_ERROR_SQLSTATE
ALTER FUNCTION whoami() OWNER TO fn_user;
\echo :LAST_ERROR_SQLSTATE
ALTER FUNCTION whoami() SECURITY DEFINER;
\echo :LAST_ERROR_SQLSTATE
DROP FUNCTION whoami();
\echo :LAST_ERROR_SQLSTATE
CREATE OR REPLACE FUNCTION whoami() RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$;
\echo :LAST_ERROR_SQLSTATE
GRANT EXECUTE ON FUNCTION private_fn() TO fn_user;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION private_fn() TO fn_user;
SET ROLE fn_user;
SELECT private_fn();
RESET ROLE;
REVOKE EXECUTE ON FUNCTION private_fn() FROM fn_user;
SET ROLE fn_other;
SELECT private_fn();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION private_fn() TO fn_user WITH GRANT OPTION;
SET ROLE fn_user;
GRANT EXECUTE ON FUNCTION private_fn() TO fn_other;
SET ROLE fn_other;
SELECT private_fn();
RESET ROLE;
CREATE FUNCTION leaky2(text) RETURNS boolean LANGUAGE sql LEAKPROOF AS 'SELECT true';
SET ROLE fn_owner;
ALTER FUNCTION leaky2(text) NOT LEAKPROOF;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
ALTER FUNCTION leaky2(text) OWNER TO fn_owner;
SET ROLE fn_owner;
ALTER FUNCTION leaky2(text) LEAKPROOF;
\echo :LAST_ERROR_SQLSTATE
ALTER FUNCTION leaky2(text) NOT LEAKPROOF;
RESET ROLE;
-- SET search_path on a function pins name lookup
CREATE SCHEMA app;
CREATE TABLE app.config (k text, v text);
INSERT INTO app.config VALUES ('mode', 'pinned');
CREATE FUNCTION read_mode() RETURNS text LANGUAGE plpgsql SET search_path = app AS $$
DECLARE m text;
BEGIN
  SELECT v INTO m FROM config WHERE k = 'mode';
  RETURN m || ' ' || current_setting('search_path');
END $$;
SELECT read_mode(), current_setting('search_path');
-- session_user and current_user inside a DEFINER function called by a superuser
SELECT whoami_definer();
-- DROP ROLE with owned functions
DROP ROLE fn_owner;
\echo :LAST_ERROR_SQLSTATE
DROP OWNED BY fn_owner;
DROP ROLE fn_owner;
DROP OWNED BY fn_user, fn_other;
DROP ROLE fn_user;
DROP ROLE fn_other;
-- clean up (the compat runner shares one server between scripts)
DROP FUNCTION read_mode();
DROP TABLE app.config;
DROP SCHEMA app;
\df
\dt
