-- SELECT ... FOR UPDATE / FOR SHARE needs UPDATE (table or any column) on
-- each locked table, in addition to SELECT; FOR UPDATE OF limits it to the
-- named tables.
CREATE ROLE fu_reader;
CREATE TABLE fu_a (id int, v text);
CREATE TABLE fu_b (id int, w text);
INSERT INTO fu_a VALUES (1, 'x');
INSERT INTO fu_b VALUES (1, 'y');
GRANT SELECT ON fu_a, fu_b TO fu_reader;
GRANT UPDATE (w) ON fu_b TO fu_reader;
SET ROLE fu_reader;
SELECT * FROM fu_a FOR UPDATE;
SELECT * FROM fu_a FOR SHARE;
SELECT * FROM fu_b FOR UPDATE;
SELECT * FROM fu_a JOIN fu_b USING (id) FOR UPDATE;
SELECT * FROM fu_a JOIN fu_b USING (id) FOR UPDATE OF fu_b;
SELECT * FROM fu_a a JOIN fu_b b USING (id) FOR UPDATE OF b;
SELECT * FROM fu_a;
RESET ROLE;
DROP TABLE fu_a, fu_b;
DROP ROLE fu_reader;
