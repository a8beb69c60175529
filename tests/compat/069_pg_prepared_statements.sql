-- pg_prepared_statements lists the session's SQL prepared statements;
-- arrays of reg* types print their names.
PREPARE q1 (int, text) AS SELECT $1, $2;
PREPARE q2 AS SELECT 1;
PREPARE q3 AS SELECT relname FROM pg_class WHERE oid = $1;
SELECT name, statement, parameter_types, from_sql, prepare_time <= now() AS earlier
  FROM pg_prepared_statements ORDER BY name;
DEALLOCATE q2;
SELECT name FROM pg_prepared_statements ORDER BY name;
DEALLOCATE ALL;
SELECT count(*) FROM pg_prepared_statements;
SELECT ARRAY['int4'::regtype, 'text'::regtype] AS types, '{}'::regtype[] AS none,
       ARRAY['pg_class'::regclass] AS classes, pg_typeof(ARRAY['int4'::regtype]);
