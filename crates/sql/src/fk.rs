//! FOREIGN KEY constraints: definition checks and enforcement.
//!
//! Checks are immediate (per row), MATCH SIMPLE (a NULL in the referencing
//! columns skips the check). The referenced row is locked while checking, so
//! a concurrent DELETE of the parent waits for the inserting transaction.

use sqlparser::ast;

use rampart_catalog::{Catalog, FkAction, ForeignKey, Relation};
use rampart_types::{PgError, PgResult, SqlState, Value};

use crate::bind::{ident, split_name};
use crate::exec::table::{self, storage_err};
use crate::exec::{Exec, Row};
use crate::keys;
use crate::session::Session;

fn action(a: &Option<ast::ReferentialAction>) -> FkAction {
    match a {
        Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ast::ReferentialAction::SetDefault) => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Validates a FOREIGN KEY clause of `rel` (which may reference itself).
pub fn resolve_definition(
    cat: &Catalog,
    s: &Session,
    rel: &Relation,
    fk: &ast::ForeignKeyConstraint,
) -> PgResult<ForeignKey> {
    let (schema, ref_name) = split_name(&fk.foreign_table)?;
    let target: &Relation = if schema.is_none() && ref_name == rel.name {
        rel
    } else {
        cat.resolve_relation(schema.as_deref(), &ref_name, &s.state.search_path())
            .ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_TABLE,
                    format!("relation \"{ref_name}\" does not exist"),
                )
            })?
    };
    let columns: Vec<usize> = fk
        .columns
        .iter()
        .map(|c| {
            let n = ident(c);
            rel.column_index(&n).ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{n}\" referenced in foreign key constraint does not exist"),
                )
            })
        })
        .collect::<PgResult<_>>()?;
    let ref_columns: Vec<usize> = if fk.referred_columns.is_empty() {
        target
            .primary_key()
            .map(|pk| pk.columns.clone())
            .ok_or_else(|| {
                PgError::new(
                    SqlState("42830"),
                    format!(
                        "there is no primary key for referenced table \"{}\"",
                        target.name
                    ),
                )
            })?
    } else {
        fk.referred_columns
            .iter()
            .map(|c| {
                let n = ident(c);
                target.column_index(&n).ok_or_else(|| {
                    PgError::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{n}\" referenced in foreign key constraint does not exist"
                        ),
                    )
                })
            })
            .collect::<PgResult<_>>()?
    };
    if columns.len() != ref_columns.len() {
        return Err(PgError::new(
            SqlState::INVALID_TABLE_DEFINITION,
            "number of referencing and referenced columns for foreign key disagree",
        ));
    }
    // Referencing another table needs REFERENCES on it (or on every
    // referenced column), as PostgreSQL's checkFkeyPermissions.
    if target.oid != rel.oid {
        let referenced = ref_columns
            .iter()
            .map(|i| target.columns[*i].name.clone())
            .collect();
        s.authorize(
            (),
            &[rampart_security::Need {
                object: rampart_security::ObjectRef::Relation(target.oid),
                privilege: rampart_security::Privilege::References,
                columns: referenced,
                as_role: None,
                position: None,
            }],
            cat,
        )?;
    }
    if unique_index_for(target, &ref_columns).is_none() {
        return Err(PgError::new(
            SqlState("42830"),
            format!(
                "there is no unique constraint matching given keys for referenced table \"{}\"",
                target.name
            ),
        ));
    }
    for (c, r) in columns.iter().zip(&ref_columns) {
        let (ct, rt) = (&rel.columns[*c].ty, &target.columns[*r].ty);
        let compatible =
            ct == rt || (ct.is_numeric() && rt.is_numeric()) || (ct.is_string() && rt.is_string());
        if !compatible {
            return Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "foreign key constraint \"{}\" cannot be implemented",
                    fk_name(rel, fk)
                ),
            )
            .with_detail(format!(
                "Key columns \"{}\" and \"{}\" are of incompatible types: {} and {}.",
                rel.columns[*c].name,
                target.columns[*r].name,
                ct.display_name(),
                rt.display_name()
            )));
        }
    }
    Ok(ForeignKey {
        oid: 0,
        name: fk_name(rel, fk),
        columns,
        ref_table: target.oid,
        ref_columns,
        on_delete: action(&fk.on_delete),
        on_update: action(&fk.on_update),
    })
}

fn fk_name(rel: &Relation, fk: &ast::ForeignKeyConstraint) -> String {
    fk.name.as_ref().map(ident).unwrap_or_else(|| {
        format!(
            "{}_{}_fkey",
            rel.name,
            fk.columns.iter().map(ident).collect::<Vec<_>>().join("_")
        )
    })
}

/// A unique index of `rel` over exactly `cols` (in any order).
fn unique_index_for<'a>(rel: &'a Relation, cols: &[usize]) -> Option<&'a rampart_catalog::Index> {
    rel.indexes.iter().find(|i| {
        i.unique && i.columns.len() == cols.len() && cols.iter().all(|c| i.columns.contains(c))
    })
}

fn key_text(rel: &Relation, cols: &[usize], row: &[Value]) -> (String, String) {
    let names: Vec<&str> = cols.iter().map(|c| rel.columns[*c].name.as_str()).collect();
    let vals: Vec<String> = cols
        .iter()
        .map(|c| row[*c].to_pg_text().unwrap_or_else(|| "null".into()))
        .collect();
    (names.join(", "), vals.join(", "))
}

impl Exec<'_> {
    /// Runs a referential-integrity step on every change the transaction
    /// made so far, this statement's included (PostgreSQL's RI triggers read
    /// the latest snapshot): a statement with data-modifying WITH queries
    /// reads as of its start everywhere else (see `Exec::with_ctes`), and a
    /// cascade reading that view could bring back a row another part of the
    /// statement deleted. The step's own changes then join that view, so the
    /// other parts do not take a cascaded row for one they must leave alone
    /// (PostgreSQL runs the cascades after the statement).
    fn with_latest_own_writes<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> PgResult<T>,
    ) -> PgResult<T> {
        let step = self.txn.begin_write_through();
        let r = f(self);
        self.txn.end_write_through(step);
        r
    }

    /// Checks that every foreign key of `rel` finds its referenced row (INSERT, UPDATE).
    pub fn check_references(
        &mut self,
        rel: &Relation,
        row: &Row,
        old: Option<&Row>,
    ) -> PgResult<()> {
        self.with_latest_own_writes(|ex| ex.check_references_now(rel, row, old))
    }

    fn check_references_now(
        &mut self,
        rel: &Relation,
        row: &Row,
        old: Option<&Row>,
    ) -> PgResult<()> {
        for fk in &rel.foreign_keys {
            if fk.columns.iter().any(|c| row[*c].is_null()) {
                continue;
            }
            if let Some(old) = old {
                if fk
                    .columns
                    .iter()
                    .all(|c| row[*c].total_cmp(&old[*c]).is_eq())
                {
                    continue;
                }
            }
            let parent = self
                .catalog
                .relation_by_oid(fk.ref_table)
                .ok_or_else(|| PgError::internal("referenced table vanished"))?
                .clone();
            let idx = unique_index_for(&parent, &fk.ref_columns)
                .ok_or_else(|| PgError::internal("referenced key lost its index"))?;
            // Key values in the index's column order.
            let vals: Vec<Value> = idx
                .columns
                .iter()
                .map(|ic| {
                    let pos = fk.ref_columns.iter().position(|r| r == ic).unwrap_or(0);
                    row[fk.columns[pos]].clone()
                })
                .collect();
            let found = table::index_lookup(self.txn, parent.oid, idx.oid, &vals, true)?;
            let mut present = false;
            for (rowid, _) in found {
                self.txn
                    .lock_key(&keys::row_key(parent.oid, rowid))
                    .map_err(storage_err)?;
                if table::get_row_latest(self.txn, parent.oid, rowid)?.is_some() {
                    present = true;
                    break;
                }
            }
            if !present {
                let (cols, vals) = key_text(rel, &fk.columns, row);
                // The key's values only to a user who may read them (ri_ReportViolation).
                let detail = if self.key_shown(rel, &fk.columns) {
                    format!(
                        "Key ({cols})=({vals}) is not present in table \"{}\".",
                        parent.name
                    )
                } else {
                    format!("Key is not present in table \"{}\".", parent.name)
                };
                return Err(PgError::new(
                    SqlState::FOREIGN_KEY_VIOLATION,
                    format!(
                        "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                        rel.name, fk.name
                    ),
                )
                .with_detail(detail));
            }
        }
        Ok(())
    }

    /// Applies ON DELETE / ON UPDATE of every foreign key referencing `rel`
    /// for a parent row going from `old` to `new` (None = deleted).
    pub fn apply_referencing_actions(
        &mut self,
        rel: &Relation,
        old: &Row,
        new: Option<&Row>,
        depth: usize,
    ) -> PgResult<()> {
        self.with_latest_own_writes(|ex| ex.apply_referencing_actions_now(rel, old, new, depth))
    }

    fn apply_referencing_actions_now(
        &mut self,
        rel: &Relation,
        old: &Row,
        new: Option<&Row>,
        depth: usize,
    ) -> PgResult<()> {
        if depth > 64 {
            return Err(PgError::new(
                SqlState::STATEMENT_TOO_COMPLEX,
                "foreign key cascade is too deep",
            ));
        }
        let children: Vec<(Relation, ForeignKey)> = self
            .catalog
            .relations
            .values()
            .flat_map(|r| {
                r.foreign_keys
                    .iter()
                    .filter(|f| f.ref_table == rel.oid)
                    .map(move |f| (r.clone(), f.clone()))
            })
            .collect();
        for (child, fk) in children {
            if let Some(new) = new {
                if fk
                    .ref_columns
                    .iter()
                    .all(|c| new[*c].total_cmp(&old[*c]).is_eq())
                {
                    continue;
                }
            }
            if fk.ref_columns.iter().any(|c| old[*c].is_null()) {
                continue;
            }
            let referencing: Vec<(u64, Row)> = table::scan_all(self.txn, child.oid)?
                .into_iter()
                .filter(|(_, r)| {
                    fk.columns
                        .iter()
                        .zip(&fk.ref_columns)
                        .all(|(c, p)| !r[*c].is_null() && r[*c].total_cmp(&old[*p]).is_eq())
                })
                .collect();
            if referencing.is_empty() {
                continue;
            }
            let act = if new.is_some() {
                fk.on_update
            } else {
                fk.on_delete
            };
            match act {
                FkAction::NoAction | FkAction::Restrict => {
                    let (cols, vals) = key_text(rel, &fk.ref_columns, old);
                    let detail = if self.key_shown(rel, &fk.ref_columns) {
                        format!(
                            "Key ({cols})=({vals}) is still referenced from table \"{}\".",
                            child.name
                        )
                    } else {
                        format!("Key is still referenced from table \"{}\".", child.name)
                    };
                    return Err(PgError::new(
                        SqlState::FOREIGN_KEY_VIOLATION,
                        format!("update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"", rel.name, fk.name, child.name),
                    )
                    .with_detail(detail));
                }
                FkAction::Cascade => {
                    for (rowid, crow) in referencing {
                        self.txn
                            .lock_key(&keys::row_key(child.oid, rowid))
                            .map_err(storage_err)?;
                        match new {
                            None => {
                                self.apply_referencing_actions(&child, &crow, None, depth + 1)?;
                                table::remove(self.txn, &child, rowid, &crow)?;
                            }
                            Some(new) => {
                                let mut updated = crow.clone();
                                for (c, p) in fk.columns.iter().zip(&fk.ref_columns) {
                                    updated[*c] = new[*p].clone();
                                }
                                self.apply_referencing_actions(
                                    &child,
                                    &crow,
                                    Some(&updated),
                                    depth + 1,
                                )?;
                                table::replace(self.txn, &child, rowid, &crow, &updated)?;
                            }
                        }
                    }
                }
                FkAction::SetNull | FkAction::SetDefault => {
                    let defaults = if act == FkAction::SetDefault {
                        let mut b = crate::bind::Binder::new(self.catalog, vec![], vec![]);
                        b.bind_defaults(&child)?
                    } else {
                        vec![None; child.columns.len()]
                    };
                    for (rowid, crow) in referencing {
                        self.txn
                            .lock_key(&keys::row_key(child.oid, rowid))
                            .map_err(storage_err)?;
                        let mut updated = crow.clone();
                        for c in &fk.columns {
                            updated[*c] = match &defaults[*c] {
                                Some(e) => self.eval(e, &[])?,
                                None => Value::Null,
                            };
                        }
                        table::check_not_null(&child, &updated)?;
                        self.check_references(&child, &updated, Some(&crow))?;
                        table::replace(self.txn, &child, rowid, &crow, &updated)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Foreign keys of other tables that reference `rel` (for DROP and
/// TRUNCATE): (constraint, table), leaving out the tables in `besides` (the
/// statement's other targets, which go with it).
pub fn referencing(cat: &Catalog, rel: u32, besides: &[u32]) -> Vec<(String, String)> {
    cat.relations
        .values()
        .filter(|r| r.oid != rel && !besides.contains(&r.oid))
        .flat_map(|r| {
            r.foreign_keys
                .iter()
                .filter(|f| f.ref_table == rel)
                .map(move |f| (f.name.clone(), r.name.clone()))
        })
        .collect()
}

/// Checks that every existing row of `rel` finds its referenced row under
/// the new foreign key `fk` (ALTER TABLE … ADD FOREIGN KEY), failing with
/// PostgreSQL's 23503 for the first that does not.
pub(crate) fn validate_existing(
    cat: &Catalog,
    txn: &mut rampart_storage::Transaction,
    s: &mut Session,
    rel: &Relation,
    fk: &ForeignKey,
) -> PgResult<()> {
    let mut probe = rel.clone();
    probe.foreign_keys = vec![fk.clone()];
    let rows = table::scan_all(txn, rel.oid)?;
    let engine = s.engine().clone();
    let mut ex = Exec::new(txn, cat, &mut s.state, &engine, &[]);
    for (_, row) in rows {
        ex.check_references(&probe, &row, None)?;
    }
    Ok(())
}
