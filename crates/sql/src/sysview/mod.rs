//! System catalog views computed from the catalog: the role views here
//! (pg_roles, pg_authid, pg_auth_members, pg_user, pg_shadow, pg_group,
//! pg_db_role_setting, pg_policies) and the relation catalogs psql reads in
//! [`relations`]. They live in `pg_catalog`, which name lookup searches first
//! (as PostgreSQL).

pub mod catalog_indexes;
mod constraints;
mod empty_catalogs;
mod info_schema;
mod info_schema_tables;
mod relations;
mod routines;
mod sequences;
mod stats_views;
pub mod system_relations;
pub mod type_support;
mod types;
mod views;

/// Who is reading a view (some views show only what the reader may see).
pub struct Viewer {
    /// current_user.
    pub user: String,
    /// current_database().
    pub database: String,
    /// The reader's search path (names print as the reader would write them).
    pub search_path: Vec<String>,
    /// Set when the query pins the view's relation key (see
    /// [`relation_key`]): only rows of that relation (or index) are needed.
    pub only: Option<u32>,
}

/// The column of a relation catalog that holds the relation's OID, for
/// views whose rows can be computed for one relation at a time (psql's
/// `\d` reads them `WHERE attrelid = '16403'`).
pub fn relation_key(view: &SysView) -> Option<&'static str> {
    Some(match view.name {
        "pg_class" => "oid",
        "pg_attribute" => "attrelid",
        "pg_index" => "indrelid",
        "pg_constraint" => "conrelid",
        "pg_attrdef" => "adrelid",
        "pg_policy" => "polrelid",
        _ => return None,
    })
}

/// The relations a catalog read covers: all of them, or the one with OID
/// `only` (or owning the index with that OID).
fn relations_for(cat: &Catalog, only: Option<u32>) -> Vec<&rampart_catalog::Relation> {
    match only {
        None => cat.relations.values().collect(),
        Some(o) => match cat.relation_by_oid(o) {
            Some(r) => vec![r],
            None => cat
                .relations
                .values()
                .filter(|r| r.indexes.iter().any(|i| i.oid == o))
                .collect(),
        },
    }
}

pub use constraints::{constraint_def, default_def, index_def, pretty_expr};
pub use types::{builtin_descriptions, description_target_exists, PG_EXTENSION_OID};

use rampart_catalog::{Catalog, Role};
use rampart_types::{DataType, Value};

use crate::exec::Row;

/// A system view column's type; `ArrayOf` keeps the view tables `const`.
pub enum Col {
    /// A scalar type.
    T(DataType),
    /// A one-dimensional array of the type.
    ArrayOf(DataType),
}

impl Col {
    /// The column's SQL type.
    pub fn data_type(&self) -> DataType {
        match self {
            Col::T(t) => t.clone(),
            Col::ArrayOf(t) => DataType::Array(Box::new(t.clone())),
        }
    }
}

/// A key's columns as the `int2vector`/`oidvector` texts of pg_index
/// (`indkey`, `indcollation`, `indclass`) and pg_partitioned_table.
pub(crate) struct KeyVectors {
    /// Column numbers (attnum), `1 2`.
    pub attnums: String,
    /// Each column's collation OID.
    pub collations: String,
    /// Each column's default btree operator class OID.
    pub opclasses: String,
}

impl KeyVectors {
    /// The vectors of key columns `cols` (0-based), given each column's
    /// collation and type.
    pub(crate) fn of(
        cols: &[usize],
        collation: impl Fn(usize) -> u32,
        ty: impl Fn(usize) -> Option<DataType>,
    ) -> KeyVectors {
        let text = |f: &dyn Fn(usize) -> u32| {
            cols.iter()
                .map(|&c| f(c).to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        KeyVectors {
            attnums: text(&|c| c as u32 + 1),
            collations: text(&collation),
            opclasses: text(&|c| ty(c).map_or(0, |t| types::default_btree_opclass(&t))),
        }
    }
}

/// A system view's shape.
pub struct SysView {
    /// Name in pg_catalog.
    pub name: &'static str,
    /// OID (used for privilege needs).
    pub oid: u32,
    /// Columns.
    pub columns: &'static [(&'static str, Col)],
    /// Not readable by PUBLIC: superusers only (pg_authid, pg_shadow), plus
    /// members of the predefined role `rampart_catalog::system_view_reader`
    /// names for it (pg_read_all_stats on pg_backend_memory_contexts).
    pub superuser_only: bool,
}

use DataType::{Bool, Int4, Name, Oid, Text, Timestamptz};

const fn t(ty: DataType) -> Col {
    Col::T(ty)
}

const ROLE_COLS: &[(&str, Col)] = &[
    ("rolname", t(Name)),
    ("rolsuper", t(Bool)),
    ("rolinherit", t(Bool)),
    ("rolcreaterole", t(Bool)),
    ("rolcreatedb", t(Bool)),
    ("rolcanlogin", t(Bool)),
    ("rolreplication", t(Bool)),
    ("rolconnlimit", t(Int4)),
    ("rolpassword", t(Text)),
    ("rolvaliduntil", t(Timestamptz)),
    ("rolbypassrls", t(Bool)),
    ("rolconfig", Col::ArrayOf(Text)),
    ("oid", t(Oid)),
];

const AUTHID_COLS: &[(&str, Col)] = &[
    ("oid", t(Oid)),
    ("rolname", t(Name)),
    ("rolsuper", t(Bool)),
    ("rolinherit", t(Bool)),
    ("rolcreaterole", t(Bool)),
    ("rolcreatedb", t(Bool)),
    ("rolcanlogin", t(Bool)),
    ("rolreplication", t(Bool)),
    ("rolbypassrls", t(Bool)),
    ("rolconnlimit", t(Int4)),
    ("rolpassword", t(Text)),
    ("rolvaliduntil", t(Timestamptz)),
];

const USER_COLS: &[(&str, Col)] = &[
    ("usename", t(Name)),
    ("usesysid", t(Oid)),
    ("usecreatedb", t(Bool)),
    ("usesuper", t(Bool)),
    ("userepl", t(Bool)),
    ("usebypassrls", t(Bool)),
    ("passwd", t(Text)),
    ("valuntil", t(Timestamptz)),
    ("useconfig", Col::ArrayOf(Text)),
];

/// Every system view.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "pg_roles",
        oid: 12001,
        columns: ROLE_COLS,
        superuser_only: false,
    },
    SysView {
        name: "pg_authid",
        oid: 1260,
        columns: AUTHID_COLS,
        superuser_only: true,
    },
    SysView {
        name: "pg_auth_members",
        oid: 1261,
        columns: &[
            ("roleid", t(Oid)),
            ("member", t(Oid)),
            ("grantor", t(Oid)),
            ("admin_option", t(Bool)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_user",
        oid: 12010,
        columns: USER_COLS,
        superuser_only: false,
    },
    SysView {
        name: "pg_shadow",
        oid: 12006,
        columns: USER_COLS,
        superuser_only: true,
    },
    SysView {
        name: "pg_group",
        oid: 12014,
        columns: &[
            ("groname", t(Name)),
            ("grosysid", t(Oid)),
            ("grolist", Col::ArrayOf(Oid)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_policies",
        oid: 12100,
        columns: &[
            ("schemaname", t(Name)),
            ("tablename", t(Name)),
            ("policyname", t(Name)),
            ("permissive", t(Text)),
            ("roles", Col::ArrayOf(Name)),
            ("cmd", t(Text)),
            ("qual", t(Text)),
            ("with_check", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_db_role_setting",
        oid: 2964,
        columns: &[
            ("setdatabase", t(Oid)),
            ("setrole", t(Oid)),
            ("setconfig", Col::ArrayOf(Text)),
        ],
        superuser_only: false,
    },
];

/// Looks a pg_catalog view up by name.
pub fn lookup(name: &str) -> Option<&'static SysView> {
    pg_catalog_views().find(|v| v.name == name)
}

/// Every pg_catalog view.
pub(crate) fn pg_catalog_views() -> impl Iterator<Item = &'static SysView> {
    VIEWS
        .iter()
        .chain(relations::VIEWS)
        .chain(constraints::VIEWS)
        .chain(types::VIEWS)
        .chain(sequences::VIEWS)
        .chain(views::VIEWS)
        .chain(routines::VIEWS)
        .chain(empty_catalogs::VIEWS)
        .chain(stats_views::VIEWS)
        .chain(std::iter::once(&crate::activity::VIEW))
        .chain(std::iter::once(&crate::pg_settings::VIEW))
        .chain(std::iter::once(&crate::prepared_view::VIEW))
        .chain(std::iter::once(&crate::analyze::VIEW))
        .chain(std::iter::once(&crate::hba_rules::VIEW))
        .chain(std::iter::once(&crate::hba_rules::AUTH_FAILURES_VIEW))
}

/// The system catalog index with this OID.
pub fn catalog_index(oid: u32) -> Option<&'static catalog_indexes::CatalogIndex> {
    catalog_indexes::CATALOG_INDEXES
        .iter()
        .find(|i| i.oid == oid)
}

/// The system catalog index with this name.
pub fn catalog_index_named(name: &str) -> Option<&'static catalog_indexes::CatalogIndex> {
    catalog_indexes::CATALOG_INDEXES
        .iter()
        .find(|i| i.name == name)
}

/// Looks an information_schema view up by name.
pub fn lookup_information_schema(name: &str) -> Option<&'static SysView> {
    info_schema::VIEWS
        .iter()
        .chain(info_schema_tables::VIEWS)
        .find(|v| v.name == name)
}

/// Looks a view up by OID.
pub fn by_oid(oid: u32) -> Option<&'static SysView> {
    pg_catalog_views()
        .chain(info_schema::VIEWS)
        .chain(info_schema_tables::VIEWS)
        .find(|v| v.oid == oid)
}

fn valid_until(r: &Role) -> Value {
    r.valid_until
        .and_then(chrono::DateTime::from_timestamp_micros)
        .map(Value::Timestamptz)
        .unwrap_or(Value::Null)
}

fn config(c: &[(String, String)]) -> Value {
    if c.is_empty() {
        return Value::Null;
    }
    Value::Array(
        c.iter()
            .map(|(k, v)| Value::Text(format!("{k}={v}")))
            .collect(),
    )
}

fn roles_by_oid(cat: &Catalog) -> Vec<&Role> {
    let mut v: Vec<&Role> = cat.roles.values().collect();
    v.sort_by_key(|r| r.oid);
    v
}

/// The rows of a view.
pub fn rows(view: &SysView, cat: &Catalog, viewer: &Viewer) -> Vec<Row> {
    if info_schema_tables::VIEWS.iter().any(|v| v.oid == view.oid) {
        return info_schema_tables::rows(view, cat, viewer);
    }
    if info_schema::VIEWS.iter().any(|v| v.oid == view.oid) {
        return info_schema::rows(view, cat, viewer);
    }
    if routines::VIEWS.iter().any(|v| v.oid == view.oid) {
        return routines::rows(view, cat);
    }
    if view.name == "pg_init_privs" {
        return system_relations::init_privs_rows(cat);
    }
    if empty_catalogs::VIEWS
        .iter()
        .chain(stats_views::VIEWS)
        .any(|v| v.oid == view.oid)
    {
        return vec![];
    }
    if views::VIEWS.iter().any(|v| v.oid == view.oid) {
        return views::rows(cat, viewer);
    }
    if sequences::VIEWS.iter().any(|v| v.oid == view.oid) {
        return sequences::rows(view, cat);
    }
    if types::VIEWS.iter().any(|v| v.oid == view.oid) {
        return types::rows(view, cat);
    }
    if constraints::VIEWS.iter().any(|v| v.oid == view.oid) {
        return constraints::rows(view, cat, &viewer.search_path, viewer.only);
    }
    if view.name == "pg_database" {
        return cat
            .databases
            .values()
            .map(|d| relations::database_row(cat, d))
            .collect();
    }
    let b = Value::Bool;
    let masked = |_: &Role| Value::Text("********".into());
    match view.name {
        "pg_roles" => roles_by_oid(cat)
            .into_iter()
            .map(|r| {
                vec![
                    Value::Text(r.name.clone()),
                    b(r.superuser),
                    b(r.inherit),
                    b(r.createrole),
                    b(r.createdb),
                    b(r.login),
                    b(r.replication),
                    Value::Int4(r.connection_limit),
                    masked(r),
                    valid_until(r),
                    b(r.bypassrls),
                    config(&r.config),
                    Value::Oid(r.oid),
                ]
            })
            .collect(),
        "pg_authid" => roles_by_oid(cat)
            .into_iter()
            .map(|r| {
                vec![
                    Value::Oid(r.oid),
                    Value::Text(r.name.clone()),
                    b(r.superuser),
                    b(r.inherit),
                    b(r.createrole),
                    b(r.createdb),
                    b(r.login),
                    b(r.replication),
                    b(r.bypassrls),
                    Value::Int4(r.connection_limit),
                    r.password.clone().map(Value::Text).unwrap_or(Value::Null),
                    valid_until(r),
                ]
            })
            .collect(),
        "pg_auth_members" => cat
            .memberships
            .iter()
            .map(|m| {
                vec![
                    Value::Oid(m.role),
                    Value::Oid(m.member),
                    Value::Oid(m.grantor),
                    b(m.admin_option),
                ]
            })
            .collect(),
        "pg_user" | "pg_shadow" => roles_by_oid(cat)
            .into_iter()
            .filter(|r| r.login)
            .map(|r| {
                let passwd = if view.name == "pg_shadow" {
                    r.password.clone().map(Value::Text).unwrap_or(Value::Null)
                } else {
                    Value::Text("********".into())
                };
                vec![
                    Value::Text(r.name.clone()),
                    Value::Oid(r.oid),
                    b(r.createdb),
                    b(r.superuser),
                    b(r.replication),
                    b(r.bypassrls),
                    passwd,
                    valid_until(r),
                    config(&r.config),
                ]
            })
            .collect(),
        "pg_group" => roles_by_oid(cat)
            .into_iter()
            .filter(|r| !r.login)
            .map(|r| {
                let members: Vec<Value> = cat
                    .memberships
                    .iter()
                    .filter(|m| m.role == r.oid)
                    .map(|m| Value::Oid(m.member))
                    .collect();
                vec![
                    Value::Text(r.name.clone()),
                    Value::Oid(r.oid),
                    Value::Array(members),
                ]
            })
            .collect(),
        "pg_policies" => {
            let mut rels: Vec<&rampart_catalog::Relation> = cat
                .relations
                .values()
                .filter(|r| !r.policies.is_empty())
                .collect();
            rels.sort_by(|a, b| (a.schema, &a.name).cmp(&(b.schema, &b.name)));
            let mut out = Vec::new();
            for r in rels {
                let schema = cat
                    .schema_by_oid(r.schema)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                for p in &r.policies {
                    let roles = if p.roles.is_empty() {
                        vec![Value::Text("public".into())]
                    } else {
                        // The view selects the roles from pg_authid ordered
                        // by name: each once, dropped ones not at all.
                        let mut names: Vec<String> = p
                            .roles
                            .iter()
                            .filter_map(|o| cat.role_by_oid(*o).map(|r| r.name.clone()))
                            .collect();
                        names.sort();
                        names.dedup();
                        names.into_iter().map(Value::Text).collect()
                    };
                    let text =
                        |t: &Option<String>| t.clone().map(Value::Text).unwrap_or(Value::Null);
                    out.push(vec![
                        Value::Text(schema.clone()),
                        Value::Text(r.name.clone()),
                        Value::Text(p.name.clone()),
                        Value::Text(
                            if p.permissive {
                                "PERMISSIVE"
                            } else {
                                "RESTRICTIVE"
                            }
                            .into(),
                        ),
                        Value::Array(roles),
                        Value::Text(p.cmd.name().into()),
                        text(&p.shown_using()),
                        text(&p.shown_with_check()),
                    ]);
                }
            }
            out
        }
        "pg_db_role_setting" => {
            // Per database (ALTER DATABASE SET), per role (ALTER ROLE SET),
            // and for everyone (ALTER ROLE ALL SET: both OIDs 0).
            let databases = cat.databases.values().map(|d| (d.oid, 0, &d.config));
            let roles = roles_by_oid(cat).into_iter().flat_map(|r| {
                std::iter::once((0, r.oid, &r.config))
                    .chain(r.database_config.iter().map(|(db, c)| (*db, r.oid, c)))
            });
            let all = std::iter::once((0, 0, &cat.all_roles_config));
            databases
                .chain(roles)
                .chain(all)
                .filter(|(_, _, c)| !c.is_empty())
                .map(|(db, role, c)| vec![Value::Oid(db), Value::Oid(role), config(c)])
                .collect()
        }
        _ => relations::rows(view, cat, viewer.only),
    }
}
