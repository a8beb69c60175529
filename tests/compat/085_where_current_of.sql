-- UPDATE/DELETE … WHERE CURRENT OF: the row a cursor is on, row-level
-- security on top, and PostgreSQL's errors for cursors that have no such row.
CREATE TABLE wc (id int, v text);
INSERT INTO wc SELECT g, 'v' || g FROM generate_series(1, 6) g;
BEGIN;
DECLARE c1 SCROLL CURSOR FOR SELECT id, v FROM wc WHERE id > 1;
-- Not on a row yet.
UPDATE wc SET v = 'early' WHERE CURRENT OF c1;
ROLLBACK;
BEGIN;
DECLARE c1 SCROLL CURSOR FOR SELECT id, v FROM wc WHERE id > 1;
FETCH c1;
UPDATE wc SET v = v || '_upd' WHERE CURRENT OF c1 RETURNING *;
FETCH 2 FROM c1;
DELETE FROM wc WHERE CURRENT OF c1 RETURNING id, v;
-- The cursor keeps its snapshot; the changed row is still the current one.
FETCH ABSOLUTE 1 FROM c1;
DELETE FROM wc WHERE CURRENT OF c1 RETURNING *;
-- Deleted already: nothing to change.
UPDATE wc SET v = 'again' WHERE CURRENT OF c1;
MOVE LAST IN c1;
update wc set v = 'last' where current   of   C1 returning id;
FETCH NEXT FROM c1;
UPDATE wc SET v = 'past' WHERE CURRENT OF c1;
ROLLBACK;
SELECT * FROM wc ORDER BY id;
-- Prepared: CURRENT OF is looked up at each execution.
PREPARE mark AS UPDATE wc SET v = 'marked' WHERE CURRENT OF c2 RETURNING id;
BEGIN;
DECLARE c2 CURSOR FOR SELECT id FROM wc;
FETCH c2;
EXECUTE mark;
FETCH c2;
EXECUTE mark;
COMMIT;
SELECT * FROM wc ORDER BY id;
-- FOR UPDATE cursors may be sorted.
BEGIN;
DECLARE c3 CURSOR FOR SELECT * FROM wc ORDER BY id DESC FOR UPDATE;
FETCH c3;
UPDATE wc SET v = 'top' WHERE CURRENT OF c3 RETURNING *;
COMMIT;
SELECT * FROM wc ORDER BY id;
-- Cursors that name no row of the table.
BEGIN;
DECLARE sorted CURSOR FOR SELECT * FROM wc ORDER BY id;
FETCH sorted;
UPDATE wc SET v = 'x' WHERE CURRENT OF sorted;
ROLLBACK;
BEGIN;
DECLARE agg CURSOR FOR SELECT count(*) FROM wc;
FETCH agg;
UPDATE wc SET v = 'x' WHERE CURRENT OF agg;
ROLLBACK;
CREATE TABLE wc_other (id int);
BEGIN;
DECLARE c4 CURSOR FOR SELECT * FROM wc WHERE id = 3;
FETCH c4;
DELETE FROM wc_other WHERE CURRENT OF c4;
ROLLBACK;
BEGIN;
DELETE FROM wc WHERE CURRENT OF nosuch;
ROLLBACK;
BEGIN;
DECLARE held CURSOR WITH HOLD FOR SELECT * FROM wc WHERE id = 3;
FETCH held;
COMMIT;
UPDATE wc SET v = 'x' WHERE CURRENT OF held;
CLOSE held;
SELECT * FROM wc WHERE CURRENT OF c4;
-- Row-level security: the cursor sees the SELECT policy's rows, UPDATE and
-- DELETE through it add their own policies.
CREATE ROLE wc_user;
CREATE TABLE wc_rls (id int, owner text, v text);
INSERT INTO wc_rls VALUES (1, 'wc_user', 'a'), (2, 'wc_user', 'b'), (3, 'other', 'c'), (4, 'wc_user', 'd');
GRANT ALL ON wc_rls TO wc_user;
CREATE POLICY sel ON wc_rls FOR SELECT USING (id % 2 = 0 OR owner = 'other');
CREATE POLICY upd ON wc_rls FOR UPDATE USING (id = 4) WITH CHECK (owner = current_user);
CREATE POLICY del ON wc_rls FOR DELETE USING (owner = current_user);
ALTER TABLE wc_rls ENABLE ROW LEVEL SECURITY;
SET ROLE wc_user;
BEGIN;
DECLARE r SCROLL CURSOR FOR SELECT * FROM wc_rls;
FETCH r;
UPDATE wc_rls SET v = v || '!' WHERE CURRENT OF r RETURNING *;
DELETE FROM wc_rls WHERE CURRENT OF r RETURNING *;
FETCH r;
UPDATE wc_rls SET v = v || '!' WHERE CURRENT OF r RETURNING *;
FETCH r;
UPDATE wc_rls SET owner = 'other' WHERE CURRENT OF r;
ROLLBACK;
BEGIN;
DECLARE r SCROLL CURSOR FOR SELECT * FROM wc_rls;
FETCH ABSOLUTE 3 FROM r;
DELETE FROM wc_rls WHERE CURRENT OF r RETURNING *;
COMMIT;
RESET ROLE;
SELECT * FROM wc_rls ORDER BY id;
DROP TABLE wc_rls;
DROP ROLE wc_user;
