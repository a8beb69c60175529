--
-- 006_types_functions: literals, casts, type errors, string/math/date functions.
--
SELECT 42::smallint, 42::bigint, 2.5::real, 2.5::float8, 1e3::numeric, '12.340'::numeric(6,3);
SELECT 'true'::boolean, 'no'::boolean, 1::boolean;
SELECT ''::integer;
SELECT 'abc'::int;
SELECT '99999999999'::int;
SELECT 2147483647 + 1;
SELECT 32767::smallint + 1::smallint;
SELECT 9223372036854775807 + 1;
SELECT 1.0 / 3, 10 / 4, 10 % 3, -7 / 2, 2 ^ 10, 7.0 / 2;
SELECT 'abc'::varchar(2);
SELECT 'ab '::char(4) || '|';
SELECT length('héllo'), upper('abc'), lower('ABC'), substr('abcdef', 2, 3), substring('abcdef' from 3);
SELECT trim('  x  '), ltrim('xxaxx', 'x'), rtrim('xxaxx', 'x'), replace('aXbX', 'X', '-'), reverse('abc');
SELECT concat('a', 1, NULL, true), concat_ws('-', 'a', NULL, 'b'), 'a' || 1 || NULL;
SELECT position('c' in 'abcd'), strpos('abcd', 'd'), left('abcd', 2), right('abcd', -1), repeat('ab', 3);
SELECT split_part('a,b,c', ',', 2), lpad('7', 3, '0'), rpad('x', 3), initcap('hello world'), md5('abc');
SELECT abs(-5), abs(-2.5), round(2.567, 2), round(2.5), trunc(-2.7), ceil(1.2), floor(-1.2), sqrt(16), power(2, 3), mod(10, 3);
SELECT '2024-02-29'::date, '2024-02-29'::date + 1, '2024-03-01'::date - '2024-02-01'::date;
SELECT '2024-01-15 10:30:00'::timestamp, '2024-01-15 10:30:00.25'::timestamp + interval '1 day 2 hours';
SELECT '2024-07-04 12:00:00+00'::timestamptz;
SELECT interval '1 year 2 months 3 days 04:05:06', interval '90 minutes', interval '-1 day';
SELECT extract(year from '2024-01-15'::date), date_part('month', '2024-03-15 10:00'::timestamp), date_trunc('month', '2024-03-15 10:00'::timestamp);
SELECT '2024-13-01'::date;
SELECT '\x41ff'::bytea, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid;
SELECT NULL::text IS NULL, 1 IS DISTINCT FROM NULL, NULL IS NOT DISTINCT FROM NULL;
SELECT 3 BETWEEN 1 AND 5, 3 NOT BETWEEN 1 AND 2, 'b' IN ('a', 'b'), 'z' NOT IN ('a', NULL);
SELECT pg_typeof(1), pg_typeof(1.5), pg_typeof('x'::text), pg_typeof(now());
SELECT current_user = session_user;
SELECT nosuchfunc(1);
SELECT length(1, 2);
SELECT 1 + 'a';
SELECT 'a' + 1;
