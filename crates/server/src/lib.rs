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
pub mod throttle;
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
    /// TLS certificate and key (PEM); None = TLS off (SSLRequest answered 'N').
    pub tls: Option<TlsFiles>,
    /// Login throttling.
    pub throttle: throttle::ThrottleConfig,
}

/// PEM contents of the server certificate chain and private key.
#[derive(Clone)]
pub struct TlsFiles {
    /// Certificate chain (PEM).
    pub cert_pem: Vec<u8>,
    /// Private key (PEM).
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsFiles { .. }")
    }
}

/// Builds the TLS acceptor (rustls with the ring provider).
pub fn tls_acceptor(files: &TlsFiles) -> Result<pgwire::tokio::TlsAcceptor, String> {
    use pgwire::tokio::tokio_rustls::rustls;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&files.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("could not load server certificate file: {e}"))?;
    if certs.is_empty() {
        return Err("could not load server certificate file: no certificate found".into());
    }
    let key = PrivateKeyDer::from_pem_slice(&files.key_pem)
        .map_err(|e| format!("could not load private key file: {e}"))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("invalid server certificate or key: {e}"))?;
    Ok(pgwire::tokio::TlsAcceptor::from(std::sync::Arc::new(
        config,
    )))
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
    /// Failed-login bookkeeping.
    pub throttle: throttle::Throttle,
}

impl Shared {
    /// Cancels every running statement (fast shutdown: sessions must not
    /// keep the server alive with a runaway query or routine).
    pub fn cancel_all(&self) {
        for e in self.sessions.lock().values() {
            e.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Shared state for a server.
    pub fn new(engine: Arc<Engine>, config: ServerConfig) -> Arc<Shared> {
        Arc::new(Shared {
            engine,
            sessions: Mutex::new(HashMap::new()),
            connections: AtomicUsize::new(0),
            server_secret: rand::random(),
            throttle: throttle::Throttle::new(config.throttle.clone()),
            config,
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

    /// Records and logs a failed login; logs when it starts a lockout.
    pub fn note_login_failure(&self, user: &str, addr: Option<std::net::IpAddr>) {
        let host = addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "[local]".into());
        tracing::warn!(user, host = %host, "password authentication failed");
        if self.throttle.failure(user, addr) {
            let c = self.throttle.config();
            tracing::warn!(user, host = %host, "login locked for {}s after {} failures within {}s", c.lockout.as_secs(), c.limit, c.window.as_secs());
        }
    }
}
