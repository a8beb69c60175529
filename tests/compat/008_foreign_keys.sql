--
-- 008_foreign_keys: REFERENCES with NO ACTION, CASCADE, SET NULL; DROP/TRUNCATE with dependents.
--
CREATE TABLE parent (id int PRIMARY KEY, name text);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent, note text);
CREATE TABLE casc (id int PRIMARY KEY, pid int REFERENCES parent (id) ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE nul (id int PRIMARY KEY, pid int, FOREIGN KEY (pid) REFERENCES parent ON DELETE SET NULL);
INSERT INTO parent VALUES (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO child VALUES (10, 1, 'a'), (11, NULL, 'no parent');
INSERT INTO child VALUES (12, 99, 'bad');
INSERT INTO casc VALUES (20, 2), (21, 2), (22, 3);
INSERT INTO nul VALUES (30, 3);
DELETE FROM parent WHERE id = 1;
UPDATE child SET parent_id = 42 WHERE id = 10;
UPDATE parent SET id = 5 WHERE id = 2;
SELECT * FROM casc ORDER BY id;
DELETE FROM parent WHERE id = 3;
SELECT * FROM casc ORDER BY id;
SELECT * FROM nul ORDER BY id;
TRUNCATE parent;
DROP TABLE parent;
CREATE TABLE badref (x int REFERENCES child (note));
CREATE TABLE badref (x int REFERENCES nosuch);
DROP TABLE parent CASCADE;
INSERT INTO child VALUES (13, 1234, 'fine now');
SELECT id, parent_id FROM child ORDER BY id;
DROP TABLE child, casc, nul;
