-- A bare NULL in a select list has no type of its own: it takes the type of
-- the INSERT column it fills or of the other side of a UNION.
create table un_t(a int, b text, c numeric, d date);
insert into un_t select null, null, null, null;
insert into un_t (d, a) select null as x, 5;
insert into un_t select 1, 'x', null, '2024-01-02';
select * from un_t order by a nulls first;
select 1 as v union all select null order by 1;
select null as v union select 2.5 order by 1;
select null union select null;
select pg_typeof(v) from (select null as v union select 3) s limit 1;
insert into un_t (a) select null union select 7;
select count(*) from un_t;
drop table un_t;
