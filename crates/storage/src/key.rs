//! Order-preserving ("memcomparable") key encodings.
//!
//! Every `encode_*` function appends to a buffer so that, for values `a` and
//! `b` of the same type, `a < b  <=>  enc(a) < enc(b)` under plain byte-wise
//! comparison, and a concatenation of encodings compares like the tuple of
//! values. Byte strings are escaped and terminated, so they are prefix-free
//! and can be followed by further components.
//!
//! Nulls: write [`encode_null_last`] (or [`encode_null_first`]) for a null
//! value, and [`encode_not_null`] before a present value. PostgreSQL's default
//! for ascending order is NULLS LAST.

use crate::error::{Result, StorageError};

/// Marker byte for a NULL that sorts before every value (NULLS FIRST).
pub const NULL_FIRST: u8 = 0x00;
/// Marker byte written before a present value.
pub const NOT_NULL: u8 = 0x01;
/// Marker byte for a NULL that sorts after every value (NULLS LAST).
pub const NULL_LAST: u8 = 0x02;

/// Appends the marker of a NULL sorting before all values.
pub fn encode_null_first(out: &mut Vec<u8>) {
    out.push(NULL_FIRST);
}

/// Appends the marker of a NULL sorting after all values.
pub fn encode_null_last(out: &mut Vec<u8>) {
    out.push(NULL_LAST);
}

/// Appends the marker that precedes a present (non-null) value.
pub fn encode_not_null(out: &mut Vec<u8>) {
    out.push(NOT_NULL);
}

/// Appends a boolean (`false < true`), one byte.
pub fn encode_bool(out: &mut Vec<u8>, v: bool) {
    out.push(u8::from(v));
}

/// Appends an unsigned 64-bit integer, 8 bytes big-endian.
pub fn encode_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends a signed 64-bit integer, 8 bytes big-endian with the sign bit flipped.
pub fn encode_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
}

/// Appends a float, 8 bytes. `-0.0` encodes as `0.0`, and every NaN as one
/// NaN that sorts after `+inf`, as PostgreSQL orders floats.
pub fn encode_f64(out: &mut Vec<u8>, v: f64) {
    let v = if v.is_nan() {
        f64::NAN
    } else if v == 0.0 {
        0.0
    } else {
        v
    };
    let bits = v.to_bits();
    let enc = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    out.extend_from_slice(&enc.to_be_bytes());
}

/// Appends a byte string: each `0x00` becomes `0x00 0xFF`, and the string
/// ends with `0x00 0x01`. Use it for text too (UTF-8 bytes order like code points).
pub fn encode_bytes(out: &mut Vec<u8>, v: &[u8]) {
    for &b in v {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

/// Inverts the bytes of `buf[from..]`, turning an ascending encoding into a
/// descending one (for `DESC` index columns).
pub fn invert(buf: &mut [u8], from: usize) {
    if let Some(tail) = buf.get_mut(from..) {
        for b in tail {
            *b = !*b;
        }
    }
}

/// Smallest byte string greater than every string that starts with `prefix`,
/// or `None` if there is none (empty or all-`0xFF` prefix).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut v = prefix.to_vec();
    while let Some(last) = v.pop() {
        if last != 0xFF {
            v.push(last + 1);
            return Some(v);
        }
    }
    None
}

fn take<'a>(input: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8]> {
    if input.len() < n {
        return Err(StorageError::InvalidKey(format!("truncated {what}")));
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

fn take8(input: &mut &[u8], what: &str) -> Result<u64> {
    let b = take(input, 8, what)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok(u64::from_be_bytes(a))
}

/// Reads a null/not-null marker; returns `true` for a present value.
pub fn decode_not_null(input: &mut &[u8]) -> Result<bool> {
    match take(input, 1, "null marker")?[0] {
        NOT_NULL => Ok(true),
        NULL_FIRST | NULL_LAST => Ok(false),
        b => Err(StorageError::InvalidKey(format!("bad null marker {b:#x}"))),
    }
}

/// Decodes a boolean written by [`encode_bool`], advancing `input`.
pub fn decode_bool(input: &mut &[u8]) -> Result<bool> {
    match take(input, 1, "bool")?[0] {
        0 => Ok(false),
        1 => Ok(true),
        b => Err(StorageError::InvalidKey(format!("bad bool byte {b:#x}"))),
    }
}

/// Decodes a value written by [`encode_u64`], advancing `input`.
pub fn decode_u64(input: &mut &[u8]) -> Result<u64> {
    take8(input, "u64")
}

/// Decodes a value written by [`encode_i64`], advancing `input`.
pub fn decode_i64(input: &mut &[u8]) -> Result<i64> {
    Ok((take8(input, "i64")? ^ (1 << 63)) as i64)
}

/// Decodes a value written by [`encode_f64`], advancing `input`.
pub fn decode_f64(input: &mut &[u8]) -> Result<f64> {
    let enc = take8(input, "f64")?;
    let bits = if enc >> 63 == 1 {
        enc & !(1 << 63)
    } else {
        !enc
    };
    Ok(f64::from_bits(bits))
}

/// Decodes a byte string written by [`encode_bytes`], advancing `input`.
pub fn decode_bytes(input: &mut &[u8]) -> Result<Vec<u8>> {
    // Copies the runs between zero bytes whole (keys are decoded per row).
    let mut out = Vec::with_capacity(input.len());
    let mut rest: &[u8] = input;
    loop {
        let Some(zero) = rest.iter().position(|&b| b == 0) else {
            return Err(StorageError::InvalidKey("unterminated bytes".into()));
        };
        out.extend_from_slice(&rest[..zero]);
        match rest.get(zero + 1) {
            Some(0xFF) => {
                out.push(0);
                rest = &rest[zero + 2..];
            }
            Some(0x01) => {
                *input = &rest[zero + 2..];
                return Ok(out);
            }
            _ => return Err(StorageError::InvalidKey("bad escape in bytes".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc<T: Copy>(f: fn(&mut Vec<u8>, T), v: T) -> Vec<u8> {
        let mut b = Vec::new();
        f(&mut b, v);
        b
    }

    proptest! {
        #[test]
        fn i64_order(a: i64, b: i64) {
            prop_assert_eq!(a.cmp(&b), enc(encode_i64, a).cmp(&enc(encode_i64, b)));
            prop_assert_eq!(decode_i64(&mut &enc(encode_i64, a)[..]).unwrap(), a);
        }

        #[test]
        fn u64_order(a: u64, b: u64) {
            prop_assert_eq!(a.cmp(&b), enc(encode_u64, a).cmp(&enc(encode_u64, b)));
            prop_assert_eq!(decode_u64(&mut &enc(encode_u64, a)[..]).unwrap(), a);
        }

        #[test]
        fn f64_order(a in any::<f64>().prop_filter("no nan", |f| !f.is_nan()),
                     b in any::<f64>().prop_filter("no nan", |f| !f.is_nan())) {
            let (ea, eb) = (enc(encode_f64, a), enc(encode_f64, b));
            prop_assert_eq!(a.partial_cmp(&b).unwrap(), ea.cmp(&eb));
            prop_assert!(enc(encode_f64, f64::NAN) > ea);
            let d = decode_f64(&mut &ea[..]).unwrap();
            prop_assert!(d == a);
        }

        #[test]
        fn bytes_order_and_tuples(a: Vec<u8>, b: Vec<u8>, x: i64, y: i64) {
            let mut ea = Vec::new();
            encode_bytes(&mut ea, &a);
            encode_i64(&mut ea, x);
            let mut eb = Vec::new();
            encode_bytes(&mut eb, &b);
            encode_i64(&mut eb, y);
            prop_assert_eq!((&a, x).cmp(&(&b, y)), ea.cmp(&eb));
            let mut inp = &ea[..];
            prop_assert_eq!(decode_bytes(&mut inp).unwrap(), a);
            prop_assert_eq!(decode_i64(&mut inp).unwrap(), x);
            prop_assert!(inp.is_empty());
        }

        #[test]
        fn nullable_order(a: Option<i64>, b: Option<i64>) {
            // NULLS LAST: None sorts after every value.
            let e = |v: Option<i64>| {
                let mut o = Vec::new();
                match v {
                    None => encode_null_last(&mut o),
                    Some(v) => { encode_not_null(&mut o); encode_i64(&mut o, v) }
                }
                o
            };
            let model = match (a, b) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) => x.cmp(&y),
            };
            prop_assert_eq!(model, e(a).cmp(&e(b)));
        }

        #[test]
        fn decode_garbage_never_panics(g: Vec<u8>) {
            let mut i = &g[..];
            let _ = decode_bytes(&mut i);
            let mut i = &g[..];
            let _ = decode_f64(&mut i);
            let mut i = &g[..];
            let _ = decode_bool(&mut i);
        }

        #[test]
        fn descending_inverts(a: i64, b: i64) {
            let mut ea = enc(encode_i64, a);
            let mut eb = enc(encode_i64, b);
            invert(&mut ea, 0);
            invert(&mut eb, 0);
            prop_assert_eq!(b.cmp(&a), ea.cmp(&eb));
        }
    }

    #[test]
    fn bools_and_successor() {
        assert!(enc(encode_bool, false) < enc(encode_bool, true));
        assert_eq!(prefix_successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_successor(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_successor(b"\xff\xff"), None);
        assert!(enc(encode_f64, -0.0) == enc(encode_f64, 0.0));
    }
}
