//! ALTER TABLE … DROP CONSTRAINT [IF EXISTS] name [CASCADE | RESTRICT]:
//! foreign keys, CHECK constraints, and PRIMARY KEY / UNIQUE constraints
//! with their index (refused while a foreign key of another table relies
//! on that index, unless CASCADE, which drops those foreign keys too).
//!
//! Partial: a CHECK constraint is dropped from the table only, not from the
//! tables inheriting it.

use rampart_catalog::{Catalog, Relation};
use rampart_storage::Transaction;
use rampart_types::{PgError, PgResult, SqlState};

use crate::exec::table;
use crate::keys;
use crate::session::Session;

/// Drops the constraint `name` of `rel` (the table being altered, written
/// back by the caller); foreign keys of other tables that CASCADE removes
/// are changed in `cat` directly.
pub(crate) fn drop(
    cat: &mut Catalog,
    txn: &mut Transaction,
    s: &mut Session,
    rel: &mut Relation,
    name: &str,
    if_exists: bool,
    cascade: bool,
) -> PgResult<()> {
    if matches!(rel.kind, rampart_catalog::RelationKind::View { .. }) {
        return Err(PgError::new(
            SqlState::WRONG_OBJECT_TYPE,
            format!(
                "ALTER action DROP CONSTRAINT cannot be performed on relation \"{}\"",
                rel.name
            ),
        )
        .with_detail("This operation is not supported for views."));
    }
    if let Some(pos) = rel.foreign_keys.iter().position(|f| f.name == name) {
        rel.foreign_keys.remove(pos);
        return Ok(());
    }
    if let Some(pos) = rel.checks.iter().position(|c| c.name == name) {
        rel.checks.remove(pos);
        return Ok(());
    }
    let index = rel
        .indexes
        .iter()
        .position(|i| i.name == name && (i.primary || i.constraint_oid.is_some()));
    let Some(pos) = index else {
        if if_exists {
            s.state.notice(format!(
                "constraint \"{name}\" of relation \"{}\" does not exist, skipping",
                rel.name
            ));
            return Ok(());
        }
        return Err(PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!(
                "constraint \"{name}\" of relation \"{}\" does not exist",
                rel.name
            ),
        ));
    };
    let idx = rel.indexes[pos].clone();
    // Foreign keys (of any table, this one included) whose referenced key
    // is this index.
    let relies = |fk: &rampart_catalog::ForeignKey| {
        fk.ref_table == rel.oid
            && fk.ref_columns.len() == idx.columns.len()
            && fk.ref_columns.iter().all(|c| idx.columns.contains(c))
    };
    let mut dependents: Vec<(u32, String, String)> = cat
        .relations
        .values()
        .filter(|r| r.oid != rel.oid)
        .flat_map(|r| {
            r.foreign_keys
                .iter()
                .filter(|f| relies(f))
                .map(|f| (r.oid, r.name.clone(), f.name.clone()))
        })
        .collect();
    dependents.extend(
        rel.foreign_keys
            .iter()
            .filter(|f| relies(f))
            .map(|f| (rel.oid, rel.name.clone(), f.name.clone())),
    );
    if !dependents.is_empty() {
        let lines: Vec<String> = dependents
            .iter()
            .map(|(_, table, fk)| {
                format!(
                    "constraint {fk} on table {table} depends on index {}",
                    idx.name
                )
            })
            .collect();
        if !cascade {
            return Err(PgError::new(
                SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                format!(
                    "cannot drop constraint {} on table {} because other objects depend on it",
                    idx.name, rel.name
                ),
            )
            .with_detail(lines.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        for (oid, table, fk) in &dependents {
            s.state
                .notice(format!("drop cascades to constraint {fk} on table {table}"));
            if *oid == rel.oid {
                rel.foreign_keys.retain(|f| f.name != *fk);
            } else if let Some(r) = cat.relations.get_mut(oid) {
                r.foreign_keys.retain(|f| f.name != *fk);
            }
        }
    }
    table::delete_prefix(txn, &keys::index_prefix(idx.oid))?;
    rel.indexes.remove(pos);
    Ok(())
}
