//! How MVCC versions are laid out in the KV engine.
//!
//! KV key: `encode_bytes(user_key) ++ !version (u64 big-endian)`. The escaped,
//! terminated user key keeps keys prefix-free, so all versions of one user key
//! are contiguous and ordered like the user keys; the inverted version puts
//! the newest version first. KV value: `[0]` for a tombstone, `[1] ++ value`
//! for a put.

use crate::key::{decode_bytes, encode_bytes};
use std::ops::Bound;

/// Bytes appended after a key prefix that sort after every version of it.
const PAST_ALL_VERSIONS: [u8; 9] = [0xFF; 9];

/// The escaped, terminated user key: a prefix of all its versions.
pub fn prefix(user: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(user.len() + 10);
    encode_bytes(&mut out, user);
    out
}

/// KV key of `user` at `version`.
pub fn version_key(user: &[u8], version: u64) -> Vec<u8> {
    let mut out = prefix(user);
    out.extend_from_slice(&(!version).to_be_bytes());
    out
}

/// Splits a KV key into user key and version; `None` if malformed.
pub fn split(kv_key: &[u8]) -> Option<(Vec<u8>, u64)> {
    let mut rest = kv_key;
    let user = decode_bytes(&mut rest).ok()?;
    let v: [u8; 8] = rest.try_into().ok()?;
    Some((user, !u64::from_be_bytes(v)))
}

/// Splits a KV key into the encoded user key (shared by all its versions)
/// and the version, without decoding; `None` if too short.
pub fn split_encoded(kv_key: &[u8]) -> Option<(&[u8], u64)> {
    let at = kv_key.len().checked_sub(8)?;
    let (encoded, v) = kv_key.split_at(at);
    let v: [u8; 8] = v.try_into().ok()?;
    Some((encoded, !u64::from_be_bytes(v)))
}

/// True when two encoded user keys are equal. Compares the last eight bytes
/// first: neighbouring keys of a scan (the versions of one key aside) share
/// long prefixes and differ near the end, so most unequal pairs are told
/// apart without a full comparison.
#[inline]
pub fn same_encoded(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if let (Some(ta), Some(tb)) = (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        if ta != tb {
            return false;
        }
    }
    a == b
}

/// Decodes an encoded user key (as [`split_encoded`] returns it); `None`
/// if it is not exactly one escaped, terminated byte string.
pub fn decode_user(encoded: &[u8]) -> Option<Vec<u8>> {
    let mut rest = encoded;
    let user = decode_bytes(&mut rest).ok()?;
    rest.is_empty().then_some(user)
}

/// KV value for a put (`Some`) or a tombstone (`None`).
pub fn encode_value(v: Option<&[u8]>) -> Vec<u8> {
    match v {
        None => vec![0],
        Some(v) => {
            let mut out = Vec::with_capacity(v.len() + 1);
            out.push(1);
            out.extend_from_slice(v);
            out
        }
    }
}

/// Decodes a KV value: `Some(None)` is a tombstone, `None` is malformed.
pub fn decode_value(v: &[u8]) -> Option<Option<Vec<u8>>> {
    match v.split_first() {
        Some((0, [])) => Some(None),
        Some((1, rest)) => Some(Some(rest.to_vec())),
        _ => None,
    }
}

/// KV bound equivalent to a user-key lower bound.
pub fn lower(b: &Bound<Vec<u8>>) -> Bound<Vec<u8>> {
    match b {
        Bound::Unbounded => Bound::Unbounded,
        Bound::Included(k) => Bound::Included(prefix(k)),
        Bound::Excluded(k) => {
            let mut p = prefix(k);
            p.extend_from_slice(&PAST_ALL_VERSIONS);
            Bound::Included(p)
        }
    }
}

/// KV bound equivalent to a user-key upper bound.
pub fn upper(b: &Bound<Vec<u8>>) -> Bound<Vec<u8>> {
    match b {
        Bound::Unbounded => Bound::Unbounded,
        Bound::Excluded(k) => Bound::Excluded(prefix(k)),
        Bound::Included(k) => {
            let mut p = prefix(k);
            p.extend_from_slice(&PAST_ALL_VERSIONS);
            Bound::Included(p)
        }
    }
}

/// The KV range holding the versions of `user` that are `<= max_version`, newest first.
pub fn versions_upto(user: &[u8], max_version: u64) -> (Vec<u8>, Vec<u8>) {
    let p = prefix(user);
    let mut end = p.clone();
    end.extend_from_slice(&PAST_ALL_VERSIONS);
    (version_key(user, max_version), end)
}

/// True when a range with these bounds is non-empty-able (not inverted), so
/// that `BTreeMap::range` will not panic on it.
pub fn bounds_ok(start: &Bound<Vec<u8>>, end: &Bound<Vec<u8>>) -> bool {
    match (start, end) {
        (Bound::Included(s), Bound::Included(e)) => s <= e,
        (Bound::Included(s) | Bound::Excluded(s), Bound::Included(e) | Bound::Excluded(e)) => s < e,
        _ => true,
    }
}

/// Borrows a `Bound<Vec<u8>>` as a `Bound<&[u8]>`.
pub fn as_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Unbounded => Bound::Unbounded,
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let a = version_key(b"a", 5);
        assert_eq!(split(&a), Some((b"a".to_vec(), 5)));
        let (long, short) = (prefix(b"0123456789abcdef"), prefix(b"0123456789abcdeg"));
        assert!(same_encoded(&long, &prefix(b"0123456789abcdef")));
        assert!(!same_encoded(&long, &short));
        assert!(!same_encoded(&prefix(b"x"), &prefix(b"xy")));
        assert!(same_encoded(b"", b""));
        assert!(version_key(b"a", 6) < a);
        assert!(version_key(b"a\x00", 1) > version_key(b"a", 1));
        assert!(version_key(b"a\x00", 1) < version_key(b"a\x01", 1));
        assert_eq!(decode_value(&encode_value(None)), Some(None));
        assert_eq!(
            decode_value(&encode_value(Some(b"x"))),
            Some(Some(b"x".to_vec()))
        );
    }
}
