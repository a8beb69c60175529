-- pg_dump of a schema whose objects belong to a role other than the
-- superuser: a SECURITY DEFINER plpgsql function with SET search_path, a
-- column comment, a unique index, a cycling sequence after nextval, RLS
-- policies per command and per role, column grants WITH GRANT OPTION and a
-- grant made by the grantee (dumped under SET SESSION AUTHORIZATION), a
-- partitioned and an inheriting table; and pg_dumpall --globals-only for
-- the roles' attributes (CONNECTION LIMIT, VALID UNTIL, BYPASSRLS,
-- membership WITH ADMIN OPTION); pg_dump -t as non-superusers. Identical to PostgreSQL 15's but for the
-- version line.
create role d2_admin login createrole;
create role d2_app login connection limit 5 valid until '2030-01-01 00:00:00+00';
create role d2_ro nologin;
create role d2_bypass nologin bypassrls;
grant d2_ro to d2_app with admin option;
create schema d2 authorization d2_admin;
set role d2_admin;
create table d2.accounts(id serial primary key, owner text not null default current_user, balance numeric(12,2) check (balance >= 0), note varchar(40));
comment on column d2.accounts.balance is 'in cents';
create unique index accounts_owner_note on d2.accounts(owner, note);
create sequence d2.ticket start 100 increment 5 maxvalue 1000 cycle;
create function d2.add(a int, b int default 1) returns int language plpgsql security definer set search_path = pg_catalog as $$ begin return a + b; end $$;
grant usage on schema d2 to d2_app;
grant select, update (balance) on d2.accounts to d2_app with grant option;
grant select on d2.accounts to d2_ro;
alter table d2.accounts enable row level security;
create policy own on d2.accounts for select to d2_app, d2_ro using (owner = current_user);
create policy upd on d2.accounts for update to d2_app using (owner = current_user) with check (balance < 1000000);
reset role;
set role d2_app;
grant select on d2.accounts to d2_ro;
reset role;
create table d2.parted(k int, v text) partition by range (k);
create table d2.parted_1 partition of d2.parted for values from (0) to (100);
create table d2.base(a int);
create table d2.kid(b int) inherits (d2.base);
insert into d2.accounts(owner, balance, note) values ('x', 10.5, 'n1');
select nextval('d2.ticket');
\setenv PGHOST :HOST
\setenv PGPORT :PORT
\setenv PGUSER :USER
\setenv PGDATABASE :DBNAME
\! "${PG15_BINDIR:-/usr/lib/postgresql/15/bin}/pg_dump" -n d2 | grep -v -e '^\\restrict' -e '^\\unrestrict' -e '^-- Dumped from database version'
\! "${PG15_BINDIR:-/usr/lib/postgresql/15/bin}/pg_dumpall" --globals-only | grep -e 'd2_'
-- As the table's owner (no superuser), and as a role that may read the
-- table but not its sequence: PostgreSQL's refusal.
\! "${PG15_BINDIR:-/usr/lib/postgresql/15/bin}/pg_dump" -U d2_admin -t d2.accounts | grep -v -e '^\\restrict' -e '^\\unrestrict' -e '^-- Dumped from database version'
\! "${PG15_BINDIR:-/usr/lib/postgresql/15/bin}/pg_dump" -U d2_app -t d2.accounts 2>&1 | grep -v -e '^\\restrict' -e '^\\unrestrict' -e '^-- Dumped from database version'
drop schema d2 cascade;
drop role d2_admin;
drop role d2_app;
drop role d2_ro;
drop role d2_bypass;
