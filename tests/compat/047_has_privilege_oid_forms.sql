-- has_*_privilege with roles, tables and columns given by OID (or column
-- number): an unknown role OID holds no privileges, an unknown table OID or
-- column number gives NULL, and the OID forms agree with the name forms.
CREATE ROLE hp_reader;
CREATE TABLE hp_t (a int, b int, c int);
GRANT SELECT (b) ON hp_t TO hp_reader;
GRANT INSERT ON hp_t TO hp_reader;
SELECT has_table_privilege(r.oid, 'hp_t', 'insert') AS by_role_oid,
       has_table_privilege(r.oid, c.oid, 'insert') AS both_oids,
       has_table_privilege('hp_reader', c.oid, 'select') AS table_select,
       has_any_column_privilege(r.oid, c.oid, 'select') AS any_col
  FROM pg_roles r, pg_class c WHERE r.rolname = 'hp_reader' AND c.relname = 'hp_t';
SELECT has_table_privilege(-999999, 'hp_t', 'update') AS unknown_role;
SELECT has_table_privilege(999999::oid, 'select') IS NULL AS unknown_table;
SELECT has_table_privilege('hp_reader', 999999::oid, 'select') IS NULL AS unknown_table2;
SELECT has_column_privilege('hp_reader', 'hp_t', 2::int2, 'select') AS col2,
       has_column_privilege('hp_reader', 'hp_t', 1::int2, 'select') AS col1,
       has_column_privilege('hp_reader', 'hp_t', 99::int2, 'select') IS NULL AS col99;
SELECT has_column_privilege(r.oid, c.oid, 'b', 'select') AS oid_name,
       has_column_privilege(r.oid, c.oid, 3::int2, 'select') AS oid_num
  FROM pg_roles r, pg_class c WHERE r.rolname = 'hp_reader' AND c.relname = 'hp_t';
SELECT has_schema_privilege(r.oid, 'public', 'usage') AS schema_usage
  FROM pg_roles r WHERE r.rolname = 'hp_reader';
DROP TABLE hp_t;
DROP ROLE hp_reader;
