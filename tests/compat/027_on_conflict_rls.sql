-- ON CONFLICT DO UPDATE under row-level security: the existing row must pass UPDATE/SELECT USING.
CREATE ROLE oc_bob;
CREATE TABLE oc_docs (id int PRIMARY KEY, owner_name text, body text);
INSERT INTO oc_docs VALUES (1, 'oc_bob', 'mine'), (2, 'oc_alice', 'theirs');
ALTER TABLE oc_docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY sel ON oc_docs FOR SELECT USING (true);
CREATE POLICY ins ON oc_docs FOR INSERT WITH CHECK (owner_name = current_user);
CREATE POLICY upd ON oc_docs FOR UPDATE USING (owner_name = current_user);
GRANT SELECT, INSERT, UPDATE ON oc_docs TO oc_bob;
SET ROLE oc_bob;
INSERT INTO oc_docs VALUES (1, 'oc_bob', 'x') ON CONFLICT (id) DO UPDATE SET body = 'updated mine';
INSERT INTO oc_docs VALUES (2, 'oc_bob', 'x') ON CONFLICT (id) DO UPDATE SET body = 'stolen';
\echo :LAST_ERROR_SQLSTATE
INSERT INTO oc_docs VALUES (3, 'oc_alice', 'x') ON CONFLICT (id) DO NOTHING;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO oc_docs VALUES (1, 'oc_bob', 'x') ON CONFLICT (id) DO UPDATE SET owner_name = 'oc_alice';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM oc_docs ORDER BY id;
DROP TABLE oc_docs;
DROP ROLE oc_bob;
