//! Commits whose WAL fsync the server awaits instead of blocking a thread.
//!
//! With [`Session::set_deferred_durability`] on (the server turns it on), a
//! commit made while other transactions are open returns once its WAL record
//! is written and applied; the session keeps the
//! [`rampart_storage::PendingCommit`] (with the transaction's row and table
//! locks) until the server, before it sends the replies that acknowledge the
//! commit, has awaited [`Session::durable_wait`] and called
//! [`Session::finish_commit`]. Nothing else runs in the session in between:
//! the server finishes a pending commit before handing the session any other
//! work (then blocking, if the fsync is still under way). Without it (tests,
//! embedded use) every commit completes before it returns.

use super::Session;
use crate::exec::table::storage_err;
use rampart_storage::PendingCommit;
use rampart_types::PgResult;

/// A commit awaiting durability, and the id its table locks are held under.
pub(super) type Pending = (PendingCommit, u64);

impl Session {
    /// Whether commits may return before their WAL record is durable (see
    /// the module docs); the caller then owes [`Session::finish_commit`].
    pub fn set_deferred_durability(&mut self, on: bool) {
        self.defer_durability = on;
    }

    /// Resolves once the last commit's WAL record is durable; None when no
    /// commit is pending.
    pub fn durable_wait(&self) -> Option<rampart_storage::Durable> {
        self.pending_commit.as_ref().and_then(|(p, _)| p.durable())
    }

    /// Completes a pending commit: waits for its fsync unless
    /// [`Session::durable_wait`] already resolved, makes it visible to other
    /// sessions and releases its locks. An error means the WAL failed and the
    /// commit's durability is unknown.
    pub fn finish_commit(&mut self) -> PgResult<()> {
        if let Some(e) = self.commit_error.take() {
            return Err(e);
        }
        match self.pending_commit.take() {
            Some((pending, id)) => self.complete_commit(pending, id),
            None => Ok(()),
        }
    }

    /// Completes `pending` (see [`rampart_storage::PendingCommit::complete`])
    /// and then releases its table locks.
    fn complete_commit(&self, pending: PendingCommit, id: u64) -> PgResult<()> {
        let done = pending.complete();
        self.engine.table_locks.release_all(id);
        done.map(|_| ()).map_err(storage_err)
    }

    /// Finishes a pending commit inside a call that goes on to read what it
    /// wrote (the audit log's catalog lookups); a failure is kept for the
    /// server's [`Session::finish_commit`].
    pub(crate) fn finish_commit_in_call(&mut self) {
        if self.pending_commit.is_some() {
            if let Err(e) = self.finish_commit() {
                self.commit_error = Some(e);
            }
        }
    }

    /// Keeps `pending` for the server to finish when deferring durability;
    /// otherwise completes it now. Table locks go once the commit is visible.
    pub(super) fn hold_or_complete(&mut self, pending: PendingCommit, id: u64) -> PgResult<()> {
        if self.defer_durability && !pending.is_complete() {
            self.pending_commit = Some((pending, id));
            return Ok(());
        }
        self.complete_commit(pending, id)
    }
}
