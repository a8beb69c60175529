//! Test helper for the crash test: commits transactions from several threads
//! until killed, printing `ack <round> <thread> <seq>` after each commit returns.
//!
//! Usage: `storage-crash-child <dir> <round> <threads>`. Each transaction
//! writes three keys `r<round>-t<thread>-<seq>-{a,b,c}` and increments the
//! shared counter `ctr` under a row lock (READ COMMITTED re-check).

use rampart_storage::{IsolationLevel, Store, StoreOptions};
use std::io::Write;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: storage-crash-child <dir> <round> <threads>");
        std::process::exit(2);
    }
    let dir = PathBuf::from(&args[1]);
    let round: u32 = args[2].parse().unwrap_or(0);
    let threads: u32 = args[3].parse().unwrap_or(1);
    let opts = StoreOptions {
        checkpoint_wal_bytes: 64 * 1024,
        wal_segment_bytes: 32 * 1024,
        ..Default::default()
    };
    let store = match Store::open(&dir, opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("open failed: {e}");
            std::process::exit(1);
        }
    };
    println!("ready");
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for seq in 0u64.. {
                    if let Err(e) = one_txn(&store, round, t, seq) {
                        eprintln!("txn failed: {e}");
                        std::process::exit(1);
                    }
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "ack {round} {t} {seq}");
                    let _ = out.flush();
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
}

fn one_txn(
    store: &Store,
    round: u32,
    t: u32,
    seq: u64,
) -> Result<(), rampart_storage::StorageError> {
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let value = format!("{round}-{t}-{seq}").into_bytes();
    for part in ["a", "b", "c"] {
        txn.set(
            format!("r{round}-t{t}-{seq}-{part}").as_bytes(),
            value.clone(),
        )?;
    }
    txn.lock_key(b"ctr")?;
    let n = txn
        .get_latest(b"ctr")?
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map_or(0, u64::from_le_bytes);
    txn.set(b"ctr", (n + 1).to_le_bytes().to_vec())?;
    txn.commit()?;
    Ok(())
}
