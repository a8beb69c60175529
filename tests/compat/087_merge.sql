-- MERGE: WHEN [NOT] MATCHED [AND …] THEN UPDATE / DELETE / INSERT / DO
-- NOTHING, defaults and constraints, errors, WITH, read-only transactions;
-- column privileges and row-level security (the target's SELECT policies
-- hide rows from the join, UPDATE/DELETE USING failures are errors).
CREATE TABLE tgt (id int PRIMARY KEY, v text, n int DEFAULT 7 CHECK (n >= 0));
CREATE TABLE src (id int, v text);
INSERT INTO tgt VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3);
INSERT INTO src VALUES (2, 'TWO'), (3, NULL), (4, 'FOUR'), (5, 'FIVE');
MERGE INTO tgt t USING src s ON t.id = s.id
WHEN MATCHED AND s.v IS NULL THEN DELETE
WHEN MATCHED THEN UPDATE SET v = s.v, n = t.n + 10
WHEN NOT MATCHED AND s.id > 4 THEN INSERT VALUES (s.id, s.v)
WHEN NOT MATCHED THEN INSERT (v, id) VALUES (lower(s.v), s.id);
SELECT * FROM tgt ORDER BY id;
MERGE INTO tgt USING (SELECT 1 AS id) s ON tgt.id = s.id WHEN MATCHED THEN DO NOTHING;
MERGE INTO tgt t USING (VALUES (1), (1)) s(id) ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = 0;
MERGE INTO tgt t USING (VALUES (9)) s(id) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (1, 'dup');
MERGE INTO tgt t USING (VALUES (1)) s(id) ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = -1;
MERGE INTO tgt t USING (VALUES (1)) s(id) ON t.id = s.id WHEN MATCHED THEN UPDATE SET nosuch = 1;
-- No RETURNING in PostgreSQL 15 (and nothing deleted).
MERGE INTO tgt t USING (VALUES (1)) s(id) ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING *;
MERGE INTO tgt t USING (VALUES (1)) s(id) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (t.id);
MERGE INTO tgt t USING (VALUES (1)) s(id) ON t.id = s.id WHEN NOT MATCHED THEN UPDATE SET n = 1;
MERGE INTO tgt t USING (VALUES (100, 'x')) s(id, v) ON t.id = s.id WHEN NOT MATCHED THEN INSERT DEFAULT VALUES;
MERGE INTO tgt t USING (VALUES (100, 'x')) s(id, v) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, v, n) VALUES (s.id, s.v, DEFAULT);
SELECT * FROM tgt ORDER BY id;
WITH w AS (SELECT 2 AS id) MERGE INTO tgt t USING w ON t.id = w.id WHEN MATCHED THEN DELETE;
BEGIN;
MERGE INTO tgt t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE;
SELECT count(*) FROM tgt;
ROLLBACK;
SELECT count(*) FROM tgt;
BEGIN READ ONLY;
MERGE INTO tgt t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE;
ROLLBACK;
CREATE VIEW tv AS SELECT * FROM tgt;
MERGE INTO tv t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE;
-- Privileges: each action needs its own; columns read need SELECT.
CREATE ROLE mg_user;
GRANT SELECT (id) ON src TO mg_user;
GRANT SELECT (id) ON tgt TO mg_user;
GRANT UPDATE (v) ON tgt TO mg_user;
SET ROLE mg_user;
MERGE INTO tgt t USING src s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;
MERGE INTO tgt t USING src s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = 'x' WHERE 1 = 1;
MERGE INTO tgt t USING src s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = t.v;
MERGE INTO tgt t USING src s ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = 1;
MERGE INTO tgt t USING src s ON t.id = s.id WHEN MATCHED THEN DELETE;
MERGE INTO tgt t USING src s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id);
BEGIN;
MERGE INTO tgt t USING src s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = 'ok';
ROLLBACK;
RESET ROLE;
-- Row-level security.
CREATE TABLE acct (id int PRIMARY KEY, owner text, balance int);
INSERT INTO acct VALUES (1, 'mg_user', 10), (2, 'other', 20), (3, 'mg_user', 30);
GRANT ALL ON acct TO mg_user;
ALTER TABLE acct ENABLE ROW LEVEL SECURITY;
CREATE POLICY sel ON acct FOR SELECT USING (owner = current_user OR id = 2);
CREATE POLICY ins ON acct FOR INSERT WITH CHECK (owner = current_user);
CREATE POLICY upd ON acct FOR UPDATE USING (owner = current_user) WITH CHECK (balance >= 0);
CREATE POLICY del ON acct FOR DELETE USING (balance = 0);
CREATE POLICY lim ON acct AS RESTRICTIVE FOR UPDATE USING (id < 3);
SET ROLE mg_user;
-- Visible, but not the user's: the UPDATE policy's USING fails.
MERGE INTO acct a USING (VALUES (2, 5)) s(id, d) ON a.id = s.id
WHEN MATCHED THEN UPDATE SET balance = balance + s.d;
-- The restrictive policy.
MERGE INTO acct a USING (VALUES (3, 5)) s(id, d) ON a.id = s.id
WHEN MATCHED THEN UPDATE SET balance = balance + s.d;
-- WITH CHECK on the new row.
MERGE INTO acct a USING (VALUES (1, -50)) s(id, d) ON a.id = s.id
WHEN MATCHED THEN UPDATE SET balance = balance + s.d;
-- The new row must stay visible.
MERGE INTO acct a USING (VALUES (1)) s(id) ON a.id = s.id
WHEN MATCHED THEN UPDATE SET owner = 'someone';
MERGE INTO acct a USING (VALUES (1, 5)) s(id, d) ON a.id = s.id
WHEN MATCHED THEN UPDATE SET balance = balance + s.d;
-- DELETE's USING.
MERGE INTO acct a USING (VALUES (1)) s(id) ON a.id = s.id WHEN MATCHED THEN DELETE;
-- INSERT's WITH CHECK.
MERGE INTO acct a USING (VALUES (7)) s(id) ON a.id = s.id
WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'other', 0);
MERGE INTO acct a USING (VALUES (7)) s(id) ON a.id = s.id
WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'mg_user', 0);
MERGE INTO acct a USING (VALUES (7)) s(id) ON a.id = s.id WHEN MATCHED THEN DELETE;
RESET ROLE;
ALTER POLICY sel ON acct USING (owner = current_user);
SET ROLE mg_user;
-- A hidden row does not match: the INSERT runs and hits the key.
MERGE INTO acct a USING (VALUES (2)) s(id) ON a.id = s.id
WHEN MATCHED THEN UPDATE SET balance = 0
WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'mg_user', 0);
RESET ROLE;
SELECT * FROM acct ORDER BY id;
DROP TABLE acct;
DROP VIEW tv;
DROP TABLE tgt, src;
DROP ROLE mg_user;
