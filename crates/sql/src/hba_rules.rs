//! `pg_hba_file_rules`: pg_hba.conf as it is on disk now (not necessarily
//! the rules in force: a file that failed to load shows its errors here
//! while the previous rules keep working), one row per line. Superusers only.

use rampart_auth::hba::{parse_lines, AddressSpec, ParseOptions};
use rampart_types::{DataType, Value};

use crate::engine::Engine;
use crate::exec::Row;
use crate::sysview::{Col, SysView};

/// The view's definition (OID and columns as PostgreSQL 15's).
pub const VIEW: SysView = SysView {
    name: "pg_hba_file_rules",
    oid: 12114,
    columns: &[
        ("line_number", Col::T(DataType::Int4)),
        ("type", Col::T(DataType::Text)),
        ("database", Col::ArrayOf(DataType::Text)),
        ("user_name", Col::ArrayOf(DataType::Text)),
        ("address", Col::T(DataType::Text)),
        ("netmask", Col::T(DataType::Text)),
        ("auth_method", Col::T(DataType::Text)),
        ("options", Col::ArrayOf(DataType::Text)),
        ("error", Col::T(DataType::Text)),
    ],
    superuser_only: true,
};

fn text_array(items: impl Iterator<Item = String>) -> Value {
    Value::Array(items.map(Value::Text).collect())
}

/// The rows; a server without files (embedded use) has none, and an
/// unreadable file is one row carrying the error, as PostgreSQL reports it.
pub fn rows(engine: &Engine) -> Vec<Row> {
    let Some(files) = engine.server_files.read().clone() else {
        return Vec::new();
    };
    let text = match std::fs::read_to_string(&files.hba_file) {
        Ok(t) => t,
        Err(e) => {
            let msg = format!(
                "could not open configuration file \"{}\": {e}",
                files.hba_file.display()
            );
            let mut row = vec![Value::Int4(0)];
            row.extend(std::iter::repeat_n(Value::Null, 7));
            row.push(Value::Text(msg));
            return vec![row];
        }
    };
    let opts = ParseOptions {
        ssl: files.ssl,
        dir: files.hba_file.parent(),
    };
    parse_lines(&text, opts)
        .into_iter()
        .map(|l| {
            let mut row = vec![Value::Int4(l.line as i32)];
            match &l.rule {
                Some(r) => {
                    let (addr, mask) = match &r.address {
                        None => (Value::Null, Value::Null),
                        Some(AddressSpec::All) => (Value::Text("all".into()), Value::Null),
                        Some(AddressSpec::SameHost) => {
                            (Value::Text("samehost".into()), Value::Null)
                        }
                        Some(AddressSpec::SameNet) => (Value::Text("samenet".into()), Value::Null),
                        Some(AddressSpec::Net { addr, mask }) => {
                            (Value::Text(addr.to_string()), Value::Text(mask.to_string()))
                        }
                    };
                    let options = r.options();
                    row.extend([
                        Value::Text(r.conn.name().into()),
                        text_array(r.databases.iter().map(|t| t.token.text.clone())),
                        text_array(r.users.iter().map(|t| t.token.text.clone())),
                        addr,
                        mask,
                        Value::Text(r.method.name().into()),
                        if options.is_empty() {
                            Value::Null
                        } else {
                            text_array(options.into_iter())
                        },
                    ]);
                }
                None => row.extend(std::iter::repeat_n(Value::Null, 7)),
            }
            row.push(l.error.map(Value::Text).unwrap_or(Value::Null));
            row
        })
        .collect()
}

/// `rampart_auth_failures` (beyond PostgreSQL): every (role, client address)
/// with failed logins inside `login_failure_window` or a lockout in force.
/// Superusers only, like the log it summarizes.
pub const AUTH_FAILURES_VIEW: SysView = SysView {
    name: "rampart_auth_failures",
    oid: 12500,
    columns: &[
        ("user_name", Col::T(DataType::Text)),
        ("client_addr", Col::T(DataType::Text)),
        ("recent_failures", Col::T(DataType::Int4)),
        ("last_failure", Col::T(DataType::Timestamptz)),
        ("locked_until", Col::T(DataType::Timestamptz)),
    ],
    superuser_only: true,
};

/// The rows of [`AUTH_FAILURES_VIEW`].
pub fn auth_failure_rows(engine: &Engine) -> Vec<Row> {
    let ts = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or(Value::Null, Value::Timestamptz);
    engine
        .auth_failures()
        .into_iter()
        .map(|f| {
            vec![
                Value::Text(f.user),
                f.client_addr.map_or(Value::Null, Value::Text),
                Value::Int4(f.recent_failures),
                ts(f.last_failure),
                ts(f.locked_until),
            ]
        })
        .collect()
}
