-- 122_role_database_settings: ALTER ROLE … IN DATABASE … SET/RESET (applied
-- at login over the role's own defaults), pg_db_role_setting rows, and who may change them.
CREATE ROLE regress_rdb LOGIN;
CREATE ROLE regress_rdb_other LOGIN;
ALTER ROLE regress_rdb SET work_mem TO '2MB';
ALTER ROLE regress_rdb SET lock_timeout TO '3s';
ALTER ROLE regress_rdb IN DATABASE :"DBNAME" SET work_mem TO '5MB';
ALTER ROLE regress_rdb IN DATABASE :"DBNAME" SET statement_timeout TO '9s';
ALTER ROLE regress_rdb IN DATABASE :"DBNAME" SET statement_timeout TO 'soon';
ALTER ROLE regress_rdb IN DATABASE regress_no_such_db SET work_mem TO '1MB';
\echo :LAST_ERROR_SQLSTATE
SELECT s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AS this_db,
       r.rolname, s.setconfig
  FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
 WHERE r.rolname LIKE 'regress_rdb%' ORDER BY 1, 2;
SET SESSION AUTHORIZATION regress_rdb_other;
ALTER ROLE regress_rdb IN DATABASE :"DBNAME" SET work_mem TO '6MB';
\echo :LAST_ERROR_SQLSTATE
RESET SESSION AUTHORIZATION;
\c - regress_rdb
SELECT current_setting('work_mem') AS work_mem, current_setting('lock_timeout') AS lock_timeout,
       current_setting('statement_timeout') AS statement_timeout;
\c - postgres
ALTER ROLE regress_rdb IN DATABASE :"DBNAME" RESET work_mem;
ALTER ROLE regress_rdb IN DATABASE :"DBNAME" RESET ALL;
SELECT r.rolname, s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
 WHERE r.rolname LIKE 'regress_rdb%' ORDER BY 1;
DROP ROLE regress_rdb, regress_rdb_other;
SELECT count(*) FROM pg_db_role_setting s WHERE NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = s.setrole) AND s.setrole <> 0;
