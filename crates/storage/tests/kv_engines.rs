//! The on-disk KV engine against the in-memory one: ordered scans and
//! visits over a tree of many leaf pages, with every kind of bound and early
//! stops, must see exactly the same entries. Guards the guard-free read path
//! added to the vendored redb (`visit_raw`), which walks leaf pages itself.

use proptest::prelude::*;
use rampart_storage::kv::{KvEngine, MemEngine, RedbEngine, WriteBatch};
use std::ops::Bound;

/// Keys `k00000`… with values of varied length (some larger than a page
/// would hold many of), so the tree has many leaves of uneven fill.
fn load(engines: &[&dyn KvEngine], n: usize) {
    let mut batch = WriteBatch::default();
    for i in 0..n {
        let key = format!("k{i:05}").into_bytes();
        let value = vec![(i % 251) as u8; (i * 37) % 300];
        batch.ops.push((key, Some(value)));
    }
    // Deleting some keys leaves gaps the walk must step over.
    for i in (0..n).step_by(7) {
        batch.ops.push((format!("k{i:05}").into_bytes(), None));
    }
    for engine in engines {
        engine.apply(&batch, false).unwrap();
    }
}

fn visited(
    engine: &dyn KvEngine,
    start: &Bound<Vec<u8>>,
    end: &Bound<Vec<u8>>,
    stop_after: usize,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    engine
        .visit(as_ref(start), as_ref(end), &mut |k, v| {
            out.push((k.to_vec(), v.to_vec()));
            out.len() < stop_after
        })
        .unwrap();
    out
}

fn as_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    b.as_ref().map(Vec::as_slice)
}

fn bound(n: usize) -> impl Strategy<Value = Bound<Vec<u8>>> {
    let key = (0..n + 2).prop_map(|i| format!("k{i:05}").into_bytes());
    prop_oneof![
        Just(Bound::Unbounded),
        key.clone().prop_map(Bound::Included),
        key.prop_map(Bound::Excluded),
        // Between two stored keys.
        (0..n).prop_map(|i| Bound::Included(format!("k{i:05}x").into_bytes())),
    ]
}

const KEYS: usize = 6_000;

#[test]
fn full_visit_and_scan_cross_every_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let redb = RedbEngine::open(&dir.path().join("data.redb")).unwrap();
    let mem = MemEngine::new();
    load(&[&redb, &mem], KEYS);
    let all = visited(&mem, &Bound::Unbounded, &Bound::Unbounded, usize::MAX);
    assert_eq!(all.len(), KEYS - KEYS.div_ceil(7));
    assert_eq!(
        visited(&redb, &Bound::Unbounded, &Bound::Unbounded, usize::MAX),
        all
    );
    let scanned = redb
        .scan(Bound::Unbounded, Bound::Unbounded, usize::MAX)
        .unwrap();
    assert_eq!(scanned, all);
    // Chunked scans resumed after the last key read, as the MVCC scan does.
    let mut resumed = Vec::new();
    let mut cursor: Bound<Vec<u8>> = Bound::Unbounded;
    loop {
        let chunk = redb.scan(as_ref(&cursor), Bound::Unbounded, 97).unwrap();
        let done = chunk.len() < 97;
        if let Some((k, _)) = chunk.last() {
            cursor = Bound::Excluded(k.clone());
        }
        resumed.extend(chunk);
        if done {
            break;
        }
    }
    assert_eq!(resumed, all);
    assert!(redb
        .scan(Bound::Unbounded, Bound::Unbounded, 0)
        .unwrap()
        .is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn redb_ranges_match_memory(start in bound(KEYS), end in bound(KEYS), stop_after in 1usize..3_000, limit in 0usize..3_000) {
        thread_local! {
            static ENGINES: (tempfile::TempDir, RedbEngine, MemEngine) = {
                let dir = tempfile::tempdir().unwrap();
                let redb = RedbEngine::open(&dir.path().join("data.redb")).unwrap();
                let mem = MemEngine::new();
                load(&[&redb, &mem], KEYS);
                (dir, redb, mem)
            };
        }
        ENGINES.with(|(_, redb, mem)| {
            prop_assert_eq!(visited(redb, &start, &end, stop_after), visited(mem, &start, &end, stop_after));
            prop_assert_eq!(
                redb.scan(as_ref(&start), as_ref(&end), limit).unwrap(),
                mem.scan(as_ref(&start), as_ref(&end), limit).unwrap()
            );
            Ok(())
        })?;
    }
}
