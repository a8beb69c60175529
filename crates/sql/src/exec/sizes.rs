//! Object sizes (`pg_relation_size`, `pg_table_size`, `pg_indexes_size`,
//! `pg_total_relation_size`, `pg_database_size`) and `pg_size_pretty`.
//!
//! Rampart has no fixed-size pages: a relation's size is the bytes of the
//! keys and values of its entries visible to the transaction (rows for a
//! table, entries for an index), measured by scanning them. That is the
//! logical size of the data, not the space the storage engine's files take
//! (which includes superseded versions until they are vacuumed).

use rampart_catalog::{Catalog, RelationKind};
use rampart_storage::Transaction;
use rampart_types::PgResult;

use super::table::storage_err;
use crate::keys;

/// Bytes under a key prefix.
fn prefix_bytes(txn: &Transaction, prefix: &[u8]) -> PgResult<i64> {
    let mut total = 0i64;
    for item in txn.scan_prefix(prefix).map_err(storage_err)? {
        let (k, v) = item.map_err(storage_err)?;
        total += (k.len() + v.len()) as i64;
    }
    Ok(total)
}

/// Which sizes of a relation to add up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SizeOf {
    /// The relation itself (`pg_relation_size`, `pg_table_size`).
    Relation,
    /// Its indexes (`pg_indexes_size`).
    Indexes,
    /// Both (`pg_total_relation_size`).
    Total,
}

/// The size of a relation, index or sequence by OID; None when nothing has
/// that OID (the SQL functions then return NULL, as PostgreSQL's).
pub fn relation_size(
    txn: &Transaction,
    cat: &Catalog,
    oid: u32,
    what: SizeOf,
) -> PgResult<Option<i64>> {
    if let Some(rel) = cat.relation_by_oid(oid) {
        if !matches!(rel.kind, RelationKind::Table) {
            return Ok(Some(0));
        }
        let mut total = 0;
        if what != SizeOf::Indexes {
            total += prefix_bytes(txn, &keys::table_prefix(oid))?;
        }
        if what != SizeOf::Relation {
            for ix in &rel.indexes {
                total += prefix_bytes(txn, &keys::index_prefix(ix.oid))?;
            }
        }
        return Ok(Some(total));
    }
    if cat
        .relations
        .values()
        .any(|r| r.indexes.iter().any(|i| i.oid == oid))
    {
        return Ok(Some(if what == SizeOf::Indexes {
            0
        } else {
            prefix_bytes(txn, &keys::index_prefix(oid))?
        }));
    }
    if cat.sequences.contains_key(&oid) {
        return Ok(Some(if what == SizeOf::Indexes {
            0
        } else {
            prefix_bytes(txn, &keys::sequence_key(oid))?
        }));
    }
    Ok(None)
}

/// The size of the current database: every table with its indexes.
pub fn database_size(txn: &Transaction, cat: &Catalog) -> PgResult<i64> {
    let mut total = 0;
    for rel in cat.relations.values() {
        total += relation_size(txn, cat, rel.oid, SizeOf::Total)?.unwrap_or(0);
    }
    Ok(total)
}

/// `pg_size_pretty(bigint)`: bytes, kB, MB, GB, TB or PB, each unit used
/// while the number stays below 10240 (half-rounded), as PostgreSQL prints.
pub fn size_pretty(size: i64) -> String {
    const LIMIT: i64 = 10 * 1024;
    const LIMIT2: i64 = LIMIT * 2 - 1;
    let half_rounded = |x: i64| (x + if x < 0 { -1 } else { 1 }) / 2;
    if size.abs() < LIMIT {
        return format!("{size} bytes");
    }
    // Keep one extra bit for rounding.
    let mut v = size >> 9;
    for unit in ["kB", "MB", "GB", "TB"] {
        if v.abs() < LIMIT2 {
            return format!("{} {unit}", half_rounded(v));
        }
        v >>= 10;
    }
    format!("{} PB", half_rounded(v))
}

#[cfg(test)]
mod tests {
    use super::size_pretty;

    #[test]
    fn pretty_sizes_match_postgresql() {
        // Values checked against PostgreSQL 15's pg_size_pretty.
        assert_eq!(size_pretty(0), "0 bytes");
        assert_eq!(size_pretty(10239), "10239 bytes");
        assert_eq!(size_pretty(10240), "10 kB");
        assert_eq!(size_pretty(1_000_000), "977 kB");
        assert_eq!(size_pretty(123_456_789), "118 MB");
        assert_eq!(size_pretty(-123_456_789), "-118 MB");
        assert_eq!(size_pretty(1_000_000_000_000), "931 GB");
        assert_eq!(size_pretty(i64::MAX), "8192 PB");
    }
}
