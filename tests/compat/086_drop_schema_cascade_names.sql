-- DROP SCHEMA … CASCADE lists what it drops: names qualified only when the
-- search path does not find them, partitions left out (they go with their
-- partitioned table), functions with their argument types.
CREATE SCHEMA dsc;
CREATE TABLE dsc.plain (id int);
CREATE TABLE dsc.parted (k int) PARTITION BY LIST (k);
CREATE TABLE dsc.parted_1 PARTITION OF dsc.parted FOR VALUES IN (1);
CREATE TABLE dsc.parted_2 PARTITION OF dsc.parted FOR VALUES IN (2);
CREATE VIEW dsc.v AS SELECT * FROM dsc.plain;
CREATE SEQUENCE dsc.s;
CREATE FUNCTION dsc.f(a int, b text) RETURNS int LANGUAGE sql AS 'SELECT a';
-- Not on the search path: qualified.
DROP SCHEMA dsc;
SET search_path = dsc, public;
-- On it: bare names.
DROP SCHEMA dsc;
DROP SCHEMA dsc CASCADE;
RESET search_path;
CREATE SCHEMA dsc2;
CREATE TABLE dsc2.parted (k int) PARTITION BY LIST (k);
CREATE TABLE dsc2.parted_1 PARTITION OF dsc2.parted FOR VALUES IN (1);
CREATE TABLE dsc2.t (id int);
DROP SCHEMA dsc2 CASCADE;
