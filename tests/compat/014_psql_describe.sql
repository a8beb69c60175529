-- psql's describe commands read the catalogs: \du, \dt, \d, \dp (\z) with and without patterns.
CREATE ROLE d_alice LOGIN;
CREATE ROLE d_admins NOLOGIN;
CREATE ROLE d_carol LOGIN CREATEDB CONNECTION LIMIT 3;
GRANT d_admins TO d_alice;
\du d_*
\du d_alice
CREATE TABLE d_orders (id int PRIMARY KEY, owner_name text DEFAULT current_user, amount numeric);
CREATE SEQUENCE d_seq;
CREATE VIEW d_view AS SELECT id FROM d_orders;
CREATE SCHEMA d_app AUTHORIZATION d_alice;
CREATE TABLE d_app.items (k int);
\dt
\d
\dt d_app.*
\dp
GRANT SELECT, INSERT ON d_orders TO d_alice WITH GRANT OPTION;
GRANT UPDATE (amount) ON d_orders TO d_carol;
GRANT USAGE ON SEQUENCE d_seq TO d_carol;
ALTER TABLE d_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON d_orders FOR SELECT TO d_alice USING (owner_name = current_user);
CREATE POLICY cap ON d_orders AS RESTRICTIVE FOR INSERT WITH CHECK (amount < 1000);
CREATE POLICY everyone ON d_orders USING (true);
\dp
\z d_orders
\dp d_seq
SELECT relname, relkind, relrowsecurity, relhasindex FROM pg_class WHERE relname LIKE 'd\_%' ORDER BY 1;
SELECT attname, attnum, attnotnull, atthasdef FROM pg_attribute WHERE attrelid = (SELECT oid FROM pg_class WHERE relname = 'd_orders') ORDER BY attnum;
SELECT polname, polcmd, polpermissive, pg_get_expr(polqual, polrelid) FROM pg_policy ORDER BY 1;
SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'd_app';
SELECT pg_table_is_visible(oid) FROM pg_class WHERE relname = 'items';
SET search_path = d_app, public;
SELECT pg_table_is_visible(oid) FROM pg_class WHERE relname = 'items';
RESET search_path;
SELECT pg_get_userbyid(datdba) AS owner, pg_encoding_to_char(encoding) AS enc, datcollate, datctype, daticulocale,
       datlocprovider, datallowconn, datconnlimit, datacl FROM pg_database WHERE datname = current_database();
SELECT 'abc' OPERATOR(pg_catalog.~) '^a' COLLATE pg_catalog.default, 'x' COLLATE "C" = 'x';
SELECT 'x' COLLATE "nope";
DROP POLICY owner_only ON d_orders;
DROP POLICY cap ON d_orders;
DROP POLICY everyone ON d_orders;
DROP VIEW d_view;
DROP TABLE d_orders;
DROP SEQUENCE d_seq;
DROP TABLE d_app.items;
DROP SCHEMA d_app;
DROP ROLE d_alice;
DROP ROLE d_admins;
DROP ROLE d_carol;
