//! The ordered key-value engine underneath MVCC.
//!
//! [`KvEngine`] is deliberately small so that a distributed transactional KV
//! (e.g. TiKV) can back the same layers later: point get, ordered range scan
//! in bounded chunks, atomic batch apply (optionally durable), and a few named
//! meta values (checkpoint LSN, ...) written atomically with a batch.
//!
//! The engine knows nothing about versions or transactions; the MVCC layer
//! encodes those into the keys.

mod mem;
mod redb_engine;
mod write_buffer;

pub use mem::MemEngine;
pub use redb_engine::RedbEngine;

use crate::error::Result;
use std::ops::Bound;

/// One key/value pair as returned by scans.
pub type KvPair = (Vec<u8>, Vec<u8>);

/// A set of changes applied atomically by [`KvEngine::apply`].
#[derive(Debug, Default, Clone)]
pub struct WriteBatch {
    /// Data changes in order: `Some(value)` puts, `None` deletes.
    pub ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// Meta values to set in the same atomic step.
    pub meta: Vec<(&'static str, Vec<u8>)>,
}

impl WriteBatch {
    /// True when the batch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.meta.is_empty()
    }
}

/// An ordered, byte-keyed store with atomic batches.
pub trait KvEngine: Send + Sync {
    /// Value of `key`, if present.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Up to `limit` pairs with keys within the bounds, in ascending key order.
    /// A result shorter than `limit` means the range is exhausted.
    fn scan(&self, start: Bound<&[u8]>, end: Bound<&[u8]>, limit: usize) -> Result<Vec<KvPair>>;
    /// Calls `f` with each pair within the bounds, in ascending key order and
    /// without copying them, until it returns false (counting and other
    /// reads that keep nothing).
    fn visit(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        f: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()>;
    /// Applies `batch` atomically. With `durable` the batch and everything
    /// applied before it survive a crash when this returns; without it they
    /// may be lost on a crash (never partially applied).
    fn apply(&self, batch: &WriteBatch, durable: bool) -> Result<()>;
    /// Reads a meta value set by an earlier batch.
    fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>>;
}

/// Reads a meta value holding a little-endian `u64` (0 when absent or malformed).
pub fn get_meta_u64(kv: &dyn KvEngine, name: &str) -> Result<u64> {
    Ok(kv
        .get_meta(name)?
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0))
}

/// True when no key can lie within the bounds (inverted, or empty with an
/// excluded end). Engines return nothing for such ranges instead of panicking.
pub fn range_is_empty(start: Bound<&[u8]>, end: Bound<&[u8]>) -> bool {
    match (start, end) {
        (Bound::Included(s), Bound::Included(e)) => s > e,
        (Bound::Included(s) | Bound::Excluded(s), Bound::Included(e) | Bound::Excluded(e)) => {
            s >= e
        }
        _ => false,
    }
}
