//! `Transaction::get_hot` must answer exactly as `Transaction::get` for every
//! snapshot, whatever interleaving of commits, rollbacks and old snapshots.

use proptest::prelude::*;
use rampart_storage::{IsolationLevel, Store, StoreOptions, Transaction};

const KEYS: [&[u8]; 3] = [b"v1", b"v2", b"other"];

#[derive(Debug, Clone)]
enum Op {
    /// Commit a write (Some) or delete (None) of key `k`.
    Commit(usize, Option<u8>),
    /// Start an open transaction that writes `k` and leave it uncommitted.
    OpenWrite(usize, u8),
    /// Roll back the oldest open writer.
    RollbackOpen,
    /// Take a snapshot kept for later reads.
    Snapshot,
    /// Compare get_hot and get on every key in every live snapshot.
    Check,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..KEYS.len(), prop::option::of(any::<u8>())).prop_map(|(k, v)| Op::Commit(k, v)),
        (0..KEYS.len(), any::<u8>()).prop_map(|(k, v)| Op::OpenWrite(k, v)),
        Just(Op::RollbackOpen),
        Just(Op::Snapshot),
        Just(Op::Check),
    ]
}

fn check_all(readers: &[Transaction], writers: &[Transaction]) {
    for t in readers.iter().chain(writers) {
        for k in KEYS {
            assert_eq!(
                t.get_hot(k).unwrap(),
                t.get(k).unwrap(),
                "key {k:?} at snapshot {}",
                t.snapshot_version()
            );
        }
    }
}

fn run(store: &Store, ops: &[Op]) {
    let mut readers = vec![store.begin(IsolationLevel::RepeatableRead)];
    let mut writers: Vec<Transaction> = Vec::new();
    for op in ops {
        match op {
            Op::Commit(k, v) => {
                let mut t = store.begin(IsolationLevel::ReadCommitted);
                match v {
                    Some(v) => t.set(KEYS[*k], vec![*v]).unwrap(),
                    None => t.delete(KEYS[*k]).unwrap(),
                }
                // A writer holding the key's lock makes this commit fail;
                // that is fine, the model is the store itself.
                let _ = t.commit();
            }
            Op::OpenWrite(k, v) => {
                let mut t = store.begin(IsolationLevel::ReadCommitted);
                if t.set(KEYS[*k], vec![*v]).is_ok() {
                    writers.push(t);
                }
            }
            Op::RollbackOpen => {
                if !writers.is_empty() {
                    writers.remove(0).rollback();
                }
            }
            Op::Snapshot => readers.push(store.begin(IsolationLevel::RepeatableRead)),
            Op::Check => check_all(&readers, &writers),
        }
    }
    check_all(&readers, &writers);
    readers.push(store.begin(IsolationLevel::RepeatableRead));
    check_all(&readers, &writers);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn get_hot_matches_get_in_memory(ops in prop::collection::vec(op(), 1..40)) {
        run(&Store::in_memory(), &ops);
    }
}

#[test]
fn get_hot_survives_restart_and_follows_commits() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let mut t = store.begin(IsolationLevel::ReadCommitted);
        t.set(b"v1", b"1".to_vec()).unwrap();
        t.commit().unwrap();
    }
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let old = store.begin(IsolationLevel::RepeatableRead);
    assert_eq!(old.get_hot(b"v1").unwrap(), Some(b"1".to_vec()));
    let mut t = store.begin(IsolationLevel::ReadCommitted);
    t.set(b"v1", b"2".to_vec()).unwrap();
    // Own uncommitted write is seen by the writer only.
    assert_eq!(t.get_hot(b"v1").unwrap(), Some(b"2".to_vec()));
    assert_eq!(old.get_hot(b"v1").unwrap(), Some(b"1".to_vec()));
    t.commit().unwrap();
    assert_eq!(old.get_hot(b"v1").unwrap(), Some(b"1".to_vec()));
    let new = store.begin(IsolationLevel::RepeatableRead);
    assert_eq!(new.get_hot(b"v1").unwrap(), Some(b"2".to_vec()));
    assert_eq!(new.get_hot(b"never").unwrap(), None);
}
