-- Partition pruning: key = / < / <= / > / >= constants rule partitions out
-- (a DEFAULT partition too, when another partition takes the value), and
-- EXPLAIN shows what is scanned as PostgreSQL 15 does.
CREATE TABLE pr (k int, v text) PARTITION BY RANGE (k);
CREATE TABLE pr_lo PARTITION OF pr FOR VALUES FROM (MINVALUE) TO (10);
CREATE TABLE pr_mid PARTITION OF pr FOR VALUES FROM (10) TO (20);
CREATE TABLE pr_hi PARTITION OF pr FOR VALUES FROM (20) TO (MAXVALUE);
INSERT INTO pr SELECT g, 'v' || g FROM generate_series(1, 30) g;
CREATE TABLE pl (c text, n int) PARTITION BY LIST (c);
CREATE TABLE pl_ab PARTITION OF pl FOR VALUES IN ('a', 'b');
CREATE TABLE pl_c PARTITION OF pl FOR VALUES IN ('c');
CREATE TABLE pl_def PARTITION OF pl DEFAULT;
INSERT INTO pl VALUES ('a', 1), ('b', 2), ('c', 3), ('z', 4);
SELECT count(*) FROM pr WHERE k = 15;
SELECT count(*) FROM pr WHERE k < 10;
SELECT count(*) FROM pr WHERE k <= 10;
SELECT count(*) FROM pr WHERE 20 <= k;
SELECT count(*) FROM pr WHERE k > 19 AND k < 21;
SELECT count(*) FROM pr WHERE k = NULL;
SELECT * FROM pl WHERE c = 'c';
SELECT * FROM pl WHERE c = 'z';
SELECT * FROM pl WHERE c > 'b' ORDER BY c;
EXPLAIN (COSTS OFF) SELECT * FROM pr WHERE k = 15;
EXPLAIN (COSTS OFF) SELECT * FROM pr WHERE k < 10;
EXPLAIN (COSTS OFF) SELECT * FROM pr WHERE k >= 15;
EXPLAIN (COSTS OFF) SELECT * FROM pr;
EXPLAIN (COSTS OFF) SELECT * FROM pl WHERE c = 'c';
EXPLAIN (COSTS OFF) SELECT * FROM pl WHERE c = 'q';
DROP TABLE pr, pl;
