-- Set-returning functions in the select list (PostgreSQL's ProjectSet): one
-- output row per value, several functions in lockstep (shorter ones padded
-- with NULL), a row whose functions return nothing disappears.
create table posts(id int, n int, tags text[]);
insert into posts values (1, 2, '{a,b}'), (2, 3, '{c}'), (3, 0, '{}'), (4, null, null);
select generate_series(1, 3);
select generate_series(1, 3) as g order by g desc;
select generate_series(5, 1, -2), generate_series(1, 2);
select id, unnest(tags) from posts order by 1, 2;
select id, generate_series(1, n) * 10 as x, upper(unnest(tags)) from posts order by id, x;
select id, generate_series(1, 2), generate_series(1, 3) from posts where id = 1;
select generate_series(1, 3)::text || 'x' as label;
select * from (select id, unnest(tags) u from posts) s where u > 'a' order by id;
select distinct unnest(tags) from posts order by 1;
select count(*) from (select generate_series(1, 1000)) s;
select unnest(array[1, 2]), unnest(array['a', 'b', 'c']);
select generate_series(1.5, 3);
select unnest('{}'::int[]);
select generate_series(1, 2) limit 1;
select id, (select count(*) from posts p2 where p2.id < posts.id), generate_series(1, 2) from posts where id < 3 order by 1, 3;
create function evens(lim int) returns setof int language sql as 'select generate_series(2, lim, 2)';
select evens(7);
select id, evens(id * 2) from posts where id <= 2 order by 1, 2;
explain (costs off) select id, unnest(tags) from posts;
-- errors as PostgreSQL
select id, case when id > 1 then generate_series(1, 2) end from posts;
select generate_series(1, 3, 0);
select unnest(1);
