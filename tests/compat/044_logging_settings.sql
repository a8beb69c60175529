-- Logging and connection settings: who may change what the server logs
-- about everyone (superuser-context settings), PostgreSQL's enum errors,
-- and the defaults SHOW reports; pg_hba_file_rules and pg_reload_conf()
-- are superuser-only.
CREATE ROLE log_nobody LOGIN;
SET ROLE log_nobody;
SET log_statement = 'all';
SET log_min_error_statement = 'panic';
SELECT * FROM pg_hba_file_rules;
SELECT pg_reload_conf();
RESET ROLE;
SET log_statement = 'bogus';
SET log_min_error_statement = 'sometimes';
SET log_statement = 'DDL';
SHOW log_statement;
SET log_statement = mod;
SHOW log_statement;
RESET log_statement;
SHOW log_statement;
SHOW log_min_error_statement;
SHOW superuser_reserved_connections;
SET superuser_reserved_connections = 5;
SET log_connections = on;
SELECT pg_reload_conf();
SELECT count(*) > 0 AS has_rules, count(*) FILTER (WHERE error IS NOT NULL) AS errors
  FROM pg_hba_file_rules;
DROP ROLE log_nobody;
