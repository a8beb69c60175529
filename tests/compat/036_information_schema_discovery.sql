-- information_schema discovery views as ORMs and migration tools read them:
-- tables, columns, views, table_constraints, key_column_usage,
-- referential_constraints, schemata, sequences, with visibility by privilege.
CREATE ROLE isd_reader;
CREATE SCHEMA isd;
CREATE TABLE isd.customers (
    id serial PRIMARY KEY,
    email varchar(200) NOT NULL UNIQUE,
    score numeric(8,3) DEFAULT 0,
    created timestamptz DEFAULT now(),
    tags text[]
);
CREATE TABLE isd.orders (
    id bigint PRIMARY KEY,
    customer_id int NOT NULL REFERENCES isd.customers(id) ON DELETE CASCADE,
    amount double precision CHECK (amount > 0),
    code char(4),
    small smallint,
    d date
);
CREATE VIEW isd.big_orders AS SELECT id, amount FROM isd.orders WHERE amount > 100;
CREATE SEQUENCE isd.counter START 10 INCREMENT 5;
-- (Views are not updatable in Rampart, so their is_updatable and
-- is_insertable_into columns differ from PostgreSQL's and are left out.)
SELECT table_schema, table_name, table_type, is_typed,
       CASE WHEN table_type = 'BASE TABLE' THEN is_insertable_into END AS insertable
FROM information_schema.tables WHERE table_schema = 'isd' ORDER BY table_name;
SELECT table_name, column_name, ordinal_position, column_default, is_nullable, data_type,
       character_maximum_length, character_octet_length, numeric_precision, numeric_precision_radix,
       numeric_scale, datetime_precision, udt_schema, udt_name, dtd_identifier, is_identity, is_generated,
       CASE WHEN table_name <> 'big_orders' THEN is_updatable END AS updatable
FROM information_schema.columns WHERE table_schema = 'isd' ORDER BY table_name, ordinal_position;
SELECT table_name, check_option, is_trigger_updatable FROM information_schema.views WHERE table_schema = 'isd';
SELECT constraint_name, table_name, constraint_type, is_deferrable, initially_deferred, enforced, nulls_distinct
FROM information_schema.table_constraints WHERE table_schema = 'isd' AND constraint_name NOT LIKE '%not_null' ORDER BY table_name, constraint_name;
SELECT count(*) AS not_null_checks FROM information_schema.table_constraints
WHERE table_schema = 'isd' AND constraint_name LIKE '%\_not\_null';
SELECT constraint_name, table_name, column_name, ordinal_position, position_in_unique_constraint
FROM information_schema.key_column_usage WHERE table_schema = 'isd' ORDER BY constraint_name, ordinal_position;
SELECT constraint_name, unique_constraint_schema, unique_constraint_name, match_option, update_rule, delete_rule
FROM information_schema.referential_constraints WHERE constraint_schema = 'isd';
SELECT sequence_schema, sequence_name, data_type, numeric_precision, start_value, minimum_value, maximum_value, increment, cycle_option
FROM information_schema.sequences WHERE sequence_schema = 'isd' ORDER BY sequence_name;
SELECT schema_name, schema_owner FROM information_schema.schemata WHERE schema_name IN ('isd', 'public') ORDER BY 1;
-- A role with no privileges sees none of it; a column grant shows that column only.
GRANT USAGE ON SCHEMA isd TO isd_reader;
GRANT SELECT (email) ON isd.customers TO isd_reader;
SET ROLE isd_reader;
SELECT table_name FROM information_schema.tables WHERE table_schema = 'isd' ORDER BY 1;
SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'isd' ORDER BY 1, 2;
SELECT constraint_name FROM information_schema.table_constraints WHERE table_schema = 'isd';
SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'isd';
SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'isd';
RESET ROLE;
DROP VIEW isd.big_orders;
DROP TABLE isd.orders, isd.customers;
DROP SEQUENCE isd.counter;
DROP SCHEMA isd;
DROP ROLE isd_reader;
