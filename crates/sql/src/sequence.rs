//! Sequences: nextval/currval/setval. Like PostgreSQL, values are handed out
//! outside the calling transaction (a rolled-back nextval is not reused) and
//! reserved durably in blocks, so a crash can skip values but never repeats one.

use std::collections::HashMap;

use parking_lot::Mutex;
use rampart_catalog::{Catalog, Sequence};
use rampart_storage::{IsolationLevel, Store};
use rampart_types::{PgError, PgResult, SqlState};

use crate::exec::table::storage_err;
use crate::keys;
use crate::session::SessionState;

const BLOCK: i64 = 32;

/// In-memory state of a sequence: next value to hand out and the reserved limit.
#[derive(Clone, Copy, Debug)]
struct Cached {
    next: i64,
    remaining: i64,
}

/// All sequence caches of the server.
#[derive(Default)]
pub struct Sequences {
    cache: Mutex<HashMap<u32, Cached>>,
}

/// Finds a sequence by (possibly qualified) name.
pub fn resolve(catalog: &Catalog, name: &str, search_path: &[String]) -> PgResult<Sequence> {
    let (schema, n) = match name.split_once('.') {
        Some((s, n)) => (
            Some(s.trim_matches('"').to_string()),
            n.trim_matches('"').to_string(),
        ),
        None => (
            None,
            if name.starts_with('"') {
                name.trim_matches('"').to_string()
            } else {
                name.to_lowercase()
            },
        ),
    };
    find(catalog, schema.as_deref(), &n, search_path).ok_or_else(|| {
        PgError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{name}\" does not exist"),
        )
    })
}

/// A sequence by (already case-folded) schema and name, searching the path
/// when no schema is given.
pub fn find(
    catalog: &Catalog,
    schema: Option<&str>,
    name: &str,
    search_path: &[String],
) -> Option<Sequence> {
    let schemas: Vec<u32> = match schema {
        Some(s) => catalog.schema(s).map(|s| vec![s.oid]).unwrap_or_default(),
        None => search_path
            .iter()
            .filter_map(|s| catalog.schema(s))
            .map(|s| s.oid)
            .collect(),
    };
    schemas.into_iter().find_map(|s| {
        catalog
            .sequences
            .values()
            .find(|q| q.schema == s && q.name == name)
            .cloned()
    })
}

impl Sequences {
    /// `nextval`.
    pub fn nextval(
        &self,
        store: &Store,
        seq: &Sequence,
        session: &mut SessionState,
    ) -> PgResult<i64> {
        let mut cache = self.cache.lock();
        let entry = cache.get(&seq.oid).copied();
        let cached = match entry {
            Some(c) if c.remaining > 0 => c,
            _ => {
                let (next, remaining) = reserve(store, seq)?;
                Cached { next, remaining }
            }
        };
        let value = cached.next;
        let mut next = value.checked_add(seq.increment);
        if let Some(n) = next {
            if n > seq.max || n < seq.min {
                next = if seq.cycle {
                    Some(if seq.increment > 0 { seq.min } else { seq.max })
                } else {
                    None
                };
            }
        }
        cache.insert(
            seq.oid,
            Cached {
                next: next.unwrap_or(value),
                remaining: if next.is_some() {
                    cached.remaining - 1
                } else {
                    0
                },
            },
        );
        if value > seq.max || value < seq.min {
            return Err(limit_error(seq));
        }
        session.record_currval(seq.oid, value);
        Ok(value)
    }

    /// `setval`.
    pub fn setval(
        &self,
        store: &Store,
        seq: &Sequence,
        value: i64,
        is_called: bool,
        session: &mut SessionState,
    ) -> PgResult<()> {
        if value < seq.min || value > seq.max {
            return Err(PgError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                format!(
                    "setval: value {value} is out of bounds for sequence \"{}\" ({}..{})",
                    seq.name, seq.min, seq.max
                ),
            ));
        }
        let mut cache = self.cache.lock();
        let mut txn = store.begin(IsolationLevel::ReadCommitted);
        let key = keys::sequence_key(seq.oid);
        txn.lock_key(&key).map_err(storage_err)?;
        let next = if is_called {
            value + seq.increment
        } else {
            value
        };
        txn.set(&key, next.to_be_bytes().to_vec())
            .map_err(storage_err)?;
        txn.commit().map_err(storage_err)?;
        cache.remove(&seq.oid);
        if is_called {
            session.record_currval(seq.oid, value);
        }
        Ok(())
    }

    /// What `SELECT last_value, is_called FROM seq` shows: the value the
    /// last `nextval` returned (server-wide) and true, or, before any
    /// `nextval`, the value the next one will return and false. After a
    /// restart the value past the block reserved before it (as nextval
    /// would continue there; PostgreSQL likewise skips logged-ahead values
    /// after a crash).
    pub fn state(&self, store: &Store, seq: &Sequence) -> PgResult<(i64, bool)> {
        if let Some(c) = self.cache.lock().get(&seq.oid) {
            if let Some(last) = c.next.checked_sub(seq.increment) {
                if (seq.min..=seq.max).contains(&last) {
                    return Ok((last, true));
                }
            }
            return Ok((c.next, false));
        }
        let txn = store.begin(IsolationLevel::ReadCommitted);
        let next = txn
            .get_latest(&keys::sequence_key(seq.oid))
            .map_err(storage_err)?
            .and_then(|b| b.as_slice().try_into().ok().map(i64::from_be_bytes));
        Ok(match next {
            None => (seq.start, false),
            Some(next) => match next.checked_sub(seq.increment) {
                Some(last) if (seq.min..=seq.max).contains(&last) => (last, true),
                _ => (next, false),
            },
        })
    }

    /// Forgets a dropped sequence.
    pub fn forget(&self, oid: u32) {
        self.cache.lock().remove(&oid);
    }
}

/// Reserves the next block durably; returns (first value, count).
fn reserve(store: &Store, seq: &Sequence) -> PgResult<(i64, i64)> {
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let key = keys::sequence_key(seq.oid);
    txn.lock_key(&key).map_err(storage_err)?;
    let next = txn
        .get_latest(&key)
        .map_err(storage_err)?
        .and_then(|b| b.as_slice().try_into().ok().map(i64::from_be_bytes))
        .unwrap_or(seq.start);
    if (next > seq.max || next < seq.min) && !seq.cycle {
        return Err(limit_error(seq));
    }
    let after = next.saturating_add(seq.increment.saturating_mul(BLOCK));
    txn.set(&key, after.to_be_bytes().to_vec())
        .map_err(storage_err)?;
    txn.commit().map_err(storage_err)?;
    Ok((next, BLOCK))
}

fn limit_error(seq: &Sequence) -> PgError {
    if seq.increment > 0 {
        PgError::new(
            SqlState("2200H"),
            format!(
                "nextval: reached maximum value of sequence \"{}\" ({})",
                seq.name, seq.max
            ),
        )
    } else {
        PgError::new(
            SqlState("2200H"),
            format!(
                "nextval: reached minimum value of sequence \"{}\" ({})",
                seq.name, seq.min
            ),
        )
    }
}
