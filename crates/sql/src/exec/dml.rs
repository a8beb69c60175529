//! INSERT, UPDATE and DELETE execution.

use rampart_catalog::Relation;
use rampart_security::Privilege;
use rampart_storage::IsolationLevel;
use rampart_types::{PgError, PgResult, SqlState, Value};

use super::table::{self, storage_err};
use super::{Exec, Row};
use crate::keys;
use crate::plan::{Access, DeletePlan, InheritedTable, InsertPlan, OnConflictPlan, UpdatePlan};

/// What an UPDATE/DELETE reads for one table it changes: the target or
/// (`member`) a table inheriting from it.
#[derive(Clone, Copy)]
struct DmlTarget<'a> {
    table: u32,
    access: &'a crate::plan::Access,
    /// WHERE (with FROM/USING: the conjuncts needing both rows).
    filter: Option<&'a crate::expr::Expr>,
    /// With FROM/USING: the WHERE conjuncts over the target alone.
    target_filter: Option<&'a crate::expr::Expr>,
    security: Option<&'a crate::expr::Expr>,
    member: Option<&'a InheritedTable>,
}

/// Rows affected and RETURNING rows.
pub struct DmlResult {
    /// Rows inserted/updated/deleted.
    pub count: u64,
    /// RETURNING output.
    pub returning: Vec<Row>,
}

impl<'a> Exec<'a> {
    /// The relation `oid` of the statement's catalog (borrowed from the
    /// catalog, not from the executor, so no copy is needed to keep it
    /// across `&mut self` calls).
    pub(super) fn relation(&self, oid: u32) -> PgResult<&'a Relation> {
        self.catalog
            .relation_by_oid(oid)
            .ok_or_else(|| PgError::internal("relation vanished"))
    }

    pub(super) fn check_row(
        &mut self,
        rel: &Relation,
        row: &mut Row,
        checks: &[(String, crate::expr::Expr)],
        modified: &[usize],
    ) -> PgResult<()> {
        for (v, c) in row.iter_mut().zip(&rel.columns) {
            *v = std::mem::replace(v, Value::Null).fit_to(&c.ty)?;
        }
        // A partitioned table stores nothing: NOT NULL is checked in the
        // partition that takes the row (and named after it), as PostgreSQL.
        if rel.partition_key.is_none() {
            if let Err(mut e) = table::check_not_null(rel, row) {
                e.detail = self.row_detail(rel, row, modified);
                return Err(e);
            }
        }
        if rel.partition_bound.is_some() && !crate::partition::fits(self.catalog, rel, row)? {
            let mut e = PgError::new(
                SqlState::CHECK_VIOLATION,
                format!(
                    "new row for relation \"{}\" violates partition constraint",
                    rel.name
                ),
            );
            e.detail = self.row_detail(rel, row, modified);
            return Err(e);
        }
        for (name, pred) in checks {
            if self.eval(pred, row)? == Value::Bool(false) {
                let mut e = PgError::new(
                    SqlState::CHECK_VIOLATION,
                    format!(
                        "new row for relation \"{}\" violates check constraint \"{name}\"",
                        rel.name
                    ),
                );
                e.detail = self.row_detail(rel, row, modified);
                return Err(e);
            }
        }
        Ok(())
    }

    /// What a constraint error may show of a row, as PostgreSQL's
    /// ExecBuildSlotValueDescription: nothing when row-level security applies
    /// to the table for this user; every value with table-level SELECT;
    /// otherwise only the columns the user may SELECT or is writing, named
    /// (`(c1, c3) = (1, 10)`), and nothing if there are none. Values of
    /// columns the user cannot read never reach the error.
    fn row_detail(&self, rel: &Relation, row: &[Value], modified: &[usize]) -> Option<String> {
        let text = |v: &Value| v.to_pg_text().unwrap_or_else(|| "null".into());
        let who = self.session.principal(self.catalog).ok()?;
        if rampart_security::rls::applies(self.catalog, rel, who.role_oid) {
            return None;
        }
        if rampart_security::allowed_on_table(rel.oid, Privilege::Select, &who, self.catalog) {
            return Some(table::failing_row(row));
        }
        let visible: Vec<usize> = (0..rel.columns.len().min(row.len()))
            .filter(|&i| modified.contains(&i) || self.may_select_column(rel, i, &who))
            .collect();
        if visible.is_empty() {
            return None;
        }
        let names: Vec<&str> = visible
            .iter()
            .map(|&i| rel.columns[i].name.as_str())
            .collect();
        let values: Vec<String> = visible.iter().map(|&i| text(&row[i])).collect();
        Some(format!(
            "Failing row contains ({}) = ({}).",
            names.join(", "),
            values.join(", ")
        ))
    }

    fn may_select_column(
        &self,
        rel: &Relation,
        col: usize,
        who: &rampart_security::Principal,
    ) -> bool {
        rampart_security::allowed(
            &rampart_security::Need::relation(
                rel.oid,
                Privilege::Select,
                vec![rel.columns[col].name.clone()],
            ),
            who,
            self.catalog,
        )
    }

    /// Whether an error may show the values of these key columns of `rel`
    /// (PostgreSQL's BuildIndexValueDescription and ri_ReportViolation):
    /// not under row-level security; yes with table-level SELECT or SELECT
    /// on every key column.
    pub(crate) fn key_shown(&self, rel: &Relation, cols: &[usize]) -> bool {
        self.session
            .principal(self.catalog)
            .ok()
            .is_some_and(|who| {
                !rampart_security::rls::applies(self.catalog, rel, who.role_oid)
                    && (rampart_security::allowed_on_table(
                        rel.oid,
                        Privilege::Select,
                        &who,
                        self.catalog,
                    ) || cols.iter().all(|&c| self.may_select_column(rel, c, &who)))
            })
    }

    /// PostgreSQL's unique violation, its `Key (…)=(…)` DETAIL only where
    /// [`Exec::key_shown`] allows.
    pub(super) fn unique_violation(&self, rel: &Relation, idx: usize, row: &[Value]) -> PgError {
        let mut e = table::unique_violation(rel, idx, row);
        if !self.key_shown(rel, &rel.indexes[idx].columns) {
            e.detail = None;
        }
        e
    }

    /// Runs an INSERT.
    pub fn insert(&mut self, p: &InsertPlan) -> PgResult<DmlResult> {
        self.with_ctes(&p.with, |ex| ex.insert_rows(p))
    }

    fn insert_rows(&mut self, p: &InsertPlan) -> PgResult<DmlResult> {
        let rel = self.relation(p.table)?;
        let source = self.run(&p.source)?;
        let mut result = DmlResult {
            count: 0,
            returning: Vec::new(),
        };
        for src in source {
            self.check_cancel()?;
            let mut row = self.new_row(rel, &p.targets, src, &p.defaults)?;
            self.check_row(rel, &mut row, &p.checks, &p.targets)?;
            // INSERT policies check the proposed row, also before ON CONFLICT
            // (as PostgreSQL); a view's check option after them.
            self.rls_check_row(p.check.as_ref(), &row)?;
            self.check_view_options(rel, &p.view_checks, &row, &p.targets)?;
            // A partitioned table's rows go to the partition their key
            // selects (same columns, same order).
            let routed;
            // The row in the target's column order when the partition keeps another.
            let mut shown: Option<Row> = None;
            let rel = if rel.partition_key.is_some() {
                routed = crate::partition::route(self.catalog, rel, &row)?.clone();
                if !crate::partition::same_shape(rel, &routed) {
                    shown = Some(row.clone());
                    if p.on_conflict.is_some() {
                        return Err(PgError::unsupported(
                            "ON CONFLICT into a partition with its own column order",
                        ));
                    }
                    row = crate::partition::leaf_row(rel, &routed, &row);
                }
                if let Err(mut e) = table::check_not_null(&routed, &row) {
                    // Shown as the target table has the row (PostgreSQL).
                    let original = shown.as_ref().unwrap_or(&row);
                    e.detail = self.row_detail(rel, original, &p.targets);
                    return Err(e);
                }
                &routed
            } else {
                rel
            };

            match table::find_conflict(self.txn, rel, &row, None)? {
                Some((existing_id, idx)) => match &p.on_conflict {
                    None => return Err(self.unique_violation(rel, idx, &row)),
                    Some(OnConflictPlan::Nothing) => continue,
                    Some(OnConflictPlan::Update {
                        assignments,
                        filter,
                    }) => {
                        self.txn
                            .lock_key(&keys::row_key(rel.oid, existing_id))
                            .map_err(storage_err)?;
                        let Some(old) = table::get_row_latest(self.txn, rel.oid, existing_id)?
                        else {
                            continue;
                        };
                        self.rls_check_row(p.conflict_check.as_ref(), &old)?;
                        let mut combined = old.clone();
                        combined.extend(row.iter().cloned());
                        if let Some(f) = filter {
                            if !self.eval_bool(f, &combined)? {
                                continue;
                            }
                        }
                        let mut new = old.clone();
                        for (pos, e) in assignments {
                            new[*pos] = self.eval(e, &combined)?;
                        }
                        let assigned: Vec<usize> = assignments.iter().map(|(c, _)| *c).collect();
                        self.check_row(rel, &mut new, &p.checks, &assigned)?;
                        self.rls_check_row(p.update_check.as_ref(), &new)?;
                        self.rls_check_row(p.select_check.as_ref(), &new)?;
                        if let Some((other, idx)) =
                            table::find_conflict(self.txn, rel, &new, Some(existing_id))?
                        {
                            let _ = other;
                            return Err(self.unique_violation(rel, idx, &new));
                        }
                        self.check_references(rel, &new, Some(&old))?;
                        self.apply_referencing_actions(rel, &old, Some(&new), 0)?;
                        table::replace(self.txn, rel, existing_id, &old, &new)?;
                        let saved = self.target_table.replace(rel.oid);
                        let returned = self.push_returning(&p.returning, &new, &mut result);
                        self.target_table = saved;
                        returned?;
                    }
                },
                None => {
                    self.check_references(rel, &row, None)?;
                    let rowid = self.engine.next_rowid()?;
                    table::write_new(self.txn, rel, rowid, &row)?;
                    // Policies and RETURNING see the row as the target table
                    // has it; its tableoid is the table that took it.
                    let shown = shown.as_ref().unwrap_or(&row);
                    self.rls_check_row(p.select_check.as_ref(), shown)?;
                    let saved = self.target_table.replace(rel.oid);
                    let returned = self.push_returning(&p.returning, shown, &mut result);
                    self.target_table = saved;
                    returned?;
                }
            }
        }
        Ok(result)
    }

    /// A new row of `rel`: `values` in the `targets` columns, the
    /// defaults (or NULL) elsewhere.
    pub(super) fn new_row(
        &mut self,
        rel: &Relation,
        targets: &[usize],
        values: Row,
        defaults: &[Option<crate::expr::Expr>],
    ) -> PgResult<Row> {
        let mut row: Row = vec![Value::Null; rel.columns.len()];
        let mut set = vec![false; rel.columns.len()];
        for (v, t) in values.into_iter().zip(targets) {
            row[*t] = v;
            set[*t] = true;
        }
        for (i, d) in defaults.iter().enumerate() {
            if let (false, Some(d)) = (set[i], d) {
                row[i] = self.eval(d, &[])?;
            }
        }
        Ok(row)
    }

    fn push_returning(
        &mut self,
        returning: &Option<Vec<crate::expr::Expr>>,
        row: &Row,
        result: &mut DmlResult,
    ) -> PgResult<()> {
        result.count += 1;
        if let Some(exprs) = returning {
            let mut out = Vec::with_capacity(exprs.len());
            for e in exprs {
                out.push(self.eval(e, row)?);
            }
            result.returning.push(out);
        }
        Ok(())
    }

    /// Locks a row for UPDATE/DELETE; under READ COMMITTED re-reads the latest
    /// version and re-checks the WHERE clause, as PostgreSQL's EvalPlanQual.
    /// `row` is in the shape the statement sees (the parent's, for a table
    /// reached through inheritance: `member`); the result is the whole row
    /// of `rel` to change.
    pub(super) fn lock_and_recheck(
        &mut self,
        rel: &Relation,
        rowid: u64,
        row: Row,
        filter: Option<&crate::expr::Expr>,
        member: Option<&InheritedTable>,
    ) -> PgResult<Option<Row>> {
        let key = keys::row_key(rel.oid, rowid);
        self.txn.lock_key(&key).map_err(storage_err)?;
        // A row this statement already changed (a data-modifying WITH query
        // reached it first) is left alone, as PostgreSQL skips rows the
        // current command modified.
        if self.txn.changed_since_read_view(&key) {
            return Ok(None);
        }
        if self.txn.isolation() != IsolationLevel::ReadCommitted {
            return match member {
                None => Ok(Some(row)),
                Some(_) => table::get_row(self.txn, rel.oid, rowid),
            };
        }
        let Some(latest) = table::get_row_latest(self.txn, rel.oid, rowid)? else {
            return Ok(None);
        };
        let seen = match member {
            Some(t) => t.parent_row(&latest),
            None => latest.clone(),
        };
        if seen == row {
            return Ok(Some(latest));
        }
        match filter {
            Some(f) if !self.eval_bool(f, &seen)? => Ok(None),
            _ => Ok(Some(latest)),
        }
    }

    /// `SELECT … FOR UPDATE/SHARE`: locks each scanned row (waiting, failing
    /// with 55P03 for NOWAIT, or leaving it out for SKIP LOCKED); under READ
    /// COMMITTED a row changed meanwhile is re-read and must still pass the
    /// scan's predicates, a deleted one is left out (PostgreSQL's
    /// EvalPlanQual).
    pub(crate) fn lock_scanned(
        &mut self,
        table: u32,
        rows: Vec<(u64, Row)>,
        filter: Option<&crate::expr::Expr>,
        security: Option<&crate::expr::Expr>,
        wait: crate::plan::RowLockWait,
        inherited: Option<&crate::plan::InheritedTable>,
    ) -> PgResult<Vec<(u64, Row)>> {
        use crate::plan::RowLockWait;
        let rel = self.relation(table)?;
        let mut out = Vec::with_capacity(rows.len());
        for (rowid, row) in rows {
            let key = keys::row_key(rel.oid, rowid);
            match wait {
                RowLockWait::Wait => self.txn.lock_key(&key).map_err(storage_err)?,
                RowLockWait::NoWait | RowLockWait::SkipLocked => {
                    if !self.txn.try_lock_key(&key).map_err(storage_err)? {
                        if wait == RowLockWait::SkipLocked {
                            continue;
                        }
                        return Err(PgError::new(
                            SqlState("55P03"),
                            format!("could not obtain lock on row in relation \"{}\"", rel.name),
                        ));
                    }
                }
            }
            if self.txn.isolation() != IsolationLevel::ReadCommitted {
                out.push((rowid, row));
                continue;
            }
            let Some(latest) = table::get_row_latest(self.txn, rel.oid, rowid)? else {
                continue;
            };
            // Rows of an inheriting table come (and go out) in the parent's
            // shape; a scan through inheritance adds the row's table.
            let mut latest = match inherited {
                Some(t) => t.parent_row(&latest),
                None => latest,
            };
            if latest.len() + 1 == row.len() {
                latest.push(Value::Oid(table));
            }
            if latest == row || self.passes(security, filter, &latest)? {
                out.push((rowid, latest));
            }
        }
        Ok(out)
    }

    /// WITH CHECK OPTION of the views a row was written through: it must
    /// satisfy their conditions (true, not NULL), else 44000.
    pub(super) fn check_view_options(
        &mut self,
        rel: &Relation,
        checks: &[(String, crate::expr::Expr)],
        row: &Row,
        modified: &[usize],
    ) -> PgResult<()> {
        for (view, cond) in checks {
            if self.eval(cond, row)? != Value::Bool(true) {
                let mut e = PgError::new(
                    SqlState::WITH_CHECK_OPTION_VIOLATION,
                    format!("new row violates check option for view \"{view}\""),
                );
                e.detail = self.row_detail(rel, row, modified);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Row-level security WITH CHECK on a new row: PostgreSQL's messages.
    pub(super) fn rls_check_row(
        &mut self,
        check: Option<&crate::plan::RlsCheck>,
        row: &Row,
    ) -> PgResult<()> {
        let Some(c) = check else { return Ok(()) };
        use crate::plan::RlsCheckKind;
        let (subject, what) = match c.kind {
            RlsCheckKind::NewRow => ("new row", ""),
            RlsCheckKind::ConflictUsing => ("new row", " (USING expression)"),
            RlsCheckKind::MergeTarget => ("target row", " (USING expression)"),
        };
        let violation = |policy: String| {
            PgError::new(
                SqlState::INSUFFICIENT_PRIVILEGE,
                format!(
                    "{subject} violates row-level security policy{policy}{what} for table \"{}\"",
                    c.table
                ),
            )
        };
        if !self.eval_bool(&c.permissive, row)? {
            return Err(violation(String::new()));
        }
        for (name, e) in &c.restrictive {
            if !self.eval_bool(e, row)? {
                return Err(violation(format!(" \"{name}\"")));
            }
        }
        Ok(())
    }

    /// Target rows (with their FROM/USING row appended) that the WHERE
    /// clause selects, in the statement's shape (see [`InheritedTable`]).
    fn dml_targets(
        &mut self,
        t: &DmlTarget<'_>,
        joined: Option<&[Row]>,
    ) -> PgResult<Vec<(u64, Row, Row)>> {
        let scan = |ex: &mut Self, filter| match (t.member, t.access) {
            (None, _) => ex.scan(t.table, t.access, filter, t.security),
            (Some(m), Access::CurrentOf { cursor }) => {
                let rows = ex.current_of_row(cursor, m.table)?;
                let rows = rows.into_iter().map(|(id, r)| (id, m.parent_row(&r)));
                ex.keep_passing(rows.collect(), filter, t.security)
            }
            (Some(m), _) => ex.scan_inherited(m, filter, t.security),
        };
        let Some(others) = joined else {
            return Ok(scan(self, t.filter)?
                .into_iter()
                .map(|(id, r)| (id, r, vec![]))
                .collect());
        };
        let targets = scan(self, t.target_filter)?;
        let mut out = Vec::new();
        for (rowid, row) in targets {
            self.check_cancel()?;
            for other in others {
                let mut combined = row.clone();
                combined.extend(other.iter().cloned());
                let hit = match t.filter {
                    Some(f) => self.eval_bool(f, &combined)?,
                    None => true,
                };
                if hit {
                    // Like PostgreSQL, a target row joined to several rows is changed once.
                    out.push((rowid, row, other.clone()));
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Locks a target row and re-checks WHERE on its latest version (with
    /// its joined row); returns the whole row of `rel` to change.
    fn lock_joined(
        &mut self,
        rel: &Relation,
        rowid: u64,
        row: Row,
        extra: &Row,
        t: &DmlTarget<'_>,
    ) -> PgResult<Option<Row>> {
        if extra.is_empty() {
            return self.lock_and_recheck(rel, rowid, row, t.filter, t.member);
        }
        let Some(latest) = self.lock_and_recheck(rel, rowid, row, t.target_filter, t.member)?
        else {
            return Ok(None);
        };
        let mut recheck = match t.member {
            Some(m) => m.parent_row(&latest),
            None => latest.clone(),
        };
        recheck.extend(extra.iter().cloned());
        match t.filter {
            Some(f) if !self.eval_bool(f, &recheck)? => Ok(None),
            _ => Ok(Some(latest)),
        }
    }

    /// Runs `change` for the target table and then for each table
    /// inheriting from it (`tableoid` follows), with that table, its
    /// target rows (their FROM/USING row appended; the FROM/USING rows are
    /// computed once for all of them) and what reads them.
    fn over_members(
        &mut self,
        base: DmlTarget<'_>,
        inherited: &[InheritedTable],
        joined: Option<&crate::plan::Plan>,
        mut change: impl FnMut(
            &mut Self,
            &DmlTarget<'_>,
            &Relation,
            Vec<(u64, Row, Row)>,
            &mut DmlResult,
        ) -> PgResult<()>,
    ) -> PgResult<DmlResult> {
        let mut result = DmlResult {
            count: 0,
            returning: Vec::new(),
        };
        if let Access::CurrentOf { cursor } = base.access {
            let members: Vec<u32> = inherited.iter().map(|t| t.table).collect();
            let target = self.relation(base.table)?;
            self.check_current_of(cursor, target, &members)?;
        }
        let joined = match joined {
            Some(j) => Some(self.run(j)?),
            None => None,
        };
        let joined = joined.as_deref();
        let saved = self.target_table;
        let members = std::iter::once(None).chain(inherited.iter().map(Some));
        let mut r = Ok(());
        for member in members {
            let target = DmlTarget { member, ..base };
            let table = member.map_or(target.table, |t| t.table);
            self.target_table = Some(table);
            r = self.relation(table).and_then(|rel| {
                let rows = self.dml_targets(&target, joined)?;
                change(self, &target, rel, rows, &mut result)
            });
            if r.is_err() {
                break;
            }
        }
        self.target_table = saved;
        r.map(|_| result)
    }

    /// Runs an UPDATE.
    pub fn update(&mut self, p: &UpdatePlan) -> PgResult<DmlResult> {
        self.with_ctes(&p.with, |ex| {
            let base = DmlTarget {
                table: p.table,
                access: &p.access,
                filter: p.filter.as_ref(),
                target_filter: p.target_filter.as_ref(),
                security: p.security.as_ref(),
                member: None,
            };
            ex.over_members(
                base,
                &p.inherited,
                p.from.as_deref(),
                |ex, target, rel, rows, out| ex.update_rows(p, target, rel, rows, out),
            )
        })
    }

    /// Updates the target table's rows, or (`member`) those of a table
    /// inheriting from it: WHERE, SET, policies and RETURNING see them in
    /// the target's shape; CHECK constraints and keys are the member's own.
    fn update_rows(
        &mut self,
        p: &UpdatePlan,
        target: &DmlTarget<'_>,
        rel: &Relation,
        rows: Vec<(u64, Row, Row)>,
        result: &mut DmlResult,
    ) -> PgResult<()> {
        let member = target.member;
        let position = |c: usize| member.map_or(c, |t| t.columns[c]);
        let checks = member.map_or(&p.checks, |t| &t.checks);
        let assigned: Vec<usize> = p.assignments.iter().map(|(c, _)| position(*c)).collect();
        for (rowid, row, extra) in rows {
            self.check_cancel()?;
            let Some(old) = self.lock_joined(rel, rowid, row, &extra, target)? else {
                continue;
            };
            let mut input = match member {
                Some(t) => t.parent_row(&old),
                None => old.clone(),
            };
            input.extend(extra.iter().cloned());
            let mut new = old.clone();
            for (pos, e) in &p.assignments {
                new[position(*pos)] = self.eval(e, &input)?;
            }
            if member.is_some()
                && rel.partition_bound.is_some()
                && !crate::partition::fits(self.catalog, rel, &new)?
            {
                let root = self.relation(p.table)?;
                if let (Some(m), Some(_)) = (member, &root.partition_key) {
                    let (mut out, dest) =
                        self.move_to_partition(p, root, rel, rowid, &old, m.parent_row(&new))?;
                    out.extend(extra);
                    // RETURNING's tableoid names the partition the row went to.
                    let source = self.target_table.replace(dest);
                    let r = self.push_returning(&p.returning, &out, result);
                    self.target_table = source;
                    r?;
                    continue;
                }
            }
            if let Err(mut e) = self.check_row(rel, &mut new, checks, &assigned) {
                // As PostgreSQL, the failing row is shown as the statement's
                // target table sees it.
                if let Some(t) = member.filter(|_| e.detail.is_some()) {
                    let target = self.relation(p.table)?;
                    let written: Vec<usize> = p.assignments.iter().map(|(c, _)| *c).collect();
                    e.detail = self.row_detail(target, &t.parent_row(&new), &written);
                }
                return Err(e);
            }
            let seen = match member {
                Some(t) => t.parent_row(&new),
                None => new.clone(),
            };
            self.rls_check_row(p.check.as_ref(), &seen)?;
            self.rls_check_row(p.select_check.as_ref(), &seen)?;
            self.check_view_options(rel, &p.view_checks, &seen, &assigned)?;
            if let Some((_, idx)) = table::find_conflict(self.txn, rel, &new, Some(rowid))? {
                return Err(self.unique_violation(rel, idx, &new));
            }
            self.check_references(rel, &new, Some(&old))?;
            self.apply_referencing_actions(rel, &old, Some(&new), 0)?;
            table::replace(self.txn, rel, rowid, &old, &new)?;
            let mut out = seen;
            out.extend(extra);
            self.push_returning(&p.returning, &out, result)?;
        }
        Ok(())
    }

    /// UPDATE through a partitioned table of a row its partition no longer
    /// takes: as PostgreSQL, the row leaves the partition and is inserted
    /// into the one its new key selects (partitions share the parent's
    /// column order). Returns the new row and the partition it went to.
    fn move_to_partition(
        &mut self,
        p: &UpdatePlan,
        root: &Relation,
        from: &Relation,
        rowid: u64,
        old: &Row,
        mut new: Row,
    ) -> PgResult<(Row, u32)> {
        // `new` is in the root's column order; the partition may keep its own.
        let dest = crate::partition::route(self.catalog, root, &new)?.clone();
        let assigned: Vec<usize> = p.assignments.iter().map(|(c, _)| *c).collect();
        self.check_row(root, &mut new, &p.checks, &assigned)?;
        self.rls_check_row(p.check.as_ref(), &new)?;
        self.rls_check_row(p.select_check.as_ref(), &new)?;
        let mut stored = crate::partition::leaf_row(root, &dest, &new);
        let dest_assigned: Vec<usize> = assigned
            .iter()
            .filter_map(|&c| dest.column_index(&root.columns[c].name))
            .collect();
        if let Err(mut e) = self.check_row(&dest, &mut stored, &[], &dest_assigned) {
            if e.detail.is_some() {
                e.detail = self.row_detail(root, &new, &assigned);
            }
            return Err(e);
        }
        if let Some((_, idx)) = table::find_conflict(self.txn, &dest, &stored, None)? {
            return Err(self.unique_violation(&dest, idx, &stored));
        }
        self.check_references(&dest, &stored, None)?;
        self.apply_referencing_actions(from, old, None, 0)?;
        table::remove(self.txn, from, rowid, old)?;
        let new_id = self.engine.next_rowid()?;
        table::write_new(self.txn, &dest, new_id, &stored)?;
        Ok((new, dest.oid))
    }

    /// Runs a DELETE.
    pub fn delete(&mut self, p: &DeletePlan) -> PgResult<DmlResult> {
        self.with_ctes(&p.with, |ex| {
            let base = DmlTarget {
                table: p.table,
                access: &p.access,
                filter: p.filter.as_ref(),
                target_filter: p.target_filter.as_ref(),
                security: p.security.as_ref(),
                member: None,
            };
            ex.over_members(
                base,
                &p.inherited,
                p.using.as_deref(),
                |ex, target, rel, rows, out| ex.delete_rows(p, target, rel, rows, out),
            )
        })
    }

    /// Deletes the target table's rows, or (`member`) those of a table
    /// inheriting from it.
    fn delete_rows(
        &mut self,
        p: &DeletePlan,
        target: &DmlTarget<'_>,
        rel: &Relation,
        rows: Vec<(u64, Row, Row)>,
        result: &mut DmlResult,
    ) -> PgResult<()> {
        let member = target.member;
        for (rowid, row, extra) in rows {
            self.check_cancel()?;
            let Some(old) = self.lock_joined(rel, rowid, row, &extra, target)? else {
                continue;
            };
            self.apply_referencing_actions(rel, &old, None, 0)?;
            table::remove(self.txn, rel, rowid, &old)?;
            let mut out = match member {
                Some(t) => t.parent_row(&old),
                None => old,
            };
            out.extend(extra);
            self.push_returning(&p.returning, &out, result)?;
        }
        Ok(())
    }
}
