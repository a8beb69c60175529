-- Constraint errors show only what the user may read: all values with
-- table-level SELECT, otherwise the readable or written columns by name, no
-- key values in unique violations without SELECT on the key, and no row at
-- all under row-level security.
CREATE ROLE ed_writer;
CREATE TABLE ed_t (c1 int NOT NULL, c2 int, c3 int CHECK (c3 < 100), secret text, UNIQUE (c1, c2));
INSERT INTO ed_t VALUES (1, 1, 1, 'hidden');
GRANT INSERT (c1, c2, c3) ON ed_t TO ed_writer;
GRANT UPDATE (c3) ON ed_t TO ed_writer;
GRANT SELECT (c1, c3) ON ed_t TO ed_writer;
SET ROLE ed_writer;
INSERT INTO ed_t (c1, c2) VALUES (NULL, 5);
INSERT INTO ed_t (c1, c3) VALUES (7, 500);
INSERT INTO ed_t (c1, c2) VALUES (1, 1);
UPDATE ed_t SET c3 = 200 WHERE c1 = 1;
RESET ROLE;
GRANT SELECT ON ed_t TO ed_writer;
SET ROLE ed_writer;
INSERT INTO ed_t (c1, c2) VALUES (1, 1);
INSERT INTO ed_t (c1, c3) VALUES (7, 500);
RESET ROLE;
ALTER TABLE ed_t ENABLE ROW LEVEL SECURITY;
CREATE POLICY ed_all ON ed_t USING (true);
SET ROLE ed_writer;
INSERT INTO ed_t (c1, c3) VALUES (7, 500);
INSERT INTO ed_t (c1, c2) VALUES (1, 1);
RESET ROLE;
DROP TABLE ed_t;
DROP ROLE ed_writer;
-- Foreign keys: the key's values only with SELECT on the key columns.
CREATE ROLE ed_child;
CREATE TABLE ed_parent (id int PRIMARY KEY, info text);
CREATE TABLE ed_kid (pid int REFERENCES ed_parent, note text);
INSERT INTO ed_parent VALUES (1, 'p');
INSERT INTO ed_kid VALUES (1, 'k');
GRANT INSERT ON ed_kid TO ed_child;
GRANT DELETE ON ed_parent TO ed_child;
SET ROLE ed_child;
INSERT INTO ed_kid VALUES (42, 'orphan');
DELETE FROM ed_parent;
RESET ROLE;
GRANT SELECT (pid) ON ed_kid TO ed_child;
GRANT SELECT (id) ON ed_parent TO ed_child;
SET ROLE ed_child;
INSERT INTO ed_kid VALUES (42, 'orphan');
DELETE FROM ed_parent;
RESET ROLE;
DROP TABLE ed_kid, ed_parent;
DROP ROLE ed_child;
