//! Checkpoints and vacuum (garbage collection of old versions).

use super::{
    keys, Inner, META_APPLIED_LSN, META_CHECKPOINT_LSN, META_LAST_VERSION, META_TXID_FLOOR,
};
use crate::error::Result;
use crate::kv::WriteBatch;
use std::ops::Bound;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Clears the flag it holds when dropped.
struct ClearOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

const VACUUM_CHUNK: usize = 1024;
/// How far above the current transaction id a checkpoint records the floor
/// for ids after a restart (ids are not persisted individually).
const TXID_RESERVE: u64 = 1 << 24;

impl Inner {
    /// Checkpoint body; the caller holds `self.ckpt`. With `vacuum`, old
    /// versions are garbage-collected first (a full KV pass).
    pub(crate) fn checkpoint_locked(&self, vacuum: bool) -> Result<()> {
        if vacuum {
            self.vacuum()?;
        }
        let applied = {
            // Hold the commit mutex so that the durable KV commit contains
            // exactly the commits whose WAL records are durable.
            let c = self.commit.lock();
            // Transaction ids handed out after a restart start above this.
            let txid_floor = self.next_txid.load(Ordering::Relaxed) + TXID_RESERVE;
            if let Some(wal) = &self.wal {
                wal.wait_durable(c.applied_lsn)?;
            }
            let batch = WriteBatch {
                ops: Vec::new(),
                meta: vec![
                    (META_CHECKPOINT_LSN, c.applied_lsn.to_le_bytes().to_vec()),
                    // Commits do not write these (see `apply_commit`).
                    (META_APPLIED_LSN, c.applied_lsn.to_le_bytes().to_vec()),
                    (META_LAST_VERSION, c.last_version.to_le_bytes().to_vec()),
                    (META_TXID_FLOOR, txid_floor.to_le_bytes().to_vec()),
                ],
            };
            self.kv.apply(&batch, true)?;
            c.applied_lsn
        };
        self.last_ckpt_lsn.store(applied, Ordering::Release);
        if let Some(wal) = &self.wal {
            wal.remove_below(applied)?;
        }
        Ok(())
    }

    /// Starts a checkpoint on its own thread if enough WAL was written since
    /// the last one and none is running. The checkpoint begins with a full
    /// vacuum pass over the KV, which takes seconds on a large store: run on
    /// the committing connection, it held that commit's reply for as long
    /// (PostgreSQL's checkpointer is a background process for the same
    /// reason). Errors are logged: the caller's commit is already durable.
    pub(crate) fn maybe_checkpoint(self: &Arc<Self>) {
        if !self.checkpoint_due() {
            return;
        }
        // Held from the flag to the stored handle, so that the handle kept is
        // always the running thread's (the thread never takes this lock).
        let mut handle = self.ckpt_thread.lock();
        if self.ckpt_running.swap(true, Ordering::AcqRel) {
            return;
        }
        // A checkpoint may have finished between the first look and the flag.
        if !self.checkpoint_due() {
            self.ckpt_running.store(false, Ordering::Release);
            return;
        }
        let inner = Arc::clone(self);
        let started = std::thread::Builder::new()
            .name("rampart-checkpoint".into())
            .spawn(move || {
                // Cleared however the checkpoint ends, a panic included, so
                // that later checkpoints can still start.
                let _running = ClearOnDrop(&inner.ckpt_running);
                let _g = inner.ckpt.lock();
                if let Err(e) = inner.checkpoint_locked(true) {
                    tracing::warn!(error = %e, "automatic checkpoint failed");
                }
            });
        match started {
            Ok(thread) => *handle = Some(thread),
            Err(e) => {
                self.ckpt_running.store(false, Ordering::Release);
                tracing::warn!(error = %e, "could not start the checkpoint thread");
            }
        }
    }

    /// Enough WAL was written since the last checkpoint for another.
    fn checkpoint_due(&self) -> bool {
        self.wal.as_ref().is_some_and(|wal| {
            wal.insert_lsn()
                .saturating_sub(self.last_ckpt_lsn.load(Ordering::Acquire))
                >= self.checkpoint_bytes
        })
    }

    /// Deletes, per key, every version older than the newest version at or
    /// below the horizon (the oldest live snapshot), and that version too if
    /// it is a tombstone. Returns the number of KV entries removed.
    pub(crate) fn vacuum(&self) -> Result<usize> {
        let horizon = self.horizon();
        let mut cursor: Bound<Vec<u8>> = Bound::Unbounded;
        let mut current: Option<Vec<u8>> = None;
        // Whether the current key already has its newest version <= horizon.
        let mut settled = false;
        let mut removed = 0;
        loop {
            let chunk = self
                .kv
                .scan(keys::as_ref(&cursor), Bound::Unbounded, VACUUM_CHUNK)?;
            let done = chunk.len() < VACUUM_CHUNK;
            let mut batch = WriteBatch::default();
            for (k, v) in chunk {
                let Some((user, version)) = keys::split(&k) else {
                    return Err(self.corrupt("malformed version key"));
                };
                if current.as_deref() != Some(user.as_slice()) {
                    current = Some(user);
                    settled = false;
                }
                if version > horizon {
                    // newer than any snapshot's horizon: keep
                } else if settled {
                    batch.ops.push((k.clone(), None));
                } else {
                    settled = true;
                    if v.first() == Some(&0) {
                        batch.ops.push((k.clone(), None));
                    }
                }
                cursor = Bound::Excluded(k);
            }
            if !batch.ops.is_empty() {
                removed += batch.ops.len();
                self.kv.apply(&batch, false)?;
            }
            if done {
                return Ok(removed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{IsolationLevel, Store, StoreOptions};
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    /// A commit that makes a checkpoint due starts it on its own thread: it
    /// does not run it (or skip it) on the committing thread, so a running
    /// checkpoint — here the test holding its lock — holds up no commit, and
    /// the due checkpoint still happens once the lock is free.
    #[test]
    fn automatic_checkpoints_run_on_their_own_thread() {
        let dir = tempfile::tempdir().unwrap();
        let opts = StoreOptions {
            checkpoint_wal_bytes: 16 * 1024,
            ..Default::default()
        };
        let store = Store::open(dir.path(), opts).unwrap();
        let inner = &store.inner;
        let before = inner.last_ckpt_lsn.load(Ordering::Acquire);
        let held = inner.ckpt.lock();
        for i in 0..300u32 {
            let mut t = store.begin(IsolationLevel::ReadCommitted);
            t.set(format!("k{i}").as_bytes(), vec![0u8; 100]).unwrap();
            t.commit().unwrap();
        }
        assert!(inner.wal.as_ref().unwrap().insert_lsn() - before > 16 * 1024);
        assert_eq!(inner.last_ckpt_lsn.load(Ordering::Acquire), before);
        assert!(inner.ckpt_running.load(Ordering::Acquire));
        drop(held);
        let deadline = Instant::now() + Duration::from_secs(20);
        while inner.last_ckpt_lsn.load(Ordering::Acquire) == before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(inner.last_ckpt_lsn.load(Ordering::Acquire) > before);
        // The manual checkpoint joins the automatic one's thread.
        store.checkpoint().unwrap();
        assert!(inner.ckpt_thread.lock().is_none());
        assert!(!inner.ckpt_running.load(Ordering::Acquire));
    }
}
