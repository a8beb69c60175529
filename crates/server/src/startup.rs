//! Startup and authentication.
//!
//! pg_hba.conf (the rules in force, [`crate::Shared::auth_rules`]) picks the
//! first matching rule; its method runs (trust, reject, SCRAM-SHA-256 for
//! `scram-sha-256` and `md5`, cleartext `password`, `cert`, `peer`), then
//! `clientcert=verify-full` / `cert` check the client certificate's CN
//! through the rule's pg_ident.conf map. Failures send PostgreSQL's message
//! and SQLSTATE to the client; the reason (DETAIL) goes only to the server
//! log, with the matched pg_hba.conf line.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Instant;

use async_trait::async_trait;
use futures::sink::{Sink, SinkExt};
use pgwire::api::auth::sasl::scram::{
    ScramSecret, ScramServerAuth, ScramServerAuthWaitingForClientFinal,
};
use pgwire::api::auth::{
    protocol_negotiation, save_startup_parameters_to_metadata, StartupHandler,
};
use pgwire::api::{ClientInfo, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::{ReadyForQuery, TransactionStatus};
use pgwire::messages::startup::{Authentication, BackendKeyData, ParameterStatus, SecretKey};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use rampart_auth::hba::{ClientCert, ConnectionInfo, Method, Rule};
use rampart_sql::Session;
use rampart_types::SqlState;

use crate::connection::{fatal, Conn};
use crate::wire::to_wire_error;

/// Who is logging in, under which pg_hba.conf rule.
pub(crate) struct Attempt {
    user: String,
    database: String,
    rule: Rule,
}

/// Where authentication stands between startup messages.
pub(crate) enum AuthStage {
    /// AuthenticationSASL sent; waiting for SASLInitialResponse.
    ScramStart(Attempt),
    /// server-first sent; waiting for client-final.
    ScramFinal(Attempt, Box<ScramServerAuthWaitingForClientFinal>),
    /// AuthenticationCleartextPassword sent; waiting for the password.
    Cleartext(Attempt),
}

/// A logged-in session, for `log_connections` / `log_disconnections`.
pub(crate) struct LoginRecord {
    user: String,
    database: String,
    host: String,
    started: Instant,
}

impl LoginRecord {
    fn new(local: bool, addr: SocketAddr, user: &str, database: &str) -> LoginRecord {
        LoginRecord {
            user: user.to_string(),
            database: database.to_string(),
            host: if local {
                "[local]".into()
            } else {
                format!("{} port={}", addr.ip(), addr.port())
            },
            started: Instant::now(),
        }
    }

    /// PostgreSQL's `connection authorized: user=… database=… application_name=… SSL enabled`.
    fn log_authorized(&self, application_name: Option<&str>, tls: bool) {
        let mut line = format!(
            "connection authorized: user={} database={}",
            self.user, self.database
        );
        if let Some(app) = application_name.filter(|a| !a.is_empty()) {
            line.push_str(&format!(" application_name={app}"));
        }
        if tls {
            line.push_str(" SSL enabled");
        }
        tracing::info!("{line}");
    }

    /// PostgreSQL's `disconnection: session time: H:MM:SS.mmm user=… database=… host=…`.
    pub(crate) fn log_disconnection(&self) {
        let ms = self.started.elapsed().as_millis();
        tracing::info!(
            "disconnection: session time: {}:{:02}:{:02}.{:03} user={} database={} host={}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000,
            self.user,
            self.database,
            self.host
        );
    }
}

/// The client-visible failure of a method, as PostgreSQL's `auth_failed`.
fn auth_failed(method: Method, user: &str) -> PgWireError {
    match method {
        Method::ScramSha256 | Method::Md5 | Method::Password => fatal(
            SqlState::INVALID_PASSWORD,
            format!("password authentication failed for user \"{user}\""),
        ),
        Method::Trust => fatal(
            SqlState::INVALID_AUTHORIZATION,
            format!("\"trust\" authentication failed for user \"{user}\""),
        ),
        Method::Peer => fatal(
            SqlState::INVALID_AUTHORIZATION,
            format!("Peer authentication failed for user \"{user}\""),
        ),
        Method::Cert => fatal(
            SqlState::INVALID_AUTHORIZATION,
            format!("certificate authentication failed for user \"{user}\""),
        ),
        Method::Reject => fatal(
            SqlState::INVALID_AUTHORIZATION,
            format!("authentication failed for user \"{user}\": host rejected"),
        ),
    }
}

impl Conn {
    fn host(&self, client: &impl ClientInfo) -> String {
        if self.local {
            "[local]".to_string()
        } else {
            client.socket_addr().ip().to_string()
        }
    }

    fn client_addr(&self, client: &impl ClientInfo) -> Option<std::net::IpAddr> {
        (!self.local).then(|| client.socket_addr().ip())
    }

    /// Logs a failed login with its reason and the matched rule, counts it
    /// for throttling, waits `auth_delay`, and returns the client's error.
    async fn fail(&self, client: &impl ClientInfo, attempt: &Attempt, detail: &str) -> PgWireError {
        let addr = self.client_addr(client);
        let error = auth_failed(attempt.rule.method, &attempt.user);
        let period = if detail.ends_with('.') { "" } else { "." };
        self.shared.note_login_failure(
            &attempt.user,
            addr,
            &format!(
                "{} authentication failed for user \"{}\"; DETAIL: {detail}{period} Connection matched pg_hba.conf line {}.",
                attempt.rule.method.name(),
                attempt.user,
                attempt.rule.line
            ),
        );
        tokio::time::sleep(self.shared.throttle.config().delay).await;
        error
    }

    /// The method succeeded: `cert` and `clientcert=verify-full` check the
    /// certificate's CN against the role (through the map), then the session starts.
    async fn authenticated<C>(&self, client: &mut C, attempt: Attempt) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // `cert` implies verify-full, so a `cert` login always has its CN here.
        let cert_cn = (attempt.rule.clientcert == ClientCert::VerifyFull)
            .then(|| {
                client
                    .client_certificates()
                    .and_then(|c| c.first().and_then(|c| crate::authn::certificate_cn(c)))
            })
            .flatten();
        if attempt.rule.clientcert == ClientCert::VerifyFull {
            let checked = match &cert_cn {
                None => Err("client certificate contains no user name".to_string()),
                Some(cn) => self.shared.auth_rules().ident.check(
                    attempt.rule.map.as_deref(),
                    &attempt.user,
                    cn,
                    false,
                ),
            };
            if let Err(why) = checked {
                let why = if attempt.rule.method == Method::Cert {
                    why
                } else {
                    format!("certificate validation (clientcert=verify-full) failed: {why}")
                };
                return Err(self.fail(client, &attempt, &why).await);
            }
        }
        self.shared
            .throttle
            .success(&attempt.user, self.client_addr(client));
        if self.shared.config.log_connections && attempt.rule.method != Method::Trust {
            // PostgreSQL's line naming the authenticated identity and the rule used.
            let identity = match attempt.rule.method {
                Method::Peer => self
                    .peer_user
                    .as_ref()
                    .and_then(|p| p.as_ref().ok().cloned())
                    .unwrap_or_default(),
                Method::Cert => cert_cn.clone().unwrap_or_default(),
                _ => attempt.user.clone(),
            };
            tracing::info!(
                "connection authenticated: identity=\"{identity}\" method={} (pg_hba.conf:{})",
                attempt.rule.method.name(),
                attempt.rule.line
            );
        }
        self.finish_startup(client, &attempt.user, &attempt.database)
            .await
    }

    /// Creates the session and sends AuthenticationOk, ParameterStatus, BackendKeyData, ReadyForQuery.
    pub(crate) async fn finish_startup<C>(
        &self,
        client: &mut C,
        user: &str,
        database: &str,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let max = self.shared.config.max_connections;
        if self.shared.connections.fetch_add(1, Ordering::SeqCst) >= max {
            self.shared.connections.fetch_sub(1, Ordering::SeqCst);
            return Err(fatal(
                SqlState("53300"),
                "sorry, too many clients already".into(),
            ));
        }
        let mut session = match Session::new(self.shared.engine.clone(), user, database) {
            Ok(s) => s,
            Err(e) => {
                self.shared.connections.fetch_sub(1, Ordering::SeqCst);
                return Err(to_wire_error(e.fatal()));
            }
        };
        if self.local {
            session.set_client(None, -1);
        } else {
            let peer = client.socket_addr();
            session.set_client(Some(peer.ip().to_string()), i32::from(peer.port()));
        }
        // libpq sends PGDATESTYLE/PGTZ and friends as startup parameters.
        let startup: Vec<(String, String)> = client
            .metadata()
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "user" | "database" | "options" | "replication" | "application_name"
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in startup {
            if let Err(e) = session.state.settings.set(&k, &v, false) {
                self.shared.connections.fetch_sub(1, Ordering::SeqCst);
                return Err(to_wire_error(e.fatal()));
            }
        }
        if let Some(opts) = client.metadata().get("options").cloned() {
            for (k, v) in parse_options(&opts) {
                if let Err(e) = session.state.settings.set(&k, &v, false) {
                    self.shared.connections.fetch_sub(1, Ordering::SeqCst);
                    return Err(to_wire_error(e.fatal()));
                }
            }
        }
        if let Some(app) = client.metadata().get("application_name").cloned() {
            let _ = session.state.settings.set("application_name", &app, false);
        }
        session.state.settings.keep_as_reset_values();
        let pid = session.state.backend_pid;
        let secret: i32 = rand::random();
        client.set_pid_and_secret_key(pid, SecretKey::I32(secret));
        let (limit, superuser) = match session.login_limits() {
            Ok(x) => x,
            Err(e) => {
                self.shared.connections.fetch_sub(1, Ordering::SeqCst);
                return Err(to_wire_error(e.fatal()));
            }
        };
        let reserved = self.shared.config.superuser_reserved_connections;
        if !superuser
            && self.shared.connections.load(Ordering::SeqCst) > max.saturating_sub(reserved)
        {
            self.shared.connections.fetch_sub(1, Ordering::SeqCst);
            return Err(fatal(
                SqlState("53300"),
                "remaining connection slots are reserved for non-replication superuser connections"
                    .into(),
            ));
        }
        {
            let mut sessions = self.shared.sessions.lock();
            let mine = sessions.values().filter(|e| e.role == user).count();
            if limit >= 0 && !superuser && mine >= limit as usize {
                drop(sessions);
                self.shared.connections.fetch_sub(1, Ordering::SeqCst);
                return Err(fatal(
                    SqlState("53300"),
                    format!("too many connections for role \"{user}\""),
                ));
            }
            sessions.insert(
                pid,
                crate::SessionEntry {
                    secret,
                    cancel: session.cancel.clone(),
                    role: user.to_string(),
                },
            );
        }
        *self.registered_pid.lock() = Some(pid);
        let params = [
            (
                "application_name",
                session
                    .state
                    .settings
                    .get("application_name")
                    .unwrap_or_default(),
            ),
            ("client_encoding", "UTF8".to_string()),
            (
                "DateStyle",
                session.state.settings.get("datestyle").unwrap_or_default(),
            ),
            ("default_transaction_read_only", "off".into()),
            ("in_hot_standby", "off".into()),
            ("integer_datetimes", "on".into()),
            ("IntervalStyle", "postgres".into()),
            (
                "is_superuser",
                session
                    .state
                    .settings
                    .get("is_superuser")
                    .unwrap_or_default(),
            ),
            ("server_encoding", "UTF8".into()),
            ("server_version", rampart_sql::SERVER_VERSION.into()),
            ("session_authorization", user.to_string()),
            ("standard_conforming_strings", "on".into()),
            (
                "TimeZone",
                session.state.settings.get("timezone").unwrap_or_default(),
            ),
        ];
        // Commits return before their fsync; the connection awaits it
        // before replying (`Conn::settle_commit`).
        session.set_deferred_durability(true);
        // Statements run on the async worker that reads them; the session
        // hands it off for what may take long.
        session.set_runs_on_worker(true);
        *self.session.lock() = Some(session);
        client
            .feed(PgWireBackendMessage::Authentication(Authentication::Ok))
            .await?;
        for (k, v) in params {
            client
                .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                    k.to_string(),
                    v,
                )))
                .await?;
        }
        client
            .feed(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(
                pid,
                SecretKey::I32(secret),
            )))
            .await?;
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                TransactionStatus::Idle,
            )))
            .await?;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        let record = LoginRecord::new(self.local, client.socket_addr(), user, database);
        if self.shared.config.log_connections {
            let app = client.metadata().get("application_name").cloned();
            record.log_authorized(app.as_deref(), client.is_secure());
        }
        *self.login.lock() = Some(record);
        Ok(())
    }
}

/// Parses startup `options` (`-c name=value`, `--name=value`).
fn parse_options(opts: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut words = opts.split_whitespace();
    while let Some(w) = words.next() {
        let kv = if w == "-c" {
            words.next().map(str::to_string)
        } else if let Some(rest) = w.strip_prefix("-c") {
            Some(rest.to_string())
        } else {
            w.strip_prefix("--").map(str::to_string)
        };
        if let Some((k, v)) = kv.as_deref().and_then(|kv| kv.split_once('=')) {
            out.push((k.replace('-', "_"), v.to_string()));
        }
    }
    out
}

#[async_trait]
impl StartupHandler for Conn {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                if self.shared.config.log_connections {
                    if self.local {
                        tracing::info!("connection received: host=[local]");
                    } else {
                        let a = client.socket_addr();
                        tracing::info!("connection received: host={} port={}", a.ip(), a.port());
                    }
                }
                let Some(user) = client.metadata().get("user").cloned() else {
                    return Err(fatal(
                        SqlState::INVALID_AUTHORIZATION,
                        "no PostgreSQL user name specified in startup packet".into(),
                    ));
                };
                let database = client
                    .metadata()
                    .get("database")
                    .cloned()
                    .unwrap_or(user.clone());
                self.start_authentication(client, user, database).await
            }
            PgWireFrontendMessage::PasswordMessageFamily(msg) => {
                let stage = self.auth_stage.lock().take();
                match stage {
                    None => Err(fatal(
                        SqlState::PROTOCOL_VIOLATION,
                        "unexpected password message".into(),
                    )),
                    Some(AuthStage::Cleartext(attempt)) => {
                        let password = msg.into_password()?.password;
                        if password.is_empty() {
                            return Err(fatal(
                                SqlState::INVALID_PASSWORD,
                                "empty password returned by client".into(),
                            ));
                        }
                        let addr = self.client_addr(client);
                        let v = self.shared.lookup_verifier(&attempt.user);
                        // A locked-out (user, address) fails like a wrong password, even with the right one.
                        if self.shared.throttle.is_locked(&attempt.user, addr)
                            || !rampart_auth::scram::verifies(&v, &password)
                        {
                            let detail = self.shared.failure_detail(&attempt.user, addr);
                            return Err(self.fail(client, &attempt, &detail).await);
                        }
                        self.authenticated(client, attempt).await
                    }
                    Some(AuthStage::ScramStart(attempt)) => {
                        let initial = msg.into_sasl_initial_response()?;
                        let plus =
                            initial.auth_method == "SCRAM-SHA-256-PLUS" && client.is_secure();
                        if initial.auth_method != "SCRAM-SHA-256" && !plus {
                            return Err(fatal(
                                SqlState::PROTOCOL_VIOLATION,
                                "client selected an invalid SASL authentication mechanism".into(),
                            ));
                        }
                        let v = self.shared.lookup_verifier(&attempt.user);
                        let secret = ScramSecret::Verifier {
                            salt: v.salt,
                            iterations: v.iterations,
                            stored_key: v.stored_key,
                            server_key: v.server_key,
                        };
                        let data = initial.data.unwrap_or_default();
                        let mut auth = ScramServerAuth::new();
                        if client.is_secure() {
                            if let Some(files) = &self.shared.config.tls {
                                auth.configure_certificate(&files.cert_pem)?;
                            }
                        }
                        let (server_first, waiting) = match auth
                            .on_client_first_message_with_secret(&data, secret)
                        {
                            Ok(x) => x,
                            Err(_) => return Err(auth_failed(attempt.rule.method, &attempt.user)),
                        };
                        *self.auth_stage.lock() =
                            Some(AuthStage::ScramFinal(attempt, Box::new(waiting)));
                        client
                            .send(PgWireBackendMessage::Authentication(
                                Authentication::SASLContinue(server_first.into_bytes().into()),
                            ))
                            .await?;
                        Ok(())
                    }
                    Some(AuthStage::ScramFinal(attempt, waiting)) => {
                        let resp = msg.into_sasl_response()?;
                        let addr = self.client_addr(client);
                        // A locked-out (user, address) fails like a wrong password, even with the right one.
                        let verified = if self.shared.throttle.is_locked(&attempt.user, addr) {
                            Err(())
                        } else {
                            waiting.on_client_final_message(&resp.data).map_err(|_| ())
                        };
                        match verified {
                            Ok(server_final) => {
                                client
                                    .feed(PgWireBackendMessage::Authentication(
                                        Authentication::SASLFinal(server_final.into_bytes().into()),
                                    ))
                                    .await?;
                                self.authenticated(client, attempt).await
                            }
                            Err(_) => {
                                let detail = self.shared.failure_detail(&attempt.user, addr);
                                Err(self.fail(client, &attempt, &detail).await)
                            }
                        }
                    }
                }
            }
            _ => Ok(()),
        }
    }
}

impl Conn {
    /// Finds the pg_hba.conf rule and starts its method.
    async fn start_authentication<C>(
        &self,
        client: &mut C,
        user: String,
        database: String,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let host = self.host(client);
        let tls = client.is_secure();
        let rules = self.shared.auth_rules();
        let engine = &self.shared.engine;
        let is_member = |u: &str, r: &str| engine.role_in_group(u, r);
        let rule = rules
            .hba
            .find(&ConnectionInfo {
                local: self.local,
                tls,
                addr: self.client_addr(client),
                database: &database,
                user: &user,
                is_member: &is_member,
            })
            .cloned();
        let encryption = if tls {
            "SSL encryption"
        } else {
            "no encryption"
        };
        let Some(rule) = rule else {
            return Err(fatal(SqlState::INVALID_AUTHORIZATION, format!("no pg_hba.conf entry for host \"{host}\", user \"{user}\", database \"{database}\", {encryption}")));
        };
        if rule.clientcert != ClientCert::Off {
            if self
                .shared
                .config
                .tls
                .as_ref()
                .is_none_or(|t| t.ca_pem.is_none())
            {
                return Err(fatal(
                    SqlState::INVALID_AUTHORIZATION,
                    "client certificates can only be checked if a root certificate store is available".into(),
                ));
            }
            if client.client_certificates().is_none_or(|c| c.is_empty()) {
                return Err(fatal(
                    SqlState::INVALID_AUTHORIZATION,
                    "connection requires a valid client certificate".into(),
                ));
            }
        }
        let attempt = Attempt {
            user,
            database,
            rule,
        };
        match attempt.rule.method {
            Method::Reject => Err(fatal(SqlState::INVALID_AUTHORIZATION, format!("pg_hba.conf rejects connection for host \"{host}\", user \"{}\", database \"{}\", {encryption}", attempt.user, attempt.database))),
            Method::Trust | Method::Cert => self.authenticated(client, attempt).await,
            Method::Peer => {
                let checked = match &self.peer_user {
                    Some(Ok(os_user)) => rules.ident.check(
                        attempt.rule.map.as_deref(),
                        &attempt.user,
                        os_user,
                        false,
                    ),
                    Some(Err(e)) => Err(e.clone()),
                    None => Err("peer authentication is only supported on local sockets".into()),
                };
                match checked {
                    Ok(()) => self.authenticated(client, attempt).await,
                    Err(why) => Err(self.fail(client, &attempt, &why).await),
                }
            }
            Method::Password => {
                *self.auth_stage.lock() = Some(AuthStage::Cleartext(attempt));
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                client
                    .send(PgWireBackendMessage::Authentication(
                        Authentication::CleartextPassword,
                    ))
                    .await?;
                Ok(())
            }
            Method::ScramSha256 | Method::Md5 => {
                *self.auth_stage.lock() = Some(AuthStage::ScramStart(attempt));
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                // Channel binding (SCRAM-SHA-256-PLUS) only where there is a channel to bind to.
                let mut mechanisms = vec!["SCRAM-SHA-256".to_string()];
                if tls && self.shared.config.tls.is_some() {
                    mechanisms.insert(0, "SCRAM-SHA-256-PLUS".to_string());
                }
                client
                    .send(PgWireBackendMessage::Authentication(Authentication::SASL(
                        mechanisms,
                    )))
                    .await?;
                Ok(())
            }
        }
    }
}
