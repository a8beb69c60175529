-- pg_depend and pg_shdepend rows for policies, owners and ACL roles.
CREATE ROLE r068a;
CREATE ROLE r068b;
CREATE TABLE dep1 (c1 int);
CREATE TABLE dep2 (c1 int);
CREATE POLICY dep_p1 ON dep1 TO r068a USING (c1 > (SELECT max(dep2.c1) FROM dep2));
ALTER POLICY dep_p1 ON dep1 TO r068a, r068b;
SELECT count(*) = 1 FROM pg_depend
  WHERE objid = (SELECT oid FROM pg_policy WHERE polname = 'dep_p1')
    AND refobjid = (SELECT oid FROM pg_class WHERE relname = 'dep2');
SELECT count(*) FROM pg_depend
  WHERE objid = (SELECT oid FROM pg_policy WHERE polname = 'dep_p1') AND deptype = 'a';
ALTER POLICY dep_p1 ON dep1 USING (true);
SELECT count(*) = 1 FROM pg_shdepend
  WHERE objid = (SELECT oid FROM pg_policy WHERE polname = 'dep_p1')
    AND refobjid = (SELECT oid FROM pg_authid WHERE rolname = 'r068a');
SELECT count(*) = 1 FROM pg_shdepend
  WHERE objid = (SELECT oid FROM pg_policy WHERE polname = 'dep_p1')
    AND refobjid = (SELECT oid FROM pg_authid WHERE rolname = 'r068b');
SELECT count(*) = 0 FROM pg_depend
  WHERE objid = (SELECT oid FROM pg_policy WHERE polname = 'dep_p1')
    AND refobjid = (SELECT oid FROM pg_class WHERE relname = 'dep2');
ALTER TABLE dep2 OWNER TO r068b;
GRANT SELECT ON dep1 TO r068a;
GRANT UPDATE (c1) ON dep1 TO r068b;
SELECT c.relname, a.rolname, d.deptype, d.objsubid
  FROM pg_shdepend d JOIN pg_class c ON c.oid = d.objid JOIN pg_authid a ON a.oid = d.refobjid
  WHERE d.classid = 'pg_class'::regclass AND c.relname IN ('dep1', 'dep2')
  ORDER BY 1, 2, 3, 4;
DROP TABLE dep1, dep2;
DROP ROLE r068a;
DROP ROLE r068b;
