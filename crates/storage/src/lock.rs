//! Row locks: an in-memory lock table with deadlock detection.
//!
//! Each key is held by at most one transaction. A transaction waiting for a
//! key records a wait-for edge to the holder; since a waiter waits for exactly
//! one holder, the wait-for graph is a set of chains and a cycle is found by
//! following edges from the holder. Whoever would close a cycle gets
//! [`StorageError::Deadlock`]. Every waiter re-checks on each wake-up, so a
//! cycle formed while edges were stale is still found by one of its members.

use crate::error::{Result, StorageError};
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;

#[derive(Default)]
struct State {
    holders: HashMap<Vec<u8>, u64>,
    held: HashMap<u64, Vec<Vec<u8>>>,
    waits_for: HashMap<u64, u64>,
}

/// The lock table shared by all transactions of a store.
#[derive(Default)]
pub struct LockTable {
    state: Mutex<State>,
    released: Condvar,
}

impl LockTable {
    /// Acquires `key` for transaction `txn`, blocking while another transaction holds it.
    pub fn lock(&self, txn: u64, key: &[u8]) -> Result<()> {
        let mut s = self.state.lock();
        loop {
            let holder = match s.holders.get(key) {
                None => {
                    s.holders.insert(key.to_vec(), txn);
                    s.held.entry(txn).or_default().push(key.to_vec());
                    s.waits_for.remove(&txn);
                    return Ok(());
                }
                Some(&h) if h == txn => {
                    s.waits_for.remove(&txn);
                    return Ok(());
                }
                Some(&h) => h,
            };
            // Would waiting for `holder` close a cycle back to us?
            let mut cur = holder;
            let mut steps = 0usize;
            while let Some(&next) = s.waits_for.get(&cur) {
                if next == txn || steps > s.waits_for.len() {
                    s.waits_for.remove(&txn);
                    return Err(StorageError::Deadlock);
                }
                cur = next;
                steps += 1;
            }
            s.waits_for.insert(txn, holder);
            self.released.wait(&mut s);
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
        self.state.lock().waits_for.contains_key(&txn)
    }

    /// Releases every lock of `txn` and wakes the waiters.
    pub fn release_all(&self, txn: u64) {
        let mut s = self.state.lock();
        s.waits_for.remove(&txn);
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
