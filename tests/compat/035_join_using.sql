-- USING and NATURAL joins: merged columns come first, RIGHT and FULL joins
-- merge from the side that has the row, the tables' own columns stay
-- reachable by qualified name.
CREATE TABLE ju_doc (did int, cid int, title text);
CREATE TABLE ju_cat (cid int, cname text);
INSERT INTO ju_doc VALUES (1, 11, 'a'), (2, 22, 'b'), (3, 99, 'c');
INSERT INTO ju_cat VALUES (11, 'novel'), (22, 'scifi'), (33, 'tech');
SELECT * FROM ju_doc NATURAL JOIN ju_cat ORDER BY did;
SELECT * FROM ju_doc JOIN ju_cat USING (cid) ORDER BY did;
SELECT * FROM ju_doc LEFT JOIN ju_cat USING (cid) ORDER BY did;
SELECT * FROM ju_doc RIGHT JOIN ju_cat USING (cid) ORDER BY cid;
SELECT * FROM ju_doc FULL JOIN ju_cat USING (cid) ORDER BY cid;
SELECT cid, ju_doc.cid AS dcid, ju_cat.cid AS ccid FROM ju_doc FULL JOIN ju_cat USING (cid) ORDER BY 1;
SELECT count(*) FROM ju_doc NATURAL JOIN ju_cat WHERE cid > 11;
SELECT * FROM ju_doc JOIN ju_cat USING (nosuch);
\echo :LAST_ERROR_SQLSTATE
DROP TABLE ju_doc, ju_cat;
-- A join with an alias exposes its output columns under the alias only.
CREATE TABLE ju_a (one int, two int);
CREATE TABLE ju_b (one int, three int);
INSERT INTO ju_a VALUES (1, 2), (3, 4);
INSERT INTO ju_b VALUES (1, 5);
SELECT * FROM (ju_a a JOIN ju_b b USING (one)) j;
SELECT j.one, j.two, j.three FROM (ju_a a JOIN ju_b b USING (one)) j;
SELECT j.* FROM (ju_a a JOIN ju_b b USING (one)) j;
SELECT one FROM (ju_a a JOIN ju_a b USING (one)) j ORDER BY 1;
SELECT j.one FROM (ju_a a LEFT JOIN ju_b b USING (one)) j ORDER BY 1;
DROP TABLE ju_a, ju_b;
