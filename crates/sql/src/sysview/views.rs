//! pg_views: every view with its owner and definition as
//! `pg_get_viewdef` prints it.

use rampart_catalog::{Catalog, RelationKind};
use rampart_types::{DataType, Value};

use super::{t, SysView, Viewer};
use crate::exec::Row;

/// The view catalog.
pub const VIEWS: &[SysView] = &[SysView {
    name: "pg_views",
    oid: 12000,
    columns: &[
        ("schemaname", t(DataType::Name)),
        ("viewname", t(DataType::Name)),
        ("viewowner", t(DataType::Name)),
        ("definition", t(DataType::Text)),
    ],
    superuser_only: false,
}];

/// The definition of a view as `pg_get_viewdef(oid)` returns it.
pub fn definition(cat: &Catalog, search_path: &[String], query: &str) -> String {
    crate::deparse_query::QueryDeparser::new(cat, search_path, false)
        .view_definition(query)
        .unwrap_or_else(|| format!("{query};"))
}

/// The rows of pg_views.
pub fn rows(cat: &Catalog, viewer: &Viewer) -> Vec<Row> {
    let mut views: Vec<_> = cat.relations.values().collect();
    views.sort_by_key(|r| r.oid);
    views
        .into_iter()
        .filter_map(|r| {
            let RelationKind::View { query } = &r.kind else {
                return None;
            };
            Some(vec![
                Value::Text(
                    cat.schema_by_oid(r.schema)
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                ),
                Value::Text(r.name.clone()),
                Value::Text(
                    cat.role_by_oid(r.owner)
                        .map(|o| o.name.clone())
                        .unwrap_or_default(),
                ),
                Value::Text(definition(cat, &viewer.search_path, query)),
            ])
        })
        .collect()
}
