-- pg_partitioned_table (strategy, key columns, operator classes, collations,
-- default partition) and pg_class.relhassubclass.
CREATE TABLE pt (a int, b text, c date) PARTITION BY RANGE (a, b);
CREATE TABLE pt1 PARTITION OF pt DEFAULT;
CREATE TABLE pl (x varchar) PARTITION BY LIST (x);
SELECT partrelid::regclass, partstrat, partnatts, partdefid::regclass, partattrs, partclass, partcollation, partexprs FROM pg_partitioned_table ORDER BY 1;
SELECT relname, relhassubclass FROM pg_class WHERE relname IN ('pt', 'pt1', 'pl') ORDER BY 1;
CREATE TABLE inh_p (a int);
CREATE TABLE inh_c () INHERITS (inh_p);
SELECT relname, relhassubclass FROM pg_class WHERE relname LIKE 'inh_%' ORDER BY 1;
SELECT count(*) FROM pg_partitioned_table WHERE partrelid = 'inh_p'::regclass;
DROP TABLE pt, pl, inh_p CASCADE;
