-- Writing through automatically updatable views: INSERT/UPDATE/DELETE
-- reach the table under the view, its WHERE limits UPDATE/DELETE, WITH
-- [LOCAL|CASCADED] CHECK OPTION, expression columns readable but not
-- writable, views that cannot be written through, nested views, and
-- privileges on the view (the caller) and the table (the view owner).
CREATE TABLE base (id int PRIMARY KEY, a int, b text DEFAULT 'dflt', secret text);
INSERT INTO base VALUES (1, 10, 'x', 's1'), (2, -5, 'y', 's2'), (3, 20, 'z', 's3');
CREATE VIEW pos AS SELECT id, a, b FROM base WHERE a > 0;
INSERT INTO pos VALUES (4, 40, 'w');
INSERT INTO pos (id, a) VALUES (5, -1) RETURNING *;
UPDATE pos SET b = b || '!' WHERE id < 10 RETURNING id, b;
UPDATE pos SET a = a + 1 WHERE id = 2;
DELETE FROM pos WHERE b LIKE 'z%' RETURNING id;
SELECT * FROM base ORDER BY id;
CREATE VIEW chk AS SELECT id, a, b FROM base WHERE a > 0 WITH CHECK OPTION;
INSERT INTO chk VALUES (6, -6, 'bad');
INSERT INTO chk VALUES (6, 6, 'good');
UPDATE chk SET a = -a WHERE id = 6;
UPDATE chk SET a = NULL WHERE id = 6;
CREATE VIEW chk2 WITH (security_barrier) AS SELECT * FROM base WHERE a < 100 WITH LOCAL CHECK OPTION;
INSERT INTO chk2 VALUES (7, 700, 'big', 'sec');
CREATE VIEW expr AS SELECT id, a * 2 AS dbl, upper(b) AS ub FROM base;
INSERT INTO expr VALUES (8, 1, 'q');
INSERT INTO expr (id) VALUES (8);
UPDATE expr SET dbl = 3;
DELETE FROM expr WHERE dbl = 20 RETURNING *;
CREATE VIEW grp AS SELECT a, count(*) FROM base GROUP BY a;
INSERT INTO grp VALUES (1, 1);
UPDATE grp SET a = 1;
DELETE FROM grp;
CREATE VIEW agg AS SELECT max(a) FROM base;
DELETE FROM agg;
CREATE VIEW joined AS SELECT base.id FROM base, base b2;
DELETE FROM joined;
CREATE VIEW lim AS SELECT * FROM base LIMIT 1;
DELETE FROM lim;
CREATE VIEW dist AS SELECT DISTINCT a FROM base;
DELETE FROM dist;
CREATE VIEW onview AS SELECT id, b FROM pos WHERE id < 5;
UPDATE onview SET b = 'nested' WHERE id = 1;
INSERT INTO onview VALUES (9, 'n');
SELECT * FROM base ORDER BY id;
-- privileges: the user needs them on the view, the owner on the table.
CREATE ROLE vu;
GRANT SELECT, UPDATE (b) ON pos TO vu;
SET ROLE vu;
UPDATE pos SET b = 'by vu' WHERE id = 1;
UPDATE pos SET a = 1 WHERE id = 1;
DELETE FROM pos;
INSERT INTO pos VALUES (10, 1, 'v');
UPDATE base SET b = 'direct';
RESET ROLE;
SELECT id, b FROM base WHERE id = 1;



-- The view owner's privileges on the table, not the caller's.
CREATE ROLE vowner;
CREATE ROLE vcaller;
GRANT SELECT ON base TO vowner;
CREATE VIEW owned_view AS SELECT id, b FROM base WHERE id < 5;
ALTER VIEW owned_view OWNER TO vowner;
GRANT ALL ON owned_view TO vcaller;
SET ROLE vcaller;
SELECT * FROM owned_view ORDER BY id;
UPDATE owned_view SET b = 'nope' WHERE id = 4;
DELETE FROM owned_view;
RESET ROLE;
GRANT UPDATE ON base TO vowner;
SET ROLE vcaller;
UPDATE owned_view SET b = 'through owner' WHERE id = 4;
RESET ROLE;
-- Policies apply as the view owner; security_invoker views as the caller.
CREATE TABLE notes (id int, author text, body text);
INSERT INTO notes VALUES (1, 'vowner', 'a'), (2, 'vcaller', 'b');
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON notes USING (author = current_user);
GRANT ALL ON notes TO vowner, vcaller;
CREATE VIEW notes_v AS SELECT * FROM notes;
ALTER VIEW notes_v OWNER TO vowner;
CREATE VIEW notes_i WITH (security_invoker) AS SELECT * FROM notes;
GRANT ALL ON notes_v, notes_i TO vcaller;
SET ROLE vcaller;
UPDATE notes_v SET body = body || '!' RETURNING *;
UPDATE notes_i SET body = body || '?' RETURNING *;
INSERT INTO notes_v VALUES (3, 'vcaller', 'c');
INSERT INTO notes_i VALUES (3, 'vcaller', 'c') RETURNING *;
RESET ROLE;
SELECT * FROM notes ORDER BY id;
SELECT id, b FROM base ORDER BY id;
DROP VIEW notes_v, notes_i, owned_view, onview, pos, chk, chk2, expr, grp, agg, joined, lim, dist;
DROP TABLE notes, base;
DROP ROLE vu, vowner, vcaller;
