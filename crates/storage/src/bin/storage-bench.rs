//! Simple storage benchmark: durable commits/s (1 and 8 threads), point
//! reads/s and scan rows/s. Prints figures only; asserts nothing.
//!
//! Usage: `storage-bench [DIR] [SECONDS_PER_PHASE]` (DIR defaults to a fresh
//! directory under the system temp dir, removed afterwards).

use rampart_storage::{IsolationLevel, Store, StoreOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const RC: IsolationLevel = IsolationLevel::ReadCommitted;

fn commits(store: &Store, threads: u64, secs: f64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let mut txn = store.begin(RC);
                    let key = format!("c{t:02}-{n:09}");
                    if txn.set(key.as_bytes(), vec![7u8; 100]).is_err() || txn.commit().is_err() {
                        break;
                    }
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, temp) = match args.get(1) {
        Some(d) => (PathBuf::from(d), false),
        None => (
            std::env::temp_dir().join(format!("rampart-storage-bench-{}", std::process::id())),
            true,
        ),
    };
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let store = match Store::open(&dir, StoreOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open {}: {e}", dir.display());
            std::process::exit(1);
        }
    };
    println!("data directory: {}", dir.display());
    println!(
        "commits/s (fsync, 1 thread):  {:>10.0}",
        commits(&store, 1, secs)
    );
    println!(
        "commits/s (fsync, 8 threads): {:>10.0}",
        commits(&store, 8, secs)
    );

    // Load rows for the read phases in large transactions.
    let rows = 200_000u64;
    let load = Instant::now();
    for chunk in 0..(rows / 10_000) {
        let mut txn = store.begin(RC);
        for i in chunk * 10_000..(chunk + 1) * 10_000 {
            let _ = txn.set(format!("row{i:09}").as_bytes(), vec![1u8; 100]);
        }
        if let Err(e) = txn.commit() {
            eprintln!("load failed: {e}");
            std::process::exit(1);
        }
    }
    println!(
        "bulk load rows/s:             {:>10.0}",
        rows as f64 / load.elapsed().as_secs_f64()
    );

    let txn = store.begin(IsolationLevel::RepeatableRead);
    let start = Instant::now();
    let mut reads = 0u64;
    let mut x = 12345u64;
    while start.elapsed().as_secs_f64() < secs {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let i = (x >> 33) % rows;
        let _ = txn.get(format!("row{i:09}").as_bytes());
        reads += 1;
    }
    println!(
        "point reads/s:                {:>10.0}",
        reads as f64 / start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let mut scanned = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        match txn.scan_prefix(b"row") {
            Ok(it) => scanned += it.filter(|r| r.is_ok()).count() as u64,
            Err(_) => break,
        }
    }
    println!(
        "scan rows/s:                  {:>10.0}",
        scanned as f64 / start.elapsed().as_secs_f64()
    );
    drop(txn);
    drop(store);
    if temp {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
