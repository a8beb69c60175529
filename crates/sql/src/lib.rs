//! The SQL layer: parse → bind → authorize → plan → execute.
//!
//! Walk of one `SELECT name FROM accounts WHERE id = $1`:
//!
//! 1. [`parser`] turns text into a sqlparser AST (PostgreSQL dialect), with
//!    PostgreSQL's syntax-error texts and cursor positions.
//! 2. [`bind`] resolves `accounts` through `search_path`, types `$1` as the
//!    type of `id`, records the need (accounts, SELECT, {id, name}) and
//!    produces a [`plan::Plan`]; the planner part picks the primary-key index
//!    for `id = $1` ([`plan::Access::IndexEq`]).
//! 3. [`session::Session`] hands plan and needs to `rampart_security::authorize`,
//!    which alone can produce the `Authorized` token the executor accepts.
//! 4. [`exec`] runs the plan over the session's storage transaction.
//!
//! [`session`] also owns the transaction state machine (implicit and explicit
//! transactions, savepoints, the aborted state) and [`guc`] the settings.

pub mod aclitem;
pub mod activity;
pub mod analyze;
pub mod audit;
pub mod bind;
pub mod builtin_srf;
mod check_constraint;
mod comment;
pub mod copy;
pub mod database;
mod datetime;
pub mod ddl;
pub mod default_privs;
mod deparse;
pub mod deparse_query;
pub mod dialect;
pub mod domain;
mod drop_column;
mod drop_constraint;
pub mod engine;
pub mod exec;
mod explain;
pub mod expr;
pub mod fk;
pub mod front;
pub mod func;
pub mod functions;
pub mod guc;
pub mod guc_meta;
mod hba_rules;
mod inherit;
pub mod keys;
mod keywords;
pub mod literal_shape;
pub mod locks;
pub mod owned;
pub mod parser;
mod partition;
pub mod pg_hash;
mod pg_settings;
pub mod plan;
pub mod plpgsql;
pub mod policy;
mod prepared_view;
pub mod privileges;
pub mod regtypes;
pub mod roles;
pub mod rolespec;
mod rule;
pub mod sequence;
pub mod session;
pub mod statement_log;
pub mod sysview;
mod utility;
mod view_deps;

pub use engine::Engine;
/// Installs how blocking waits (row and table locks, commit fsyncs) hand the
/// server's async worker off; see [`rampart_storage::wait`].
pub use rampart_storage::wait::{set_long_running_hook, set_wait_hook};
pub use rampart_storage::Durable;
pub use session::{Prepared, QueryResult, Session, TxnStatus};

/// The PostgreSQL version Rampart reports (psql shapes its catalog queries by it).
pub const SERVER_VERSION: &str = "15.18";
/// `server_version_num`.
pub const SERVER_VERSION_NUM: &str = "150018";
/// What `version()` returns.
pub const VERSION_STRING: &str =
    "PostgreSQL 15.18 (Rampart 0.1.0) on x86_64-pc-linux-gnu, compiled by rustc, 64-bit";
