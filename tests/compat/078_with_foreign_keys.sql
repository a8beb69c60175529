-- Foreign keys inside statements with data-modifying WITH queries: checks
-- and cascades see every change of the statement, and what a cascade
-- changed is not taken for a row another part changed (PostgreSQL runs the
-- cascades after the statement).
CREATE TABLE wfk_p (id int PRIMARY KEY);
CREATE TABLE wfk_c (id int PRIMARY KEY, pid int REFERENCES wfk_p ON UPDATE CASCADE ON DELETE CASCADE, note text);
INSERT INTO wfk_p VALUES (1), (2), (3);
INSERT INTO wfk_c VALUES (10, 1, 'a'), (20, 2, 'b'), (30, 3, 'c');
WITH d AS (DELETE FROM wfk_c WHERE id = 10 RETURNING id) SELECT count(*) FROM d;
WITH d AS (DELETE FROM wfk_c WHERE id = 20 RETURNING id), u AS (UPDATE wfk_p SET id = 5 WHERE id = 2 RETURNING id) SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM u);
SELECT * FROM wfk_c ORDER BY id;
WITH u AS (UPDATE wfk_c SET note = 'changed' WHERE id = 30 RETURNING id), p AS (UPDATE wfk_p SET id = 6 WHERE id = 3 RETURNING id) SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM p);
SELECT * FROM wfk_c ORDER BY id;
WITH p AS (INSERT INTO wfk_p VALUES (7) RETURNING id) INSERT INTO wfk_c SELECT 70, id, 'new' FROM p;
SELECT * FROM wfk_c ORDER BY id;
CREATE TABLE wfk_p2 (id int PRIMARY KEY);
CREATE TABLE wfk_c2 (id int PRIMARY KEY, pid int REFERENCES wfk_p2 ON UPDATE CASCADE ON DELETE CASCADE, note text);
INSERT INTO wfk_p2 VALUES (1), (2);
INSERT INTO wfk_c2 VALUES (10, 1, 'a'), (20, 2, 'b');
WITH d AS (DELETE FROM wfk_c2 WHERE id = 10 RETURNING id) UPDATE wfk_p2 SET id = 5 WHERE id = 1;
SELECT * FROM wfk_c2 ORDER BY id;
WITH u AS (UPDATE wfk_c2 SET note = 'x' WHERE id = 20 RETURNING id) DELETE FROM wfk_p2 WHERE id = 2;
SELECT * FROM wfk_c2 ORDER BY id;
DROP TABLE wfk_c2, wfk_p2;
DROP TABLE wfk_c, wfk_p;
