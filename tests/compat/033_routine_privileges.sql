-- information_schema.routine_privileges and role_routine_grants.
CREATE ROLE rp_user;
CREATE ROLE rp_other;
CREATE FUNCTION rp_pub() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION rp_priv() RETURNS int LANGUAGE sql AS 'SELECT 2';
REVOKE EXECUTE ON FUNCTION rp_priv() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rp_priv() TO rp_user WITH GRANT OPTION;
SELECT grantor, grantee, routine_schema, routine_name, privilege_type, is_grantable,
       specific_name LIKE routine_name || '\_%' AS specific_ok
FROM information_schema.routine_privileges WHERE routine_schema = 'public' AND routine_name LIKE 'rp\_%' ORDER BY routine_name, grantee;
SET ROLE rp_user;
SELECT grantor, grantee, routine_name, is_grantable FROM information_schema.role_routine_grants
WHERE routine_schema = 'public' AND routine_name LIKE 'rp\_%' ORDER BY routine_name, grantee;
SET ROLE rp_other;
SELECT grantor, grantee, routine_name FROM information_schema.routine_privileges
WHERE routine_schema = 'public' AND routine_name LIKE 'rp\_%' ORDER BY routine_name, grantee;
RESET ROLE;
DROP FUNCTION rp_pub(), rp_priv();
DROP ROLE rp_user, rp_other;
