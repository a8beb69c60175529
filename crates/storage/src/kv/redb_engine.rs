//! [`KvEngine`] on redb 4: one data table and one meta table in `data.redb`.
//!
//! Batches are committed with `Durability::None` (crash-consistent back to the
//! last durable commit; the WAL makes up the difference) unless the caller asks
//! for durability, which checkpoints do.

use super::{KvEngine, KvPair, WriteBatch};
use crate::error::{Result, StorageError};
use parking_lot::RwLock;
use redb::{Database, Durability, ReadOnlyTable, ReadableDatabase, TableDefinition};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const DATA: TableDefinition<&[u8], &[u8]> = TableDefinition::new("data");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// The data table as of one generation of applied batches.
type DataTable = Arc<ReadOnlyTable<&'static [u8], &'static [u8]>>;

/// The on-disk engine.
pub struct RedbEngine {
    db: Database,
    path: PathBuf,
    /// Bumped after every committed batch.
    generation: AtomicU64,
    /// A read-only view of the data table and the generation it was opened
    /// at. Opening a redb read transaction and table costs more than a point
    /// lookup, so reads share one view until the next batch is applied; the
    /// view pins at most one superseded redb snapshot.
    reader: RwLock<Option<(u64, DataTable)>>,
}

impl std::fmt::Debug for RedbEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbEngine")
            .field("path", &self.path)
            .finish()
    }
}

impl RedbEngine {
    /// Opens or creates the database file at `path` and makes sure both tables exist.
    pub fn open(path: &Path) -> Result<Self> {
        let db = Database::create(path).map_err(|e| StorageError::engine(path, e))?;
        let engine = RedbEngine {
            db,
            path: path.to_path_buf(),
            generation: AtomicU64::new(0),
            reader: RwLock::new(None),
        };
        let txn = engine.db.begin_write().map_err(|e| engine.err(e))?;
        {
            txn.open_table(DATA).map_err(|e| engine.err(e))?;
            txn.open_table(META).map_err(|e| engine.err(e))?;
        }
        txn.commit().map_err(|e| engine.err(e))?;
        Ok(engine)
    }

    fn err(&self, e: impl std::fmt::Display) -> StorageError {
        StorageError::engine(&self.path, e)
    }

    /// The data table including every batch applied before this call.
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
}

impl KvEngine for RedbEngine {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let table = self.data()?;
        let v = table.get(key).map_err(|e| self.err(e))?;
        Ok(v.map(|g| g.value().to_vec()))
    }

    fn scan(&self, start: Bound<&[u8]>, end: Bound<&[u8]>, limit: usize) -> Result<Vec<KvPair>> {
        if super::range_is_empty(start, end) {
            return Ok(Vec::new());
        }
        let table = self.data()?;
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        table
            .visit_raw(start, end, &mut |k, v| {
                out.push((k.to_vec(), v.to_vec()));
                out.len() < limit
            })
            .map_err(|e| self.err(e))?;
        Ok(out)
    }

    fn visit(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        f: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        if super::range_is_empty(start, end) {
            return Ok(());
        }
        // `visit_raw` (our addition to the vendored redb) lends each entry's
        // bytes from its leaf page; `range` would clone and drop a page handle
        // per entry, which costs more than the rest of a count together.
        let table = self.data()?;
        table.visit_raw(start, end, f).map_err(|e| self.err(e))
    }

    fn apply(&self, batch: &WriteBatch, durable: bool) -> Result<()> {
        let mut txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let durability = if durable {
            Durability::Immediate
        } else {
            Durability::None
        };
        txn.set_durability(durability).map_err(|e| self.err(e))?;
        {
            let mut data = txn.open_table(DATA).map_err(|e| self.err(e))?;
            for (k, v) in &batch.ops {
                match v {
                    Some(v) => {
                        data.insert(k.as_slice(), v.as_slice())
                            .map_err(|e| self.err(e))?;
                    }
                    None => {
                        data.remove(k.as_slice()).map_err(|e| self.err(e))?;
                    }
                }
            }
            let mut meta = txn.open_table(META).map_err(|e| self.err(e))?;
            for (name, v) in &batch.meta {
                meta.insert(*name, v.as_slice()).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))?;
        self.generation.fetch_add(1, Ordering::Release);
        Ok(())
    }

    fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let table = txn.open_table(META).map_err(|e| self.err(e))?;
        let v = table.get(name).map_err(|e| self.err(e))?;
        Ok(v.map(|g| g.value().to_vec()))
    }
}
