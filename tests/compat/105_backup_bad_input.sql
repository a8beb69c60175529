-- Bad input around this session's additions, as PostgreSQL answers it:
-- ALTER SEQUENCE OWNED BY forms, a sequence read as a relation, ALTER
-- TABLE on a sequence, DROP CONSTRAINT on a view or with RESTRICT, NULLs
-- into the new array/regexp functions, OPERATOR() before ANY/ALL, name
-- subscripts out of range, current_schemas(NULL).
create table bt(id serial primary key, a int[]);
create sequence bs;
alter sequence bs owned by bt.nope;
alter sequence bs owned by nope.id;
alter sequence bs owned by bt;
alter sequence nope owned by bt.id;
alter sequence if exists nope owned by none;
alter sequence bs owned by bt.id;
select nextval('bs');
select last_value, is_called from bs;
select s.last_value from bs s;
alter table bs owner to nobody;
create view bv as select 1 as x;
alter table bv drop constraint x;
alter table bt drop constraint bt_pkey restrict;
select regexp_split_to_array(null, 'a');
select string_to_array(null, ',');
select array_position(null::int[], 1);
select array_remove(null::int[], 1);
select (select generate_series(1, 2));
select generate_series(1, 3) where false;
select * from pg_options_to_table(array['a=1=2', '=', '']);
select 1 where 1 OPERATOR(pg_catalog.=) ANY (array[1, 2]);
select 1 where 1 OPERATOR(pg_catalog.<) ALL (array[2, 3]);
select typname[-1], typname[1000000] from pg_type where typname = 'int4';
select current_schemas(null);
select current_schemas(true);
drop view bv;
drop table bt;
drop sequence if exists bs;
