//! Databases over the wire: each has its own objects, the database owner
//! controls its `public` schema (through pg_database_owner), and DROP
//! DATABASE refuses while someone is connected.

mod common;

use common::{assert_db_error, connect_with, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn databases_are_separate_and_their_owner_controls_public() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute("CREATE ROLE dbo LOGIN; CREATE ROLE stranger LOGIN")
        .await
        .unwrap();
    // CREATE DATABASE cannot share a Query message with other statements
    // (they form a transaction block), as in PostgreSQL.
    assert_db_error(
        admin
            .batch_execute("CREATE DATABASE app OWNER dbo; CREATE TABLE t0 (a int)")
            .await,
        "25001",
        "CREATE DATABASE cannot run inside a transaction block",
    );
    admin
        .batch_execute("CREATE DATABASE app OWNER dbo")
        .await
        .unwrap();
    admin
        .batch_execute("CREATE TABLE only_in_postgres (a int)")
        .await
        .unwrap();
    let mut cfg = srv.config();
    cfg.dbname("app").user("dbo");
    let owner = connect_with(&cfg).await.unwrap();
    // The owner may create in public (pg_database_owner holds CREATE there) …
    owner
        .batch_execute("CREATE TABLE public.t (a int); INSERT INTO t VALUES (1)")
        .await
        .unwrap();
    // … and sees nothing of the other database.
    assert_db_error(
        owner.query("SELECT * FROM only_in_postgres", &[]).await,
        "42P01",
        "relation \"only_in_postgres\" does not exist",
    );
    // Anyone else may only use public, not create in it.
    cfg.user("stranger");
    let stranger = connect_with(&cfg).await.unwrap();
    assert_db_error(
        stranger
            .batch_execute("CREATE TABLE public.u (a int)")
            .await,
        "42501",
        "permission denied for schema public",
    );
    // Not even the superuser may drop a database someone is connected to.
    assert_db_error(
        admin.batch_execute("DROP DATABASE app").await,
        "55006",
        "database \"app\" is being accessed by other users",
    );
    drop(owner);
    drop(stranger);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    admin.batch_execute("DROP DATABASE app").await.unwrap();
    let mut gone = srv.config();
    gone.dbname("app");
    let e = match connect_with(&gone).await {
        Ok(_) => panic!("connecting to a dropped database succeeded"),
        Err(e) => e,
    };
    assert_eq!(
        common::db_error(&e),
        (
            "3D000".to_string(),
            "database \"app\" does not exist".to_string()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_privilege_and_connection_limit_are_enforced_at_login() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute("CREATE ROLE outsider LOGIN; CREATE ROLE member LOGIN")
        .await
        .unwrap();
    admin
        .batch_execute("CREATE DATABASE guarded")
        .await
        .unwrap();
    admin
        .batch_execute(
            "REVOKE CONNECT ON DATABASE guarded FROM PUBLIC;
             GRANT CONNECT ON DATABASE guarded TO member;
             ALTER DATABASE guarded CONNECTION LIMIT 1;",
        )
        .await
        .unwrap();
    let as_role = |user: &str| {
        let mut c = srv.config();
        c.dbname("guarded").user(user);
        c
    };
    let refused = match connect_with(&as_role("outsider")).await {
        Ok(_) => panic!("a role without CONNECT got in"),
        Err(e) => e,
    };
    assert_eq!(
        common::db_error(&refused),
        (
            "42501".to_string(),
            "permission denied for database \"guarded\"".to_string()
        )
    );
    let first = connect_with(&as_role("member")).await.unwrap();
    let second = match connect_with(&as_role("member")).await {
        Ok(_) => panic!("the connection limit let a second session in"),
        Err(e) => e,
    };
    assert_eq!(
        common::db_error(&second),
        (
            "53300".to_string(),
            "too many connections for database \"guarded\"".to_string()
        )
    );
    // Superusers are exempt from both.
    let mut su = srv.config();
    su.dbname("guarded");
    connect_with(&su).await.unwrap();
    drop(first);
}
