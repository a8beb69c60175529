//! SCRAM-SHA-256 verifiers: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// The parts of a stored verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    /// PBKDF2 iterations.
    pub iterations: usize,
    /// Salt.
    pub salt: Vec<u8>,
    /// `H(ClientKey)`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

/// Builds PostgreSQL's verifier string for a password (random 16-byte salt, 4096 iterations).
pub fn make_verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

/// Whether `password` is the one `v` was made from: the verifier is
/// recomputed with its salt and iteration count and compared in constant
/// time. Used by the `password` method (cleartext over the wire) and to
/// refuse a verifier of the empty password, as PostgreSQL does.
///
/// Written here because postgres-protocol keeps its PBKDF2 (`hi`) private;
/// HMAC and SHA-256 come from the same crates it uses.
pub fn verifies(v: &Verifier, password: &str) -> bool {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};
    let Ok(iterations) = u32::try_from(v.iterations) else {
        return false;
    };
    // SASLprep as PostgreSQL and libpq apply it; passwords it rejects are used as is.
    let prepared = stringprep::saslprep(password)
        .map(|p| p.into_owned())
        .unwrap_or_else(|_| password.to_string());
    let hmac = |key: &[u8], data: &[&[u8]]| {
        let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key size");
        for d in data {
            m.update(d);
        }
        m.finalize().into_bytes()
    };
    // PBKDF2-HMAC-SHA-256 with one output block (RFC 5802's Hi).
    let mut prev = hmac(prepared.as_bytes(), &[&v.salt, &[0, 0, 0, 1]]);
    let mut salted = prev;
    for _ in 1..iterations {
        prev = hmac(prepared.as_bytes(), &[&prev]);
        for (s, p) in salted.iter_mut().zip(prev.iter()) {
            *s ^= p;
        }
    }
    let client_key = hmac(&salted, &[b"Client Key"]);
    let stored_key = Sha256::digest(client_key);
    let server_key = hmac(&salted, &[b"Server Key"]);
    constant_time_eq(&stored_key, &v.stored_key) & constant_time_eq(&server_key, &v.server_key)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether a string is already a SCRAM verifier (as pg_dumpall and `\password` send).
pub fn is_verifier(s: &str) -> bool {
    parse_verifier(s).is_some()
}

/// Parses a verifier string.
pub fn parse_verifier(s: &str) -> Option<Verifier> {
    let rest = s.strip_prefix("SCRAM-SHA-256$")?;
    let (iter_salt, keys) = rest.split_once('$')?;
    let (iterations, salt) = iter_salt.split_once(':')?;
    let (stored, server) = keys.split_once(':')?;
    let v = Verifier {
        iterations: iterations.parse().ok().filter(|i| *i > 0)?,
        salt: STANDARD.decode(salt).ok()?,
        stored_key: STANDARD.decode(stored).ok()?,
        server_key: STANDARD.decode(server).ok()?,
    };
    (v.stored_key.len() == 32 && v.server_key.len() == 32).then_some(v)
}

/// A verifier that no password matches, with a salt derived from the user
/// name so repeated attempts look the same: used for unknown roles and roles
/// without a password, so an attacker cannot tell them from a wrong password.
pub fn decoy_verifier(user: &str, server_secret: &[u8]) -> Verifier {
    use std::hash::{Hash, Hasher};
    let mut salt = Vec::with_capacity(16);
    for i in 0..2u8 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (user, server_secret, i).hash(&mut h);
        salt.extend_from_slice(&h.finish().to_le_bytes());
    }
    let mut stored = vec![0u8; 32];
    let mut server = vec![0u8; 32];
    rand::fill(&mut stored[..]);
    rand::fill(&mut server[..]);
    Verifier {
        iterations: 4096,
        salt,
        stored_key: stored,
        server_key: server,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_roundtrip_and_format() {
        let v = make_verifier("s3cret");
        assert!(v.starts_with("SCRAM-SHA-256$4096:"));
        assert!(!v.contains("s3cret"));
        let p = parse_verifier(&v).unwrap();
        assert_eq!(p.iterations, 4096);
        assert_eq!(p.stored_key.len(), 32);
        assert!(is_verifier(&v));
        assert!(!is_verifier("s3cret"));
        assert!(!is_verifier("SCRAM-SHA-256$x:abc$def:ghi"));
    }

    #[test]
    fn cleartext_password_checks_against_the_verifier() {
        let v = parse_verifier(&make_verifier("s3cret")).unwrap();
        assert!(verifies(&v, "s3cret"));
        assert!(!verifies(&v, "s3cret "));
        assert!(!verifies(&v, ""));
        // PostgreSQL 15's regression suite's verifier of the empty password.
        let empty = parse_verifier("SCRAM-SHA-256$4096:hpFyHTUsSWcR7O9P$LgZFIt6Oqdo27ZFKbZ2nV+vtnYM995pDh9ca6WSi120=:qVV5NeluNfUPkwm7Vqat25RjSPLkGeoZBQs6wVv+um4=").unwrap();
        assert!(verifies(&empty, ""));
    }

    #[test]
    fn decoy_salt_is_stable_per_user() {
        let a = decoy_verifier("mallory", b"k");
        let b = decoy_verifier("mallory", b"k");
        assert_eq!(a.salt, b.salt);
        assert_ne!(a.salt, decoy_verifier("alice", b"k").salt);
    }
}
