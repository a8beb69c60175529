//! Which views a DDL change would break. PostgreSQL records a view's
//! dependencies in pg_depend when the view is created; Rampart stores a view
//! as its query text and binds it afresh when read, so it finds them the
//! other way round: a view depends on a change when its query no longer
//! binds after it, or binds to other columns than the view was created with
//! (`SELECT *` over a table that lost a column).
//!
//! Partial: a view that merely reads a dropped column in an expression is
//! found (the binding fails); one that is still valid but computes something
//! else (none such is known for DROP) would not be.

use rampart_catalog::{Catalog, RelationKind};

use crate::bind::Binder;
use crate::session::Session;

/// A view broken by a change, and what it depends on as PostgreSQL's DETAIL
/// names it (`table t`, `column b of table t`, `view v1`).
#[derive(Debug, Clone)]
pub(crate) struct BrokenView {
    /// The view's OID.
    pub oid: u32,
    /// Its name.
    pub name: String,
    /// What it depends on.
    pub on: String,
}

/// The views of `after` (a catalog with the change applied) that the change
/// to `object` (`table t`, `column b of table t`), on the relation named
/// `relation`, breaks — directly, or through another broken view. Each is
/// removed from `after` as it is found, so `after` ends up as CASCADE would
/// leave it; the list is in discovery order (direct dependents first, by OID).
pub(crate) fn break_views(
    after: &mut Catalog,
    s: &Session,
    object: &str,
    relation: &str,
) -> Vec<BrokenView> {
    let search_path = s.state.search_path();
    let mut broken: Vec<BrokenView> = Vec::new();
    visit(after, &search_path, relation, object, &mut broken);
    broken
}

/// Depth first, as PostgreSQL lists dependents: each broken view is
/// followed by the views it breaks in turn.
fn visit(
    after: &mut Catalog,
    search_path: &[String],
    mention: &str,
    on: &str,
    broken: &mut Vec<BrokenView>,
) {
    let mention = mention.to_lowercase();
    let mut candidates: Vec<u32> = after
        .relations
        .values()
        .filter(|r| {
            matches!(&r.kind, RelationKind::View { query } if query.to_lowercase().contains(&mention))
        })
        .map(|r| r.oid)
        .collect();
    candidates.sort_unstable();
    for oid in candidates {
        // Removed meanwhile, as a dependent of an earlier one.
        let Some(view) = after.relation_by_oid(oid).cloned() else {
            continue;
        };
        let RelationKind::View { query } = &view.kind else {
            continue;
        };
        let columns: Vec<String> = view.columns.iter().map(|c| c.name.clone()).collect();
        if still_binds(after, search_path, query, &columns) {
            continue;
        }
        after.relations.remove(&oid);
        broken.push(BrokenView {
            oid,
            name: view.name.clone(),
            on: on.to_string(),
        });
        visit(
            after,
            search_path,
            &view.name,
            &format!("view {}", view.name),
            broken,
        );
    }
}

/// Whether any view's query text mentions `relation` (a cheap test before
/// [`break_views`], which needs a copy of the catalog).
pub(crate) fn any_view_mentions(cat: &Catalog, relation: &str) -> bool {
    let mention = relation.to_lowercase();
    cat.relations.values().any(
        |r| matches!(&r.kind, RelationKind::View { query } if query.to_lowercase().contains(&mention)),
    )
}

/// Whether a view's query binds in `cat` to the columns it was created with.
fn still_binds(cat: &Catalog, search_path: &[String], query: &str, columns: &[String]) -> bool {
    let Ok(q) = crate::parser::parse_one_query(query) else {
        return false;
    };
    let mut binder = Binder::new(cat, search_path.to_vec(), vec![]);
    match binder.bind_query(&q) {
        Ok((_, outputs)) => {
            outputs.len() == columns.len() && outputs.iter().zip(columns).all(|(o, c)| o.name == *c)
        }
        Err(_) => false,
    }
}

/// PostgreSQL's DETAIL lines for the broken views (`view v depends on table t`).
pub(crate) fn detail_lines(broken: &[BrokenView]) -> Vec<String> {
    broken
        .iter()
        .map(|b| format!("view {} depends on {}", b.name, b.on))
        .collect()
}
