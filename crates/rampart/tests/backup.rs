//! Logical backups with PostgreSQL 15's own client tools: `pg_dump` (plain
//! SQL and the custom archive), `pg_restore -j 2` (and `--clean` over an
//! existing copy) and `pg_dumpall --globals-only` run against Rampart, and
//! what they restore into a fresh server re-dumps identically and keeps its
//! security: grants, column grants, default privileges and row-level
//! security policies hold for the wrong role after the restore.
//!
//! The tools come from `PG15_BINDIR` (default `/usr/lib/postgresql/15/bin`,
//! where the machines and CI have them); the test fails when they are
//! missing rather than passing without running.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{assert_db_error, connect_with, Server, SUPERUSER};

/// A schema with what a security review looks at: roles, a schema owned by
/// another role, RLS with permissive and restrictive policies, table,
/// column and sequence grants, default privileges, a view, a function with
/// EXECUTE revoked from PUBLIC, an aggregate likewise, serial columns, a
/// foreign key, a comment.
const SCHEMA: &str = "
create role app_owner nologin;
create role app_user login;
create role auditor;
grant auditor to app_user;
create schema app authorization app_owner;
create table app.tenants(id bigserial primary key, name text not null unique);
create table app.documents(id bigserial primary key,
  tenant_id bigint not null references app.tenants(id), title text, body text,
  check (length(title) < 200));
create index documents_tenant on app.documents(tenant_id);
alter table app.documents enable row level security;
create policy tenant_isolation on app.documents
  using (tenant_id = current_setting('app.tenant_id')::bigint);
create policy tenant_insert on app.documents as restrictive for insert to app_user
  with check (tenant_id = current_setting('app.tenant_id')::bigint);
grant usage on schema app to app_user, auditor;
grant select, insert on app.documents to app_user;
grant select (id, name) on app.tenants to auditor;
grant usage on sequence app.documents_id_seq to app_user;
create view app.doc_titles as select id, title from app.documents;
grant select on app.doc_titles to auditor;
create function app.tenant() returns bigint language sql stable
  as $$ select current_setting('app.tenant_id')::bigint $$;
revoke execute on function app.tenant() from public;
grant execute on function app.tenant() to app_user;
create aggregate app.total(bigint) (sfunc = int8pl, stype = bigint, initcond = '0');
revoke execute on function app.total(bigint) from public;
grant execute on function app.total(bigint) to app_user;
alter default privileges in schema app grant select on tables to auditor;
comment on table app.documents is 'Tenant documents';
insert into app.tenants(name) values ('a'), ('b');
insert into app.documents(tenant_id, title, body) values (1, 't1', 'b1'), (2, 't2', null);
";

fn tool(name: &str) -> PathBuf {
    let dir = std::env::var("PG15_BINDIR").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    let path = PathBuf::from(dir).join(name);
    assert!(
        path.exists(),
        "{} not found: this test runs PostgreSQL 15's own {name} (set PG15_BINDIR)",
        path.display()
    );
    path
}

/// Runs a PostgreSQL client tool against `srv` as the superuser over its
/// unix socket; panics with its stderr unless it succeeds.
fn run(srv: &Server, name: &str, args: &[&str]) -> String {
    let out = Command::new(tool(name))
        .args(["-h", &srv.socket_dir().to_string_lossy()])
        .args(["-p", &srv.port.to_string(), "-U", SUPERUSER])
        .args(args)
        .env_remove("PGPASSWORD")
        .env_remove("PGSERVICE")
        .output()
        .expect("run client tool");
    assert!(
        out.status.success(),
        "{name} {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A dump without the lines that differ on every run (`\restrict` keys).
fn stable(dump: &str) -> String {
    dump.lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts that `srv` dumps as `dump` did.
fn assert_redumps(srv: &Server, dump: &str) {
    assert_eq!(stable(&run(srv, "pg_dump", &["postgres"])), stable(dump));
}

/// Restores the globals (roles) of `from` into `to` as psql would: the
/// superuser's own CREATE ROLE fails there, as it does on PostgreSQL.
fn restore_globals(to: &Server, globals: &str) {
    let path = to.root.join("globals.sql");
    std::fs::write(&path, globals).unwrap();
    run(
        to,
        "psql",
        &["-X", "-q", "-d", "postgres", "-f", &path.to_string_lossy()],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_dump_and_pg_restore_round_trip_keeps_data_and_security() {
    let source = Server::start_trust();
    source.connect().await.batch_execute(SCHEMA).await.unwrap();
    let dump = run(&source, "pg_dump", &["postgres"]);
    for expected in [
        "CREATE POLICY tenant_insert ON app.documents AS RESTRICTIVE FOR INSERT TO app_user",
        "ALTER TABLE app.documents ENABLE ROW LEVEL SECURITY;",
        "GRANT SELECT(name) ON TABLE app.tenants TO auditor;",
        "REVOKE ALL ON FUNCTION app.tenant() FROM PUBLIC;",
        "CREATE AGGREGATE app.total(bigint) (\n    SFUNC = int8pl,\n    STYPE = bigint,\n    INITCOND = '0'\n);",
        "REVOKE ALL ON FUNCTION app.total(bigint) FROM PUBLIC;",
        "ALTER DEFAULT PRIVILEGES FOR ROLE admin IN SCHEMA app GRANT SELECT ON TABLES  TO auditor;",
        "ALTER SEQUENCE app.documents_id_seq OWNED BY app.documents.id;",
        "SELECT pg_catalog.setval('app.documents_id_seq', 2, true);",
    ] {
        assert!(dump.contains(expected), "dump lacks {expected:?}:\n{dump}");
    }
    // The system catalogs' own grants are not dumped (pg_init_privs).
    assert!(!dump.contains("pg_catalog.pg_class"), "{dump}");
    let globals = run(&source, "pg_dumpall", &["--globals-only"]);
    assert!(globals.contains("CREATE ROLE app_user;"), "{globals}");
    assert!(globals.contains("GRANT auditor TO app_user"), "{globals}");

    // Plain SQL through psql, stopping at the first error.
    let plain = Server::start_trust();
    restore_globals(&plain, &globals);
    let path = plain.root.join("dump.sql");
    std::fs::write(&path, &dump).unwrap();
    run(
        &plain,
        "psql",
        &[
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            "postgres",
            "-f",
            &path.to_string_lossy(),
        ],
    );
    assert_redumps(&plain, &dump);

    // The custom archive through a parallel pg_restore.
    let archive = source.root.join("dump.custom");
    run(
        &source,
        "pg_dump",
        &["-Fc", "-f", &archive.to_string_lossy(), "postgres"],
    );
    let custom = Server::start_trust();
    restore_globals(&custom, &globals);
    run(
        &custom,
        "pg_restore",
        &[
            "-j",
            "2",
            "--exit-on-error",
            "-d",
            "postgres",
            &archive.to_string_lossy(),
        ],
    );
    assert_redumps(&custom, &dump);
    // Again over the restored objects: --clean drops them first (policies,
    // foreign keys, PRIMARY KEY/UNIQUE constraints, defaults, sequences…).
    run(
        &custom,
        "pg_restore",
        &[
            "--clean",
            "--if-exists",
            "--exit-on-error",
            "-d",
            "postgres",
            &archive.to_string_lossy(),
        ],
    );
    assert_redumps(&custom, &dump);

    // The restored security holds for the wrong role.
    let mut cfg = custom.config();
    cfg.user("app_user");
    let app = connect_with(&cfg).await.unwrap();
    app.batch_execute("SET app.tenant_id = '1'").await.unwrap();
    let titles: Vec<String> = app
        .query("SELECT title FROM app.documents ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(titles, ["t1"], "the policy filters the other tenant's row");
    // The restored aggregate runs for the role granted EXECUTE, over the
    // rows its policy shows; the auditor alone may not run it.
    let total: i64 = app
        .query_one("SELECT app.total(id) FROM app.documents", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, 1);
    app.batch_execute("SET ROLE auditor").await.unwrap();
    assert_db_error(
        app.query("SELECT app.total(id) FROM app.doc_titles", &[])
            .await,
        "42501",
        "permission denied for aggregate total",
    );
    app.batch_execute("RESET ROLE").await.unwrap();
    assert_db_error(
        app.query(
            "INSERT INTO app.documents(tenant_id, title) VALUES (2, 'x')",
            &[],
        )
        .await,
        "42501",
        "new row violates row-level security policy for table \"documents\"",
    );
    // Column grants through the auditor role: names readable, not writable.
    let names: Vec<String> = app
        .query("SELECT name FROM app.tenants ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_db_error(
        app.query("UPDATE app.tenants SET name = 'x'", &[]).await,
        "42501",
        "permission denied for table tenants",
    );
    assert_db_error(
        app.query("DELETE FROM app.documents", &[]).await,
        "42501",
        "permission denied for table documents",
    );
    // The sequence goes on where the source left it (2); the refused
    // INSERT above took 3, as nextval is not rolled back in PostgreSQL.
    app.batch_execute("INSERT INTO app.documents(tenant_id, title) VALUES (1, 'new')")
        .await
        .unwrap();
    let id: i64 = app
        .query_one("SELECT max(id) FROM app.documents", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(id, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_restores_need_refuses_the_wrong_role_and_bad_input() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE intruder LOGIN;
             GRANT CREATE ON SCHEMA public TO intruder;
             CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE);
             INSERT INTO parent VALUES (1, 'a');
             GRANT SELECT ON parent TO intruder;
             CREATE TABLE child (pid int);
             INSERT INTO child VALUES (1), (5);
             CREATE SEQUENCE counter;
             CREATE TABLE holder (id int);
             CREATE VIEW v AS SELECT 1 AS x;",
        )
        .await
        .unwrap();
    // Bad input, as the superuser.
    assert_db_error(
        admin
            .batch_execute("ALTER TABLE child ADD FOREIGN KEY (pid) REFERENCES parent (id)")
            .await,
        "23503",
        "insert or update on table \"child\" violates foreign key constraint \"child_pid_fkey\"",
    );
    assert_db_error(
        admin
            .batch_execute("ALTER SEQUENCE counter OWNED BY holder")
            .await,
        "22023",
        "invalid OWNED BY option",
    );
    assert_db_error(
        admin.batch_execute("ALTER TABLE v DROP CONSTRAINT x").await,
        "42809",
        "ALTER action DROP CONSTRAINT cannot be performed on relation \"v\"",
    );
    admin
        .batch_execute(
            "DELETE FROM child WHERE pid = 5;
             ALTER TABLE child ADD FOREIGN KEY (pid) REFERENCES parent (id)",
        )
        .await
        .unwrap();
    assert_db_error(
        admin
            .batch_execute("ALTER TABLE parent DROP CONSTRAINT parent_pkey")
            .await,
        "2BP01",
        "cannot drop constraint parent_pkey on table parent because other objects depend on it",
    );

    // The wrong role: SELECT on parent is not REFERENCES, and it owns
    // neither the sequence nor the tables.
    let mut cfg = srv.config();
    cfg.user("intruder");
    let intruder = connect_with(&cfg).await.unwrap();
    assert_db_error(
        intruder
            .batch_execute("CREATE TABLE spy (pid int REFERENCES parent (id))")
            .await,
        "42501",
        "permission denied for table parent",
    );
    intruder
        .batch_execute("CREATE TABLE spy2 (pid int)")
        .await
        .unwrap();
    assert_db_error(
        intruder
            .batch_execute("ALTER TABLE spy2 ADD FOREIGN KEY (pid) REFERENCES parent (id)")
            .await,
        "42501",
        "permission denied for table parent",
    );
    assert_db_error(
        intruder
            .query("SELECT last_value, is_called FROM counter", &[])
            .await,
        "42501",
        "permission denied for sequence counter",
    );
    assert_db_error(
        intruder
            .batch_execute("ALTER SEQUENCE counter OWNED BY NONE")
            .await,
        "42501",
        "must be owner of sequence counter",
    );
    assert_db_error(
        intruder
            .batch_execute("ALTER TABLE counter OWNER TO intruder")
            .await,
        "42501",
        "must be owner of sequence counter",
    );
    assert_db_error(
        intruder
            .batch_execute("ALTER TABLE child DROP CONSTRAINT child_pid_fkey")
            .await,
        "42501",
        "must be owner of table child",
    );
    // Nothing the wrong role tried changed anything.
    let fks: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'child'::regclass AND contype = 'f'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(fks, 1);
}
