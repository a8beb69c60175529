//! The PostgreSQL wire server.
//!
//! [`serve`] listens on TCP addresses and a unix socket; each connection gets
//! [`connection::ConnHandlers`], which authenticate through pg_hba.conf rules
//! ([`rampart_auth::hba`]) and SCRAM-SHA-256 verifiers, then drive a
//! [`rampart_sql::Session`] for the simple and extended query protocols.
//! The wire layer knows nothing of storage or the catalog beyond the
//! session's interface and a role-verifier lookup.

pub mod connection;
mod listener;
pub mod wire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Arc;

use parking_lot::Mutex;
use rampart_auth::hba::HbaConfig;
use rampart_auth::scram::{decoy_verifier, parse_verifier, Verifier};
use rampart_sql::Engine;

pub use listener::serve;

/// Listener and authentication configuration.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Addresses to listen on (`localhost`, `*`, IPs); empty = no TCP.
    pub listen_addresses: Vec<String>,
    /// TCP port (also names the unix socket file).
    pub port: u16,
    /// Directory for the unix socket (`.s.PGSQL.<port>`), if any.
    pub socket_dir: Option<std::path::PathBuf>,
    /// pg_hba.conf rules.
    pub hba: HbaConfig,
    /// Maximum concurrent sessions.
    pub max_connections: usize,
}

/// What the server keeps about a live session.
pub struct SessionEntry {
    /// Cancel secret from BackendKeyData.
    pub secret: i32,
    /// Set to cancel the running statement.
    pub cancel: Arc<AtomicBool>,
    /// The role that logged in (for per-role connection limits).
    pub role: String,
}

/// State shared by all connections.
pub struct Shared {
    /// The SQL engine.
    pub engine: Arc<Engine>,
    /// Configuration.
    pub config: ServerConfig,
    /// Live sessions by pid.
    pub sessions: Mutex<HashMap<i32, SessionEntry>>,
    /// Number of authenticated sessions.
    pub connections: AtomicUsize,
    /// Random per-process secret for decoy SCRAM salts.
    server_secret: [u8; 16],
}

impl Shared {
    /// Shared state for a server.
    pub fn new(engine: Arc<Engine>, config: ServerConfig) -> Arc<Shared> {
        Arc::new(Shared {
            engine,
            config,
            sessions: Mutex::new(HashMap::new()),
            connections: AtomicUsize::new(0),
            server_secret: rand::random(),
        })
    }

    /// The role's SCRAM verifier, or a decoy that never matches (unknown role,
    /// no password, NOLOGIN), so failures look identical to a wrong password.
    pub fn lookup_verifier(&self, user: &str) -> Verifier {
        let found = self
            .engine
            .role_verifier(user)
            .ok()
            .flatten()
            .and_then(|v| parse_verifier(&v));
        found.unwrap_or_else(|| decoy_verifier(user, &self.server_secret))
    }

    /// Records a failed login (logged; throttling builds on this later).
    pub fn note_login_failure(&self, user: &str) {
        tracing::warn!(user, "password authentication failed");
    }
}
