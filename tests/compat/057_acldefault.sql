-- acldefault: the built-in ACL of each object kind.
SELECT acldefault('c', 10) AS c, acldefault('r', 10) AS r, acldefault('s', 10) AS s;
SELECT acldefault('d', 10) AS d, acldefault('f', 10) AS f, acldefault('l', 10) AS l;
SELECT acldefault('L', 10) AS "L", acldefault('n', 10) AS n, acldefault('t', 10) AS t;
SELECT acldefault('F', 10) AS "F", acldefault('S', 10) AS "S", acldefault('T', 10) AS "T";
SELECT acldefault('p', 10) AS p;
SELECT acldefault('x', 10);
SELECT acldefault('r', 123456);
SELECT relname, acldefault('r', relowner) FROM pg_class WHERE relname = 'nosuch';
