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
    fn decoy_salt_is_stable_per_user() {
        let a = decoy_verifier("mallory", b"k");
        let b = decoy_verifier("mallory", b"k");
        assert_eq!(a.salt, b.salt);
        assert_ne!(a.salt, decoy_verifier("alice", b"k").salt);
    }
}
