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
        .batch_execute(
            "CREATE ROLE dbo LOGIN; CREATE ROLE stranger LOGIN;
             CREATE DATABASE app OWNER dbo;
             CREATE TABLE only_in_postgres (a int);",
        )
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
