-- Under row-level security a WHERE conjunct that reads no column of the
-- table runs before the policy, on every row (it cannot leak them);
-- one that reads a column runs after it, on the visible rows only.
CREATE TABLE vq (a int);
INSERT INTO vq SELECT * FROM generate_series(1, 6);
CREATE FUNCTION vq_leak(text) RETURNS bool COST 0.0000001 LANGUAGE plpgsql AS 'BEGIN RAISE NOTICE ''leak => %'', $1; RETURN true; END';
SELECT * FROM vq WHERE vq_leak('abc');
ALTER TABLE vq ENABLE ROW LEVEL SECURITY;
CREATE ROLE vq_r;
GRANT SELECT ON vq TO vq_r;
CREATE POLICY p ON vq USING (a % 2 = 0);
SET ROLE vq_r;
SELECT * FROM vq WHERE vq_leak(a::text);
SELECT * FROM vq WHERE vq_leak('abc');
RESET ROLE;
DROP TABLE vq; DROP FUNCTION vq_leak(text); DROP ROLE vq_r;
