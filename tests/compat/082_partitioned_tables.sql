-- Declarative partitioning: PARTITION BY LIST/RANGE, PARTITION OF … FOR
-- VALUES, rows routed to their partition, partition constraints, rows moved
-- by UPDATE, psql's \d, DROP of the partitioned table.
CREATE TABLE pt_r (did int, cid int, dlevel int NOT NULL, dtitle text) PARTITION BY RANGE (cid);
CREATE TABLE pt_r_a PARTITION OF pt_r FOR VALUES FROM (11) TO (12);
CREATE TABLE pt_r_b PARTITION OF pt_r FOR VALUES FROM (55) TO (56);
CREATE TABLE pt_l (a int, b text) PARTITION BY LIST (a);
CREATE TABLE pt_l_1 PARTITION OF pt_l FOR VALUES IN (1, 2);
CREATE TABLE pt_l_n PARTITION OF pt_l FOR VALUES IN (NULL);
CREATE TABLE pt_l_d PARTITION OF pt_l DEFAULT;
CREATE TABLE pt_l_d2 PARTITION OF pt_l DEFAULT;
CREATE TABLE pt_r_c PARTITION OF pt_r FOR VALUES FROM (11) TO (20);
CREATE TABLE pt_r_e PARTITION OF pt_r FOR VALUES FROM (30) TO (20);
CREATE TABLE pt_x PARTITION OF pt_l FOR VALUES FROM (1) TO (2);
CREATE TABLE pt_y PARTITION OF pt_r FOR VALUES IN (3);
CREATE TABLE pt_np (a int);
CREATE TABLE pt_np_c PARTITION OF pt_np FOR VALUES IN (1);
CREATE TABLE pt_inh () INHERITS (pt_r);
CREATE TABLE pt_bad (a int, b int) PARTITION BY LIST (a, b);
CREATE TABLE pt_bad (a int) PARTITION BY RANGE (zz);
CREATE TABLE pt_pk (id int PRIMARY KEY, k int) PARTITION BY LIST (k);
INSERT INTO pt_r VALUES (1, 11, 1, 'x');
INSERT INTO pt_r VALUES (2, 13, 1, 'y');
INSERT INTO pt_r_a VALUES (3, 55, 1, 'z');
INSERT INTO pt_r_b VALUES (4, 55, 2, 'w');
INSERT INTO pt_l VALUES (1, 'one'), (NULL, 'null'), (7, 'seven') RETURNING tableoid::regclass, *;
SELECT tableoid::regclass, * FROM pt_l ORDER BY a;
SELECT tableoid::regclass, * FROM pt_r ORDER BY did;
SELECT * FROM ONLY pt_r;
UPDATE pt_l SET a = 2 WHERE a = 7 RETURNING tableoid::regclass, *;
SELECT tableoid::regclass, * FROM pt_l ORDER BY a;
UPDATE pt_l_1 SET a = 5;
UPDATE pt_l SET a = NULL WHERE b = 'one';
SELECT tableoid::regclass, * FROM pt_l ORDER BY b;
DELETE FROM pt_l WHERE a IS NULL;
SELECT tableoid::regclass, * FROM pt_l ORDER BY b;
\d pt_r
\d pt_r_a
\d pt_l
SELECT relname, relkind, relispartition, pg_get_expr(relpartbound, oid)
  FROM pg_class WHERE relname LIKE 'pt\_%' ORDER BY 1;
SELECT pg_get_partkeydef('pt_r'::regclass), pg_get_partkeydef('pt_l_1'::regclass);
\d+ pt_r_a
\d+ pt_l_n
CREATE TABLE pt_b8 (a bigint, t text) PARTITION BY RANGE (a);
CREATE TABLE pt_b81 PARTITION OF pt_b8 FOR VALUES FROM (1) TO (10);
CREATE TABLE pt_b82 PARTITION OF pt_b8 FOR VALUES FROM (MINVALUE) TO (1);
CREATE TABLE pt_t (t text) PARTITION BY LIST (t);
CREATE TABLE pt_t1 PARTITION OF pt_t FOR VALUES IN ('x', 'y');
CREATE TABLE pt_t2 PARTITION OF pt_t FOR VALUES IN ('z');
CREATE TABLE pt_n (a numeric) PARTITION BY LIST (a);
CREATE TABLE pt_n1 PARTITION OF pt_n FOR VALUES IN (1.5, 2);
SELECT relname, pg_get_expr(relpartbound, oid), pg_get_partition_constraintdef(oid)
  FROM pg_class WHERE relname LIKE 'pt\_%' AND relispartition ORDER BY 1;
DROP TABLE pt_b8, pt_t, pt_n;
COPY pt_l FROM STDIN;
1	copied
9	other
\.
SELECT tableoid::regclass, * FROM pt_l ORDER BY b;
DROP TABLE pt_l;
SELECT count(*) FROM pg_class WHERE relname LIKE 'pt\_l%';
DROP TABLE pt_r, pt_np;
