-- has_table_privilege / has_column_privilege on system catalogs and views.
CREATE ROLE r067;
SELECT has_table_privilege('pg_authid', 'select') AS su_authid,
       has_table_privilege('pg_class', 'insert') AS su_class_insert;
SELECT has_table_privilege('r067', 'pg_authid', 'select') AS authid,
       has_table_privilege('r067', 'pg_class', 'select') AS class,
       has_table_privilege('r067', 'pg_class', 'insert') AS class_insert,
       has_table_privilege('r067', 'pg_catalog.pg_roles', 'select') AS roles,
       has_table_privilege('r067', 'pg_class', 'select with grant option') AS class_grant,
       has_table_privilege('r067', 'pg_class'::regclass, 'select') AS by_oid,
       has_table_privilege('r067', 'information_schema.tables', 'select') AS info;
SELECT has_column_privilege('r067', 'pg_class', 'relname', 'select') AS col,
       has_column_privilege('r067', 'pg_authid', 'rolpassword', 'select') AS secret;
SELECT has_column_privilege('r067', 'pg_class', 'nosuchcol', 'select');
SELECT has_table_privilege('r067', 'pg_class', 'sel');
SELECT has_table_privilege('r067', 'pg_nosuch', 'select');
DROP ROLE r067;
