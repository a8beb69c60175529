//! The on-disk KV engine against the in-memory one: ordered scans and
//! visits over a tree of many leaf pages, with every kind of bound and early
//! stops, must see exactly the same entries. Guards the guard-free read path
//! added to the vendored redb (`visit_raw`), which walks leaf pages itself,
//! and the engine's write buffer, whose reads merge buffered changes over
//! what redb holds.

use proptest::prelude::*;
use rampart_storage::kv::{KvEngine, MemEngine, RedbEngine, WriteBatch};
use std::ops::Bound;

/// Keys `k00000`… with values of varied length (some larger than a page
/// would hold many of), so the tree has many leaves of uneven fill.
fn load(engines: &[&dyn KvEngine], n: usize) {
    load_unflushed(engines, n);
}

fn load_unflushed(engines: &[&dyn KvEngine], n: usize) {
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
    redb.flush().unwrap();
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
                redb.flush().unwrap();
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

/// A change to apply to both engines: key index, and the value length or
/// None to delete.
fn change() -> impl Strategy<Value = (usize, Option<usize>)> {
    (0..KEYS + 50, prop::option::weighted(0.7, 0..200usize))
}

fn batch_of(changes: &[(usize, Option<usize>)], salt: u8) -> WriteBatch {
    WriteBatch {
        ops: changes
            .iter()
            .map(|(i, v)| {
                let key = format!("k{i:05}").into_bytes();
                (key, v.map(|n| vec![salt ^ (*i as u8); n]))
            })
            .collect(),
        meta: Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Batches held in the write buffer (some over keys redb holds, some
    /// deleting them, some new), with part of them written to redb while
    /// others stay buffered: every read sees the newest state of each key.
    #[test]
    fn buffered_batches_read_like_memory(
        first in prop::collection::vec(change(), 0..300),
        second in prop::collection::vec(change(), 0..300),
        flush_between in any::<bool>(),
        salt in any::<u8>(),
        start in bound(KEYS),
        end in bound(KEYS),
        stop_after in 1usize..3_000,
        limit in 0usize..3_000,
        probe in 0..KEYS + 50,
    ) {
        thread_local! {
            static ENGINES: (tempfile::TempDir, RedbEngine, MemEngine) = {
                let dir = tempfile::tempdir().unwrap();
                let redb = RedbEngine::open_with(&dir.path().join("data.redb"), false).unwrap();
                let mem = MemEngine::new();
                load_unflushed(&[&redb, &mem], KEYS);
                redb.flush().unwrap();
                (dir, redb, mem)
            };
        }
        ENGINES.with(|(_, redb, mem)| {
            for engine in [redb as &dyn KvEngine, mem] {
                engine.apply(&batch_of(&first, salt), false).unwrap();
            }
            if flush_between {
                redb.flush().unwrap();
            }
            for engine in [redb as &dyn KvEngine, mem] {
                engine.apply(&batch_of(&second, salt.wrapping_add(1)), false).unwrap();
            }
            prop_assert_eq!(visited(redb, &start, &end, stop_after), visited(mem, &start, &end, stop_after));
            prop_assert_eq!(
                redb.scan(as_ref(&start), as_ref(&end), limit).unwrap(),
                mem.scan(as_ref(&start), as_ref(&end), limit).unwrap()
            );
            let key = format!("k{probe:05}").into_bytes();
            prop_assert_eq!(redb.get(&key).unwrap(), mem.get(&key).unwrap());
            // Chunked scans resumed after the last key, as the MVCC scan reads.
            let chunk = limit.clamp(1, 300);
            let mut resumed = Vec::new();
            let mut cursor = start.clone();
            loop {
                let part = redb.scan(as_ref(&cursor), as_ref(&end), chunk).unwrap();
                let done = part.len() < chunk;
                if let Some((k, _)) = part.last() {
                    cursor = Bound::Excluded(k.clone());
                }
                resumed.extend(part);
                if done {
                    break;
                }
            }
            prop_assert_eq!(resumed, visited(mem, &start, &end, usize::MAX));
            // And the same once all of it is in redb.
            redb.flush().unwrap();
            prop_assert_eq!(visited(redb, &start, &end, stop_after), visited(mem, &start, &end, stop_after));
            prop_assert_eq!(redb.get(&key).unwrap(), mem.get(&key).unwrap());
            Ok(())
        })?;
    }
}

/// A durable batch writes what is buffered with it, and a reopened engine
/// finds both.
#[test]
fn durable_batches_take_the_buffer_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.redb");
    {
        let redb = RedbEngine::open_with(&path, false).unwrap();
        redb.apply(&batch_of(&[(1, Some(3)), (2, Some(4))], 7), false)
            .unwrap();
        redb.apply(&batch_of(&[(2, None)], 7), false).unwrap();
        let mut durable = batch_of(&[(3, Some(5))], 7);
        durable.meta.push(("m", b"v".to_vec()));
        redb.apply(&durable, true).unwrap();
    }
    let redb = RedbEngine::open_with(&path, false).unwrap();
    let keys: Vec<Vec<u8>> = redb
        .scan(Bound::Unbounded, Bound::Unbounded, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, [b"k00001".to_vec(), b"k00003".to_vec()]);
    assert_eq!(redb.get_meta("m").unwrap(), Some(b"v".to_vec()));
}

/// A scan with a limit over buffered deletes: the deletes do not count
/// towards the limit, so the buffered puts after them are still found.
#[test]
fn buffered_deletes_do_not_cut_a_limited_scan_short() {
    let dir = tempfile::tempdir().unwrap();
    let redb = RedbEngine::open_with(&dir.path().join("data.redb"), false).unwrap();
    redb.apply(
        &batch_of(&[(1, Some(1)), (2, Some(1)), (3, Some(1))], 0),
        false,
    )
    .unwrap();
    redb.flush().unwrap();
    redb.apply(
        &batch_of(&[(1, None), (2, None), (4, Some(1)), (5, Some(1))], 0),
        false,
    )
    .unwrap();
    let keys = |limit| -> Vec<Vec<u8>> {
        redb.scan(Bound::Unbounded, Bound::Unbounded, limit)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    assert_eq!(keys(2), [b"k00003".to_vec(), b"k00004".to_vec()]);
    assert_eq!(
        keys(9),
        [b"k00003".to_vec(), b"k00004".to_vec(), b"k00005".to_vec()]
    );
}
