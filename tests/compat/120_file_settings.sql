-- 120_file_settings: data_directory, config_file, hba_file, ident_file,
-- unix_socket_directories and the preload lists are readable only by
-- superusers and members of pg_read_all_settings (SHOW, current_setting,
-- pg_settings, SHOW ALL); none can be changed in a session.
CREATE ROLE regress_rs_haspriv;
CREATE ROLE regress_rs_nopriv;
GRANT pg_read_all_settings TO regress_rs_haspriv;
SELECT count(*) FROM pg_settings WHERE name IN ('data_directory', 'hba_file', 'config_file', 'ident_file', 'unix_socket_directories');
SELECT current_setting('hba_file') LIKE '%pg_hba.conf' AS hba, current_setting('data_directory') <> '' AS dd;
BEGIN;
SET LOCAL session_preload_libraries TO 'path-to-preload-libraries';
SET SESSION AUTHORIZATION regress_rs_haspriv;
SHOW session_preload_libraries;
SELECT count(*) FROM pg_settings WHERE name IN ('data_directory', 'hba_file', 'config_file', 'ident_file', 'unix_socket_directories');
SELECT current_setting('hba_file') LIKE '%pg_hba.conf' AS hba;
SET SESSION AUTHORIZATION regress_rs_nopriv;
SHOW session_preload_libraries;
ROLLBACK;
SET SESSION AUTHORIZATION regress_rs_nopriv;
SHOW hba_file;
SHOW data_directory;
SELECT current_setting('config_file');
SELECT current_setting('ident_file', true);
SELECT count(*) FROM pg_settings WHERE name IN ('data_directory', 'hba_file', 'config_file', 'ident_file', 'unix_socket_directories');
SET session_preload_libraries TO 'x';
SET data_directory TO '/tmp';
RESET SESSION AUTHORIZATION;
SET data_directory TO '/tmp';
SELECT name, context, vartype, category FROM pg_settings WHERE name IN ('data_directory', 'hba_file', 'config_file', 'ident_file', 'session_preload_libraries', 'shared_preload_libraries', 'unix_socket_directories') ORDER BY 1;
DROP ROLE regress_rs_haspriv, regress_rs_nopriv;
