//! [`Store`]: opening, crash recovery and transaction creation.

use super::{
    keys, CommitState, Inner, SnapshotGuard, Transaction, META_APPLIED_LSN, META_CHECKPOINT_LSN,
    META_LAST_VERSION, META_TXID_FLOOR,
};
use crate::error::{Result, StorageError};
use crate::kv::{get_meta_u64, KvEngine, MemEngine, RedbEngine, WriteBatch};
use crate::wal::{record, recover, Wal};
use crate::IsolationLevel;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Callback archiving one completed WAL segment (given its path).
pub type ArchiveCallback = Box<dyn Fn(&Path) -> std::io::Result<()> + Send + Sync>;

/// Options of [`Store::open`].
pub struct StoreOptions {
    /// When true (the default) a commit returns only after its WAL record is
    /// fsynced. When false it returns at once; the WAL is fsynced by later
    /// synchronous work (checkpoints, close) and a crash may lose recent commits.
    pub synchronous_commit: bool,
    /// Take a checkpoint after this many bytes of WAL (default 64 MiB).
    pub checkpoint_wal_bytes: u64,
    /// Called (on a background thread, retried until it succeeds) with each
    /// completed WAL segment. Segments are deleted only once archived.
    pub archive: Option<ArchiveCallback>,
    /// Size at which a WAL segment is closed and a new one started (default 16 MiB).
    pub wal_segment_bytes: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            synchronous_commit: true,
            checkpoint_wal_bytes: 64 << 20,
            archive: None,
            wal_segment_bytes: 16 << 20,
        }
    }
}

impl std::fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreOptions")
            .field("synchronous_commit", &self.synchronous_commit)
            .field("checkpoint_wal_bytes", &self.checkpoint_wal_bytes)
            .field("archive", &self.archive.is_some())
            .field("wal_segment_bytes", &self.wal_segment_bytes)
            .finish()
    }
}

/// A transactional MVCC key-value store. Cheap to clone (an `Arc` inside);
/// `Send + Sync`.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.kv_path)
            .field(
                "visible_version",
                &self.inner.visible.load(Ordering::Relaxed),
            )
            .finish()
    }
}

/// Accumulates replayed WAL records into KV batches.
struct Replayer<'a> {
    kv: &'a dyn KvEngine,
    batch: WriteBatch,
    last_version: u64,
    applied: u64,
    records: u64,
}

impl Replayer<'_> {
    fn record(&mut self, end_lsn: u64, payload: &[u8], wal_dir: &Path) -> Result<()> {
        let rec = record::decode_commit(payload).ok_or_else(|| StorageError::Corrupt {
            path: wal_dir.to_path_buf(),
            offset: end_lsn,
            reason: "WAL record with valid checksum does not decode".into(),
        })?;
        for (k, v) in &rec.writes {
            self.batch.ops.push((
                keys::version_key(k, rec.version),
                Some(keys::encode_value(v.as_deref())),
            ));
        }
        self.last_version = self.last_version.max(rec.version);
        self.applied = end_lsn;
        self.records += 1;
        if self.batch.ops.len() >= 4096 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.batch.ops.is_empty() {
            return Ok(());
        }
        self.batch.meta = vec![
            (META_APPLIED_LSN, self.applied.to_le_bytes().to_vec()),
            (META_LAST_VERSION, self.last_version.to_le_bytes().to_vec()),
        ];
        self.kv.apply(&self.batch, false)?;
        self.batch = WriteBatch::default();
        Ok(())
    }
}

impl Store {
    /// Opens (creating if absent) the data directory `dir` (holding
    /// `data.redb`, `wal/`, `FORMAT` and `storage.lock`) and runs crash
    /// recovery: WAL records after the KV's applied position are replayed, a
    /// torn tail is truncated, and a checkpoint is taken.
    pub fn open(dir: &Path, opts: StoreOptions) -> Result<Store> {
        let dir_lock = crate::dir::prepare(dir)?;
        let kv_path = dir.join("data.redb");
        let kv = RedbEngine::open(&kv_path)?;
        let wal_dir = dir.join("wal");
        std::fs::create_dir_all(&wal_dir).map_err(|e| StorageError::io(&wal_dir, e))?;
        let ckpt = get_meta_u64(&kv, META_CHECKPOINT_LSN)?;
        let applied = get_meta_u64(&kv, META_APPLIED_LSN)?;
        let from = ckpt.max(applied);
        let txid_floor = get_meta_u64(&kv, META_TXID_FLOOR)?;
        let mut rp = Replayer {
            kv: &kv,
            batch: WriteBatch::default(),
            last_version: get_meta_u64(&kv, META_LAST_VERSION)?,
            applied: from,
            records: 0,
        };
        let recovered = recover::replay(&wal_dir, from, |end, payload| {
            rp.record(end, payload, &wal_dir)
        })?;
        rp.flush()?;
        if rp.records > 0 {
            tracing::info!(
                records = rp.records,
                from,
                to = recovered.end,
                "replayed WAL"
            );
        }
        let last_version = rp.last_version;
        let end = recovered.end;
        let archive = opts.archive.map(Arc::from);
        let wal = Wal::open(&wal_dir, recovered, opts.wal_segment_bytes, archive)?;
        let inner = Inner {
            kv: Box::new(kv),
            wal: Some(wal),
            kv_path,
            commit: Mutex::new(CommitState {
                last_version,
                applied_lsn: end,
                last_ts: 0,
            }),
            visible: AtomicU64::new(last_version),
            next_txid: AtomicU64::new(txid_floor.max(last_version + 1)),
            locks: Default::default(),
            snapshots: Mutex::new(BTreeMap::new()),
            open_transactions: Default::default(),
            sync_commit: opts.synchronous_commit,
            checkpoint_bytes: opts.checkpoint_wal_bytes.max(1),
            ckpt: Mutex::new(()),
            ckpt_running: Default::default(),
            ckpt_thread: Default::default(),
            hot: Default::default(),
            rows: Default::default(),
            last_ckpt_lsn: AtomicU64::new(ckpt),
            _dir_lock: Some(dir_lock),
        };
        let store = Store {
            inner: Arc::new(inner),
        };
        // Make the recovered state durable (no vacuum: that is a full pass).
        store.inner.checkpoint_locked(false)?;
        Ok(store)
    }

    /// A volatile store for tests: same MVCC and locking, no WAL, no files.
    pub fn in_memory() -> Store {
        let inner = Inner {
            kv: Box::new(MemEngine::new()),
            wal: None,
            kv_path: "<memory>".into(),
            commit: Mutex::new(CommitState {
                last_version: 0,
                applied_lsn: 0,
                last_ts: 0,
            }),
            visible: AtomicU64::new(0),
            next_txid: AtomicU64::new(1),
            locks: Default::default(),
            snapshots: Mutex::new(BTreeMap::new()),
            open_transactions: Default::default(),
            sync_commit: false,
            checkpoint_bytes: u64::MAX,
            ckpt: Mutex::new(()),
            ckpt_running: Default::default(),
            ckpt_thread: Default::default(),
            hot: Default::default(),
            rows: Default::default(),
            last_ckpt_lsn: AtomicU64::new(0),
            _dir_lock: None,
        };
        Store {
            inner: Arc::new(inner),
        }
    }

    /// Starts a transaction. Its snapshot is taken now (and again at each
    /// [`Transaction::refresh_snapshot`] under READ COMMITTED).
    pub fn begin(&self, iso: IsolationLevel) -> Transaction {
        let id = self.inner.next_txid.fetch_add(1, Ordering::Relaxed);
        Transaction::new(id, iso, SnapshotGuard::take(&self.inner))
    }

    /// The graph of transactions waiting for row locks, for other lock
    /// managers over the same transactions to share (deadlock detection
    /// across both).
    pub fn wait_graph(&self) -> Arc<crate::lock::WaitGraph> {
        self.inner.locks.wait_graph()
    }

    /// Transactions begun and not yet committed or rolled back (a commit
    /// alone in the store leads its own WAL fsync; see `crate::wal`).
    pub fn open_transactions(&self) -> usize {
        self.inner
            .open_transactions
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Current WAL insert LSN (0 for an in-memory store).
    pub fn current_lsn(&self) -> u64 {
        self.inner.wal.as_ref().map_or(0, |w| w.insert_lsn())
    }

    /// Version of the newest commit visible to new snapshots.
    pub fn visible_version(&self) -> u64 {
        self.inner.visible.load(Ordering::Acquire)
    }

    /// Forces a checkpoint now: vacuum, then a durable KV commit recording the
    /// applied WAL position, then removal of WAL segments wholly below it.
    /// An automatic checkpoint still running is waited for first (its
    /// thread joined, so that it holds the store open no longer).
    pub fn checkpoint(&self) -> Result<()> {
        let running = self.inner.ckpt_thread.lock().take();
        if let Some(thread) = running {
            let _ = thread.join();
        }
        let _g = self.inner.ckpt.lock();
        self.inner.checkpoint_locked(true)
    }

    /// Removes committed versions no live snapshot can see; returns how many.
    pub fn vacuum(&self) -> Result<usize> {
        self.inner.vacuum()
    }
}
