//! `pg_proc` and `pg_language`, computed from the catalog's routines.
//!
//! Partial: only user-defined routines are listed (built-in functions are
//! not catalogued); `proargtypes` (`oidvector`) is its text form and
//! `prokind`/`provolatile`/`proargmodes` (`"char"`) are text.

use rampart_catalog::{ArgMode, Catalog, FuncReturn};
use rampart_types::{DataType, Value};

use super::{t, Col, SysView};
use crate::exec::Row;
use DataType::{Bool, Float4, Int2, Name, Oid, Text};

/// `pg_language` OIDs (as PostgreSQL 15's initdb assigns them).
const LANG_SQL: u32 = 14;
/// OID of `internal` in pg_language.
const LANG_INTERNAL: u32 = 12;
/// PostgreSQL gives plpgsql an OID at extension creation; 13576 is a fresh PostgreSQL 15 cluster's.
const LANG_PLPGSQL: u32 = 13576;

/// The routine catalogs.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "pg_proc",
        oid: 1255,
        columns: &[
            ("oid", t(Oid)),
            ("proname", t(Name)),
            ("pronamespace", t(Oid)),
            ("proowner", t(Oid)),
            ("prolang", t(Oid)),
            ("procost", t(Float4)),
            ("prorows", t(Float4)),
            ("prokind", t(Text)),
            ("prosecdef", t(Bool)),
            ("proleakproof", t(Bool)),
            ("proisstrict", t(Bool)),
            ("proretset", t(Bool)),
            ("provolatile", t(Text)),
            ("pronargs", t(Int2)),
            ("pronargdefaults", t(Int2)),
            ("prorettype", t(Oid)),
            ("proargtypes", t(Text)),
            ("proargnames", Col::ArrayOf(Text)),
            ("proargmodes", Col::ArrayOf(Text)),
            ("prosrc", t(Text)),
            ("proconfig", Col::ArrayOf(Text)),
            ("proacl", Col::ArrayOf(DataType::AclItem)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_language",
        oid: 2612,
        columns: &[
            ("oid", t(Oid)),
            ("lanname", t(Name)),
            ("lanowner", t(Oid)),
            ("lanispl", t(Bool)),
            ("lanpltrusted", t(Bool)),
        ],
        superuser_only: false,
    },
];

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// The rows of one routine catalog.
pub fn rows(view: &SysView, cat: &Catalog) -> Vec<Row> {
    match view.name {
        "pg_language" => vec![
            vec![
                Value::Oid(12),
                text("internal"),
                Value::Oid(10),
                Value::Bool(false),
                Value::Bool(false),
            ],
            vec![
                Value::Oid(13),
                text("c"),
                Value::Oid(10),
                Value::Bool(false),
                Value::Bool(false),
            ],
            vec![
                Value::Oid(LANG_SQL),
                text("sql"),
                Value::Oid(10),
                Value::Bool(false),
                Value::Bool(true),
            ],
            vec![
                Value::Oid(LANG_PLPGSQL),
                text("plpgsql"),
                Value::Oid(10),
                Value::Bool(true),
                Value::Bool(true),
            ],
        ],
        "pg_proc" => cat
            .functions
            .values()
            .map(|f| {
                let inputs = f.input_types();
                let (ret, set) = match &f.returns {
                    FuncReturn::Scalar(t) => (t.oid(), false),
                    FuncReturn::SetOf(t) => (t.oid(), true),
                    FuncReturn::Table(_) => (2249, true),
                };
                let names: Vec<Value> = f
                    .args
                    .iter()
                    .map(|a| text(a.name.as_deref().unwrap_or("")))
                    .collect();
                let modes: Vec<Value> = f
                    .args
                    .iter()
                    .map(|a| {
                        text(match a.mode {
                            ArgMode::In => "i",
                            ArgMode::Out => "o",
                            ArgMode::InOut => "b",
                            ArgMode::Variadic => "v",
                        })
                    })
                    .collect();
                let all_in = f.args.iter().all(|a| a.mode == ArgMode::In);
                vec![
                    Value::Oid(f.oid),
                    text(&f.name),
                    Value::Oid(f.schema),
                    Value::Oid(f.owner),
                    Value::Oid(match f.language.as_str() {
                        "sql" => LANG_SQL,
                        "internal" => LANG_INTERNAL,
                        _ => LANG_PLPGSQL,
                    }),
                    Value::Float4(100.0),
                    Value::Float4(if set { 1000.0 } else { 0.0 }),
                    text(&f.kind.to_string()),
                    Value::Bool(f.security_definer),
                    Value::Bool(f.leakproof),
                    Value::Bool(f.strict),
                    Value::Bool(set),
                    text(&f.volatility.to_string()),
                    Value::Int2(inputs.len() as i16),
                    Value::Int2(f.args.iter().filter(|a| a.default.is_some()).count() as i16),
                    Value::Oid(ret),
                    text(
                        &inputs
                            .iter()
                            .map(|t| t.oid().to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    if f.args.iter().all(|a| a.name.is_none()) {
                        Value::Null
                    } else {
                        Value::Array(names)
                    },
                    if all_in {
                        Value::Null
                    } else {
                        Value::Array(modes)
                    },
                    text(&f.body),
                    if f.config.is_empty() {
                        Value::Null
                    } else {
                        Value::Array(
                            f.config
                                .iter()
                                .map(|(k, v)| text(&format!("{k}={v}")))
                                .collect(),
                        )
                    },
                    super::relations::acl_value(cat, &f.acl),
                ]
            })
            .collect(),
        _ => vec![],
    }
}
