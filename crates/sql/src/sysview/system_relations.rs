//! The system catalogs and views themselves as rows of pg_class and
//! pg_attribute, so that `\dS`, `\d pg_authid` and queries joining
//! pg_class to pg_attribute see them as PostgreSQL does. They are derived
//! from the [`SysView`] table that also serves the queries: the columns
//! listed are exactly those Rampart computes.
//!
//! What is PostgreSQL's and what is not: relkind (`r` for the catalogs
//! PostgreSQL stores as tables — those with OIDs below 10000 in
//! `pg_catalog` — `v` for the views), owner (the bootstrap superuser),
//! ACLs (`=r` to PUBLIC, none for the superuser-only pg_authid and
//! pg_shadow, `=rw` on pg_settings), the shared catalogs in the pg_global
//! tablespace, NOT NULL on a catalog table's leading fixed-width columns
//! (PostgreSQL's bootstrap rule). Partial: the catalogs' own indexes are not
//! listed (relhasindex is false), and a catalog has only the columns Rampart
//! fills.

use rampart_catalog::{acl, AclItem, Catalog, BOOTSTRAP_SUPERUSER_OID};
use rampart_types::Value;

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
    "pg_shdepend",
    "pg_shdescription",
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

    fn shared(&self) -> bool {
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
        return vec![owner];
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
                out[7] = Value::Oid(PG_GLOBAL_TABLESPACE);
            }
            // Catalogs have no replica identity (psql expects `n` there).
            out[19] = Value::Text("n".into());
            out
        })
        .collect()
}

/// Whether a catalog table's column is NOT NULL by PostgreSQL's bootstrap
/// rule: fixed-width and preceded only by fixed-width columns.
fn bootstrap_not_null(view: &SysView, index: usize) -> bool {
    view.columns[..=index]
        .iter()
        .all(|(_, c)| matches!(c, super::Col::T(t) if t.typlen() > 0))
}

/// A system relation column's collation: "C" for collatable types (and
/// arrays of them) in a catalog table (PostgreSQL's catalogs are not in the
/// database's default collation); the type's own in views, whose columns
/// are mostly computed.
fn catalog_collation(rel: &SystemRelation, ty: &rampart_types::DataType) -> u32 {
    let element = match ty {
        rampart_types::DataType::Array(e) => e,
        other => other,
    };
    match super::types::type_collation(element) {
        0 => 0,
        _ if rel.relkind() == "r" => super::types::C_COLLATION,
        own => own,
    }
}

/// pg_attribute rows of the system relations (only the one with OID `only`
/// when given), in the column order of [`super::relations`]' pg_attribute.
pub fn attribute_rows(only: Option<u32>) -> Vec<Row> {
    let mut out = Vec::new();
    for r in all().filter(|r| only.is_none_or(|o| o == r.view.oid)) {
        let table = r.relkind() == "r";
        if table {
            out.extend(super::relations::system_columns(r.view.oid));
        }
        for (i, (name, col)) in r.view.columns.iter().enumerate() {
            let ty = col.data_type();
            out.push(vec![
                Value::Oid(r.view.oid),
                Value::Text(name.to_string()),
                Value::Oid(ty.oid()),
                Value::Int2(ty.typlen()),
                Value::Int2(i as i16 + 1),
                Value::Int4(ty.typmod()),
                Value::Bool(table && bootstrap_not_null(r.view, i)),
                Value::Bool(false),
                Value::Text(String::new()),
                Value::Text(String::new()),
                Value::Bool(false),
                Value::Oid(catalog_collation(&r, &ty)),
                Value::Null,
                Value::Text(super::relations::storage(&ty).to_string()),
                Value::Text(String::new()),
                Value::Int4(-1),
            ]);
        }
    }
    out
}
