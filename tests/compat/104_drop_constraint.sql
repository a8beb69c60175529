-- ALTER TABLE DROP CONSTRAINT (pg_dump --clean writes it): foreign keys,
-- CHECK, and PRIMARY KEY/UNIQUE with their index, refused while another
-- table's foreign key relies on it unless CASCADE; only the owner may.
create table p(id int primary key, code text unique, n int check (n > 0));
create table c(pid int references p(id), pcode text references p(code));
insert into p values (1, 'a', 1);
insert into c values (1, 'a');
alter table p drop constraint p_pkey;
alter table p drop constraint p_pkey cascade;
\d c
alter table p drop constraint nope;
alter table p drop constraint if exists nope;
alter table p drop constraint p_n_check;
insert into p values (2, 'b', -1);
alter table c drop constraint c_pcode_fkey;
insert into c values (9, 'zz');
alter table p drop constraint p_code_key;
insert into p values (3, 'a', 1);
\d p
create role dc_other login;
set role dc_other;
alter table p drop constraint p_n_check;
reset role;
drop table c; drop table p; drop role dc_other;
