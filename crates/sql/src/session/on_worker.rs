//! Statements run on the server's async worker thread.
//!
//! The server runs simple Queries and extended-protocol Executes on its
//! worker without handing it off first ([`Session::set_runs_on_worker`]).
//! The session hands the worker off itself
//! (`rampart_storage::wait::blocking_wait`, tokio's `block_in_place` in the
//! server) for the parts that may take long: any statement other than
//! SELECT/INSERT/UPDATE/DELETE/MERGE, SET/SHOW and transaction control, and
//! a data statement whose bound plan calls user code
//! ([`crate::exec::statement_may_block`]). Lock and fsync waits inside an
//! inline statement hand the worker off at the wait, as everywhere. So a
//! plain UPDATE costs no thread hand-off in either protocol.

use super::{is_data_statement, Session};
use crate::parser::Stmt;
use sqlparser::ast::Statement;

impl Session {
    /// Whether the session runs on an async worker (the server sets this
    /// once): what may take long is then run with the worker handed off
    /// (see the module docs).
    pub fn set_runs_on_worker(&mut self, on: bool) {
        self.on_worker = on;
    }

    /// Whether `stmt` is handed off before it is bound (data statements are
    /// checked once bound, in `run_in_txn`).
    pub(super) fn hands_off_before_binding(&self, stmt: &Stmt) -> bool {
        if !self.on_worker {
            return false;
        }
        match stmt {
            Stmt::Sql(s) => match s.as_ref() {
                Statement::Query(q) => crate::ddl::select_into(q).is_some(),
                // Settings: nothing to wait for.
                Statement::Set(_) | Statement::ShowVariable { .. } => false,
                other => !is_data_statement(other),
            },
            _ => true,
        }
    }

    /// Runs `f` with the worker handed off (and nothing nested handing it
    /// off again).
    pub(super) fn off_worker<T>(&mut self, f: impl FnOnce(&mut Session) -> T) -> T {
        let was = std::mem::replace(&mut self.on_worker, false);
        let mut f = Some(f);
        let mut out = None;
        rampart_storage::wait::blocking_wait(&mut || {
            if let Some(f) = f.take() {
                out = Some(f(self));
            }
        });
        self.on_worker = was;
        match out {
            Some(v) => v,
            // The hook always runs the wait it is given.
            None => unreachable!("blocking_wait did not run its closure"),
        }
    }
}
