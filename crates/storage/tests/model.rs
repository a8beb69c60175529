//! Property tests: transactions against simple models.

use proptest::prelude::*;
use rampart_storage::{IsolationLevel, Store, StoreOptions, Transaction};
use std::collections::BTreeMap;
use std::ops::Bound;

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

fn key_strategy() -> impl Strategy<Value = Vec<u8>> {
    // Short keys over a tiny alphabet with 0x00/0xFF to stress the escaping
    // and prefix relations.
    prop::collection::vec(prop::sample::select(vec![0u8, 1, b'a', b'b', 0xFF]), 0..4)
}

#[derive(Debug, Clone)]
enum Op {
    Set(Vec<u8>, Vec<u8>),
    Delete(Vec<u8>),
    Get(Vec<u8>),
    Scan(Bound<Vec<u8>>, Bound<Vec<u8>>),
    Prefix(Vec<u8>),
    Savepoint,
    Rollback(usize),
    Release(usize),
}

fn bound() -> impl Strategy<Value = Bound<Vec<u8>>> {
    prop_oneof![
        Just(Bound::Unbounded),
        key_strategy().prop_map(Bound::Included),
        key_strategy().prop_map(Bound::Excluded),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (key_strategy(), prop::collection::vec(any::<u8>(), 0..3)).prop_map(|(k, v)| Op::Set(k, v)),
        2 => key_strategy().prop_map(Op::Delete),
        2 => key_strategy().prop_map(Op::Get),
        2 => (bound(), bound()).prop_map(|(a, b)| Op::Scan(a, b)),
        1 => key_strategy().prop_map(Op::Prefix),
        1 => Just(Op::Savepoint),
        1 => (0usize..4).prop_map(Op::Rollback),
        1 => (0usize..4).prop_map(Op::Release),
    ]
}

fn model_range(m: &Model, a: &Bound<Vec<u8>>, b: &Bound<Vec<u8>>) -> Vec<(Vec<u8>, Vec<u8>)> {
    m.iter()
        .filter(|(k, _)| (a.clone(), b.clone()).contains(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

use std::ops::RangeBounds;

fn collect(t: &Transaction, a: Bound<Vec<u8>>, b: Bound<Vec<u8>>) -> Vec<(Vec<u8>, Vec<u8>)> {
    t.scan(a, b).unwrap().map(|r| r.unwrap()).collect()
}

fn commit_all(store: &Store, base: &Model) {
    let mut t = store.begin(IsolationLevel::ReadCommitted);
    for (k, v) in base {
        t.set(k, v.clone()).unwrap();
    }
    t.commit().unwrap();
}

fn run_single_txn(store: &Store, base: Vec<(Vec<u8>, Option<Vec<u8>>)>, ops: Vec<Op>) {
    // Commit the base state in a few transactions so that keys have several versions.
    let mut model = Model::new();
    for chunk in base.chunks(3) {
        let mut t = store.begin(IsolationLevel::RepeatableRead);
        for (k, v) in chunk {
            match v {
                Some(v) => {
                    t.set(k, v.clone()).unwrap();
                    model.insert(k.clone(), v.clone());
                }
                None => {
                    t.delete(k).unwrap();
                    model.remove(k);
                }
            }
        }
        t.commit().unwrap();
    }
    let mut t = store.begin(IsolationLevel::RepeatableRead);
    let mut stack: Vec<Model> = Vec::new();
    for op in ops {
        match op {
            Op::Set(k, v) => {
                t.set(&k, v.clone()).unwrap();
                model.insert(k, v);
            }
            Op::Delete(k) => {
                t.delete(&k).unwrap();
                model.remove(&k);
            }
            Op::Get(k) => assert_eq!(t.get(&k).unwrap(), model.get(&k).cloned()),
            Op::Scan(a, b) => {
                assert_eq!(
                    collect(&t, a.clone(), b.clone()),
                    model_range(&model, &a, &b)
                )
            }
            Op::Prefix(p) => {
                let got: Vec<_> = t.scan_prefix(&p).unwrap().map(|r| r.unwrap()).collect();
                let want: Vec<_> = model
                    .iter()
                    .filter(|(k, _)| k.starts_with(&p))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                assert_eq!(got, want);
                assert_eq!(t.count_prefix(&p).unwrap(), want.len());
            }
            Op::Savepoint => {
                stack.push(model.clone());
                assert_eq!(t.savepoint(), stack.len());
            }
            Op::Rollback(d) => {
                if d >= 1 && d <= stack.len() {
                    model = stack[d - 1].clone();
                    stack.truncate(d);
                }
                t.rollback_to_savepoint(d);
            }
            Op::Release(d) => {
                if d >= 1 && d <= stack.len() {
                    stack.truncate(d - 1);
                }
                t.release_savepoint(d);
            }
        }
    }
    t.commit().unwrap();
    let check = store.begin(IsolationLevel::RepeatableRead);
    // Counting in place (no own writes) sees what a scan sees, over keys
    // with several versions and tombstones.
    assert_eq!(check.count_prefix(b"").unwrap(), model.len());
    for p in [&b"a"[..], &[0u8][..], &[0xFF][..]] {
        let want = model.keys().filter(|k| k.starts_with(p)).count();
        assert_eq!(check.count_prefix(p).unwrap(), want);
    }
    assert_eq!(
        collect(&check, Bound::Unbounded, Bound::Unbounded),
        model_range(&model, &Bound::Unbounded, &Bound::Unbounded)
    );
}

fn base_strategy() -> impl Strategy<Value = Vec<(Vec<u8>, Option<Vec<u8>>)>> {
    prop::collection::vec(
        (
            key_strategy(),
            prop::option::weighted(0.8, prop::collection::vec(any::<u8>(), 0..3)),
        ),
        0..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn single_txn_matches_model_mem(base in base_strategy(), ops in prop::collection::vec(op(), 0..40)) {
        run_single_txn(&Store::in_memory(), base, ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn single_txn_matches_model_redb(base in base_strategy(), ops in prop::collection::vec(op(), 0..40)) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions { synchronous_commit: false, ..Default::default() }).unwrap();
        run_single_txn(&store, base, ops);
    }
}

#[derive(Debug, Clone)]
enum SOp {
    Commit(Vec<(Vec<u8>, Option<Vec<u8>>)>),
    OpenReader,
    CloseReader(usize),
    Read(usize, Vec<u8>),
    ScanAll(usize),
    Vacuum,
}

fn sop() -> impl Strategy<Value = SOp> {
    prop_oneof![
        4 => prop::collection::vec((key_strategy(), prop::option::weighted(0.7, prop::collection::vec(any::<u8>(), 0..3))), 1..4).prop_map(SOp::Commit),
        2 => Just(SOp::OpenReader),
        1 => (0usize..8).prop_map(SOp::CloseReader),
        3 => (0usize..8, key_strategy()).prop_map(|(i, k)| SOp::Read(i, k)),
        2 => (0usize..8).prop_map(SOp::ScanAll),
        1 => Just(SOp::Vacuum),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn snapshots_match_versioned_model(ops in prop::collection::vec(sop(), 0..50)) {
        let store = Store::in_memory();
        let mut current = Model::new();
        let mut readers: Vec<(Transaction, Model)> = Vec::new();
        for op in ops {
            match op {
                SOp::Commit(ws) => {
                    let mut t = store.begin(IsolationLevel::ReadCommitted);
                    for (k, v) in ws {
                        match v {
                            Some(v) => { t.set(&k, v.clone()).unwrap(); current.insert(k, v); }
                            None => { t.delete(&k).unwrap(); current.remove(&k); }
                        }
                    }
                    t.commit().unwrap();
                }
                SOp::OpenReader => readers.push((store.begin(IsolationLevel::RepeatableRead), current.clone())),
                SOp::CloseReader(i) => { if i < readers.len() { readers.remove(i); } }
                SOp::Read(i, k) => if let Some((t, m)) = readers.get(i) {
                    prop_assert_eq!(t.get(&k).unwrap(), m.get(&k).cloned());
                },
                SOp::ScanAll(i) => if let Some((t, m)) = readers.get(i) {
                    prop_assert_eq!(collect(t, Bound::Unbounded, Bound::Unbounded), model_range(m, &Bound::Unbounded, &Bound::Unbounded));
                },
                SOp::Vacuum => { store.vacuum().unwrap(); }
            }
        }
        let t = store.begin(IsolationLevel::RepeatableRead);
        prop_assert_eq!(collect(&t, Bound::Unbounded, Bound::Unbounded), model_range(&current, &Bound::Unbounded, &Bound::Unbounded));
    }
}

#[test]
fn scan_spans_many_chunks_with_many_versions() {
    let store = Store::in_memory();
    let mut model = Model::new();
    for round in 0..4u8 {
        let mut t = store.begin(IsolationLevel::ReadCommitted);
        for i in 0..700u32 {
            let k = format!("k{i:05}").into_bytes();
            if (i + u32::from(round)) % 5 == 0 {
                t.delete(&k).unwrap();
                model.remove(&k);
            } else {
                t.set(&k, vec![round]).unwrap();
                model.insert(k, vec![round]);
            }
        }
        t.commit().unwrap();
    }
    let mut t = store.begin(IsolationLevel::ReadCommitted);
    t.set(b"k00003x", b"own".to_vec()).unwrap();
    model.insert(b"k00003x".to_vec(), b"own".to_vec());
    t.delete(b"k00001").unwrap();
    model.remove(b"k00001".as_slice());
    assert_eq!(
        collect(&t, Bound::Unbounded, Bound::Unbounded),
        model_range(&model, &Bound::Unbounded, &Bound::Unbounded)
    );
    let a = Bound::Excluded(b"k00100".to_vec());
    let b = Bound::Included(b"k00600".to_vec());
    assert_eq!(
        collect(&t, a.clone(), b.clone()),
        model_range(&model, &a, &b)
    );
    assert!(store.vacuum().unwrap() > 0);
    assert_eq!(
        collect(&t, Bound::Unbounded, Bound::Unbounded),
        model_range(&model, &Bound::Unbounded, &Bound::Unbounded)
    );
    commit_all(&store, &Model::new());
}
