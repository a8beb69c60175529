//! LOCK TABLE over the wire: the privilege each mode needs, the wrong role
//! refused, and the locks actually holding other sessions off until the
//! transaction ends (NOWAIT, waiting, deadlock detection).

mod common;

use std::time::Duration;

use common::{assert_db_error, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_modes_need_their_privileges() {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE lt (a int); CREATE ROLE reader; CREATE ROLE writer;
             GRANT SELECT ON lt TO reader; GRANT INSERT ON lt TO writer;",
        )
        .await
        .unwrap();
    assert_db_error(
        admin.batch_execute("LOCK TABLE lt").await,
        "25P01",
        "LOCK TABLE can only be used in transaction blocks",
    );
    // SELECT allows ACCESS SHARE only; INSERT allows ROW EXCLUSIVE only.
    for (role, mode, ok) in [
        ("reader", "ACCESS SHARE", true),
        ("reader", "ROW EXCLUSIVE", false),
        ("reader", "ACCESS EXCLUSIVE", false),
        ("writer", "ROW EXCLUSIVE", true),
        ("writer", "ACCESS SHARE", false),
        ("writer", "SHARE", false),
    ] {
        let r = admin
            .batch_execute(&format!(
                "BEGIN; SET ROLE {role}; LOCK TABLE lt IN {mode} MODE"
            ))
            .await;
        if ok {
            r.unwrap_or_else(|e| panic!("{role} {mode}: {e}"));
        } else {
            assert_db_error(r, "42501", "permission denied for table lt");
        }
        admin.batch_execute("ROLLBACK").await.unwrap();
    }
    admin.batch_execute("BEGIN").await.unwrap();
    assert_db_error(
        admin.batch_execute("LOCK TABLE nosuch").await,
        "42P01",
        "relation \"nosuch\" does not exist",
    );
    admin.batch_execute("ROLLBACK").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_hold_other_sessions_off_until_commit() {
    let srv = Server::start_trust();
    let a = srv.connect().await;
    let b = srv.connect().await;
    a.batch_execute("CREATE TABLE t (v int); INSERT INTO t VALUES (1)")
        .await
        .unwrap();
    // EXCLUSIVE lets readers through but not writers.
    a.batch_execute("BEGIN; LOCK TABLE t IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let n: i64 = b
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    b.batch_execute("BEGIN").await.unwrap();
    assert_db_error(
        b.batch_execute("LOCK TABLE t IN ROW EXCLUSIVE MODE NOWAIT")
            .await,
        "55P03",
        "could not obtain lock on relation \"t\"",
    );
    b.batch_execute("ROLLBACK").await.unwrap();
    // A plain INSERT waits for the lock …
    let insert = tokio::spawn(async move {
        b.batch_execute("INSERT INTO t VALUES (2)").await.unwrap();
        b
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!insert.is_finished(), "INSERT did not wait for EXCLUSIVE");
    let n: i64 = a
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // … and proceeds once the holder commits.
    a.batch_execute("COMMIT").await.unwrap();
    let b = tokio::time::timeout(Duration::from_secs(10), insert)
        .await
        .expect("INSERT still waiting after COMMIT")
        .unwrap();
    let n: i64 = a
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
    // Two sessions locking in opposite order: one of them gets 40P01.
    a.batch_execute("CREATE TABLE u (v int)").await.unwrap();
    a.batch_execute("BEGIN; LOCK TABLE t").await.unwrap();
    b.batch_execute("BEGIN; LOCK TABLE u").await.unwrap();
    let waiter = tokio::spawn(async move {
        let r = a.batch_execute("LOCK TABLE u").await;
        (a, r)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = b.batch_execute("LOCK TABLE t").await;
    assert_db_error(second, "40P01", "deadlock detected");
    b.batch_execute("ROLLBACK").await.unwrap();
    let (a, first) = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("first locker still waiting")
        .unwrap();
    first.unwrap();
    a.batch_execute("COMMIT").await.unwrap();
}

/// `SELECT … FOR UPDATE` locks the rows it returns: NOWAIT fails on them,
/// SKIP LOCKED leaves them out, a writer waits for the holder to end, and a
/// second locker sees the holder's committed change (READ COMMITTED
/// re-read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_for_update_locks_rows() {
    let srv = Server::start_trust();
    let a = srv.connect().await;
    a.batch_execute(
        "CREATE TABLE jobs (id int PRIMARY KEY, v text);
         INSERT INTO jobs VALUES (1, 'new'), (2, 'new'), (3, 'new');",
    )
    .await
    .unwrap();
    a.batch_execute("BEGIN").await.unwrap();
    let got: Vec<i32> = a
        .query("SELECT id FROM jobs WHERE id = 1 FOR UPDATE", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(got, vec![1]);
    let b = srv.connect().await;
    assert_db_error(
        b.query("SELECT id FROM jobs WHERE id = 1 FOR UPDATE NOWAIT", &[])
            .await,
        "55P03",
        "could not obtain lock on row in relation \"jobs\"",
    );
    let free: Vec<i32> = b
        .query(
            "SELECT id FROM jobs ORDER BY id FOR UPDATE SKIP LOCKED",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(free, vec![2, 3], "the locked row is skipped");
    // Another locker waits, then sees the holder's committed value.
    let waiter = tokio::spawn(async move {
        b.batch_execute("BEGIN").await.unwrap();
        let v: String = b
            .query_one("SELECT v FROM jobs WHERE id = 1 FOR UPDATE", &[])
            .await
            .unwrap()
            .get(0);
        b.batch_execute("COMMIT").await.unwrap();
        v
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "the second FOR UPDATE did not wait");
    a.batch_execute("UPDATE jobs SET v = 'taken' WHERE id = 1; COMMIT")
        .await
        .unwrap();
    let seen = common::within(10, "waiting FOR UPDATE", waiter)
        .await
        .unwrap();
    assert_eq!(seen, "taken");
}
