//! One client connection: startup and authentication, then the simple and
//! extended query protocols, all driving one [`rampart_sql::Session`].

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::BytesMut;
use futures::sink::{Sink, SinkExt};
use parking_lot::Mutex;
use pgwire::api::auth::StartupHandler;
use pgwire::api::cancel::CancelHandler;
use pgwire::api::copy::CopyHandler;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    DescribePortalResponse, DescribeResponse, DescribeStatementResponse, FieldFormat, FieldInfo,
    Response,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::ErrorHandler;
use pgwire::api::{
    ClientInfo, ClientPortalStore, PgWireConnectionState, PgWireServerHandlers, Type, DEFAULT_NAME,
};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::copy::{CopyData, CopyDone, CopyFail, CopyInResponse, CopyOutResponse};
use pgwire::messages::data::{
    DataRow, FieldDescription, NoData, ParameterDescription, RowDescription,
};
use pgwire::messages::extendedquery::{
    Bind, BindComplete, Close, CloseComplete, Describe, Execute, Flush as PgFlush, Parse,
    ParseComplete, PortalSuspended, Sync as PgSync, TARGET_TYPE_BYTE_PORTAL,
    TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::{
    CommandComplete, EmptyQueryResponse, ErrorResponse, NoticeResponse, ReadyForQuery,
    TransactionStatus,
};
use pgwire::messages::simplequery::Query;
use pgwire::messages::startup::SecretKey;
use pgwire::messages::PgWireBackendMessage;
use rampart_sql::plan::OutputColumn;
use rampart_sql::{Prepared, QueryResult, Session, TxnStatus};
use rampart_types::{DataType, PgError, SqlState, Value};

use crate::wire::{self, to_wire_error};
use crate::Shared;

/// Rows of a portal that were only partly sent (Execute with a row limit).
struct PendingRows {
    rows: std::vec::IntoIter<Vec<Value>>,
    sent: usize,
    tag_prefix: String,
}

/// Per-connection state shared by the handlers.
pub struct Conn {
    pub(crate) shared: Arc<Shared>,
    /// Unix socket (true) or TCP.
    pub(crate) local: bool,
    /// The unix-socket peer's OS user (`peer` authentication), or why it is unknown.
    pub(crate) peer_user: Option<Result<String, String>>,
    pub(crate) session: Mutex<Option<Session>>,
    /// Where authentication stands between startup messages.
    pub(crate) auth_stage: Mutex<Option<crate::startup::AuthStage>>,
    pending: Mutex<HashMap<String, PendingRows>>,
    pub(crate) registered_pid: Mutex<Option<i32>>,
    /// Who logged in and when (for `log_disconnections`).
    pub(crate) login: Mutex<Option<crate::startup::LoginRecord>>,
    me: std::sync::Weak<Conn>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(pid) = *self.registered_pid.lock() {
            self.shared.sessions.lock().remove(&pid);
            self.shared.connections.fetch_sub(1, Ordering::SeqCst);
        }
        if self.shared.config.log_disconnections {
            if let Some(login) = self.login.lock().as_ref() {
                login.log_disconnection();
            }
        }
    }
}

/// The handler set pgwire asks for; one per connection.
#[derive(Clone)]
pub struct ConnHandlers(pub Arc<Conn>);

impl ConnHandlers {
    /// Handlers for a new TCP connection.
    pub fn tcp(shared: Arc<Shared>) -> Self {
        Self::new(shared, false, None)
    }

    /// Handlers for a new unix-socket connection with its peer's OS user.
    pub fn unix(shared: Arc<Shared>, peer_user: Result<String, String>) -> Self {
        Self::new(shared, true, Some(peer_user))
    }

    fn new(shared: Arc<Shared>, local: bool, peer_user: Option<Result<String, String>>) -> Self {
        ConnHandlers(Arc::new_cyclic(|me| Conn {
            shared,
            local,
            peer_user,
            session: Mutex::new(None),
            auth_stage: Mutex::new(None),
            pending: Mutex::new(HashMap::new()),
            registered_pid: Mutex::new(None),
            login: Mutex::new(None),
            me: me.clone(),
        }))
    }
}

impl PgWireServerHandlers for ConnHandlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.0.clone()
    }
    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.0.clone()
    }
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.0.clone()
    }
    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.0.clone()
    }
    fn copy_handler(&self) -> Arc<impl CopyHandler> {
        self.0.clone()
    }
    fn error_handler(&self) -> Arc<impl ErrorHandler> {
        self.0.clone()
    }
}

impl ErrorHandler for Conn {
    /// pgwire flushes an error reply at once, with whatever the buffer
    /// holds — possibly a COMMIT's reply whose fsync is still under way
    /// (a pipelined COMMIT followed by a message that fails outside the
    /// session): finish that commit first (blocking; this is rare).
    fn on_error<C>(&self, _client: &C, error: &mut PgWireError)
    where
        C: ClientInfo,
    {
        let pending = self
            .session
            .lock()
            .as_ref()
            .is_some_and(|s| s.durable_wait().is_some());
        if pending {
            if let Err(e) = self.with_session(|_| ()) {
                *error = e;
            }
        }
    }
}

/// A commit whose WAL record could not be made durable after the session
/// had run it: its outcome is unknown, so the connection ends (PostgreSQL
/// stops the server in this case).
fn commit_failed(e: PgError) -> PgWireError {
    tracing::error!(error = %e.message, "commit durability failed; closing the connection");
    to_wire_error(e.fatal())
}

pub(crate) fn fatal(code: SqlState, msg: String) -> PgWireError {
    to_wire_error(PgError::new(code, msg).fatal())
}

fn status(s: TxnStatus) -> TransactionStatus {
    match s {
        TxnStatus::Idle => TransactionStatus::Idle,
        TxnStatus::InBlock => TransactionStatus::Transaction,
        TxnStatus::Failed => TransactionStatus::Error,
    }
}

impl Conn {
    fn with_session<T>(&self, f: impl FnOnce(&mut Session) -> T) -> PgWireResult<T> {
        // Statements that may take long or wait: keep them off the async workers.
        tokio::task::block_in_place(|| self.session_call(f))
    }

    /// Runs `f` on the current async worker, which it gives up itself when
    /// it waits or runs long (see `crate::worker`).
    fn with_session_inline<T>(&self, f: impl FnOnce(&mut Session) -> T) -> PgWireResult<T> {
        crate::worker::run_inline(|| self.session_call(f))
    }

    fn session_call<T>(&self, f: impl FnOnce(&mut Session) -> T) -> PgWireResult<T> {
        let mut guard = self.session.lock();
        let s = guard
            .as_mut()
            .ok_or_else(|| fatal(SqlState::PROTOCOL_VIOLATION, "no session".into()))?;
        // A commit still awaiting its fsync is finished (blocking, if need
        // be) before the session does anything else.
        s.finish_commit().map_err(commit_failed)?;
        Ok(f(s))
    }

    /// Awaits the fsync of the session's pending commit (see
    /// `rampart_sql::Session::durable_wait`) without holding a thread, then
    /// makes the commit visible. Runs before any reply that acknowledges a
    /// commit leaves the buffer.
    async fn settle_commit(&self) -> PgWireResult<()> {
        let durable = self.session.lock().as_ref().and_then(|s| s.durable_wait());
        if let Some(durable) = durable {
            // A failure shows again in finish_commit.
            let _ = durable.await;
        }
        self.with_session_inline(|_| ())
    }

    fn style(&self) -> rampart_types::Style {
        self.session
            .lock()
            .as_ref()
            .map(|s| s.state.settings.style())
            .unwrap_or_default()
    }

    fn txn_status(&self) -> TransactionStatus {
        self.session
            .lock()
            .as_ref()
            .map(|s| status(s.txn_status()))
            .unwrap_or(TransactionStatus::Idle)
    }

    fn take_notices(&self) -> Vec<PgError> {
        self.session
            .lock()
            .as_mut()
            .map(|s| s.take_notices())
            .unwrap_or_default()
    }

    async fn send_notices<C>(&self, client: &mut C) -> PgWireResult<()>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        for n in self.take_notices() {
            client
                .feed(PgWireBackendMessage::NoticeResponse(NoticeResponse::from(
                    wire::error_info(&n),
                )))
                .await?;
        }
        Ok(())
    }

    async fn send_rows<C>(
        &self,
        client: &mut C,
        columns: &[OutputColumn],
        rows: &mut (dyn Iterator<Item = Vec<Value>> + Send),
        limit: usize,
        binary: &[bool],
    ) -> PgWireResult<usize>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut n = 0;
        let _ = columns;
        let style = self.style();
        for row in &mut *rows {
            let mut buf = BytesMut::with_capacity(row.len() * 8);
            for (i, v) in row.iter().enumerate() {
                wire::put_field(&mut buf, v, binary.get(i).copied().unwrap_or(false), &style);
            }
            client
                .feed(PgWireBackendMessage::DataRow(DataRow::new(
                    buf,
                    row.len() as i16,
                )))
                .await?;
            n += 1;
            if limit > 0 && n >= limit {
                break;
            }
        }
        Ok(n)
    }
}

/// RowDescription for result columns with per-column formats.
pub fn row_description(columns: &[OutputColumn], binary: &dyn Fn(usize) -> bool) -> RowDescription {
    RowDescription::new(
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (table_id, column_id) = c.source.map(|(t, a)| (t as i32, a)).unwrap_or((0, 0));
                FieldDescription::new(
                    c.name.clone(),
                    table_id,
                    column_id,
                    c.ty.oid(),
                    c.ty.typlen(),
                    c.ty.typmod(),
                    if binary(i) { 1 } else { 0 },
                )
            })
            .collect(),
    )
}

fn field_infos(columns: &[OutputColumn], format: Option<&Format>) -> Vec<FieldInfo> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let fmt = format.map(|f| f.format_for(i)).unwrap_or(FieldFormat::Text);
            let (table_id, column_id) = c
                .source
                .map(|(t, a)| (Some(t as i32), Some(a)))
                .unwrap_or((None, None));
            FieldInfo::new(
                c.name.clone(),
                table_id,
                column_id,
                wire::wire_type(&c.ty),
                fmt,
            )
            .with_type_size(c.ty.typlen())
            .with_type_modifier(c.ty.typmod())
        })
        .collect()
}

#[async_trait]
impl SimpleQueryHandler for Conn {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        let results = match wire::check_query_text(&query.query) {
            // The session hands the worker off itself for what may take
            // long (`rampart_sql::Session::set_runs_on_worker`).
            Ok(()) => self.with_session_inline(|s| s.execute(&query.query))?,
            Err(e) => {
                self.with_session(|s| s.mark_failed_if_in_block())?;
                vec![Err(e)]
            }
        };
        for r in results {
            self.send_notices(client).await?;
            match r {
                Ok(QueryResult::Rows { columns, rows, tag }) => {
                    client
                        .feed(PgWireBackendMessage::RowDescription(row_description(
                            &columns,
                            &|_| false,
                        )))
                        .await?;
                    let mut it = rows.into_iter();
                    self.send_rows(client, &columns, &mut it, 0, &[]).await?;
                    client
                        .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                            tag,
                        )))
                        .await?;
                }
                Ok(QueryResult::Command { tag }) => {
                    client
                        .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                            tag,
                        )))
                        .await?;
                }
                Ok(QueryResult::Empty) => {
                    client
                        .feed(PgWireBackendMessage::EmptyQueryResponse(
                            EmptyQueryResponse::new(),
                        ))
                        .await?;
                }
                Ok(QueryResult::CopyIn { columns }) => {
                    self.send_notices(client).await?;
                    self.settle_commit().await?;
                    client.set_transaction_status(self.txn_status());
                    client.set_state(PgWireConnectionState::CopyInProgress(false));
                    client
                        .send(PgWireBackendMessage::CopyInResponse(CopyInResponse::new(
                            0,
                            columns as i16,
                            vec![0; columns],
                        )))
                        .await?;
                    // ReadyForQuery follows CopyDone/CopyFail (sent by pgwire).
                    return Ok(());
                }
                Ok(QueryResult::CopyOut { columns, lines }) => {
                    send_copy_out(client, columns, &lines).await?;
                }
                Err(e) => {
                    client
                        .feed(PgWireBackendMessage::ErrorResponse(ErrorResponse::from(
                            wire::error_info(&e),
                        )))
                        .await?;
                }
            }
        }
        self.settle_commit().await?;
        self.send_notices(client).await?;
        let st = self.txn_status();
        client.set_state(PgWireConnectionState::ReadyForQuery);
        client.set_transaction_status(st);
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(st)))
            .await?;
        Ok(())
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // on_query above handles the whole simple-query cycle.
        Ok(vec![])
    }
}

/// A prepared statement as pgwire stores it.
pub type Statement = Arc<Mutex<Prepared>>;

/// Parses and binds statements for the extended protocol through the session.
pub struct Parser {
    conn: std::sync::Weak<Conn>,
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = Statement;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let conn = self
            .conn
            .upgrade()
            .ok_or_else(|| fatal(SqlState::PROTOCOL_VIOLATION, "connection closed".into()))?;
        let param_types: Vec<DataType> = types
            .iter()
            .map(|t| {
                t.as_ref()
                    .and_then(|t| DataType::from_oid(t.oid()))
                    .unwrap_or(DataType::Unknown)
            })
            .collect();
        wire::check_query_text(sql).map_err(to_wire_error)?;
        // Preparing parses and binds: it reads the catalog, runs no user
        // code and takes no row or table lock, so it never waits and runs
        // on the async worker (the extended protocol parses before every
        // execution; handing the worker off cost more than the parse).
        let prepared = conn.with_session_inline(|s| {
            let r = s.prepare(sql, param_types);
            if r.is_err() {
                s.mark_failed_if_in_block();
            }
            r
        })?;
        match prepared {
            Ok(p) => Ok(Some(Arc::new(Mutex::new(p)))),
            Err(e) => Err(to_wire_error(e)),
        }
    }

    fn get_parameter_types(&self, stmt: &Statement) -> PgWireResult<Vec<Type>> {
        Ok(stmt
            .lock()
            .param_types
            .iter()
            .map(wire::wire_type)
            .collect())
    }

    fn get_result_schema(
        &self,
        stmt: &Statement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        Ok(field_infos(&stmt.lock().columns, column_format))
    }
}

#[async_trait]
impl ExtendedQueryHandler for Conn {
    type Statement = Statement;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        // The parser reaches the session through a weak link to avoid a cycle.
        Arc::new(Parser {
            conn: self.me.clone(),
        })
    }

    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // Same as pgwire's default but buffered: the reply goes out with the
        // rest of the batch at Sync/Flush instead of costing its own write.
        let name = message
            .name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.to_owned());
        let parser = self.query_parser();
        match StoredStatement::parse(client, &message, parser).await? {
            Some(stmt) => client.portal_store().put_statement(Arc::new(stmt)),
            None => client.portal_store().put_empty_statement(&name),
        }
        client
            .feed(PgWireBackendMessage::ParseComplete(ParseComplete::new()))
            .await?;
        Ok(())
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let portal_name = message
            .name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.to_string());
        let max_rows = message.max_rows.max(0) as usize;
        let portal = match client.portal_store().get_portal(&portal_name) {
            Some(Entry::Value(p)) => p,
            Some(Entry::Empty) => {
                client
                    .feed(PgWireBackendMessage::EmptyQueryResponse(
                        EmptyQueryResponse::new(),
                    ))
                    .await?;
                return Ok(());
            }
            None => {
                return Err(to_wire_error(PgError::new(
                    SqlState::INVALID_CURSOR_NAME,
                    format!("portal \"{portal_name}\" does not exist"),
                )))
            }
        };
        let columns = portal.statement.statement.lock().columns.clone();
        let binary: Vec<bool> = (0..columns.len())
            .map(|i| portal.result_column_format.is_binary(i))
            .collect();
        let pending = self.pending.lock().remove(&portal_name);
        let mut pending = match pending {
            Some(p) => p,
            None => {
                let style = self.style();
                let params = match decode_params(&portal, &style) {
                    Ok(p) => p,
                    Err(e) => {
                        self.with_session(|s| s.mark_failed_if_in_block())?;
                        client.set_transaction_status(self.txn_status());
                        return Err(to_wire_error(e));
                    }
                };
                let stmt = portal.statement.statement.clone();
                let run = |s: &mut Session| {
                    let mut p = stmt.lock();
                    s.execute_prepared_formats(&mut p, &params, &binary)
                };
                // The session hands the worker off itself for what may take
                // long (`rampart_sql::Session::set_runs_on_worker`).
                let result = self.with_session_inline(run)?;
                self.send_notices(client).await?;
                client.set_transaction_status(self.txn_status());
                match result {
                    Ok(QueryResult::Rows { rows, tag, .. }) => {
                        let prefix = tag
                            .rsplit_once(' ')
                            .map(|(p, _)| p.to_string())
                            .unwrap_or(tag);
                        PendingRows {
                            rows: rows.into_iter(),
                            sent: 0,
                            tag_prefix: prefix,
                        }
                    }
                    Ok(QueryResult::Command { tag }) => {
                        client
                            .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                                tag,
                            )))
                            .await?;
                        return Ok(());
                    }
                    Ok(QueryResult::Empty) => {
                        client
                            .feed(PgWireBackendMessage::EmptyQueryResponse(
                                EmptyQueryResponse::new(),
                            ))
                            .await?;
                        return Ok(());
                    }
                    Ok(QueryResult::CopyIn { columns }) => {
                        self.settle_commit().await?;
                        client.set_state(PgWireConnectionState::CopyInProgress(true));
                        client
                            .send(PgWireBackendMessage::CopyInResponse(CopyInResponse::new(
                                0,
                                columns as i16,
                                vec![0; columns],
                            )))
                            .await?;
                        return Ok(());
                    }
                    Ok(QueryResult::CopyOut { columns, lines }) => {
                        send_copy_out(client, columns, &lines).await?;
                        return Ok(());
                    }
                    Err(e) => return Err(to_wire_error(e)),
                }
            }
        };
        let n = self
            .send_rows(client, &columns, &mut pending.rows, max_rows, &binary)
            .await?;
        pending.sent += n;
        if max_rows > 0 && n == max_rows && pending.rows.len() > 0 {
            client
                .feed(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()))
                .await?;
            self.pending.lock().insert(portal_name, pending);
        } else {
            let tag = format!("{} {}", pending.tag_prefix, pending.sent);
            client
                .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                    tag,
                )))
                .await?;
            // A portal run to completion stays done: another Execute returns no rows
            // (PostgreSQL's behaviour) until the portal is closed or rebound.
            pending.sent = 0;
            self.pending.lock().insert(portal_name, pending);
        }
        Ok(())
    }

    async fn on_bind<C>(&self, client: &mut C, message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let statement_name = message
            .statement_name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.to_string());
        let portal_name = message
            .portal_name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.to_string());
        self.pending.lock().remove(&portal_name);
        match client.portal_store().get_statement(&statement_name) {
            Some(Entry::Value(statement)) => {
                let portal = Portal::try_new(&message, statement)?;
                client.portal_store().put_portal(Arc::new(portal));
            }
            Some(Entry::Empty) => client.portal_store().put_empty_portal(&portal_name),
            None => {
                return Err(to_wire_error(PgError::new(
                    SqlState::INVALID_SQL_STATEMENT_NAME,
                    format!(
                        "prepared statement \"{}\" does not exist",
                        display_stmt_name(&statement_name)
                    ),
                )))
            }
        }
        client
            .feed(PgWireBackendMessage::BindComplete(BindComplete::new()))
            .await?;
        Ok(())
    }

    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message
            .name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.to_string());
        if message.target_type == TARGET_TYPE_BYTE_STATEMENT
            && client.portal_store().get_statement(&name).is_none()
        {
            return Err(to_wire_error(PgError::new(
                SqlState::INVALID_SQL_STATEMENT_NAME,
                format!(
                    "prepared statement \"{}\" does not exist",
                    display_stmt_name(&name)
                ),
            )));
        }
        if message.target_type == TARGET_TYPE_BYTE_PORTAL
            && client.portal_store().get_portal(&name).is_none()
        {
            return Err(to_wire_error(PgError::new(
                SqlState::INVALID_CURSOR_NAME,
                format!("portal \"{}\" does not exist", display_stmt_name(&name)),
            )));
        }
        // pgwire's default `_on_describe` flushes the socket after every message;
        // PostgreSQL writes nothing until Sync or Flush, so buffer with `feed`.
        match message.target_type {
            TARGET_TYPE_BYTE_STATEMENT => match client.portal_store().get_statement(&name) {
                Some(Entry::Value(stmt)) => {
                    let described = self.do_describe_statement(client, &stmt).await?;
                    feed_describe_response(client, &described).await
                }
                _ => feed_describe_response(client, &DescribeStatementResponse::no_data()).await,
            },
            _ => match client.portal_store().get_portal(&name) {
                Some(Entry::Value(portal)) => {
                    let described = self.do_describe_portal(client, &portal).await?;
                    feed_describe_response(client, &described).await
                }
                _ => feed_describe_response(client, &DescribePortalResponse::no_data()).await,
            },
        }
    }

    async fn on_close<C>(&self, client: &mut C, message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message
            .name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.to_string());
        match message.target_type {
            TARGET_TYPE_BYTE_STATEMENT => client.portal_store().rm_statement(&name),
            TARGET_TYPE_BYTE_PORTAL => {
                self.pending.lock().remove(&name);
                client.portal_store().rm_portal(&name);
            }
            _ => {}
        }
        client
            .feed(PgWireBackendMessage::CloseComplete(CloseComplete::new()))
            .await?;
        Ok(())
    }

    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.portal_store().rm_portal(DEFAULT_NAME);
        self.pending.lock().remove(DEFAULT_NAME);
        // The implicit transaction spanning the extended-protocol messages
        // ends at Sync: rolled back when one of them failed (pgwire then
        // waits for this Sync), else committed.
        let after_error = matches!(client.state(), PgWireConnectionState::AwaitingSync);
        // An Execute's COMMIT before this Sync: await its fsync here rather
        // than block in with_session_inline.
        self.settle_commit().await?;
        let synced = self.with_session_inline(|s| s.sync(after_error))?;
        if let Err(e) = synced {
            // The commit failed (e.g. a serialization failure): report it
            // before ReadyForQuery, as PostgreSQL does for a failed COMMIT.
            self.send_notices(client).await?;
            client
                .feed(PgWireBackendMessage::ErrorResponse(
                    crate::wire::error_info(&e).into(),
                ))
                .await?;
        }
        self.settle_commit().await?;
        self.send_notices(client).await?;
        let st = self.txn_status();
        client.set_transaction_status(st);
        client
            .feed(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(st)))
            .await?;
        client.flush().await?;
        Ok(())
    }

    async fn on_flush<C>(&self, client: &mut C, _message: PgFlush) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // A COMMIT's reply may be in the buffer: not before it is durable.
        self.settle_commit().await?;
        client.flush().await?;
        Ok(())
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // on_execute above handles execution.
        Ok(Response::EmptyQuery)
    }
}

fn decode_params(
    portal: &Portal<Statement>,
    style: &rampart_types::Style,
) -> Result<Vec<Value>, PgError> {
    let types = portal.statement.statement.lock().param_types.clone();
    if portal.parameters.len() != types.len() {
        return Err(PgError::new(
            SqlState::PROTOCOL_VIOLATION,
            format!(
                "bind message supplies {} parameters, but prepared statement \"{}\" requires {}",
                portal.parameters.len(),
                display_stmt_name(&portal.statement.id),
                types.len()
            ),
        ));
    }
    portal
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| {
            wire::decode_param(
                p.as_deref(),
                &types[i],
                portal.parameter_format.is_binary(i),
                style,
            )
        })
        .collect()
}

fn display_stmt_name(id: &str) -> &str {
    if id == DEFAULT_NAME {
        ""
    } else {
        id
    }
}

#[async_trait]
impl CancelHandler for Conn {
    async fn on_cancel_request(&self, req: CancelRequest) {
        // pgwire decodes the key as raw bytes (protocol 3.2 allows longer
        // keys); ours are the 4-byte big-endian integers BackendKeyData sent.
        let secret = match req.secret_key {
            SecretKey::I32(s) => s,
            SecretKey::Bytes(b) if b.len() == 4 => i32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            _ => return,
        };
        if let Some(e) = self.shared.sessions.lock().get(&req.pid) {
            if e.secret == secret {
                e.cancel.store(true, Ordering::Relaxed);
            }
        }
    }
}

/// CopyOutResponse, one CopyData per row, CopyDone, CommandComplete.
async fn send_copy_out<C>(client: &mut C, columns: usize, lines: &[String]) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    client
        .feed(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
            0,
            columns as i16,
            vec![0; columns],
        )))
        .await?;
    for l in lines {
        client
            .feed(PgWireBackendMessage::CopyData(CopyData::new(
                bytes::Bytes::copy_from_slice(l.as_bytes()),
            )))
            .await?;
    }
    client
        .feed(PgWireBackendMessage::CopyDone(CopyDone::new()))
        .await?;
    client
        .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
            format!("COPY {}", lines.len()),
        )))
        .await?;
    Ok(())
}

#[async_trait]
impl CopyHandler for Conn {
    async fn on_copy_data<C>(&self, _client: &mut C, copy_data: CopyData) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.with_session(|s| s.copy_data(&copy_data.data))
    }

    async fn on_copy_done<C>(&self, client: &mut C, _done: CopyDone) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let r = self.with_session(|s| s.copy_done())?;
        self.settle_commit().await?;
        self.send_notices(client).await?;
        client.set_transaction_status(self.txn_status());
        match r {
            Ok(QueryResult::Command { tag }) => {
                client
                    .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                        tag,
                    )))
                    .await?;
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(e) => Err(to_wire_error(e)),
        }
    }

    async fn on_copy_fail<C>(&self, client: &mut C, fail: CopyFail) -> PgWireError
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let e = match self.with_session(|s| s.copy_fail(&fail.message)) {
            Ok(e) => e,
            Err(w) => return w,
        };
        client.set_transaction_status(self.txn_status());
        to_wire_error(e)
    }
}

/// Queues a Describe reply (ParameterDescription for statements, then
/// RowDescription or NoData) without flushing the socket.
async fn feed_describe_response<C, D>(client: &mut C, described: &D) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    D: DescribeResponse,
{
    if let Some(types) = described.parameters() {
        let oids = types.iter().map(|t| t.oid()).collect();
        client
            .feed(PgWireBackendMessage::ParameterDescription(
                ParameterDescription::new(oids),
            ))
            .await?;
    }
    if described.is_no_data() {
        client
            .feed(PgWireBackendMessage::NoData(NoData::new()))
            .await?;
    } else {
        let fields = described.fields().iter().map(Into::into).collect();
        client
            .feed(PgWireBackendMessage::RowDescription(RowDescription::new(
                fields,
            )))
            .await?;
    }
    Ok(())
}
