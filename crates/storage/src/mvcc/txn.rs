//! [`Transaction`]: buffered writes, snapshot reads, row locks, commit.

use super::{keys, Inner, ScanIter, SnapshotGuard};
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
    pub fn commit(self) -> Result<CommitInfo> {
        self.commit_deferred()?.complete()
    }

    /// [`Transaction::commit`] up to the wait for durability: the WAL record
    /// is written and applied, and the returned [`PendingCommit`] holds the
    /// locks until [`PendingCommit::complete`] has seen the record durable
    /// and made the commit visible. Lets a server await the fsync
    /// ([`PendingCommit::durable`]) without blocking a thread. A commit with
    /// nothing to wait for (no writes, no WAL, `synchronous_commit` off, or
    /// alone in the store, which leads its own fsync here) comes back
    /// complete.
    pub fn commit_deferred(mut self) -> Result<PendingCommit> {
        let applied = match self.apply_commit() {
            Ok(a) => a,
            Err(e) => {
                self.finish();
                return Err(e);
            }
        };
        let mut pending = PendingCommit {
            txn: Some(self),
            applied,
        };
        if applied.wait == DurableWait::Deferred {
            return Ok(pending);
        }
        if applied.wait == DurableWait::Lead {
            let wal = pending.txn.as_ref().and_then(|t| t.inner().wal.as_ref());
            // None: another thread is fsyncing; await that one like the rest.
            // Some (durable, or failed): complete below.
            if wal
                .and_then(|w| w.try_lead_durable(applied.info.lsn))
                .is_none()
            {
                pending.applied.wait = DurableWait::Deferred;
                return Ok(pending);
            }
        }
        pending.complete_now()?;
        Ok(pending)
    }

    /// Checks conflicts, appends the WAL record and applies it to the KV,
    /// all under the commit mutex.
    fn apply_commit(&mut self) -> Result<Applied> {
        let inner = self.snap.inner.clone();
        if self.writes.is_empty() {
            let lsn = inner.wal.as_ref().map_or(0, |w| w.insert_lsn());
            return Ok(Applied {
                info: CommitInfo {
                    lsn,
                    commit_ts_micros: now_micros(),
                },
                version: 0,
                wait: DurableWait::None,
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
        // No meta values: the KV's commits are not durable, so the applied
        // LSN and last version only matter as of the next checkpoint, which
        // writes them (a second table per commit cost ~a fifth of the apply).
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
        let wait = match &inner.wal {
            Some(_) if inner.sync_commit && alone => DurableWait::Lead,
            Some(_) if inner.sync_commit => DurableWait::Deferred,
            _ => DurableWait::None,
        };
        Ok(Applied {
            info: CommitInfo {
                lsn,
                commit_ts_micros: ts,
            },
            version,
            wait,
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

/// How a commit waits for its WAL record to be durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DurableWait {
    /// Nothing to wait for (no writes, no WAL, or `synchronous_commit` off).
    None,
    /// Alone in the store: lead the fsync on this thread (no hand-off);
    /// becomes `Deferred` when another thread's fsync is under way.
    Lead,
    /// Others are open: the flusher thread was asked to fsync; wait for it
    /// (asynchronously through [`PendingCommit::durable`], or handing the
    /// async worker off).
    Deferred,
}

/// What the applying half of a commit produced.
#[derive(Debug, Clone, Copy)]
struct Applied {
    info: CommitInfo,
    version: u64,
    wait: DurableWait,
}

/// A commit written to the WAL and applied, not yet known durable or made
/// visible (see [`Transaction::commit_deferred`]). It keeps the
/// transaction's row locks until [`PendingCommit::complete`]; dropping it
/// completes it (waiting for the fsync).
#[must_use]
pub struct PendingCommit {
    /// Some until completed.
    txn: Option<Transaction>,
    applied: Applied,
}

impl std::fmt::Debug for PendingCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCommit")
            .field("lsn", &self.applied.info.lsn)
            .field("complete", &self.txn.is_none())
            .finish()
    }
}

impl PendingCommit {
    /// True once the commit is durable and visible and its locks are gone.
    pub fn is_complete(&self) -> bool {
        self.txn.is_none()
    }

    /// A future that resolves once the commit's WAL record is durable (or
    /// the log has failed); None when there is nothing to wait for.
    pub fn durable(&self) -> Option<Durable> {
        let txn = self.txn.as_ref()?;
        (self.applied.wait == DurableWait::Deferred).then(|| Durable {
            inner: txn.inner().clone(),
            lsn: self.applied.info.lsn,
        })
    }

    /// Waits (handing the async worker off) until the record is durable
    /// unless it already is, makes the commit visible, releases the row
    /// locks and starts a checkpoint when one is due.
    pub fn complete(mut self) -> Result<CommitInfo> {
        self.complete_now()
    }

    fn complete_now(&mut self) -> Result<CommitInfo> {
        let Some(mut txn) = self.txn.take() else {
            return Ok(self.applied.info);
        };
        let inner = txn.inner().clone();
        let lsn = self.applied.info.lsn;
        let durable = match (&inner.wal, self.applied.wait) {
            (Some(wal), DurableWait::Lead) => wal.wait_durable(lsn),
            (Some(wal), DurableWait::Deferred) => wal.wait_durable_handing_off(lsn),
            _ => Ok(()),
        };
        if durable.is_ok() && self.applied.version > 0 {
            inner
                .visible
                .fetch_max(self.applied.version, Ordering::AcqRel);
        }
        txn.finish();
        durable?;
        if self.applied.version > 0 {
            inner.maybe_checkpoint();
        }
        Ok(self.applied.info)
    }
}

impl Drop for PendingCommit {
    fn drop(&mut self) {
        if let Err(e) = self.complete_now() {
            tracing::error!(error = %e, "a commit dropped before completion did not become durable");
        }
    }
}

/// Resolves once a commit's WAL record is durable ([`PendingCommit::durable`]).
pub struct Durable {
    inner: Arc<Inner>,
    lsn: u64,
}

impl std::future::Future for Durable {
    type Output = Result<()>;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<()>> {
        match &self.inner.wal {
            Some(wal) => wal.poll_durable(self.lsn, cx),
            None => std::task::Poll::Ready(Ok(())),
        }
    }
}
