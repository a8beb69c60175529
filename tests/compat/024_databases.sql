-- Databases: CREATE/DROP/ALTER DATABASE, privileges, connecting.
CREATE ROLE db_maker CREATEDB LOGIN;
CREATE ROLE db_plain LOGIN;
CREATE DATABASE db_one;
CREATE DATABASE db_one;
\echo :LAST_ERROR_SQLSTATE
CREATE DATABASE db_two OWNER db_maker TEMPLATE template0 ENCODING 'UTF8';
CREATE DATABASE db_bad TEMPLATE nosuch_template;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CREATE DATABASE db_in_txn;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT datname, pg_get_userbyid(datdba) AS owner, datistemplate, datallowconn, datconnlimit
FROM pg_database WHERE datname LIKE 'db\_%' ORDER BY 1;
SET ROLE db_plain;
CREATE DATABASE db_denied;
\echo :LAST_ERROR_SQLSTATE
DROP DATABASE db_two;
\echo :LAST_ERROR_SQLSTATE
ALTER DATABASE db_two SET work_mem = '8MB';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE db_maker;
CREATE DATABASE db_three;
ALTER DATABASE db_two SET work_mem = '8MB';
ALTER DATABASE db_two RENAME TO db_two_renamed;
RESET ROLE;
SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname LIKE 'db\_%' ORDER BY 1;
GRANT CONNECT ON DATABASE db_one TO db_plain;
REVOKE CONNECT ON DATABASE db_one FROM PUBLIC;
GRANT CREATE ON DATABASE nosuch_db TO db_plain;
\echo :LAST_ERROR_SQLSTATE
SELECT datname, datacl FROM pg_database WHERE datname = 'db_one';
SELECT has_database_privilege('db_plain', 'db_one', 'CONNECT'),
       has_database_privilege('db_maker', 'db_one', 'CONNECT'),
       has_database_privilege('db_maker', 'db_three', 'CREATE'),
       has_database_privilege('db_plain', 'db_three', 'CREATE');
ALTER DATABASE db_one OWNER TO db_maker;
ALTER DATABASE db_one WITH CONNECTION LIMIT 5 ALLOW_CONNECTIONS false;
SELECT datname, pg_get_userbyid(datdba) AS owner, datallowconn, datconnlimit FROM pg_database WHERE datname = 'db_one';
DROP ROLE db_maker;
\echo :LAST_ERROR_SQLSTATE
DROP DATABASE nosuch_db;
\echo :LAST_ERROR_SQLSTATE
DROP DATABASE IF EXISTS nosuch_db;
DROP DATABASE template1;
\echo :LAST_ERROR_SQLSTATE
DROP DATABASE db_one;
DROP DATABASE db_two_renamed;
DROP DATABASE db_three;
SELECT count(*) FROM pg_database WHERE datname LIKE 'db\_%';
DROP ROLE db_maker;
DROP ROLE db_plain;
