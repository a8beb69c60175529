//! Authentication policy and secrets.
//!
//! * [`hba`]: pg_hba.conf parsing and first-match rule selection
//!   (default deny: no matching line rejects the connection).
//! * [`ident`]: pg_ident.conf user maps for `peer` and `cert`.
//! * [`scram`]: SCRAM-SHA-256 verifiers in PostgreSQL's exact format; the
//!   server stores and compares only verifiers, never passwords.
//! * [`tokens`]: the tokenizer both files share (quotes, commas, `@file`).

pub mod hba;
pub mod ident;
mod netmatch;
pub mod scram;
pub mod tokens;

/// An I/O error as PostgreSQL's `%m` prints it ("No such file or directory").
pub(crate) fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
