//! `pg_proc` and `pg_language`, computed from the catalog's routines.
//!
//! Partial: only user-defined routines are listed (built-in functions are
//! not catalogued); `proargdefaults` (`pg_node_tree`) holds the defaults'
//! SQL text in parentheses, not PostgreSQL's node tree.

use rampart_catalog::{ArgMode, Catalog, FuncReturn};
use rampart_types::{DataType, RegKind, Value};

use super::{t, Col, SysView};
use crate::exec::Row;
use DataType::{Bool, Float4, Int2, Int4, InternalChar as Char1, Name, Oid, Text};

/// `pg_language` OIDs (as PostgreSQL 15's initdb assigns them).
const LANG_SQL: u32 = 14;
/// OID of `internal` in pg_language.
const LANG_INTERNAL: u32 = 12;
/// PostgreSQL gives plpgsql an OID at extension creation: a fresh
/// PostgreSQL 15.18 cluster's, after the extension (13559) and its three
/// handler functions.
const LANG_PLPGSQL: u32 = 13563;

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
            ("provariadic", t(Oid)),
            ("prosupport", t(DataType::Reg(RegKind::Proc))),
            ("prokind", t(Char1)),
            ("prosecdef", t(Bool)),
            ("proleakproof", t(Bool)),
            ("proisstrict", t(Bool)),
            ("proretset", t(Bool)),
            ("provolatile", t(Char1)),
            ("proparallel", t(Char1)),
            ("pronargs", t(Int2)),
            ("pronargdefaults", t(Int2)),
            ("prorettype", t(Oid)),
            ("proargtypes", t(DataType::OidVector)),
            ("proallargtypes", Col::ArrayOf(Oid)),
            ("proargmodes", Col::ArrayOf(Char1)),
            ("proargnames", Col::ArrayOf(Text)),
            ("proargdefaults", t(DataType::PgNodeTree)),
            ("protrftypes", Col::ArrayOf(Oid)),
            ("prosrc", t(Text)),
            ("probin", t(Text)),
            ("prosqlbody", t(DataType::PgNodeTree)),
            ("proconfig", Col::ArrayOf(Text)),
            ("proacl", Col::ArrayOf(DataType::AclItem)),
        ],
        superuser_only: false,
    },
    // User-defined aggregates (CREATE AGGREGATE); the built-in ones are not listed.
    SysView {
        name: "pg_aggregate",
        oid: 2600,
        columns: &[
            ("aggfnoid", t(DataType::Reg(RegKind::Proc))),
            ("aggkind", t(Char1)),
            ("aggnumdirectargs", t(Int2)),
            ("aggtransfn", t(DataType::Reg(RegKind::Proc))),
            ("aggfinalfn", t(DataType::Reg(RegKind::Proc))),
            ("aggcombinefn", t(DataType::Reg(RegKind::Proc))),
            ("aggserialfn", t(DataType::Reg(RegKind::Proc))),
            ("aggdeserialfn", t(DataType::Reg(RegKind::Proc))),
            ("aggmtransfn", t(DataType::Reg(RegKind::Proc))),
            ("aggminvtransfn", t(DataType::Reg(RegKind::Proc))),
            ("aggmfinalfn", t(DataType::Reg(RegKind::Proc))),
            ("aggfinalextra", t(Bool)),
            ("aggmfinalextra", t(Bool)),
            ("aggfinalmodify", t(Char1)),
            ("aggmfinalmodify", t(Char1)),
            ("aggsortop", t(Oid)),
            ("aggtranstype", t(Oid)),
            ("aggtransspace", t(Int4)),
            ("aggmtranstype", t(Oid)),
            ("aggmtransspace", t(Int4)),
            ("agginitval", t(Text)),
            ("aggminitval", t(Text)),
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
            ("lanplcallfoid", t(Oid)),
            ("laninline", t(Oid)),
            ("lanvalidator", t(Oid)),
            ("lanacl", Col::ArrayOf(DataType::AclItem)),
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
        // PostgreSQL's languages with their handler and validator OIDs
        // (plpgsql's are created with the extension, just before it).
        "pg_language" => [
            (LANG_INTERNAL, "internal", false, false, [0, 0, 2246]),
            (13, "c", false, false, [0, 0, 2247]),
            (LANG_SQL, "sql", false, true, [0, 0, 2248]),
            (
                LANG_PLPGSQL,
                "plpgsql",
                true,
                true,
                [LANG_PLPGSQL - 3, LANG_PLPGSQL - 2, LANG_PLPGSQL - 1],
            ),
        ]
        .into_iter()
        .map(|(oid, name, pl, trusted, [call, inline, validator])| {
            vec![
                Value::Oid(oid),
                text(name),
                Value::Oid(10),
                Value::Bool(pl),
                Value::Bool(trusted),
                Value::Oid(call),
                Value::Oid(inline),
                Value::Oid(validator),
                super::relations::acl_value(cat, &cat.language_acls.get(name).cloned()),
            ]
        })
        .collect(),
        "pg_aggregate" => cat
            .functions
            .values()
            .filter_map(|f| f.aggregate.as_ref().map(|a| (f, a)))
            .map(|(f, a)| {
                let step_oid = |s: &rampart_catalog::AggStep| match s {
                    rampart_catalog::AggStep::Function(oid) => *oid,
                    rampart_catalog::AggStep::Builtin(name) => {
                        super::type_support::builtin_function_oid(name).unwrap_or(0)
                    }
                };
                let r = |oid: u32| Value::Oid(oid);
                vec![
                    r(f.oid),
                    text("n"),
                    Value::Int2(0),
                    r(step_oid(&a.transition)),
                    r(a.finish.as_ref().map_or(0, step_oid)),
                    r(0),
                    r(0),
                    r(0),
                    r(0),
                    r(0),
                    r(0),
                    Value::Bool(false),
                    Value::Bool(false),
                    text("r"),
                    text("r"),
                    Value::Oid(0),
                    Value::Oid(a.state_type.oid()),
                    Value::Int4(0),
                    Value::Oid(0),
                    Value::Int4(0),
                    a.initial.as_deref().map_or(Value::Null, text),
                    Value::Null,
                ]
            })
            .collect(),
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
                let variadic = f
                    .args
                    .iter()
                    .find(|a| a.mode == ArgMode::Variadic)
                    .map_or(0, |a| match &a.ty {
                        DataType::Array(e) => e.oid(),
                        other => other.oid(),
                    });
                let defaults: Vec<&str> =
                    f.args.iter().filter_map(|a| a.default.as_deref()).collect();
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
                    Value::Float4(f.cost as f32),
                    Value::Float4(if set { 1000.0 } else { 0.0 }),
                    Value::Oid(variadic),
                    Value::Oid(0),
                    text(&f.kind.to_string()),
                    Value::Bool(f.security_definer),
                    Value::Bool(f.leakproof),
                    Value::Bool(f.strict),
                    Value::Bool(set),
                    text(&f.volatility.to_string()),
                    text("u"),
                    Value::Int2(inputs.len() as i16),
                    Value::Int2(defaults.len() as i16),
                    Value::Oid(ret),
                    text(
                        &inputs
                            .iter()
                            .map(|t| t.oid().to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    if all_in {
                        Value::Null
                    } else {
                        Value::Array(f.args.iter().map(|a| Value::Oid(a.ty.oid())).collect())
                    },
                    if all_in {
                        Value::Null
                    } else {
                        Value::Array(modes)
                    },
                    if f.args.iter().all(|a| a.name.is_none()) {
                        Value::Null
                    } else {
                        Value::Array(names)
                    },
                    if defaults.is_empty() {
                        Value::Null
                    } else {
                        text(&format!("({})", defaults.join(", ")))
                    },
                    Value::Null,
                    text(&f.body),
                    Value::Null,
                    Value::Null,
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
