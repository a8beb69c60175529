-- Whole-row values: t.* as a value, IS [NOT] NULL over every field.
CREATE TABLE ws (a int, b text);
INSERT INTO ws VALUES (1, 'x'), (NULL, NULL);
SELECT (w.*) IS NULL, (w.*) IS NOT NULL FROM ws w ORDER BY a;
SELECT (j.*) IS NULL FROM (ws x JOIN ws y USING (a)) j;
DROP TABLE ws;
