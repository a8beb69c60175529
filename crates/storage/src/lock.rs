//! Row locks: an in-memory lock table with deadlock detection.
//!
//! Each key is held by at most one transaction. A transaction waiting for a
//! key records a wait-for edge to the holder in the store's [`WaitGraph`],
//! which other lock managers over the same transactions (the SQL layer's
//! table locks) share, so a cycle through both kinds of lock is found too.
//! Whoever would close a cycle gets [`StorageError::Deadlock`]. Waiters
//! queue per key and a release hands the key to the first of them; every
//! waiter re-checks the graph on each wake-up and at least every
//! [`RECHECK`], so a cycle formed while edges were stale is still found by
//! one of its members.

use crate::error::{Result, StorageError};
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

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

/// A transaction queued for a held key, with the thread to wake when the
/// key is handed to it.
struct Waiter {
    txn: u64,
    thread: std::thread::Thread,
}

/// A held key: its holder and the transactions queued for it, first come
/// first served.
struct Held {
    holder: u64,
    queue: VecDeque<Waiter>,
}

#[derive(Default)]
struct State {
    keys: HashMap<Vec<u8>, Held>,
    held: HashMap<u64, Vec<Vec<u8>>>,
}

impl State {
    fn grant(&mut self, txn: u64, key: &[u8]) {
        self.keys.insert(
            key.to_vec(),
            Held {
                holder: txn,
                queue: VecDeque::new(),
            },
        );
        self.held.entry(txn).or_default().push(key.to_vec());
    }
}

/// The lock table shared by all transactions of a store.
///
/// A released key is handed straight to the first transaction queued for
/// it, and only that one's thread is woken: waking every waiter of every
/// key at each commit (one condition variable) made the waiters of a hot
/// row — pgbench's branch row — race for it on every release, at several
/// thread switches per commit, and let a newcomer overtake them.
#[derive(Default)]
pub struct LockTable {
    state: Mutex<State>,
    waits: Arc<WaitGraph>,
}

/// How long a waiter sleeps before it looks at the wait-for graph again (a
/// cycle may close through another lock manager, or through a queue whose
/// head changed, without waking it).
const RECHECK: Duration = Duration::from_millis(100);

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
        // the async worker, however often it wakes meanwhile).
        let mut result = Ok(());
        crate::wait::blocking_wait(&mut || result = self.lock_waiting(txn, key));
        result
    }

    fn lock_waiting(&self, txn: u64, key: &[u8]) -> Result<()> {
        let mut s = self.state.lock();
        loop {
            let Some(entry) = s.keys.get_mut(key) else {
                s.grant(txn, key);
                self.waits.done(txn);
                return Ok(());
            };
            if entry.holder == txn {
                // Handed to us by the releasing transaction.
                self.waits.done(txn);
                return Ok(());
            }
            let holder = entry.holder;
            if !entry.queue.iter().any(|w| w.txn == txn) {
                entry.queue.push_back(Waiter {
                    txn,
                    thread: std::thread::current(),
                });
            }
            // Would waiting for `holder` close a cycle back to us?
            if !self.waits.wait(txn, vec![holder]) {
                entry.queue.retain(|w| w.txn != txn);
                return Err(StorageError::Deadlock);
            }
            drop(s);
            // Woken when the key is handed to us (an unpark before this
            // park is not lost); a timeout re-checks the graph.
            std::thread::park_timeout(RECHECK);
            s = self.state.lock();
        }
    }

    /// Acquires `key` for `txn` if nobody else holds it; false (without
    /// waiting) when another transaction does (NOWAIT, SKIP LOCKED).
    pub fn try_lock(&self, txn: u64, key: &[u8]) -> bool {
        let mut s = self.state.lock();
        match s.keys.get(key) {
            None => {
                s.grant(txn, key);
                true
            }
            Some(e) => e.holder == txn,
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

    /// Releases every lock of `txn`, handing each key to the first
    /// transaction queued for it and waking that one.
    pub fn release_all(&self, txn: u64) {
        let mut s = self.state.lock();
        self.waits.done(txn);
        let Some(keys) = s.held.remove(&txn) else {
            return;
        };
        let mut wake = Vec::new();
        for k in keys {
            let Some(entry) = s.keys.get_mut(&k) else {
                continue;
            };
            match entry.queue.pop_front() {
                None => {
                    s.keys.remove(&k);
                }
                Some(next) => {
                    entry.holder = next.txn;
                    s.held.entry(next.txn).or_default().push(k);
                    wake.push(next.thread);
                }
            }
        }
        drop(s);
        wake.iter().for_each(std::thread::Thread::unpark);
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
        // The waiter that would have closed the cycle left b's queue: b is
        // not handed to it later.
        assert!(t.state.lock().keys[&b"b"[..]].queue.is_empty());
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

    /// A released key goes to the transaction that queued first, and a
    /// newcomer cannot take it while others queue.
    #[test]
    fn released_keys_go_to_waiters_in_arrival_order() {
        let t = Arc::new(LockTable::default());
        t.lock(1, b"hot").unwrap();
        let spawn_waiter = |txn: u64| {
            let table = t.clone();
            let h = std::thread::spawn(move || table.lock(txn, b"hot"));
            while !t.is_waiting(txn) {
                std::thread::yield_now();
            }
            h
        };
        let w2 = spawn_waiter(2);
        let w3 = spawn_waiter(3);
        t.release_all(1);
        w2.join().unwrap().unwrap();
        assert!(t.holds_any(2), "the first waiter got the key");
        assert!(
            !t.try_lock(4, b"hot"),
            "a newcomer does not overtake the queue"
        );
        assert!(t.is_waiting(3) && !t.holds_any(3));
        t.release_all(2);
        w3.join().unwrap().unwrap();
        assert!(t.holds_any(3) && !t.is_waiting(3));
        t.release_all(3);
        assert!(t.try_lock(4, b"hot"), "free again once the queue is empty");
        assert!(t.state.lock().keys.len() == 1);
    }
}
