-- information_schema grant views: table_privileges, role_table_grants, column_privileges,
-- including what a non-owner may see.
CREATE ROLE i_owner LOGIN;
CREATE ROLE i_reader LOGIN;
CREATE ROLE i_other LOGIN;
CREATE TABLE i_t (id int, secret text, note text);
ALTER TABLE i_t OWNER TO i_owner;
CREATE TABLE i_untouched (x int);
ALTER TABLE i_untouched OWNER TO i_owner;
SET ROLE i_owner;
GRANT SELECT ON i_t TO i_reader WITH GRANT OPTION;
GRANT UPDATE (note) ON i_t TO i_reader;
GRANT INSERT ON i_t TO PUBLIC;
RESET ROLE;
SELECT grantor, grantee, table_schema, table_name, privilege_type, is_grantable, with_hierarchy, table_catalog = current_database() AS here
  FROM information_schema.table_privileges WHERE table_name LIKE 'i\_%' ORDER BY table_name, grantee, privilege_type;
SELECT grantor, grantee, table_name, column_name, privilege_type, is_grantable
  FROM information_schema.column_privileges WHERE table_name = 'i_t' ORDER BY grantee, column_name, privilege_type;
SET ROLE i_reader;
SELECT grantor, grantee, table_name, privilege_type, is_grantable FROM information_schema.table_privileges WHERE table_name LIKE 'i\_%' ORDER BY 2, 3, 4;
SELECT grantor, grantee, table_name, privilege_type FROM information_schema.role_table_grants WHERE table_name LIKE 'i\_%' ORDER BY 2, 3, 4;
SELECT grantee, column_name, privilege_type FROM information_schema.column_privileges WHERE table_name = 'i_t' ORDER BY 1, 2, 3;
SET ROLE i_other;
SELECT grantor, grantee, table_name, privilege_type FROM information_schema.table_privileges WHERE table_name LIKE 'i\_%' ORDER BY 2, 3, 4;
SELECT count(*) FROM information_schema.role_table_grants WHERE table_name LIKE 'i\_%';
RESET ROLE;
SELECT * FROM information_schema.no_such_view;
DROP TABLE i_t;
DROP TABLE i_untouched;
DROP ROLE i_owner;
DROP ROLE i_reader;
DROP ROLE i_other;
-- More introspection: role_column_grants, usage_privileges (sequences), applicable_roles,
-- enabled_roles, has_any_column_privilege, seen by a non-superuser.
CREATE ROLE i2_owner LOGIN;
CREATE ROLE i2_group NOLOGIN;
CREATE ROLE i2_member LOGIN IN ROLE i2_group;
CREATE ROLE i2_admin LOGIN;
GRANT i2_group TO i2_admin WITH ADMIN OPTION;
CREATE TABLE i2_t (a int, b text);
ALTER TABLE i2_t OWNER TO i2_owner;
GRANT CREATE ON SCHEMA public TO i2_owner;
SET ROLE i2_owner;
CREATE SEQUENCE i2_q;
GRANT UPDATE (b) ON i2_t TO i2_group;
GRANT USAGE ON SEQUENCE i2_q TO i2_group WITH GRANT OPTION;
GRANT USAGE ON SEQUENCE i2_q TO PUBLIC;
RESET ROLE;
SET ROLE i2_member;
SELECT grantor, grantee, table_name, column_name, privilege_type, is_grantable FROM information_schema.role_column_grants WHERE table_name = 'i2_t' ORDER BY 2, 4, 5;
SELECT grantor, grantee, object_name, object_type, privilege_type, is_grantable FROM information_schema.usage_privileges WHERE object_name = 'i2_q' ORDER BY 2;
SELECT grantor, grantee, object_name FROM information_schema.role_usage_grants WHERE object_name = 'i2_q' ORDER BY 2;
SELECT * FROM information_schema.applicable_roles ORDER BY 1, 2;
SELECT * FROM information_schema.enabled_roles ORDER BY 1;
SELECT has_any_column_privilege('i2_t', 'UPDATE') AS upd, has_any_column_privilege('i2_t', 'SELECT') AS sel,
       has_any_column_privilege('i2_owner', 'i2_t', 'SELECT') AS owner_sel;
RESET ROLE;
SET ROLE i2_admin;
SELECT * FROM information_schema.applicable_roles ORDER BY 1, 2;
RESET ROLE;
SELECT has_any_column_privilege('i2_member', 'i2_t', 'INSERT') AS ins, has_any_column_privilege('i2_member', 'nosuch', 'SELECT');
DROP TABLE i2_t;
DROP SEQUENCE i2_q;
REVOKE CREATE ON SCHEMA public FROM i2_owner;
DROP ROLE i2_member;
DROP ROLE i2_admin;
DROP ROLE i2_group;
DROP ROLE i2_owner;
