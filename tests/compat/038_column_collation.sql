-- COLLATE on column definitions: C and POSIX are recorded (\d shows them,
-- pg_attribute.attcollation), default is the type's own; wrong uses fail as
-- in PostgreSQL.
CREATE TABLE coll_t (id int PRIMARY KEY, a text COLLATE "C", b varchar(10) COLLATE "POSIX", c text COLLATE "default", d text);
\d coll_t
SELECT attname, attcollation FROM pg_attribute WHERE attrelid = 'coll_t'::regclass AND attnum > 0 ORDER BY attnum;
INSERT INTO coll_t VALUES (1, 'b', 'b', 'b', 'b'), (2, 'B', 'B', 'B', 'B'), (3, 'a', 'a', 'a', 'a');
SELECT a FROM coll_t ORDER BY a;
SELECT id FROM coll_t WHERE a = 'B';
CREATE TABLE coll_bad (n int COLLATE "C");
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE coll_bad (t text COLLATE "no_such_collation");
\echo :LAST_ERROR_SQLSTATE
DROP TABLE coll_t;
