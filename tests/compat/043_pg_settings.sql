-- pg_settings: PostgreSQL 15's metadata for the built-in settings, the
-- session's current values in the setting's unit, and source/reset_val
-- after SET, SET LOCAL and RESET.
SELECT name, setting, unit, category, short_desc, extra_desc, context, vartype,
       min_val, max_val, enumvals
  FROM pg_settings
 WHERE name IN ('work_mem', 'statement_timeout', 'lock_timeout', 'search_path',
                'row_security', 'bytea_output', 'DateStyle', 'IntervalStyle',
                'default_transaction_isolation', 'password_encryption',
                'server_encoding', 'max_identifier_length', 'extra_float_digits')
 ORDER BY name;
SELECT name, setting, source, boot_val, reset_val FROM pg_settings
 WHERE name IN ('work_mem', 'statement_timeout', 'row_security', 'search_path')
 ORDER BY name;
SET work_mem = '64MB';
SET statement_timeout = '5s';
SET row_security = off;
SELECT name, setting, source, boot_val, reset_val FROM pg_settings
 WHERE name IN ('work_mem', 'statement_timeout', 'row_security', 'search_path')
 ORDER BY name;
BEGIN;
SET LOCAL lock_timeout = '2min';
SELECT setting, source FROM pg_settings WHERE name = 'lock_timeout';
COMMIT;
SELECT setting, source FROM pg_settings WHERE name = 'lock_timeout';
RESET work_mem;
RESET statement_timeout;
SELECT name, setting, source FROM pg_settings
 WHERE name IN ('work_mem', 'statement_timeout') ORDER BY name;
SELECT count(*) FROM pg_settings WHERE name IN ('role', 'is_superuser', 'session_authorization');
SELECT current_setting('work_mem') = (SELECT setting || unit FROM pg_settings WHERE name = 'work_mem') AS same;
