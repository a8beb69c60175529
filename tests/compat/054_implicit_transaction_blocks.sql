-- Several statements in one Query message run in one implicit transaction
-- block (psql sends `a \; b` as one message).
CREATE TABLE itb (v int PRIMARY KEY);
-- An error rolls back the statements before it.
INSERT INTO itb VALUES (1) \; INSERT INTO itb VALUES (1);
SELECT * FROM itb;
-- COMMIT ends the block with a warning; the next statement starts another.
INSERT INTO itb VALUES (2) \; COMMIT \; INSERT INTO itb VALUES (2);
SELECT * FROM itb;
-- BEGIN turns the block into an explicit one, earlier statements included.
INSERT INTO itb VALUES (3) \; BEGIN \; INSERT INTO itb VALUES (4) \; ROLLBACK;
SELECT * FROM itb;
INSERT INTO itb VALUES (5) \; BEGIN \; INSERT INTO itb VALUES (6);
COMMIT;
SELECT * FROM itb;
-- ROLLBACK in an implicit block rolls it back, with a warning.
INSERT INTO itb VALUES (7) \; ROLLBACK \; INSERT INTO itb VALUES (8);
SELECT * FROM itb;
-- Inside the block: LOCK TABLE works, SET LOCAL lasts until its end,
-- SAVEPOINT and VACUUM do not.
LOCK TABLE itb \; SELECT count(*) FROM itb;
SET LOCAL work_mem = '8MB' \; SHOW work_mem;
SHOW work_mem;
INSERT INTO itb VALUES (9) \; SAVEPOINT s;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO itb VALUES (10) \; VACUUM itb;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM itb;
-- set_config(…, true) is local to the block too.
SELECT set_config('app.tenant', '42', true) \; SELECT current_setting('app.tenant');
SELECT current_setting('app.tenant', true) IS NULL OR current_setting('app.tenant', true) = '' AS gone;
DROP TABLE itb;
