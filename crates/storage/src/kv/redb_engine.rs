//! [`KvEngine`] on redb 4: one data table and one meta table in `data.redb`.
//!
//! Batches are committed with `Durability::None` (crash-consistent back to the
//! last durable commit; the WAL makes up the difference) unless the caller asks
//! for durability, which checkpoints do.

use super::{KvEngine, KvPair, WriteBatch};
use crate::error::{Result, StorageError};
use redb::{Database, Durability, ReadableDatabase, TableDefinition};
use std::ops::Bound;
use std::path::{Path, PathBuf};

const DATA: TableDefinition<&[u8], &[u8]> = TableDefinition::new("data");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// The on-disk engine.
pub struct RedbEngine {
    db: Database,
    path: PathBuf,
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
}

impl KvEngine for RedbEngine {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let table = txn.open_table(DATA).map_err(|e| self.err(e))?;
        let v = table.get(key).map_err(|e| self.err(e))?;
        Ok(v.map(|g| g.value().to_vec()))
    }

    fn scan(&self, start: Bound<&[u8]>, end: Bound<&[u8]>, limit: usize) -> Result<Vec<KvPair>> {
        if super::range_is_empty(start, end) {
            return Ok(Vec::new());
        }
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let table = txn.open_table(DATA).map_err(|e| self.err(e))?;
        let range = table
            .range::<&[u8]>((start, end))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for item in range.take(limit) {
            let (k, v) = item.map_err(|e| self.err(e))?;
            out.push((k.value().to_vec(), v.value().to_vec()));
        }
        Ok(out)
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
        txn.commit().map_err(|e| self.err(e))
    }

    fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let table = txn.open_table(META).map_err(|e| self.err(e))?;
        let v = table.get(name).map_err(|e| self.err(e))?;
        Ok(v.map(|g| g.value().to_vec()))
    }
}
