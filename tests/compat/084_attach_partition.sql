-- ALTER TABLE … ATTACH / DETACH PARTITION, with partitions that keep their
-- own column order: rows routed, checked and moved between them, NOT NULL
-- errors naming the partition.
CREATE TABLE ap_t (a text, b text NOT NULL, c text, s1 text, s2 text) PARTITION BY LIST (a);
CREATE TABLE ap_1 (s2 text, c text, a text, b text NOT NULL, s1 text);
CREATE TABLE ap_2 (s1 text, s2 text, a text, c text, b text NOT NULL);
CREATE TABLE ap_bad (a text, b text NOT NULL, c text, s1 text, s2 text, extra int);
CREATE TABLE ap_nn (a text, b text, c text, s1 text, s2 text);
ALTER TABLE ap_t ATTACH PARTITION ap_1 FOR VALUES IN ('aaa');
ALTER TABLE ap_t ATTACH PARTITION ap_2 FOR VALUES IN ('aaaa');
ALTER TABLE ap_t ATTACH PARTITION ap_bad FOR VALUES IN ('x');
ALTER TABLE ap_t ATTACH PARTITION ap_nn FOR VALUES IN ('y');
ALTER TABLE ap_t ATTACH PARTITION ap_1 FOR VALUES IN ('z');
INSERT INTO ap_1 (a, b, c, s1, s2) VALUES ('aaa', 'bbb', 'ccc', 'one', 'two');
INSERT INTO ap_t (a, b) VALUES ('aaa', NULL);
INSERT INTO ap_t VALUES ('aaaa', 'b2', 'c2', 'x1', 'x2') RETURNING *;
SELECT tableoid::regclass, * FROM ap_t ORDER BY a;
SELECT * FROM ap_2;
UPDATE ap_t SET b = NULL;
UPDATE ap_t SET a = 'aaaa', b = NULL WHERE a = 'aaa';
UPDATE ap_t SET a = 'aaaa' WHERE a = 'aaa' RETURNING tableoid::regclass, a, b, s1;
SELECT tableoid::regclass, * FROM ap_t ORDER BY s1;
SELECT * FROM ap_2 ORDER BY s1;
CREATE TABLE ap_3 (a text, b text NOT NULL, c text, s1 text, s2 text);
INSERT INTO ap_3 VALUES ('q', 'b', 'c', 'd', 'e');
ALTER TABLE ap_t ATTACH PARTITION ap_3 FOR VALUES IN ('r');
ALTER TABLE ap_t ATTACH PARTITION ap_3 FOR VALUES IN ('q');
SELECT count(*) FROM ap_t;
ALTER TABLE ap_t DETACH PARTITION ap_3;
ALTER TABLE ap_t DETACH PARTITION ap_3;
SELECT count(*) FROM ap_t;
INSERT INTO ap_t VALUES ('q', 'b', 'c', 'd', 'e');
DROP TABLE ap_t, ap_3, ap_bad, ap_nn;
