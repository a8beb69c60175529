//! The relation catalogs psql's describe commands read: pg_namespace,
//! pg_class, pg_am, pg_attribute, pg_index, pg_default_acl, pg_policy and
//! pg_database, computed from the catalog, with all of PostgreSQL 15's
//! columns in its order; what Rampart does not track has the value
//! PostgreSQL gives an object without it (no TOAST table, nothing frozen,
//! no options).
//!
//! Held differently: `aclitem` values are their text form, `pg_node_tree`
//! columns hold PostgreSQL's rendering of the expression (see `deparse`;
//! the text as written where that is not available), so `pg_get_expr`
//! returns them unchanged, and `int2vector`/`oidvector` are their text
//! form (subscripts and casts to arrays read it).

use rampart_catalog::{acl::format_item, AclItem, Catalog, PolicyCmd, RelationKind};
use rampart_types::{DataType, Value};

use super::{t, Col, SysView};
use crate::exec::Row;
use rampart_types::RegKind;
use DataType::{
    Bool, Float4, Int2, Int4, InternalChar as Char1, Name, Oid, PgNodeTree as NodeTree, Text, Xid,
};

/// OID of the heap access method (`pg_am`).
pub(super) const HEAP_AM: u32 = 2;
/// OID of the btree access method (`pg_am`).
pub(super) const BTREE_AM: u32 = 403;

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
            ("relfilenode", t(Oid)),
            ("reltablespace", t(Oid)),
            ("relpages", t(Int4)),
            ("reltuples", t(Float4)),
            ("relallvisible", t(Int4)),
            ("reltoastrelid", t(Oid)),
            ("relhasindex", t(Bool)),
            ("relisshared", t(Bool)),
            ("relpersistence", t(Char1)),
            ("relkind", t(Char1)),
            ("relnatts", t(Int2)),
            ("relchecks", t(Int2)),
            ("relhasrules", t(Bool)),
            ("relhastriggers", t(Bool)),
            ("relhassubclass", t(Bool)),
            ("relrowsecurity", t(Bool)),
            ("relforcerowsecurity", t(Bool)),
            ("relispopulated", t(Bool)),
            ("relreplident", t(Char1)),
            ("relispartition", t(Bool)),
            ("relrewrite", t(Oid)),
            ("relfrozenxid", t(Xid)),
            ("relminmxid", t(Xid)),
            ("relacl", Col::ArrayOf(DataType::AclItem)),
            ("reloptions", Col::ArrayOf(Text)),
            ("relpartbound", t(NodeTree)),
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
        columns: &[
            ("oid", t(Oid)),
            ("amname", t(Name)),
            ("amhandler", t(DataType::Reg(RegKind::Proc))),
            ("amtype", t(Char1)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_attribute",
        oid: 1249,
        columns: &[
            ("attrelid", t(Oid)),
            ("attname", t(Name)),
            ("atttypid", t(Oid)),
            ("attstattarget", t(Int4)),
            ("attlen", t(Int2)),
            ("attnum", t(Int2)),
            ("attndims", t(Int4)),
            ("attcacheoff", t(Int4)),
            ("atttypmod", t(Int4)),
            ("attbyval", t(Bool)),
            ("attalign", t(Char1)),
            ("attstorage", t(Char1)),
            ("attcompression", t(Char1)),
            ("attnotnull", t(Bool)),
            ("atthasdef", t(Bool)),
            ("atthasmissing", t(Bool)),
            ("attidentity", t(Char1)),
            ("attgenerated", t(Char1)),
            ("attisdropped", t(Bool)),
            ("attislocal", t(Bool)),
            ("attinhcount", t(Int4)),
            ("attcollation", t(Oid)),
            ("attacl", Col::ArrayOf(DataType::AclItem)),
            ("attoptions", Col::ArrayOf(Text)),
            ("attfdwoptions", Col::ArrayOf(Text)),
            ("attmissingval", t(DataType::AnyArray)),
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
            ("indnkeyatts", t(Int2)),
            ("indisunique", t(Bool)),
            ("indnullsnotdistinct", t(Bool)),
            ("indisprimary", t(Bool)),
            ("indisexclusion", t(Bool)),
            ("indimmediate", t(Bool)),
            ("indisclustered", t(Bool)),
            ("indisvalid", t(Bool)),
            ("indcheckxmin", t(Bool)),
            ("indisready", t(Bool)),
            ("indislive", t(Bool)),
            ("indisreplident", t(Bool)),
            ("indkey", t(DataType::Int2Vector)),
            ("indcollation", t(DataType::OidVector)),
            ("indclass", t(DataType::OidVector)),
            ("indoption", t(DataType::Int2Vector)),
            ("indexprs", t(NodeTree)),
            ("indpred", t(NodeTree)),
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
            ("datlocprovider", t(Char1)),
            ("datistemplate", t(Bool)),
            ("datallowconn", t(Bool)),
            ("datconnlimit", t(Int4)),
            ("datfrozenxid", t(Xid)),
            ("datminmxid", t(Xid)),
            ("dattablespace", t(Oid)),
            ("datcollate", t(Text)),
            ("datctype", t(Text)),
            ("daticulocale", t(Text)),
            ("datcollversion", t(Text)),
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
            ("defaclobjtype", t(Char1)),
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
            ("polcmd", t(Char1)),
            ("polpermissive", t(Bool)),
            ("polroles", Col::ArrayOf(Oid)),
            ("polqual", t(NodeTree)),
            ("polwithcheck", t(NodeTree)),
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
        Value::Oid(0),
        Value::Oid(0),
        Value::Oid(super::system_relations::PG_DEFAULT_TABLESPACE),
        text("C"),
        text("C"),
        Value::Null,
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
        // amhandler: PostgreSQL's handler functions (heap_tableam_handler,
        // bthandler; see `regtypes::output`).
        "pg_am" => vec![
            vec![Value::Oid(HEAP_AM), text("heap"), Value::Oid(3), text("t")],
            vec![
                Value::Oid(BTREE_AM),
                text("btree"),
                Value::Oid(330),
                text("i"),
            ],
        ],
        "pg_attribute" => super::system_relations::attribute_rows(only)
            .into_iter()
            .chain(
                super::relations_for(cat, only)
                    .into_iter()
                    .flat_map(|r| user_attribute_rows(cat, r)),
            )
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
                    let column = |c: usize| r.columns.get(c);
                    index_row(IndexRow {
                        index: ix.oid,
                        table: r.oid,
                        unique: ix.unique,
                        primary: ix.primary,
                        key: super::KeyVectors::of(
                            &ix.columns,
                            |c| column(c).map_or(0, super::types::column_collation),
                            |c| column(c).map(|c| c.ty.clone()),
                        ),
                    })
                })
            })
            .chain(super::catalog_indexes::index_rows(only))
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

/// One pg_attribute row, with PostgreSQL's values for what Rampart does
/// not track (no dropped columns kept, no missing values, no options).
pub(super) struct AttrRow<'a> {
    /// attrelid.
    pub rel: u32,
    /// attname.
    pub name: &'a str,
    /// atttypid, attlen, attbyval, attalign.
    pub type_oid: u32,
    pub len: i16,
    pub byval: bool,
    pub align: char,
    /// attnum.
    pub num: i16,
    /// atttypmod.
    pub typmod: i32,
    /// attndims: 1 for a table column declared as an array.
    pub ndims: i32,
    /// attstattarget: -1 (the default), 0 for system columns.
    pub stattarget: i32,
    /// attstorage.
    pub storage: &'static str,
    /// attnotnull, atthasdef.
    pub not_null: bool,
    pub has_default: bool,
    /// attislocal, attinhcount.
    pub local: bool,
    pub inhcount: i32,
    /// attcollation.
    pub collation: u32,
    /// attacl.
    pub acl: Value,
}

impl<'a> AttrRow<'a> {
    /// A column of type `ty` with the defaults of an index or view column.
    pub(super) fn of_type(rel: u32, name: &'a str, num: i16, ty: &DataType) -> Self {
        AttrRow {
            rel,
            name,
            type_oid: ty.oid(),
            len: ty.typlen(),
            byval: ty.typbyval(),
            align: ty.typalign(),
            num,
            typmod: ty.typmod(),
            ndims: 0,
            stattarget: -1,
            storage: storage(ty),
            not_null: false,
            has_default: false,
            local: true,
            inhcount: 0,
            collation: super::types::type_collation(ty),
            acl: Value::Null,
        }
    }

    /// The row in pg_attribute's column order.
    pub(super) fn row(self) -> Row {
        vec![
            Value::Oid(self.rel),
            text(self.name),
            Value::Oid(self.type_oid),
            Value::Int4(self.stattarget),
            Value::Int2(self.len),
            Value::Int2(self.num),
            Value::Int4(self.ndims),
            Value::Int4(-1),
            Value::Int4(self.typmod),
            Value::Bool(self.byval),
            text(&self.align.to_string()),
            text(self.storage),
            text(""),
            Value::Bool(self.not_null),
            Value::Bool(self.has_default),
            Value::Bool(false),
            text(""),
            text(""),
            Value::Bool(false),
            Value::Bool(self.local),
            Value::Int4(self.inhcount),
            Value::Oid(self.collation),
            self.acl,
            Value::Null,
            Value::Null,
            Value::Null,
        ]
    }
}

/// What a pg_index row says about an index.
pub(super) struct IndexRow {
    /// indexrelid.
    pub index: u32,
    /// indrelid.
    pub table: u32,
    /// indisunique, indisprimary.
    pub unique: bool,
    pub primary: bool,
    /// indkey, indcollation, indclass.
    pub key: super::KeyVectors,
}

/// One pg_index row: a valid, ready btree index without expressions,
/// predicate or options.
pub(super) fn index_row(ix: IndexRow) -> Row {
    let count = ix.key.attnums.split_whitespace().count();
    let n = Value::Int2(count as i16);
    let options = vec!["0"; count].join(" ");
    vec![
        Value::Oid(ix.index),
        Value::Oid(ix.table),
        n.clone(),
        n,
        Value::Bool(ix.unique),
        Value::Bool(false),
        Value::Bool(ix.primary),
        Value::Bool(false),
        Value::Bool(true),
        Value::Bool(false),
        Value::Bool(true),
        Value::Bool(false),
        Value::Bool(true),
        Value::Bool(true),
        Value::Bool(false),
        Value::Text(ix.key.attnums),
        Value::Text(ix.key.collations),
        Value::Text(ix.key.opclasses),
        Value::Text(options),
        Value::Null,
        Value::Null,
    ]
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
            Some(
                AttrRow {
                    collation: super::types::column_collation(c),
                    ..AttrRow::of_type(ix.oid, &c.name, i as i16 + 1, &c.ty)
                }
                .row(),
            )
        })
    });
    system
        .into_iter()
        .chain(index_columns)
        .chain(r.columns.iter().enumerate().map(move |(i, c)| {
            let mut attr = AttrRow {
                ndims: i32::from(matches!(c.ty, DataType::Array(_))),
                not_null: c.not_null,
                has_default: c.default.is_some(),
                local: c.local,
                inhcount: c.inherited.into(),
                collation: super::types::column_collation(c),
                acl: acl_value(cat, &c.acl),
                ..AttrRow::of_type(r.oid, &c.name, i as i16 + 1, &c.ty)
            };
            // A domain column: the domain's OID; its typmod lives in pg_type.
            if let Some(d) = c.domain {
                attr.type_oid = d;
                attr.typmod = -1;
                if c.collation.is_none() {
                    if let Some(dom) = cat.domains.get(&d) {
                        attr.collation = super::types::domain_collation(dom);
                    }
                }
            }
            attr.row()
        }))
        .collect()
}

/// The system columns every table has (negative attnum), as PostgreSQL lists them.
pub(super) fn system_columns(rel: u32) -> Vec<Row> {
    [
        ("tableoid", -6, 26u32, 4i16, 'i'),
        ("cmax", -5, 29, 4, 'i'),
        ("xmax", -4, 28, 4, 'i'),
        ("cmin", -3, 29, 4, 'i'),
        ("xmin", -2, 28, 4, 'i'),
        ("ctid", -1, 27, 6, 's'),
    ]
    .into_iter()
    .map(|(name, num, ty, len, align)| {
        AttrRow {
            rel,
            name,
            type_oid: ty,
            len,
            byval: len <= 8 && name != "ctid",
            align,
            num,
            typmod: -1,
            ndims: 0,
            stattarget: 0,
            storage: "p",
            not_null: true,
            has_default: false,
            local: true,
            inhcount: 0,
            collation: 0,
            acl: Value::Null,
        }
        .row()
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

/// Positions of the pg_class columns the producers fill in after
/// [`class_row`] (checked against the column list by a unit test).
pub(super) mod class_col {
    pub const RELFILENODE: usize = 7;
    pub const RELTABLESPACE: usize = 8;
    pub const RELPAGES: usize = 9;
    pub const RELTUPLES: usize = 10;
    pub const RELHASINDEX: usize = 13;
    pub const RELISSHARED: usize = 14;
    pub const RELCHECKS: usize = 18;
    pub const RELHASTRIGGERS: usize = 20;
    pub const RELHASSUBCLASS: usize = 21;
    pub const RELROWSECURITY: usize = 22;
    pub const RELFORCEROWSECURITY: usize = 23;
    pub const RELREPLIDENT: usize = 25;
    pub const RELISPARTITION: usize = 26;
    pub const RELOPTIONS: usize = 31;
    pub const RELPARTBOUND: usize = 32;
}

/// One pg_class row with PostgreSQL's defaults for what Rampart does not
/// track. Rampart keeps no files per relation: `relfilenode` is the OID for
/// relations with storage (as PostgreSQL's until a rewrite) and 0 for the
/// others; it has no TOAST tables (`reltoastrelid` 0), and its transaction
/// IDs are 64-bit, so nothing is ever frozen (`relfrozenxid`/`relminmxid`
/// 0, PostgreSQL's value for relations without storage).
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
    let has_storage = matches!(kind, "r" | "i" | "S" | "m" | "t");
    vec![
        Value::Oid(oid),
        text(name),
        Value::Oid(schema),
        Value::Oid(0),
        Value::Oid(0),
        Value::Oid(owner),
        Value::Oid(am),
        Value::Oid(if has_storage { oid } else { 0 }),
        Value::Oid(0),
        Value::Int4(0),
        Value::Float4(-1.0),
        Value::Int4(0),
        Value::Oid(0),
        Value::Bool(false),
        Value::Bool(false),
        text("p"),
        text(kind),
        Value::Int2(natts as i16),
        Value::Int2(0),
        Value::Bool(false),
        Value::Bool(false),
        Value::Bool(false),
        Value::Bool(false),
        Value::Bool(false),
        Value::Bool(true),
        text(if kind == "r" || kind == "p" { "d" } else { "n" }),
        Value::Bool(false),
        Value::Oid(0),
        Value::Oid(0),
        Value::Oid(0),
        acl,
        Value::Null,
        Value::Null,
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
        rel[class_col::RELHASINDEX] = Value::Bool(!r.indexes.is_empty());
        // From the last ANALYZE (pages as a PostgreSQL heap would hold the rows).
        if let Some(tuples) = r.statistics.tuples {
            rel[class_col::RELTUPLES] = Value::Float4(tuples);
            rel[class_col::RELPAGES] = Value::Int4(r.statistics.pages);
        }
        rel[class_col::RELCHECKS] = Value::Int2(r.checks.len() as i16);
        // PostgreSQL implements foreign keys with internal triggers on both
        // tables; psql asks for FK footers only when this is set.
        let referenced = referenced.contains(&r.oid);
        rel[class_col::RELHASTRIGGERS] = Value::Bool(!r.foreign_keys.is_empty() || referenced);
        rel[class_col::RELROWSECURITY] = Value::Bool(r.rls_enabled);
        rel[class_col::RELHASSUBCLASS] = Value::Bool(!cat.inheritors(r.oid).is_empty());
        rel[class_col::RELFORCEROWSECURITY] = Value::Bool(r.rls_forced);
        if let Some(bound) = crate::partition::bound_text(cat, r) {
            rel[class_col::RELISPARTITION] = Value::Bool(true);
            rel[class_col::RELPARTBOUND] = text(&bound);
        }
        if !r.options.is_empty() {
            rel[class_col::RELOPTIONS] = Value::Array(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_column_positions_match_pg_class() {
        let columns = VIEWS
            .iter()
            .find(|v| v.name == "pg_class")
            .map(|v| v.columns)
            .unwrap_or_default();
        let at = |name: &str| columns.iter().position(|(n, _)| *n == name);
        for (pos, name) in [
            (class_col::RELFILENODE, "relfilenode"),
            (class_col::RELTABLESPACE, "reltablespace"),
            (class_col::RELHASINDEX, "relhasindex"),
            (class_col::RELISSHARED, "relisshared"),
            (class_col::RELCHECKS, "relchecks"),
            (class_col::RELHASTRIGGERS, "relhastriggers"),
            (class_col::RELHASSUBCLASS, "relhassubclass"),
            (class_col::RELROWSECURITY, "relrowsecurity"),
            (class_col::RELFORCEROWSECURITY, "relforcerowsecurity"),
            (class_col::RELREPLIDENT, "relreplident"),
            (class_col::RELISPARTITION, "relispartition"),
            (class_col::RELOPTIONS, "reloptions"),
            (class_col::RELPARTBOUND, "relpartbound"),
        ] {
            assert_eq!(at(name), Some(pos), "{name}");
        }
        let row = class_row(1, "t", 2, 3, HEAP_AM, "r", 1, Value::Null);
        assert_eq!(row.len(), columns.len());
    }

    #[test]
    fn row_builders_fill_every_column() {
        let width = |name: &str| {
            VIEWS
                .iter()
                .find(|v| v.name == name)
                .map_or(0, |v| v.columns.len())
        };
        let attr = AttrRow::of_type(1, "a", 1, &DataType::Int4).row();
        assert_eq!(attr.len(), width("pg_attribute"));
        let index = index_row(IndexRow {
            index: 1,
            table: 2,
            unique: true,
            primary: true,
            key: super::super::KeyVectors::of(&[0, 1], |_| 0, |_| Some(DataType::Int4)),
        });
        assert_eq!(index.len(), width("pg_index"));
    }
}
