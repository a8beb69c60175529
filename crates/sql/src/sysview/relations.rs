//! The relation catalogs psql's describe commands read: pg_namespace,
//! pg_class, pg_am, pg_attribute, pg_index, pg_default_acl, pg_policy and
//! pg_database, computed from the
//! catalog. Only the columns psql 15 and common review queries use are
//! present; the rest of PostgreSQL's columns are left out rather than faked.
//!
//! Partial: `relkind`/`polcmd` (`"char"` in PostgreSQL) are `text`, `aclitem[]`
//! columns are `text[]` in aclitem's text form, `pg_node_tree` columns hold
//! PostgreSQL's rendering of the expression (see `deparse`; the text as
//! written where that is not available), so `pg_get_expr` returns them
//! unchanged, and `indkey` (`int2vector`) is its text form.

use rampart_catalog::{acl::format_item, AclItem, Catalog, PolicyCmd, RelationKind};
use rampart_types::{DataType, Value};

use super::{t, Col, SysView};
use crate::exec::Row;
use DataType::{Bool, Float4, Int2, Int4, Name, Oid, Text};

/// OID of the heap access method (`pg_am`).
pub(super) const HEAP_AM: u32 = 2;
/// OID of the btree access method (`pg_am`).
const BTREE_AM: u32 = 403;

/// The relation catalogs.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "pg_namespace",
        oid: 2615,
        columns: &[
            ("oid", t(Oid)),
            ("nspname", t(Name)),
            ("nspowner", t(Oid)),
            ("nspacl", Col::ArrayOf(DataType::AclItem)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_class",
        oid: 1259,
        columns: &[
            ("oid", t(Oid)),
            ("relname", t(Name)),
            ("relnamespace", t(Oid)),
            ("reltype", t(Oid)),
            ("reloftype", t(Oid)),
            ("relowner", t(Oid)),
            ("relam", t(Oid)),
            ("reltablespace", t(Oid)),
            ("relpages", t(Int4)),
            ("reltuples", t(Float4)),
            ("relhasindex", t(Bool)),
            ("relpersistence", t(Text)),
            ("relkind", t(Text)),
            ("relnatts", t(Int2)),
            ("relchecks", t(Int2)),
            ("relhasrules", t(Bool)),
            ("relhastriggers", t(Bool)),
            ("relrowsecurity", t(Bool)),
            ("relforcerowsecurity", t(Bool)),
            ("relreplident", t(Text)),
            ("relispartition", t(Bool)),
            ("relacl", Col::ArrayOf(DataType::AclItem)),
            ("reloptions", Col::ArrayOf(Text)),
            ("reltoastrelid", t(Oid)),
            ("relpartbound", t(Text)),
            ("relhassubclass", t(Bool)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_tablespace",
        oid: 1213,
        columns: &[
            ("oid", t(Oid)),
            ("spcname", t(Name)),
            ("spcowner", t(Oid)),
            ("spcacl", Col::ArrayOf(DataType::AclItem)),
            ("spcoptions", Col::ArrayOf(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_am",
        oid: 2601,
        columns: &[("oid", t(Oid)), ("amname", t(Name)), ("amtype", t(Text))],
        superuser_only: false,
    },
    SysView {
        name: "pg_attribute",
        oid: 1249,
        columns: &[
            ("attrelid", t(Oid)),
            ("attname", t(Name)),
            ("atttypid", t(Oid)),
            ("attlen", t(Int2)),
            ("attnum", t(Int2)),
            ("atttypmod", t(Int4)),
            ("attnotnull", t(Bool)),
            ("atthasdef", t(Bool)),
            ("attidentity", t(Text)),
            ("attgenerated", t(Text)),
            ("attisdropped", t(Bool)),
            ("attcollation", t(Oid)),
            ("attacl", Col::ArrayOf(DataType::AclItem)),
            ("attstorage", t(Text)),
            ("attcompression", t(Text)),
            ("attstattarget", t(Int4)),
            ("attinhcount", t(Int4)),
            ("attislocal", t(Bool)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_index",
        oid: 2610,
        columns: &[
            ("indexrelid", t(Oid)),
            ("indrelid", t(Oid)),
            ("indnatts", t(Int2)),
            ("indisunique", t(Bool)),
            ("indisprimary", t(Bool)),
            ("indisexclusion", t(Bool)),
            ("indimmediate", t(Bool)),
            ("indisclustered", t(Bool)),
            ("indisvalid", t(Bool)),
            ("indisreplident", t(Bool)),
            ("indkey", t(Text)),
            ("indnkeyatts", t(Int2)),
            ("indnullsnotdistinct", t(Bool)),
            ("indexprs", t(Text)),
            ("indpred", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_database",
        oid: 1262,
        columns: &[
            ("oid", t(Oid)),
            ("datname", t(Name)),
            ("datdba", t(Oid)),
            ("encoding", t(Int4)),
            ("datlocprovider", t(Text)),
            ("datistemplate", t(Bool)),
            ("datallowconn", t(Bool)),
            ("datconnlimit", t(Int4)),
            ("datcollate", t(Text)),
            ("datctype", t(Text)),
            ("daticulocale", t(Text)),
            ("datacl", Col::ArrayOf(DataType::AclItem)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_default_acl",
        oid: 826,
        columns: &[
            ("oid", t(Oid)),
            ("defaclrole", t(Oid)),
            ("defaclnamespace", t(Oid)),
            ("defaclobjtype", t(Text)),
            ("defaclacl", Col::ArrayOf(DataType::AclItem)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_policy",
        oid: 3256,
        columns: &[
            ("oid", t(Oid)),
            ("polname", t(Name)),
            ("polrelid", t(Oid)),
            ("polcmd", t(Text)),
            ("polpermissive", t(Bool)),
            ("polroles", Col::ArrayOf(Oid)),
            ("polqual", t(Text)),
            ("polwithcheck", t(Text)),
        ],
        superuser_only: false,
    },
];

/// An ACL as `aclitem[]` text (NULL when the object has its default ACL).
pub(super) fn acl_value(cat: &Catalog, acl: &Option<Vec<AclItem>>) -> Value {
    let Some(items) = acl else {
        return Value::Null;
    };
    let name = |oid: u32| {
        cat.role_by_oid(oid)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| oid.to_string())
    };
    Value::Array(
        items
            .iter()
            .map(|i| Value::Text(format_item(i, &name)))
            .collect(),
    )
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn opt_text(s: &Option<String>) -> Value {
    s.clone().map(Value::Text).unwrap_or(Value::Null)
}

/// One `pg_database` row (the current database's ACL as this session sees it).
pub fn database_row(cat: &Catalog, d: &rampart_catalog::DatabaseInfo) -> Row {
    let acl = if d.oid == cat.database {
        &cat.database_acl
    } else {
        &d.acl
    };
    vec![
        Value::Oid(d.oid),
        text(&d.name),
        Value::Oid(d.owner),
        Value::Int4(6),
        text("c"),
        Value::Bool(d.is_template),
        Value::Bool(d.allow_connections),
        Value::Int4(d.connection_limit),
        text("C"),
        text("C"),
        Value::Null,
        acl_value(cat, acl),
    ]
}

/// The rows of one relation catalog (empty for a name this module does not own).
pub fn rows(view: &SysView, cat: &Catalog, only: Option<u32>) -> Vec<Row> {
    match view.name {
        "pg_namespace" => {
            use super::system_relations::{INFORMATION_SCHEMA_OID, PG_TOAST_OID};
            let owner = rampart_catalog::BOOTSTRAP_SUPERUSER_OID;
            // The schemas of the system relations that are not in the
            // catalog's schema list (information_schema's ACL as initdb's).
            let usage = Some(vec![
                AclItem {
                    grantee: owner,
                    grantor: owner,
                    privs: rampart_catalog::acl::ALL_SCHEMA,
                    grant_options: 0,
                },
                AclItem {
                    grantee: 0,
                    grantor: owner,
                    privs: rampart_catalog::acl::USAGE,
                    grant_options: 0,
                },
            ]);
            let builtin = [
                (PG_TOAST_OID, "pg_toast", Value::Null),
                (
                    INFORMATION_SCHEMA_OID,
                    "information_schema",
                    acl_value(cat, &usage),
                ),
            ];
            cat.schemas
                .values()
                .map(|s| {
                    vec![
                        Value::Oid(s.oid),
                        text(&s.name),
                        Value::Oid(s.owner),
                        acl_value(cat, &s.acl),
                    ]
                })
                .chain(builtin.into_iter().map(|(oid, name, acl)| {
                    vec![Value::Oid(oid), text(name), Value::Oid(owner), acl]
                }))
                .collect()
        }
        "pg_class" => pg_class(cat, only),
        "pg_default_acl" => cat
            .default_acls
            .iter()
            .map(|d| {
                vec![
                    Value::Oid(d.oid),
                    Value::Oid(d.role),
                    Value::Oid(d.schema),
                    Value::Text(d.objtype.to_string()),
                    acl_value(cat, &Some(d.acl.clone())),
                ]
            })
            .collect(),
        "pg_am" => vec![
            vec![Value::Oid(HEAP_AM), text("heap"), text("t")],
            vec![Value::Oid(BTREE_AM), text("btree"), text("i")],
        ],
        "pg_attribute" => super::system_relations::attribute_rows(only)
            .into_iter()
            .chain(
                super::relations_for(cat, only)
                    .into_iter()
                    .flat_map(|r| user_attribute_rows(cat, r)),
            )
            .map(|mut row| {
                // attinhcount, attislocal: what a table column has from its
                // parents; system, index and view columns are all local.
                if row.len() == 16 {
                    row.extend([Value::Int4(0), Value::Bool(true)]);
                }
                row
            })
            .collect(),
        "pg_tablespace" => [
            (super::system_relations::PG_DEFAULT_TABLESPACE, "pg_default"),
            (super::system_relations::PG_GLOBAL_TABLESPACE, "pg_global"),
        ]
        .into_iter()
        .map(|(oid, name)| {
            vec![
                Value::Oid(oid),
                text(name),
                Value::Oid(rampart_catalog::BOOTSTRAP_SUPERUSER_OID),
                Value::Null,
                Value::Null,
            ]
        })
        .collect(),
        "pg_index" => super::relations_for(cat, only)
            .into_iter()
            .flat_map(|r| {
                r.indexes.iter().map(move |ix| {
                    let key: Vec<String> = ix.columns.iter().map(|c| (c + 1).to_string()).collect();
                    vec![
                        Value::Oid(ix.oid),
                        Value::Oid(r.oid),
                        Value::Int2(ix.columns.len() as i16),
                        Value::Bool(ix.unique),
                        Value::Bool(ix.primary),
                        Value::Bool(false),
                        Value::Bool(true),
                        Value::Bool(false),
                        Value::Bool(true),
                        Value::Bool(false),
                        Value::Text(key.join(" ")),
                        Value::Int2(ix.columns.len() as i16),
                        Value::Bool(false),
                        Value::Null,
                        Value::Null,
                    ]
                })
            })
            .collect(),
        "pg_policy" => super::relations_for(cat, only)
            .into_iter()
            .flat_map(|r| {
                r.policies.iter().map(move |p| {
                    let cmd = match p.cmd {
                        PolicyCmd::All => "*",
                        PolicyCmd::Select => "r",
                        PolicyCmd::Insert => "a",
                        PolicyCmd::Update => "w",
                        PolicyCmd::Delete => "d",
                    };
                    // PUBLIC is stored as OID 0, as in PostgreSQL.
                    let roles = if p.roles.is_empty() {
                        vec![Value::Oid(0)]
                    } else {
                        p.roles.iter().map(|o| Value::Oid(*o)).collect()
                    };
                    vec![
                        Value::Oid(p.oid),
                        text(&p.name),
                        Value::Oid(r.oid),
                        text(cmd),
                        Value::Bool(p.permissive),
                        Value::Array(roles),
                        opt_text(&p.shown_using()),
                        opt_text(&p.shown_with_check()),
                    ]
                })
            })
            .collect(),
        _ => vec![],
    }
}

/// pg_attribute rows of a user relation: system columns (tables), its
/// indexes' key columns, then its own columns.
fn user_attribute_rows(cat: &Catalog, r: &rampart_catalog::Relation) -> Vec<Row> {
    let system = match r.kind {
        RelationKind::Table => system_columns(r.oid),
        RelationKind::View { .. } => vec![],
    };
    // An index's attributes are its key columns.
    let index_columns = r.indexes.iter().flat_map(move |ix| {
        ix.columns.iter().enumerate().filter_map(move |(i, col)| {
            let c = r.columns.get(*col)?;
            Some(vec![
                Value::Oid(ix.oid),
                text(&c.name),
                Value::Oid(c.ty.oid()),
                Value::Int2(c.ty.typlen()),
                Value::Int2(i as i16 + 1),
                Value::Int4(c.ty.typmod()),
                Value::Bool(false),
                Value::Bool(false),
                text(""),
                text(""),
                Value::Bool(false),
                Value::Oid(super::types::type_collation(&c.ty)),
                Value::Null,
                text(storage(&c.ty)),
                text(""),
                Value::Int4(-1),
            ])
        })
    });
    system
        .into_iter()
        .chain(index_columns)
        .chain(r.columns.iter().enumerate().map(move |(i, c)| {
            vec![
                Value::Oid(r.oid),
                text(&c.name),
                Value::Oid(c.ty.oid()),
                Value::Int2(c.ty.typlen()),
                Value::Int2(i as i16 + 1),
                Value::Int4(c.ty.typmod()),
                Value::Bool(c.not_null),
                Value::Bool(c.default.is_some()),
                text(""),
                text(""),
                Value::Bool(false),
                Value::Oid(super::types::column_collation(c)),
                acl_value(cat, &c.acl),
                text(storage(&c.ty)),
                text(""),
                Value::Int4(-1),
                Value::Int4(c.inherited.into()),
                Value::Bool(c.local),
            ]
        }))
        .collect()
}

/// The system columns every table has (negative attnum), as PostgreSQL lists them.
pub(super) fn system_columns(rel: u32) -> Vec<Row> {
    [
        ("tableoid", -6, 26u32, 4i16),
        ("cmax", -5, 29, 4),
        ("xmax", -4, 28, 4),
        ("cmin", -3, 29, 4),
        ("xmin", -2, 28, 4),
        ("ctid", -1, 27, 6),
    ]
    .into_iter()
    .map(|(name, num, ty, len)| {
        vec![
            Value::Oid(rel),
            text(name),
            Value::Oid(ty),
            Value::Int2(len),
            Value::Int2(num),
            Value::Int4(-1),
            Value::Bool(true),
            Value::Bool(false),
            text(""),
            text(""),
            Value::Bool(false),
            Value::Oid(0),
            Value::Null,
            text("p"),
            text(""),
            Value::Int4(0),
        ]
    })
    .collect()
}

/// A type's default storage strategy (`attstorage`): plain for fixed-size
/// types, main for numeric, extended for the other variable-length ones.
pub(super) fn storage(t: &DataType) -> &'static str {
    match t {
        DataType::Numeric(_) => "m",
        t if t.typlen() > 0 => "p",
        _ => "x",
    }
}

/// One pg_class row with PostgreSQL's defaults for what Rampart does not track.
#[allow(clippy::too_many_arguments)]
pub(super) fn class_row(
    oid: u32,
    name: &str,
    schema: u32,
    owner: u32,
    am: u32,
    kind: &str,
    natts: usize,
    acl: Value,
) -> Row {
    vec![
        Value::Oid(oid),
        text(name),
        Value::Oid(schema),
        Value::Oid(0),
        Value::Oid(0),
        Value::Oid(owner),
        Value::Oid(am),
        Value::Oid(0),
        Value::Int4(0),
        Value::Float4(-1.0),
        Value::Bool(false),
        text("p"),
        text(kind),
        Value::Int2(natts as i16),
        Value::Int2(0),
        Value::Bool(false),
        Value::Bool(false),
        Value::Bool(false),
        Value::Bool(false),
        text(if kind == "r" { "d" } else { "n" }),
        Value::Bool(false),
        acl,
        Value::Null,
        Value::Oid(0),
        Value::Null,
        Value::Bool(false),
    ]
}

fn pg_class(cat: &Catalog, only: Option<u32>) -> Vec<Row> {
    let mut out = super::system_relations::class_rows(cat, only);
    let referenced: std::collections::HashSet<u32> = cat
        .relations
        .values()
        .flat_map(|r| r.foreign_keys.iter().map(|fk| fk.ref_table))
        .collect();
    for r in super::relations_for(cat, only) {
        let (kind, am) = match r.kind {
            RelationKind::Table if r.partition_key.is_some() => ("p", 0),
            RelationKind::Table => ("r", HEAP_AM),
            RelationKind::View { .. } => ("v", 0),
        };
        let mut rel = class_row(
            r.oid,
            &r.name,
            r.schema,
            r.owner,
            am,
            kind,
            r.columns.len(),
            acl_value(cat, &r.acl),
        );
        rel[10] = Value::Bool(!r.indexes.is_empty());
        rel[14] = Value::Int2(r.checks.len() as i16);
        // PostgreSQL implements foreign keys with internal triggers on both
        // tables; psql asks for FK footers only when this is set.
        let referenced = referenced.contains(&r.oid);
        rel[16] = Value::Bool(!r.foreign_keys.is_empty() || referenced);
        rel[17] = Value::Bool(r.rls_enabled);
        rel[25] = Value::Bool(!cat.inheritors(r.oid).is_empty());
        rel[18] = Value::Bool(r.rls_forced);
        if let Some(bound) = crate::partition::bound_text(cat, r) {
            rel[20] = Value::Bool(true);
            rel[24] = text(&bound);
        }
        if !r.options.is_empty() {
            rel[22] = Value::Array(
                r.options
                    .iter()
                    .map(|(k, v)| text(&format!("{k}={v}")))
                    .collect(),
            );
        }
        out.push(rel);
        for ix in &r.indexes {
            out.push(class_row(
                ix.oid,
                &ix.name,
                r.schema,
                r.owner,
                BTREE_AM,
                "i",
                ix.columns.len(),
                Value::Null,
            ));
        }
    }
    for s in cat
        .sequences
        .values()
        .filter(|s| only.is_none_or(|o| o == s.oid))
    {
        out.push(class_row(
            s.oid,
            &s.name,
            s.schema,
            s.owner,
            0,
            "S",
            3,
            acl_value(cat, &s.acl),
        ));
    }
    out
}
