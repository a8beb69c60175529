//! pg_stat_activity: who is connected and what they run, visible in full only
//! to the same role, superusers and pg_read_all_stats (as PostgreSQL).

mod common;

use common::{connect_with, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_roles_sessions_are_hidden_unless_reader_may_see_them() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE nosy LOGIN; CREATE ROLE auditor LOGIN; GRANT pg_read_all_stats TO auditor;",
        )
        .await
        .unwrap();
    // The superuser's session sits in an open transaction after a statement.
    admin
        .batch_execute("BEGIN; SELECT 'secret-looking query'")
        .await
        .unwrap();
    let as_role = |name: &'static str| {
        let mut c = srv.config();
        c.user(name);
        c
    };
    let nosy = connect_with(&as_role("nosy")).await.unwrap();
    let rows = nosy
        .query(
            "SELECT usename, state, query, client_addr FROM pg_stat_activity WHERE usename = 'admin'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, Option<String>>(1), None, "state is hidden");
    assert_eq!(rows[0].get::<_, String>(2), "<insufficient privilege>");
    assert_eq!(
        rows[0].get::<_, Option<String>>(3),
        None,
        "client address is hidden"
    );
    // A role sees its own sessions in full.
    let own = nosy
        .query_one(
            "SELECT state, query FROM pg_stat_activity WHERE usename = 'nosy'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(own.get::<_, String>(0), "active");
    assert!(own.get::<_, String>(1).contains("pg_stat_activity"));
    // pg_read_all_stats sees everyone's.
    let auditor = connect_with(&as_role("auditor")).await.unwrap();
    let row = auditor
        .query_one(
            "SELECT state, query, client_addr FROM pg_stat_activity WHERE usename = 'admin'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "idle in transaction");
    assert_eq!(
        row.get::<_, String>(1),
        "BEGIN; SELECT 'secret-looking query'"
    );
    assert_eq!(row.get::<_, String>(2), "127.0.0.1");
    // A closed session leaves the view.
    drop(nosy);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let n: i64 = auditor
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = 'nosy'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}
