//! The system catalogs and views themselves as rows of pg_class and
//! pg_attribute, so that `\dS`, `\d pg_authid` and queries joining
//! pg_class to pg_attribute see them as PostgreSQL does. They are derived
//! from the [`SysView`] table that also serves the queries, whose columns
//! are PostgreSQL 15's.
//!
//! What is PostgreSQL's and what is not: relkind (`r` for the catalogs
//! PostgreSQL stores as tables — those with OIDs below 10000 in
//! `pg_catalog` — `v` for the views), owner (the bootstrap superuser),
//! ACLs (`=r` to PUBLIC, none for the superuser-only pg_authid and
//! pg_shadow, `=rw` on pg_settings), the shared catalogs in the pg_global
//! tablespace, `relfilenode` 0 for the mapped catalogs, NOT NULL by
//! PostgreSQL's bootstrap rule, and the catalogs' own indexes
//! ([`super::catalog_indexes`]).

use rampart_catalog::{acl, AclItem, Catalog, BOOTSTRAP_SUPERUSER_OID};
use rampart_types::{DataType, Value};

use super::relations::class_col;
use super::{pg_catalog_views, SysView};
use crate::exec::Row;

/// OID of pg_catalog.
pub const PG_CATALOG_OID: u32 = 11;
/// OID of pg_toast (listed by `\dnS`; it holds nothing here).
pub const PG_TOAST_OID: u32 = 99;
/// OID of information_schema (PostgreSQL 15's).
pub const INFORMATION_SCHEMA_OID: u32 = 13207;
/// OID of the pg_default tablespace.
pub const PG_DEFAULT_TABLESPACE: u32 = 1663;
/// OID of the pg_global tablespace (shared catalogs).
pub const PG_GLOBAL_TABLESPACE: u32 = 1664;

/// The catalogs shared by all databases (stored in pg_global).
const SHARED: &[&str] = &[
    "pg_authid",
    "pg_auth_members",
    "pg_database",
    "pg_db_role_setting",
    "pg_parameter_acl",
    "pg_shdepend",
    "pg_shdescription",
    "pg_shseclabel",
    "pg_subscription",
    "pg_tablespace",
];

/// A system relation: its view, schema and kind.
pub struct SystemRelation {
    /// The view that computes its rows.
    pub view: &'static SysView,
    /// pg_catalog or information_schema.
    pub schema: u32,
}

impl SystemRelation {
    /// `r` for a catalog table, `v` for a view.
    pub fn relkind(&self) -> &'static str {
        if self.schema == PG_CATALOG_OID && self.view.oid < 10000 {
            "r"
        } else {
            "v"
        }
    }

    /// Whether PostgreSQL keeps it in its relation map, with `relfilenode`
    /// 0 in pg_class: the shared catalogs and the four nailed ones.
    pub fn mapped(&self) -> bool {
        self.shared()
            || self.schema == PG_CATALOG_OID
                && ["pg_class", "pg_attribute", "pg_proc", "pg_type"].contains(&self.view.name)
    }

    /// Whether it is one of the catalogs shared by all databases.
    pub fn shared(&self) -> bool {
        self.schema == PG_CATALOG_OID && SHARED.contains(&self.view.name)
    }
}

/// Every system relation, pg_catalog's first.
pub fn all() -> impl Iterator<Item = SystemRelation> {
    pg_catalog_views()
        .map(|view| SystemRelation {
            view,
            schema: PG_CATALOG_OID,
        })
        .chain(
            super::info_schema::VIEWS
                .iter()
                .chain(super::info_schema_tables::VIEWS)
                .map(|view| SystemRelation {
                    view,
                    schema: INFORMATION_SCHEMA_OID,
                }),
        )
        // A view without an OID of its own (0) has no pg_class row.
        .filter(|r| r.view.oid != 0)
}

/// The system relation with this OID.
pub fn by_oid(oid: u32) -> Option<SystemRelation> {
    all().find(|r| r.view.oid == oid)
}

/// The system relation named `name` in schema `schema`.
pub fn by_name(schema: u32, name: &str) -> Option<SystemRelation> {
    all().find(|r| r.schema == schema && r.view.name == name)
}

/// The ACL PostgreSQL's initdb leaves on a system relation.
fn acl(rel: &SystemRelation) -> Vec<AclItem> {
    let owner = AclItem {
        grantee: BOOTSTRAP_SUPERUSER_OID,
        grantor: BOOTSTRAP_SUPERUSER_OID,
        privs: acl::ALL_TABLE,
        grant_options: 0,
    };
    if rel.view.superuser_only {
        return match rampart_catalog::system_view_reader(rel.view.oid) {
            Some(reader) => vec![
                owner,
                AclItem {
                    grantee: reader,
                    grantor: BOOTSTRAP_SUPERUSER_OID,
                    privs: acl::SELECT,
                    grant_options: 0,
                },
            ],
            None => vec![owner],
        };
    }
    let public = if rel.view.name == "pg_settings" {
        acl::SELECT | acl::UPDATE
    } else {
        acl::SELECT
    };
    vec![
        owner,
        AclItem {
            grantee: 0,
            grantor: BOOTSTRAP_SUPERUSER_OID,
            privs: public,
            grant_options: 0,
        },
    ]
}

/// pg_class rows of the system relations (only the one with OID `only`
/// when given).
pub fn class_rows(cat: &Catalog, only: Option<u32>) -> Vec<Row> {
    all()
        .filter(|r| only.is_none_or(|o| o == r.view.oid))
        .map(|r| {
            let kind = r.relkind();
            let am = if kind == "r" {
                super::relations::HEAP_AM
            } else {
                0
            };
            let mut out = super::relations::class_row(
                r.view.oid,
                r.view.name,
                r.schema,
                BOOTSTRAP_SUPERUSER_OID,
                am,
                kind,
                r.view.columns.len(),
                super::relations::acl_value(cat, &Some(acl(&r))),
            );
            if r.shared() {
                out[class_col::RELTABLESPACE] = Value::Oid(PG_GLOBAL_TABLESPACE);
                out[class_col::RELISSHARED] = Value::Bool(true);
            }
            if r.mapped() {
                out[class_col::RELFILENODE] = Value::Oid(0);
            }
            // Catalogs have no replica identity (psql expects `n` there).
            out[class_col::RELREPLIDENT] = Value::Text("n".into());
            out[class_col::RELHASINDEX] =
                Value::Bool(super::catalog_indexes::has_indexes(r.view.name));
            out
        })
        .chain(super::catalog_indexes::class_rows(only))
        .collect()
}

/// Catalog columns PostgreSQL declares NOT NULL although the bootstrap
/// rule would not (`BKI_FORCE_NOT_NULL`).
const FORCE_NOT_NULL: &[(&str, &str)] = &[
    ("pg_attrdef", "adbin"),
    ("pg_database", "datcollate"),
    ("pg_database", "datctype"),
    ("pg_default_acl", "defaclacl"),
    ("pg_description", "description"),
    ("pg_extension", "extversion"),
    ("pg_policy", "polroles"),
    ("pg_proc", "prosrc"),
    ("pg_init_privs", "initprivs"),
    ("pg_parameter_acl", "parname"),
    ("pg_seclabel", "provider"),
    ("pg_seclabel", "label"),
    ("pg_shdescription", "description"),
    ("pg_shseclabel", "provider"),
    ("pg_shseclabel", "label"),
    ("pg_statistic_ext", "stxkind"),
    ("pg_trigger", "tgargs"),
];

/// Whether a catalog table's column is NOT NULL by PostgreSQL's bootstrap
/// rule: forced, or fixed-width (int2vector and oidvector count as such)
/// with every earlier column NOT NULL.
fn bootstrap_not_null(view: &SysView, index: usize) -> bool {
    let mut prior_not_null = true;
    for (i, (name, c)) in view.columns[..=index].iter().enumerate() {
        let fixed = matches!(c, super::Col::T(t) if t.typlen() > 0
            || matches!(t, DataType::Int2Vector | DataType::OidVector));
        let not_null = FORCE_NOT_NULL.contains(&(view.name, name)) || prior_not_null && fixed;
        if i == index {
            return not_null;
        }
        prior_not_null &= not_null;
    }
    false
}

/// A system relation column's collation: "C" for collatable types (and
/// arrays of them) in a catalog table (PostgreSQL's catalogs are not in the
/// database's default collation); the type's own in views, whose columns
/// are mostly computed.
/// The collation of column `index` (0-based) of a system relation.
pub fn catalog_column_collation(rel: &SystemRelation, index: usize) -> u32 {
    let (name, col) = &rel.view.columns[index];
    catalog_collation(rel, name, &col.data_type())
}

fn catalog_collation(rel: &SystemRelation, column: &str, ty: &DataType) -> u32 {
    let element = match ty {
        DataType::Array(e) => e,
        other => other,
    };
    match super::types::type_collation(element) {
        0 => 0,
        _ if rel.relkind() == "r" || VIEW_C_COLUMNS.contains(&(rel.view.name, column)) => {
            super::types::C_COLLATION
        }
        own => own,
    }
}

/// View columns computed from catalog columns in collation "C", which they
/// keep in PostgreSQL.
const VIEW_C_COLUMNS: &[(&str, &str)] = &[
    ("pg_policies", "qual"),
    ("pg_policies", "with_check"),
    ("pg_roles", "rolconfig"),
    ("pg_shadow", "passwd"),
    ("pg_shadow", "useconfig"),
    ("pg_user", "useconfig"),
];

/// pg_attribute rows of the system relations (only the one with OID `only`
/// when given), in the column order of [`super::relations`]' pg_attribute.
pub fn attribute_rows(only: Option<u32>) -> Vec<Row> {
    let mut out = super::catalog_indexes::attribute_rows(only);
    for r in all().filter(|r| only.is_none_or(|o| o == r.view.oid)) {
        let table = r.relkind() == "r";
        if table {
            out.extend(super::relations::system_columns(r.view.oid));
        }
        for (i, (name, col)) in r.view.columns.iter().enumerate() {
            let ty = col.data_type();
            out.push(
                super::relations::AttrRow {
                    not_null: table && bootstrap_not_null(r.view, i),
                    collation: catalog_collation(&r, name, &ty),
                    ..super::relations::AttrRow::of_type(r.view.oid, name, i as i16 + 1, &ty)
                }
                .row(),
            );
        }
    }
    out
}

/// pg_init_privs: the ACLs initdb gives (privtype `i`) to the system
/// relations readable by PUBLIC and to the schemas pg_catalog and public,
/// so pg_dump sees them unchanged and leaves them out of a dump.
pub fn init_privs_rows(cat: &Catalog) -> Vec<Row> {
    const PG_NAMESPACE_OID: u32 = 2615;
    const PG_CLASS_OID: u32 = 1259;
    const PUBLIC_SCHEMA_OID: u32 = 2200;
    const DATABASE_OWNER_OID: u32 = 6171;
    let schema_acl = |owner: u32| {
        Some(vec![
            AclItem {
                grantee: owner,
                grantor: owner,
                privs: acl::ALL_SCHEMA,
                grant_options: 0,
            },
            AclItem {
                grantee: 0,
                grantor: owner,
                privs: acl::USAGE,
                grant_options: 0,
            },
        ])
    };
    let row = |objoid: u32, classoid: u32, initprivs: Value| {
        vec![
            Value::Oid(objoid),
            Value::Oid(classoid),
            Value::Int4(0),
            Value::Text("i".into()),
            initprivs,
        ]
    };
    let mut rows = vec![
        row(
            PG_CATALOG_OID,
            PG_NAMESPACE_OID,
            super::relations::acl_value(cat, &schema_acl(BOOTSTRAP_SUPERUSER_OID)),
        ),
        row(
            PUBLIC_SCHEMA_OID,
            PG_NAMESPACE_OID,
            super::relations::acl_value(cat, &schema_acl(DATABASE_OWNER_OID)),
        ),
    ];
    rows.extend(
        all()
            .filter(|r| {
                !r.view.superuser_only || rampart_catalog::system_view_reader(r.view.oid).is_some()
            })
            .map(|r| {
                row(
                    r.view.oid,
                    PG_CLASS_OID,
                    super::relations::acl_value(cat, &Some(acl(&r))),
                )
            }),
    );
    rows
}
