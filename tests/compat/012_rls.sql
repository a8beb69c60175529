--
-- 012_rls: row-level security: policies per command and role, permissive and
-- restrictive, tenant context from set_config, owner bypass and FORCE,
-- BYPASSRLS, row_security = off, views, subqueries.
--
CREATE ROLE regress_rls_owner;
CREATE ROLE regress_rls_alice;
CREATE ROLE regress_rls_bob;
CREATE ROLE regress_rls_admin BYPASSRLS;
CREATE SCHEMA regress_rls AUTHORIZATION regress_rls_owner;
GRANT USAGE ON SCHEMA regress_rls TO regress_rls_alice, regress_rls_bob, regress_rls_admin;
SET ROLE regress_rls_owner;
CREATE TABLE regress_rls.docs (id int PRIMARY KEY, tenant text, owner_name text, body text, archived boolean DEFAULT false);
INSERT INTO regress_rls.docs VALUES
  (1, 'acme', 'regress_rls_alice', 'a1', false),
  (2, 'acme', 'regress_rls_bob', 'b1', false),
  (3, 'globex', 'regress_rls_bob', 'b2', false),
  (4, 'acme', 'regress_rls_alice', 'old', true);
GRANT SELECT, INSERT, UPDATE, DELETE ON regress_rls.docs TO regress_rls_alice, regress_rls_bob, regress_rls_admin;
ALTER TABLE regress_rls.docs ENABLE ROW LEVEL SECURITY;
RESET ROLE;
-- RLS on, no policy: nobody but the owner sees rows
SET ROLE regress_rls_alice;
SELECT count(*) FROM regress_rls.docs;
RESET ROLE;
SET ROLE regress_rls_owner;
CREATE POLICY tenant_read ON regress_rls.docs FOR SELECT
  USING (tenant = current_setting('app.tenant', true));
CREATE POLICY own_rows ON regress_rls.docs FOR ALL TO regress_rls_alice, regress_rls_bob
  USING (owner_name = current_user) WITH CHECK (owner_name = current_user);
CREATE POLICY hide_archived ON regress_rls.docs AS RESTRICTIVE FOR SELECT USING (NOT archived);
CREATE POLICY tenant_read ON regress_rls.docs USING (true);
CREATE POLICY bad ON regress_rls.docs FOR INSERT USING (true);
CREATE POLICY bad ON regress_rls.docs FOR SELECT WITH CHECK (true);
SELECT count(*) FROM regress_rls.docs;
RESET ROLE;
SELECT policyname, permissive, roles, cmd FROM pg_policies WHERE tablename = 'docs' ORDER BY policyname;
SET ROLE regress_rls_alice;
SELECT id, body FROM regress_rls.docs ORDER BY id;
BEGIN;
SELECT set_config('app.tenant', 'acme', true);
SELECT id, body FROM regress_rls.docs ORDER BY id;
COMMIT;
SELECT id, body FROM regress_rls.docs ORDER BY id;
INSERT INTO regress_rls.docs VALUES (5, 'acme', 'regress_rls_alice', 'a2');
INSERT INTO regress_rls.docs VALUES (6, 'acme', 'regress_rls_bob', 'forged');
UPDATE regress_rls.docs SET body = body || '!' RETURNING id, body;
UPDATE regress_rls.docs SET owner_name = 'regress_rls_bob' WHERE id = 1;
DELETE FROM regress_rls.docs WHERE id = 2;
SELECT id FROM regress_rls.docs WHERE id IN (SELECT id FROM regress_rls.docs) ORDER BY id;
SET row_security = off;
SELECT count(*) FROM regress_rls.docs;
RESET row_security;
RESET ROLE;
SET ROLE regress_rls_bob;
SELECT id, body FROM regress_rls.docs ORDER BY id;
DELETE FROM regress_rls.docs WHERE id = 3 RETURNING id;
RESET ROLE;
SET ROLE regress_rls_admin;
SELECT id FROM regress_rls.docs ORDER BY id;
RESET ROLE;
SET ROLE regress_rls_owner;
SELECT id FROM regress_rls.docs ORDER BY id;
ALTER TABLE regress_rls.docs FORCE ROW LEVEL SECURITY;
SELECT id FROM regress_rls.docs ORDER BY id;
ALTER TABLE regress_rls.docs NO FORCE ROW LEVEL SECURITY;
CREATE VIEW regress_rls.all_docs AS SELECT id, tenant FROM regress_rls.docs;
GRANT SELECT ON regress_rls.all_docs TO regress_rls_alice;
RESET ROLE;
SET ROLE regress_rls_alice;
SELECT id FROM regress_rls.all_docs ORDER BY id;
DROP POLICY own_rows ON regress_rls.docs;
RESET ROLE;
SET ROLE regress_rls_owner;
DROP POLICY IF EXISTS nope ON regress_rls.docs;
ALTER POLICY tenant_read ON regress_rls.docs RENAME TO tenant_select;
DROP POLICY own_rows ON regress_rls.docs;
RESET ROLE;
SELECT policyname FROM pg_policies WHERE tablename = 'docs' ORDER BY 1;
DROP SCHEMA regress_rls CASCADE;
DROP ROLE regress_rls_owner, regress_rls_alice, regress_rls_bob, regress_rls_admin;
