-- CREATE ROLE / USER / GROUP accept the obsolete SYSID clause with
-- PostgreSQL's NOTICE, and ignore it.
CREATE ROLE noise_r SYSID 12345;
CREATE USER noise_u SYSID 7 NOSUPERUSER;
CREATE GROUP noise_g WITH SYSID 99;
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'noise\_%' ORDER BY 1;
DROP ROLE noise_r, noise_u, noise_g;
