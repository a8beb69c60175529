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
