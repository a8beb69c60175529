-- ALTER TABLE DROP COLUMN: dependents (views, policies, foreign keys) block it
-- or go with CASCADE; indexes, CHECKs, serial sequences go with it; DROP TABLE
-- and DROP VIEW with dependent views.
CREATE TABLE dc (a int PRIMARY KEY, b int, c text CHECK (c <> ''), d int, CHECK (b > d));
CREATE INDEX dc_bd ON dc (b, d);
CREATE INDEX dc_d ON dc (d);
INSERT INTO dc VALUES (1, 10, 'x', 5), (2, 20, 'y', 6);
CREATE VIEW dcv AS SELECT a, b FROM dc;
CREATE VIEW dcv2 AS SELECT * FROM dcv;
CREATE VIEW dcstar AS SELECT * FROM dc;
CREATE TABLE dcref (x int REFERENCES dc (a));
ALTER TABLE dc DROP COLUMN nosuch;
ALTER TABLE dc DROP COLUMN IF EXISTS nosuch;
ALTER TABLE dc DROP COLUMN b;
ALTER TABLE dc DROP COLUMN a;
DROP VIEW dcstar;
ALTER TABLE dc DROP COLUMN b CASCADE;
\d dc
SELECT * FROM dc ORDER BY a;
ALTER TABLE dc ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON dc USING (d > 0);
ALTER TABLE dc DROP COLUMN d;
ALTER TABLE dc DROP COLUMN d CASCADE;
SELECT polname FROM pg_policy;
ALTER TABLE dc DROP COLUMN c, ADD COLUMN e int DEFAULT 3;
SELECT * FROM dc ORDER BY a;
INSERT INTO dc VALUES (3, 4);
SELECT * FROM dc ORDER BY a;
ALTER TABLE dc DROP COLUMN a CASCADE;
\d dc
SELECT * FROM dc;
DROP TABLE dcref, dc;
CREATE TABLE dt (a int, b int);
CREATE VIEW dtv AS SELECT a FROM dt;
CREATE VIEW dtv2 AS SELECT a FROM dtv;
DROP TABLE dt;
DROP VIEW dtv;
DROP TABLE dt CASCADE;
CREATE TABLE ser (id serial, v int);
ALTER TABLE ser DROP COLUMN id;
SELECT count(*) FROM pg_class WHERE relname = 'ser_id_seq';
CREATE ROLE dcr;
CREATE TABLE own (a int, b int);
SET ROLE dcr;
ALTER TABLE own DROP COLUMN b;
RESET ROLE;
CREATE TABLE cm (a int, b int, c int);
COMMENT ON COLUMN cm.c IS 'the c column';
GRANT SELECT (b, c) ON cm TO dcr;
ALTER TABLE cm DROP COLUMN b;
\d+ cm
\dp cm
SET ROLE dcr;
SELECT c FROM cm;
SELECT b FROM cm;
RESET ROLE;
DROP TABLE own, ser, cm;
DROP ROLE dcr;
