//! Error type of the storage layer.

use std::path::{Path, PathBuf};

/// Everything that can go wrong in the storage layer.
///
/// Callers map these to PostgreSQL SQLSTATEs: [`StorageError::SerializationFailure`]
/// is `40001`, [`StorageError::Deadlock`] is `40P01`, the rest are internal or
/// I/O errors (`58030`, `XX001`, ...).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A concurrent transaction committed a conflicting write first (SQLSTATE 40001).
    #[error("could not serialize access due to concurrent update")]
    SerializationFailure,
    /// Waiting for a row lock would close a cycle of waiters (SQLSTATE 40P01).
    #[error("deadlock detected")]
    Deadlock,
    /// An I/O error on a file of the data directory.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file holds data that cannot be valid (bad checksum, impossible length, ...).
    #[error("corrupt data in {} at offset {offset}: {reason}", path.display())]
    Corrupt {
        /// The corrupt file.
        path: PathBuf,
        /// Byte offset (in the file, or the LSN for WAL records) of the bad data.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The data directory is in use by another process.
    #[error("data directory {} is locked by another process", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// The directory is not empty and is not a Rampart data directory.
    #[error("{} is not a Rampart data directory", path.display())]
    NotRampart {
        /// The directory.
        path: PathBuf,
    },
    /// The data directory was written by a newer, incompatible version.
    #[error("{} has unsupported storage format version {found}", path.display())]
    UnsupportedVersion {
        /// The `FORMAT` file.
        path: PathBuf,
        /// The version found in it.
        found: u32,
    },
    /// A previous WAL write or fsync failed: no further commits are accepted
    /// (PostgreSQL PANICs in this case; the server must be restarted).
    #[error("WAL write or fsync failed earlier; no further commits are possible")]
    WalFailed,
    /// The transaction's writes exceed the largest WAL record.
    #[error("transaction too large: {bytes} bytes of changes (limit {limit})")]
    TransactionTooLarge {
        /// Size of the encoded commit record.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// A memcomparable key could not be decoded.
    #[error("invalid key encoding: {0}")]
    InvalidKey(String),
}

impl StorageError {
    /// Builds an [`StorageError::Io`] for `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        StorageError::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// Builds an [`StorageError::Io`] from any error of the KV engine.
    pub fn engine(path: impl AsRef<Path>, err: impl std::fmt::Display) -> Self {
        StorageError::io(path, std::io::Error::other(err.to_string()))
    }
}

/// Result alias of the storage layer.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
