//! PostgreSQL's general-purpose hash (`hash_any`, Bob Jenkins' lookup3
//! mixing as PostgreSQL 15 applies it): the hash behind `hashtext`,
//! `hashfloat8` and TABLESAMPLE's samplers, so the rows a repeatable sample
//! picks are the ones PostgreSQL picks. Written here because the lookup3
//! crates hash the trailing bytes and the final round differently from
//! PostgreSQL (it mixes every full 12-byte block in the loop and always runs
//! the final round; the lowest byte of `c` is kept for the length).

/// `hash_any` over `bytes`, on a little-endian machine as PostgreSQL's
/// aligned path reads them.
pub fn hash_bytes(bytes: &[u8]) -> u32 {
    let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let init = 0x9e37_79b9u32
        .wrapping_add(bytes.len() as u32)
        .wrapping_add(3_923_095);
    let (mut a, mut b, mut c) = (init, init, init);
    let mut rest = bytes;
    while rest.len() >= 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    // The last 0..11 bytes: whole words into a and b, the tail of the third
    // word into c's upper three bytes.
    let partial = |bytes: &[u8], shift0: u32| -> u32 {
        bytes.iter().enumerate().fold(0u32, |acc, (i, &x)| {
            acc.wrapping_add((x as u32) << (shift0 + 8 * i as u32))
        })
    };
    match rest.len() {
        0 => {}
        1..=3 => a = a.wrapping_add(partial(rest, 0)),
        4..=7 => {
            a = a.wrapping_add(word(&rest[0..4]));
            b = b.wrapping_add(partial(&rest[4..], 0));
        }
        _ => {
            a = a.wrapping_add(word(&rest[0..4]));
            b = b.wrapping_add(word(&rest[4..8]));
            c = c.wrapping_add(partial(&rest[8..], 8));
        }
    }
    final_mix(&mut a, &mut b, &mut c);
    c
}

/// `hashfloat8`: 0 for both zeros, every NaN as the standard NaN.
pub fn hash_float8(v: f64) -> u32 {
    if v == 0.0 {
        return 0;
    }
    let v = if v.is_nan() { f64::NAN } else { v };
    hash_bytes(&v.to_le_bytes())
}

/// `hash_any` over 32-bit words laid out in memory (TABLESAMPLE's inputs).
pub fn hash_words(words: &[u32]) -> u32 {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    hash_bytes(&bytes)
}

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_nan_hash_as_postgresql_defines() {
        assert_eq!(hash_float8(0.0), 0);
        assert_eq!(hash_float8(-0.0), 0);
        assert_eq!(hash_float8(f64::NAN), hash_float8(-f64::NAN));
        assert_ne!(hash_float8(1.0), hash_float8(2.0));
    }

    /// Values from PostgreSQL 15: `hashtext(left('abc…z', n))` and
    /// `hashfloat8(…)`, as int4.
    #[test]
    fn matches_postgresql_known_answers() {
        let expected: [i32; 14] = [
            -1477818771,
            1075015857,
            1718550461,
            -785388649,
            -393934804,
            -445659580,
            -1747460160,
            501636814,
            -1960928205,
            -92131489,
            1948051852,
            -1483803693,
            -1586087212,
            405849808,
        ];
        let letters = b"abcdefghijklmnopqrstuvwxyz";
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(hash_bytes(&letters[..n]) as i32, *want, "length {n}");
        }
        assert_eq!(hash_float8(1.0) as i32, 376496956);
        assert_eq!(hash_float8(0.5) as i32, 109745130);
        assert_eq!(hash_float8(f64::NAN) as i32, -1275764840);
        assert_eq!(hash_float8(-2.5e10) as i32, -1571277925);
    }

    #[test]
    fn words_hash_as_their_little_endian_bytes() {
        assert_eq!(
            hash_words(&[1, 2, 3]),
            hash_bytes(&[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0])
        );
    }
}
