--
-- 001_basics: tables, DML, aggregates, NULLs and common errors.
-- Expected output is produced by PostgreSQL 15 at test time (tests/oracle/compat.sh).
--
CREATE TABLE compat_items (
    id integer PRIMARY KEY,
    big bigint,
    name text NOT NULL,
    active boolean,
    price numeric(10,2),
    code varchar(8)
);
INSERT INTO compat_items VALUES
    (1, 10000000000, 'apple', true, 1.25, 'A1'),
    (2, -5, 'banana', false, 0.50, 'B2'),
    (3, 42, 'cherry', true, 12.00, 'C3'),
    (4, NULL, 'date', NULL, NULL, NULL),
    (5, 7, 'elderberry', false, 3.333, 'E5');
SELECT * FROM compat_items ORDER BY id;
SELECT id, name FROM compat_items WHERE active ORDER BY id;
SELECT id, name, price FROM compat_items WHERE price > 1 ORDER BY price DESC, id LIMIT 2;
SELECT id FROM compat_items WHERE big IS NULL ORDER BY id;
SELECT name, code FROM compat_items WHERE code LIKE 'B%' OR name = 'date' ORDER BY name;
UPDATE compat_items SET price = price * 2, active = true WHERE id IN (2, 5);
SELECT id, active, price FROM compat_items ORDER BY id;
DELETE FROM compat_items WHERE id = 3;
SELECT count(*), count(big), sum(big), min(price), max(price), min(name), max(name)
  FROM compat_items;
SELECT active, count(*) FROM compat_items GROUP BY active ORDER BY active NULLS LAST;
SELECT NULL AS nothing, 1 + NULL AS still_nothing, NULL IS NULL AS is_null;
SELECT 1 / 0;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT * FROM compat_no_such_table;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELEC 1;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT count(*) FROM compat_items;
DROP TABLE compat_items;
