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

/// pg_shmem_allocations and pg_backend_memory_contexts are granted to
/// pg_read_all_stats, not PUBLIC (as PostgreSQL's initdb): a role outside it
/// is refused with PostgreSQL's error, a member reads them, a prepared
/// statement re-checks after SET ROLE, and the ACL shows in pg_class.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_views_are_readable_by_pg_read_all_stats_only() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE ROLE outsider LOGIN; CREATE ROLE stats_reader LOGIN; \
             CREATE ROLE stats_group; GRANT pg_read_all_stats TO stats_group; \
             GRANT stats_group TO stats_reader; GRANT outsider TO admin",
        )
        .await
        .unwrap();
    for view in ["pg_shmem_allocations", "pg_backend_memory_contexts"] {
        let privs = admin
            .query_one(
                &format!(
                    "SELECT has_table_privilege('outsider', '{view}', 'SELECT'), \
                     has_table_privilege('stats_reader', '{view}', 'SELECT'), \
                     has_table_privilege('stats_reader', '{view}', 'UPDATE')"
                ),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(
            (
                privs.get::<_, bool>(0),
                privs.get::<_, bool>(1),
                privs.get::<_, bool>(2)
            ),
            (false, true, false),
            "{view}"
        );
    }
    let mut c = srv.config();
    c.user("outsider");
    let outsider = connect_with(&c).await.unwrap();
    let err = outsider
        .query("SELECT count(*) FROM pg_backend_memory_contexts", &[])
        .await
        .unwrap_err();
    let db = err.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "42501");
    assert_eq!(
        db.message(),
        "permission denied for view pg_backend_memory_contexts"
    );
    let mut c = srv.config();
    c.user("stats_reader");
    let reader = connect_with(&c).await.unwrap();
    let n: i64 = reader
        .query_one("SELECT count(*) FROM pg_shmem_allocations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0, "Rampart has no shared memory segments");
    // Prepared by the superuser, executed after SET ROLE: checked again.
    let stmt = admin
        .prepare("SELECT count(*) FROM pg_shmem_allocations")
        .await
        .unwrap();
    admin.query_one(&stmt, &[]).await.unwrap();
    admin.batch_execute("SET ROLE outsider").await.unwrap();
    let err = admin.query_one(&stmt, &[]).await.unwrap_err();
    assert_eq!(
        err.as_db_error().map(|e| e.message()),
        Some("permission denied for view pg_shmem_allocations")
    );
    admin.batch_execute("RESET ROLE").await.unwrap();
    let acl: String = admin
        .query_one(
            "SELECT relacl::text FROM pg_class WHERE relname = 'pg_backend_memory_contexts'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(acl, "{admin=arwdDxt/admin,pg_read_all_stats=r/admin}");
}
