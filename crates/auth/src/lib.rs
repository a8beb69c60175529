//! Authentication policy and secrets.
//!
//! * [`hba`]: pg_hba.conf parsing and first-match rule selection
//!   (default deny: no matching line rejects the connection).
//! * [`scram`]: SCRAM-SHA-256 verifiers in PostgreSQL's exact format; the
//!   server stores and compares only verifiers, never passwords.

pub mod hba;
pub mod scram;
