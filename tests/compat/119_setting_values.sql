-- 119_setting_values: SET checks a value against the setting's type as PostgreSQL
-- does (Boolean, enum, integer with unit suffixes and bounds) and SHOW
-- prints an integer with a unit in the largest unit that divides it.
set statement_timeout='lots';
set statement_timeout='5 s';
set statement_timeout='5xs';
set statement_timeout='-5';
set statement_timeout='1.5min';
show statement_timeout;
set work_mem='lots';
set work_mem='1kB';
set work_mem='64kB';
set work_mem='4MB';
set work_mem='4mb';
set lock_timeout = '1e3';
set extra_float_digits='x';
set extra_float_digits=10;
set extra_float_digits=-15;
set client_min_messages='loud';
set client_min_messages='WARNING';
set constraint_exclusion = true;
set check_function_bodies = 'maybe';
set bytea_output = 'base64';
set default_statistics_target = 0;

SET work_mem = 8192;
SHOW work_mem;
SET lock_timeout = '2h';
SHOW lock_timeout;
SET lock_timeout = '7200001';
SHOW lock_timeout;
RESET lock_timeout;
RESET work_mem;
