--
-- 011_privileges: GRANT/REVOKE on tables, columns, schemas and sequences,
-- enforced for the wrong role; grant options, CASCADE, PUBLIC, views.
--
CREATE ROLE regress_priv_owner LOGIN;
CREATE ROLE regress_priv_reader LOGIN;
CREATE ROLE regress_priv_other LOGIN;
CREATE ROLE regress_priv_group;
GRANT regress_priv_group TO regress_priv_other;
CREATE SCHEMA regress_s AUTHORIZATION regress_priv_owner;
SET ROLE regress_priv_owner;
CREATE TABLE regress_s.acct (id int PRIMARY KEY, owner_name text, balance int, secret text);
INSERT INTO regress_s.acct VALUES (1, 'ann', 100, 'x'), (2, 'bob', 50, 'y');
CREATE SEQUENCE regress_s.seq;
CREATE VIEW regress_s.v AS SELECT id, owner_name FROM regress_s.acct;
RESET ROLE;
-- nothing granted yet: the reader is refused
SET ROLE regress_priv_reader;
SELECT * FROM regress_s.acct;
RESET ROLE;
SET ROLE regress_priv_owner;
GRANT USAGE ON SCHEMA regress_s TO regress_priv_reader, regress_priv_group;
RESET ROLE;
SET ROLE regress_priv_reader;
SELECT * FROM regress_s.acct;
RESET ROLE;
SET ROLE regress_priv_owner;
GRANT SELECT (id, owner_name) ON regress_s.acct TO regress_priv_reader;
GRANT SELECT ON regress_s.v TO regress_priv_group;
GRANT INSERT, UPDATE ON regress_s.acct TO regress_priv_group WITH GRANT OPTION;
GRANT USAGE ON SEQUENCE regress_s.seq TO regress_priv_reader;
RESET ROLE;
SET ROLE regress_priv_reader;
SELECT id, owner_name FROM regress_s.acct ORDER BY id;
SELECT secret FROM regress_s.acct;
SELECT count(*) FROM regress_s.acct;
SELECT * FROM regress_s.v;
UPDATE regress_s.acct SET balance = 0;
DELETE FROM regress_s.acct;
SELECT nextval('regress_s.seq');
SELECT has_table_privilege('regress_s.acct', 'SELECT'), has_column_privilege('regress_s.acct', 'id', 'SELECT'),
       has_column_privilege('regress_s.acct', 'secret', 'SELECT'), has_schema_privilege('regress_s', 'USAGE'),
       has_sequence_privilege('regress_s.seq', 'USAGE');
GRANT SELECT ON regress_s.acct TO regress_priv_other;
RESET ROLE;
SET ROLE regress_priv_other;
SELECT * FROM regress_s.v ORDER BY id;
SELECT * FROM regress_s.acct;
INSERT INTO regress_s.acct (id, owner_name, balance) VALUES (3, 'cid', 1);
UPDATE regress_s.acct SET balance = balance + 1 WHERE id = 3;
UPDATE regress_s.acct SET balance = 0 WHERE id = 3 RETURNING balance;
GRANT INSERT ON regress_s.acct TO regress_priv_reader;
GRANT DELETE ON regress_s.acct TO regress_priv_reader;
RESET ROLE;
SELECT has_table_privilege('regress_priv_reader', 'regress_s.acct', 'INSERT'),
       has_table_privilege('regress_priv_other', 'regress_s.acct', 'INSERT WITH GRANT OPTION'),
       has_table_privilege('regress_priv_other', 'regress_s.acct', 'DELETE');
SET ROLE regress_priv_owner;
REVOKE INSERT ON regress_s.acct FROM regress_priv_group;
REVOKE INSERT ON regress_s.acct FROM regress_priv_group CASCADE;
RESET ROLE;
SELECT has_table_privilege('regress_priv_reader', 'regress_s.acct', 'INSERT');
SET ROLE regress_priv_owner;
GRANT SELECT ON regress_s.acct TO PUBLIC;
RESET ROLE;
SET ROLE regress_priv_reader;
SELECT id, secret FROM regress_s.acct ORDER BY id;
RESET ROLE;
SET ROLE regress_priv_reader;
DROP TABLE regress_s.acct;
CREATE TABLE regress_s.mine (x int);
RESET ROLE;
DROP ROLE regress_priv_reader;
GRANT SELECT ON regress_s.acct TO nosuchrole;
GRANT EXECUTE ON regress_s.acct TO regress_priv_reader;
DROP SCHEMA regress_s CASCADE;
DROP ROLE regress_priv_owner, regress_priv_reader, regress_priv_other, regress_priv_group;
