//! [`KvEngine`] on redb 4: one data table and one meta table in `data.redb`.
//!
//! Batches are buffered in memory and written in groups with
//! `Durability::None` (crash-consistent back to the last durable commit; the
//! WAL makes up the difference) unless the caller asks for durability, which
//! checkpoints do (see [`RedbEngine`] and `write_buffer`).

use super::write_buffer::{visit_merged, BufferedPair, Entries, WriteBuffer};
use super::{KvEngine, KvPair, WriteBatch};
use crate::error::{Result, StorageError};
use parking_lot::{Condvar, Mutex, RwLock};
use redb::{Database, Durability, ReadOnlyTable, ReadableDatabase, TableDefinition};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const DATA: TableDefinition<&[u8], &[u8]> = TableDefinition::new("data");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// The data table as of one generation of applied batches.
type DataTable = Arc<ReadOnlyTable<&'static [u8], &'static [u8]>>;

/// The on-disk engine.
///
/// Non-durable batches go to an in-memory [`WriteBuffer`] that the
/// `rampart-kv-flush` thread writes to redb every [`FLUSH_DELAY`] (sooner
/// past [`FLUSH_BYTES`]) in one redb transaction; a committer that finds
/// [`MAX_BUFFER_BYTES`] buffered writes them itself. Durable batches
/// (checkpoints) and batches with meta values (recovery) write the buffer and
/// themselves to redb at once. Reads see the buffer over redb.
pub struct RedbEngine {
    shared: Arc<Shared>,
    flusher: Option<std::thread::JoinHandle<()>>,
}

/// How long the flush thread lets batches gather.
const FLUSH_DELAY: Duration = Duration::from_millis(5);
/// How long the flush thread waits after a failed flush before trying again.
const FLUSH_RETRY: Duration = Duration::from_secs(1);
/// Buffered bytes that end the gathering early.
const FLUSH_BYTES: usize = 1 << 20;
/// Buffered bytes at which a committer writes the buffer itself (the flush
/// thread is behind).
const MAX_BUFFER_BYTES: usize = 16 << 20;

struct Shared {
    db: Database,
    path: PathBuf,
    /// Bumped after every redb commit.
    generation: AtomicU64,
    /// A read-only view of the data table and the generation it was opened
    /// at. Opening a redb read transaction and table costs more than a point
    /// lookup, so reads share one view until the next redb commit; the view
    /// pins at most one superseded redb snapshot.
    reader: RwLock<Option<(u64, DataTable)>>,
    buffer: RwLock<WriteBuffer>,
    /// False only while the buffer is empty, so that reads then skip its
    /// lock (a shared lock's count is a cache line both cores write). Set
    /// before a batch's commit can be visible; cleared after the redb commit
    /// holding the buffer is readable (both under the buffer's lock).
    buffered: AtomicBool,
    /// Held while the buffer is written to redb (one writer at a time, in order).
    flushing: Mutex<()>,
    /// Wakes the flush thread; true once the engine is dropped.
    wake: (Mutex<bool>, Condvar),
}

impl std::fmt::Debug for RedbEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbEngine")
            .field("path", &self.shared.path)
            .finish()
    }
}

impl RedbEngine {
    /// Opens or creates the database file at `path` and makes sure both tables exist.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, true)
    }

    /// [`RedbEngine::open`]; without `background_flush` buffered batches stay
    /// in memory until [`RedbEngine::flush`], a durable batch or
    /// [`MAX_BUFFER_BYTES`] (for tests of the merged reads).
    pub fn open_with(path: &Path, background_flush: bool) -> Result<Self> {
        let db = Database::create(path).map_err(|e| StorageError::engine(path, e))?;
        let shared = Arc::new(Shared {
            db,
            path: path.to_path_buf(),
            generation: AtomicU64::new(0),
            reader: RwLock::new(None),
            buffer: RwLock::default(),
            buffered: AtomicBool::new(false),
            flushing: Mutex::new(()),
            wake: (Mutex::new(false), Condvar::new()),
        });
        let txn = shared.db.begin_write().map_err(|e| shared.err(e))?;
        {
            txn.open_table(DATA).map_err(|e| shared.err(e))?;
            txn.open_table(META).map_err(|e| shared.err(e))?;
        }
        txn.commit().map_err(|e| shared.err(e))?;
        let flusher = if background_flush {
            let shared = shared.clone();
            Some(
                std::thread::Builder::new()
                    .name("rampart-kv-flush".into())
                    .spawn(move || shared.flush_loop())
                    .map_err(|e| StorageError::engine(path, e))?,
            )
        } else {
            None
        };
        Ok(RedbEngine { shared, flusher })
    }

    /// Writes everything buffered to redb (not durably) and returns once
    /// it is there (for tests and shutdown; the flush thread does this on
    /// its own).
    pub fn flush(&self) -> Result<()> {
        self.shared.flush()
    }
}

impl Drop for RedbEngine {
    fn drop(&mut self) {
        *self.shared.wake.0.lock() = true;
        self.shared.wake.1.notify_all();
        if let Some(t) = self.flusher.take() {
            let _ = t.join();
        }
    }
}

impl Shared {
    fn err(&self, e: impl std::fmt::Display) -> StorageError {
        StorageError::engine(&self.path, e)
    }

    /// The data table including every redb commit made before this call.
    fn data(&self) -> Result<DataTable> {
        // Read the generation before opening: a batch committed after the
        // load may or may not be in the view, but then the generation moved
        // on and the next caller opens a newer one.
        let generation = self.generation.load(Ordering::Acquire);
        if let Some((g, table)) = self.reader.read().as_ref() {
            if *g == generation {
                return Ok(table.clone());
            }
        }
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let table = Arc::new(txn.open_table(DATA).map_err(|e| self.err(e))?);
        let mut slot = self.reader.write();
        if slot.as_ref().is_none_or(|(g, _)| *g < generation) {
            *slot = Some((generation, table.clone()));
        }
        Ok(table)
    }

    /// The buffer, read-locked, unless it is empty.
    fn buffer_if_any(&self) -> Option<parking_lot::RwLockReadGuard<'_, WriteBuffer>> {
        self.buffered
            .load(Ordering::Acquire)
            .then(|| self.buffer.read())
    }

    /// The buffered entries of a range and the redb view to merge them with.
    /// The copy is taken first: a flush drops its entries from the buffer
    /// only after redb's new state is readable, so a view opened afterwards
    /// holds whatever the copy lacks.
    /// `max_puts`: see [`WriteBuffer::range`].
    fn snapshot(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        max_puts: usize,
    ) -> Result<(Vec<BufferedPair>, DataTable)> {
        // The view is opened under the buffer's lock too: no batch newer
        // than the copy can reach redb meanwhile (a flush must take the
        // lock to move it out of `active`), so the merge is one point in
        // time even for keys a later batch overwrites.
        let buffer = self.buffer_if_any();
        let buffered = buffer
            .as_ref()
            .map_or_else(Vec::new, |b| b.range(start, end, max_puts));
        Ok((buffered, self.data()?))
    }

    /// Visits a range of the buffer over redb; `f` stops after at most
    /// `max_entries` entries.
    fn visit(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        max_entries: usize,
        f: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        if super::range_is_empty(start, end) {
            return Ok(());
        }
        // `visit_raw` (our addition to the vendored redb) lends each entry's
        // bytes from its leaf page; `range` would clone and drop a page handle
        // per entry, which costs more than the rest of a count together.
        let (buffered, table) = self.snapshot(start, end, max_entries)?;
        if buffered.is_empty() {
            return table.visit_raw(start, end, f).map_err(|e| self.err(e));
        }
        visit_merged(&buffered, |g| table.visit_raw(start, end, g), f).map_err(|e| self.err(e))
    }

    /// The flush thread: waits for buffered batches, lets more gather for
    /// [`FLUSH_DELAY`] and writes them; on drop, writes what is left and ends.
    fn flush_loop(&self) {
        loop {
            let stop = {
                let mut stop = self.wake.0.lock();
                while !*stop && self.buffer.read().active.is_empty() {
                    self.wake.1.wait(&mut stop);
                }
                if !*stop && self.buffer.read().active_bytes < FLUSH_BYTES {
                    self.wake.1.wait_for(&mut stop, FLUSH_DELAY);
                }
                *stop
            };
            if let Err(e) = self.flush() {
                tracing::error!(error = %e, "writing buffered changes to the page store failed; retrying in a second");
                // The buffer keeps them (readers see them, the WAL has them).
                let mut stop = self.wake.0.lock();
                if !*stop {
                    self.wake.1.wait_for(&mut stop, FLUSH_RETRY);
                }
                if *stop {
                    return;
                }
                continue;
            }
            if stop {
                return;
            }
        }
    }

    /// Writes the buffer to redb in one transaction.
    fn flush(&self) -> Result<()> {
        self.write_out(None, false)
    }

    /// Writes the buffer and then `batch` to redb in one transaction (a
    /// checkpoint, recovery).
    fn apply_now(&self, batch: &WriteBatch, durable: bool) -> Result<()> {
        self.write_out(Some(batch), durable)
    }

    /// Moves the buffer's entries to `frozen`, writes them (and `batch`) to
    /// redb, and drops them from the buffer once redb holds them. Without a
    /// batch, an empty buffer writes nothing.
    fn write_out(&self, batch: Option<&WriteBatch>, durable: bool) -> Result<()> {
        let _writer = self.flushing.lock();
        let frozen = {
            let mut b = self.buffer.write();
            if batch.is_none() && b.active.is_empty() {
                return Ok(());
            }
            let entries = Arc::new(std::mem::take(&mut b.active));
            b.active_bytes = 0;
            b.frozen = Some(entries.clone());
            entries
        };
        let written = self.write(&frozen, batch.unwrap_or(&WriteBatch::default()), durable);
        let mut b = self.buffer.write();
        match written {
            Ok(()) => {
                b.frozen = None;
                if b.active.is_empty() {
                    self.buffered.store(false, Ordering::Release);
                }
                Ok(())
            }
            Err(e) => {
                // A failed checkpoint or flush leaves everything buffered:
                // commits go on, and the next flush tries again.
                b.unfreeze();
                Err(e)
            }
        }
    }

    /// One redb write transaction: `buffered`, then `batch`'s changes and
    /// meta values. Bumps the generation once committed.
    fn write(&self, buffered: &Entries, batch: &WriteBatch, durable: bool) -> Result<()> {
        let mut txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let durability = if durable {
            Durability::Immediate
        } else {
            Durability::None
        };
        txn.set_durability(durability).map_err(|e| self.err(e))?;
        {
            let mut data = txn.open_table(DATA).map_err(|e| self.err(e))?;
            let ops = buffered
                .iter()
                .map(|(k, v)| (k.as_slice(), v.as_deref()))
                .chain(batch.ops.iter().map(|(k, v)| (k.as_slice(), v.as_deref())));
            for (k, v) in ops {
                match v {
                    Some(v) => {
                        data.insert(k, v).map_err(|e| self.err(e))?;
                    }
                    None => {
                        data.remove(k).map_err(|e| self.err(e))?;
                    }
                }
            }
            if !batch.meta.is_empty() {
                let mut meta = txn.open_table(META).map_err(|e| self.err(e))?;
                for (name, v) in &batch.meta {
                    meta.insert(*name, v.as_slice()).map_err(|e| self.err(e))?;
                }
            }
        }
        txn.commit().map_err(|e| self.err(e))?;
        self.generation.fetch_add(1, Ordering::Release);
        Ok(())
    }
}

impl KvEngine for RedbEngine {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let shared = &self.shared;
        let buffer = shared.buffer_if_any();
        if let Some(v) = buffer.as_ref().and_then(|b| b.lookup(key)) {
            return Ok(v.map(<[u8]>::to_vec));
        }
        // Under the buffer's lock, as for scans (`Shared::snapshot`).
        let table = shared.data()?;
        drop(buffer);
        let v = table.get(key).map_err(|e| shared.err(e))?;
        Ok(v.map(|g| g.value().to_vec()))
    }

    fn scan(&self, start: Bound<&[u8]>, end: Bound<&[u8]>, limit: usize) -> Result<Vec<KvPair>> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        self.shared.visit(start, end, limit, &mut |k, v| {
            out.push((k.to_vec(), v.to_vec()));
            out.len() < limit
        })?;
        Ok(out)
    }

    fn visit(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        f: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        self.shared.visit(start, end, usize::MAX, f)
    }

    fn apply(&self, batch: &WriteBatch, durable: bool) -> Result<()> {
        let shared = &self.shared;
        if durable || !batch.meta.is_empty() {
            return shared.apply_now(batch, durable);
        }
        if batch.ops.is_empty() {
            return Ok(());
        }
        let (was_empty, bytes) = {
            let mut b = shared.buffer.write();
            let was_empty = b.active.is_empty();
            // Set already while `active` holds anything: it is cleared only
            // when a flush leaves `active` empty.
            if was_empty {
                shared.buffered.store(true, Ordering::Release);
            }
            for (k, v) in &batch.ops {
                b.put(k, v.as_deref());
            }
            (was_empty, b.active_bytes)
        };
        if bytes >= MAX_BUFFER_BYTES {
            return shared.flush();
        }
        // The flush thread sleeps until the buffer gets its first batch, and
        // cuts its gathering short once enough is buffered.
        if was_empty || bytes >= FLUSH_BYTES {
            let _g = shared.wake.0.lock();
            shared.wake.1.notify_all();
        }
        Ok(())
    }

    fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let shared = &self.shared;
        let txn = shared.db.begin_read().map_err(|e| shared.err(e))?;
        let table = txn.open_table(META).map_err(|e| shared.err(e))?;
        let v = table.get(name).map_err(|e| shared.err(e))?;
        Ok(v.map(|g| g.value().to_vec()))
    }
}
