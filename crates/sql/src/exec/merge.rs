//! Running MERGE: the source rows joined to the target rows the SELECT
//! policies let the statement see, each pair (or lone source row) running
//! the first WHEN clause whose condition holds.
//!
//! The join hashes the target's visible rows on the `target.col =
//! source.col` equalities of the ON condition (a nested loop without any);
//! the whole condition is then checked on each candidate. A source row with
//! no match runs WHEN NOT MATCHED once; rows inserted by the statement are
//! not matched by later source rows (as in PostgreSQL).
//!
//! Partial: the target is read whole (no index lookup for a few source rows).

use std::collections::{HashMap, HashSet};

use rampart_types::{PgError, PgResult, SqlState, Value};

use super::dml::DmlResult;
use super::table;
use super::{Exec, Row};
use crate::plan::{Access, MergeActionPlan, MergeClausePlan, MergePlan};

impl Exec<'_> {
    /// Runs a MERGE; the count is the rows inserted, updated and deleted.
    pub fn merge(&mut self, p: &MergePlan) -> PgResult<DmlResult> {
        self.with_ctes(&p.with, |ex| ex.merge_rows(p))
    }

    fn merge_rows(&mut self, p: &MergePlan) -> PgResult<DmlResult> {
        let mut result = DmlResult {
            count: 0,
            returning: Vec::new(),
        };
        let source = self.run(&p.source)?;
        let targets = self.scan(p.table, &Access::Full, None, p.security.as_ref())?;
        let saved = self.target_table.replace(p.table);
        let r = self.merge_source_rows(p, source, &targets, &mut result);
        self.target_table = saved;
        r.map(|_| result)
    }

    fn merge_source_rows(
        &mut self,
        p: &MergePlan,
        source: Vec<Row>,
        targets: &[(u64, Row)],
        result: &mut DmlResult,
    ) -> PgResult<()> {
        let (matched, not_matched): (Vec<&MergeClausePlan>, Vec<&MergeClausePlan>) =
            p.clauses.iter().partition(|c| c.matched);
        let mut touched: HashSet<u64> = HashSet::new();
        let width = targets.first().map_or(0, |(_, r)| r.len());
        let hashed = hash_targets(&p.on, width, targets);
        let everything: Vec<usize> = (0..targets.len()).collect();
        for src in source {
            self.check_cancel()?;
            let candidates: &[usize] = match &hashed {
                Some((cols, table)) => {
                    match super::join_key(&src, cols).and_then(|k| table.get(&k)) {
                        Some(c) => c,
                        None => &[],
                    }
                }
                None => &everything,
            };
            let mut hits = Vec::new();
            for &i in candidates {
                let (rowid, row) = &targets[i];
                let mut joined = row.clone();
                joined.extend(src.iter().cloned());
                if self.eval_bool(&p.on, &joined)? {
                    hits.push((*rowid, joined));
                }
            }
            if hits.is_empty() {
                if let Some(clause) = self.first_clause(&not_matched, &src)? {
                    self.merge_insert(p, clause, &src, result)?;
                }
                continue;
            }
            for (rowid, joined) in hits {
                if !touched.insert(rowid) {
                    return Err(PgError::new(
                        SqlState::CARDINALITY_VIOLATION,
                        "MERGE command cannot affect row a second time",
                    )
                    .with_hint(
                        "Ensure that not more than one source row matches any one target row.",
                    ));
                }
                let Some(clause) = self.first_clause(&matched, &joined)? else {
                    continue;
                };
                self.merge_matched(p, clause, rowid, joined, src.len(), result)?;
            }
        }
        Ok(())
    }

    /// The first clause whose condition holds on `row`.
    fn first_clause<'p>(
        &mut self,
        clauses: &[&'p MergeClausePlan],
        row: &[Value],
    ) -> PgResult<Option<&'p MergeClausePlan>> {
        for c in clauses {
            match &c.condition {
                Some(cond) if !self.eval_bool(cond, row)? => {}
                _ => return Ok(Some(c)),
            }
        }
        Ok(None)
    }

    /// WHEN MATCHED: UPDATE or DELETE the target row (its policies' USING
    /// must pass: an error, not a skipped row, as PostgreSQL), or nothing.
    fn merge_matched(
        &mut self,
        p: &MergePlan,
        clause: &MergeClausePlan,
        rowid: u64,
        joined: Row,
        source_width: usize,
        result: &mut DmlResult,
    ) -> PgResult<()> {
        let rel = self.relation(p.table)?;
        let width = joined.len() - source_width;
        let row: Row = joined[..width].to_vec();
        match &clause.action {
            MergeActionPlan::Nothing | MergeActionPlan::Insert { .. } => Ok(()),
            MergeActionPlan::Delete { target_check } => {
                let Some(old) = self.lock_and_recheck(rel, rowid, row, None, None)? else {
                    return Ok(());
                };
                self.rls_check_row(target_check.as_ref(), &old)?;
                self.apply_referencing_actions(rel, &old, None, 0)?;
                table::remove(self.txn, rel, rowid, &old)?;
                result.count += 1;
                Ok(())
            }
            MergeActionPlan::Update {
                assignments,
                target_check,
                check,
                select_check,
            } => {
                let Some(old) = self.lock_and_recheck(rel, rowid, row, None, None)? else {
                    return Ok(());
                };
                self.rls_check_row(target_check.as_ref(), &old)?;
                let mut input = old.clone();
                input.extend(joined[width..].iter().cloned());
                let mut new = old.clone();
                for (pos, e) in assignments {
                    new[*pos] = self.eval(e, &input)?;
                }
                let assigned: Vec<usize> = assignments.iter().map(|(c, _)| *c).collect();
                self.check_row(rel, &mut new, &p.checks, &assigned)?;
                self.rls_check_row(check.as_ref(), &new)?;
                self.rls_check_row(select_check.as_ref(), &new)?;
                if let Some((_, idx)) = table::find_conflict(self.txn, rel, &new, Some(rowid))? {
                    return Err(self.unique_violation(rel, idx, &new));
                }
                self.check_references(rel, &new, Some(&old))?;
                self.apply_referencing_actions(rel, &old, Some(&new), 0)?;
                table::replace(self.txn, rel, rowid, &old, &new)?;
                result.count += 1;
                Ok(())
            }
        }
    }

    /// WHEN NOT MATCHED THEN INSERT: a new row from the source row.
    fn merge_insert(
        &mut self,
        p: &MergePlan,
        clause: &MergeClausePlan,
        src: &[Value],
        result: &mut DmlResult,
    ) -> PgResult<()> {
        let MergeActionPlan::Insert {
            targets,
            values,
            defaults,
            check,
        } = &clause.action
        else {
            return Ok(());
        };
        let rel = self.relation(p.table)?;
        let mut given = Vec::with_capacity(values.len());
        for e in values {
            given.push(self.eval(e, src)?);
        }
        let mut row = self.new_row(rel, targets, given, defaults)?;
        self.check_row(rel, &mut row, &p.checks, targets)?;
        self.rls_check_row(check.as_ref(), &row)?;
        if let Some((_, idx)) = table::find_conflict(self.txn, rel, &row, None)? {
            return Err(self.unique_violation(rel, idx, &row));
        }
        self.check_references(rel, &row, None)?;
        let rowid = self.engine.next_rowid()?;
        table::write_new(self.txn, rel, rowid, &row)?;
        result.count += 1;
        Ok(())
    }
}

/// The source columns to probe with and the target rows by key, when the
/// ON condition has `target.col = source.col` equalities whose target
/// values can all be hashed (see [`super::join_key`]).
#[allow(clippy::type_complexity)]
fn hash_targets(
    on: &crate::expr::Expr,
    width: usize,
    targets: &[(u64, Row)],
) -> Option<(Vec<usize>, HashMap<Vec<u8>, Vec<usize>>)> {
    let keys = super::equi_keys(on, width);
    if keys.is_empty() {
        return None;
    }
    let target_cols: Vec<usize> = keys.iter().map(|(t, _)| *t).collect();
    let mut table: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
    for (i, (_, row)) in targets.iter().enumerate() {
        if super::unhashable(row, &target_cols) {
            return None;
        }
        if let Some(k) = super::join_key(row, &target_cols) {
            table.entry(k).or_default().push(i);
        }
    }
    Some((keys.iter().map(|(_, s)| *s).collect(), table))
}
