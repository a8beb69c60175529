//! Simple-protocol statements run on the server's async worker thread.
//!
//! The server runs every simple Query through [`Session::execute_on_worker`]
//! without handing its worker off first. The session hands the worker off
//! itself (`rampart_storage::wait::blocking_wait`, tokio's `block_in_place`
//! in the server) for the parts that may take long: any statement other than
//! SELECT/INSERT/UPDATE/DELETE/MERGE, SET/SHOW and transaction control, and a data
//! statement whose bound plan calls user code or may otherwise wait
//! ([`crate::exec::statement_may_block`], the test the extended protocol's
//! Execute uses). Lock and fsync waits inside an inline statement hand the
//! worker off at the wait, as everywhere. So a plain UPDATE costs no thread
//! hand-off, as with the extended protocol.

use super::{is_data_statement, Session};
use crate::parser::Stmt;
use rampart_types::PgResult;
use sqlparser::ast::Statement;

impl Session {
    /// [`Session::execute`] on an async worker: what may take long is run
    /// with the worker handed off (see the module docs).
    pub fn execute_on_worker(&mut self, sql: &str) -> Vec<PgResult<crate::session::QueryResult>> {
        self.on_worker = true;
        let r = self.execute(sql);
        self.on_worker = false;
        r
    }

    /// Whether `stmt` may start running on the worker (data statements are
    /// checked again once bound).
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
