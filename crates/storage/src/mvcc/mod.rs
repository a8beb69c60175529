//! Multi-version concurrency control on top of a [`KvEngine`].
//!
//! Committed versions live in the KV (see [`keys`]). A snapshot is a commit
//! version: it sees, per key, the newest version at or below it. Commits get
//! versions in WAL order under the commit mutex, and become visible to new
//! snapshots (`visible`) only once their WAL record is durable.

pub mod keys;
mod maintenance;
mod row_cache;
mod scan;
mod store;
mod txn;

pub use scan::ScanIter;
pub use store::{ArchiveCallback, Store, StoreOptions};
pub use txn::{Durable, OwnWrites, PendingCommit, Transaction, WriteThrough};

use crate::error::{Result, StorageError};
use crate::kv::KvEngine;
use crate::lock::LockTable;
use crate::wal::Wal;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Meta value: LSN up to which the durable KV state is complete.
pub(crate) const META_CHECKPOINT_LSN: &str = "checkpoint_lsn";
/// Meta value: end LSN of the last commit applied to the KV, as of the last
/// checkpoint or recovery (commits do not write it: their KV commits are not
/// durable).
pub(crate) const META_APPLIED_LSN: &str = "applied_lsn";
/// Meta value: highest commit version applied to the KV, as of the last
/// checkpoint or recovery.
pub(crate) const META_LAST_VERSION: &str = "last_version";
/// Meta value: transaction ids after a restart start at or above this.
pub(crate) const META_TXID_FLOOR: &str = "txid_floor";

/// State protected by the commit mutex.
pub(crate) struct CommitState {
    pub last_version: u64,
    pub applied_lsn: u64,
    pub last_ts: i64,
}

/// Shared state of a store. Field order is drop order: the KV and the WAL
/// close before the directory lock is released.
pub(crate) struct Inner {
    pub kv: Box<dyn KvEngine>,
    pub wal: Option<Wal>,
    pub kv_path: PathBuf,
    pub commit: Mutex<CommitState>,
    pub visible: AtomicU64,
    pub next_txid: AtomicU64,
    pub locks: LockTable,
    pub snapshots: Mutex<BTreeMap<u64, usize>>,
    /// Transactions begun and not yet committed or rolled back.
    pub open_transactions: std::sync::atomic::AtomicUsize,
    pub sync_commit: bool,
    pub checkpoint_bytes: u64,
    pub ckpt: Mutex<()>,
    /// An automatic checkpoint's thread is running (see `maybe_checkpoint`).
    pub ckpt_running: std::sync::atomic::AtomicBool,
    /// The last automatic checkpoint's thread, joined by `Store::checkpoint`.
    pub ckpt_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Newest committed `(version, value)` of the keys read with
    /// [`Transaction::get_hot`]; kept current by commits under the commit mutex.
    pub hot: HotKeys,
    /// Newest committed versions of recently point-read keys.
    pub rows: row_cache::RowCache,
    pub last_ckpt_lsn: AtomicU64,
    pub _dir_lock: Option<std::fs::File>,
}

/// In-memory copies of a few small, often-read keys (catalog version stamps),
/// so that reading them costs a map lookup instead of a KV range scan.
pub(crate) type HotKeys = parking_lot::RwLock<std::collections::HashMap<Vec<u8>, HotValue>>;

/// Newest committed version of a hot key and its value (`(0, None)`: never written).
pub(crate) type HotValue = (u64, Option<Vec<u8>>);

impl Inner {
    /// Starts caching `user`: reads its newest committed version under the
    /// commit mutex, so no commit can slip between the read and the insert.
    pub fn load_hot(&self, user: &[u8]) -> Result<HotValue> {
        let _c = self.commit.lock();
        let newest = self.read_version(user, u64::MAX)?.unwrap_or((0, None));
        self.hot.write().insert(user.to_vec(), newest.clone());
        Ok(newest)
    }

    /// Called by a commit (holding the commit mutex, after the KV apply):
    /// refreshes the cached keys among `writes`.
    pub fn update_hot(&self, version: u64, writes: &BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
        let touched = {
            let hot = self.hot.read();
            !hot.is_empty() && hot.keys().any(|k| writes.contains_key(k))
        };
        if touched {
            let mut hot = self.hot.write();
            for (k, cached) in hot.iter_mut() {
                if let Some(v) = writes.get(k) {
                    *cached = (version, v.clone());
                }
            }
        }
    }

    /// Newest version of `user` at or below `max`: `(version, value-or-tombstone)`.
    pub fn read_version(&self, user: &[u8], max: u64) -> Result<Option<(u64, Option<Vec<u8>>)>> {
        let (start, end) = keys::versions_upto(user, max);
        let rows = self.kv.scan(
            Bound::Included(start.as_slice()),
            Bound::Included(end.as_slice()),
            1,
        )?;
        let Some((k, v)) = rows.into_iter().next() else {
            return Ok(None);
        };
        let (_, version) = keys::split(&k).ok_or_else(|| self.corrupt("malformed version key"))?;
        let value =
            keys::decode_value(&v).ok_or_else(|| self.corrupt("malformed version value"))?;
        Ok(Some((version, value)))
    }

    /// Version of the newest committed (applied) change of `user`, or 0.
    pub fn latest_version(&self, user: &[u8]) -> Result<u64> {
        Ok(self.read_version(user, u64::MAX)?.map_or(0, |(v, _)| v))
    }

    /// A corruption error about the KV file.
    pub fn corrupt(&self, reason: &str) -> StorageError {
        StorageError::Corrupt {
            path: self.kv_path.clone(),
            offset: 0,
            reason: reason.to_string(),
        }
    }

    /// Oldest version any live snapshot may read (versions shadowed at or
    /// below it are garbage).
    pub fn horizon(&self) -> u64 {
        let snaps = self.snapshots.lock();
        snaps
            .keys()
            .next()
            .copied()
            .unwrap_or_else(|| self.visible.load(Ordering::Acquire))
    }
}

/// A registered snapshot: keeps vacuum from removing versions it can see.
pub(crate) struct SnapshotGuard {
    pub inner: Arc<Inner>,
    pub version: u64,
}

impl SnapshotGuard {
    /// Takes a snapshot of everything visible now.
    pub fn take(inner: &Arc<Inner>) -> SnapshotGuard {
        let mut snaps = inner.snapshots.lock();
        let version = inner.visible.load(Ordering::Acquire);
        *snaps.entry(version).or_insert(0) += 1;
        drop(snaps);
        SnapshotGuard {
            inner: inner.clone(),
            version,
        }
    }
}

impl Clone for SnapshotGuard {
    fn clone(&self) -> Self {
        *self.inner.snapshots.lock().entry(self.version).or_insert(0) += 1;
        SnapshotGuard {
            inner: self.inner.clone(),
            version: self.version,
        }
    }
}

impl Drop for SnapshotGuard {
    fn drop(&mut self) {
        let mut snaps = self.inner.snapshots.lock();
        if let Some(n) = snaps.get_mut(&self.version) {
            *n -= 1;
            if *n == 0 {
                snaps.remove(&self.version);
            }
        }
    }
}
