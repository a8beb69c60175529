-- Routines that run utility statements; column-level GRANT ALL; has_sequence_privilege on a table.
CREATE ROLE ut_group;
CREATE ROLE ut_user;
CREATE FUNCTION add_member() RETURNS void LANGUAGE sql AS 'GRANT ut_group TO ut_user';
SELECT add_member();
SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE r.rolname = 'ut_group';
CREATE FUNCTION make_table(n text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TABLE %I (id int)', n);
  EXECUTE format('INSERT INTO %I VALUES (1), (2)', n);
  RETURN n;
END $$;
SELECT make_table('ut_made');
SELECT count(*) FROM ut_made;
CREATE TABLE ut_cols (a int, b text, c int);
GRANT ALL (a, b) ON ut_cols TO ut_user;
SELECT attname, attacl FROM pg_attribute WHERE attrelid = 'ut_cols'::regclass AND attnum > 0 ORDER BY attnum;
REVOKE ALL PRIVILEGES (a) ON ut_cols FROM ut_user;
SELECT attname, attacl FROM pg_attribute WHERE attrelid = 'ut_cols'::regclass AND attnum > 0 ORDER BY attnum;
SELECT has_sequence_privilege('ut_cols', 'USAGE');
SET row_security = off;
ALTER TABLE ut_cols ENABLE ROW LEVEL SECURITY;
ALTER TABLE ut_cols FORCE ROW LEVEL SECURITY;
SELECT * FROM ut_cols;
RESET row_security;
CREATE POLICY p ON ut_cols USING (count(*) > 0);
DROP TABLE ut_cols, ut_made;
DROP FUNCTION add_member(), make_table(text);
DROP ROLE ut_user, ut_group;
