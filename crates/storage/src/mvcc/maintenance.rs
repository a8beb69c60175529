//! Checkpoints and vacuum (garbage collection of old versions).

use super::{keys, Inner, META_CHECKPOINT_LSN, META_TXID_FLOOR};
use crate::error::Result;
use crate::kv::WriteBatch;
use std::ops::Bound;
use std::sync::atomic::Ordering;

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

    /// Runs a checkpoint if enough WAL was written since the last one and no
    /// other checkpoint is running. Errors are logged: the caller's commit is
    /// already durable.
    pub(crate) fn maybe_checkpoint(&self) {
        let Some(wal) = &self.wal else { return };
        let since = wal
            .insert_lsn()
            .saturating_sub(self.last_ckpt_lsn.load(Ordering::Acquire));
        if since < self.checkpoint_bytes {
            return;
        }
        if let Some(_g) = self.ckpt.try_lock() {
            // A full vacuum pass: on an async worker (commits run there),
            // hand the worker's other connections off first.
            crate::wait::blocking_wait(&mut || {
                if let Err(e) = self.checkpoint_locked(true) {
                    tracing::warn!(error = %e, "automatic checkpoint failed");
                }
            });
        }
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
