-- Policies depend on the relations their expressions read.
CREATE TABLE pd_lookup (k int);
CREATE TABLE pd_other (k int);
CREATE TABLE pd_main (k int, v text);
CREATE TABLE pd_vsrc (k int);
CREATE VIEW pd_view AS SELECT k FROM pd_vsrc;
CREATE POLICY p1 ON pd_main USING (k IN (SELECT k FROM pd_lookup));
CREATE POLICY p2 ON pd_main USING (EXISTS (SELECT 1 FROM pd_view v WHERE v.k = pd_main.k));
CREATE POLICY p3 ON pd_other USING (k > (SELECT count(*) FROM pd_lookup));
DROP TABLE pd_lookup;
\echo :LAST_ERROR_SQLSTATE
DROP VIEW pd_view;
\echo :LAST_ERROR_SQLSTATE
DROP VIEW pd_view CASCADE;
SELECT polname FROM pg_policy ORDER BY 1;
ALTER POLICY p1 ON pd_main USING (k > 0);
DROP TABLE pd_lookup CASCADE;
SELECT polname FROM pg_policy ORDER BY 1;
DROP TABLE pd_main, pd_other, pd_vsrc;
