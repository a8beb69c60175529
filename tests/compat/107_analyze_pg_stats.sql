-- ANALYZE gathers PostgreSQL's column statistics; pg_stats shows them only
-- for columns the reader may SELECT and never for a table whose policies
-- apply to the reader.
create table st_t(id int primary key, grp text, score numeric, flag bool, note varchar(20), maybe int);
insert into st_t select g, 'g' || (g % 4), (g % 7) * 1.5, g % 3 = 0,
  case when g % 5 = 0 then null else repeat('x', g % 9) end, null
  from generate_series(1, 200) g;
select attname from pg_stats where tablename = 'st_t';
select relpages, reltuples from pg_class where relname = 'st_t';
analyze st_t;
select relpages, reltuples from pg_class where relname = 'st_t';
select attname, null_frac, avg_width, n_distinct, most_common_vals, most_common_freqs,
       histogram_bounds, correlation
  from pg_stats where tablename = 'st_t' order by attname;
-- Skewed values: only the significantly common ones are kept.
create table st_skew(v int);
insert into st_skew select case when g <= 300 then 1 when g <= 400 then 2 else g end
  from generate_series(1, 1000) g;
vacuum analyze st_skew;
select relpages, reltuples from pg_class where relname = 'st_skew';
select n_distinct, most_common_vals, most_common_freqs, array_length(histogram_bounds, 1) as bins,
       correlation
  from pg_stats where tablename = 'st_skew';
-- Re-analyze after changes replaces the statistics.
delete from st_skew where v = 1;
analyze st_skew (v);
select relpages, reltuples from pg_class where relname = 'st_skew';
select n_distinct, most_common_vals, most_common_freqs from pg_stats where tablename = 'st_skew';
-- Who sees what.
create role st_reader;
create role st_owner;
grant select (id, grp) on st_t to st_reader;
set role st_reader;
select attname from pg_stats where tablename = 'st_t' order by 1;
analyze st_t;
reset role;
alter table st_t enable row level security;
create policy st_p on st_t for select to st_reader using (grp = 'g1');
set role st_reader;
select row_security_active('st_t');
select attname from pg_stats where tablename = 'st_t' order by 1;
reset role;
select attname from pg_stats where tablename = 'st_t' order by 1;
alter table st_t owner to st_owner;
set role st_owner;
select row_security_active('st_t'), count(*) from pg_stats where tablename = 'st_t';
reset role;
-- Columns renamed or dropped.
alter table st_skew rename column v to w;
select attname, n_distinct from pg_stats where tablename = 'st_skew';
alter table st_t drop column score;
select attname from pg_stats where tablename = 'st_t' order by 1;
-- Partitioned tables: the partitions are analyzed with the parent.
create table st_parts(k int, v text) partition by range (k);
create table st_parts_a partition of st_parts for values from (0) to (100);
insert into st_parts select g, 'v' || (g % 2) from generate_series(0, 99) g;
analyze st_parts;
select tablename, attname, n_distinct, most_common_vals from pg_stats
  where tablename like 'st_parts%' and not inherited order by 1, 2;
-- Zero results keep PostgreSQL's numeric scale (seen in score's MCVs above).
select (0 % 7) * 1.5, 0 * 1.5, 2 * 0.00, 0.0 + 0, 1.5 - 1.5, 2.5 * 4;
-- Bad input.
analyze nope;
analyze st_t (nope2) ;
begin;
analyze st_skew;
rollback;
drop table st_parts;
drop table st_t, st_skew;
drop role st_reader;
drop role st_owner;
