-- WITH … INSERT / UPDATE / DELETE as the main statement: the WITH queries
-- are in scope, data-modifying ones included; the main statement reads the
-- statement's snapshot and leaves alone rows a WITH query already changed.
CREATE TABLE wd_src (id int PRIMARY KEY, v text);
CREATE TABLE wd_dst (id int PRIMARY KEY, v text);
INSERT INTO wd_src VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd');
-- Move rows from one table to another in one statement.
WITH moved AS (DELETE FROM wd_src WHERE id <= 2 RETURNING *)
INSERT INTO wd_dst SELECT * FROM moved;
SELECT * FROM wd_src ORDER BY id;
SELECT * FROM wd_dst ORDER BY id;
-- A read-only WITH feeding INSERT … RETURNING.
WITH n AS (SELECT max(id) + 10 AS id FROM wd_src)
INSERT INTO wd_dst SELECT id, 'from max' FROM n RETURNING id, v;
-- UPDATE and DELETE with a WITH query in WHERE and FROM.
WITH keep AS (SELECT id FROM wd_dst WHERE v = 'a')
UPDATE wd_src SET v = v || '!' WHERE id NOT IN (SELECT id FROM keep) RETURNING *;
WITH t AS (SELECT 3 AS id)
UPDATE wd_src SET v = 'from t' FROM t WHERE wd_src.id = t.id;
WITH gone AS (SELECT id FROM wd_dst WHERE id > 10)
DELETE FROM wd_dst USING gone WHERE wd_dst.id = gone.id RETURNING wd_dst.id;
WITH two AS (SELECT 2 AS id)
DELETE FROM wd_dst WHERE id IN (SELECT id FROM two);
SELECT * FROM wd_src ORDER BY id;
SELECT * FROM wd_dst ORDER BY id;
-- The main statement does not see what a WITH query inserted.
WITH i AS (INSERT INTO wd_src VALUES (5, 'e') RETURNING id)
UPDATE wd_src SET v = 'seen' WHERE id = 5;
SELECT * FROM wd_src WHERE id = 5;
-- A row a WITH query deleted is not updated (nor brought back).
WITH d AS (DELETE FROM wd_src WHERE id = 4 RETURNING id)
UPDATE wd_src SET v = 'updated after delete' WHERE id = 4;
SELECT count(*) FROM wd_src WHERE id = 4;
-- A row a WITH query updated is changed once.
WITH u AS (UPDATE wd_src SET v = 'by with' WHERE id = 3 RETURNING id)
UPDATE wd_src SET v = 'by main' WHERE id = 3;
SELECT v FROM wd_src WHERE id = 3;
WITH u AS (UPDATE wd_src SET v = 'by with' WHERE id = 3 RETURNING id)
DELETE FROM wd_src WHERE id = 3;
SELECT v FROM wd_src WHERE id = 3;
-- Errors: a key the WITH query inserted, a missing column, read-only.
WITH i AS (INSERT INTO wd_dst VALUES (7, 'x') RETURNING id)
INSERT INTO wd_dst VALUES (7, 'y');
SELECT count(*) FROM wd_dst WHERE id = 7;
WITH i AS (SELECT 1 AS x) INSERT INTO wd_dst (nope) SELECT x FROM i;
INSERT INTO wd_dst (id, nope) VALUES (1, 2);
WITH i AS (SELECT 1 AS x) UPDATE wd_dst SET v = 'a', nope = 1;
BEGIN READ ONLY;
WITH i AS (SELECT 1 AS x) INSERT INTO wd_dst SELECT x, 'ro' FROM i;
ROLLBACK;
BEGIN READ ONLY;
WITH i AS (SELECT 1 AS x) DELETE FROM wd_dst;
ROLLBACK;
-- A recursive WITH feeding INSERT.
WITH RECURSIVE s(n) AS (SELECT 100 UNION ALL SELECT n + 1 FROM s WHERE n < 104)
INSERT INTO wd_dst SELECT n, 'series' FROM s;
SELECT count(*) FROM wd_dst WHERE v = 'series';
DROP TABLE wd_src, wd_dst;
