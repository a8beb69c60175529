//! Durability across reopen, data directory checks, checkpoints and archiving.

use rampart_storage::{IsolationLevel, StorageError, Store, StoreOptions};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const RC: IsolationLevel = IsolationLevel::ReadCommitted;

fn open(dir: &Path) -> Store {
    Store::open(dir, StoreOptions::default()).unwrap()
}

fn count(store: &Store, prefix: &[u8]) -> usize {
    let txn = store.begin(RC);
    let n = txn.scan_prefix(prefix).unwrap().count();
    // Counting in place agrees with the scan on the disk engine too.
    assert_eq!(txn.count_prefix(prefix).unwrap(), n);
    n
}

#[test]
fn committed_survive_reopen_uncommitted_do_not() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        for i in 0..50u32 {
            let mut t = store.begin(RC);
            t.set(format!("c{i:03}").as_bytes(), i.to_le_bytes().to_vec())
                .unwrap();
            t.set(format!("d{i:03}").as_bytes(), vec![1]).unwrap();
            let info = t.commit().unwrap();
            assert!(info.lsn > 0 && info.lsn <= store.current_lsn());
        }
        let mut t = store.begin(RC);
        t.delete(b"d000").unwrap();
        t.commit().unwrap();
        // Savepoint rollback inside a committed transaction.
        let mut t = store.begin(RC);
        t.set(b"sp-keep", b"1".to_vec()).unwrap();
        let sp = t.savepoint();
        t.set(b"sp-undone", b"1".to_vec()).unwrap();
        t.set(b"sp-keep", b"2".to_vec()).unwrap();
        t.rollback_to_savepoint(sp);
        t.release_savepoint(sp);
        t.commit().unwrap();
        // Never committed: rolled back, dropped, and open at close.
        let mut t = store.begin(RC);
        t.set(b"u1", b"x".to_vec()).unwrap();
        t.rollback();
        let mut t = store.begin(RC);
        t.set(b"u2", b"x".to_vec()).unwrap();
        drop(t);
        let mut open_txn = store.begin(RC);
        open_txn.set(b"u3", b"x".to_vec()).unwrap();
        drop(store);
        drop(open_txn);
    }
    let store = open(dir.path());
    let t = store.begin(RC);
    assert_eq!(count(&store, b"c"), 50);
    assert_eq!(count(&store, b"d"), 49);
    assert_eq!(t.get(b"c007").unwrap(), Some(7u32.to_le_bytes().to_vec()));
    assert_eq!(t.get(b"sp-keep").unwrap(), Some(b"1".to_vec()));
    assert_eq!(t.get(b"sp-undone").unwrap(), None);
    assert_eq!(count(&store, b"u"), 0);
    drop(t);
    // Versions continue after reopen: a new write shadows the old one.
    let mut t = store.begin(RC);
    t.set(b"c007", b"new".to_vec()).unwrap();
    t.commit().unwrap();
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.begin(RC).get(b"c007").unwrap(), Some(b"new".to_vec()));
}

#[test]
fn txids_increase_across_restarts_and_memory_checkpoint_works() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut last = 0;
    for _ in 0..10 {
        let t = store.begin(RC);
        assert!(t.id() > last);
        last = t.id();
    }
    drop(store);
    let store = open(dir.path());
    assert!(store.begin(RC).id() > last);
    let mem = Store::in_memory();
    mem.checkpoint().unwrap();
    assert_eq!(mem.current_lsn(), 0);
}

#[test]
fn data_directory_checks() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert!(matches!(
        Store::open(dir.path(), StoreOptions::default()),
        Err(StorageError::Locked { .. })
    ));
    drop(store);
    open(dir.path());

    let foreign = tempfile::tempdir().unwrap();
    std::fs::write(foreign.path().join("something"), b"x").unwrap();
    assert!(matches!(
        Store::open(foreign.path(), StoreOptions::default()),
        Err(StorageError::NotRampart { .. })
    ));

    let newer = tempfile::tempdir().unwrap();
    drop(open(newer.path()));
    std::fs::write(newer.path().join("FORMAT"), "RAMPART-STORAGE\n99\n").unwrap();
    assert!(matches!(
        Store::open(newer.path(), StoreOptions::default()),
        Err(StorageError::UnsupportedVersion { found: 99, .. })
    ));
}

fn segments(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("wal"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.len() == 16)
        .collect();
    v.sort();
    v
}

#[test]
fn checkpoints_remove_old_segments_and_archive_them() {
    let dir = tempfile::tempdir().unwrap();
    let archive_dir = tempfile::tempdir().unwrap();
    let archived = Arc::new(Mutex::new(Vec::new()));
    let (a2, ad) = (archived.clone(), archive_dir.path().to_path_buf());
    let opts = StoreOptions {
        wal_segment_bytes: 4096,
        checkpoint_wal_bytes: 16 * 1024,
        archive: Some(Box::new(move |p: &Path| {
            std::fs::copy(p, ad.join(p.file_name().unwrap()))?;
            a2.lock().unwrap().push(p.to_path_buf());
            Ok(())
        })),
        ..Default::default()
    };
    let store = Store::open(dir.path(), opts).unwrap();
    for i in 0..400u32 {
        let mut t = store.begin(RC);
        t.set(format!("k{:03}", i % 50).as_bytes(), vec![0u8; 100])
            .unwrap();
        t.commit().unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while archived.lock().unwrap().len() < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(50));
    store.checkpoint().unwrap();
    let segs = segments(dir.path());
    assert!(archived.lock().unwrap().len() >= 5);
    assert!(segs.len() < 5, "old segments should be removed: {segs:?}");
    // Vacuum left one version per key.
    assert_eq!(count(&store, b"k"), 50);
    drop(store);
    let store = open(dir.path());
    assert_eq!(count(&store, b"k"), 50);
}

/// Group commit both ways: a committer alone leads its own fsync; with other
/// transactions open, commits go through the flusher and wait for it. Every
/// commit returned is in the log after a reopen, and the open-transaction
/// count that picks the path returns to zero.
#[test]
fn concurrent_and_lone_commits_are_durable() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Arc::new(open(dir.path()));
        // Alone: the only open transaction.
        let mut t = store.begin(RC);
        t.set(b"lone", b"1".to_vec()).unwrap();
        t.commit().unwrap();
        // Contended: four threads, each with another transaction kept open
        // across its commits so that none of them is ever alone.
        let threads: Vec<_> = (0..4u32)
            .map(|n| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let idle = store.begin(RC);
                    for i in 0..25u32 {
                        let mut t = store.begin(RC);
                        t.set(format!("g{n}-{i:02}").as_bytes(), vec![n as u8])
                            .unwrap();
                        t.commit().unwrap();
                    }
                    drop(idle);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(store.open_transactions(), 0);
    }
    let store = open(dir.path());
    assert_eq!(count(&store, b"g"), 100);
    assert_eq!(count(&store, b"lone"), 1);
}

/// Runs a future to completion on this thread (the storage crate has no
/// async runtime; the server's is tokio).
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        assert!(Instant::now() < deadline, "durability never signalled");
        std::thread::park_timeout(Duration::from_millis(100));
    }
}

/// A commit made while another transaction is open comes back pending: its
/// record is written, but new snapshots do not see it and its row locks are
/// held until it completes; its `durable` future resolves once the flusher
/// thread's fsync covers it. Completing makes it visible and frees the locks;
/// a pending commit that is dropped completes too. Both survive a reopen.
#[test]
fn deferred_commits_stay_invisible_and_locked_until_completed() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        // Keeps the commits below from being alone in the store.
        let other = store.begin(RC);
        let mut t = store.begin(RC);
        t.lock_key(b"k").unwrap();
        t.set(b"k", b"v".to_vec()).unwrap();
        let pending = t.commit_deferred().unwrap();
        assert!(!pending.is_complete());
        assert_eq!(store.begin(RC).get(b"k").unwrap(), None);
        let mut locker = store.begin(RC);
        assert!(!locker.try_lock_key(b"k").unwrap(), "lock released early");
        let durable = pending.durable().expect("a deferred commit has a future");
        block_on(durable).unwrap();
        // Durable, but visible only once completed.
        assert_eq!(store.begin(RC).get(b"k").unwrap(), None);
        let info = pending.complete().unwrap();
        assert!(info.lsn > 0);
        assert_eq!(store.begin(RC).get(b"k").unwrap(), Some(b"v".to_vec()));
        assert!(locker.try_lock_key(b"k").unwrap());
        drop(locker);

        let mut t = store.begin(RC);
        t.set(b"dropped", b"1".to_vec()).unwrap();
        let pending = t.commit_deferred().unwrap();
        assert!(!pending.is_complete());
        drop(pending);
        assert_eq!(
            store.begin(RC).get(b"dropped").unwrap(),
            Some(b"1".to_vec())
        );
        drop(other);

        // Alone in the store: the commit leads its own fsync (unless the
        // flusher thread is still in one, which it then awaits).
        let mut t = store.begin(RC);
        t.set(b"alone", b"1".to_vec()).unwrap();
        t.commit_deferred().unwrap().complete().unwrap();
        assert_eq!(store.open_transactions(), 0);
    }
    let store = open(dir.path());
    assert_eq!(count(&store, b"k"), 1);
    assert_eq!(count(&store, b"dropped"), 1);
    assert_eq!(count(&store, b"alone"), 1);
}
