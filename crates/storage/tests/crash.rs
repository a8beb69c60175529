//! Kill -9 under load: every acknowledged commit survives, every transaction
//! is all-or-nothing, and the locked counter equals the number of commits.

use rampart_storage::{IsolationLevel, Store, StoreOptions};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn next_rand(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn sigkill_loses_no_acknowledged_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut acked_total = 0usize;
    for round in 0..20u32 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_storage-crash-child"))
            .arg(dir.path())
            .arg(round.to_string())
            .arg("4")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("child did not start");
        assert_eq!(first, "ready");
        std::thread::sleep(Duration::from_millis(5 + next_rand(&mut seed) % 120));
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        reader.join().unwrap();
        let acked: HashSet<(u32, u64)> = rx
            .try_iter()
            .filter_map(|l| {
                let p: Vec<&str> = l.split_whitespace().collect();
                match p.as_slice() {
                    ["ack", r, t, s] if *r == round.to_string() => {
                        Some((t.parse().ok()?, s.parse().ok()?))
                    }
                    _ => None,
                }
            })
            .collect();
        acked_total += acked.len();

        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let txn = store.begin(IsolationLevel::RepeatableRead);
        let prefix = format!("r{round}-");
        let mut parts: BTreeMap<(u32, u64), usize> = BTreeMap::new();
        for row in txn.scan_prefix(prefix.as_bytes()).unwrap() {
            let (k, v) = row.unwrap();
            let k = String::from_utf8(k).unwrap();
            let f: Vec<&str> = k.split('-').collect();
            let t: u32 = f[1][1..].parse().unwrap();
            let s: u64 = f[2].parse().unwrap();
            assert_eq!(v, format!("{round}-{t}-{s}").into_bytes());
            *parts.entry((t, s)).or_default() += 1;
        }
        for (id, n) in &parts {
            assert_eq!(*n, 3, "round {round} txn {id:?} is partial");
        }
        for id in &acked {
            assert!(
                parts.contains_key(id),
                "round {round}: acknowledged {id:?} lost"
            );
        }
        let all = txn.scan_prefix(b"r").unwrap().count();
        let ctr = txn
            .get(b"ctr")
            .unwrap()
            .map_or(0, |v| u64::from_le_bytes(v.try_into().unwrap()));
        assert_eq!(
            ctr as usize * 3,
            all,
            "counter disagrees with committed transactions"
        );
        eprintln!(
            "round {round}: {} acknowledged, {} present, {ctr} total",
            acked.len(),
            parts.len()
        );
        drop(txn);
        drop(store);
    }
    assert!(acked_total > 0, "no commit was acknowledged in 20 rounds");
}
