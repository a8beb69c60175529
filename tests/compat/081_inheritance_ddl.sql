-- Inheritance and DDL: ADD/DROP/RENAME COLUMN reach the children, an
-- inherited column cannot be dropped or renamed in a child, TRUNCATE
-- empties the children (not with ONLY), COPY t TO copies t's own rows;
-- SELECT … INTO; UPDATE … FROM / DELETE … USING run a WHERE function once
-- per row of its own table.
CREATE TABLE id_p (id int, a int);
CREATE TABLE id_c (b text) INHERITS (id_p);
CREATE TABLE id_g () INHERITS (id_c);
INSERT INTO id_p VALUES (1, 10);
INSERT INTO id_c VALUES (2, 20, 'two');
INSERT INTO id_g VALUES (3, 30, 'three');
ALTER TABLE id_p ADD COLUMN z int DEFAULT 7;
SELECT * FROM id_g;
SELECT * FROM id_p ORDER BY id;
ALTER TABLE id_c ADD COLUMN y int;
ALTER TABLE id_g ADD COLUMN x int;
ALTER TABLE id_p ADD COLUMN y int;
ALTER TABLE id_p ADD COLUMN x text;
\d id_g
ALTER TABLE id_c DROP COLUMN a;
ALTER TABLE id_c RENAME COLUMN a TO aa;
ALTER TABLE id_p RENAME COLUMN a TO aa;
SELECT id, aa FROM id_p ORDER BY id;
SELECT id, aa, b FROM id_g;
ALTER TABLE id_p DROP COLUMN z;
SELECT * FROM id_p ORDER BY id;
SELECT * FROM id_g;
ALTER TABLE id_p DROP COLUMN y;
SELECT * FROM id_c ORDER BY id;
COPY id_p TO STDOUT;
COPY id_c TO STDOUT;
SELECT aa, id INTO id_copy FROM id_p WHERE id > 1;
SELECT * FROM id_copy ORDER BY id;
TRUNCATE ONLY id_p;
SELECT id FROM id_p ORDER BY id;
TRUNCATE id_c;
SELECT count(*) FROM id_p;
DROP TABLE id_p CASCADE;
DROP TABLE id_copy;
-- WHERE functions in UPDATE … FROM run once per row of their table
CREATE FUNCTION id_leak(text) RETURNS bool LANGUAGE plpgsql COST 1000
  AS 'BEGIN RAISE NOTICE ''id_leak => %'', $1; RETURN true; END';
CREATE TABLE id_x (a int, b text);
CREATE TABLE id_y (a int, b text);
INSERT INTO id_x VALUES (1, 'x1'), (2, 'x2'), (3, 'x3');
INSERT INTO id_y VALUES (1, 'y1'), (3, 'y3');
UPDATE id_x SET b = id_x.b || '!' FROM id_y
  WHERE id_x.a = id_y.a AND id_x.a > 1 AND id_y.a < 5 AND id_leak(id_y.b);
SELECT * FROM id_x ORDER BY a;
DELETE FROM id_x USING id_y WHERE id_x.a = id_y.a AND id_y.a = 1 AND id_leak(id_x.b) RETURNING id_x.*;
SELECT * FROM id_x ORDER BY a;
DROP TABLE id_x, id_y;
DROP FUNCTION id_leak(text);
