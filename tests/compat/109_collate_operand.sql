-- COLLATE after any operand, as PostgreSQL parses it: after a cast, a
-- parenthesized expression, a column; in policies too.
select 'a'::text collate "C" as x;
select 'a' < ('b'::text COLLATE "C") as lt;
select (('x' || 'y') collate "C") as xy;
select 'B'::varchar collate "C" < 'a' as c_order;
create table co_t(c text, d text collate "C");
insert into co_t values ('bar', 'x'), ('foo', 'y');
create policy co_p on co_t using (c < ('foo'::text collate "C"));
alter table co_t enable row level security;
create role co_reader;
grant select on co_t to co_reader;
select polname, pg_get_expr(polqual, polrelid) from pg_policy where polrelid = 'co_t'::regclass;
create view co_v as select c collate "C" as c, d from co_t where d > ('a'::text collate "C");
select pg_get_viewdef('co_v'::regclass);
drop view co_v;
set role co_reader;
select * from co_t;
reset role;
select c collate "C" from co_t order by 1;
select d::text collate "C" from co_t order by 1 desc;
select 'a'::text collate nope;
drop table co_t;
drop role co_reader;
-- A foreign key's dependencies, as pg_restore -j orders by them.
create table fkd_p(id int primary key, x int);
create table fkd_c(a int, pid int references fkd_p(id));
select classid::regclass, refobjid::regclass, refobjsubid, deptype from pg_depend
  where objid = (select oid from pg_constraint where conname = 'fkd_c_pid_fkey') order by 2, 3;
select classid::regclass, objid::regclass, refclassid::regclass, deptype from pg_depend
  where objid = 'fkd_p_pkey'::regclass;
drop table fkd_c, fkd_p;
