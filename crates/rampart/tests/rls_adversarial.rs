//! Row-level security under attack: a tenant role tries to reach other
//! tenants' rows through prepared statements kept across SET ROLE, settings
//! changed behind a plan's back, and other statement forms. Every attempt
//! must see nothing or fail with PostgreSQL's error.

mod common;

use common::{assert_db_error, Server};
use tokio_postgres::Client;

/// documents(id, tenant_id, title) with rows for tenants 1 and 2, a policy
/// on the `app.tenant_id` setting, and roles `tenant_app` (the policy
/// applies) and `auditor` (BYPASSRLS) that are not the owner.
async fn setup(admin: &Client) {
    admin
        .batch_execute(
            "CREATE TABLE documents (id int PRIMARY KEY, tenant_id int NOT NULL, title text);
             INSERT INTO documents VALUES (1, 1, 'one-a'), (2, 1, 'one-b'), (3, 2, 'two-a');
             ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
             CREATE POLICY tenant_isolation ON documents
                 USING (tenant_id = current_setting('app.tenant_id')::int);
             CREATE ROLE tenant_app;
             CREATE ROLE auditor BYPASSRLS;
             GRANT SELECT, INSERT, UPDATE, DELETE ON documents TO tenant_app, auditor;",
        )
        .await
        .unwrap();
}

/// The ids a query returns, in order.
async fn ids(client: &Client, stmt: &tokio_postgres::Statement) -> Vec<i32> {
    client
        .query(stmt, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statement_rebinds_after_set_role() {
    let srv = Server::start_trust();
    let c = srv.connect().await;
    setup(&c).await;
    c.batch_execute("SET app.tenant_id = '1'").await.unwrap();
    // Prepared (and bound) as the superuser, who bypasses RLS.
    let all = c
        .prepare("SELECT id FROM documents ORDER BY id")
        .await
        .unwrap();
    assert_eq!(ids(&c, &all).await, vec![1, 2, 3]);
    // The same statement after SET ROLE must apply tenant_app's policies.
    c.batch_execute("SET ROLE tenant_app").await.unwrap();
    assert_eq!(ids(&c, &all).await, vec![1, 2]);
    // Prepared as tenant_app, executed after switching to a BYPASSRLS role.
    let mine = c
        .prepare("SELECT id FROM documents WHERE title LIKE '%' ORDER BY id")
        .await
        .unwrap();
    assert_eq!(ids(&c, &mine).await, vec![1, 2]);
    c.batch_execute("RESET ROLE; SET ROLE auditor")
        .await
        .unwrap();
    assert_eq!(ids(&c, &mine).await, vec![1, 2, 3]);
    // And back: the plan bound for the auditor must not leak to tenant_app.
    c.batch_execute("RESET ROLE; SET ROLE tenant_app")
        .await
        .unwrap();
    assert_eq!(ids(&c, &mine).await, vec![1, 2]);
    assert_eq!(ids(&c, &all).await, vec![1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statement_follows_row_security_and_tenant_setting() {
    let srv = Server::start_trust();
    let c = srv.connect().await;
    setup(&c).await;
    c.batch_execute("SET ROLE tenant_app; SET app.tenant_id = '1'")
        .await
        .unwrap();
    let q = c
        .prepare("SELECT id FROM documents ORDER BY id")
        .await
        .unwrap();
    assert_eq!(ids(&c, &q).await, vec![1, 2]);
    // The tenant setting is read per execution, not baked into the plan.
    c.batch_execute("SET app.tenant_id = '2'").await.unwrap();
    assert_eq!(ids(&c, &q).await, vec![3]);
    // row_security = off: the prepared query must now fail, not return rows.
    c.batch_execute("SET row_security = off").await.unwrap();
    assert_db_error(
        c.query(&q, &[]).await,
        "42501",
        "query would be affected by row-level security policy for table \"documents\"",
    );
    c.batch_execute("SET row_security = on").await.unwrap();
    assert_eq!(ids(&c, &q).await, vec![3]);
    // A SET LOCAL tenant inside a transaction is gone after it.
    c.batch_execute("BEGIN; SET LOCAL app.tenant_id = '1'")
        .await
        .unwrap();
    assert_eq!(ids(&c, &q).await, vec![1, 2]);
    c.batch_execute("COMMIT").await.unwrap();
    assert_eq!(ids(&c, &q).await, vec![3]);
}
