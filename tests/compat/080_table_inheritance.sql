-- Table inheritance: CREATE TABLE … INHERITS, reads and changes through the
-- parent (ONLY keeps the children out), ALTER TABLE … [NO] INHERIT,
-- DROP TABLE with children, pg_inherits, psql's \d footers.
CREATE TABLE ih_p (id int PRIMARY KEY, a int NOT NULL DEFAULT 5, b text CHECK (b <> 'x'));
CREATE TABLE ih_c (c float, a int) INHERITS (ih_p);
CREATE TABLE ih_bad (a text) INHERITS (ih_p);
CREATE TABLE ih_p2 (a int, z text);
CREATE TABLE ih_c2 () INHERITS (ih_p, ih_p2);
CREATE TABLE ih_twice () INHERITS (ih_p, ih_p);
CREATE VIEW ih_v AS SELECT 1 AS one;
CREATE TABLE ih_fromview () INHERITS (ih_v);
CREATE TABLE ih_none () INHERITS (ih_missing);
\d ih_c
\d ih_c2
\d ih_p
SELECT attname, attinhcount, attislocal FROM pg_attribute
  WHERE attrelid = 'ih_c2'::regclass AND attnum > 0 ORDER BY attnum;
SELECT inhrelid::regclass, inhparent::regclass, inhseqno, inhdetachpending
  FROM pg_inherits WHERE inhparent::regclass::text LIKE 'ih%' ORDER BY 1, 2;
INSERT INTO ih_c VALUES (1, 2, 'q', 1.5);
INSERT INTO ih_c (id, b) VALUES (2, 'r');
INSERT INTO ih_c VALUES (3, 4, 'x', 0);
INSERT INTO ih_p VALUES (10, 20, 'p');
INSERT INTO ih_c2 VALUES (30, 31, 'w', 'zz');
SELECT * FROM ih_p ORDER BY id;
SELECT * FROM ONLY ih_p ORDER BY id;
SELECT id, a FROM ih_p WHERE a > 4 ORDER BY id;
SELECT count(*), sum(a) FROM ih_p;
SELECT p.id, q.z FROM ih_p p JOIN ih_p2 q ON q.a = p.a ORDER BY 1;
SELECT * FROM ih_p2;
UPDATE ih_p SET a = a + 1 WHERE id IN (1, 10, 30) RETURNING *;
UPDATE ih_p SET b = 'x' WHERE id = 1;
UPDATE ONLY ih_p SET a = 0 RETURNING id;
SELECT * FROM ih_c ORDER BY id;
DELETE FROM ih_p WHERE id = 1 RETURNING id, b;
DELETE FROM ONLY ih_p WHERE id = 2;
SELECT id FROM ih_p ORDER BY id;
SELECT * FROM ih_p WHERE id = 2 FOR UPDATE;
-- ALTER TABLE … INHERIT / NO INHERIT
CREATE TABLE ih_c3 (id int, b text);
ALTER TABLE ih_c3 INHERIT ih_p;
ALTER TABLE ih_c3 ADD COLUMN a int NOT NULL;
ALTER TABLE ih_c3 INHERIT ih_p;
ALTER TABLE ih_c3 ALTER COLUMN id SET NOT NULL;
ALTER TABLE ih_c3 INHERIT ih_p;
ALTER TABLE ih_c3 ADD CONSTRAINT ih_p_b_check CHECK (b <> 'x');
ALTER TABLE ih_c3 INHERIT ih_p;
ALTER TABLE ih_c3 INHERIT ih_p;
ALTER TABLE ih_p INHERIT ih_c3;
INSERT INTO ih_c3 VALUES (40, 'm', 41);
SELECT * FROM ih_p ORDER BY id;
ALTER TABLE ih_c3 NO INHERIT ih_p;
ALTER TABLE ih_c3 NO INHERIT ih_p;
SELECT * FROM ih_p ORDER BY id;
ALTER TABLE ih_nosuch INHERIT ih_p;
ALTER TABLE IF EXISTS ih_nosuch INHERIT ih_p;
-- dropping
DROP TABLE ih_p;
DROP TABLE ih_p2;
DROP TABLE ih_c2;
DROP TABLE ih_p CASCADE;
SELECT count(*) FROM pg_inherits WHERE inhparent::regclass::text LIKE 'ih%';
DROP TABLE ih_p2, ih_c3;
DROP VIEW ih_v;
-- tableoid and whole-row references
CREATE TABLE ih_q (id int, v text);
CREATE TABLE ih_qc (w int) INHERITS (ih_q);
INSERT INTO ih_q VALUES (1, 'a b'), (2, NULL);
INSERT INTO ih_qc VALUES (3, '', 30), (4, 'x,"y"', 40);
SELECT tableoid::regclass, * FROM ih_q ORDER BY id;
SELECT ih_q FROM ih_q ORDER BY id;
SELECT q.tableoid::regclass, q FROM ih_q q WHERE q.tableoid = 'ih_qc'::regclass ORDER BY id;
SELECT tableoid::regclass, ih_qc FROM ih_qc ORDER BY id;
SELECT tableoid::regclass, count(*) FROM ih_q GROUP BY 1 ORDER BY 1;
SELECT tableoid::regclass, * FROM ONLY ih_q ORDER BY id;
SELECT a.tableoid::regclass, b.tableoid::regclass FROM ih_q a JOIN ih_qc b ON a.id = b.id;
SELECT tableoid FROM ih_q a, ih_qc b;
SELECT tableoid::regclass, * FROM ih_q WHERE id = 4 FOR UPDATE;
UPDATE ih_q SET v = v WHERE id IN (1, 3) RETURNING tableoid::regclass, *, ih_q;
UPDATE ONLY ih_q SET v = v WHERE id IN (1, 3) RETURNING tableoid::regclass, *;
WITH d AS (DELETE FROM ih_q WHERE id > 1 RETURNING tableoid::regclass, ih_q, id)
  SELECT * FROM d ORDER BY id;
SELECT * FROM (SELECT * FROM ih_q) s;
DROP TABLE ih_q CASCADE;
-- ADD CONSTRAINT … CHECK reaches the children
CREATE TABLE ih_k (a int, b text);
INSERT INTO ih_k VALUES (1, 'x');
ALTER TABLE ih_k ADD CONSTRAINT ih_kx CHECK (a > 5);
ALTER TABLE ih_k ADD CHECK (a > 0);
ALTER TABLE ih_k ADD CHECK (a > 0);
ALTER TABLE ih_k ADD CONSTRAINT ih_k_a_check CHECK (a > 1);
CREATE TABLE ih_kc () INHERITS (ih_k);
INSERT INTO ih_kc VALUES (0, 'y');
ALTER TABLE ih_k ADD CONSTRAINT ih_kz CHECK (a > 0);
\d ih_kc
INSERT INTO ih_kc VALUES (-10, 'y');
INSERT INTO ih_kc VALUES (10, 'y');
ALTER TABLE ih_k ADD CONSTRAINT ih_kw CHECK (a < 10);
DROP TABLE ih_k CASCADE;
