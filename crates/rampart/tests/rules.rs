//! The rules added alongside authentication, tried by the wrong role or
//! with bad input over the wire, asserting SQLSTATE and message (the compat
//! scripts compare the same statements' text with PostgreSQL 15, but psql's
//! output carries no SQLSTATE).

mod common;

use common::{assert_db_error, first_column, Server};
use tokio_postgres::Client;

async fn as_role(srv: &Server, role: &str) -> Client {
    let c = srv.connect().await;
    c.batch_execute(&format!("SET ROLE {role}")).await.unwrap();
    c
}

#[tokio::test]
async fn membership_and_index_ownership_rules() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE r_super SUPERUSER; CREATE ROLE r_plain; CREATE ROLE r_creator CREATEROLE;
             CREATE ROLE r_owner; CREATE TABLE r_t (id int); CREATE INDEX r_t_idx ON r_t (id);
             ALTER TABLE r_t OWNER TO r_owner;",
        )
        .await
        .unwrap();
    let creator = as_role(&srv, "r_creator").await;
    assert_db_error(
        creator
            .batch_execute("CREATE ROLE r_new IN ROLE r_super")
            .await,
        "42501",
        "must be superuser to alter superusers",
    );
    assert_db_error(
        creator.batch_execute("GRANT r_super TO r_plain").await,
        "42501",
        "must be superuser to alter superusers",
    );
    assert_db_error(
        creator
            .batch_execute("GRANT pg_database_owner TO r_plain")
            .await,
        // PostgreSQL 15 raises this without a SQLSTATE: XX000.
        "XX000",
        "role \"pg_database_owner\" cannot have explicit members",
    );
    assert_db_error(
        creator.batch_execute("DROP INDEX r_t_idx").await,
        "42501",
        "must be owner of index r_t_idx",
    );
    let owner = as_role(&srv, "r_owner").await;
    owner.batch_execute("DROP INDEX r_t_idx").await.unwrap();
}

#[tokio::test]
async fn for_update_needs_update_and_read_only_refuses_writes() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE q (id int); INSERT INTO q VALUES (1); CREATE SEQUENCE q_seq;
             CREATE ROLE q_reader; GRANT SELECT ON q TO q_reader;",
        )
        .await
        .unwrap();
    let reader = as_role(&srv, "q_reader").await;
    assert_db_error(
        reader.query("SELECT * FROM q FOR UPDATE", &[]).await,
        "42501",
        "permission denied for table q",
    );
    assert_db_error(
        reader.query("SELECT * FROM q FOR SHARE", &[]).await,
        "42501",
        "permission denied for table q",
    );
    admin.batch_execute("BEGIN READ ONLY").await.unwrap();
    for (sql, verb) in [
        ("INSERT INTO q VALUES (2)", "INSERT"),
        ("CREATE TABLE q2 (a int)", "CREATE TABLE"),
        ("SELECT nextval('q_seq')", "nextval()"),
        (
            "WITH d AS (DELETE FROM q RETURNING id) SELECT * FROM d",
            "SELECT",
        ),
    ] {
        assert_db_error(
            admin.batch_execute(sql).await,
            "25006",
            &format!("cannot execute {verb} in a read-only transaction"),
        );
        admin
            .batch_execute("ROLLBACK; BEGIN READ ONLY")
            .await
            .unwrap();
    }
    admin.batch_execute("SELECT 1").await.unwrap();
    assert_db_error(
        admin.batch_execute("SET TRANSACTION READ WRITE").await,
        "25001",
        "transaction read-write mode must be set before any query",
    );
    admin.batch_execute("ROLLBACK").await.unwrap();
    assert_db_error(
        admin
            .query(
                "SELECT * FROM (WITH d AS (DELETE FROM q RETURNING id) SELECT * FROM d) s",
                &[],
            )
            .await,
        "0A000",
        "WITH clause containing a data-modifying statement must be at the top level",
    );
    let n: i64 = admin
        .query_one("SELECT count(*) FROM q", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "nothing was written");
}

/// Constraint errors keep values the role may not read out of the DETAIL.
#[tokio::test]
async fn constraint_errors_hide_unreadable_values() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE e (k int UNIQUE, c int CHECK (c < 10), secret text);
             INSERT INTO e VALUES (1, 1, 'hidden');
             CREATE ROLE e_writer; GRANT INSERT (k, c) ON e TO e_writer;",
        )
        .await
        .unwrap();
    let w = as_role(&srv, "e_writer").await;
    let err = w
        .batch_execute("INSERT INTO e (k, c) VALUES (1, 1)")
        .await
        .unwrap_err();
    let db = err.as_db_error().unwrap();
    assert_eq!(db.code().code(), "23505");
    assert_eq!(
        db.message(),
        "duplicate key value violates unique constraint \"e_k_key\""
    );
    assert_eq!(db.detail(), None, "the key's value without SELECT on it");
    let err = w
        .batch_execute("INSERT INTO e (k, c) VALUES (5, 50)")
        .await
        .unwrap_err();
    let db = err.as_db_error().unwrap();
    assert_eq!(db.code().code(), "23514");
    assert_eq!(db.detail(), Some("Failing row contains (k, c) = (5, 50)."));
}

/// INSERT … ON CONFLICT reveals whether a conflicting row exists: without
/// SELECT on the arbiter's columns (or on an EXCLUDED column it reads) a
/// role with INSERT and UPDATE is refused, as in PostgreSQL; with it, the
/// statement runs.
#[tokio::test]
async fn on_conflict_needs_select_on_what_it_reads() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE oc (k int UNIQUE, secret int, v int);
             INSERT INTO oc VALUES (1, 42, 0);
             CREATE ROLE oc_writer LOGIN;
             GRANT INSERT ON oc TO oc_writer; GRANT UPDATE (v) ON oc TO oc_writer;",
        )
        .await
        .unwrap();
    let w = as_role(&srv, "oc_writer").await;
    for sql in [
        "INSERT INTO oc (k) VALUES (1) ON CONFLICT (k) DO NOTHING",
        "INSERT INTO oc (k) VALUES (1) ON CONFLICT ON CONSTRAINT oc_k_key DO NOTHING",
        "INSERT INTO oc (k) VALUES (1) ON CONFLICT (k) DO UPDATE SET v = 1",
    ] {
        assert_db_error(
            w.batch_execute(sql).await,
            "42501",
            "permission denied for table oc",
        );
    }
    admin
        .batch_execute("GRANT SELECT (k) ON oc TO oc_writer")
        .await
        .unwrap();
    assert_db_error(
        w.batch_execute(
            "INSERT INTO oc (k) VALUES (1) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.secret",
        )
        .await,
        "42501",
        "permission denied for table oc",
    );
    assert_db_error(
        w.batch_execute("INSERT INTO oc (k) VALUES (1) ON CONFLICT (secret) DO NOTHING")
            .await,
        "42P10",
        "there is no unique or exclusion constraint matching the ON CONFLICT specification",
    );
    w.batch_execute("INSERT INTO oc (k) VALUES (1) ON CONFLICT (k) DO UPDATE SET v = 7")
        .await
        .unwrap();
    let v: i32 = admin
        .query_one("SELECT v FROM oc WHERE k = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(v, 7);
}

/// The rules of the seventh session, each tried by the wrong role or with
/// bad input: column grants without any privilege, grantors only a
/// superuser may name, pg_database_owner as a member, DROP COLUMN by a
/// non-owner / of a missing column / under a view, DROP TABLE under a view,
/// ON CONFLICT ON CONSTRAINT naming nothing, acldefault of an unknown kind.
#[tokio::test]
async fn seventh_session_rules_refuse_the_wrong_role_and_bad_input() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE w7 (a int UNIQUE, b int, c int);
             CREATE VIEW w7v AS SELECT a, b FROM w7;
             CREATE ROLE w7_r1; CREATE ROLE w7_r2; CREATE ROLE w7_r3;
             GRANT w7_r3 TO w7_r1 WITH ADMIN OPTION;
             GRANT SELECT (b) ON w7 TO w7_r1;",
        )
        .await
        .unwrap();
    let r1 = as_role(&srv, "w7_r1").await;
    for (sql, code, msg) in [
        // Holds SELECT on b only: no privilege on column a at all.
        (
            "GRANT SELECT (a) ON w7 TO w7_r2",
            "42501",
            "permission denied for column \"a\" of relation \"w7\"",
        ),
        (
            "GRANT w7_r3 TO w7_r2 GRANTED BY w7_r2",
            "42501",
            "must be superuser to set grantor",
        ),
        (
            "ALTER TABLE w7 DROP COLUMN c",
            "42501",
            "must be owner of table w7",
        ),
        (
            "INSERT INTO w7 VALUES (1) ON CONFLICT ON CONSTRAINT nosuch DO NOTHING",
            "42704",
            "constraint \"nosuch\" for table \"w7\" does not exist",
        ),
    ] {
        assert_db_error(r1.batch_execute(sql).await, code, msg);
    }
    for (sql, code, msg) in [
        (
            "GRANT w7_r3 TO pg_database_owner",
            "XX000",
            "role \"pg_database_owner\" cannot be a member of any role",
        ),
        (
            "ALTER TABLE w7 DROP COLUMN nosuch",
            "42703",
            "column \"nosuch\" of relation \"w7\" does not exist",
        ),
        (
            "ALTER TABLE w7 DROP COLUMN b",
            "2BP01",
            "cannot drop column b of table w7 because other objects depend on it",
        ),
        (
            "DROP TABLE w7",
            "2BP01",
            "cannot drop table w7 because other objects depend on it",
        ),
        (
            "SELECT acldefault('x', 10)",
            "XX000",
            "unrecognized objtype abbreviation: x",
        ),
    ] {
        assert_db_error(admin.batch_execute(sql).await, code, msg);
    }
    // Nothing of the refused drops happened.
    let n: i64 = admin
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'w7'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 3);
}

#[tokio::test]
async fn eighth_session_rules_refuse_the_wrong_role_and_bad_input() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE w8_r;
             CREATE SCHEMA w8;
             CREATE FUNCTION w8.f() RETURNS int LANGUAGE sql AS 'SELECT 8';
             CREATE PROCEDURE w8.p() LANGUAGE sql AS 'SELECT 1';
             GRANT EXECUTE ON ALL ROUTINES IN SCHEMA w8 TO w8_r;
             CREATE TABLE w8.t (a int);",
        )
        .await
        .unwrap();
    let r = as_role(&srv, "w8_r").await;
    // EXECUTE alone does not reach into a schema the role may not use.
    for (sql, code, msg) in [
        ("SELECT w8.f()", "42501", "permission denied for schema w8"),
        ("CALL w8.p()", "42501", "permission denied for schema w8"),
        (
            "SELECT * FROM w8.f()",
            "42501",
            "permission denied for schema w8",
        ),
        (
            "SELECT nosuch.f()",
            "3F000",
            "schema \"nosuch\" does not exist",
        ),
        (
            "GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA w8 TO PUBLIC",
            "42501",
            "permission denied for schema w8",
        ),
    ] {
        assert_db_error(r.batch_execute(sql).await, code, msg);
    }
    admin
        .batch_execute("GRANT USAGE ON SCHEMA w8 TO w8_r")
        .await
        .unwrap();
    let v: i32 = r.query_one("SELECT w8.f()", &[]).await.unwrap().get(0);
    assert_eq!(v, 8);
    r.batch_execute("CALL w8.p()").await.unwrap();
    // ALL FUNCTIONS leaves the procedure alone; ALL PROCEDURES takes it.
    admin
        .batch_execute("REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA w8 FROM w8_r, PUBLIC")
        .await
        .unwrap();
    r.batch_execute("CALL w8.p()").await.unwrap();
    assert_db_error(
        r.batch_execute("SELECT w8.f()").await,
        "42501",
        "permission denied for function f",
    );
    admin
        .batch_execute("REVOKE EXECUTE ON ALL PROCEDURES IN SCHEMA w8 FROM w8_r, PUBLIC")
        .await
        .unwrap();
    assert_db_error(
        r.batch_execute("CALL w8.p()").await,
        "42501",
        "permission denied for procedure p",
    );
    for (sql, code, msg) in [
        (
            "GRANT SELECT ON ALL PROCEDURES IN SCHEMA w8 TO w8_r",
            "0LP01",
            "invalid privilege type SELECT for procedure",
        ),
        (
            "GRANT EXECUTE ON ALL ROUTINES IN SCHEMA nosuch TO w8_r",
            "3F000",
            "schema \"nosuch\" does not exist",
        ),
        (
            "DROP SCHEMA w8",
            "2BP01",
            "cannot drop schema w8 because other objects depend on it",
        ),
        (
            "SELECT 'user w8_r r/postgres'::aclitem",
            "22P02",
            "missing \"=\" sign",
        ),
        (
            "SELECT 'w8_r=q/postgres'::aclitem",
            "22P02",
            "invalid mode character: must be one of \"arwdDxtXUCTcsA\"",
        ),
        (
            "SELECT 'nosuch=r/postgres'::aclitem",
            "42704",
            "role \"nosuch\" does not exist",
        ),
        (
            "SELECT makeaclitem(0, 10, 'FLY', false)",
            "22023",
            "unrecognized privilege type: \"FLY\"",
        ),
        (
            "SELECT * FROM aclexplode(ARRAY[NULL]::aclitem[])",
            "22004",
            "ACL arrays must not contain null values",
        ),
        (
            "SELECT * FROM pg_class c, (SELECT c.oid) s",
            "42P01",
            "invalid reference to FROM-clause entry for table \"c\"",
        ),
        (
            "SELECT * FROM pg_class c RIGHT JOIN LATERAL (SELECT c.oid) s ON true",
            "42P10",
            "invalid reference to FROM-clause entry for table \"c\"",
        ),
    ] {
        assert_db_error(admin.batch_execute(sql).await, code, msg);
    }
    // The schema and its routines are still there after the refused DROP;
    // CASCADE takes the routines along instead of orphaning them.
    let n: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_proc WHERE pronamespace = 'w8'::regnamespace",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
    admin.batch_execute("DROP SCHEMA w8 CASCADE").await.unwrap();
    let n: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_proc WHERE proname IN ('f', 'p')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn aclexplode_shows_only_what_was_granted() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE w8_reader; CREATE ROLE w8_other;
             CREATE TABLE w8x (a int);
             GRANT SELECT ON w8x TO w8_reader;
             GRANT INSERT ON w8x TO w8_other WITH GRANT OPTION;",
        )
        .await
        .unwrap();
    let rows = admin
        .query(
            "SELECT a.grantee::regrole::text, a.privilege_type, a.is_grantable
             FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.relname = 'w8x' AND a.grantee <> c.relowner
             ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, String, bool)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        got,
        vec![
            ("w8_other".to_string(), "INSERT".to_string(), true),
            ("w8_reader".to_string(), "SELECT".to_string(), false),
        ]
    );
}

#[tokio::test]
async fn sql_prepared_statements_follow_the_executing_role() {
    let srv = Server::start_trust();
    let c = srv.connect().await;
    c.batch_execute(
        "CREATE TABLE w8p (id int PRIMARY KEY, who text);
         INSERT INTO w8p VALUES (1, 'w8p_a'), (2, 'w8p_b');
         CREATE ROLE w8p_a; CREATE ROLE w8p_b; CREATE ROLE w8p_none;
         GRANT SELECT ON w8p TO w8p_a, w8p_b;
         ALTER TABLE w8p ENABLE ROW LEVEL SECURITY;
         CREATE POLICY mine ON w8p USING (who = current_user);
         PREPARE mine AS SELECT id FROM w8p ORDER BY id;",
    )
    .await
    .unwrap();
    // The owner prepared it; each role executing it gets its own rows.
    c.batch_execute("SET ROLE w8p_a").await.unwrap();
    assert_eq!(
        first_column(c.simple_query("EXECUTE mine").await.unwrap()),
        ["1"]
    );
    c.batch_execute("SET ROLE w8p_b").await.unwrap();
    assert_eq!(
        first_column(c.simple_query("EXECUTE mine").await.unwrap()),
        ["2"]
    );
    c.batch_execute("SET ROLE w8p_none").await.unwrap();
    assert_db_error(
        c.batch_execute("EXECUTE mine").await,
        "42501",
        "permission denied for table w8p",
    );
    c.batch_execute("RESET ROLE").await.unwrap();
    for (sql, code, msg) in [
        (
            "EXECUTE nosuch",
            "26000",
            "prepared statement \"nosuch\" does not exist",
        ),
        (
            "DEALLOCATE nosuch",
            "26000",
            "prepared statement \"nosuch\" does not exist",
        ),
        (
            "PREPARE mine AS SELECT 1",
            "42P05",
            "prepared statement \"mine\" already exists",
        ),
        (
            "EXECUTE mine(1)",
            "42601",
            "wrong number of parameters for prepared statement \"mine\"",
        ),
        (
            "PREPARE bad AS DROP TABLE w8p",
            "42601",
            "syntax error at or near \"DROP\"",
        ),
    ] {
        assert_db_error(c.batch_execute(sql).await, code, msg);
    }
    // The refused PREPARE ran nothing.
    let n: i64 = c
        .query_one("SELECT count(*) FROM w8p", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn writes_that_read_the_table_cannot_hide_rows_from_their_author() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE w8s;
             CREATE TABLE w8s_t (a int PRIMARY KEY);
             GRANT SELECT, INSERT, UPDATE ON w8s_t TO w8s;
             CREATE POLICY sel ON w8s_t FOR SELECT USING (a < 20);
             CREATE POLICY upd ON w8s_t FOR UPDATE USING (a < 20) WITH CHECK (true);
             CREATE POLICY ins ON w8s_t FOR INSERT WITH CHECK (true);
             INSERT INTO w8s_t VALUES (10);
             ALTER TABLE w8s_t ENABLE ROW LEVEL SECURITY;",
        )
        .await
        .unwrap();
    let r = as_role(&srv, "w8s").await;
    let violation = "new row violates row-level security policy for table \"w8s_t\"";
    for sql in [
        "UPDATE w8s_t SET a = 30 RETURNING *",
        "UPDATE w8s_t SET a = a + 20",
        "UPDATE w8s_t SET a = 30 WHERE a = 10",
        "INSERT INTO w8s_t VALUES (10) ON CONFLICT (a) DO UPDATE SET a = 30",
        "INSERT INTO w8s_t VALUES (50) RETURNING a",
        "INSERT INTO w8s_t VALUES (51) ON CONFLICT (a) DO NOTHING",
    ] {
        assert_db_error(r.batch_execute(sql).await, "42501", violation);
    }
    // Nothing was written by the refused statements.
    let rows: Vec<i32> = admin
        .query("SELECT a FROM w8s_t ORDER BY a", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(rows, vec![10]);
    // A blind UPDATE (reading no column) only needs the UPDATE policies.
    r.batch_execute("UPDATE w8s_t SET a = 30").await.unwrap();
}

#[tokio::test]
async fn drop_owned_prunes_policies_and_routine_grants_name_the_kind() {
    let srv = Server::start_trust();
    let c = srv.connect().await;
    c.batch_execute(
        "CREATE ROLE w8o_a; CREATE ROLE w8o_b; CREATE ROLE w8o_stranger;
         CREATE TABLE w8o (c1 int);
         CREATE POLICY only_a ON w8o TO w8o_a USING (true);
         CREATE POLICY a_and_b ON w8o TO w8o_a, w8o_b USING (true);
         CREATE PROCEDURE w8o_p() LANGUAGE sql AS 'SELECT 1';",
    )
    .await
    .unwrap();
    // A stranger may not drop what another role owns or is named in.
    let stranger = as_role(&srv, "w8o_stranger").await;
    assert_db_error(
        stranger.batch_execute("DROP OWNED BY w8o_a").await,
        "42501",
        "permission denied to drop objects",
    );
    c.batch_execute("DROP OWNED BY w8o_a").await.unwrap();
    let rows = c
        .query(
            "SELECT policyname, roles::text FROM pg_policies WHERE tablename = 'w8o'",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(got, vec![("a_and_b".to_string(), "{w8o_b}".to_string())]);
    assert_db_error(
        c.batch_execute("DROP POLICY only_a ON w8o").await,
        "42704",
        "policy \"only_a\" for table \"w8o\" does not exist",
    );
    for (sql, code, msg) in [
        (
            "GRANT EXECUTE ON FUNCTION w8o_p() TO w8o_b",
            "42809",
            "w8o_p() is not a function",
        ),
        (
            "GRANT EXECUTE ON ROUTINE nosuch TO w8o_b",
            "42883",
            "could not find a function named \"nosuch\"",
        ),
        (
            "GRANT SELECT ON ROUTINE w8o_p TO w8o_b",
            "0LP01",
            "invalid privilege type SELECT for routine",
        ),
    ] {
        assert_db_error(c.batch_execute(sql).await, code, msg);
    }
    c.batch_execute("GRANT EXECUTE ON ROUTINE w8o_p TO w8o_b")
        .await
        .unwrap();
}

#[tokio::test]
async fn copy_checks_privileges_before_rls_and_catalog_privileges_refuse_bad_input() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE w8c_none; CREATE ROLE w8c_reader;
             CREATE TABLE w8c (a int, b text);
             ALTER TABLE w8c ENABLE ROW LEVEL SECURITY;
             CREATE POLICY even ON w8c USING (a % 2 = 0);
             GRANT SELECT, INSERT ON w8c TO w8c_reader;
             CREATE TABLE w8c_a (id int PRIMARY KEY);
             CREATE TABLE w8c_b (x int REFERENCES w8c_a);",
        )
        .await
        .unwrap();
    // Without the privilege, the permission error comes first, whatever
    // row_security says.
    let none = as_role(&srv, "w8c_none").await;
    for rs in ["off", "on"] {
        none.batch_execute(&format!("SET row_security = {rs}"))
            .await
            .unwrap();
        for sql in ["COPY w8c TO STDOUT", "COPY w8c FROM STDIN"] {
            assert_db_error(
                none.batch_execute(sql).await,
                "42501",
                "permission denied for table w8c",
            );
        }
    }
    // With it, RLS decides.
    let reader = as_role(&srv, "w8c_reader").await;
    reader
        .batch_execute("SET row_security = off")
        .await
        .unwrap();
    assert_db_error(
        reader.batch_execute("COPY w8c FROM STDIN").await,
        "42501",
        "query would be affected by row-level security policy for table \"w8c\"",
    );
    for (sql, code, msg) in [
        (
            "SELECT has_table_privilege('w8c_none', 'pg_class', 'sel')",
            "22023",
            "unrecognized privilege type: \"sel\"",
        ),
        (
            "SELECT has_column_privilege('w8c_none', 'pg_class', 'nosuch', 'select')",
            "42703",
            "column \"nosuch\" of relation \"pg_class\" does not exist",
        ),
        (
            "SELECT has_table_privilege('w8c_none', 'pg_nosuch', 'select')",
            "42P01",
            "relation \"pg_nosuch\" does not exist",
        ),
    ] {
        assert_db_error(admin.batch_execute(sql).await, code, msg);
    }
    let (authid, class): (bool, bool) = admin
        .query_one(
            "SELECT has_table_privilege('w8c_none', 'pg_authid', 'select'),
                    has_table_privilege('w8c_none', 'pg_class', 'select')",
            &[],
        )
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((authid, class), (false, true));
    // A stranger may not drop the pair; the owner drops both at once.
    assert_db_error(
        none.batch_execute("DROP TABLE w8c_a, w8c_b").await,
        "42501",
        "must be owner of table w8c_a",
    );
    assert_db_error(
        admin.batch_execute("DROP TABLE w8c_a").await,
        "2BP01",
        "cannot drop table w8c_a because other objects depend on it",
    );
    admin
        .batch_execute("DROP TABLE w8c_a, w8c_b")
        .await
        .unwrap();
}

/// CHECKPOINT is for superusers and members of pg_checkpoint: a plain role
/// gets 42501, a member (also through another role) may, and committed data
/// survives it.
#[tokio::test]
async fn checkpoint_needs_superuser_or_pg_checkpoint() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE ck (v int); INSERT INTO ck VALUES (1), (2);
             CREATE ROLE ck_plain; CREATE ROLE ck_ops; CREATE ROLE ck_member;
             GRANT pg_checkpoint TO ck_ops; GRANT ck_ops TO ck_member;",
        )
        .await
        .unwrap();
    let plain = as_role(&srv, "ck_plain").await;
    assert_db_error(
        plain.batch_execute("CHECKPOINT").await,
        "42501",
        "must be superuser or have privileges of pg_checkpoint to do CHECKPOINT",
    );
    let member = as_role(&srv, "ck_member").await;
    member.batch_execute("CHECKPOINT").await.unwrap();
    admin.batch_execute("CHECKPOINT").await.unwrap();
    assert_db_error(
        admin.batch_execute("CHECKPOINT now").await,
        "42601",
        "syntax error at or near \"now\"",
    );
    let n: i64 = admin
        .query_one("SELECT count(*) FROM ck", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}

/// The superuser-only catalogs keep a plain role out however it asks, and
/// their pg_class rows say so: pg_authid is a table, pg_shadow a view.
#[tokio::test]
async fn superuser_only_catalogs_refuse_a_plain_role() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin.batch_execute("CREATE ROLE sys_plain").await.unwrap();
    let plain = as_role(&srv, "sys_plain").await;
    assert_db_error(
        plain.query("SELECT rolname FROM pg_authid", &[]).await,
        "42501",
        "permission denied for table pg_authid",
    );
    assert_db_error(
        plain.query("SELECT usename FROM pg_shadow", &[]).await,
        "42501",
        "permission denied for view pg_shadow",
    );
    let row = plain
        .query_one(
            "SELECT relkind::text, relacl::text[] FROM pg_class WHERE oid = 'pg_authid'::regclass",
            &[],
        )
        .await
        .unwrap();
    let (kind, acl): (String, Vec<String>) = (row.get(0), row.get(1));
    assert_eq!(kind, "r");
    // Only the bootstrap superuser (`admin` in these tests) is granted.
    assert_eq!(acl, vec!["admin=arwdDxt/admin".to_string()]);
}

/// A plain role writing a system catalog gets PostgreSQL's 42501; the
/// superuser is told Rampart does not support it; neither changes anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_catalog_writes_are_refused() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin.batch_execute("CREATE ROLE sys_writer").await.unwrap();
    let plain = as_role(&srv, "sys_writer").await;
    for sql in [
        "UPDATE pg_catalog.pg_class SET relname = 'x'",
        "DELETE FROM pg_class",
        "INSERT INTO pg_authid (rolname) VALUES ('x')",
    ] {
        let table = if sql.contains("pg_authid") {
            "pg_authid"
        } else {
            "pg_class"
        };
        assert_db_error(
            plain.execute(sql, &[]).await,
            "42501",
            &format!("permission denied for table {table}"),
        );
    }
    assert_db_error(
        admin.execute("DELETE FROM pg_class", &[]).await,
        "0A000",
        "cannot change system relation \"pg_class\"",
    );
    let tables = first_column(
        admin
            .simple_query("SELECT count(*) FROM pg_class WHERE relname = 'pg_class'")
            .await
            .unwrap(),
    );
    assert_eq!(tables, vec!["1".to_string()]);
}

/// A role that a policy names in TO cannot be dropped (2BP01, the policy in
/// DETAIL); once the policy no longer names it, it can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_role_named_by_a_policy_fails() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE pol_target; CREATE ROLE pol_other;
             CREATE TABLE pol_t (id int);
             CREATE POLICY pol_p ON pol_t TO pol_target, pol_other USING (true);",
        )
        .await
        .unwrap();
    let err = admin
        .execute("DROP ROLE pol_target", &[])
        .await
        .unwrap_err();
    let db = err.as_db_error().expect("a database error");
    assert_eq!(db.code().code(), "2BP01");
    assert_eq!(
        db.message(),
        "role \"pol_target\" cannot be dropped because some objects depend on it"
    );
    assert_eq!(db.detail(), Some("target of policy pol_p on table pol_t"));
    admin
        .batch_execute("ALTER POLICY pol_p ON pol_t TO pol_other; DROP ROLE pol_target")
        .await
        .unwrap();
    let roles = first_column(
        admin
            .simple_query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'pol_%' ORDER BY 1")
            .await
            .unwrap(),
    );
    assert_eq!(roles, vec!["pol_other".to_string()]);
}

/// Bad input to this session's additions gets PostgreSQL-style errors for
/// that statement and nothing else: an unknown table in
/// row_security_active, a privilege that is not RULE-like for columns,
/// FETCH … WITH TIES, and a data-modifying WITH query below the top level.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_to_new_forms_is_refused() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute("CREATE TABLE bi_t (id int); INSERT INTO bi_t VALUES (1), (2)")
        .await
        .unwrap();
    assert_db_error(
        admin
            .query("SELECT row_security_active('no_such_table')", &[])
            .await,
        "42P01",
        "relation \"no_such_table\" does not exist",
    );
    assert_db_error(
        admin
            .query("SELECT has_column_privilege('bi_t', 'id', 'rule')", &[])
            .await,
        "22023",
        "unrecognized privilege type: \"rule\"",
    );
    assert_db_error(
        admin
            .query(
                "SELECT id FROM bi_t ORDER BY id FETCH FIRST 1 ROWS WITH TIES",
                &[],
            )
            .await,
        "0A000",
        "FETCH FIRST … WITH TIES or PERCENT is not supported yet",
    );
    assert_db_error(
        admin
            .query(
                "SELECT * FROM (WITH d AS (DELETE FROM bi_t RETURNING id) SELECT id FROM d) s",
                &[],
            )
            .await,
        "0A000",
        "WITH clause containing a data-modifying statement must be at the top level",
    );
    // Nothing was deleted, and the session goes on.
    let rows = first_column(
        admin
            .simple_query("SELECT count(*) FROM bi_t")
            .await
            .unwrap(),
    );
    assert_eq!(rows, vec!["2".to_string()]);
}

/// Only the owner of a table may make another table inherit from it (its
/// rows would appear in every read of the parent), or cut a child loose:
/// CREATE TABLE … INHERITS, ALTER TABLE … INHERIT and NO INHERIT by a role
/// that does not own the parent (or the child) fail with 42501 and change
/// nothing; bad definitions get PostgreSQL's errors.
#[tokio::test]
async fn inheritance_needs_ownership_and_matching_columns() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE inh_intruder; GRANT CREATE ON SCHEMA public TO inh_intruder;
             CREATE TABLE inh_parent (id int NOT NULL, secret text);
             CREATE TABLE inh_child () INHERITS (inh_parent);
             GRANT SELECT ON inh_parent TO inh_intruder;",
        )
        .await
        .unwrap();
    let intruder = as_role(&srv, "inh_intruder").await;
    assert_db_error(
        intruder
            .execute("CREATE TABLE inh_mine () INHERITS (inh_parent)", &[])
            .await,
        "42501",
        "must be owner of table inh_parent",
    );
    intruder
        .batch_execute("CREATE TABLE inh_own (id int NOT NULL, secret text)")
        .await
        .unwrap();
    assert_db_error(
        intruder
            .execute("ALTER TABLE inh_own INHERIT inh_parent", &[])
            .await,
        "42501",
        "must be owner of table inh_parent",
    );
    assert_db_error(
        intruder
            .execute("ALTER TABLE inh_child NO INHERIT inh_parent", &[])
            .await,
        "42501",
        "must be owner of table inh_child",
    );
    assert_db_error(
        admin
            .execute("CREATE TABLE inh_bad (id text) INHERITS (inh_parent)", &[])
            .await,
        "42804",
        "column \"id\" has a type conflict",
    );
    assert_db_error(
        admin
            .execute("ALTER TABLE inh_parent INHERIT inh_child", &[])
            .await,
        "42P07",
        "circular inheritance not allowed",
    );
    assert_db_error(
        admin.execute("DROP TABLE inh_parent", &[]).await,
        "2BP01",
        "cannot drop table inh_parent because other objects depend on it",
    );
    let parents = first_column(
        admin
            .simple_query(
                "SELECT inhrelid::regclass::text || '<' || inhparent::regclass::text
                 FROM pg_inherits ORDER BY 1",
            )
            .await
            .unwrap(),
    );
    assert_eq!(parents, vec!["inh_child<inh_parent".to_string()]);
}

/// `tableoid` is a column like the others for privileges: a role with
/// SELECT on some columns cannot read it until granted SELECT (tableoid),
/// and a table-wide REVOKE takes that grant away again.
#[tokio::test]
async fn tableoid_needs_its_own_column_privilege() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE sys_reader;
             CREATE TABLE sys_t (fx int, secret text);
             INSERT INTO sys_t VALUES (1, 'hidden');
             GRANT SELECT (fx) ON sys_t TO sys_reader;",
        )
        .await
        .unwrap();
    let reader = as_role(&srv, "sys_reader").await;
    assert_eq!(
        first_column(reader.simple_query("SELECT fx FROM sys_t").await.unwrap()),
        vec!["1".to_string()]
    );
    assert_db_error(
        reader.query("SELECT tableoid FROM sys_t", &[]).await,
        "42501",
        "permission denied for table sys_t",
    );
    admin
        .batch_execute("GRANT SELECT (tableoid) ON sys_t TO sys_reader")
        .await
        .unwrap();
    assert_eq!(
        first_column(
            reader
                .simple_query("SELECT tableoid::regclass FROM sys_t")
                .await
                .unwrap()
        ),
        vec!["sys_t".to_string()]
    );
    assert_db_error(
        reader
            .query("SELECT tableoid, secret FROM sys_t", &[])
            .await,
        "42501",
        "permission denied for table sys_t",
    );
    admin
        .batch_execute("REVOKE SELECT ON sys_t FROM sys_reader")
        .await
        .unwrap();
    assert_db_error(
        reader.query("SELECT tableoid FROM sys_t", &[]).await,
        "42501",
        "permission denied for table sys_t",
    );
}

/// Bad input to inheritance, partitioning, ADD CHECK and cursors gets
/// PostgreSQL's SQLSTATE and message and changes nothing.
#[tokio::test]
async fn bad_partition_inheritance_and_cursor_input_is_refused() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE bp_p (a int, b int) PARTITION BY LIST (a);
             CREATE TABLE bp_1 PARTITION OF bp_p FOR VALUES IN (1, 2);
             CREATE TABLE bp_x (a int, b int, extra int);
             CREATE TABLE bp_i (a int); CREATE TABLE bp_ic () INHERITS (bp_i);
             INSERT INTO bp_i VALUES (1);",
        )
        .await
        .unwrap();
    let cases: [(&str, &str, &str); 8] = [
        (
            "CREATE TABLE bp_2 PARTITION OF bp_p FOR VALUES IN (2, 3)",
            "42P17",
            "partition \"bp_2\" would overlap partition \"bp_1\"",
        ),
        (
            "CREATE TABLE bp_3 PARTITION OF bp_p FOR VALUES FROM (1) TO (2)",
            "42P16",
            "invalid bound specification for a list partition",
        ),
        (
            "ALTER TABLE bp_p ATTACH PARTITION bp_x FOR VALUES IN (5)",
            "42804",
            "table \"bp_x\" contains column \"extra\" not found in parent \"bp_p\"",
        ),
        (
            "ALTER TABLE bp_ic DROP COLUMN a",
            "42P16",
            "cannot drop inherited column \"a\"",
        ),
        (
            "ALTER TABLE bp_i ADD CONSTRAINT bp_big CHECK (a > 5)",
            "23514",
            "check constraint \"bp_big\" of relation \"bp_i\" is violated by some row",
        ),
        (
            "DECLARE c CURSOR FOR SELECT 1",
            "25P01",
            "DECLARE CURSOR can only be used in transaction blocks",
        ),
        (
            "FETCH NEXT FROM no_such_cursor",
            "34000",
            "cursor \"no_such_cursor\" does not exist",
        ),
        (
            "CREATE TABLE bp_h (a int) PARTITION BY LIST (a, a)",
            "42P17",
            "cannot use \"list\" partition strategy with more than one column",
        ),
    ];
    for (sql, code, message) in cases {
        assert_db_error(admin.execute(sql, &[]).await, code, message);
    }
    admin
        .batch_execute("BEGIN; DECLARE fwd NO SCROLL CURSOR FOR SELECT 1; FETCH fwd")
        .await
        .unwrap();
    assert_db_error(
        admin.execute("FETCH PRIOR FROM fwd", &[]).await,
        "55000",
        "cursor can only scan forward",
    );
    admin.batch_execute("ROLLBACK").await.unwrap();
    // Nothing changed: no new partition, bp_x still a plain table, the
    // column and the constraint as they were.
    let state = first_column(
        admin
            .simple_query(
                "SELECT (SELECT count(*) FROM pg_inherits)::text || ' '
                    || (SELECT count(*) FROM pg_attribute WHERE attrelid = 'bp_ic'::regclass AND attnum > 0)::text || ' '
                    || (SELECT count(*) FROM pg_constraint WHERE conname = 'bp_big')::text",
            )
            .await
            .unwrap(),
    );
    assert_eq!(state, vec!["2 1 0".to_string()]);
}

/// `WHERE CURRENT OF` with a cursor that names no row of the table gets
/// PostgreSQL's error for each case, and nothing changes.
#[tokio::test]
async fn where_current_of_without_a_current_row_is_refused() {
    let srv = Server::start_trust();
    let c = srv.connect().await;
    c.batch_execute(
        "CREATE TABLE wc (id int, v text); INSERT INTO wc VALUES (1, 'a'), (2, 'b');
         CREATE TABLE wc_other (id int);",
    )
    .await
    .unwrap();
    let cases = [
        (
            "DECLARE k CURSOR FOR SELECT * FROM wc",
            "UPDATE wc SET v = 'x' WHERE CURRENT OF k",
            "24000",
            "cursor \"k\" is not positioned on a row",
        ),
        (
            "DECLARE k CURSOR FOR SELECT * FROM wc; FETCH k",
            "DELETE FROM wc_other WHERE CURRENT OF k",
            "24000",
            "cursor \"k\" is not a simply updatable scan of table \"wc_other\"",
        ),
        (
            "DECLARE k CURSOR FOR SELECT max(id) FROM wc; FETCH k",
            "DELETE FROM wc WHERE CURRENT OF k",
            "24000",
            "cursor \"k\" is not a simply updatable scan of table \"wc\"",
        ),
        (
            "DECLARE k CURSOR FOR SELECT * FROM wc; FETCH ALL k",
            "UPDATE wc SET v = 'x' WHERE CURRENT OF k",
            "24000",
            "cursor \"k\" is not positioned on a row",
        ),
        (
            "SELECT 1",
            "UPDATE wc SET v = 'x' WHERE CURRENT OF missing",
            "34000",
            "cursor \"missing\" does not exist",
        ),
    ];
    for (declare, change, code, message) in cases {
        c.batch_execute(&format!("BEGIN; {declare}")).await.unwrap();
        assert_db_error(c.execute(change, &[]).await, code, message);
        c.batch_execute("ROLLBACK").await.unwrap();
    }
    c.batch_execute("BEGIN; DECLARE h CURSOR WITH HOLD FOR SELECT * FROM wc; FETCH h; COMMIT")
        .await
        .unwrap();
    assert_db_error(
        c.execute("DELETE FROM wc WHERE CURRENT OF h", &[]).await,
        "24000",
        "cursor \"h\" is held from a previous transaction",
    );
    // Only UPDATE and DELETE take it.
    assert_db_error(
        c.query("SELECT * FROM wc WHERE CURRENT OF h", &[]).await,
        "42601",
        "syntax error at or near \"OF\"",
    );
    let rows: Vec<(i32, String)> = c
        .query("SELECT id, v FROM wc ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rows, vec![(1, "a".into()), (2, "b".into())]);
}

/// CREATE RULE "_RETURN" turns only an empty table its caller owns, without
/// row-level security, into a view; anything else is refused and the table
/// stays a table.
#[tokio::test]
async fn select_rules_convert_only_owned_empty_tables_without_row_security() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE secret (c int); CREATE ROLE intruder; GRANT SELECT ON secret TO intruder;
             CREATE TABLE guarded (c int); ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;",
        )
        .await
        .unwrap();
    let rule =
        |t: &str| format!("CREATE RULE \"_RETURN\" AS ON SELECT TO {t} DO INSTEAD SELECT 1 AS c");
    let intruder = srv.connect().await;
    intruder.batch_execute("SET ROLE intruder").await.unwrap();
    assert_db_error(
        intruder.batch_execute(&rule("secret")).await,
        "42501",
        "must be owner of table secret",
    );
    assert_db_error(
        admin.batch_execute(&rule("guarded")).await,
        "55000",
        "could not convert table \"guarded\" to a view because it has row security enabled",
    );
    assert_db_error(
        admin
            .batch_execute("CREATE RULE r AS ON INSERT TO secret DO INSTEAD NOTHING")
            .await,
        "0A000",
        "rules on INSERT are not supported (only a view's ON SELECT rule)",
    );
    let kinds: Vec<String> = admin
        .query(
            "SELECT relkind::text FROM pg_class WHERE relname IN ('secret', 'guarded') ORDER BY relname",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(kinds, vec!["r", "r"]);
}

/// A whole-row value (`t.*` or `t`) reads every column: a role granted only
/// some columns may not take it, even under IS NULL.
#[tokio::test]
async fn whole_row_values_need_every_column() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE wr (id int, secret text); INSERT INTO wr VALUES (1, 's');
             CREATE ROLE partial; GRANT SELECT (id) ON wr TO partial;",
        )
        .await
        .unwrap();
    let c = srv.connect().await;
    c.batch_execute("SET ROLE partial").await.unwrap();
    for sql in [
        "SELECT (w.*) IS NULL FROM wr w",
        "SELECT w FROM wr w",
        "SELECT (j.*) IS NOT NULL FROM (wr a JOIN wr b USING (id)) j",
    ] {
        assert_db_error(
            c.query(sql, &[]).await,
            "42501",
            "permission denied for table wr",
        );
    }
    let ids: Vec<i32> = c
        .query("SELECT id FROM wr", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, vec![1]);
}

/// `SET (a, b) = (…)` needs UPDATE on every column it names, as separate
/// assignments would.
#[tokio::test]
async fn multi_column_set_needs_every_columns_privilege() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE mcs (id int, label text, locked int); INSERT INTO mcs VALUES (1, 'a', 0);
             CREATE ROLE labeler; GRANT SELECT, UPDATE (label) ON mcs TO labeler;",
        )
        .await
        .unwrap();
    let c = srv.connect().await;
    c.batch_execute("SET ROLE labeler").await.unwrap();
    assert_db_error(
        c.execute("UPDATE mcs SET (label, locked) = ('b', 1)", &[])
            .await,
        "42501",
        "permission denied for table mcs",
    );
    let n = c
        .execute("UPDATE mcs SET (label) = ROW('c')", &[])
        .await
        .unwrap();
    assert_eq!(n, 1);
    let row = admin
        .query_one("SELECT label, locked FROM mcs", &[])
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, i32>(1)),
        ("c".to_string(), 0)
    );
}

/// INSERT … ON CONFLICT through a view: the arbiter's columns need SELECT
/// on the view, DO UPDATE through a view is refused, and neither changes a row.
#[tokio::test]
async fn on_conflict_through_a_view_needs_select_on_the_arbiter() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE ocb (id int PRIMARY KEY, v text); INSERT INTO ocb VALUES (1, 'a');
             CREATE VIEW ocv AS SELECT id AS key, v FROM ocb;
             CREATE ROLE writer; GRANT INSERT ON ocv TO writer;",
        )
        .await
        .unwrap();
    let c = srv.connect().await;
    c.batch_execute("SET ROLE writer").await.unwrap();
    assert_db_error(
        c.execute(
            "INSERT INTO ocv VALUES (1, 'x') ON CONFLICT (key) DO NOTHING",
            &[],
        )
        .await,
        "42501",
        "permission denied for view ocv",
    );
    assert_db_error(
        c.execute(
            "INSERT INTO ocv VALUES (1, 'x') ON CONFLICT (key) DO UPDATE SET v = 'x'",
            &[],
        )
        .await,
        "0A000",
        "ON CONFLICT DO UPDATE through a view",
    );
    let v: String = admin
        .query_one("SELECT v FROM ocb WHERE id = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(v, "a");
}

/// Bad input to the sixteenth session's forms — TABLESAMPLE methods and
/// targets, COLLATE after a cast, an untyped literal a UNION makes an
/// integer, an unknown pgaudit class — gets PostgreSQL's SQLSTATE and
/// message, and the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteenth_session_forms_refuse_bad_input() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE bs_t (id int, t text); INSERT INTO bs_t VALUES (1, 'a');
             CREATE VIEW bs_v AS SELECT * FROM bs_t",
        )
        .await
        .unwrap();
    assert_db_error(
        admin
            .query("SELECT * FROM bs_t TABLESAMPLE foo (5)", &[])
            .await,
        "42704",
        "tablesample method foo does not exist",
    );
    assert_db_error(
        admin
            .query("SELECT * FROM bs_v TABLESAMPLE BERNOULLI (5)", &[])
            .await,
        "0A000",
        "TABLESAMPLE clause can only be applied to tables and materialized views",
    );
    assert_db_error(
        admin
            .query("SELECT * FROM bs_t TABLESAMPLE SYSTEM ('x'::text)", &[])
            .await,
        "42804",
        "argument of TABLESAMPLE must be type real, not type text",
    );
    assert_db_error(
        admin
            .query("SELECT t::text COLLATE nope FROM bs_t", &[])
            .await,
        "42704",
        "collation \"nope\" for encoding \"UTF8\" does not exist",
    );
    assert_db_error(
        admin.query("SELECT 'a' UNION SELECT 1", &[]).await,
        "22P02",
        "invalid input syntax for type integer: \"a\"",
    );
    assert_db_error(
        admin
            .batch_execute("INSERT INTO bs_t (id) SELECT 'x'")
            .await,
        "22P02",
        "invalid input syntax for type integer: \"x\"",
    );
    assert_db_error(
        admin.batch_execute("SET pgaudit.log = 'read, bogus'").await,
        "22023",
        "invalid value for parameter \"pgaudit.log\": \"read, bogus\"",
    );
    assert_db_error(
        admin.batch_execute("ANALYZE bs_t (nope)").await,
        "42703",
        "column \"nope\" of relation \"bs_t\" does not exist",
    );
    // Nothing half-done: the table is as it was.
    assert_eq!(
        first_column(
            admin
                .simple_query("SELECT count(*) FROM bs_t")
                .await
                .unwrap()
        ),
        vec!["1".to_string()]
    );
}
