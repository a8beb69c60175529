--
-- 005_ddl_dml: constraints, upsert, RETURNING, sequences, views, indexes, ALTER TABLE.
--
CREATE TABLE acct (
    id bigserial PRIMARY KEY,
    email varchar(20) UNIQUE NOT NULL,
    balance numeric(10,2) DEFAULT 0 CHECK (balance >= 0),
    note text DEFAULT 'none'
);
INSERT INTO acct (email) VALUES ('a@x') RETURNING id, email, balance, note;
INSERT INTO acct (email, balance) VALUES ('b@x', 10.5), ('c@x', 3) RETURNING *;
INSERT INTO acct (email) VALUES ('a@x');
INSERT INTO acct (email, balance) VALUES ('d@x', -1);
INSERT INTO acct (email) VALUES (NULL);
INSERT INTO acct (email) VALUES ('this-address-is-far-too-long@example.com');
INSERT INTO acct (email, balance) VALUES ('e@x', 123456789.00);
INSERT INTO acct (email, balance) VALUES ('a@x', 7) ON CONFLICT (email) DO UPDATE SET balance = acct.balance + EXCLUDED.balance RETURNING id, balance;
INSERT INTO acct (email) VALUES ('a@x') ON CONFLICT DO NOTHING;
UPDATE acct SET balance = balance - 1 WHERE email = 'b@x' RETURNING email, balance;
UPDATE acct SET balance = -5 WHERE email = 'c@x';
DELETE FROM acct WHERE email = 'c@x' RETURNING id;
SELECT id, email, balance, note FROM acct ORDER BY id;
CREATE SEQUENCE counter INCREMENT BY 5 START WITH 10;
SELECT nextval('counter'), nextval('counter'), currval('counter');
SELECT setval('counter', 100);
SELECT nextval('counter');
CREATE VIEW rich AS SELECT email, balance FROM acct WHERE balance > 5;
SELECT * FROM rich ORDER BY email;
CREATE VIEW renamed (who, amount) AS SELECT email, balance FROM acct;
SELECT who, amount FROM renamed ORDER BY who;
CREATE INDEX acct_note_idx ON acct (note);
CREATE UNIQUE INDEX acct_bal_uq ON acct (balance);
SELECT email FROM acct WHERE note = 'none' ORDER BY email;
ALTER TABLE acct ADD COLUMN flag boolean DEFAULT true;
ALTER TABLE acct RENAME COLUMN note TO memo;
SELECT email, memo, flag FROM acct ORDER BY id;
ALTER TABLE acct ALTER COLUMN memo SET NOT NULL;
UPDATE acct SET memo = NULL;
ALTER TABLE acct RENAME TO account;
SELECT count(*) FROM account;
TRUNCATE account;
SELECT count(*) FROM account;
CREATE TABLE account (id int);
CREATE TABLE IF NOT EXISTS account (id int);
DROP TABLE nosuch;
DROP TABLE IF EXISTS nosuch;
DROP TABLE rich;
DROP VIEW rich;
DROP VIEW renamed;
DROP TABLE account;
DROP SEQUENCE counter;
CREATE SCHEMA app;
CREATE TABLE app.t (x int);
INSERT INTO app.t VALUES (1), (2);
SET search_path = app, public;
SELECT sum(x) FROM t;
RESET search_path;
SELECT * FROM t;
DROP SCHEMA app;
DROP SCHEMA app CASCADE;
CREATE TABLE pk2 (a int, b text, PRIMARY KEY (a, b));
INSERT INTO pk2 VALUES (1, 'x'), (1, 'y');
INSERT INTO pk2 VALUES (1, 'x');
DROP TABLE pk2;
