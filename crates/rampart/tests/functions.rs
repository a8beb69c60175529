//! User-defined functions over the wire: runaway routines are stopped
//! (cancel, recursion limit) without harming the server, and the security
//! attributes hold when the wrong role tries.

mod common;

use std::time::Duration;

use common::{assert_db_error, connect_with, db_error, within, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_plpgsql_loop_is_cancelled_and_the_session_goes_on() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    let token = client.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        token.cancel_query(tokio_postgres::NoTls).await
    });
    let r = within(
        20,
        "the cancelled loop to end",
        client.batch_execute("DO $$ BEGIN LOOP END LOOP; END $$"),
    )
    .await;
    canceller.await.unwrap().unwrap();
    assert_db_error(r, "57014", "canceling statement due to user request");
    let row = client.query_one("SELECT 1 + 1", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_recursion_is_an_error_not_a_crash() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    client
        .batch_execute(
            "CREATE FUNCTION down(n int) RETURNS int LANGUAGE plpgsql AS \
             $$ BEGIN RETURN down(n + 1); END $$",
        )
        .await
        .unwrap();
    let e = client.query_one("SELECT down(1)", &[]).await.unwrap_err();
    assert_eq!(
        db_error(&e),
        ("54001".into(), "stack depth limit exceeded".into())
    );
    // The server and this session keep working.
    let other = srv.connect().await;
    assert_eq!(
        other
            .query_one("SELECT 7", &[])
            .await
            .unwrap()
            .get::<_, i32>(0),
        7
    );
    assert_eq!(
        client
            .query_one("SELECT 8", &[])
            .await
            .unwrap()
            .get::<_, i32>(0),
        8
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definer_functions_run_as_their_owner_and_execute_is_enforced() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE owner_r LOGIN; CREATE ROLE caller LOGIN;
             CREATE TABLE ledger (who text, amount int);
             INSERT INTO ledger VALUES ('owner_r', 10), ('caller', 20), ('x', 30);
             ALTER TABLE ledger OWNER TO owner_r;
             ALTER TABLE ledger ENABLE ROW LEVEL SECURITY;
             ALTER TABLE ledger FORCE ROW LEVEL SECURITY;
             CREATE POLICY mine ON ledger USING (who = current_user);
             GRANT CREATE ON SCHEMA public TO owner_r;
             SET ROLE owner_r;
             CREATE FUNCTION my_total() RETURNS bigint LANGUAGE sql SECURITY DEFINER
               AS 'SELECT sum(amount) FROM ledger';
             CREATE FUNCTION private_total() RETURNS bigint LANGUAGE sql
               AS 'SELECT sum(amount) FROM ledger';
             REVOKE EXECUTE ON FUNCTION private_total() FROM PUBLIC;
             RESET ROLE;",
        )
        .await
        .unwrap();
    let mut cfg = srv.config();
    cfg.user("caller");
    let caller = connect_with(&cfg).await.unwrap();
    // The caller holds no SELECT on the table …
    assert_db_error(
        caller.query("SELECT * FROM ledger", &[]).await,
        "42501",
        "permission denied for table ledger",
    );
    // … but the definer function reads it as its owner, under the owner's policy.
    let total: i64 = caller
        .query_one("SELECT my_total()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, 10);
    // EXECUTE revoked from PUBLIC: the caller may not run the invoker function.
    assert_db_error(
        caller.query("SELECT private_total()", &[]).await,
        "42501",
        "permission denied for function private_total",
    );
    // Nor take ownership of, redefine or drop the owner's functions.
    assert_db_error(
        caller
            .batch_execute("ALTER FUNCTION my_total() SECURITY INVOKER")
            .await,
        "42501",
        "must be owner of function my_total",
    );
    assert_db_error(
        caller.batch_execute("DROP FUNCTION my_total()").await,
        "42501",
        "must be owner of function my_total",
    );
    // Only a superuser may mark a function LEAKPROOF.
    admin
        .batch_execute("GRANT CREATE ON SCHEMA public TO caller")
        .await
        .unwrap();
    assert_db_error(
        caller
            .batch_execute(
                "CREATE FUNCTION lp(int) RETURNS bool LANGUAGE sql LEAKPROOF AS 'SELECT true'",
            )
            .await,
        "42501",
        "only superuser can define a leakproof function",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exception_block_undoes_its_writes_only() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    client
        .batch_execute(
            "CREATE TABLE t (a int);
             DO $$ BEGIN
               INSERT INTO t VALUES (1);
               BEGIN
                 INSERT INTO t VALUES (2);
                 PERFORM 1 / 0;
               EXCEPTION WHEN division_by_zero THEN
                 INSERT INTO t VALUES (3);
               END;
             END $$;",
        )
        .await
        .unwrap();
    let rows = client
        .query("SELECT a FROM t ORDER BY a", &[])
        .await
        .unwrap();
    let got: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(got, vec![1, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stable_function_runs_once_per_statement_a_volatile_one_per_row() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    client
        .batch_execute(
            "CREATE SEQUENCE stable_calls; CREATE SEQUENCE volatile_calls;
             CREATE FUNCTION probe_stable() RETURNS int LANGUAGE plpgsql STABLE AS
               $$ BEGIN PERFORM nextval('stable_calls'); RETURN 1; END $$;
             CREATE FUNCTION probe_volatile() RETURNS int LANGUAGE plpgsql AS
               $$ BEGIN PERFORM nextval('volatile_calls'); RETURN 1; END $$;",
        )
        .await
        .unwrap();
    let n: i64 = client
        .query_one(
            "SELECT count(*) FROM generate_series(1, 5) g WHERE probe_stable() = 1 AND probe_volatile() = 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 5);
    let calls = |seq: &'static str| {
        let c = &client;
        async move {
            c.query_one(&format!("SELECT currval('{seq}')"), &[])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(calls("stable_calls").await, 1);
    assert_eq!(calls("volatile_calls").await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_internal_is_for_superusers_and_known_builtins_only() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE fn_user;
             CREATE FUNCTION lt(int, int) RETURNS boolean AS 'int4lt' LANGUAGE internal IMMUTABLE STRICT;",
        )
        .await
        .unwrap();
    let r: bool = admin
        .query_one("SELECT lt(1, 2) AND NOT lt(3, 2)", &[])
        .await
        .unwrap()
        .get(0);
    assert!(r);
    assert_db_error(
        admin
            .batch_execute("CREATE FUNCTION sh(text) RETURNS text AS 'system' LANGUAGE internal")
            .await,
        "42883",
        "there is no built-in function named \"system\"",
    );
    // An untrusted language: an ordinary role may not define such functions.
    admin.batch_execute("SET ROLE fn_user").await.unwrap();
    assert_db_error(
        admin
            .batch_execute(
                "CREATE FUNCTION lt2(int, int) RETURNS boolean AS 'int4lt' LANGUAGE internal",
            )
            .await,
        "42501",
        "permission denied for language internal",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_returning_functions_in_the_select_list_keep_privileges_and_policies() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE tenant LOGIN;
             CREATE TABLE notes (owner text, tags text[]);
             INSERT INTO notes VALUES ('tenant', '{mine,ours}'), ('other', '{secret}');
             ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
             CREATE POLICY own ON notes USING (owner = current_user);
             GRANT SELECT ON notes TO tenant;
             CREATE FUNCTION series_to(n int) RETURNS SETOF int LANGUAGE sql
               AS 'SELECT generate_series(1, n)';
             REVOKE EXECUTE ON FUNCTION series_to(int) FROM PUBLIC;",
        )
        .await
        .unwrap();
    // The superuser sees every row's tags, one row per tag, in lockstep
    // with a second, longer function padded with NULL.
    let rows: Vec<(Option<String>, i32)> = admin
        .query(
            "SELECT unnest(tags), generate_series(1, 2) FROM notes WHERE owner = 'other'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rows, [(Some("secret".into()), 1), (None, 2)]);
    let mut cfg = srv.config();
    cfg.user("tenant");
    let tenant = connect_with(&cfg).await.unwrap();
    // The policy filters the rows before the function expands them.
    let tags: Vec<String> = tenant
        .query("SELECT unnest(tags) FROM notes ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tags, ["mine", "ours"]);
    // EXECUTE is checked for a set-returning function in the select list.
    assert_db_error(
        tenant.query("SELECT series_to(3)", &[]).await,
        "42501",
        "permission denied for function series_to",
    );
    admin
        .batch_execute("GRANT EXECUTE ON FUNCTION series_to(int) TO tenant")
        .await
        .unwrap();
    let n: Vec<i32> = tenant
        .query("SELECT series_to(3)", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(n, [1, 2, 3]);
    // A set-returning function inside CASE is PostgreSQL's error.
    assert_db_error(
        tenant
            .query("SELECT CASE WHEN true THEN generate_series(1, 2) END", &[])
            .await,
        "0A000",
        "set-returning functions are not allowed in CASE",
    );
}
