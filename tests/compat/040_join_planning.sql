-- Join planning that must not change results: comma joins re-associated so
-- a later condition meets its table first, constants implied through
-- equalities, catalog views built only for the OIDs a join needs (incl.
-- under filters and LEFT JOIN), and psql name patterns on pg_class
-- (tables, indexes, sequences, views, several schemas, no match).
CREATE TABLE jp_a (id int PRIMARY KEY, tag text);
CREATE TABLE jp_b (id int PRIMARY KEY, a_id int, n int);
CREATE TABLE jp_c (id int PRIMARY KEY, b_id int, note text);
INSERT INTO jp_a VALUES (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO jp_b VALUES (10, 1, 5), (11, 1, 6), (12, 2, 7), (13, NULL, 8);
INSERT INTO jp_c VALUES (100, 10, 'x'), (101, 12, 'y'), (102, 12, 'z'), (103, 99, 'w');
-- (a × b) ⋈ c with a condition only between b and c, and one touching a.
SELECT a.id, b.id, c.id FROM jp_a a, jp_b b, jp_c c
 WHERE c.b_id = b.id ORDER BY 1, 2, 3;
SELECT a.id, b.id, c.id FROM jp_a a, jp_b b, jp_c c
 WHERE c.b_id = b.id AND b.a_id = a.id ORDER BY 1, 2, 3;
SELECT a.tag, c.note FROM jp_a a, jp_b b, jp_c c
 WHERE c.b_id = b.id AND a.id = 2 AND b.n > 5 ORDER BY 1, 2;
-- Constants implied through equalities, both directions, with NULLs.
SELECT a.id, b.id FROM jp_a a, jp_b b WHERE a.id = 1 AND a.id = b.a_id ORDER BY 2;
SELECT a.id, b.id FROM jp_a a, jp_b b WHERE b.a_id = a.id AND b.a_id = 2;
SELECT a.id, b.id FROM jp_a a LEFT JOIN jp_b b ON b.a_id = a.id WHERE a.id = 3;
SELECT count(*) FROM jp_a a, jp_b b WHERE a.id = NULL AND a.id = b.a_id;
SELECT a.id, b.id, c.id FROM jp_a a, jp_b b, jp_c c
 WHERE a.id = 1 AND b.a_id = a.id AND c.b_id = b.id ORDER BY 3;
-- Catalog joins the way psql writes them.
CREATE SCHEMA jp_s;
CREATE TABLE jp_s.jp_a (k int);
CREATE INDEX jp_c_note ON jp_c (note);
CREATE SEQUENCE jp_seq;
CREATE VIEW jp_v AS SELECT id FROM jp_a;
SELECT c2.relname, i.indisprimary, i.indisunique
  FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
 WHERE c.oid = 'jp_c'::regclass AND c.oid = i.indrelid AND i.indexrelid = c2.oid
 ORDER BY i.indisprimary DESC, c2.relname;
SELECT c.relname, con.conname, con.contype
  FROM pg_catalog.pg_index i
  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
  JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid IN ('jp_a'::regclass, 'jp_b'::regclass, 'jp_c'::regclass)
 ORDER BY 1;
SELECT a.attname FROM pg_catalog.pg_attribute a, pg_catalog.pg_class c
 WHERE a.attrelid = c.oid AND c.relname = 'jp_b' AND a.attnum > 0 ORDER BY a.attnum;
SELECT n.nspname, c.relname, c.relkind
  FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname OPERATOR(pg_catalog.~) '^(jp_a)$' COLLATE pg_catalog.default ORDER BY 1;
SELECT c.relname, c.relkind FROM pg_catalog.pg_class c
 WHERE c.relname ~ '^(jp_c_note)$' OR c.relname ~ '^(jp_seq)$' ORDER BY 1;
SELECT c.relname, c.relkind FROM pg_catalog.pg_class c WHERE c.relname ~ '^(jp_seq)$';
SELECT c.relname, c.relkind FROM pg_catalog.pg_class c WHERE c.relname ~ '^(jp_c_note)$';
SELECT c.relname, c.relkind FROM pg_catalog.pg_class c WHERE c.relname ~ '^(jp_v)$';
SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname ~ '^(jp_nothing)$';
SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname ~ '^(jp_.)$' ORDER BY 1;
\d jp_c
\d jp_seq
\d jp_c_note
\dp jp_a
