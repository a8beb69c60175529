//! Rampart storage: an embedded ordered KV engine (redb) under a write-ahead
//! log, with MVCC snapshot transactions, row locks, checkpoints and WAL
//! archiving.
//!
//! * [`Store`] opens a data directory, runs crash recovery and starts
//!   [`Transaction`]s.
//! * [`kv`] is the small engine trait the rest is built on ([`kv::RedbEngine`],
//!   [`kv::MemEngine`]).
//! * [`key`] holds the order-preserving key encodings used by upper layers.
//!
//! Durability: a commit returns after its WAL record is fsynced (group
//! commit); the KV is made durable only at checkpoints, and recovery replays
//! the WAL written after the KV's applied position.

#![warn(missing_docs)]

pub mod dir;
pub mod error;
pub mod key;
pub mod kv;
pub mod lock;
pub mod mvcc;
pub mod wait;
pub mod wal;

pub use error::StorageError;
pub use mvcc::{
    ArchiveCallback, Durable, PendingCommit, ScanIter, Store, StoreOptions, Transaction,
    WriteThrough,
};

/// Transaction isolation levels. SERIALIZABLE currently behaves like
/// REPEATABLE READ (snapshot isolation with first-committer-wins on writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IsolationLevel {
    /// A fresh snapshot per statement; concurrent updates wait and re-check.
    #[default]
    ReadCommitted,
    /// One snapshot per transaction; write conflicts fail with 40001.
    RepeatableRead,
    /// As [`IsolationLevel::RepeatableRead`] for now.
    Serializable,
}

/// What a successful commit reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitInfo {
    /// WAL position just past the commit record (the current insert LSN for
    /// read-only transactions).
    pub lsn: u64,
    /// Commit time, microseconds since the Unix epoch.
    pub commit_ts_micros: i64,
}
