//! [`Transaction`]: buffered writes, snapshot reads, row locks, commit.

use super::{keys, Inner, ScanIter, SnapshotGuard, META_APPLIED_LSN, META_LAST_VERSION};
use crate::error::{Result, StorageError};
use crate::kv::WriteBatch;
use crate::wal::record;
use crate::{CommitInfo, IsolationLevel};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A transaction's own writes (key → new value, `None` for a deletion).
pub type OwnWrites = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// `(key, previous entry in the write set)`: `None` when the key was not written.
type UndoEntry = (Vec<u8>, Option<Option<Vec<u8>>>);

/// A step begun by [`Transaction::begin_write_through`].
#[must_use]
pub struct WriteThrough {
    view: Option<Arc<OwnWrites>>,
    depth: usize,
}

/// A transaction. Owned and `Send` (it may be held across `.await`).
/// Writes are buffered privately until [`Transaction::commit`]; reads see the
/// snapshot plus the transaction's own writes. Dropping it rolls it back.
pub struct Transaction {
    id: u64,
    iso: IsolationLevel,
    snap: SnapshotGuard,
    writes: OwnWrites,
    /// When set, snapshot reads overlay these own writes (an earlier state of
    /// `writes`) instead of the current ones: the parts of a statement with
    /// data-modifying CTEs read as of the statement's start (see
    /// [`Transaction::set_read_view`]).
    read_view: Option<Arc<OwnWrites>>,
    /// `(key, previous entry in writes)`, recorded while a savepoint exists.
    undo: Vec<UndoEntry>,
    /// Undo-log length at each open savepoint.
    savepoints: Vec<usize>,
    finished: bool,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("id", &self.id)
            .field("isolation", &self.iso)
            .field("snapshot", &self.snap.version)
            .field("writes", &self.writes.len())
            .finish()
    }
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

impl Transaction {
    pub(crate) fn new(id: u64, iso: IsolationLevel, snap: SnapshotGuard) -> Self {
        snap.inner.open_transactions.fetch_add(1, Ordering::AcqRel);
        Transaction {
            id,
            iso,
            snap,
            writes: BTreeMap::new(),
            read_view: None,
            undo: Vec::new(),
            savepoints: Vec::new(),
            finished: false,
        }
    }

    fn inner(&self) -> &Arc<Inner> {
        &self.snap.inner
    }

    /// Transaction id (`txid_current`); unique within a store's lifetime and
    /// increasing across restarts as long as transactions commit.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The isolation level given at begin.
    pub fn isolation(&self) -> IsolationLevel {
        self.iso
    }

    /// Whether the transaction has written anything (a commit without writes
    /// neither touches the WAL nor waits for an fsync).
    pub fn has_writes(&self) -> bool {
        !self.writes.is_empty()
    }

    /// Commit version of the current snapshot.
    pub fn snapshot_version(&self) -> u64 {
        self.snap.version
    }

    /// The own writes snapshot reads see: the read view when one is set.
    fn own_reads(&self) -> &OwnWrites {
        self.read_view.as_deref().unwrap_or(&self.writes)
    }

    /// A copy of the own writes as they are now, for [`Transaction::set_read_view`].
    pub fn own_writes_now(&self) -> Arc<OwnWrites> {
        Arc::new(self.writes.clone())
    }

    /// Makes snapshot reads ([`Transaction::get`], [`Transaction::scan`],
    /// [`Transaction::count_prefix`]) overlay `view` instead of the current
    /// own writes, or the current ones again (`None`); returns the view it
    /// replaces. Writes, row locks and the `_latest` reads (constraint and
    /// lock re-checks) always see every own write.
    pub fn set_read_view(&mut self, view: Option<Arc<OwnWrites>>) -> Option<Arc<OwnWrites>> {
        std::mem::replace(&mut self.read_view, view)
    }

    /// Whether an own write to `key` came after the read view was taken (the
    /// key reads differently through the view than through the own writes);
    /// false without a read view.
    pub fn changed_since_read_view(&self, key: &[u8]) -> bool {
        self.read_view
            .as_ref()
            .is_some_and(|view| view.get(key) != self.writes.get(key))
    }

    /// Value of `key` in the snapshot, overlaid with own writes. The newest
    /// committed version comes from the row cache when the snapshot sees it
    /// (see `row_cache`); a miss reads the newest version from the KV and
    /// caches it.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(v) = self.own_reads().get(key) {
            return Ok(v.clone());
        }
        let inner = self.inner();
        if let Some(v) = inner.rows.get(key, self.snap.version) {
            return Ok(v);
        }
        let stamp = inner.rows.stamp();
        let newest = inner.read_version(key, u64::MAX)?.unwrap_or((0, None));
        inner.rows.fill(stamp, key, &newest);
        if newest.0 <= self.snap.version {
            return Ok(newest.1);
        }
        Ok(inner
            .read_version(key, self.snap.version)?
            .and_then(|(_, v)| v))
    }

    /// Same as [`Transaction::get`], for small keys read by almost every
    /// statement (catalog version stamps): the newest committed version is
    /// kept in memory, and the KV is read only when this snapshot is older
    /// than it. Do not use it for ordinary data: every key read this way stays
    /// cached for the life of the store.
    pub fn get_hot(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(v) = self.writes.get(key) {
            return Ok(v.clone());
        }
        let inner = self.inner();
        let cached = inner.hot.read().get(key).cloned();
        let (version, value) = match cached {
            Some(c) => c,
            None => inner.load_hot(key)?,
        };
        if version <= self.snap.version {
            // The newest committed version is in this snapshot, so it is the
            // newest version at or below the snapshot.
            return Ok(value);
        }
        self.get(key)
    }

    /// Latest committed value (ignoring the snapshot) merged with own writes:
    /// the READ COMMITTED re-check after a lock wait.
    pub fn get_latest(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(v) = self.writes.get(key) {
            return Ok(v.clone());
        }
        let visible = self.inner().visible.load(Ordering::Acquire);
        Ok(self
            .inner()
            .read_version(key, visible)?
            .and_then(|(_, v)| v))
    }

    /// Ordered scan of `start..end` (snapshot plus own writes as of now). The
    /// iterator owns its data and reads the KV in chunks; it yields
    /// `Ok((key, value))` in ascending key order.
    pub fn scan(&self, start: Bound<Vec<u8>>, end: Bound<Vec<u8>>) -> Result<ScanIter> {
        let overlay: Vec<(Vec<u8>, Option<Vec<u8>>)> = if keys::bounds_ok(&start, &end) {
            self.own_reads()
                .range::<Vec<u8>, _>((start.clone(), end.clone()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        } else {
            Vec::new()
        };
        Ok(ScanIter::new(self.snap.clone(), &start, &end, overlay))
    }

    /// Scan of every key starting with `prefix`.
    pub fn scan_prefix(&self, prefix: &[u8]) -> Result<ScanIter> {
        let end = match crate::key::prefix_successor(prefix) {
            Some(s) => Bound::Excluded(s),
            None => Bound::Unbounded,
        };
        self.scan(Bound::Included(prefix.to_vec()), end)
    }

    /// How many keys start with `prefix` (as [`Transaction::scan_prefix`]
    /// would yield), without copying them out of the KV engine when the
    /// transaction has not written under the prefix itself.
    pub fn count_prefix(&self, prefix: &[u8]) -> Result<usize> {
        let end = match crate::key::prefix_successor(prefix) {
            Some(s) => Bound::Excluded(s),
            None => Bound::Unbounded,
        };
        let start = Bound::Included(prefix.to_vec());
        let own_writes = self
            .own_reads()
            .range::<Vec<u8>, _>((start.clone(), end.clone()))
            .next()
            .is_some();
        if own_writes {
            let mut n = 0;
            for item in self.scan(start, end)? {
                item?;
                n += 1;
            }
            return Ok(n);
        }
        super::scan::count_visible(&self.snap, &start, &end)
    }

    /// Scan of every key starting with `prefix` over the newest committed
    /// data instead of this snapshot, plus own writes: the READ COMMITTED
    /// view a REPEATABLE READ transaction's DDL needs of the catalog.
    pub fn scan_prefix_latest(&self, prefix: &[u8]) -> Result<ScanIter> {
        let end = match crate::key::prefix_successor(prefix) {
            Some(s) => Bound::Excluded(s),
            None => Bound::Unbounded,
        };
        let start = Bound::Included(prefix.to_vec());
        let overlay = self
            .writes
            .range::<Vec<u8>, _>((start.clone(), end.clone()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(ScanIter::new(
            SnapshotGuard::take(self.inner()),
            &start,
            &end,
            overlay,
        ))
    }

    fn write(&mut self, key: &[u8], value: Option<Vec<u8>>) {
        let prev = self.writes.insert(key.to_vec(), value);
        if !self.savepoints.is_empty() {
            self.undo.push((key.to_vec(), prev));
        }
    }

    /// Buffers a put of `key`.
    pub fn set(&mut self, key: &[u8], value: Vec<u8>) -> Result<()> {
        self.write(key, Some(value));
        Ok(())
    }

    /// Buffers a delete of `key`.
    pub fn delete(&mut self, key: &[u8]) -> Result<()> {
        self.write(key, None);
        Ok(())
    }

    /// Row lock held until the transaction ends. Waits (blocking the thread)
    /// while another live transaction holds it; `Err(Deadlock)` if waiting
    /// would close a cycle. In REPEATABLE READ/SERIALIZABLE,
    /// `Err(SerializationFailure)` if the key has a committed version newer
    /// than this transaction's snapshot.
    pub fn lock_key(&mut self, key: &[u8]) -> Result<()> {
        self.inner().locks.lock(self.id, key)?;
        if self.iso != IsolationLevel::ReadCommitted
            && self.inner().latest_version(key)? > self.snap.version
        {
            return Err(StorageError::SerializationFailure);
        }
        Ok(())
    }

    /// [`Transaction::lock_key`] without waiting: Ok(false) when another
    /// live transaction holds the lock (NOWAIT / SKIP LOCKED).
    pub fn try_lock_key(&mut self, key: &[u8]) -> Result<bool> {
        if !self.inner().locks.try_lock(self.id, key) {
            return Ok(false);
        }
        if self.iso != IsolationLevel::ReadCommitted
            && self.inner().latest_version(key)? > self.snap.version
        {
            return Err(StorageError::SerializationFailure);
        }
        Ok(true)
    }

    /// READ COMMITTED: take a fresh snapshot (at each statement start).
    /// No-op under REPEATABLE READ and SERIALIZABLE.
    pub fn refresh_snapshot(&mut self) {
        if self.iso == IsolationLevel::ReadCommitted {
            self.snap = SnapshotGuard::take(&self.snap.inner);
        }
    }

    /// Starts a step that reads every own write although a read view is set
    /// (a referential action inside a statement with data-modifying WITH
    /// queries); [`Transaction::end_write_through`] ends it. Without a read
    /// view there is nothing to do.
    pub fn begin_write_through(&mut self) -> WriteThrough {
        let view = self.read_view.take();
        let depth = if view.is_some() { self.savepoint() } else { 0 };
        WriteThrough { view, depth }
    }

    /// Ends a [`Transaction::begin_write_through`] step: the read view comes
    /// back with the step's writes added, so the statement's other parts
    /// read them as their own (a row a cascade changed is not "changed by
    /// another part" to them).
    pub fn end_write_through(&mut self, step: WriteThrough) {
        let Some(mut view) = step.view else { return };
        let mark = step
            .depth
            .checked_sub(1)
            .and_then(|d| self.savepoints.get(d).copied());
        if let Some(mark) = mark {
            let v = Arc::make_mut(&mut view);
            for (key, _) in &self.undo[mark.min(self.undo.len())..] {
                match self.writes.get(key) {
                    Some(value) => v.insert(key.clone(), value.clone()),
                    None => v.remove(key),
                };
            }
            self.release_savepoint(step.depth);
        }
        self.read_view = Some(view);
    }

    /// Opens a savepoint; returns its depth (1 for the outermost).
    pub fn savepoint(&mut self) -> usize {
        self.savepoints.push(self.undo.len());
        self.savepoints.len()
    }

    /// Undoes the writes made since savepoint `depth`, which stays open
    /// (savepoints nested inside it are gone). Unknown depths are ignored.
    pub fn rollback_to_savepoint(&mut self, depth: usize) {
        if depth == 0 || depth > self.savepoints.len() {
            return;
        }
        let mark = self.savepoints[depth - 1];
        while self.undo.len() > mark {
            let Some((key, prev)) = self.undo.pop() else {
                break;
            };
            match prev {
                Some(v) => self.writes.insert(key, v),
                None => self.writes.remove(&key),
            };
        }
        self.savepoints.truncate(depth);
    }

    /// Releases savepoint `depth` and those nested inside it, keeping their
    /// writes. Unknown depths are ignored.
    pub fn release_savepoint(&mut self, depth: usize) {
        if depth == 0 || depth > self.savepoints.len() {
            return;
        }
        self.savepoints.truncate(depth - 1);
        if self.savepoints.is_empty() {
            self.undo.clear();
        }
    }

    /// Commits: checks write conflicts (REPEATABLE READ/SERIALIZABLE: first
    /// committer wins), writes the WAL record, applies it, waits for the fsync
    /// (group commit), makes it visible, and releases the locks.
    pub fn commit(mut self) -> Result<CommitInfo> {
        let wrote = self.has_writes();
        let res = self.commit_inner();
        self.finish();
        if res.is_ok() && wrote {
            self.inner().maybe_checkpoint();
        }
        res
    }

    fn commit_inner(&mut self) -> Result<CommitInfo> {
        let inner = self.snap.inner.clone();
        if self.writes.is_empty() {
            let lsn = inner.wal.as_ref().map_or(0, |w| w.insert_lsn());
            return Ok(CommitInfo {
                lsn,
                commit_ts_micros: now_micros(),
            });
        }
        if inner.wal.as_ref().is_some_and(|w| w.is_poisoned()) {
            return Err(StorageError::WalFailed);
        }
        let mut c = inner.commit.lock();
        if self.iso != IsolationLevel::ReadCommitted {
            for key in self.writes.keys() {
                if inner.latest_version(key)? > self.snap.version {
                    return Err(StorageError::SerializationFailure);
                }
            }
        }
        // No other transaction open: nothing to overlap the fsync with,
        // nobody to hand the async worker to (see `crate::wal`).
        let alone = inner.open_transactions.load(Ordering::Acquire) <= 1;
        let version = c.last_version + 1;
        let ts = now_micros().max(c.last_ts + 1);
        let lsn = match &inner.wal {
            Some(wal) => {
                let payload = record::encode_commit(version, ts, self.writes.iter());
                if payload.len() > record::MAX_PAYLOAD {
                    return Err(StorageError::TransactionTooLarge {
                        bytes: payload.len(),
                        limit: record::MAX_PAYLOAD,
                    });
                }
                let lsn = wal.append(&payload)?;
                if inner.sync_commit && !alone {
                    // The fsync runs while this commit applies to the KV.
                    wal.start_flush();
                }
                lsn
            }
            None => 0,
        };
        let mut batch = WriteBatch::default();
        for (k, v) in &self.writes {
            batch.ops.push((
                keys::version_key(k, version),
                Some(keys::encode_value(v.as_deref())),
            ));
        }
        batch.meta = vec![
            (META_APPLIED_LSN, lsn.to_le_bytes().to_vec()),
            (META_LAST_VERSION, version.to_le_bytes().to_vec()),
        ];
        if let Err(e) = inner.kv.apply(&batch, false) {
            if let Some(wal) = &inner.wal {
                wal.poison_external("KV apply", &e);
            }
            return Err(e);
        }
        inner.rows.invalidate(self.writes.keys());
        inner.update_hot(version, &self.writes);
        c.last_version = version;
        c.applied_lsn = lsn;
        c.last_ts = ts;
        drop(c);
        if let Some(wal) = &inner.wal {
            if inner.sync_commit {
                // Alone, lead the fsync on this thread (no hand-off); with
                // other transactions open, give the async worker to them
                // for the wait, as for a lock.
                if alone {
                    wal.wait_durable(lsn)?;
                } else {
                    wal.wait_durable_handing_off(lsn)?;
                }
            }
        }
        inner.visible.fetch_max(version, Ordering::AcqRel);
        Ok(CommitInfo {
            lsn,
            commit_ts_micros: ts,
        })
    }

    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.inner()
                .open_transactions
                .fetch_sub(1, Ordering::AcqRel);
            self.inner().locks.release_all(self.id);
        }
    }

    /// Discards all writes and releases the locks (also done on drop).
    pub fn rollback(mut self) {
        self.finish();
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        self.finish();
    }
}
