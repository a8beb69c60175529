-- pg_dump, PostgreSQL 15's own, against this server: the dump of a schema
-- with RLS policies, table/column/sequence grants, default privileges, a
-- view, a function with EXECUTE revoked, serial columns, a foreign key and
-- a comment must be PostgreSQL's, line for line (the version line and the
-- random \restrict key left out).
create role dump_owner nologin;
create role dump_user login;
create role dump_auditor;
grant dump_auditor to dump_user;
create schema dump_app authorization dump_owner;
create table dump_app.tenants(id bigserial primary key, name text not null unique);
create table dump_app.documents(id bigserial primary key, tenant_id bigint not null references dump_app.tenants(id), title text, body text, created timestamptz default now(), check (length(title) < 200));
create index documents_tenant on dump_app.documents(tenant_id);
alter table dump_app.documents enable row level security;
alter table dump_app.documents force row level security;
create policy tenant_isolation on dump_app.documents using (tenant_id = current_setting('app.tenant_id')::bigint);
create policy tenant_insert on dump_app.documents as restrictive for insert to dump_user with check (tenant_id = current_setting('app.tenant_id')::bigint);
grant usage on schema dump_app to dump_user;
grant select, insert, update on dump_app.documents to dump_user;
grant select (id, name) on dump_app.tenants to dump_auditor;
grant usage on sequence dump_app.documents_id_seq to dump_user;
create view dump_app.doc_titles as select id, title from dump_app.documents;
grant select on dump_app.doc_titles to dump_auditor;
create function dump_app.tenant() returns bigint language sql stable as $$ select current_setting('app.tenant_id')::bigint $$;
revoke execute on function dump_app.tenant() from public;
grant execute on function dump_app.tenant() to dump_user;
alter default privileges in schema dump_app grant select on tables to dump_auditor;
comment on table dump_app.documents is 'Tenant documents';
insert into dump_app.tenants(name) values ('a'), ('b');
insert into dump_app.documents(tenant_id, title, body, created) values (1, 't1', 'b1', '2024-01-01 00:00:00+00'), (2, 't2', null, '2024-01-02 00:00:00+00');
\setenv PGHOST :HOST
\setenv PGPORT :PORT
\setenv PGUSER :USER
\setenv PGDATABASE :DBNAME
\! "${PG15_BINDIR:-/usr/lib/postgresql/15/bin}/pg_dump" -n dump_app | grep -v -e '^\\restrict' -e '^\\unrestrict' -e '^-- Dumped from database version'
drop schema dump_app cascade;
drop role dump_owner;
drop role dump_user;
drop role dump_auditor;
