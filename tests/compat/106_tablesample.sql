-- TABLESAMPLE BERNOULLI and SYSTEM pick PostgreSQL's rows for a table that
-- was only inserted into (REPEATABLE seeds hash as PostgreSQL's), before any
-- predicate or policy runs; hashtext/hashfloat8 are PostgreSQL's hash.
select n, hashtext(repeat('x', n)) from generate_series(0, 30, 7) n;
select hashfloat8(0), hashfloat8(-0.0), hashfloat8(3.25), hashfloat8('NaN'), hashtext(null);
create table ts_small(id int primary key, label text);
insert into ts_small select g, 'row ' || g from generate_series(1, 40) g;
select * from ts_small tablesample bernoulli (50) repeatable (0);
select count(*) from ts_small tablesample bernoulli (50) repeatable (1.5);
select id from ts_small s tablesample bernoulli (10) repeatable (42) where id > 5;
select count(*) from ts_small tablesample bernoulli (0);
select count(*) from ts_small tablesample bernoulli (100);
select count(*) from ts_small tablesample system (100);
select count(*) from ts_small tablesample system (0) repeatable (3);
-- Several pages: 1,000 int rows fill 5 pages, 2,000 wider rows more.
create table ts_pages(a int);
insert into ts_pages select g from generate_series(1, 1000) g;
select count(*), min(a), max(a) from ts_pages tablesample system (50) repeatable (7);
select count(*), sum(a) from ts_pages tablesample bernoulli (5) repeatable (7);
select a from ts_pages tablesample bernoulli (1) repeatable (99) order by a;
create table ts_wide(id bigint, flag bool, note text, amount numeric);
insert into ts_wide select g, g % 2 = 0, repeat('n', g % 50), g * 1.25 from generate_series(1, 2000) g;
select count(*), sum(id) from ts_wide tablesample bernoulli (3) repeatable (5);
select count(*), sum(id) from ts_wide tablesample system (20) repeatable (5);
-- Arguments: text literals and expressions convert to real/double.
select count(*) from ts_small tablesample bernoulli (10 + 15) repeatable (2);
select count(*) from ts_small tablesample bernoulli ('25') repeatable (2e3);
prepare samp(real) as select count(*) from ts_small tablesample bernoulli ($1) repeatable (2);
execute samp(25);
execute samp(null);
-- Bad input.
select * from ts_small tablesample bernoulli (101);
select * from ts_small tablesample bernoulli (-1);
select * from ts_small tablesample bernoulli ('nan');
select * from ts_small tablesample bernoulli (null);
select * from ts_small tablesample bernoulli ('x'::text);
select * from ts_small tablesample foo (5);
create view ts_view as select * from ts_small;
select * from ts_view tablesample bernoulli (5);
with c as (select 1) select * from c tablesample bernoulli (5);
select * from nope tablesample system (5);
-- Policies run on the sampled rows; a leaky function sees only visible ones.
create role ts_reader;
grant select on ts_small to ts_reader;
alter table ts_small enable row level security;
create policy ts_even on ts_small for select to ts_reader using (id % 2 = 0);
create function ts_leak(text) returns bool language plpgsql cost 0.0000001 as
  $$ begin raise notice 'leak => %', $1; return true; end $$;
set role ts_reader;
select * from ts_small tablesample bernoulli (30) repeatable (0) where ts_leak(label) order by id;
select count(*) from ts_small tablesample system (100);
reset role;
-- Inheritance: every member is sampled over its own rows.
create table ts_parent(a int);
create table ts_child() inherits (ts_parent);
insert into ts_parent select g from generate_series(1, 30) g;
insert into ts_child select g from generate_series(101, 130) g;
select a from ts_parent tablesample bernoulli (20) repeatable (4) order by a;
explain (costs off) select * from ts_small tablesample bernoulli (5) where id = 3;
explain (costs off) select * from ts_small tablesample system (2.5) repeatable (1);
drop table ts_child, ts_parent, ts_wide, ts_pages;
drop view ts_view;
drop table ts_small;
drop function ts_leak(text);
drop role ts_reader;
