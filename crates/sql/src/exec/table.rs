//! Rows and index entries in the store, with constraint enforcement.

use rampart_catalog::{Index, Relation};
use rampart_storage::{StorageError, Transaction};
use rampart_types::{row, PgError, PgResult, SqlState, Value};

use super::Row;
use crate::keys;

/// Maps storage errors to PostgreSQL errors.
pub fn storage_err(e: StorageError) -> PgError {
    match e {
        StorageError::SerializationFailure => PgError::new(
            SqlState::SERIALIZATION_FAILURE,
            "could not serialize access due to concurrent update",
        ),
        StorageError::Deadlock => PgError::new(SqlState::DEADLOCK_DETECTED, "deadlock detected"),
        other => PgError::new(SqlState::IO_ERROR, format!("storage error: {other}")),
    }
}

/// Every row of a table with its row id.
pub fn scan_all(txn: &Transaction, table: u32) -> PgResult<Vec<(u64, Row)>> {
    let mut out = Vec::new();
    for item in txn
        .scan_prefix(&keys::table_prefix(table))
        .map_err(storage_err)?
    {
        let (k, v) = item.map_err(storage_err)?;
        let rowid = keys::rowid_of(&k)
            .ok_or_else(|| PgError::new(SqlState::DATA_CORRUPTED, "invalid row key"))?;
        out.push((rowid, row::decode_row(&v)?));
    }
    Ok(out)
}

/// Whether the table has any row (reads at most one).
pub fn has_rows(txn: &Transaction, table: u32) -> PgResult<bool> {
    let mut rows = txn
        .scan_prefix(&keys::table_prefix(table))
        .map_err(storage_err)?;
    match rows.next() {
        Some(item) => item.map(|_| true).map_err(storage_err),
        None => Ok(false),
    }
}

/// Rows whose index key starts with `vals`.
pub fn index_lookup(
    txn: &Transaction,
    table: u32,
    index: u32,
    vals: &[Value],
    unique: bool,
) -> PgResult<Vec<(u64, Row)>> {
    let refs: Vec<&Value> = vals.iter().collect();
    let prefix = keys::index_key(index, &refs);
    let rowid_of = |v: &[u8]| {
        v.try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| PgError::new(SqlState::DATA_CORRUPTED, "invalid index entry"))
    };
    let mut out = Vec::new();
    if unique && !vals.iter().any(Value::is_null) {
        // A unique key without NULLs is stored under the key alone (see
        // `entry_key`): one point read instead of a range scan.
        if let Some(v) = txn.get(&prefix).map_err(storage_err)? {
            let rowid = rowid_of(&v)?;
            if let Some(r) = get_row(txn, table, rowid)? {
                out.push((rowid, r));
            }
        }
        return Ok(out);
    }
    for item in txn.scan_prefix(&prefix).map_err(storage_err)? {
        let (_, v) = item.map_err(storage_err)?;
        let rowid = rowid_of(&v)?;
        if let Some(r) = get_row(txn, table, rowid)? {
            out.push((rowid, r));
        }
    }
    Ok(out)
}

/// How many entries an index has for these key values in the transaction's
/// snapshot (one per visible row; see `Exec::index_only_entries`).
pub fn index_entry_count(txn: &Transaction, index: u32, vals: &[Value]) -> PgResult<usize> {
    let refs: Vec<&Value> = vals.iter().collect();
    let prefix = keys::index_key(index, &refs);
    txn.count_prefix(&prefix).map_err(storage_err)
}

/// One row by id (as of the transaction's snapshot).
pub fn get_row(txn: &Transaction, table: u32, rowid: u64) -> PgResult<Option<Row>> {
    match txn.get(&keys::row_key(table, rowid)).map_err(storage_err)? {
        Some(bytes) => Ok(Some(row::decode_row(&bytes)?)),
        None => Ok(None),
    }
}

/// The latest committed version of a row (after a row-lock wait).
pub fn get_row_latest(txn: &Transaction, table: u32, rowid: u64) -> PgResult<Option<Row>> {
    match txn
        .get_latest(&keys::row_key(table, rowid))
        .map_err(storage_err)?
    {
        Some(bytes) => Ok(Some(row::decode_row(&bytes)?)),
        None => Ok(None),
    }
}

/// The index entry key of `row` (unique keys without NULLs omit the row id;
/// [`index_lookup`] relies on it).
fn entry_key(idx: &Index, row: &[Value], rowid: u64) -> (Vec<u8>, bool) {
    let vals: Vec<&Value> = idx.columns.iter().map(|c| &row[*c]).collect();
    let mut k = keys::index_key(idx.oid, &vals);
    let enforce = idx.unique && vals.iter().all(|v| !v.is_null());
    if !enforce {
        k.extend_from_slice(&rowid.to_be_bytes());
    }
    (k, enforce)
}

/// "Failing row contains (...)" as PostgreSQL prints it.
pub fn failing_row(row: &[Value]) -> String {
    let parts: Vec<String> = row
        .iter()
        .map(|v| v.to_pg_text().unwrap_or_else(|| "null".into()))
        .collect();
    format!("Failing row contains ({}).", parts.join(", "))
}

/// Checks NOT NULL constraints.
pub fn check_not_null(rel: &Relation, row: &[Value]) -> PgResult<()> {
    for (c, v) in rel.columns.iter().zip(row) {
        if c.not_null && v.is_null() {
            return Err(PgError::new(
                SqlState::NOT_NULL_VIOLATION,
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    c.name, rel.name
                ),
            )
            .with_detail(failing_row(row)));
        }
    }
    Ok(())
}

/// The unique index entry that `row` would collide with, if any (None = no conflict).
pub fn find_conflict(
    txn: &mut Transaction,
    rel: &Relation,
    row: &[Value],
    ignore_rowid: Option<u64>,
) -> PgResult<Option<(u64, usize)>> {
    for (i, idx) in rel.indexes.iter().enumerate() {
        let (k, enforce) = entry_key(idx, row, 0);
        if !enforce {
            continue;
        }
        // Lock the key so a concurrent inserter of the same key waits for us (or we for it).
        txn.lock_key(&k).map_err(storage_err)?;
        if let Some(existing) = txn.get_latest(&k).map_err(storage_err)? {
            let rowid = u64::from_be_bytes(
                existing
                    .as_slice()
                    .try_into()
                    .map_err(|_| PgError::new(SqlState::DATA_CORRUPTED, "invalid index entry"))?,
            );
            if Some(rowid) != ignore_rowid {
                return Ok(Some((rowid, i)));
            }
        }
    }
    Ok(None)
}

/// PostgreSQL's unique violation error for index `idx` of `rel`.
pub fn unique_violation(rel: &Relation, idx_pos: usize, row: &[Value]) -> PgError {
    let idx = &rel.indexes[idx_pos];
    let cols: Vec<&str> = idx
        .columns
        .iter()
        .map(|c| rel.columns[*c].name.as_str())
        .collect();
    let vals: Vec<String> = idx
        .columns
        .iter()
        .map(|c| row[*c].to_pg_text().unwrap_or_else(|| "null".into()))
        .collect();
    PgError::new(
        SqlState::UNIQUE_VIOLATION,
        format!(
            "duplicate key value violates unique constraint \"{}\"",
            idx.name
        ),
    )
    .with_detail(format!(
        "Key ({})=({}) already exists.",
        cols.join(", "),
        vals.join(", ")
    ))
}

/// Writes a new row and its index entries (constraints already checked).
pub fn write_new(txn: &mut Transaction, rel: &Relation, rowid: u64, row: &[Value]) -> PgResult<()> {
    txn.set(&keys::row_key(rel.oid, rowid), row::encode_row(row))
        .map_err(storage_err)?;
    for idx in &rel.indexes {
        let (k, _) = entry_key(idx, row, rowid);
        txn.set(&k, rowid.to_be_bytes().to_vec())
            .map_err(storage_err)?;
    }
    Ok(())
}

/// Removes a row and its index entries.
pub fn remove(txn: &mut Transaction, rel: &Relation, rowid: u64, row: &[Value]) -> PgResult<()> {
    txn.delete(&keys::row_key(rel.oid, rowid))
        .map_err(storage_err)?;
    for idx in &rel.indexes {
        let (k, _) = entry_key(idx, row, rowid);
        txn.delete(&k).map_err(storage_err)?;
    }
    Ok(())
}

/// Replaces a row, moving index entries whose key changed.
pub fn replace(
    txn: &mut Transaction,
    rel: &Relation,
    rowid: u64,
    old: &[Value],
    new: &[Value],
) -> PgResult<()> {
    txn.set(&keys::row_key(rel.oid, rowid), row::encode_row(new))
        .map_err(storage_err)?;
    for idx in &rel.indexes {
        let (ok, _) = entry_key(idx, old, rowid);
        let (nk, _) = entry_key(idx, new, rowid);
        if ok != nk {
            txn.delete(&ok).map_err(storage_err)?;
            txn.set(&nk, rowid.to_be_bytes().to_vec())
                .map_err(storage_err)?;
        }
    }
    Ok(())
}

/// Rewrites every stored row of `table` with `change` (ALTER TABLE adding
/// or dropping a column).
pub fn rewrite_all(
    txn: &mut Transaction,
    table: u32,
    change: impl Fn(&mut Vec<Value>),
) -> PgResult<()> {
    for (rowid, mut row) in scan_all(txn, table)? {
        change(&mut row);
        txn.set(
            &keys::row_key(table, rowid),
            rampart_types::row::encode_row(&row),
        )
        .map_err(storage_err)?;
    }
    Ok(())
}

/// Builds every entry of a new index over existing rows, enforcing uniqueness.
pub fn build_index(txn: &mut Transaction, rel: &Relation, idx: &Index) -> PgResult<()> {
    for (rowid, row) in scan_all(txn, rel.oid)? {
        let (k, enforce) = entry_key(idx, &row, rowid);
        if enforce && txn.get(&k).map_err(storage_err)?.is_some() {
            let cols: Vec<&str> = idx
                .columns
                .iter()
                .map(|c| rel.columns[*c].name.as_str())
                .collect();
            let vals: Vec<String> = idx
                .columns
                .iter()
                .map(|c| row[*c].to_pg_text().unwrap_or_else(|| "null".into()))
                .collect();
            return Err(PgError::new(
                SqlState::UNIQUE_VIOLATION,
                format!("could not create unique index \"{}\"", idx.name),
            )
            .with_detail(format!(
                "Key ({})=({}) is duplicated.",
                cols.join(", "),
                vals.join(", ")
            )));
        }
        txn.set(&k, rowid.to_be_bytes().to_vec())
            .map_err(storage_err)?;
    }
    Ok(())
}

/// Deletes every row and index entry of a relation (DROP TABLE, TRUNCATE).
pub fn clear(txn: &mut Transaction, rel: &Relation) -> PgResult<()> {
    delete_prefix(txn, &keys::table_prefix(rel.oid))?;
    for i in &rel.indexes {
        delete_prefix(txn, &keys::index_prefix(i.oid))?;
    }
    Ok(())
}

/// Deletes every key under `prefix` (a table's rows, an index's entries).
pub fn delete_prefix(txn: &mut Transaction, prefix: &[u8]) -> PgResult<()> {
    let ks: Vec<Vec<u8>> = txn
        .scan_prefix(prefix)
        .map_err(storage_err)?
        .map(|r| r.map(|(k, _)| k).map_err(storage_err))
        .collect::<PgResult<_>>()?;
    for k in ks {
        txn.delete(&k).map_err(storage_err)?;
    }
    Ok(())
}
