-- Every part of a statement with data-modifying WITH queries reads one
-- snapshot: the main query and the other WITH queries do not see the
-- changes (RETURNING is how they learn of them); constraints still do.
CREATE TABLE w (id int PRIMARY KEY, v text);
INSERT INTO w VALUES (1, 'a'), (2, 'b'), (3, 'c');
WITH d AS (DELETE FROM w WHERE id = 1 RETURNING *)
SELECT (SELECT count(*) FROM w) AS rows_seen, (SELECT count(*) FROM d) AS deleted;
SELECT count(*) FROM w;
WITH i AS (INSERT INTO w VALUES (10, 'x') RETURNING id)
SELECT id FROM w ORDER BY id;
WITH u AS (UPDATE w SET v = 'changed' WHERE id = 2 RETURNING v)
SELECT w.v AS table_v, u.v AS returned_v FROM w, u WHERE w.id = 2;
SELECT * FROM w ORDER BY id;
BEGIN;
INSERT INTO w VALUES (20, 'y');
WITH d AS (DELETE FROM w WHERE id = 20 RETURNING id)
SELECT count(*) AS own_insert_still_seen FROM w WHERE id = 20;
SELECT count(*) FROM w WHERE id = 20;
ROLLBACK;
WITH d AS (DELETE FROM w WHERE id = 3 RETURNING id), c AS (SELECT count(*) AS n FROM w)
SELECT n FROM c;
-- A constraint check sees the statement's own changes: the second insert
-- of the same key fails.
WITH a AS (INSERT INTO w VALUES (50, 'p') RETURNING id),
     b AS (INSERT INTO w VALUES (50, 'q') RETURNING id)
SELECT * FROM a, b;
SELECT count(*) FROM w WHERE id = 50;
SELECT * FROM w ORDER BY id;
DROP TABLE w;
