//! Table inheritance (`CREATE TABLE … INHERITS`, `ALTER TABLE … [NO]
//! INHERIT`): which columns and CHECK constraints a child takes from its
//! parents, and the checks PostgreSQL makes when a table joins or leaves a
//! hierarchy. Reading and changing rows through a parent is in the binder
//! ([`crate::plan::InheritedTable`]) and the executor.

use rampart_catalog::{Catalog, Check, Column, Relation, RelationKind};
use rampart_types::{PgError, PgResult, SqlState};
use sqlparser::ast::ObjectName;

use crate::bind::Binder;
use crate::session::Session;

/// What a new table takes from the parents it names in INHERITS.
pub(crate) struct Inherited {
    /// Parent OIDs in the order written.
    pub parents: Vec<u32>,
    /// Merged parent columns, in order (`inherited` counts the parents).
    pub columns: Vec<Column>,
    /// Parent CHECK constraints (OIDs to be allocated by the caller).
    pub checks: Vec<Check>,
}

/// Resolves the INHERITS list and merges the parents' columns as
/// PostgreSQL's MergeAttributes: same-named columns from several parents
/// become one (NOTICE), and must agree on type.
pub(crate) fn from_parents(
    cat: &Catalog,
    s: &mut Session,
    names: &[ObjectName],
    partition_of: bool,
) -> PgResult<Inherited> {
    let mut out = Inherited {
        parents: vec![],
        columns: vec![],
        checks: vec![],
    };
    for name in names {
        let parent = Binder::new(cat, s.state.search_path(), vec![])
            .resolve_relation(name)?
            .clone();
        if !matches!(parent.kind, RelationKind::Table) {
            return Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!(
                    "inherited relation \"{}\" is not a table or foreign table",
                    parent.name
                ),
            ));
        }
        if !partition_of && parent.partition_key.is_some() {
            return Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("cannot inherit from partitioned table \"{}\"", parent.name),
            ));
        }
        if !partition_of && parent.partition_bound.is_some() {
            return Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("cannot inherit from partition \"{}\"", parent.name),
            ));
        }
        if out.parents.contains(&parent.oid) {
            return Err(PgError::new(
                SqlState::DUPLICATE_TABLE,
                format!(
                    "relation \"{}\" would be inherited from more than once",
                    parent.name
                ),
            ));
        }
        crate::ddl::check_owner(cat, s, parent.owner, "table", &parent.name)?;
        out.parents.push(parent.oid);
        for col in &parent.columns {
            match out.columns.iter_mut().find(|c| c.name == col.name) {
                Some(existing) => {
                    s.state.notice(format!(
                        "merging multiple inherited definitions of column \"{}\"",
                        col.name
                    ));
                    if existing.ty != col.ty {
                        return Err(type_conflict(
                            &format!("inherited column \"{}\" has a type conflict", col.name),
                            existing,
                            col,
                        ));
                    }
                    existing.not_null |= col.not_null;
                    existing.inherited += 1;
                }
                None => out.columns.push(inherited_column(col)),
            }
        }
        for check in &parent.checks {
            if !out.checks.iter().any(|c| c.name == check.name) {
                out.checks.push(check.clone());
            }
        }
    }
    Ok(out)
}

/// A parent's column as the child first sees it.
fn inherited_column(col: &Column) -> Column {
    Column {
        name: col.name.clone(),
        ty: col.ty.clone(),
        not_null: col.not_null,
        default: col.default.clone(),
        acl: None,
        collation: col.collation.clone(),
        inherited: 1,
        local: false,
        default_oid: 0,
        domain: col.domain,
    }
}

/// Merges a column the new table declares itself into the inherited one of
/// the same name (`own_position` is its place among the declared columns).
pub(crate) fn merge_local_column(
    s: &mut Session,
    existing: &mut Column,
    own: Column,
    inherited_position: usize,
    own_position: usize,
) -> PgResult<()> {
    if inherited_position == own_position {
        s.state.notice(format!(
            "merging column \"{}\" with inherited definition",
            own.name
        ));
    } else {
        let mut n = PgError::new(
            SqlState::SUCCESSFUL_COMPLETION,
            format!(
                "moving and merging column \"{}\" with inherited definition",
                own.name
            ),
        )
        .with_detail("User-specified column moved to the position of the inherited column.");
        n.severity = "NOTICE";
        s.state.notices.push(n);
    }
    if existing.ty != own.ty {
        return Err(type_conflict(
            &format!("column \"{}\" has a type conflict", own.name),
            existing,
            &own,
        ));
    }
    existing.not_null |= own.not_null;
    if own.default.is_some() {
        existing.default = own.default;
    }
    if own.collation.is_some() {
        existing.collation = own.collation;
    }
    existing.local = true;
    Ok(())
}

fn type_conflict(message: &str, first: &Column, second: &Column) -> PgError {
    PgError::new(SqlState::DATATYPE_MISMATCH, message.to_string()).with_detail(format!(
        "{} versus {}",
        first.ty.display_name(),
        second.ty.display_name()
    ))
}

/// `ALTER TABLE child INHERIT parent`: the child must already have every
/// parent column (same type, NOT NULL where the parent has it) and every
/// parent CHECK constraint; the columns and constraints then count the
/// parent. PostgreSQL's MergeAttributesIntoExisting and its errors.
pub(crate) fn attach(cat: &Catalog, child: &mut Relation, parent: &Relation) -> PgResult<()> {
    if !matches!(parent.kind, RelationKind::Table) {
        return Err(PgError::new(
            SqlState::WRONG_OBJECT_TYPE,
            format!("\"{}\" is not a table", parent.name),
        ));
    }
    if child.oid == parent.oid || cat.inheritors(child.oid).contains(&parent.oid) {
        return Err(PgError::new(
            SqlState::DUPLICATE_TABLE,
            "circular inheritance not allowed",
        )
        .with_detail(format!(
            "\"{}\" is already a child of \"{}\".",
            parent.name, child.name
        )));
    }
    if child.inherits.contains(&parent.oid) {
        return Err(PgError::new(
            SqlState::DUPLICATE_TABLE,
            format!(
                "relation \"{}\" would be inherited from more than once",
                parent.name
            ),
        ));
    }
    for pcol in &parent.columns {
        let Some(ccol) = child.columns.iter_mut().find(|c| c.name == pcol.name) else {
            return Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!("child table is missing column \"{}\"", pcol.name),
            ));
        };
        if ccol.ty != pcol.ty {
            return Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "child table \"{}\" has different type for column \"{}\"",
                    child.name, pcol.name
                ),
            ));
        }
        if pcol.not_null && !ccol.not_null {
            return Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "column \"{}\" in child table must be marked NOT NULL",
                    pcol.name
                ),
            ));
        }
    }
    for check in &parent.checks {
        match child.checks.iter().find(|c| c.name == check.name) {
            None => {
                return Err(PgError::new(
                    SqlState::DATATYPE_MISMATCH,
                    format!("child table is missing constraint \"{}\"", check.name),
                ))
            }
            Some(c) if c.expr != check.expr => {
                return Err(PgError::new(
                    SqlState::DATATYPE_MISMATCH,
                    format!(
                        "child table \"{}\" has different definition for check constraint \"{}\"",
                        child.name, check.name
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    for pcol in &parent.columns {
        if let Some(ccol) = child.columns.iter_mut().find(|c| c.name == pcol.name) {
            ccol.inherited += 1;
        }
    }
    child.inherits.push(parent.oid);
    Ok(())
}

/// `ALTER TABLE child NO INHERIT parent`: the columns no longer count the
/// parent and stay as the child's own.
pub(crate) fn detach(child: &mut Relation, parent: &Relation) -> PgResult<()> {
    let Some(pos) = child.inherits.iter().position(|p| *p == parent.oid) else {
        return Err(PgError::new(
            SqlState::UNDEFINED_TABLE,
            format!(
                "relation \"{}\" is not a parent of relation \"{}\"",
                parent.name, child.name
            ),
        ));
    };
    child.inherits.remove(pos);
    for pcol in &parent.columns {
        if let Some(ccol) = child.columns.iter_mut().find(|c| c.name == pcol.name) {
            ccol.inherited = ccol.inherited.saturating_sub(1);
            if ccol.inherited == 0 {
                ccol.local = true;
            }
        }
    }
    Ok(())
}

/// For each column of `parent`, its position in `child` (matched by name:
/// a child's columns may come in another order, `ALTER TABLE … INHERIT`).
pub(crate) fn column_map(parent: &Relation, child: &Relation) -> PgResult<Vec<usize>> {
    parent
        .columns
        .iter()
        .map(|pc| {
            child
                .columns
                .iter()
                .position(|c| c.name == pc.name)
                .ok_or_else(|| {
                    PgError::internal(format!(
                        "inherited column \"{}\" missing from \"{}\"",
                        pc.name, child.name
                    ))
                })
        })
        .collect()
}

/// Runs `ALTER TABLE child [NO] INHERIT parent`: the owner of the child
/// (and, for INHERIT, of the parent) may.
pub(crate) fn run(
    s: &mut Session,
    stmt: &crate::front::InheritStmt,
) -> PgResult<crate::session::QueryResult> {
    crate::ddl::with_catalog_mut(s, |cat, _txn, s| {
        let child = match crate::ddl::relation_named(cat, s, &stmt.child) {
            Ok(c) => c,
            Err(_) if stmt.if_exists => {
                s.state.notice(format!(
                    "relation \"{}\" does not exist, skipping",
                    stmt.child.join(".")
                ));
                return crate::ddl::cmd("ALTER TABLE");
            }
            Err(e) => return Err(e),
        };
        if !matches!(child.kind, RelationKind::Table) {
            return Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("\"{}\" is not a table", child.name),
            ));
        }
        crate::ddl::check_owner(cat, s, child.owner, "table", &child.name)?;
        let parent = crate::ddl::relation_named(cat, s, &stmt.parent)?;
        let mut changed = child.clone();
        if stmt.remove {
            detach(&mut changed, &parent)?;
        } else {
            crate::ddl::check_owner(cat, s, parent.owner, "table", &parent.name)?;
            attach(cat, &mut changed, &parent)?;
        }
        cat.relations.insert(changed.oid, changed);
        crate::ddl::cmd("ALTER TABLE")
    })
}

/// Before `rel` is dropped: the tables inheriting from it (not themselves
/// named in the same DROP) make the drop fail with PostgreSQL's 2BP01, or
/// under CASCADE go with it, their rows too ("drop cascades to table c").
pub(crate) fn drop_inheritors(
    cat: &mut Catalog,
    txn: &mut rampart_storage::Transaction,
    s: &Session,
    rel: &Relation,
    dropping: &[u32],
    cascade: bool,
    cascaded: &mut Vec<(u32, String)>,
) -> PgResult<()> {
    let doomed: Vec<Relation> = cat
        .inheritors(rel.oid)
        .into_iter()
        .filter(|c| !dropping.contains(c))
        .filter_map(|c| cat.relation_by_oid(c).cloned())
        .collect();
    if doomed.is_empty() {
        return Ok(());
    }
    // A partitioned table's partitions go with it, CASCADE or not (their
    // dependency is automatic in PostgreSQL).
    let partitions_only = rel.partition_key.is_some();
    if !cascade && !partitions_only {
        let name_of = |oid: u32| {
            cat.relation_by_oid(oid)
                .map(|r| r.name.clone())
                .unwrap_or_default()
        };
        let detail: Vec<String> = doomed
            .iter()
            .map(|c| {
                let parent = c
                    .inherits
                    .iter()
                    .find(|p| **p == rel.oid || doomed.iter().any(|d| d.oid == **p))
                    .copied()
                    .unwrap_or(rel.oid);
                format!("table {} depends on table {}", c.name, name_of(parent))
            })
            .collect();
        return Err(crate::ddl::dependents_block_drop(
            &format!("table {}", rel.name),
            &detail,
        ));
    }
    for child in doomed {
        crate::exec::table::clear(txn, &child)?;
        cat.relations.remove(&child.oid);
        let owned: Vec<u32> = cat
            .sequences
            .values()
            .filter(|q| q.owned_by == Some(child.oid))
            .map(|q| q.oid)
            .collect();
        for o in owned {
            crate::ddl::remove_sequence(cat, txn, s, o)?;
        }
        if !partitions_only {
            cascaded.push((child.oid, format!("drop cascades to table {}", child.name)));
        }
    }
    Ok(())
}

/// PostgreSQL's 42P16 for changing a column a parent gives this table.
pub(crate) fn refuse_inherited_column(rel: &Relation, name: &str, verb: &str) -> PgResult<()> {
    match rel.columns.iter().find(|c| c.name == name) {
        Some(c) if c.inherited > 0 => Err(PgError::new(
            SqlState::INVALID_TABLE_DEFINITION,
            format!("cannot {verb} inherited column \"{name}\""),
        )),
        _ => Ok(()),
    }
}

/// After a parent's column `old` is renamed to `new`: the same in every
/// table inheriting from it (columns are matched by name).
pub(crate) fn rename_in_inheritors(cat: &mut Catalog, parent: u32, old: &str, new: &str) {
    for oid in cat.inheritors(parent) {
        if let Some(child) = cat.relations.get_mut(&oid) {
            if let Some(c) = child.columns.iter_mut().find(|c| c.name == old) {
                c.name = new.to_string();
            }
        }
    }
}

/// After `column` is added to a parent: each child gets it too (existing
/// rows take `fill`) and passes it on to its own children; a child that
/// already has a column of that name and type counts the parent for it
/// (NOTICE, as PostgreSQL) and its children are left as they are.
pub(crate) fn add_to_inheritors(
    cat: &mut Catalog,
    txn: &mut rampart_storage::Transaction,
    s: &mut Session,
    parent: u32,
    column: &Column,
    fill: &rampart_types::Value,
) -> PgResult<()> {
    for oid in cat.relations.children_of(parent) {
        let Some(mut child) = cat.relation_by_oid(oid).cloned() else {
            continue;
        };
        let merged = match child.columns.iter_mut().find(|c| c.name == column.name) {
            Some(existing) => {
                if existing.ty != column.ty {
                    return Err(PgError::new(
                        SqlState::DATATYPE_MISMATCH,
                        format!(
                            "child table \"{}\" has different type for column \"{}\"",
                            child.name, column.name
                        ),
                    ));
                }
                s.state.notice(format!(
                    "merging definition of column \"{}\" for child \"{}\"",
                    column.name, child.name
                ));
                existing.inherited += 1;
                true
            }
            None => {
                let mut c = inherited_column(column);
                c.default = column.default.clone();
                child.columns.push(c);
                crate::exec::table::rewrite_all(txn, oid, |row| row.push(fill.clone()))?;
                false
            }
        };
        cat.relations.insert(oid, child);
        if !merged {
            add_to_inheritors(cat, txn, s, oid, column, fill)?;
        }
    }
    Ok(())
}

/// After a parent's column `name` is dropped: a child that has it only
/// from this parent drops it too (and so on down), one that also defines
/// it itself or has it from another parent keeps it.
pub(crate) fn drop_from_children(
    cat: &mut Catalog,
    txn: &mut rampart_storage::Transaction,
    s: &mut Session,
    parent: u32,
    name: &str,
    cascade: bool,
) -> PgResult<()> {
    for oid in cat.relations.children_of(parent) {
        let Some(mut child) = cat.relation_by_oid(oid).cloned() else {
            continue;
        };
        let Some(col) = child.columns.iter_mut().find(|c| c.name == name) else {
            continue;
        };
        if col.inherited > 1 || col.local {
            col.inherited = col.inherited.saturating_sub(1);
            col.local = true;
            cat.relations.insert(oid, child);
            continue;
        }
        col.inherited = 0;
        let dropped =
            crate::drop_column::drop_column(cat, txn, s, &mut child, name, false, cascade)?;
        cat.relations.insert(oid, child);
        if let Some(pos) = dropped {
            crate::exec::table::rewrite_all(txn, oid, |row| {
                if pos < row.len() {
                    row.remove(pos);
                }
            })?;
        }
        drop_from_children(cat, txn, s, oid, name, cascade)?;
    }
    Ok(())
}
