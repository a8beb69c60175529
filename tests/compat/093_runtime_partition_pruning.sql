-- Run-time pruning: parameters and stable expressions (current_setting)
-- prune partitions when the statement runs; the rows are those of a full scan.
CREATE TABLE rp (k int, v int) PARTITION BY LIST (k);
CREATE TABLE rp_1 PARTITION OF rp FOR VALUES IN (1);
CREATE TABLE rp_2 PARTITION OF rp FOR VALUES IN (2);
CREATE TABLE rp_d PARTITION OF rp DEFAULT;
INSERT INTO rp VALUES (1, 10), (2, 20), (3, 30), (1, 11);
PREPARE q(int) AS SELECT v FROM rp WHERE k = $1 ORDER BY v;
EXECUTE q(1);
EXECUTE q(2);
EXECUTE q(3);
EXECUTE q(NULL);
SET app.k = '2';
SELECT v FROM rp WHERE k = current_setting('app.k')::int;
SELECT v FROM rp WHERE k <> current_setting('app.k')::int ORDER BY v;
DEALLOCATE q;
DROP TABLE rp;
