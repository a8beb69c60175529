-- psql's \d on tables, indexes, views and sequences: columns, defaults,
-- indexes, check and foreign-key constraints, referenced-by, policies and
-- row security status, as PostgreSQL 15 prints them.
CREATE ROLE dt_alice;
CREATE TABLE dt_customers (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name varchar(100) DEFAULT 'anon',
    created timestamptz DEFAULT now()
);
CREATE TABLE dt_orders (
    id bigserial PRIMARY KEY,
    customer_id int NOT NULL REFERENCES dt_customers(id) ON DELETE CASCADE,
    amount numeric(10,2) CHECK (amount > 0),
    owner_name text DEFAULT current_user,
    note text,
    qty int DEFAULT -1,
    flag boolean DEFAULT false,
    CONSTRAINT dt_orders_sane CHECK (qty <> 0 AND (note IS NULL OR length(note) < 100))
);
CREATE INDEX dt_orders_customer_idx ON dt_orders (customer_id);
CREATE UNIQUE INDEX dt_orders_note_uniq ON dt_orders (note, qty);
ALTER TABLE dt_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON dt_orders FOR SELECT TO dt_alice USING (owner_name = current_user);
CREATE POLICY ins_pol ON dt_orders FOR INSERT WITH CHECK (amount < 1000);
CREATE POLICY strict_pol ON dt_orders AS RESTRICTIVE USING (qty > 0);
\d dt_orders
\d dt_customers
\d dt_orders_pkey
\d dt_orders_note_uniq
CREATE TABLE dt_rlsonly (a int);
ALTER TABLE dt_rlsonly ENABLE ROW LEVEL SECURITY;
ALTER TABLE dt_rlsonly FORCE ROW LEVEL SECURITY;
\d dt_rlsonly
CREATE TABLE dt_polnorls (a int);
CREATE POLICY p1 ON dt_polnorls AS RESTRICTIVE USING (a > 0);
\d dt_polnorls
CREATE VIEW dt_view AS SELECT id, email FROM dt_customers;
\d dt_view
CREATE SEQUENCE dt_seq START 5 INCREMENT 2;
\d dt_seq
\d dt_customers_id_seq
\d nosuch
-- Regclass and friends print names and compare as OIDs.
SELECT 'dt_orders'::regclass, 'dt_orders'::regclass = (SELECT oid FROM pg_class WHERE relname = 'dt_orders');
SELECT 'integer'::regtype, 'character varying'::regtype, 'public'::regnamespace, 'dt_alice'::regrole;
SELECT conname, contype, conrelid::regclass, confrelid::regclass, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true)
FROM pg_constraint WHERE conrelid IN ('dt_orders'::regclass, 'dt_customers'::regclass) ORDER BY conname;
SELECT a.attname, pg_get_expr(d.adbin, d.adrelid), pg_get_expr(d.adbin, d.adrelid, true)
FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
WHERE d.adrelid = 'dt_orders'::regclass ORDER BY d.adnum;
SELECT pg_get_indexdef('dt_orders_note_uniq'::regclass), pg_get_indexdef('dt_orders_note_uniq'::regclass, 2, true);
SELECT 'nosuch'::regclass;
\echo :LAST_ERROR_SQLSTATE
SELECT 'nosuch'::regtype;
\echo :LAST_ERROR_SQLSTATE
SELECT 'nosuch'::regrole;
\echo :LAST_ERROR_SQLSTATE
SELECT 'nosuch'::regnamespace;
\echo :LAST_ERROR_SQLSTATE
SELECT 'a.b.c.d'::regclass;
\echo :LAST_ERROR_SQLSTATE
SELECT 'nosuch.x'::regclass;
\echo :LAST_ERROR_SQLSTATE
-- Size functions: bad input is refused as PostgreSQL refuses it.
SELECT pg_relation_size('dt_orders', 'bogus');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_relation_size('dt_orders', 'fsm'), pg_size_pretty(10240::bigint), pg_relation_size(0) IS NULL AS unknown_is_null;
SELECT pg_database_size('no_such_database');
\echo :LAST_ERROR_SQLSTATE
DROP VIEW dt_view;
DROP TABLE dt_orders, dt_customers, dt_rlsonly, dt_polnorls;
DROP SEQUENCE dt_seq;
DROP ROLE dt_alice;
