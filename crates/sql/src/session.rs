//! A session: identity, settings and the transaction state machine.
//!
//! Every statement runs in a transaction: an explicit block (BEGIN … COMMIT)
//! or an implicit one around the single statement. After an error inside a
//! block the session is in the failed state (25P02) until ROLLBACK or
//! ROLLBACK TO SAVEPOINT.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rampart_catalog::Catalog;
use rampart_security::{authorize, Authorized, Need, Principal};
use rampart_storage::{IsolationLevel, Transaction};
use rampart_types::{DataType, PgError, PgResult, SqlState, Value};
use sqlparser::ast::Statement;

use crate::parser::Stmt;

use crate::bind::Binder;
use crate::engine::Engine;
use crate::exec::table::storage_err;
use crate::exec::{Exec, Row};
use crate::guc::Settings;
use crate::plan::{DataStatement, OutputColumn};

/// The session's identity and settings (what functions like current_user read).
///
/// `session_user` and `current_user` live in the settings (`session_authorization`
/// and `role`), so SET ROLE and SET SESSION AUTHORIZATION are undone by ROLLBACK
/// and SET LOCAL ROLE ends with the transaction, as in PostgreSQL.
pub struct SessionState {
    /// The role that authenticated (may use SET SESSION AUTHORIZATION if superuser).
    pub authenticated_user: String,
    /// Database name.
    pub database: String,
    /// Database OID.
    pub database_oid: u32,
    /// Settings.
    pub settings: Settings,
    /// `pg_backend_pid()`.
    pub backend_pid: i32,
    /// Start of the current transaction (now()).
    pub txn_start: DateTime<Utc>,
    currvals: HashMap<u32, i64>,
    /// NOTICE/WARNING messages to send before the statement's result.
    pub notices: Vec<PgError>,
    /// Owners of the SECURITY DEFINER routines running (innermost last):
    /// the last one is `current_user`.
    pub definer: Vec<String>,
    /// One entry per running routine (innermost last; its length is the
    /// call depth): whether it is STABLE/IMMUTABLE, so its statements may only read.
    pub read_only: Vec<bool>,
    /// What pg_prepared_statements shows of the SQL prepared statements.
    pub prepared_shown: std::collections::BTreeMap<String, crate::prepared_view::Shown>,
    /// Where each open cursor stands, for `WHERE CURRENT OF` (kept by the
    /// cursor commands).
    pub cursor_rows: HashMap<String, CursorRow>,
}

/// What `WHERE CURRENT OF` needs of a cursor.
#[derive(Clone, Debug, Default)]
pub struct CursorRow {
    /// The table the cursor's rows come from (None: its query is not a
    /// simple scan of one table, so its rows cannot be updated through it).
    pub table: Option<u32>,
    /// The id of the row the cursor is on (None: before the first or after the last).
    pub rowid: Option<u64>,
    /// WITH HOLD and its transaction committed.
    pub held: bool,
}

/// Names returned by [`SessionState::clone_identity`].
pub struct Identity {
    /// current_user
    pub current_user: String,
    /// session_user
    pub session_user: String,
    /// current_database()
    pub database: String,
}

impl SessionState {
    /// Copies the identity names.
    pub fn clone_identity(&self) -> Identity {
        Identity {
            current_user: self.current_user(),
            session_user: self.session_user(),
            database: self.database.clone(),
        }
    }

    /// `session_user`.
    pub fn session_user(&self) -> String {
        self.settings
            .get("session_authorization")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.authenticated_user.clone())
    }

    /// `current_user`: the owner of a running SECURITY DEFINER routine,
    /// else the SET ROLE role, else the session user.
    pub fn current_user(&self) -> String {
        if let Some(d) = self.definer.last() {
            return d.clone();
        }
        match self.settings.get_builtin("role") {
            Some(r) if r != "none" && !r.is_empty() => r.to_string(),
            _ => self.session_user(),
        }
    }

    /// The effective search path, with `$user` expanded.
    pub fn search_path(&self) -> Vec<String> {
        let raw = self.settings.get_builtin("search_path").unwrap_or_default();
        raw.split(',')
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                let unq = s.trim_matches('"');
                if unq == "$user" {
                    self.current_user()
                } else if s.starts_with('"') {
                    unq.to_string()
                } else {
                    unq.to_lowercase()
                }
            })
            .collect()
    }

    /// Remembers a nextval result for currval.
    pub fn record_currval(&mut self, seq: u32, v: i64) {
        self.currvals.insert(seq, v);
    }

    /// `currval`.
    pub fn currval(&self, seq: u32, name: &str) -> PgResult<i64> {
        self.currvals.get(&seq).copied().ok_or_else(|| {
            PgError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("currval of sequence \"{name}\" is not yet defined in this session"),
            )
        })
    }

    /// Whether the current transaction is READ ONLY.
    pub fn read_only_transaction(&self) -> bool {
        self.settings.get_builtin("transaction_read_only") == Some("on")
    }

    /// The acting principal (current_user).
    pub fn principal(&self, catalog: &Catalog) -> PgResult<Principal> {
        let name = self.current_user();
        let role = catalog.role(&name).ok_or_else(|| {
            PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("role \"{name}\" does not exist"),
            )
        })?;
        Ok(Principal {
            role_oid: role.oid,
            role_name: role.name.clone(),
            superuser: role.superuser,
        })
    }

    /// What a bound plan depends on besides the catalog: the current user
    /// (policies, `$user` in the search path), `row_security`, the search
    /// path and the date/time styles. A cached plan is reused only while this
    /// is unchanged, so a prepared statement executed after SET ROLE or
    /// `SET row_security` is bound again under the new role's policies.
    pub fn bind_fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.current_user().hash(&mut h);
        for name in BIND_SETTINGS {
            self.settings.value_set(name).hash(&mut h);
        }
        h.finish()
    }

    /// Row-level security context for binding: the current user and `row_security`.
    pub fn rls_context(&self, catalog: &Catalog) -> PgResult<crate::bind::rls::RlsContext> {
        let user = self.principal(catalog)?.role_oid;
        let row_security = self.settings.get_builtin("row_security") != Some("off");
        Ok(crate::bind::rls::RlsContext { user, row_security })
    }

    /// Queues a NOTICE.
    pub fn notice(&mut self, message: impl Into<String>) {
        let mut n = PgError::new(SqlState::SUCCESSFUL_COMPLETION, message);
        n.severity = "NOTICE";
        self.notices.push(n);
    }
}

/// What one statement produced.
#[derive(Debug)]
pub enum QueryResult {
    /// Rows with their description and command tag (`SELECT 3`, `INSERT 0 1` with RETURNING, ...).
    Rows {
        /// Column descriptions.
        columns: Vec<OutputColumn>,
        /// The rows.
        rows: Vec<Row>,
        /// Command tag.
        tag: String,
    },
    /// A command without rows.
    Command {
        /// Command tag (`CREATE TABLE`, `INSERT 0 1`, ...).
        tag: String,
    },
    /// An empty query string.
    Empty,
    /// COPY FROM STDIN started: the client now sends CopyData.
    CopyIn {
        /// Number of columns.
        columns: usize,
    },
    /// COPY TO STDOUT: formatted lines to send as CopyData.
    CopyOut {
        /// Number of columns.
        columns: usize,
        /// One line per row (with trailing newline).
        lines: Vec<String>,
    },
}

/// A COPY FROM STDIN waiting for its data.
struct CopyInState {
    plan: crate::copy::CopyPlan,
    implicit: bool,
    buffer: Vec<u8>,
    too_large: bool,
}

/// Transaction status as reported in ReadyForQuery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnStatus {
    /// 'I'
    Idle,
    /// 'T'
    InBlock,
    /// 'E'
    Failed,
}

/// A parsed (and, once described, bound) statement of the extended protocol.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The statement text.
    pub sql: String,
    /// Parsed statement (None for an empty query).
    pub stmt: Option<Arc<Stmt>>,
    /// Parameter types (client-given or inferred).
    pub param_types: Vec<DataType>,
    /// Result columns (empty for commands).
    pub columns: Vec<OutputColumn>,
    /// Bound plan and its needs, valid for `catalog_version`.
    cached: BoundCache,
}

/// A bound data statement with its needs and result columns.
#[derive(Debug)]
pub struct Bound {
    stmt: DataStatement,
    needs: Vec<Need>,
    columns: Vec<OutputColumn>,
}

/// What binding a data statement yields: plan, result columns, needs, parameter types.
type BindOutput = (DataStatement, Vec<OutputColumn>, Vec<Need>, Vec<DataType>);

/// A bound plan valid for one catalog version and one
/// [`SessionState::bind_fingerprint`].
type BoundCache = Option<(u64, u64, Arc<Bound>)>;

/// How many prepared data statements a session keeps for reuse by text.
const PREPARE_CACHE_ENTRIES: usize = 64;

/// Settings a bound plan depends on (see [`SessionState::bind_fingerprint`]).
const BIND_SETTINGS: [&str; 6] = [
    "search_path",
    "row_security",
    "datestyle",
    "intervalstyle",
    "timezone",
    "session_authorization",
];

/// An implicit transaction spanning several statements, as PostgreSQL runs
/// them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ImplicitBlock {
    /// The statements of one multi-statement Query message
    /// (TBLOCK_IMPLICIT_INPROGRESS: a transaction block for LOCK TABLE,
    /// CREATE DATABASE and the like).
    Query,
    /// The Execute messages up to the next Sync (TBLOCK_STARTED: not a
    /// transaction block).
    Pipeline,
}

/// One client session.
pub struct Session {
    engine: Arc<Engine>,
    /// Identity and settings.
    pub state: SessionState,
    txn: Option<Transaction>,
    explicit: bool,
    /// The implicit transaction open across several statements, if any.
    implicit_block: Option<ImplicitBlock>,
    failed: bool,
    savepoints: Vec<(String, usize)>,
    copy_in: Option<CopyInState>,
    /// pgAudit's statement ID: statements audit-logged so far.
    pub(crate) audit_statement_id: u64,
    /// Relation privileges the running statement was checked for, kept
    /// for object audit logging while `pgaudit.role` is set.
    pub(crate) audit_needs: std::cell::RefCell<Vec<Need>>,
    /// Set by the server on CancelRequest.
    pub cancel: Arc<std::sync::atomic::AtomicBool>,
    /// Text of the statement being run (for error cursor positions).
    pub current_sql: String,
    /// Routine caches for the running top-level statement (DO, CALL).
    routine_cache: crate::func::spi::RoutineCache,
    /// Recently prepared data statements by text and client parameter types:
    /// drivers that send Parse for every execution (the unnamed statement)
    /// skip parsing and binding while the catalog and bind context hold.
    prepare_cache: HashMap<(String, Vec<DataType>), Prepared>,
    /// Simple-protocol statements by shape, reused across literal values.
    literal_cache: literal_cache::LiteralCache,
    /// Statements prepared with SQL PREPARE, by name.
    sql_prepared: HashMap<String, Prepared>,
    /// Open cursors (DECLARE … CURSOR), by name.
    cursors: std::collections::BTreeMap<String, cursors::Cursor>,
    /// Binding a cursor's query (its scan carries row ids).
    declaring_cursor: bool,
    /// The catalog and text style routines evaluate with, until a statement changes them.
    spi_context: Option<(Arc<Catalog>, rampart_types::Style)>,
    /// Result columns the client asked for in binary (extended protocol
    /// Execute): reg* columns there keep their OID instead of the name.
    binary_results: Vec<bool>,
    /// Whether the current transaction has run a query (anything but SET,
    /// SHOW, RESET): SET TRANSACTION may change the isolation level or go
    /// back to READ WRITE only before that, as in PostgreSQL.
    txn_queried: bool,
    /// Commits may return before they are durable (`session/durability.rs`).
    defer_durability: bool,
    /// A commit written and applied whose fsync the server still awaits.
    pending_commit: Option<durability::Pending>,
    /// A pending commit's failure found inside a call, for the server.
    commit_error: Option<PgError>,
    /// Statements run on a server's async worker (`session/on_worker.rs`).
    on_worker: bool,
}

impl Session {
    /// Starts a session for `user` on `database` (the role must exist).
    pub fn new(engine: Arc<Engine>, user: &str, database: &str) -> PgResult<Session> {
        let state = SessionState {
            authenticated_user: user.to_string(),
            database: database.to_string(),
            database_oid: 0,
            settings: Settings::default(),
            backend_pid: engine.next_pid(),
            txn_start: Utc::now(),
            currvals: HashMap::new(),
            notices: Vec::new(),
            definer: Vec::new(),
            read_only: Vec::new(),
            prepared_shown: Default::default(),
            cursor_rows: HashMap::new(),
        };
        let mut s = Session {
            engine,
            state,
            txn: None,
            explicit: false,
            implicit_block: None,
            failed: false,
            savepoints: Vec::new(),
            copy_in: None,
            audit_statement_id: 0,
            audit_needs: Default::default(),
            current_sql: String::new(),
            binary_results: Vec::new(),
            txn_queried: false,
            defer_durability: false,
            pending_commit: None,
            commit_error: None,
            on_worker: false,
            cancel: Arc::default(),
            routine_cache: Default::default(),
            prepare_cache: HashMap::new(),
            literal_cache: Default::default(),
            sql_prepared: HashMap::new(),
            cursors: Default::default(),
            declaring_cursor: false,
            spi_context: None,
        };
        let shared = {
            let txn = s.engine.store().begin(IsolationLevel::ReadCommitted);
            s.engine.load_shared(&txn, false)?
        };
        if !shared.roles.contains_key(user) {
            return Err(PgError::new(
                SqlState::INVALID_AUTHORIZATION,
                format!("role \"{user}\" does not exist"),
            )
            .fatal());
        }
        let Some(db) = shared.databases.get(database) else {
            return Err(PgError::new(
                SqlState("3D000"),
                format!("database \"{database}\" does not exist"),
            )
            .fatal());
        };
        if !db.allow_connections {
            return Err(PgError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("database \"{database}\" is not currently accepting connections"),
            )
            .fatal());
        }
        s.state.database_oid = db.oid;
        let cat = s.read_catalog_outside()?;
        let role = cat.role(user).ok_or_else(|| {
            PgError::new(
                SqlState::INVALID_AUTHORIZATION,
                format!("role \"{user}\" does not exist"),
            )
            .fatal()
        })?;
        if !role.login {
            return Err(PgError::new(
                SqlState::INVALID_AUTHORIZATION,
                format!("role \"{user}\" is not permitted to log in"),
            )
            .fatal());
        }
        s.state
            .settings
            .set_internal("is_superuser", if role.superuser { "on" } else { "off" });
        s.state.settings.set_internal("session_authorization", user);
        // CONNECT on the database (superusers always may), then its connection limit.
        let principal = s.state.principal(&cat)?;
        let connect = Need {
            object: rampart_security::ObjectRef::Database,
            privilege: rampart_security::Privilege::Connect,
            columns: vec![],
            as_role: None,
            position: None,
        };
        if !rampart_security::allowed(&connect, &principal, &cat) {
            return Err(PgError::new(
                SqlState::INSUFFICIENT_PRIVILEGE,
                format!("permission denied for database \"{database}\""),
            )
            .with_detail("User does not have CONNECT privilege.")
            .fatal());
        }
        let limit = cat
            .current_database()
            .map(|d| d.connection_limit)
            .filter(|l| *l >= 0 && !principal.superuser)
            .map(|l| l as usize);
        let now = Utc::now();
        let registered = s.engine.activity.try_register(
            s.state.backend_pid,
            crate::activity::Activity {
                datid: s.state.database_oid,
                datname: database.to_string(),
                usesysid: role.oid,
                usename: user.to_string(),
                application_name: String::new(),
                client_addr: None,
                client_port: -1,
                backend_start: now,
                xact_start: None,
                query_start: None,
                state_change: now,
                state: "idle".into(),
                query: String::new(),
            },
            limit,
        );
        if !registered {
            return Err(PgError::new(
                SqlState("53300"),
                format!("too many connections for database \"{database}\""),
            )
            .fatal());
        }
        // ALTER ROLE ALL SET, ALTER DATABASE … SET, then ALTER ROLE … SET
        // defaults (each overriding the one before); a bad stored
        // value is reported, not fatal (as PostgreSQL's WARNING).
        let db_settings = cat
            .current_database()
            .map(|d| d.config.clone())
            .unwrap_or_default();
        for (k, v) in crate::roles::global_settings(&cat)
            .into_iter()
            .chain(db_settings)
            .chain(crate::roles::login_settings(&cat, user))
            .chain(crate::roles::login_database_settings(
                &cat,
                user,
                cat.database,
            ))
        {
            if let Err(e) = s.state.settings.set(&k, &v, false) {
                let mut w = PgError::new(SqlState::WARNING, e.message);
                w.severity = "WARNING";
                s.state.notices.push(w);
            }
        }
        Ok(s)
    }

    /// The logged-in role's connection limit and superuser flag.
    pub fn login_limits(&self) -> PgResult<(i32, bool)> {
        let cat = self.read_catalog_outside()?;
        let r = cat
            .role(&self.state.authenticated_user)
            .ok_or_else(|| PgError::new(SqlState::UNDEFINED_OBJECT, "role vanished"))?;
        Ok((r.connection_limit, r.superuser))
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    fn read_catalog_outside(&self) -> PgResult<Arc<Catalog>> {
        let txn = self.engine.store().begin(IsolationLevel::ReadCommitted);
        self.engine.load_catalog(&txn, self.state.database_oid)
    }

    /// ReadyForQuery status.
    pub fn txn_status(&self) -> TxnStatus {
        if self.failed {
            TxnStatus::Failed
        } else if self.explicit {
            TxnStatus::InBlock
        } else {
            TxnStatus::Idle
        }
    }

    /// Takes queued notices.
    pub fn take_notices(&mut self) -> Vec<PgError> {
        std::mem::take(&mut self.state.notices)
    }

    /// Simple protocol: runs every statement of `sql`, stopping at the first error.
    pub fn execute(&mut self, sql: &str) -> Vec<PgResult<QueryResult>> {
        let shape = crate::literal_shape::shape(sql);
        if let Some(shape) = &shape {
            if let Some(r) = self.execute_by_shape(shape, sql) {
                return r;
            }
        }
        let stmts = match crate::parser::parse(sql) {
            Ok(s) => s,
            Err(e) => {
                if self.explicit {
                    self.failed = true;
                }
                self.log_error(&e, sql);
                return vec![Err(e)];
            }
        };
        let notices = crate::front::take_parse_notices();
        let learnable = notices.is_empty();
        for n in notices {
            self.state.notice(n);
        }
        if stmts.is_empty() {
            return vec![Ok(QueryResult::Empty)];
        }
        self.log_statement("statement", sql, &stmts);
        // Several statements in one Query message run in one implicit
        // transaction block, as in PostgreSQL: an error rolls back the
        // statements before it, BEGIN turns the block into an explicit one,
        // COMMIT and ROLLBACK end it (with a warning). A Query with a COPY
        // (FROM STDIN needs more messages to finish) runs without one.
        let use_block = stmts.len() > 1 && !stmts.iter().any(is_copy);
        let mut out = Vec::new();
        for stmt in &stmts {
            if use_block && !is_transaction_control(stmt) {
                self.open_implicit_block(ImplicitBlock::Query);
            }
            // A commit earlier in this message must be visible to what follows.
            if let Err(e) = self.finish_commit() {
                out.push(Err(e));
                break;
            }
            let r = self.run_audited(stmt, &[], false, &mut None, sql);
            let failed = r.is_err();
            out.push(r);
            if failed {
                break;
            }
        }
        if self.implicit_block == Some(ImplicitBlock::Query) {
            let failed = out.last().is_some_and(|r| r.is_err());
            if let Err(e) = self.end_implicit_block(failed) {
                self.log_error(&e, sql);
                out.push(Err(e));
            }
        }
        if let (Some(shape), true, [Ok(_)]) = (shape, learnable, out.as_slice()) {
            self.learn_shape(shape, &stmts, sql);
        }
        out
    }

    /// Starts an implicit block unless a transaction is already open.
    fn open_implicit_block(&mut self, kind: ImplicitBlock) {
        if !self.explicit && self.txn.is_none() && !self.failed {
            self.begin_txn(None);
            self.implicit_block = Some(kind);
        }
    }

    /// Ends the open implicit block, if any: rolls it back when `failed`
    /// (or a statement in it failed), else commits it.
    fn end_implicit_block(&mut self, failed: bool) -> PgResult<()> {
        if self.implicit_block.take().is_none() {
            return Ok(());
        }
        if failed || self.failed {
            self.failed = false;
            self.rollback_txn();
            Ok(())
        } else {
            self.commit_txn()
        }
    }

    /// Extended protocol Sync: ends the implicit transaction of the
    /// messages since the previous Sync, as PostgreSQL — committed, or
    /// rolled back when any of them failed (`after_error`), so a pipelined
    /// batch applies as a whole or not at all. An explicit block stays open.
    pub fn sync(&mut self, after_error: bool) -> PgResult<()> {
        if self.implicit_block == Some(ImplicitBlock::Pipeline) {
            return self.end_implicit_block(after_error);
        }
        Ok(())
    }

    /// `log_statement`: logs `sql` (passwords redacted) when any statement qualifies.
    fn log_statement(&self, what: &str, sql: &str, stmts: &[Stmt]) {
        let level = self
            .state
            .settings
            .get_builtin("log_statement")
            .unwrap_or("none");
        if level != "none"
            && stmts
                .iter()
                .any(|s| crate::statement_log::logs(level, crate::statement_log::classify(s)))
        {
            tracing::info!("{what}: {}", crate::statement_log::redact(sql));
        }
    }

    /// An ERROR and, per `log_min_error_statement`, its statement (passwords redacted).
    fn log_error(&self, e: &PgError, sql: &str) {
        if e.severity != "ERROR" {
            return;
        }
        let message = crate::statement_log::redact_message(&e.message, sql);
        let level = self
            .state
            .settings
            .get("log_min_error_statement")
            .unwrap_or_default();
        if crate::statement_log::logs_errors(&level) {
            tracing::error!(
                sqlstate = e.code.0,
                "{message}; STATEMENT: {}",
                crate::statement_log::redact(sql)
            );
        } else {
            tracing::error!(sqlstate = e.code.0, "{message}");
        }
    }

    /// Extended protocol Parse: parses and binds to learn parameter and result types.
    pub fn prepare(&mut self, sql: &str, param_types: Vec<DataType>) -> PgResult<Prepared> {
        let r = self.prepare_inner(sql, param_types);
        if let Err(e) = &r {
            self.log_error(e, sql);
        }
        r
    }

    fn prepare_inner(&mut self, sql: &str, param_types: Vec<DataType>) -> PgResult<Prepared> {
        let key = (sql.to_string(), param_types);
        if let Some(p) = self.prepare_cache.get(&key).cloned() {
            if let Some((version, fingerprint, _)) = &p.cached {
                let catalog = self.catalog_for_describe()?;
                if *version == catalog.version && *fingerprint == self.state.bind_fingerprint() {
                    return Ok(p);
                }
            }
        }
        let (sql, param_types) = key;
        let mut stmts = crate::parser::parse(&sql)?;
        for n in crate::front::take_parse_notices() {
            self.state.notice(n);
        }
        if stmts.len() > 1 {
            return Err(PgError::syntax(
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let stmt = stmts.pop().map(Arc::new);
        let mut p = Prepared {
            sql,
            stmt,
            param_types: param_types.clone(),
            columns: vec![],
            cached: None,
        };
        let parsed = p.stmt.clone();
        if let Some(Stmt::Fetch(f)) = parsed.as_deref() {
            // FETCH returns the cursor's columns.
            p.columns = self.cursor_columns(f)?;
            return Ok(p);
        }
        let Some(Stmt::Sql(stmt)) = parsed.as_deref() else {
            return Ok(p);
        };
        if !is_data_statement(stmt) {
            p.columns = crate::utility::result_columns(stmt);
            return Ok(p);
        }
        let catalog = self.catalog_for_describe()?;
        let (ds, cols, needs, types) =
            self.bind_data(&catalog, stmt, p.param_types.clone(), &p.sql)?;
        p.param_types = types
            .into_iter()
            .map(|t| {
                if t == DataType::Unknown {
                    DataType::Text
                } else {
                    t
                }
            })
            .collect();
        p.columns = cols.clone();
        p.cached = Some((
            catalog.version,
            self.state.bind_fingerprint(),
            Arc::new(Bound {
                stmt: ds,
                needs,
                columns: cols,
            }),
        ));
        if self.prepare_cache.len() >= PREPARE_CACHE_ENTRIES {
            self.prepare_cache.clear();
        }
        self.prepare_cache
            .insert((p.sql.clone(), param_types), p.clone());
        Ok(p)
    }

    /// Extended protocol Execute of a bound portal whose result columns are
    /// sent in binary where `binary_results` says so (a reg* column is then
    /// its OID, as PostgreSQL's regclass send function writes it).
    pub fn execute_prepared_formats(
        &mut self,
        p: &mut Prepared,
        params: &[Value],
        binary_results: &[bool],
    ) -> PgResult<QueryResult> {
        self.binary_results = binary_results.to_vec();
        let r = self.execute_prepared(p, params);
        self.binary_results.clear();
        r
    }

    /// Extended protocol Execute of a bound portal.
    pub fn execute_prepared(
        &mut self,
        p: &mut Prepared,
        params: &[Value],
    ) -> PgResult<QueryResult> {
        let Prepared {
            stmt, cached, sql, ..
        } = p;
        let Some(stmt) = stmt.as_ref() else {
            return Ok(QueryResult::Empty);
        };
        self.log_statement("execute", sql, std::slice::from_ref(stmt));
        if !is_transaction_control(stmt) {
            self.open_implicit_block(ImplicitBlock::Pipeline);
        }
        self.run_audited(stmt, params, true, cached, sql)
    }

    /// Runs one statement of a client's message with what goes around
    /// every such run: object audit's needs reset, the audit lines (with the
    /// parameters when `log_params`, as for the extended protocol) and the
    /// error log.
    fn run_audited(
        &mut self,
        stmt: &Stmt,
        params: &[Value],
        log_params: bool,
        cached: &mut BoundCache,
        sql: &str,
    ) -> PgResult<QueryResult> {
        self.audit_needs.borrow_mut().clear();
        let r = self.run_statement(stmt, params, cached, sql);
        self.audit(stmt, sql, log_params.then_some(params), &r);
        if let Err(e) = &r {
            self.log_error(e, sql);
        }
        r
    }

    pub(crate) fn catalog_for_describe(&mut self) -> PgResult<Arc<Catalog>> {
        match &self.txn {
            Some(t) => self.engine.load_catalog(t, self.state.database_oid),
            None => self.read_catalog_outside(),
        }
    }

    /// VACUUM / ANALYZE: checks the targets (existence, ownership) and does
    /// nothing else; see [`crate::front::MaintenanceStmt`].
    fn maintenance(&mut self, m: &crate::front::MaintenanceStmt) -> PgResult<QueryResult> {
        if m.command == "CHECKPOINT" {
            return self.checkpoint();
        }
        if m.command == "VACUUM" && self.in_block() {
            return Err(PgError::new(
                SqlState::ACTIVE_SQL_TRANSACTION,
                "VACUUM cannot run inside a transaction block",
            ));
        }
        let catalog = self.catalog()?;
        let me = self.principal(&catalog)?;
        let may_maintain = |owner: u32| {
            me.superuser || rampart_security::roles::has_privs_of(&catalog, me.role_oid, owner)
        };
        let mut targets: Vec<(u32, Vec<String>)> = Vec::new();
        for (t, cols) in m.tables.iter().zip(&m.columns) {
            let name = sqlparser::ast::ObjectName::from(
                t.iter()
                    .map(|p| sqlparser::ast::Ident::with_quote('"', p.clone()))
                    .collect::<Vec<_>>(),
            );
            let mut b = Binder::new(&catalog, self.state.search_path(), vec![]);
            let rel = b.resolve_relation(&name)?;
            if let Some(c) = cols.iter().find(|c| rel.column_index(c).is_none()) {
                return Err(PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{c}\" of relation \"{}\" does not exist", rel.name),
                ));
            }
            let owner_ok = may_maintain(rel.owner);
            if owner_ok {
                targets.push((rel.oid, cols.clone()));
                // A partitioned table's partitions are processed with it.
                let mut i = targets.len() - 1;
                while i < targets.len() {
                    let children = catalog.relations.children_of(targets[i].0);
                    targets.extend(
                        children
                            .into_iter()
                            .filter(|c| {
                                catalog
                                    .relations
                                    .get(c)
                                    .is_some_and(|r| r.partition_bound.is_some())
                            })
                            .map(|c| (c, cols.clone())),
                    );
                    i += 1;
                }
            } else {
                let mut w = PgError::new(
                    SqlState::WARNING,
                    format!(
                        "skipping \"{}\" --- only table or database owner can {} it",
                        rel.name,
                        m.command.to_lowercase()
                    ),
                );
                w.severity = "WARNING";
                self.state.notices.push(w);
            }
        }
        if m.tables.is_empty() {
            targets = catalog
                .relations
                .values()
                .filter(|r| matches!(r.kind, rampart_catalog::RelationKind::Table))
                .filter(|r| may_maintain(r.owner))
                .map(|r| (r.oid, vec![]))
                .collect();
        }
        if m.analyze && !targets.is_empty() {
            crate::analyze::run(self, &targets)?;
        }
        Ok(QueryResult::Command {
            tag: m.command.clone(),
        })
    }

    /// `CHECKPOINT`: makes the storage's KV durable and trims the WAL (and
    /// removes MVCC versions no snapshot can see), as the automatic
    /// checkpoint does. Superusers and members of pg_checkpoint only.
    fn checkpoint(&mut self) -> PgResult<QueryResult> {
        let catalog = self.catalog()?;
        let me = self.principal(&catalog)?;
        let pg_checkpoint = catalog.role("pg_checkpoint").map(|r| r.oid);
        let allowed = me.superuser
            || pg_checkpoint
                .is_some_and(|r| rampart_security::roles::has_privs_of(&catalog, me.role_oid, r));
        if !allowed {
            return Err(PgError::new(
                SqlState::INSUFFICIENT_PRIVILEGE,
                "must be superuser or have privileges of pg_checkpoint to do CHECKPOINT",
            ));
        }
        self.engine.store().checkpoint().map_err(storage_err)?;
        Ok(QueryResult::Command {
            tag: "CHECKPOINT".into(),
        })
    }

    /// Sets the client's address and port shown in pg_stat_activity.
    pub fn set_client(&mut self, addr: Option<String>, port: i32) {
        self.engine.activity.update(self.state.backend_pid, |a| {
            a.client_addr = addr;
            a.client_port = port;
        });
    }

    /// Runs one statement with transaction handling, keeping pg_stat_activity current.
    fn run_statement(
        &mut self,
        stmt: &Stmt,
        params: &[Value],
        cached: &mut BoundCache,
        sql: &str,
    ) -> PgResult<QueryResult> {
        let now = Utc::now();
        let app = self
            .state
            .settings
            .get("application_name")
            .unwrap_or_default();
        let in_txn = self.txn.is_some();
        let txn_start = self.state.txn_start;
        self.engine.activity.update(self.state.backend_pid, |a| {
            a.state = "active".into();
            a.query = crate::statement_log::redact(sql).into_owned();
            a.query_start = Some(now);
            a.state_change = now;
            a.application_name = app;
            a.xact_start = Some(if in_txn { txn_start } else { now });
        });
        let r = self.run_statement_inner(stmt, params, cached, sql);
        let state = match self.txn_status() {
            TxnStatus::Idle => "idle",
            TxnStatus::InBlock => "idle in transaction",
            TxnStatus::Failed => "idle in transaction (aborted)",
        };
        let open = self.txn.is_some();
        let done = Utc::now();
        self.engine.activity.update(self.state.backend_pid, |a| {
            a.state = state.into();
            a.state_change = done;
            if !open {
                a.xact_start = None;
            }
        });
        r
    }

    fn run_statement_inner(
        &mut self,
        stmt: &Stmt,
        params: &[Value],
        cached: &mut BoundCache,
        sql: &str,
    ) -> PgResult<QueryResult> {
        self.current_sql = sql.to_string();
        self.routine_cache = Default::default();
        self.spi_context = None;
        if let Stmt::Sql(s) = stmt {
            if let Some(r) = self.transaction_control(s) {
                return r;
            }
        }
        if self.failed {
            return Err(PgError::new(
                SqlState::IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        if self.hands_off_before_binding(stmt) {
            return self.off_worker(|s| s.run_statement_inner(stmt, params, cached, sql));
        }
        if let Some(r) = self.sql_prepared(stmt) {
            return r;
        }
        self.cancel
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let implicit = self.txn.is_none();
        if implicit {
            self.begin_txn(None);
        } else if let Some(t) = self.txn.as_mut() {
            t.refresh_snapshot();
        }
        if !matches!(
            stmt,
            Stmt::Sql(st) if matches!(st.as_ref(), Statement::Set(_) | Statement::ShowVariable { .. })
        ) {
            self.txn_queried = true;
        }
        let r = match read_only_violation(&self.state, stmt, sql) {
            Some(verb) => Err(PgError::new(
                SqlState::READ_ONLY_SQL_TRANSACTION,
                format!("cannot execute {verb} in a read-only transaction"),
            )),
            None => self.run_in_txn(stmt, params, cached, sql),
        };
        if let Ok(QueryResult::CopyIn { .. }) = &r {
            // The transaction stays open until the copy data has arrived.
            if let Some(c) = self.copy_in.as_mut() {
                c.implicit = implicit;
            }
            return r;
        }
        if implicit {
            match &r {
                Ok(_) => self.commit_txn()?,
                Err(_) => self.rollback_txn(),
            }
        } else if r.is_err() {
            self.failed = true;
        }
        r
    }

    fn begin_txn(&mut self, iso: Option<IsolationLevel>) {
        self.begin_txn_with(iso, None);
    }

    /// Whether the current transaction has run a query yet.
    pub fn txn_queried(&self) -> bool {
        self.txn_queried
    }

    /// SET TRANSACTION ISOLATION LEVEL: a no-op at the current level; else,
    /// before the first query only, the storage transaction (which has read
    /// and written nothing) starts again at `iso`.
    pub fn set_txn_isolation(&mut self, iso: IsolationLevel) -> PgResult<()> {
        if self.txn.as_ref().map(Transaction::isolation) == Some(iso) {
            return Ok(());
        }
        if self.txn_queried || self.txn.is_none() {
            return Err(PgError::new(
                SqlState("25001"),
                "SET TRANSACTION ISOLATION LEVEL must be called before any query",
            ));
        }
        self.start_storage_txn(iso);
        Ok(())
    }

    /// Opens the storage transaction at `iso` and shows it in `transaction_isolation`.
    fn start_storage_txn(&mut self, iso: IsolationLevel) {
        self.txn = Some(self.engine.store().begin(iso));
        self.state
            .settings
            .set_internal("transaction_isolation", isolation_name(iso));
    }

    /// Starts a transaction; `read_only` from BEGIN's access mode, else
    /// `default_transaction_read_only`.
    fn begin_txn_with(&mut self, iso: Option<IsolationLevel>, read_only: Option<bool>) {
        self.txn_queried = false;
        let iso = iso.unwrap_or_else(|| {
            isolation_from_name(
                &self
                    .state
                    .settings
                    .get("default_transaction_isolation")
                    .unwrap_or_default(),
            )
        });
        self.state.txn_start = Utc::now();
        self.state.settings.begin();
        self.start_storage_txn(iso);
        let read_only = read_only.unwrap_or_else(|| {
            self.state
                .settings
                .get("default_transaction_read_only")
                .as_deref()
                == Some("on")
        });
        self.state.settings.set_internal(
            "transaction_read_only",
            if read_only { "on" } else { "off" },
        );
    }

    /// Takes the table locks a statement's needs imply: ACCESS SHARE on what
    /// it reads, ROW EXCLUSIVE on what it writes (see [`crate::locks`]).
    /// Returns whether it had to wait for another transaction.
    fn lock_tables(&mut self, needs: &[Need], catalog: &Catalog) -> PgResult<bool> {
        use crate::locks::LockMode;
        use rampart_security::{ObjectRef, Privilege};
        let Some(txn) = self.txn.as_ref().map(|t| t.id()) else {
            return Ok(false);
        };
        let mut wanted: Vec<(u32, LockMode)> = Vec::new();
        for n in needs {
            let ObjectRef::Relation(oid) = n.object else {
                continue;
            };
            let mode = match n.privilege {
                Privilege::Insert | Privilege::Update | Privilege::Delete => LockMode::RowExclusive,
                _ => LockMode::AccessShare,
            };
            match wanted.iter_mut().find(|(o, _)| *o == oid) {
                Some(w) => w.1 = w.1.max(mode),
                None => wanted.push((oid, mode)),
            }
        }
        let mut waited = false;
        for (oid, mode) in wanted {
            waited |= self
                .engine
                .table_locks
                .acquire(txn, oid, mode, false, &self.cancel)
                .map_err(|e| {
                    let name = catalog
                        .relation_by_oid(oid)
                        .map(|r| r.name.clone())
                        .unwrap_or_default();
                    crate::locks::lock_error(e, &name)
                })?;
        }
        Ok(waited)
    }

    fn commit_txn(&mut self) -> PgResult<()> {
        let txn = self.txn.take();
        self.explicit = false;
        self.failed = false;
        self.savepoints.clear();
        if let Some(t) = txn {
            // Table locks go once the commit is visible (or has failed).
            let id = t.id();
            let committed = match t.commit_deferred() {
                Ok(pending) => self.hold_or_complete(pending, id),
                Err(e) => {
                    self.engine.table_locks.release_all(id);
                    Err(storage_err(e))
                }
            };
            if let Err(e) = committed {
                self.state.settings.rollback();
                return Err(e);
            }
        }
        self.state.settings.commit();
        self.cursors_at_commit();
        Ok(())
    }

    fn rollback_txn(&mut self) {
        if let Some(t) = self.txn.take() {
            let id = t.id();
            t.rollback();
            self.engine.table_locks.release_all(id);
        }
        self.explicit = false;
        self.failed = false;
        self.savepoints.clear();
        self.state.settings.rollback();
        self.cursors_at_rollback();
    }

    /// BEGIN/COMMIT/ROLLBACK/SAVEPOINT; None for other statements.
    fn transaction_control(&mut self, stmt: &Statement) -> Option<PgResult<QueryResult>> {
        let cmd = |t: &str| Some(Ok(QueryResult::Command { tag: t.to_string() }));
        match stmt {
            Statement::StartTransaction { modes, .. } => {
                if self.failed {
                    return Some(Err(aborted()));
                }
                if self.explicit {
                    let mut w = PgError::new(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "there is already a transaction in progress",
                    );
                    w.severity = "WARNING";
                    self.state.notices.push(w);
                    return cmd("BEGIN");
                }
                let mut iso = None;
                let mut read_only = None;
                for m in modes {
                    if let sqlparser::ast::TransactionMode::AccessMode(a) = m {
                        read_only =
                            Some(matches!(a, sqlparser::ast::TransactionAccessMode::ReadOnly));
                    }
                    if let sqlparser::ast::TransactionMode::IsolationLevel(l) = m {
                        iso = Some(storage_isolation(l));
                    }
                }
                if self.implicit_block.take().is_some() {
                    // The implicit block becomes an explicit one, keeping
                    // what its earlier statements did; BEGIN's modes apply
                    // as SET TRANSACTION would.
                    self.explicit = true;
                    if let Some(iso) = iso {
                        if let Err(e) = self.set_txn_isolation(iso) {
                            return Some(Err(e));
                        }
                    }
                    if read_only == Some(true) {
                        self.state
                            .settings
                            .set_internal("transaction_read_only", "on");
                    }
                    return cmd("BEGIN");
                }
                self.begin_txn_with(iso, read_only);
                self.explicit = true;
                cmd("BEGIN")
            }
            Statement::Commit { chain: false, .. } => {
                if !self.explicit {
                    let mut w = PgError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "there is no transaction in progress",
                    );
                    w.severity = "WARNING";
                    self.state.notices.push(w);
                    if self.implicit_block.take().is_some() {
                        // Ends the implicit block (the next statement starts another).
                        return Some(self.commit_txn().map(|_| QueryResult::Command {
                            tag: "COMMIT".into(),
                        }));
                    }
                    return cmd("COMMIT");
                }
                if self.failed {
                    self.rollback_txn();
                    return cmd("ROLLBACK");
                }
                Some(self.commit_txn().map(|_| QueryResult::Command {
                    tag: "COMMIT".into(),
                }))
            }
            Statement::Rollback {
                chain: false,
                savepoint: None,
            } => {
                if !self.explicit {
                    let mut w = PgError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "there is no transaction in progress",
                    );
                    w.severity = "WARNING";
                    self.state.notices.push(w);
                    if self.implicit_block.take().is_some() {
                        self.rollback_txn();
                    }
                    return cmd("ROLLBACK");
                }
                self.rollback_txn();
                cmd("ROLLBACK")
            }
            Statement::Savepoint { name } => {
                if !self.explicit {
                    return Some(Err(PgError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "SAVEPOINT can only be used in transaction blocks",
                    )));
                }
                if self.failed {
                    return Some(Err(aborted()));
                }
                let Some(t) = self.txn.as_mut() else {
                    return Some(Err(PgError::internal("no transaction")));
                };
                let depth = t.savepoint();
                self.state.settings.savepoint();
                self.savepoints.push((crate::bind::ident(name), depth));
                cmd("SAVEPOINT")
            }
            Statement::ReleaseSavepoint { name } => {
                let n = crate::bind::ident(name);
                if !self.explicit {
                    return Some(Err(PgError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "RELEASE SAVEPOINT can only be used in transaction blocks",
                    )));
                }
                if self.failed {
                    return Some(Err(aborted()));
                }
                let Some(pos) = self.savepoints.iter().rposition(|(s, _)| *s == n) else {
                    self.failed = true;
                    return Some(Err(PgError::new(
                        SqlState::INVALID_SAVEPOINT_SPECIFICATION,
                        format!("savepoint \"{n}\" does not exist"),
                    )));
                };
                let depth = self.savepoints[pos].1;
                if let Some(t) = self.txn.as_mut() {
                    t.release_savepoint(depth);
                }
                self.state.settings.release(pos);
                self.savepoints.truncate(pos);
                cmd("RELEASE")
            }
            Statement::Rollback {
                chain: false,
                savepoint: Some(name),
            } => {
                let n = crate::bind::ident(name);
                if !self.explicit {
                    return Some(Err(PgError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
                    )));
                }
                let Some(pos) = self.savepoints.iter().rposition(|(s, _)| *s == n) else {
                    self.failed = true;
                    return Some(Err(PgError::new(
                        SqlState::INVALID_SAVEPOINT_SPECIFICATION,
                        format!("savepoint \"{n}\" does not exist"),
                    )));
                };
                let depth = self.savepoints[pos].1;
                if let Some(t) = self.txn.as_mut() {
                    t.rollback_to_savepoint(depth);
                }
                self.state.settings.rollback_to(pos);
                self.savepoints.truncate(pos + 1);
                self.failed = false;
                cmd("ROLLBACK")
            }
            Statement::Commit { chain: true, .. } | Statement::Rollback { chain: true, .. } => {
                Some(Err(PgError::unsupported("AND CHAIN is not supported yet")))
            }
            _ => None,
        }
    }

    /// The catalog as the current transaction sees it.
    pub fn catalog(&mut self) -> PgResult<Arc<Catalog>> {
        let txn = self
            .txn
            .as_ref()
            .ok_or_else(|| PgError::internal("no transaction"))?;
        self.engine.load_catalog(txn, self.state.database_oid)
    }

    /// Row-level security context for binding: the current user and `row_security`.
    pub fn rls_context(&self, catalog: &Catalog) -> PgResult<crate::bind::rls::RlsContext> {
        self.state.rls_context(catalog)
    }

    /// The acting principal.
    pub fn principal(&self, catalog: &Catalog) -> PgResult<Principal> {
        self.state.principal(catalog)
    }

    /// Checks needs through the security layer.
    pub fn authorize<P>(
        &self,
        plan: P,
        needs: &[Need],
        catalog: &Catalog,
    ) -> PgResult<Authorized<P>> {
        // Object audit (`pgaudit.role`) looks at what the statement touched.
        if self
            .state
            .settings
            .get_builtin("pgaudit.role")
            .is_some_and(|r| !r.is_empty())
        {
            self.audit_needs.borrow_mut().extend(
                needs
                    .iter()
                    .filter(|n| matches!(n.object, rampart_security::ObjectRef::Relation(_)))
                    .cloned(),
            );
        }
        let principal = self.principal(catalog)?;
        authorize(plan, needs, &principal, catalog).map_err(|e| self.name_database(e))
    }

    /// The security layer does not know the database's name; add it to its errors.
    pub fn name_database(&self, mut e: PgError) -> PgError {
        if e.message == "permission denied for database" {
            e.message = format!("permission denied for database {}", self.state.database);
        }
        e
    }

    fn bind_data(
        &self,
        catalog: &Catalog,
        stmt: &Statement,
        param_types: Vec<DataType>,
        sql: &str,
    ) -> PgResult<BindOutput> {
        let mut binder = Binder::new(catalog, self.state.search_path(), param_types)
            .with_style(self.state.settings.style())
            .with_source(sql)
            .with_rls(self.rls_context(catalog)?);
        binder.cursor_rowid = self.declaring_cursor;
        let (ds, cols) = binder.bind_data_statement(stmt)?;
        Ok((ds, cols, binder.merged_needs(), binder.params))
    }

    fn run_in_txn(
        &mut self,
        stmt: &Stmt,
        params: &[Value],
        cached: &mut BoundCache,
        sql: &str,
    ) -> PgResult<QueryResult> {
        let stmt = match stmt {
            Stmt::Sql(s) => &**s,
            Stmt::Role(r) => return crate::roles::run(self, r),
            Stmt::DefaultPrivileges(d) => return crate::default_privs::run(self, d),
            Stmt::Owned(o) => return crate::owned::run(self, o),
            Stmt::AlterOwner(a) => return crate::owned::alter_owner(self, a),
            Stmt::SequenceOwnedBy(o) => return crate::owned::sequence_owned_by(self, o),
            Stmt::Function(f) => return crate::func::ddl::run(self, f),
            Stmt::Database(d) => return crate::database::run(self, d),
            Stmt::Maintenance(m) => return self.maintenance(m),
            Stmt::Inherit(i) => return crate::inherit::run(self, i),
            Stmt::Rule(r) => return crate::rule::run(self, r),
            Stmt::Fetch(f) => return self.fetch_cursor(f),
            Stmt::Attach(a) => return crate::partition::run_attach(self, a),
            Stmt::AlterDomain(a) => return crate::domain::alter(self, a),
        };
        match stmt {
            Statement::Declare { stmts } if stmts.len() == 1 => {
                return self.declare_cursor(&stmts[0], sql)
            }
            Statement::Close { cursor } => return self.close_cursor(cursor),
            _ => {}
        }
        if let Statement::Query(q) = stmt {
            if let Some(ct) = crate::ddl::select_into(q) {
                return crate::ddl::create_table(self, &ct);
            }
        }
        if let Some(r) = crate::privileges::run(self, stmt)? {
            return Ok(r);
        }
        if let Some(r) = crate::roles::run_sql(self, stmt)? {
            return Ok(r);
        }
        let mut catalog = self.catalog()?;
        if is_data_statement(stmt) {
            loop {
                let bound = self.bind_cached(stmt, params, cached, sql, &catalog)?;
                let authorized = self.authorize(&bound.stmt, &bound.needs, &catalog)?;
                let waited = self.lock_tables(&bound.needs, &catalog)?;
                // Having waited for a lock (DDL, LOCK TABLE) under READ
                // COMMITTED, start over on a fresh snapshot: the statement
                // sees what the lock holder committed, table definitions
                // included, as in PostgreSQL, which locks before it reads
                // the catalog. The locks stay, so this happens at most
                // once per table.
                let read_committed = self.txn.as_ref().is_some_and(|t| {
                    t.isolation() == rampart_storage::IsolationLevel::ReadCommitted
                });
                if waited && read_committed {
                    if let Some(t) = self.txn.as_mut() {
                        t.refresh_snapshot();
                    }
                    catalog = self.catalog()?;
                    continue;
                }
                if self.on_worker && crate::exec::statement_may_block(&bound.stmt) {
                    return self.off_worker(|s| {
                        s.execute_data(authorized, bound.columns.clone(), &catalog, params)
                    });
                }
                return self.execute_data(authorized, bound.columns.clone(), &catalog, params);
            }
        }
        if let Statement::Copy { .. } = stmt {
            return self.start_copy(stmt, &catalog, sql);
        }
        crate::utility::run(self, stmt, &catalog, sql)
    }

    /// Binds a data statement against `catalog`, or reuses `cached` when
    /// it was bound against the same catalog version and settings.
    fn bind_cached(
        &mut self,
        stmt: &Statement,
        params: &[Value],
        cached: &mut BoundCache,
        sql: &str,
        catalog: &Catalog,
    ) -> PgResult<Arc<Bound>> {
        let fingerprint = self.state.bind_fingerprint();
        if let Some((v, f, b)) = cached {
            if *v == catalog.version && *f == fingerprint {
                return Ok(b.clone());
            }
        }
        let types: Vec<DataType> = params.iter().map(|p| p.data_type()).collect();
        let (stmt, columns, needs, _) = self.bind_data(catalog, stmt, types, sql)?;
        let b = Arc::new(Bound {
            stmt,
            needs,
            columns,
        });
        *cached = Some((catalog.version, fingerprint, b.clone()));
        Ok(b)
    }

    fn execute_data(
        &mut self,
        plan: Authorized<&DataStatement>,
        columns: Vec<OutputColumn>,
        catalog: &Catalog,
        params: &[Value],
    ) -> PgResult<QueryResult> {
        let plan = plan.into_plan();
        if let DataStatement::Query(crate::plan::Plan::Project { input, exprs }) = plan {
            if let (crate::plan::Plan::Single, [crate::expr::Expr::Call { oid, args }]) =
                (&**input, exprs.as_slice())
            {
                let inlined = catalog.functions.get(oid).is_some_and(|f| {
                    f.language == "sql" && crate::func::call::inlinable_expr(&f.body).is_some()
                });
                if inlined {
                    return self.execute_data_plan(plan, columns, catalog, params);
                }
                // `SELECT f(…)`: the routine runs at the session level, where
                // its body may also run utility statements (GRANT, CREATE …).
                let value = self.call_at_top_level(*oid, args, catalog, params)?;
                return Ok(QueryResult::Rows {
                    columns,
                    rows: vec![vec![value]],
                    tag: "SELECT 1".into(),
                });
            }
        }
        self.execute_data_plan(plan, columns, catalog, params)
    }

    fn execute_data_plan(
        &mut self,
        plan: &DataStatement,
        columns: Vec<OutputColumn>,
        catalog: &Catalog,
        params: &[Value],
    ) -> PgResult<QueryResult> {
        let engine = self.engine.clone();
        let cancel = self.cancel.clone();
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| PgError::internal("no transaction"))?;
        let reg_path = columns
            .iter()
            .any(|c| match &c.ty {
                DataType::Reg(_) => true,
                DataType::Array(e) => matches!(e.as_ref(), DataType::Reg(_)),
                _ => false,
            })
            .then(|| self.state.search_path());
        let binary_results = std::mem::take(&mut self.binary_results);
        let render = |columns: &[OutputColumn], rows: &mut [Row]| {
            if let Some(path) = &reg_path {
                render_reg_columns(catalog, path, columns, &binary_results, rows);
            }
        };
        // RETURNING rows name their reg* values too.
        let finish =
            |columns: Vec<OutputColumn>, tag: String, returning: bool, mut rows: Vec<Row>| {
                render(&columns, &mut rows);
                dml_result(tag, returning, columns, rows)
            };
        let mut ex = Exec::new(txn, catalog, &mut self.state, &engine, params);
        ex.cancel = Some(&cancel);
        Ok(match plan {
            DataStatement::Query(p) => {
                let mut rows = ex.run(p)?;
                let tag = format!("SELECT {}", rows.len());
                render(&columns, &mut rows);
                QueryResult::Rows { columns, rows, tag }
            }
            DataStatement::Insert(p) => {
                let r = ex.insert(p)?;
                let tag = format!("INSERT 0 {}", r.count);
                finish(columns, tag, p.returning.is_some(), r.returning)
            }
            DataStatement::Update(p) => {
                let r = ex.update(p)?;
                let tag = format!("UPDATE {}", r.count);
                finish(columns, tag, p.returning.is_some(), r.returning)
            }
            DataStatement::Delete(p) => {
                let r = ex.delete(p)?;
                let tag = format!("DELETE {}", r.count);
                finish(columns, tag, p.returning.is_some(), r.returning)
            }
            DataStatement::Merge(p) => {
                let r = ex.merge(p)?;
                let tag = format!("MERGE {}", r.count);
                finish(columns, tag, false, r.returning)
            }
        })
    }

    /// Runs a scalar user function called as `SELECT f(args)` with the
    /// session as its SPI (the arguments are evaluated first, as usual).
    fn call_at_top_level(
        &mut self,
        oid: u32,
        args: &[crate::expr::Expr],
        catalog: &Catalog,
        params: &[Value],
    ) -> PgResult<Value> {
        let engine = self.engine.clone();
        let mut values = Vec::with_capacity(args.len());
        {
            let txn = self
                .txn
                .as_mut()
                .ok_or_else(|| PgError::internal("no transaction"))?;
            let mut ex = Exec::new(txn, catalog, &mut self.state, &engine, params);
            for a in args {
                values.push(ex.eval(a, &[])?);
            }
        }
        let f = catalog
            .functions
            .get(&oid)
            .cloned()
            .ok_or_else(|| PgError::internal("function vanished"))?;
        Ok(crate::func::call::invoke(self, catalog, &f, values)?.value)
    }

    /// The open transaction (utility statements).
    pub fn txn_mut(&mut self) -> PgResult<&mut Transaction> {
        self.txn
            .as_mut()
            .ok_or_else(|| PgError::internal("no transaction"))
    }

    /// Takes the open transaction out (DDL needs it beside `&mut self`); see [`Session::put_txn`].
    pub fn take_txn(&mut self) -> PgResult<Transaction> {
        self.txn
            .take()
            .ok_or_else(|| PgError::internal("no transaction"))
    }

    /// Puts back a transaction taken with [`Session::take_txn`].
    pub fn put_txn(&mut self, txn: Transaction) {
        self.txn = Some(txn);
    }

    /// After a protocol-level error (bad Parse/Bind) inside a block, the block is aborted.
    pub fn mark_failed_if_in_block(&mut self) {
        if self.explicit {
            self.failed = true;
        }
    }

    /// Whether a transaction block is open: an explicit one, or the
    /// implicit block of a multi-statement Query (PostgreSQL's
    /// IsTransactionBlock: LOCK TABLE works there, CREATE DATABASE does not).
    pub fn in_block(&self) -> bool {
        self.explicit || self.implicit_block == Some(ImplicitBlock::Query)
    }

    /// Called when the client disconnects: roll back and release locks.
    pub fn terminate(&mut self) {
        self.rollback_txn();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Err(e) = self.finish_commit() {
            tracing::error!(error = %e.message, "a commit pending at disconnect failed");
        }
        self.rollback_txn();
        self.engine.activity.remove(self.state.backend_pid);
    }
}

/// Replaces the OIDs in reg* result columns (`regclass`, …) by the names
/// their output functions print. Partial: done on the finished rows, so a
/// client asking for binary format gets the name too, not the OID.
fn render_reg_columns(
    catalog: &Catalog,
    search_path: &[String],
    columns: &[OutputColumn],
    binary: &[bool],
    rows: &mut [Row],
) {
    for (i, c) in columns.iter().enumerate() {
        let (kind, array) = match &c.ty {
            DataType::Reg(kind) => (*kind, false),
            DataType::Array(e) => match e.as_ref() {
                DataType::Reg(kind) => (*kind, true),
                _ => continue,
            },
            _ => continue,
        };
        if binary.get(i).copied().unwrap_or(false) {
            continue; // sent as the OID
        }
        let name = |oid: u32| Value::Text(crate::regtypes::output(catalog, search_path, kind, oid));
        for row in rows.iter_mut() {
            match row.get_mut(i) {
                Some(Value::Oid(oid)) if !array => {
                    let oid = *oid;
                    row[i] = name(oid);
                }
                // regtype[] and friends: each element by name.
                Some(Value::Array(items)) if array => {
                    for v in items.iter_mut() {
                        if let Value::Oid(oid) = v {
                            *v = name(*oid);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// PostgreSQL's refusal of writes in a read-only transaction (25006):
/// the verb it names, or None when the statement may run.
pub(crate) fn read_only_violation(state: &SessionState, stmt: &Stmt, sql: &str) -> Option<String> {
    if !state.read_only_transaction() {
        return None;
    }
    // The command tag PostgreSQL names: `CREATE TABLE`, `GRANT`, …
    let tag = |text: &str| {
        let first = leading_words(text, 1);
        if matches!(first.as_str(), "CREATE" | "ALTER" | "DROP" | "REASSIGN") {
            leading_words(text, 2)
        } else {
            first
        }
    };
    match stmt {
        // DO and VACUUM/ANALYZE may run; a DO block's writes are refused inside.
        Stmt::Maintenance(_)
        | Stmt::Fetch(_)
        | Stmt::Function(crate::func::FuncStmt::Do { .. }) => None,
        Stmt::Sql(st) => match (crate::parser::dml_verb(st), st.as_ref()) {
            (Some(verb), _) => Some(verb.into()),
            (None, Statement::Truncate(_)) => Some("TRUNCATE TABLE".into()),
            (None, Statement::Copy { to: false, .. }) => Some("COPY FROM".into()),
            (None, other) => (crate::statement_log::classify(stmt)
                == crate::statement_log::LogClass::Ddl)
                .then(|| tag(&other.to_string())),
        },
        _ => Some(tag(sql)),
    }
}

/// The first `n` words of a statement, upper-cased (for messages naming it).
pub(crate) fn leading_words(text: &str, n: usize) -> String {
    text.split_whitespace()
        .take(n)
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// PostgreSQL's name of an isolation level (`transaction_isolation`).
fn isolation_name(iso: IsolationLevel) -> &'static str {
    match iso {
        IsolationLevel::ReadCommitted => "read committed",
        IsolationLevel::RepeatableRead => "repeatable read",
        IsolationLevel::Serializable => "serializable",
    }
}

/// The isolation a setting value names (READ UNCOMMITTED runs as READ
/// COMMITTED, as in PostgreSQL).
fn isolation_from_name(name: &str) -> IsolationLevel {
    match name {
        "repeatable read" => IsolationLevel::RepeatableRead,
        "serializable" => IsolationLevel::Serializable,
        _ => IsolationLevel::ReadCommitted,
    }
}

/// The isolation a BEGIN / SET TRANSACTION clause asks for.
pub(crate) fn storage_isolation(l: &sqlparser::ast::TransactionIsolationLevel) -> IsolationLevel {
    use sqlparser::ast::TransactionIsolationLevel as L;
    match l {
        L::RepeatableRead => IsolationLevel::RepeatableRead,
        L::Serializable => IsolationLevel::Serializable,
        _ => IsolationLevel::ReadCommitted,
    }
}

/// The name `default_transaction_isolation` takes for a clause.
pub(crate) fn isolation_setting(l: &sqlparser::ast::TransactionIsolationLevel) -> &'static str {
    match l {
        sqlparser::ast::TransactionIsolationLevel::ReadUncommitted => "read uncommitted",
        other => isolation_name(storage_isolation(other)),
    }
}

fn dml_result(
    tag: String,
    returning: bool,
    columns: Vec<OutputColumn>,
    rows: Vec<Row>,
) -> QueryResult {
    if returning {
        QueryResult::Rows { columns, rows, tag }
    } else {
        QueryResult::Command { tag }
    }
}

fn aborted() -> PgError {
    PgError::new(
        SqlState::IN_FAILED_SQL_TRANSACTION,
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

/// BEGIN, COMMIT, ROLLBACK and the savepoint statements.
fn is_transaction_control(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Sql(s) if matches!(
        s.as_ref(),
        Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. }
    ))
}

/// COPY, either way (FROM STDIN needs later CopyData messages to finish).
fn is_copy(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Sql(s) if matches!(s.as_ref(), Statement::Copy { .. }))
}

fn is_data_statement(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::Query(_)
            | Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Merge(_)
    )
}

mod cursors;
mod durability;
mod literal_cache;
mod on_worker;
mod spi_impl;
mod sql_prepare;

impl Session {
    fn start_copy(
        &mut self,
        stmt: &Statement,
        catalog: &Catalog,
        sql: &str,
    ) -> PgResult<QueryResult> {
        let mut binder = Binder::new(catalog, self.state.search_path(), vec![])
            .with_style(self.state.settings.style())
            .with_source(sql)
            .with_rls(self.rls_context(catalog)?);
        // Table privileges first, as PostgreSQL's DoCopy, then RLS.
        let mut first = Binder::new(catalog, self.state.search_path(), vec![]).with_source(sql);
        let table_needs = crate::copy::table_privilege_needs(&mut first, stmt)?;
        self.authorize((), &table_needs, catalog)?;
        let plan = crate::copy::bind(&mut binder, stmt)?;
        let needs = binder.merged_needs();
        let authorized = self.authorize(plan, &needs, catalog)?.into_plan();
        self.lock_tables(&needs, catalog)?;
        match authorized {
            crate::copy::CopyPlan::In { ref targets, .. } => {
                let columns = targets.len();
                self.copy_in = Some(CopyInState {
                    plan: authorized,
                    implicit: false,
                    buffer: Vec::new(),
                    too_large: false,
                });

                Ok(QueryResult::CopyIn { columns })
            }
            crate::copy::CopyPlan::Out { plan, format } => {
                let engine = self.engine.clone();
                let cancel = self.cancel.clone();
                let txn = self
                    .txn
                    .as_mut()
                    .ok_or_else(|| PgError::internal("no transaction"))?;
                let mut ex = Exec::new(txn, catalog, &mut self.state, &engine, &[]);
                ex.cancel = Some(&cancel);
                let rows = ex.run(&plan)?;
                let style = ex.style;
                let columns = rows.first().map(|r| r.len()).unwrap_or(0);
                let lines = rows.iter().map(|r| format.format_row(r, &style)).collect();
                Ok(QueryResult::CopyOut { columns, lines })
            }
        }
    }

    /// Whether a COPY FROM STDIN is waiting for data.
    pub fn copy_in_progress(&self) -> bool {
        self.copy_in.is_some()
    }

    /// CopyData: buffers the bytes; an oversized load is reported at CopyDone.
    pub fn copy_data(&mut self, data: &[u8]) {
        if let Some(c) = self.copy_in.as_mut() {
            if c.buffer.len() + data.len() > 1 << 30 {
                c.too_large = true;
                c.buffer.clear();
            } else if !c.too_large {
                c.buffer.extend_from_slice(data);
            }
        }
    }

    /// CopyDone: parses and inserts the rows; ends an implicit transaction.
    pub fn copy_done(&mut self) -> PgResult<QueryResult> {
        let c = self
            .copy_in
            .take()
            .ok_or_else(|| PgError::new(SqlState::PROTOCOL_VIOLATION, "unexpected CopyDone"))?;
        let r = if c.too_large {
            Err(PgError::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                "COPY data exceeds 1 GB; split the load into smaller COPY commands",
            ))
        } else {
            self.copy_insert(&c)
        };
        self.finish_copy(c.implicit, r)
    }

    /// CopyFail: the client aborted the copy.
    pub fn copy_fail(&mut self, message: &str) -> PgError {
        let implicit = self.copy_in.take().map(|c| c.implicit).unwrap_or(false);
        let e = PgError::new(
            SqlState::QUERY_CANCELED,
            format!("COPY from stdin failed: {message}"),
        );
        match self.finish_copy(implicit, Err(e)) {
            Err(e) => e,
            Ok(_) => PgError::internal("copy failure reported success"),
        }
    }

    fn copy_insert(&mut self, c: &CopyInState) -> PgResult<QueryResult> {
        let catalog = self.catalog()?;
        let insert = crate::copy::rows_to_insert(
            &c.buffer,
            &c.plan,
            &catalog,
            &self.state.settings.style(),
        )?;
        let engine = self.engine.clone();
        let cancel = self.cancel.clone();
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| PgError::internal("no transaction"))?;
        let mut ex = Exec::new(txn, &catalog, &mut self.state, &engine, &[]);
        ex.cancel = Some(&cancel);
        let r = ex.insert(&insert)?;
        Ok(QueryResult::Command {
            tag: format!("COPY {}", r.count),
        })
    }

    fn finish_copy(&mut self, implicit: bool, r: PgResult<QueryResult>) -> PgResult<QueryResult> {
        if implicit {
            match &r {
                Ok(_) => self.commit_txn()?,
                Err(_) => self.rollback_txn(),
            }
        } else if r.is_err() {
            self.failed = true;
        }
        r
    }
}
