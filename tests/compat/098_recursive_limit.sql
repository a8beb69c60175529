-- WITH RECURSIVE read through a LIMIT: PostgreSQL reads a WITH query lazily,
-- so a recursion with no end of its own returns its first rows; with a
-- filter or ORDER BY every row is needed (the last query errors there too).
with recursive r(n) as (select 1 union all select n+1 from r) select * from r limit 3;
with recursive r(n) as (select 1 union all select n+1 from r) select n from r limit 2 offset 3;
with recursive r(n) as (select 1 union select n % 3 + 1 from r) select * from r limit 10;
with recursive r(n) as (select 1 union all select n+1 from r where n < 5) select * from r limit 0;
with recursive r(n, s) as (select 1, 'a'::text union all select n+1, s || 'b' from r) select s, n from r limit 4;
with recursive r(n) as (select 1 union all select n+1 from r where n < 4) select * from r limit 100;
with recursive r(n) as (select 1 union all select n+1 from r where n < 3) select * from r limit -1;
with recursive r(n) as (select 1 union all select n+1 from r where n < 1000) select count(*) from (select * from r limit 5) s;
with recursive r(n) as (select 1 union all select n+1 from r where n < 100) select * from r where n > 97 limit 2;
