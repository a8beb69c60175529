-- 121_set_role_names: SET ROLE and SET SESSION AUTHORIZATION take a name,
-- never a reserved keyword; 'none' in any spelling is SET ROLE NONE; RENAME
-- TO refuses keywords and reserved names at their position; ALTER POLICY
-- and ALTER GROUP read role specifiers; has_*_privilege('public', …) asks
-- what PUBLIC holds; CREATE ROLE's IN ROLE / ROLE / ADMIN lists take role
-- specifiers; COMMENT ON ROLE takes a name, never a keyword.
SET client_min_messages = error;
CREATE ROLE "current_user";
CREATE ROLE regress_x LOGIN;
RESET client_min_messages;
SET ROLE current_user;
SELECT current_user;
RESET ROLE;
SET ROLE "current_user";
SELECT current_user;
RESET ROLE;
SET ROLE none;
SELECT current_user;
SET ROLE 'none';
SELECT current_user;
SET ROLE "none";
SELECT current_user;
RESET ROLE;
SET SESSION AUTHORIZATION "current_user";
SELECT session_user, current_user;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION current_user;
SET SESSION AUTHORIZATION 'current_user';
SELECT session_user, current_user;
RESET SESSION AUTHORIZATION;
ALTER ROLE regress_x RENAME TO current_user;
ALTER ROLE regress_x RENAME TO "current_user";
ALTER ROLE regress_x RENAME TO public;
ALTER ROLE regress_x RENAME TO none;
CREATE TABLE rs2 (a int);
CREATE FUNCTION rs2_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE POLICY p ON rs2 TO regress_x USING (true);
ALTER POLICY p ON rs2 TO "current_user", SESSION_USER;
SELECT roles FROM pg_policies WHERE tablename = 'rs2';
ALTER POLICY p ON rs2 TO public;
SELECT roles FROM pg_policies WHERE tablename = 'rs2';
ALTER POLICY p ON rs2 TO none;
ALTER GROUP "current_user" ADD USER regress_x;
ALTER GROUP "current_user" ADD USER current_user;
SELECT r.rolname, m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = 'current_user' ORDER BY 2;
ALTER GROUP "current_user" DROP USER regress_x, current_user;
SELECT has_table_privilege('current_user', 'rs2', 'SELECT'), has_table_privilege('public', 'rs2', 'SELECT');
GRANT SELECT ON rs2 TO PUBLIC;
GRANT INSERT ON rs2 TO regress_x;
SELECT has_table_privilege('public', 'rs2', 'SELECT'), has_table_privilege('public', 'rs2', 'INSERT'),
       has_table_privilege('regress_x', 'rs2', 'INSERT'), has_table_privilege('public', 'rs2', 'UPDATE');
SELECT has_column_privilege('public', 'rs2', 'a', 'SELECT'), has_schema_privilege('public', 'public', 'USAGE'),
       has_database_privilege('public', current_database(), 'CONNECT'), has_function_privilege('public', 'rs2_f()', 'EXECUTE');
SELECT has_table_privilege('Public', 'rs2', 'SELECT');
SELECT pg_has_role('current_user', 'MEMBER');
SELECT pg_has_role('current_user', 'current_user', 'MEMBER');
DROP TABLE rs2;
DROP FUNCTION rs2_f();
DROP ROLE "current_user", regress_x;
SET client_min_messages = error;
CREATE ROLE "current_user";
RESET client_min_messages;
CREATE ROLE regress_r1 IN ROLE "current_user";
CREATE ROLE regress_r2 IN ROLE CURRENT_USER;
CREATE ROLE regress_r3 ROLE "current_user";
CREATE ROLE regress_r4 ADMIN CURRENT_USER;
CREATE ROLE regress_r5 IN GROUP "current_user", PUBLIC;
CREATE ROLE regress_r5 IN ROLE none;
SELECT r.rolname AS role, m.rolname AS member, a.admin_option FROM pg_auth_members a
  JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
 WHERE r.rolname LIKE 'regress_r%' OR m.rolname LIKE 'regress_r%' OR r.rolname = 'current_user' ORDER BY 1, 2;
COMMENT ON ROLE "current_user" IS 'quoted';
COMMENT ON ROLE CURRENT_USER IS 'keyword';
SELECT r.rolname, d.description FROM pg_shdescription d JOIN pg_roles r ON r.oid = d.objoid WHERE d.classoid = 'pg_authid'::regclass AND r.rolname IN ('current_user', 'postgres') ORDER BY 1;
COMMENT ON ROLE CURRENT_USER IS NULL;
COMMENT ON ROLE "current_user" IS NULL;
DROP ROLE regress_r1, regress_r2, regress_r3, regress_r4, "current_user";
