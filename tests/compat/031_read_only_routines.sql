-- STABLE and IMMUTABLE routines may only read.
CREATE TABLE ro_t (a int);
CREATE FUNCTION ro_sql() RETURNS int LANGUAGE sql STABLE AS 'INSERT INTO ro_t VALUES (1) RETURNING a';
CREATE FUNCTION ro_pl() RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN INSERT INTO ro_t VALUES (2); RETURN 1; END $$;
CREATE FUNCTION ro_pl_upd() RETURNS int LANGUAGE plpgsql STABLE AS $$ BEGIN UPDATE ro_t SET a = 3; RETURN 1; END $$;
CREATE FUNCTION ro_read() RETURNS bigint LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN (SELECT count(*) FROM ro_t); END $$;
CREATE FUNCTION rw_pl() RETURNS int LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ro_t VALUES (4); RETURN 1; END $$;
SELECT ro_sql();
\echo :LAST_ERROR_SQLSTATE
SELECT ro_pl();
\echo :LAST_ERROR_SQLSTATE
SELECT ro_pl_upd();
\echo :LAST_ERROR_SQLSTATE
SELECT rw_pl();
SELECT ro_read();
DROP FUNCTION ro_sql(), ro_pl(), ro_pl_upd(), ro_read(), rw_pl();
DROP TABLE ro_t;
