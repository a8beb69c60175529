-- pg_extension lists the built-in PL/pgSQL language as initdb installs it;
-- \dx and \dx+ style queries, its comment through pg_description and
-- obj_description, and a missing extension pattern.
\dx
\dx plpgsql
\dx nothing_here
SELECT extname, extowner::regrole, extnamespace::regnamespace, extrelocatable, extversion, extconfig, extcondition
  FROM pg_catalog.pg_extension;
SELECT d.description FROM pg_catalog.pg_description d
 WHERE d.classoid = 'pg_catalog.pg_extension'::regclass;
SELECT obj_description(e.oid, 'pg_extension') FROM pg_catalog.pg_extension e;
SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = 'pgcrypto';
