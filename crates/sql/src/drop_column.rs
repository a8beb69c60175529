//! `ALTER TABLE … DROP COLUMN`, as PostgreSQL 15 does it: indexes, CHECK
//! constraints and this table's foreign keys over the column go with it;
//! views, policies and other tables' foreign keys that need it block the
//! drop unless CASCADE drops them too (`cannot drop column b of table t
//! because other objects depend on it`); a serial column's sequence goes
//! with it; column comments follow the remaining columns.
//!
//! Partial: the column is removed, not hidden, so the attnums of the columns
//! after it move down by one (PostgreSQL keeps a dropped placeholder and
//! leaves gaps); rows are rewritten at once.

use rampart_catalog::{Catalog, Relation, PG_CLASS_OID};
use rampart_storage::Transaction;
use rampart_types::{PgError, PgResult, SqlState};

use crate::bind::expr::ExprCtx;
use crate::bind::{Binder, Scope};
use crate::keys;
use crate::session::Session;

/// An object that blocks the drop (or goes with it under CASCADE).
struct Dependent {
    /// For PostgreSQL's listing order (creation order).
    oid: u32,
    /// `view v depends on column b of table t` lines (a view brings the
    /// views built on it).
    depends: Vec<String>,
    /// `drop cascades to view v` lines.
    cascades: Vec<String>,
}

impl Dependent {
    /// `what` (`policy p on table t`) depending on `object`.
    fn on(oid: u32, what: String, object: &str) -> Dependent {
        Dependent {
            oid,
            depends: vec![format!("{what} depends on {object}")],
            cascades: vec![format!("drop cascades to {what}")],
        }
    }
}

/// Drops column `name` from `rel` (the table as the ALTER TABLE has changed
/// it so far) and fixes up everything that refers to columns by position.
/// Returns the dropped column's position (the caller rewrites the rows), or
/// None when it does not exist and `if_exists` is set.
pub(crate) fn drop_column(
    cat: &mut Catalog,
    txn: &mut Transaction,
    s: &mut Session,
    rel: &mut Relation,
    name: &str,
    if_exists: bool,
    cascade: bool,
) -> PgResult<Option<usize>> {
    let Some(pos) = rel.column_index(name) else {
        let msg = format!(
            "column \"{name}\" of relation \"{}\" does not exist",
            rel.name
        );
        if if_exists {
            s.state.notice(format!("{msg}, skipping"));
            return Ok(None);
        }
        return Err(PgError::new(SqlState::UNDEFINED_COLUMN, msg));
    };
    let object = format!("column {name} of table {}", rel.name);
    let shift = |c: usize| if c > pos { c - 1 } else { c };
    let mut shrunk = rel.clone();
    let dropped_column = shrunk.columns.remove(pos);
    shrunk
        .statistics
        .columns
        .retain(|st| st.column != dropped_column.name);
    // Indexes and this table's foreign keys over the column go with it.
    let (gone, kept): (Vec<_>, Vec<_>) = shrunk
        .indexes
        .drain(..)
        .partition(|i| i.columns.contains(&pos));
    shrunk.indexes = kept;
    for i in shrunk.indexes.iter_mut() {
        i.columns = i.columns.iter().map(|&c| shift(c)).collect();
    }
    shrunk.foreign_keys.retain(|f| !f.columns.contains(&pos));
    for f in shrunk.foreign_keys.iter_mut() {
        f.columns = f.columns.iter().map(|&c| shift(c)).collect();
    }
    // So do CHECK constraints that read it.
    let checks = std::mem::take(&mut shrunk.checks);
    shrunk.checks = checks
        .into_iter()
        .filter(|c| binds(cat, s, &shrunk, &c.expr))
        .collect();

    let mut dependents: Vec<Dependent> = Vec::new();
    // Views (through a copy of the catalog with the column gone).
    if crate::view_deps::any_view_mentions(cat, &rel.name) {
        let mut after = cat.clone();
        after.relations.insert(shrunk.oid, shrunk.clone());
        let broken = crate::view_deps::break_views(&mut after, s, &object, &rel.name);
        for b in broken {
            let line = format!("view {} depends on {}", b.name, b.on);
            let cascades = format!("drop cascades to view {}", b.name);
            match dependents.last_mut() {
                // A view broken through the previous one lists after it.
                Some(d) if b.on != object => {
                    d.depends.push(line);
                    d.cascades.push(cascades);
                }
                _ => dependents.push(Dependent {
                    oid: b.oid,
                    depends: vec![line],
                    cascades: vec![cascades],
                }),
            }
            cat.relations.remove(&b.oid);
        }
    }
    // Policies of this table whose expressions read the column.
    let policies = std::mem::take(&mut shrunk.policies);
    for p in policies {
        let valid = [&p.using, &p.with_check]
            .into_iter()
            .flatten()
            .all(|e| binds(cat, s, &shrunk, e));
        if valid {
            shrunk.policies.push(p);
        } else {
            let what = format!("policy {} on table {}", p.name, rel.name);
            dependents.push(Dependent::on(p.oid, what, &object));
        }
    }
    // Other tables' foreign keys referencing the column.
    let mut broken_fks: Vec<(u32, String)> = Vec::new();
    for other in cat.relations.values() {
        for f in &other.foreign_keys {
            if f.ref_table == rel.oid && other.oid != rel.oid && f.ref_columns.contains(&pos) {
                broken_fks.push((other.oid, f.name.clone()));
                let what = format!("constraint {} on table {}", f.name, other.name);
                dependents.push(Dependent::on(f.oid, what, &object));
            }
        }
    }
    dependents.sort_by_key(|d| d.oid);
    if !dependents.is_empty() {
        if !cascade {
            let detail: Vec<String> = dependents.iter().flat_map(|d| d.depends.clone()).collect();
            return Err(PgError::new(
                SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                format!("cannot drop {object} because other objects depend on it"),
            )
            .with_detail(detail.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        let lines: Vec<String> = dependents.into_iter().flat_map(|d| d.cascades).collect();
        crate::ddl::cascade_notice(s, lines);
    }
    // Foreign keys elsewhere: the broken ones go, the others follow the shift.
    let table = rel.oid;
    cat.relations.update_where(
        |r| r.oid != table && r.foreign_keys.iter().any(|f| f.ref_table == table),
        |r| {
            let own = r.oid;
            r.foreign_keys
                .retain(|f| !broken_fks.iter().any(|(o, n)| *o == own && *n == f.name));
            for f in r.foreign_keys.iter_mut().filter(|f| f.ref_table == table) {
                f.ref_columns = f.ref_columns.iter().map(|&c| shift(c)).collect();
            }
        },
    );
    for i in &gone {
        crate::exec::table::delete_prefix(txn, &keys::index_prefix(i.oid))?;
    }
    // A serial column's sequence.
    if let Some(default) = &dropped_column.default {
        let owned: Vec<u32> = cat
            .sequences
            .values()
            .filter(|q| {
                // The default reads `nextval('schema.name'::regclass)`.
                let quoted = crate::functions::quote_ident(&q.name).replace('\'', "''");
                q.owned_by == Some(table)
                    && default.starts_with("nextval(")
                    && (default.contains(&format!(".{quoted}'"))
                        || default.contains(&format!("'{quoted}'")))
            })
            .map(|q| q.oid)
            .collect();
        for o in owned {
            crate::ddl::remove_sequence(cat, txn, s, o)?;
        }
    }
    // Column comments follow their columns.
    let attnum = pos as i32 + 1;
    cat.descriptions
        .retain(|d| !(d.classoid == PG_CLASS_OID && d.objoid == table && d.objsubid == attnum));
    for d in cat.descriptions.iter_mut() {
        if d.classoid == PG_CLASS_OID && d.objoid == table && d.objsubid > attnum {
            d.objsubid -= 1;
        }
    }
    *rel = shrunk;
    Ok(Some(pos))
}

/// Whether a boolean expression over `rel`'s columns (a CHECK or policy
/// expression) still binds.
fn binds(cat: &Catalog, s: &Session, rel: &Relation, text: &str) -> bool {
    let Ok(e) = crate::parser::parse_expr(text) else {
        return false;
    };
    let mut b = Binder::new(cat, s.state.search_path(), vec![]);
    let scope = Scope::for_relation(rel, &rel.name);
    let mut cx = ExprCtx::new(&scope, "check constraints");
    b.bind_bool(&e, &mut cx, "CHECK").is_ok()
}
