//! pg_prepared_statements: the session's SQL prepared statements.
//!
//! Partial: statements prepared through the protocol (Parse) live in the
//! server's connection state and are not listed; `generic_plans` and
//! `custom_plans` are 0 because Rampart keeps one bound plan per statement
//! (bound again when the catalog or the role changes), not PostgreSQL's
//! generic/custom choice.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rampart_types::{DataType, RegKind, Value};

use crate::exec::Row;
use crate::sysview::{Col, SysView};

/// What the view shows of one prepared statement.
#[derive(Clone, Debug)]
pub struct Shown {
    /// The query string that prepared it.
    pub statement: String,
    /// When.
    pub prepare_time: DateTime<Utc>,
    /// Parameter types (given or inferred).
    pub parameter_types: Vec<DataType>,
}

/// The view's definition (OID as PostgreSQL's).
pub const VIEW: SysView = SysView {
    name: "pg_prepared_statements",
    oid: 12095,
    columns: &[
        ("name", Col::T(DataType::Text)),
        ("statement", Col::T(DataType::Text)),
        ("prepare_time", Col::T(DataType::Timestamptz)),
        (
            "parameter_types",
            Col::ArrayOf(DataType::Reg(RegKind::Type)),
        ),
        ("from_sql", Col::T(DataType::Bool)),
        ("generic_plans", Col::T(DataType::Int8)),
        ("custom_plans", Col::T(DataType::Int8)),
    ],
    superuser_only: false,
};

/// One row per SQL prepared statement, by name.
pub fn rows(shown: &BTreeMap<String, Shown>) -> Vec<Row> {
    shown
        .iter()
        .map(|(name, s)| {
            vec![
                Value::Text(name.clone()),
                Value::Text(s.statement.clone()),
                Value::Timestamptz(s.prepare_time),
                Value::Array(
                    s.parameter_types
                        .iter()
                        .map(|t| Value::Oid(t.oid()))
                        .collect(),
                ),
                Value::Bool(true),
                Value::Int8(0),
                Value::Int8(0),
            ]
        })
        .collect()
}
