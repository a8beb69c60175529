//! The PostgreSQL wire server.
//!
//! [`serve`] listens on TCP addresses and a unix socket; each connection gets
//! [`connection::ConnHandlers`], which authenticate through pg_hba.conf rules
//! ([`rampart_auth::hba`]) and SCRAM-SHA-256 verifiers, then drive a
//! [`rampart_sql::Session`] for the simple and extended query protocols.
//! The wire layer knows nothing of storage or the catalog beyond the
//! session's interface and a role-verifier lookup.

mod authn;
pub mod connection;
mod listener;
mod shards;
mod startup;
pub mod throttle;
pub mod wire;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use rampart_auth::hba::{HbaConfig, ParseOptions};
use rampart_auth::ident::IdentConfig;
use rampart_auth::scram::{decoy_verifier, parse_verifier, Verifier};
use rampart_sql::Engine;

pub use listener::serve;
pub use shards::Shards;

/// Listener and authentication configuration.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Addresses to listen on (`localhost`, `*`, IPs); empty = no TCP.
    pub listen_addresses: Vec<String>,
    /// TCP port (also names the unix socket file).
    pub port: u16,
    /// Directories for the unix socket (`.s.PGSQL.<port>`); empty = none.
    pub socket_dirs: Vec<std::path::PathBuf>,
    /// `unix_socket_permissions` (default 0777: pg_hba.conf decides who gets in).
    pub socket_permissions: u32,
    /// `unix_socket_group`: group owning the socket ("" = the server's).
    pub socket_group: String,
    /// pg_hba.conf and pg_ident.conf rules in force at start.
    pub auth: AuthRules,
    /// Where the rules are re-read from on SIGHUP / `pg_reload_conf()`
    /// (None: the rules are fixed).
    pub auth_files: Option<AuthFiles>,
    /// Maximum concurrent sessions.
    pub max_connections: usize,
    /// Slots of `max_connections` only superusers may take.
    pub superuser_reserved_connections: usize,
    /// TLS certificate and key (PEM); None = TLS off (SSLRequest answered 'N').
    pub tls: Option<TlsFiles>,
    /// Login throttling.
    pub throttle: throttle::ThrottleConfig,
    /// `log_connections`: log each connection attempt and authorization.
    pub log_connections: bool,
    /// `log_disconnections`: log each session end with its duration.
    pub log_disconnections: bool,
}

/// The authentication rules: pg_hba.conf and the pg_ident.conf user maps.
#[derive(Clone, Debug, Default)]
pub struct AuthRules {
    /// pg_hba.conf.
    pub hba: HbaConfig,
    /// pg_ident.conf.
    pub ident: IdentConfig,
}

/// Paths of the authentication files.
#[derive(Clone, Debug)]
pub struct AuthFiles {
    /// pg_hba.conf.
    pub hba_file: std::path::PathBuf,
    /// pg_ident.conf (a missing file is an empty map, as in PostgreSQL).
    pub ident_file: std::path::PathBuf,
}

impl AuthFiles {
    /// Reads and parses both files; any error refuses them as a whole, and
    /// the message is the server-log text (`LOG: … CONTEXT: line N of
    /// configuration file "…"`, one entry per bad line).
    pub fn load(&self, ssl: bool) -> Result<AuthRules, String> {
        let context = |path: &std::path::Path, errs: Vec<(usize, String)>| {
            errs.into_iter()
                .map(|(n, m)| {
                    format!(
                        "{m}\nCONTEXT:  line {n} of configuration file \"{}\"",
                        path.display()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let hba_text = std::fs::read_to_string(&self.hba_file).map_err(|e| {
            format!(
                "could not open configuration file \"{}\": {e}",
                self.hba_file.display()
            )
        })?;
        let hba = HbaConfig::parse_with(
            &hba_text,
            ParseOptions {
                ssl,
                dir: self.hba_file.parent(),
            },
        )
        .map_err(|e| context(&self.hba_file, e))?;
        if hba.rules.is_empty() {
            return Err(format!(
                "configuration file \"{}\" contains no entries",
                self.hba_file.display()
            ));
        }
        let ident = match std::fs::read_to_string(&self.ident_file) {
            Ok(text) => IdentConfig::parse_with(&text, self.ident_file.parent())
                .map_err(|e| context(&self.ident_file, e))?,
            Err(_) => IdentConfig::default(),
        };
        for r in &hba.rules {
            if r.method == rampart_auth::hba::Method::Password
                && r.conn != rampart_auth::hba::ConnType::HostSsl
                && r.conn != rampart_auth::hba::ConnType::Local
            {
                tracing::warn!(
                    "pg_hba.conf line {}: method \"password\" sends passwords in clear text over connections that may not use TLS; use scram-sha-256 or hostssl",
                    r.line
                );
            }
        }
        Ok(AuthRules { hba, ident })
    }
}

/// PEM contents of the server certificate chain and private key, and of the
/// CA and revocation list client certificates are checked against.
#[derive(Clone, Default)]
pub struct TlsFiles {
    /// Certificate chain (PEM).
    pub cert_pem: Vec<u8>,
    /// Private key (PEM).
    pub key_pem: Vec<u8>,
    /// `ssl_ca_file`: CAs trusted for client certificates (None: clients
    /// are not asked for one, and `cert`/`clientcert` rules cannot pass).
    pub ca_pem: Option<Vec<u8>>,
    /// `ssl_crl_file`: revoked client certificates.
    pub crl_pem: Option<Vec<u8>>,
    /// `ssl_min_protocol_version`: `TLSv1.2` (default) or `TLSv1.3`.
    pub min_protocol: String,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsFiles { .. }")
    }
}

/// Builds the TLS acceptor (rustls with the ring provider). With a CA file,
/// clients are asked for a certificate but may connect without one: which
/// connections need one is pg_hba.conf's decision (`cert`, `clientcert`),
/// while a certificate that is presented must verify (and not be revoked).
pub fn tls_acceptor(files: &TlsFiles) -> Result<pgwire::tokio::TlsAcceptor, String> {
    use pgwire::tokio::tokio_rustls::rustls;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&files.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("could not load server certificate file: {e}"))?;
    if certs.is_empty() {
        return Err("could not load server certificate file: no certificate found".into());
    }
    let key = PrivateKeyDer::from_pem_slice(&files.key_pem)
        .map_err(|e| format!("could not load private key file: {e}"))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = match files.min_protocol.as_str() {
        "" | "TLSv1.2" => &[&rustls::version::TLS13, &rustls::version::TLS12],
        "TLSv1.3" => &[&rustls::version::TLS13],
        "TLSv1" | "TLSv1.1" => {
            return Err(format!(
                "ssl_min_protocol_version \"{}\" is not supported: Rampart's TLS library offers TLSv1.2 and TLSv1.3 only",
                files.min_protocol
            ))
        }
        other => {
            return Err(format!(
                "invalid value for parameter \"ssl_min_protocol_version\": \"{other}\""
            ))
        }
    };
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| e.to_string())?;
    let builder = match &files.ca_pem {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(ca) {
                let c = c.map_err(|e| format!("could not load root certificate file: {e}"))?;
                roots
                    .add(c)
                    .map_err(|e| format!("could not load root certificate file: {e}"))?;
            }
            let mut verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                std::sync::Arc::new(roots),
                provider,
            )
            .allow_unauthenticated();
            if let Some(crl) = &files.crl_pem {
                let crls: Vec<CertificateRevocationListDer<'static>> =
                    CertificateRevocationListDer::pem_slice_iter(crl)
                        .collect::<Result<_, _>>()
                        .map_err(|e| {
                            format!("could not load SSL certificate revocation list file: {e}")
                        })?;
                verifier = verifier.with_crls(crls);
            }
            let verifier = verifier
                .build()
                .map_err(|e| format!("could not load root certificate file: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
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
    /// The pg_hba.conf / pg_ident.conf rules in force (replaced on reload).
    auth: RwLock<Arc<AuthRules>>,
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
            auth: RwLock::new(Arc::new(config.auth.clone())),
            config,
        })
    }

    /// The authentication rules in force.
    pub fn auth_rules(&self) -> Arc<AuthRules> {
        self.auth.read().clone()
    }

    /// Re-reads pg_hba.conf and pg_ident.conf (SIGHUP, `pg_reload_conf()`).
    /// A file with errors is refused as a whole and the rules in force stay,
    /// as in PostgreSQL; both outcomes are logged.
    pub fn reload(&self) {
        tracing::info!("received SIGHUP, reloading configuration files");
        let Some(files) = &self.config.auth_files else {
            return;
        };
        match files.load(self.config.tls.is_some()) {
            Ok(rules) => *self.auth.write() = Arc::new(rules),
            Err(e) => {
                tracing::warn!("{e}");
                tracing::warn!("pg_hba.conf was not reloaded");
            }
        }
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

    /// Records and logs a failed login with its reason (server log only);
    /// logs when it starts a lockout.
    pub fn note_login_failure(&self, user: &str, addr: Option<std::net::IpAddr>, reason: &str) {
        let host = addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "[local]".into());
        tracing::warn!(user, host = %host, "{reason}");
        if self.throttle.failure(user, addr) {
            let c = self.throttle.config();
            tracing::warn!(user, host = %host, "login locked for {}s after {} failures within {}s", c.lockout.as_secs(), c.limit, c.window.as_secs());
        }
    }

    /// The throttle's current failures and lockouts with wall-clock times
    /// (`rampart_auth_failures`).
    pub fn auth_failures(&self) -> Vec<rampart_sql::engine::AuthFailure> {
        let now = std::time::Instant::now();
        let wall = chrono::Utc::now();
        let at = |t: std::time::Instant| {
            let ago =
                chrono::Duration::from_std(now.saturating_duration_since(t)).unwrap_or_default();
            let ahead =
                chrono::Duration::from_std(t.saturating_duration_since(now)).unwrap_or_default();
            wall - ago + ahead
        };
        self.throttle
            .snapshot()
            .into_iter()
            .map(|f| rampart_sql::engine::AuthFailure {
                user: f.user,
                client_addr: f.addr.map(|a| a.to_string()),
                recent_failures: f.recent_failures as i32,
                last_failure: f.last_failure.map(at),
                locked_until: f.locked_until.map(at),
            })
            .collect()
    }

    /// Why a password login failed, as PostgreSQL's log DETAIL says it
    /// (never sent to the client, who only learns that it failed).
    pub fn failure_detail(&self, user: &str, addr: Option<std::net::IpAddr>) -> String {
        if self.throttle.is_locked(user, addr) {
            return format!(
                "Login for user \"{user}\" from this address is locked after repeated failures."
            );
        }
        self.engine.password_failure_detail(user)
    }
}
