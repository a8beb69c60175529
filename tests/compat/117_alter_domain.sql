--
-- 117_alter_domain: ALTER DOMAIN SET/DROP DEFAULT, SET/DROP NOT NULL,
-- ADD/DROP/RENAME/VALIDATE CONSTRAINT and RENAME TO; new constraints are
-- checked against the values already stored (also through a domain over
-- the domain); only the owner may alter it.
--
CREATE DOMAIN qty AS int;
CREATE DOMAIN small_qty AS qty;
CREATE TABLE stock (id int PRIMARY KEY, q qty, s small_qty);
INSERT INTO stock VALUES (1, 5, 50), (2, NULL, 7);
ALTER DOMAIN qty SET NOT NULL;
\echo :LAST_ERROR_SQLSTATE
UPDATE stock SET q = 0 WHERE id = 2;
ALTER DOMAIN qty SET NOT NULL;
ALTER DOMAIN qty ADD CONSTRAINT qty_positive CHECK (VALUE > 0);
\echo :LAST_ERROR_SQLSTATE
UPDATE stock SET q = 1 WHERE id = 2;
ALTER DOMAIN qty ADD CONSTRAINT qty_positive CHECK (VALUE > 0);
ALTER DOMAIN qty ADD CHECK (VALUE < 40);
\echo :LAST_ERROR_SQLSTATE
ALTER DOMAIN qty ADD CHECK (VALUE < 100);
ALTER DOMAIN qty ADD CONSTRAINT qty_positive CHECK (VALUE > 1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO stock VALUES (3, 0, 1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO stock VALUES (4, NULL, 1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO stock VALUES (5, 1, 200);
\echo :LAST_ERROR_SQLSTATE
ALTER DOMAIN qty SET DEFAULT 7;
INSERT INTO stock (id) VALUES (6);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO stock (id, s) VALUES (7, 3);
SELECT * FROM stock ORDER BY id;
ALTER DOMAIN qty SET DEFAULT 'x';
\echo :LAST_ERROR_SQLSTATE
ALTER DOMAIN qty DROP DEFAULT;
ALTER DOMAIN qty RENAME CONSTRAINT qty_check TO qty_below_100;
ALTER DOMAIN qty RENAME CONSTRAINT nosuch TO other;
\echo :LAST_ERROR_SQLSTATE
ALTER DOMAIN qty RENAME CONSTRAINT qty_below_100 TO qty_positive;
\echo :LAST_ERROR_SQLSTATE
ALTER DOMAIN qty VALIDATE CONSTRAINT qty_below_100;
\dD
ALTER DOMAIN qty DROP CONSTRAINT qty_below_100;
ALTER DOMAIN qty DROP CONSTRAINT qty_below_100;
\echo :LAST_ERROR_SQLSTATE
ALTER DOMAIN qty DROP CONSTRAINT IF EXISTS qty_below_100;
ALTER DOMAIN qty DROP NOT NULL;
INSERT INTO stock VALUES (8, NULL, 500);
SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
  JOIN pg_type t ON t.oid = c.contypid WHERE t.typname = 'qty' ORDER BY 1;
ALTER DOMAIN qty RENAME TO stock;
\echo :LAST_ERROR_SQLSTATE
ALTER DOMAIN qty RENAME TO quantity;
\d stock
ALTER DOMAIN nosuch SET NOT NULL;
\echo :LAST_ERROR_SQLSTATE
-- Only the owner alters a domain.
CREATE ROLE regress_alter_dom;
SET ROLE regress_alter_dom;
ALTER DOMAIN quantity DROP CONSTRAINT qty_positive;
\echo :LAST_ERROR_SQLSTATE
ALTER DOMAIN quantity SET DEFAULT 1;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP TABLE stock;
DROP DOMAIN small_qty, quantity;
DROP ROLE regress_alter_dom;
