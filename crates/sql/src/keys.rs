//! How tables, indexes, sequences and the catalog are laid out in the store.
//!
//! | key | value |
//! |---|---|
//! | `G`, `Gv` | the shared catalog record ([`rampart_catalog::SharedCatalog`]) and its version |
//! | `D` db-oid, `V` db-oid | a database's catalog record ([`rampart_catalog::Catalog`]) and its version |
//! | `D` db-oid `R` rel-oid, `D` db-oid `S` seq-oid | one relation's / sequence's catalog entry (split records) |
//! | `r` table-oid rowid | encoded row |
//! | `i` index-oid key-values [rowid] | rowid |
//! | `s` sequence-oid | last value, is_called |
//! | `M` name | engine metadata (rowid high-water mark) |

use rampart_storage::key;
use rampart_types::Value;
use rust_decimal::prelude::*;

/// The whole catalog as data directories made before databases were
/// separate stored it (read once, for migration).
pub const LEGACY_CATALOG_KEY: &[u8] = b"C";

/// The cluster-wide catalog record (roles, memberships, databases).
pub const SHARED_CATALOG_KEY: &[u8] = b"G";

/// The shared record's version (8 bytes), written with every change so a
/// statement can find its cached catalog without reading the whole record.
pub const SHARED_VERSION_KEY: &[u8] = b"Gv";

/// A database's own catalog record.
pub fn database_catalog_key(db: u32) -> Vec<u8> {
    let mut k = b"D".to_vec();
    k.extend_from_slice(&db.to_be_bytes());
    k
}

/// Prefix of a database's per-object catalog records (`kind`: `R`
/// relations, `S` sequences).
pub fn catalog_object_prefix(db: u32, kind: u8) -> Vec<u8> {
    let mut k = database_catalog_key(db);
    k.push(kind);
    k
}

/// One relation's (`R`) or sequence's (`S`) catalog record.
pub fn catalog_object_key(db: u32, kind: u8, oid: u32) -> Vec<u8> {
    let mut k = catalog_object_prefix(db, kind);
    k.extend_from_slice(&oid.to_be_bytes());
    k
}

/// A database record's version (8 bytes).
pub fn database_version_key(db: u32) -> Vec<u8> {
    let mut k = b"V".to_vec();
    k.extend_from_slice(&db.to_be_bytes());
    k
}

/// Prefix of every row of a table.
pub fn table_prefix(table: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(13);
    k.push(b'r');
    k.extend_from_slice(&table.to_be_bytes());
    k
}

/// Key of one row.
pub fn row_key(table: u32, rowid: u64) -> Vec<u8> {
    let mut k = table_prefix(table);
    k.extend_from_slice(&rowid.to_be_bytes());
    k
}

/// Row id from a row key.
pub fn rowid_of(row_key: &[u8]) -> Option<u64> {
    row_key
        .get(5..13)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
}

/// Prefix of every entry of an index.
pub fn index_prefix(index: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(32);
    k.push(b'i');
    k.extend_from_slice(&index.to_be_bytes());
    k
}

/// Index entry prefix for these key values (prefix-free, order-preserving).
pub fn index_key(index: u32, values: &[&Value]) -> Vec<u8> {
    let mut k = index_prefix(index);
    for v in values {
        encode_value(&mut k, v);
    }
    k
}

/// Key of a sequence's state.
pub fn sequence_key(seq: u32) -> Vec<u8> {
    let mut k = vec![b's'];
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// Key of an engine metadata entry.
pub fn meta_key(name: &str) -> Vec<u8> {
    let mut k = vec![b'M'];
    k.extend_from_slice(name.as_bytes());
    k
}

/// Memcomparable encoding of one value (NULLs sort last). Integers of every
/// width share one encoding, so an `int4` key finds an `int8` entry.
pub fn encode_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => key::encode_null_last(out),
        v => {
            key::encode_not_null(out);
            match v {
                Value::Bool(b) => key::encode_bool(out, *b),
                Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Oid(_) => {
                    key::encode_i64(out, v.as_i64().unwrap_or(0))
                }
                Value::Float4(f) => key::encode_f64(out, *f as f64),
                Value::Float8(f) => key::encode_f64(out, *f),
                Value::Numeric(d) => encode_decimal(out, d),
                Value::Text(s) => key::encode_bytes(out, s.as_bytes()),
                Value::Bytea(b) => key::encode_bytes(out, b),
                Value::Date(d) => key::encode_i64(
                    out,
                    d.signed_duration_since(chrono::NaiveDate::default())
                        .num_days(),
                ),
                Value::Time(t) => key::encode_i64(
                    out,
                    t.signed_duration_since(chrono::NaiveTime::MIN)
                        .num_microseconds()
                        .unwrap_or(0),
                ),
                Value::Timestamp(t) => key::encode_i64(out, t.and_utc().timestamp_micros()),
                Value::Timestamptz(t) => key::encode_i64(out, t.timestamp_micros()),
                Value::Interval(i) => key::encode_i64(
                    out,
                    i.sort_key().clamp(i64::MIN as i128, i64::MAX as i128) as i64,
                ),
                Value::Uuid(u) => out.extend_from_slice(u),
                Value::Array(items) => {
                    for item in items {
                        encode_value(out, item);
                    }
                    out.push(0x00);
                }

                Value::Null => {}
            }
        }
    }
}

/// Order-preserving decimal: sign class, then (for non-zero) a biased
/// decimal exponent and the significant digits, inverted for negatives.
fn encode_decimal(out: &mut Vec<u8>, d: &Decimal) {
    if d.is_zero() {
        out.push(0x02);
        return;
    }
    let neg = d.is_sign_negative();
    let abs = d.abs().normalize();
    let s = abs.to_string();
    let (int_part, frac_part) = s.split_once('.').unwrap_or((&s, ""));
    let int_part = int_part.trim_start_matches('0');
    let (exponent, digits): (i32, String) = if int_part.is_empty() {
        let zeros = frac_part.chars().take_while(|c| *c == '0').count();
        (-(zeros as i32), frac_part[zeros..].to_string())
    } else {
        (int_part.len() as i32, format!("{int_part}{frac_part}"))
    };
    let digits = digits.trim_end_matches('0');
    let start = out.len();
    out.push(if neg { 0x01 } else { 0x03 });
    let body = out.len();
    out.extend_from_slice(&((exponent + 0x8000) as u16).to_be_bytes());
    out.extend(digits.bytes());
    out.push(0x00);
    if neg {
        key::invert(out, body);
    }
    let _ = start;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_keys_sort_numerically() {
        let vals = [
            "-100.5", "-2", "-0.01", "0", "0.001", "0.5", "1", "1.5", "2", "10", "99.99", "100",
        ];
        let enc: Vec<Vec<u8>> = vals
            .iter()
            .map(|v| {
                let mut o = Vec::new();
                encode_value(&mut o, &Value::Numeric(v.parse().unwrap()));
                o
            })
            .collect();
        for w in enc.windows(2) {
            assert!(w[0] < w[1]);
        }
    }

    #[test]
    fn text_keys_are_prefix_free() {
        let a = index_key(1, &[&Value::Text("ab".into())]);
        let b = index_key(1, &[&Value::Text("abc".into())]);
        assert!(!b.starts_with(&a));
        assert!(a < b);
    }
}
