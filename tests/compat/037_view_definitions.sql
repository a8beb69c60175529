-- View definitions (pg_views, pg_get_viewdef, \d+) and policies with
-- subqueries (pg_policies, \d) deparsed as PostgreSQL 15's ruleutils prints them.
CREATE TABLE vd_t1 (id int PRIMARY KEY, v text, n numeric);
CREATE TABLE vd_t2 (id int, t1_id int, w text);
CREATE VIEW vd_v1 AS SELECT id, v FROM vd_t1;
CREATE VIEW vd_v2 AS SELECT id AS ident, upper(v) AS uv, n * 2 AS dbl FROM vd_t1 WHERE id > 1 AND v <> 'x' ORDER BY v DESC LIMIT 5;
CREATE VIEW vd_v3 AS SELECT vd_t1.id, vd_t2.w FROM vd_t1 JOIN vd_t2 ON vd_t2.t1_id = vd_t1.id WHERE vd_t2.w IS NOT NULL;
CREATE VIEW vd_v4 AS SELECT v, count(*) AS c FROM vd_t1 GROUP BY v HAVING count(*) > 1;
CREATE VIEW vd_v5 AS SELECT id FROM vd_t1 WHERE id IN (SELECT t1_id FROM vd_t2 WHERE w = 'a');
CREATE VIEW vd_v6 AS SELECT a.id FROM vd_t1 a, vd_t2 b WHERE a.id = b.id;
CREATE VIEW vd_v7 AS SELECT id, (SELECT max(w) FROM vd_t2 WHERE vd_t2.t1_id = vd_t1.id) AS mw FROM vd_t1;
ALTER TABLE vd_t1 ENABLE ROW LEVEL SECURITY;
CREATE POLICY vd_p1 ON vd_t1 USING (id <= (SELECT max(t1_id) FROM vd_t2 WHERE w = current_user));
CREATE POLICY vd_p2 ON vd_t1 USING (EXISTS (SELECT 1 FROM vd_t2 WHERE vd_t2.t1_id = vd_t1.id AND vd_t2.w = v));
CREATE POLICY vd_p3 ON vd_t1 USING (id IN (SELECT t1_id FROM vd_t2));
SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' AND viewname LIKE 'vd\_%' ORDER BY 1;
SELECT pg_get_viewdef('vd_v2'::regclass, true);
SELECT pg_get_viewdef('vd_v3'::regclass, true);
SELECT pg_get_viewdef('vd_v5'::regclass, true);
SELECT pg_get_viewdef('vd_v7'::regclass, true);
SELECT policyname, qual FROM pg_policies WHERE tablename = 'vd_t1' ORDER BY 1;
\d+ vd_v3
\d vd_t1
DROP VIEW vd_v1, vd_v2, vd_v3, vd_v4, vd_v5, vd_v6, vd_v7;
DROP TABLE vd_t1, vd_t2;
