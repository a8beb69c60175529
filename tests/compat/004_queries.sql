--
-- 004_queries: joins, grouping, subqueries, CTEs, set operations, DISTINCT.
--
CREATE TABLE dept (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE emp (id serial PRIMARY KEY, name text, dept_id int, salary numeric(8,2), hired date);
INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty');
INSERT INTO emp (name, dept_id, salary, hired) VALUES
  ('ann', 1, 100.00, '2020-01-15'), ('bob', 1, 80.50, '2021-03-01'),
  ('cid', 2, 90.00, '2019-07-30'), ('dee', NULL, 50.00, '2022-11-11'),
  ('eve', 2, 90.00, '2023-02-28');
SELECT e.name, d.name AS dept FROM emp e JOIN dept d ON d.id = e.dept_id ORDER BY e.name;
SELECT e.name, d.name FROM emp e LEFT JOIN dept d ON d.id = e.dept_id ORDER BY e.id;
SELECT d.name, e.name FROM emp e RIGHT JOIN dept d ON d.id = e.dept_id ORDER BY d.id, e.name;
SELECT d.name, e.name FROM emp e FULL JOIN dept d ON d.id = e.dept_id ORDER BY d.name NULLS FIRST, e.name;
SELECT count(*) FROM emp CROSS JOIN dept;
SELECT d.name, count(e.id), sum(e.salary), avg(e.salary), min(e.hired), max(e.hired)
  FROM dept d LEFT JOIN emp e ON e.dept_id = d.id GROUP BY d.name ORDER BY d.name;
SELECT dept_id, count(*) FROM emp GROUP BY dept_id HAVING count(*) > 1 ORDER BY 1;
SELECT name FROM emp WHERE salary > (SELECT avg(salary) FROM emp) ORDER BY name;
SELECT name FROM emp e WHERE EXISTS (SELECT 1 FROM dept d WHERE d.id = e.dept_id AND d.name = 'ops') ORDER BY name;
SELECT name FROM emp WHERE dept_id IN (SELECT id FROM dept WHERE name <> 'eng') ORDER BY name;
SELECT name FROM emp WHERE dept_id NOT IN (SELECT id FROM dept WHERE name = 'eng') ORDER BY name;
SELECT name, (SELECT d.name FROM dept d WHERE d.id = e.dept_id) AS dname FROM emp e ORDER BY id;
SELECT name FROM emp WHERE salary >= ALL (SELECT salary FROM emp) ORDER BY name;
SELECT name FROM emp WHERE salary = ANY (SELECT salary FROM emp WHERE dept_id = 2) ORDER BY name;
WITH rich AS (SELECT * FROM emp WHERE salary >= 90) SELECT name FROM rich ORDER BY name;
WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT sum(n) FROM t;
SELECT name FROM emp WHERE dept_id = 1 UNION SELECT name FROM dept ORDER BY 1;
SELECT salary FROM emp UNION ALL SELECT salary FROM emp WHERE dept_id = 2 ORDER BY 1;
SELECT dept_id FROM emp INTERSECT SELECT id FROM dept ORDER BY 1;
SELECT id FROM dept EXCEPT SELECT dept_id FROM emp ORDER BY 1;
SELECT DISTINCT salary FROM emp ORDER BY salary DESC;
SELECT DISTINCT ON (dept_id) dept_id, name FROM emp ORDER BY dept_id, name;
SELECT name, CASE WHEN salary > 85 THEN 'high' WHEN salary > 60 THEN 'mid' ELSE 'low' END AS band FROM emp ORDER BY id;
SELECT name, coalesce(dept_id, -1), nullif(salary, 90.00), greatest(1, 5, 3), least('b', 'a') FROM emp ORDER BY id;
SELECT * FROM emp ORDER BY salary DESC, name LIMIT 2 OFFSET 1;
SELECT x FROM generate_series(1, 10, 3) AS g(x);
SELECT string_agg(name, ', ') AS names, bool_and(salary > 40), bool_or(salary > 95) FROM emp;
SELECT count(DISTINCT salary), sum(DISTINCT salary) FROM emp;
SELECT name FROM emp WHERE name LIKE '_e%' OR name ILIKE 'A%' ORDER BY 1;
SELECT name FROM emp WHERE name ~ '^[a-c]' ORDER BY 1;
SELECT e.* FROM emp e WHERE e.id BETWEEN 2 AND 3 ORDER BY e.id;
SELECT * FROM (SELECT dept_id, max(salary) AS top FROM emp GROUP BY dept_id) s WHERE top > 60 ORDER BY dept_id NULLS LAST;
SELECT 1 AS a, 'two' AS b, 3.5 AS c, true AS d, NULL::int AS e;
SELECT id, name FROM emp WHERE id = 3;
SELECT name FROM emp WHERE salary > 80 AND NOT dept_id = 2 ORDER BY name;
-- errors
SELECT nosuch FROM emp;
SELECT e.nosuch FROM emp e;
SELECT name, count(*) FROM emp;
SELECT id FROM emp, dept;
SELECT (SELECT id FROM emp);
SELECT * FROM emp WHERE name = 1;
DROP TABLE emp;
DROP TABLE dept;
