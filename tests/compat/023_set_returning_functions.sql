-- Set-returning functions in FROM: SETOF, RETURNS TABLE, RETURN NEXT / QUERY.
CREATE TABLE people (id int, name text, team text);
INSERT INTO people VALUES (1, 'ann', 'red'), (2, 'bob', 'blue'), (3, 'cy', 'red');
CREATE FUNCTION team_members(t text) RETURNS SETOF text LANGUAGE sql STABLE AS
  $$ SELECT name FROM people WHERE team = t ORDER BY id $$;
SELECT * FROM team_members('red');
SELECT m FROM team_members('blue') AS m;
CREATE FUNCTION roster(t text) RETURNS TABLE (pid int, pname text) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT id, name FROM people WHERE team = t ORDER BY id;
  pid := 99; pname := 'extra';
  RETURN NEXT;
END $$;
SELECT * FROM roster('red');
SELECT pname FROM roster('blue') WHERE pid > 1;
SELECT r.pid, p.team FROM roster('red') r JOIN people p ON p.id = r.pid ORDER BY 1;
CREATE FUNCTION evens(n int) RETURNS SETOF int LANGUAGE plpgsql AS $$
DECLARE i int;
BEGIN
  FOR i IN 1..n LOOP
    IF i % 2 = 0 THEN RETURN NEXT i; END IF;
  END LOOP;
  RETURN;
END $$;
SELECT * FROM evens(7);
SELECT count(*), sum(e) FROM evens(100) AS e;
SELECT * FROM add_missing(1);
CREATE FUNCTION one_value() RETURNS int LANGUAGE sql AS 'SELECT 5';
SELECT * FROM one_value();
SELECT * FROM one_value() AS v(x);
DROP FUNCTION team_members(text), roster(text), evens(int), one_value();
DROP TABLE people;
