//! Row locks: an in-memory lock table with deadlock detection.
//!
//! Each key is held by at most one transaction. A transaction waiting for a
//! key records a wait-for edge to the holder in the store's [`WaitGraph`],
//! which other lock managers over the same transactions (the SQL layer's
//! table locks) share, so a cycle through both kinds of lock is found too.
//! Whoever would close a cycle gets [`StorageError::Deadlock`]. Every waiter
//! re-checks on each wake-up, so a cycle formed while edges were stale is
//! still found by one of its members.

use crate::error::{Result, StorageError};
use parking_lot::{Condvar, Mutex};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Who waits for whom, across every lock manager of a store: per waiting
/// transaction, the transactions it waits for. Lock managers take this
/// mutex innermost (inside their own), so it cannot deadlock them.
#[derive(Debug, Default)]
pub struct WaitGraph {
    edges: Mutex<HashMap<u64, Vec<u64>>>,
}

impl WaitGraph {
    /// Records that `waiter` waits for `blockers` — unless that closes a
    /// cycle, in which case nothing is recorded and false is returned.
    pub fn wait(&self, waiter: u64, blockers: Vec<u64>) -> bool {
        let mut edges = self.edges.lock();
        let mut stack = blockers.clone();
        let mut seen = HashSet::new();
        while let Some(t) = stack.pop() {
            if t == waiter {
                edges.remove(&waiter);
                return false;
            }
            if seen.insert(t) {
                stack.extend(edges.get(&t).into_iter().flatten().copied());
            }
        }
        edges.insert(waiter, blockers);
        true
    }

    /// `waiter` no longer waits (it got its lock, gave up, or ended).
    pub fn done(&self, waiter: u64) {
        self.edges.lock().remove(&waiter);
    }

    /// True when `txn` is recorded as waiting.
    pub fn is_waiting(&self, txn: u64) -> bool {
        self.edges.lock().contains_key(&txn)
    }
}

#[derive(Default)]
struct State {
    holders: HashMap<Vec<u8>, u64>,
    held: HashMap<u64, Vec<Vec<u8>>>,
}

/// The lock table shared by all transactions of a store.
#[derive(Default)]
pub struct LockTable {
    state: Mutex<State>,
    released: Condvar,
    waits: Arc<WaitGraph>,
}

impl LockTable {
    /// The wait-for graph this table records its waits in.
    pub fn wait_graph(&self) -> Arc<WaitGraph> {
        self.waits.clone()
    }

    /// Acquires `key` for transaction `txn`, blocking while another transaction holds it.
    pub fn lock(&self, txn: u64, key: &[u8]) -> Result<()> {
        if self.try_lock(txn, key) {
            self.waits.done(txn);
            return Ok(());
        }
        // The whole wait runs through the wait hook at once (one hand-off of
        // the async worker, however often a release wakes it meanwhile).
        let mut result = Ok(());
        crate::wait::blocking_wait(&mut || result = self.lock_waiting(txn, key));
        result
    }

    fn lock_waiting(&self, txn: u64, key: &[u8]) -> Result<()> {
        let mut s = self.state.lock();
        loop {
            let holder = match s.holders.get(key) {
                None => {
                    s.holders.insert(key.to_vec(), txn);
                    s.held.entry(txn).or_default().push(key.to_vec());
                    self.waits.done(txn);
                    return Ok(());
                }
                Some(&h) if h == txn => {
                    self.waits.done(txn);
                    return Ok(());
                }
                Some(&h) => h,
            };
            // Would waiting for `holder` close a cycle back to us?
            if !self.waits.wait(txn, vec![holder]) {
                return Err(StorageError::Deadlock);
            }
            // Woken by a release here; a timeout re-checks the graph for
            // cycles closed through another lock manager meanwhile.
            self.released
                .wait_for(&mut s, std::time::Duration::from_millis(100));
        }
    }

    /// Acquires `key` for `txn` if nobody else holds it; false (without
    /// waiting) when another transaction does (NOWAIT, SKIP LOCKED).
    pub fn try_lock(&self, txn: u64, key: &[u8]) -> bool {
        let mut s = self.state.lock();
        match s.holders.get(key) {
            None => {
                s.holders.insert(key.to_vec(), txn);
                s.held.entry(txn).or_default().push(key.to_vec());
                true
            }
            Some(&h) => h == txn,
        }
    }

    /// True when `txn` holds any lock.
    pub fn holds_any(&self, txn: u64) -> bool {
        self.state.lock().held.contains_key(&txn)
    }

    /// True when `txn` is blocked waiting for a lock (for tests).
    pub fn is_waiting(&self, txn: u64) -> bool {
        self.waits.is_waiting(txn)
    }

    /// Releases every lock of `txn` and wakes the waiters.
    pub fn release_all(&self, txn: u64) {
        let mut s = self.state.lock();
        self.waits.done(txn);
        if let Some(keys) = s.held.remove(&txn) {
            for k in keys {
                s.holders.remove(&k);
            }
            drop(s);
            self.released.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn lock_wait_and_deadlock() {
        let t = Arc::new(LockTable::default());
        t.lock(1, b"a").unwrap();
        t.lock(1, b"a").unwrap();
        t.lock(2, b"b").unwrap();
        let t2 = t.clone();
        let h = std::thread::spawn(move || t2.lock(2, b"a"));
        while !t.is_waiting(2) {
            std::thread::yield_now();
        }
        assert!(matches!(t.lock(1, b"b"), Err(StorageError::Deadlock)));
        t.release_all(1);
        h.join().unwrap().unwrap();
        assert!(t.holds_any(2));
        t.release_all(2);
        assert!(!t.holds_any(2));
        assert!(t.try_lock(3, b"c") && t.try_lock(3, b"c"));
        assert!(!t.try_lock(4, b"c"), "held by 3");
        t.release_all(3);
        assert!(t.try_lock(4, b"c"));
    }
}
