-- UPDATE SET (a, b) = (x, y) and = ROW(x, y): multiple-column assignments,
-- DEFAULT inside them, PostgreSQL's errors for other shapes.
CREATE TABLE mc (a int, b text DEFAULT 'd', c int);
INSERT INTO mc VALUES (1, 'x', 10), (2, 'y', 20);
UPDATE mc SET (a, b) = (a + 100, b || '!') WHERE a = 1 RETURNING *;
UPDATE mc SET (b, c) = (DEFAULT, c * 2), a = a + 1 WHERE a = 2 RETURNING *;
UPDATE mc SET (a, b) = (1);
UPDATE mc SET (a, b) = (1, 'q', 3);
UPDATE mc SET (a, a) = (1, 2);
UPDATE mc SET (a, nosuch) = (1, 2);
UPDATE mc SET (a, b) = ROW(5, 'row') WHERE a = 101 RETURNING *;
SELECT * FROM mc ORDER BY a;
DROP TABLE mc;
