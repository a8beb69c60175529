-- User-defined functions: SQL and PL/pgSQL, overloading, defaults, errors.
CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2));
INSERT INTO items VALUES (1, 'apple', 1.50), (2, 'pear', 2.25), (3, 'plum', NULL);
CREATE FUNCTION add_one(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
SELECT add_one(41), add_one(id) FROM items ORDER BY id;
CREATE FUNCTION add_one(text) RETURNS text LANGUAGE sql AS $$ SELECT $1 || '+1' $$;
SELECT add_one('x'), add_one(2::bigint);
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION greet(who text, greeting text DEFAULT 'hello') RETURNS text
  LANGUAGE sql AS $$ SELECT greeting || ', ' || who $$;
SELECT greet('bob'), greet('ann', 'hi');
CREATE FUNCTION strict_len(text) RETURNS int LANGUAGE sql STRICT AS 'SELECT length($1)';
SELECT strict_len(NULL) IS NULL AS is_null, strict_len('abcd');
CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM items';
SELECT item_count();
CREATE FUNCTION add_one(integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';
\echo :LAST_ERROR_SQLSTATE
CREATE OR REPLACE FUNCTION add_one(integer) RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint';
\echo :LAST_ERROR_SQLSTATE
SELECT nosuch_fn(1);
\echo :LAST_ERROR_SQLSTATE
SELECT add_one(true);
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION bad_lang() RETURNS int LANGUAGE perl AS 'x';
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION no_ret() LANGUAGE sql AS 'SELECT 1';
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION void_fn() RETURNS void LANGUAGE sql AS 'UPDATE items SET price = price';
SELECT void_fn();
-- PL/pgSQL
CREATE FUNCTION fact(n int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r bigint := 1;
  i int;
BEGIN
  IF n < 0 THEN
    RAISE EXCEPTION 'negative input: %', n USING ERRCODE = 'invalid_parameter_value';
  ELSIF n = 0 THEN
    RETURN 1;
  END IF;
  FOR i IN 1..n LOOP
    r := r * i;
  END LOOP;
  RETURN r;
END $$;
SELECT fact(0), fact(5), fact(20);
SELECT fact(-1);
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION describe_items() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  rec record;
  out text := '';
  n int := 0;
BEGIN
  FOR rec IN SELECT id, name, price FROM items ORDER BY id LOOP
    n := n + 1;
    CONTINUE WHEN rec.price IS NULL;
    out := out || rec.name || '=' || rec.price || ';';
  END LOOP;
  RAISE NOTICE 'visited % rows, found=%', n, FOUND;
  RETURN out;
END $$;
SELECT describe_items();
CREATE FUNCTION lookup(p_id int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
  SELECT name INTO STRICT v FROM items WHERE id = p_id;
  RETURN v;
EXCEPTION
  WHEN no_data_found THEN
    RETURN 'none';
END $$;
SELECT lookup(2), lookup(99);
CREATE FUNCTION lookup_loose(p_id int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
  SELECT name INTO v FROM items WHERE id = p_id;
  IF NOT FOUND THEN
    RETURN 'missing';
  END IF;
  RETURN v;
END $$;
SELECT lookup_loose(1), lookup_loose(7);
CREATE FUNCTION all_names() RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
  SELECT name INTO STRICT v FROM items;
  RETURN v;
END $$;
SELECT all_names();
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION safe_div(a int, b int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN a / b;
EXCEPTION WHEN division_by_zero THEN
  RAISE NOTICE 'caught: % (%)', SQLERRM, SQLSTATE;
  RETURN NULL;
END $$;
SELECT safe_div(10, 2), safe_div(1, 0);
CREATE FUNCTION counter_loop() RETURNS int LANGUAGE plpgsql AS $$
DECLARE i int := 0; total int := 0;
BEGIN
  LOOP
    i := i + 1;
    EXIT WHEN i > 10;
    IF i % 2 = 0 THEN CONTINUE; END IF;
    total := total + i;
  END LOOP;
  WHILE total > 20 LOOP total := total - 7; END LOOP;
  FOR i IN REVERSE 10..1 BY 3 LOOP total := total + i; END LOOP;
  RETURN total;
END $$;
SELECT counter_loop();
CREATE FUNCTION case_fn(x int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  CASE x
    WHEN 1, 2 THEN RETURN 'low';
    WHEN 3 THEN RETURN 'three';
    ELSE RETURN 'other';
  END CASE;
END $$;
SELECT case_fn(1), case_fn(3), case_fn(9);
CREATE FUNCTION case_missing(x int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  CASE WHEN x > 0 THEN RETURN 'pos'; END CASE;
END $$;
SELECT case_missing(-1);
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION no_return() RETURNS int LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
SELECT no_return();
\echo :LAST_ERROR_SQLSTATE
-- dynamic SQL and DML
CREATE FUNCTION bump(tbl text, delta numeric) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('UPDATE %I SET price = price + $1 WHERE price IS NOT NULL', tbl) USING delta;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
SELECT bump('items', 1);
SELECT id, price FROM items ORDER BY id;
CREATE FUNCTION add_item(p_id int, p_name text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE new_id int;
BEGIN
  INSERT INTO items (id, name) VALUES (p_id, p_name) RETURNING id INTO new_id;
  RETURN new_id;
END $$;
SELECT add_item(10, 'kiwi');
SELECT add_item(10, 'dup');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM items;
-- DO blocks
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT name FROM items WHERE id < 3 ORDER BY id LOOP
    RAISE NOTICE 'item %', r.name;
  END LOOP;
  RAISE WARNING 'done with % %%', 'items';
END $$;
DO $$ BEGIN RAISE 'plain % message', 1; END $$;
\echo :LAST_ERROR_SQLSTATE
DO $$ BEGIN RAISE unique_violation; END $$;
\echo :LAST_ERROR_SQLSTATE
DO $$ BEGIN RAISE SQLSTATE '22012' USING MESSAGE = 'custom div'; END $$;
\echo :LAST_ERROR_SQLSTATE
DO $$
BEGIN
  BEGIN
    INSERT INTO items VALUES (20, 'temp', 1);
    PERFORM 1 / 0;
  EXCEPTION WHEN others THEN
    RAISE NOTICE 'rolled back: %', SQLERRM;
  END;
END $$;
SELECT count(*) FROM items WHERE id = 20;
DO $$ BEGIN EXECUTE 'CREATE TABLE made_by_do (a int)'; INSERT INTO made_by_do VALUES (1), (2); END $$;
SELECT * FROM made_by_do;
DO LANGUAGE sql $$ SELECT 1 $$;
\echo :LAST_ERROR_SQLSTATE
DO $$ BEGIN x := 1; END $$;
\echo :LAST_ERROR_SQLSTATE
DO $$ BEGIN RAISE NOTICE 'a %'; END $$;
\echo :LAST_ERROR_SQLSTATE
-- procedures
CREATE PROCEDURE insert_item(p_id int, p_name text) LANGUAGE sql AS $$
  INSERT INTO items (id, name) VALUES (p_id, p_name)
$$;
CALL insert_item(30, 'fig');
SELECT name FROM items WHERE id = 30;
CALL nosuch_proc(1);
\echo :LAST_ERROR_SQLSTATE
SELECT insert_item(31, 'x');
\echo :LAST_ERROR_SQLSTATE
-- ALTER / DROP
ALTER FUNCTION add_one(text) RENAME TO add_one_text;
SELECT add_one_text('y');
DROP FUNCTION add_one_text(integer);
\echo :LAST_ERROR_SQLSTATE
DROP FUNCTION IF EXISTS add_one_text(integer);
DROP FUNCTION add_one;
DROP FUNCTION add_one(integer), add_one_text(text);
\echo :LAST_ERROR_SQLSTATE
DROP FUNCTION nosuch;
\echo :LAST_ERROR_SQLSTATE
DROP PROCEDURE fact(int);
\echo :LAST_ERROR_SQLSTATE
DROP FUNCTION insert_item(int, text);
\echo :LAST_ERROR_SQLSTATE
DROP PROCEDURE insert_item(int, text);
-- clean up (the compat runner shares one server between scripts)
DROP FUNCTION add_one_text(text), greet(text, text), strict_len(text), item_count(), void_fn(),
  fact(int), describe_items(), lookup(int), lookup_loose(int), all_names(), safe_div(int, int),
  counter_loop(), case_fn(int), case_missing(int), no_return(), bump(text, numeric), add_item(int, text);
DROP PROCEDURE insert_item(int, text);
\echo :LAST_ERROR_SQLSTATE
DROP TABLE items, made_by_do;
\df
