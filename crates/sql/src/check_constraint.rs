//! `ALTER TABLE … ADD [CONSTRAINT name] CHECK (…)`: the constraint is
//! validated against every existing row (of the table and of the tables
//! inheriting from it, which get it too unless ONLY), as PostgreSQL.

use rampart_catalog::{Catalog, Check, Relation};
use rampart_storage::Transaction;
use rampart_types::{PgError, PgResult, SqlState, Value};
use sqlparser::ast;

use crate::bind::{ident, Binder};
use crate::exec::table;
use crate::session::Session;

/// Adds the CHECK constraint `c` to `rel` (a copy the caller stores) and,
/// when `recurse`, to every table inheriting from it (stored here).
pub(crate) fn add(
    cat: &mut Catalog,
    txn: &mut Transaction,
    s: &mut Session,
    rel: &mut Relation,
    c: &ast::CheckConstraint,
    recurse: bool,
) -> PgResult<()> {
    let name = match &c.name {
        Some(n) => {
            let n = ident(n);
            if rel.checks.iter().any(|x| x.name == n) {
                return Err(PgError::new(
                    SqlState::DUPLICATE_OBJECT,
                    format!(
                        "constraint \"{n}\" for relation \"{}\" already exists",
                        rel.name
                    ),
                ));
            }
            n
        }
        None => free_name(rel, &crate::ddl::check_name(&rel.name, &c.expr)),
    };
    let check = Check {
        oid: cat.alloc_oid(),
        name,
        expr: c.expr.to_string(),
    };
    validate(cat, txn, s, rel, &check)?;
    rel.checks.push(check.clone());
    if !recurse {
        return Ok(());
    }
    for oid in cat.inheritors(rel.oid) {
        let Some(mut child) = cat.relation_by_oid(oid).cloned() else {
            continue;
        };
        if child.checks.iter().any(|x| x.name == check.name) {
            continue;
        }
        let copy = Check {
            oid: cat.alloc_oid(),
            ..check.clone()
        };
        validate(cat, txn, s, &child, &copy)?;
        child.checks.push(copy);
        cat.relations.insert(oid, child);
    }
    Ok(())
}

/// `base`, or `base1`, `base2`, … whichever no constraint of `rel` has.
fn free_name(rel: &Relation, base: &str) -> String {
    let taken = |n: &str| rel.checks.iter().any(|c| c.name == n);
    if !taken(base) {
        return base.to_string();
    }
    (1..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !taken(n))
        .unwrap_or_default()
}

/// Fails with 23514 when a row of `rel` makes the constraint false.
fn validate(
    cat: &Catalog,
    txn: &mut Transaction,
    s: &mut Session,
    rel: &Relation,
    check: &Check,
) -> PgResult<()> {
    let mut probe = rel.clone();
    probe.checks = vec![check.clone()];
    let mut binder = Binder::new(cat, s.state.search_path(), vec![]);
    let bound = binder.bind_checks(&probe)?;
    let Some((_, predicate)) = bound.into_iter().next() else {
        return Ok(());
    };
    let rows = table::scan_all(txn, rel.oid)?;
    let engine = s.engine().clone();
    let mut ex = crate::exec::Exec::new(txn, cat, &mut s.state, &engine, &[]);
    for (_, row) in rows {
        if ex.eval(&predicate, &row)? == Value::Bool(false) {
            return Err(PgError::new(
                SqlState::CHECK_VIOLATION,
                format!(
                    "check constraint \"{}\" of relation \"{}\" is violated by some row",
                    check.name, rel.name
                ),
            ));
        }
    }
    Ok(())
}
