//! `pg_settings`: every built-in setting with its current value in this
//! session and PostgreSQL 15's metadata ([`crate::guc_meta`]).
//!
//! Partial, and documented as such: `source` is `default`, `session` (any
//! value set in this session, including ones the client sent at startup,
//! which PostgreSQL reports as `client`) or `configuration file` (the
//! server-wide values of [`crate::guc::set_server_values`]); `sourcefile`
//! and `sourceline` are NULL; `pending_restart` is false.

use rampart_types::{DataType, Value};

use crate::exec::Row;
use crate::guc::Settings;
use crate::guc_meta::SETTINGS;
use crate::sysview::{Col, SysView};

/// The view's definition (OID as PostgreSQL's).
pub const VIEW: SysView = SysView {
    name: "pg_settings",
    oid: 12179,
    columns: &[
        ("name", Col::T(DataType::Text)),
        ("setting", Col::T(DataType::Text)),
        ("unit", Col::T(DataType::Text)),
        ("category", Col::T(DataType::Text)),
        ("short_desc", Col::T(DataType::Text)),
        ("extra_desc", Col::T(DataType::Text)),
        ("context", Col::T(DataType::Text)),
        ("vartype", Col::T(DataType::Text)),
        ("source", Col::T(DataType::Text)),
        ("min_val", Col::T(DataType::Text)),
        ("max_val", Col::T(DataType::Text)),
        ("enumvals", Col::ArrayOf(DataType::Text)),
        ("boot_val", Col::T(DataType::Text)),
        ("reset_val", Col::T(DataType::Text)),
        ("sourcefile", Col::T(DataType::Text)),
        ("sourceline", Col::T(DataType::Int4)),
        ("pending_restart", Col::T(DataType::Bool)),
    ],
    superuser_only: false,
};

/// The rows as this session sees them; without `read_all` (superuser or
/// pg_read_all_settings), the read-restricted settings are left out.
pub fn rows(settings: &Settings, read_all: bool) -> Vec<Row> {
    let text = |s: &str| {
        if s.is_empty() {
            Value::Null
        } else {
            Value::Text(s.to_string())
        }
    };
    SETTINGS
        .iter()
        .filter(|m| read_all || !crate::guc::read_restricted(m.name))
        .map(|m| {
            let name = m.name.to_ascii_lowercase();
            let current = settings.get(&name).unwrap_or_default();
            let (boot, reset) = crate::guc::defaults(&name);
            let source = if settings.is_set(&name) {
                "session"
            } else if crate::guc::server_value(&name).is_some() {
                "configuration file"
            } else {
                "default"
            };
            let enumvals = if m.enumvals.is_empty() {
                Value::Null
            } else {
                Value::Array(
                    m.enumvals
                        .split(',')
                        .map(|v| Value::Text(v.to_string()))
                        .collect(),
                )
            };
            vec![
                Value::Text(m.name.to_string()),
                Value::Text(in_unit(&current, m.unit)),
                text(m.unit),
                Value::Text(m.category.to_string()),
                Value::Text(m.short_desc.to_string()),
                text(m.extra_desc),
                Value::Text(m.context.to_string()),
                Value::Text(m.vartype.to_string()),
                Value::Text(source.to_string()),
                text(m.min_val),
                text(m.max_val),
                enumvals,
                Value::Text(in_unit(boot, m.unit)),
                Value::Text(in_unit(reset, m.unit)),
                Value::Null,
                Value::Null,
                Value::Bool(false),
            ]
        })
        .collect()
}

/// A value with an optional unit suffix (`4MB`, `5s`, `250`) as a number of
/// `unit`s, as pg_settings shows integer settings (`4096` for work_mem in
/// kB); the value unchanged when it does not parse or the setting has no unit.
fn in_unit(value: &str, unit: &str) -> String {
    if unit.is_empty() {
        return value.to_string();
    }
    crate::guc::amount_in_unit(value, unit).map_or_else(|| value.to_string(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::in_unit;

    #[test]
    fn values_are_shown_in_the_settings_unit() {
        assert_eq!(in_unit("4MB", "kB"), "4096");
        assert_eq!(in_unit("64kB", "kB"), "64");
        assert_eq!(in_unit("1GB", "kB"), "1048576");
        assert_eq!(in_unit("5s", "ms"), "5000");
        assert_eq!(in_unit("250", "ms"), "250");
        assert_eq!(in_unit("0", "ms"), "0");
        assert_eq!(in_unit("2min", "ms"), "120000");
        assert_eq!(in_unit("on", ""), "on");
        assert_eq!(in_unit("bogus", "kB"), "bogus");
    }
}
