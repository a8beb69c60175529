//! Crash recovery: SIGKILL the server in the middle of a write load, restart it
//! on the same data directory, and check that every acknowledged commit is
//! there, nothing beyond the one in-flight commit is, and no transaction is
//! half-applied.

mod common;

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use common::{init, Server};
use tempfile::TempDir;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A few milliseconds of jitter so each round kills at a different point.
fn jitter_ms(max: u64) -> u64 {
    let n = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    n % max
}

/// What a writer thread saw.
struct Load {
    /// Highest id whose INSERT (or transaction) returned success.
    acked: Arc<AtomicI64>,
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<Result<(), String>>,
}

/// Waits until `acked` reaches `target` (or panics after 15 s with the server log).
fn wait_for_acks(srv: &Server, load: &Load, target: i64) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while load.acked.load(Ordering::SeqCst) < target {
        if load.handle.is_finished() {
            panic!("writer stopped early; server log:\n{}", srv.log());
        }
        assert!(
            Instant::now() < deadline,
            "write load too slow: {} acked, waiting for {target}; log:\n{}",
            load.acked.load(Ordering::SeqCst),
            srv.log()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Autocommit INSERTs of ids `first..` until the connection breaks; `acked` is
/// updated only after the server answered the INSERT with success.
fn start_autocommit_load(config: tokio_postgres::Config, first: i64) -> Load {
    let acked = Arc::new(AtomicI64::new(first - 1));
    let stop = Arc::new(AtomicBool::new(false));
    let (a, s) = (acked.clone(), stop.clone());
    let handle = std::thread::spawn(move || {
        runtime().block_on(async move {
            let client = common::connect_with(&config)
                .await
                .map_err(|e| format!("writer connect: {e}"))?;
            let ins = client
                .prepare("INSERT INTO acked (id, payload) VALUES ($1, $2)")
                .await
                .map_err(|e| format!("prepare: {e}"))?;
            let started = Instant::now();
            let mut id = first;
            while !s.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(20) {
                let payload = format!("payload-{id}");
                let r = tokio::time::timeout(
                    Duration::from_secs(10),
                    client.execute(&ins, &[&id, &payload]),
                )
                .await;
                match r {
                    Ok(Ok(1)) => a.store(id, Ordering::SeqCst),
                    Ok(Ok(n)) => return Err(format!("INSERT {id} reported {n} rows")),
                    // The server died under us: expected.
                    Ok(Err(_)) | Err(_) => return Ok(()),
                }
                id += 1;
            }
            Ok(())
        })
    });
    Load {
        acked,
        stop,
        handle,
    }
}

/// Checks the table after a crash; returns the highest id present.
fn verify_autocommit(srv: &Server, max_acked: i64) -> i64 {
    runtime().block_on(async {
        let client = srv.connect().await;
        let rows = client
            .query("SELECT id, payload FROM acked ORDER BY id", &[])
            .await
            .unwrap();
        let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        for r in &rows {
            let id: i64 = r.get(0);
            let payload: &str = r.get(1);
            assert_eq!(payload, format!("payload-{id}"), "row {id} is corrupted");
        }
        let n = ids.len() as i64;
        // Ids were inserted one at a time in order: what survives must be 1..=n.
        assert_eq!(
            ids,
            (1..=n).collect::<Vec<_>>(),
            "surviving ids are not a gap-free prefix"
        );
        assert!(
            n >= max_acked,
            "acknowledged commits lost: {max_acked} acknowledged, {n} present"
        );
        assert!(
            n <= max_acked + 1,
            "ids beyond the one in-flight commit: {max_acked} acknowledged, {n} present"
        );
        let count: i64 = client
            .query_one("SELECT count(*) FROM acked", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(count, n);
        n
    })
}

/// Keeps a transaction open on its own connection until `stop` (or the
/// server dies), so that no commit is alone in the store: the commits then
/// take the path where the connection awaits the fsync.
fn hold_transaction_open(config: tokio_postgres::Config, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        runtime().block_on(async move {
            let Ok(client) = common::connect_with(&config).await else {
                return;
            };
            if client.batch_execute("BEGIN; SELECT 1").await.is_err() {
                return;
            }
            while !stop.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    });
}

#[test]
fn acknowledged_autocommit_inserts_survive_sigkill() {
    autocommit_rounds_survive_sigkill(false);
}

/// As above with another transaction open throughout: every commit's fsync
/// is awaited by its connection (`Conn::settle_commit`) rather than led by it.
#[test]
fn acknowledged_commits_awaited_by_the_connection_survive_sigkill() {
    autocommit_rounds_survive_sigkill(true);
}

fn autocommit_rounds_survive_sigkill(hold_open: bool) {
    let root = common::fresh_root();
    init(&root.path().join("data"), &["--auth", "trust"]);
    let mut dir: Option<TempDir> = Some(root);
    let mut present = 0i64;
    let mut max_acked = 0i64;
    for round in 0..3 {
        let srv = Server::start(dir.take().unwrap());
        if round == 0 {
            runtime().block_on(async {
                srv.connect()
                    .await
                    .batch_execute(
                        "CREATE TABLE acked (id int8 PRIMARY KEY, payload text NOT NULL)",
                    )
                    .await
                    .unwrap();
            });
        } else {
            present = verify_autocommit(&srv, max_acked);
        }
        let holder_stop = Arc::new(AtomicBool::new(false));
        if hold_open {
            hold_transaction_open(srv.config(), holder_stop.clone());
        }
        let load = start_autocommit_load(srv.config(), present + 1);
        wait_for_acks(&srv, &load, present + 100);
        std::thread::sleep(Duration::from_millis(jitter_ms(60)));
        let pid = srv.pid();
        dir = Some(srv.kill9());
        holder_stop.store(true, Ordering::SeqCst);
        load.stop.store(true, Ordering::SeqCst);
        load.handle
            .join()
            .unwrap()
            .unwrap_or_else(|e| panic!("round {round}: writer failed: {e}"));
        max_acked = load.acked.load(Ordering::SeqCst);
        eprintln!("round {round}: killed pid {pid} after {max_acked} acknowledged inserts");
    }
    let srv = Server::start(dir.take().unwrap());
    let n = verify_autocommit(&srv, max_acked);
    assert!(n >= 300, "only {n} rows after 3 rounds");
    // The recovered server accepts writes again, and a clean stop/start keeps them.
    runtime().block_on(async {
        let c = srv.connect().await;
        c.execute(
            "INSERT INTO acked VALUES ($1, $2)",
            &[&(n + 1), &format!("payload-{}", n + 1)],
        )
        .await
        .unwrap();
    });
    let srv = Server::start(srv.stop());
    assert_eq!(verify_autocommit(&srv, n + 1), n + 1);
}

/// Transactions of three rows each (ids 3k+1..3k+3): after SIGKILL each one is
/// there entirely or not at all.
#[test]
fn multi_statement_transactions_are_atomic_across_sigkill() {
    let root = common::fresh_root();
    init(&root.path().join("data"), &["--auth", "trust"]);
    let mut dir: Option<TempDir> = Some(root);
    let mut max_acked_txn = 0i64;
    let mut present_txns = 0i64;
    for round in 0..2 {
        let srv = Server::start(dir.take().unwrap());
        if round == 0 {
            runtime().block_on(async {
                srv.connect()
                    .await
                    .batch_execute("CREATE TABLE tx (id int8 PRIMARY KEY, k int8 NOT NULL)")
                    .await
                    .unwrap();
            });
        } else {
            present_txns = verify_txns(&srv, max_acked_txn);
        }
        let acked = Arc::new(AtomicI64::new(present_txns));
        let stop = Arc::new(AtomicBool::new(false));
        let (a, s, config, first) = (acked.clone(), stop.clone(), srv.config(), present_txns + 1);
        let handle = std::thread::spawn(move || -> Result<(), String> {
            runtime().block_on(async move {
                let mut client = common::connect_with(&config)
                    .await
                    .map_err(|e| format!("writer connect: {e}"))?;
                let started = Instant::now();
                let mut k = first;
                while !s.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(20) {
                    let r = tokio::time::timeout(Duration::from_secs(10), async {
                        let txn = client.transaction().await?;
                        for j in 1..=3i64 {
                            txn.execute(
                                "INSERT INTO tx VALUES ($1, $2)",
                                &[&(3 * (k - 1) + j), &k],
                            )
                            .await?;
                        }
                        txn.commit().await
                    })
                    .await;
                    match r {
                        Ok(Ok(())) => a.store(k, Ordering::SeqCst),
                        Ok(Err(_)) | Err(_) => return Ok(()),
                    }
                    k += 1;
                }
                Ok(())
            })
        });
        let load = Load {
            acked,
            stop,
            handle,
        };
        wait_for_acks(&srv, &load, present_txns + 40);
        std::thread::sleep(Duration::from_millis(jitter_ms(60)));
        dir = Some(srv.kill9());
        load.stop.store(true, Ordering::SeqCst);
        load.handle.join().unwrap().unwrap();
        max_acked_txn = load.acked.load(Ordering::SeqCst);
    }
    let srv = Server::start(dir.take().unwrap());
    verify_txns(&srv, max_acked_txn);
}

/// Checks the three-row transactions; returns how many are present.
fn verify_txns(srv: &Server, max_acked: i64) -> i64 {
    runtime().block_on(async {
        let client = srv.connect().await;
        let rows = client
            .query("SELECT id, k FROM tx ORDER BY id", &[])
            .await
            .unwrap();
        let n = rows.len() as i64;
        assert_eq!(n % 3, 0, "a transaction was partly applied: {n} rows");
        for (i, r) in rows.iter().enumerate() {
            let id: i64 = r.get(0);
            let k: i64 = r.get(1);
            assert_eq!(id, i as i64 + 1, "gap in ids");
            assert_eq!(
                k,
                (id - 1) / 3 + 1,
                "row {id} belongs to the wrong transaction"
            );
        }
        let txns = n / 3;
        assert!(
            txns >= max_acked,
            "acknowledged transactions lost: {max_acked} acknowledged, {txns} present"
        );
        assert!(
            txns <= max_acked + 1,
            "transactions beyond the in-flight one: {max_acked} acknowledged, {txns} present"
        );
        txns
    })
}
