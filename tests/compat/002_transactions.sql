--
-- 002_transactions: BEGIN/COMMIT/ROLLBACK, aborted transactions, savepoints.
--
CREATE TABLE compat_tx (id integer PRIMARY KEY, note text);
BEGIN;
INSERT INTO compat_tx VALUES (1, 'committed');
COMMIT;
BEGIN;
INSERT INTO compat_tx VALUES (2, 'rolled back');
SELECT id, note FROM compat_tx ORDER BY id;
ROLLBACK;
SELECT id, note FROM compat_tx ORDER BY id;
-- an error aborts the transaction; later statements fail with 25P02
BEGIN;
INSERT INTO compat_tx VALUES (3, 'lost');
INSERT INTO compat_tx VALUES (1, 'duplicate');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT 1;
\echo sqlstate :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT id, note FROM compat_tx ORDER BY id;
-- savepoints
BEGIN;
INSERT INTO compat_tx VALUES (4, 'kept');
SAVEPOINT sp1;
INSERT INTO compat_tx VALUES (5, 'undone');
ROLLBACK TO SAVEPOINT sp1;
INSERT INTO compat_tx VALUES (6, 'after rollback to');
SAVEPOINT sp2;
SELECT 1 / 0;
ROLLBACK TO sp2;
INSERT INTO compat_tx VALUES (7, 'after error');
RELEASE SAVEPOINT sp2;
COMMIT;
SELECT id, note FROM compat_tx ORDER BY id;
-- COMMIT of an aborted transaction rolls it back
BEGIN;
INSERT INTO compat_tx VALUES (8, 'lost too');
SELECT * FROM compat_no_such_table;
\echo sqlstate :LAST_ERROR_SQLSTATE
COMMIT;
SELECT count(*) FROM compat_tx;
DROP TABLE compat_tx;
