//! LOCK TABLE over the wire: the privilege each mode needs, the wrong role
//! refused, and the locks actually holding other sessions off until the
//! transaction ends (NOWAIT, waiting, deadlock detection).

mod common;

use std::time::Duration;

use common::{assert_db_error, still_waiting, within, Server};

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
    still_waiting(&insert, "INSERT behind EXCLUSIVE").await;
    let n: i64 = a
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // … and proceeds once the holder commits.
    a.batch_execute("COMMIT").await.unwrap();
    let b = within(10, "INSERT after COMMIT", insert).await.unwrap();
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
    let (a, first) = within(10, "the first locker", waiter).await.unwrap();
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
    still_waiting(&waiter, "the second FOR UPDATE").await;
    a.batch_execute("UPDATE jobs SET v = 'taken' WHERE id = 1; COMMIT")
        .await
        .unwrap();
    let seen = within(10, "waiting FOR UPDATE", waiter).await.unwrap();
    assert_eq!(seen, "taken");
}

/// `ORDER BY … LIMIT n FOR UPDATE` locks only the n rows it returns, so the
/// job-queue pattern (`… LIMIT 1 FOR UPDATE SKIP LOCKED`) hands each worker
/// a different row and leaves the rest free; a row changed while a locker
/// waited is checked again and skipped when it no longer qualifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_for_update_locks_only_what_it_returns() {
    let srv = Server::start_trust();
    let a = srv.connect().await;
    let b = srv.connect().await;
    a.batch_execute(
        "CREATE TABLE queue (id int PRIMARY KEY, state text);
         INSERT INTO queue VALUES (1, 'new'), (2, 'new'), (3, 'new');",
    )
    .await
    .unwrap();
    let take =
        "SELECT id FROM queue WHERE state = 'new' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED";
    a.batch_execute("BEGIN").await.unwrap();
    let first: i32 = a.query_one(take, &[]).await.unwrap().get(0);
    assert_eq!(first, 1);
    b.batch_execute("BEGIN").await.unwrap();
    let second: i32 = b.query_one(take, &[]).await.unwrap().get(0);
    assert_eq!(second, 2, "the second worker gets the next free row");
    b.batch_execute("COMMIT").await.unwrap();
    // Row 3 was never locked: NOWAIT succeeds on it.
    let c = srv.connect().await;
    let three: i32 = c
        .query_one("SELECT id FROM queue WHERE id = 3 FOR UPDATE NOWAIT", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(three, 3);
    // A waiting locker re-checks the row it waited for: row 1 is taken
    // when the holder commits, so the waiter's LIMIT 1 moves on to row 2.
    let waiter = tokio::spawn(async move {
        c.batch_execute("BEGIN").await.unwrap();
        let id: i32 = c
            .query_one(
                "SELECT id FROM queue WHERE state = 'new' ORDER BY id LIMIT 1 FOR UPDATE",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        c.batch_execute("COMMIT").await.unwrap();
        id
    });
    still_waiting(&waiter, "the LIMIT 1 FOR UPDATE behind row 1").await;
    a.batch_execute("UPDATE queue SET state = 'taken' WHERE id = 1; COMMIT")
        .await
        .unwrap();
    let got = within(10, "waiting LIMIT 1 FOR UPDATE", waiter)
        .await
        .unwrap();
    assert_eq!(got, 2);
}

/// DDL locks the table implicitly: DROP TABLE waits for a transaction that
/// read it, ALTER TABLE holds readers off until it commits, a role that does
/// not own the table gets its permission error at once instead of waiting
/// (so it cannot queue behind readers and block everyone after it), and a
/// cycle through a row lock and a table lock is a deadlock (40P01).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ddl_takes_table_locks() {
    let srv = Server::start_trust();
    let a = srv.connect().await;
    let b = srv.connect().await;
    a.batch_execute(
        "CREATE TABLE d (v int PRIMARY KEY); INSERT INTO d VALUES (1);
         CREATE ROLE stranger; GRANT SELECT ON d TO stranger;",
    )
    .await
    .unwrap();
    a.batch_execute("BEGIN; SELECT * FROM d").await.unwrap();
    // The wrong role: refused at once, although a reader holds the table.
    b.batch_execute("SET ROLE stranger").await.unwrap();
    for (sql, msg) in [
        ("DROP TABLE d", "must be owner of table d"),
        ("ALTER TABLE d ADD COLUMN w int", "must be owner of table d"),
        ("TRUNCATE d", "permission denied for table d"),
        ("CREATE INDEX ON d (v)", "must be owner of table d"),
    ] {
        let r = within(5, &format!("{sql} by a non-owner"), b.batch_execute(sql)).await;
        assert_db_error(r, "42501", msg);
    }
    b.batch_execute("RESET ROLE").await.unwrap();
    // The owner's DROP waits for the reader …
    let drop = tokio::spawn(async move {
        let r = b.batch_execute("DROP TABLE d").await;
        (b, r)
    });
    still_waiting(&drop, "DROP TABLE behind a reader").await;
    let n: i64 = a
        .query_one("SELECT count(*) FROM d", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "the reader still sees its table");
    a.batch_execute("COMMIT").await.unwrap();
    let (b, r) = within(10, "DROP TABLE after COMMIT", drop).await.unwrap();
    r.unwrap();
    // ALTER TABLE holds readers off until it ends.
    a.batch_execute("CREATE TABLE e (v int); INSERT INTO e VALUES (1)")
        .await
        .unwrap();
    a.batch_execute("BEGIN; ALTER TABLE e ADD COLUMN w int DEFAULT 7")
        .await
        .unwrap();
    let read = tokio::spawn(async move {
        let r = b.simple_query("SELECT * FROM e").await;
        (b, r)
    });
    still_waiting(&read, "SELECT behind ALTER TABLE").await;
    a.batch_execute("COMMIT").await.unwrap();
    let (b, r) = within(10, "SELECT after COMMIT", read).await.unwrap();
    // After the wait the reader sees the new definition, as in PostgreSQL.
    let rows: Vec<_> = r
        .unwrap()
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((r.get(0).map(str::to_string), r.get(1).map(str::to_string)))
            }
            _ => None,
        })
        .collect();
    assert_eq!(rows, vec![(Some("1".into()), Some("7".into()))]);
    // A reader waiting for DROP TABLE finds the table gone.
    a.batch_execute("CREATE TABLE g (v int)").await.unwrap();
    a.batch_execute("BEGIN; DROP TABLE g").await.unwrap();
    let read = tokio::spawn(async move {
        let r = b.batch_execute("SELECT * FROM g").await;
        (b, r)
    });
    still_waiting(&read, "SELECT behind DROP TABLE").await;
    a.batch_execute("COMMIT").await.unwrap();
    let (b, r) = within(10, "SELECT after COMMIT", read).await.unwrap();
    assert_db_error(r, "42P01", "relation \"g\" does not exist");
    // A row lock one way, a table lock the other: one of them gets 40P01.
    a.batch_execute("CREATE TABLE f (v int PRIMARY KEY); INSERT INTO f VALUES (1)")
        .await
        .unwrap();
    a.batch_execute("BEGIN; UPDATE f SET v = 1 WHERE v = 1")
        .await
        .unwrap();
    b.batch_execute("BEGIN; LOCK TABLE e").await.unwrap();
    let waiter = tokio::spawn(async move {
        let r = a.batch_execute("SELECT * FROM e").await;
        (a, r)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_db_error(
        b.batch_execute("UPDATE f SET v = 1 WHERE v = 1").await,
        "40P01",
        "deadlock detected",
    );
    b.batch_execute("ROLLBACK").await.unwrap();
    let (a, r) = within(10, "the reader after the deadlock", waiter)
        .await
        .unwrap();
    r.unwrap();
    a.batch_execute("COMMIT").await.unwrap();
}

/// UPDATEs over the extended protocol run on the server's async workers;
/// one that waits for a row lock hands its worker off. Eight of them queued
/// behind an open transaction (more than the server has workers) must leave
/// the holder's COMMIT a thread to run on, and then each apply its change
/// exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_lock_waits_leave_the_workers_free() {
    let srv = Server::start_trust();
    let holder = srv.connect().await;
    holder
        .batch_execute(
            "CREATE TABLE counter (id int PRIMARY KEY, n int); INSERT INTO counter VALUES (1, 0)",
        )
        .await
        .unwrap();
    holder.batch_execute("BEGIN").await.unwrap();
    holder
        .execute("UPDATE counter SET n = n + $1 WHERE id = 1", &[&100i32])
        .await
        .unwrap();
    let mut waiters = Vec::new();
    for _ in 0..8 {
        let c = within(10, "a new connection", srv.connect()).await;
        waiters.push(tokio::spawn(async move {
            c.execute("UPDATE counter SET n = n + $1 WHERE id = 1", &[&1i32])
                .await
        }));
    }
    still_waiting(&waiters[0], "UPDATE behind the row lock").await;
    assert!(waiters.iter().all(|w| !w.is_finished()));
    // The holder's statements still run (on a worker the waiters left free).
    let n: i32 = within(
        10,
        "the holder's SELECT",
        holder.query_one("SELECT n FROM counter WHERE id = $1", &[&1i32]),
    )
    .await
    .unwrap()
    .get(0);
    assert_eq!(n, 100);
    within(10, "the holder's COMMIT", holder.batch_execute("COMMIT"))
        .await
        .unwrap();
    for w in waiters {
        let updated = within(10, "a waiting UPDATE", w).await.unwrap().unwrap();
        assert_eq!(updated, 1);
    }
    let n: i32 = holder
        .query_one("SELECT n FROM counter WHERE id = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 108);
}
