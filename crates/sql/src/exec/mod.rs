//! The executor: interprets authorized plans over a storage transaction.
//!
//! Rows are materialized `Vec<Value>`s; each plan node is one function.
//! Only [`rampart_security::Authorized`] plans enter through
//! [`crate::session`]; sub-plans (subqueries, CTEs, view bodies) are parts of
//! a plan that was authorized as a whole.

pub mod agg;
pub mod cast;
pub mod dml;
pub mod eval;
mod merge;
pub mod ops;
mod sample;
mod window;
pub(crate) use sample::{heap_pages, stored_datum_len};
pub mod sizes;
pub mod table;

use std::collections::HashMap;
use std::rc::Rc;

use rampart_catalog::{Catalog, Relation};
use rampart_storage::Transaction;
use rampart_types::{PgError, PgResult, SqlState, Value};

use crate::engine::Engine;
use crate::expr::{BinOp, Expr};

/// Whether a plan's consumer reads only columns passing the given test.
type ConsumerReads<'a> = dyn Fn(&dyn Fn(usize) -> bool) -> bool + 'a;
use crate::plan::{Access, DataStatement, JoinKind, Plan, SetOpKind, SortKey};
use crate::session::SessionState;

/// A row.
pub type Row = Vec<Value>;

/// Everything a running statement needs.
pub struct Exec<'a> {
    /// The storage transaction.
    pub txn: &'a mut Transaction,
    /// The catalog as this transaction sees it.
    pub catalog: &'a Catalog,
    /// Session state (settings, identity, notices).
    pub session: &'a mut SessionState,
    /// Shared engine services (sequences, row ids).
    pub engine: &'a Engine,
    /// Bound parameter values.
    pub params: &'a [Value],
    outer: Vec<Row>,
    ctes: HashMap<usize, Rc<Vec<Row>>>,
    /// A recursive WITH query (its id) whose reader takes only its first
    /// rows (this many): its iteration stops there (see `recursive_cte_cap`).
    cte_cap: Option<(usize, usize)>,
    uncorrelated: HashMap<usize, Rc<Vec<Row>>>,
    /// Set when a cancel request arrives; checked between rows.
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
    /// DateStyle/IntervalStyle/TimeZone for text conversions.
    pub style: rampart_types::Style,
    /// Inlined LANGUAGE sql functions bound during this statement.
    pub fn_cache: HashMap<u32, Option<Rc<crate::func::spi::BoundExpr>>>,
    /// Bound expressions and parsed bodies of PL/pgSQL routines called by this statement.
    pub routine_cache: crate::func::spi::RoutineCache,
    /// Results of STABLE/IMMUTABLE function calls by (function, arguments).
    pub stable_results: HashMap<(u32, String), Value>,
    /// The table whose rows an UPDATE/DELETE is changing now (its
    /// `tableoid`, which differs between the tables of a hierarchy).
    pub target_table: Option<u32>,
}

impl<'a> Exec<'a> {
    /// A new execution context.
    pub fn new(
        txn: &'a mut Transaction,
        catalog: &'a Catalog,
        session: &'a mut SessionState,
        engine: &'a Engine,
        params: &'a [Value],
    ) -> Self {
        let style = session.settings.style();
        Exec::with_style(txn, catalog, session, engine, params, style)
    }

    /// Like [`Exec::new`] with the text style already known.
    pub fn with_style(
        txn: &'a mut Transaction,
        catalog: &'a Catalog,
        session: &'a mut SessionState,
        engine: &'a Engine,
        params: &'a [Value],
        style: rampart_types::Style,
    ) -> Self {
        Exec {
            txn,
            catalog,
            session,
            engine,
            params,
            outer: Vec::new(),
            ctes: HashMap::new(),
            cte_cap: None,
            uncorrelated: HashMap::new(),
            cancel: None,
            style,
            fn_cache: HashMap::new(),
            routine_cache: Default::default(),
            target_table: None,
            stable_results: HashMap::new(),
        }
    }

    /// An executor for a statement run from inside this one (a routine's
    /// body): same transaction, catalog and session, its own parameters.
    pub fn nested<'b>(&'b mut self, params: &'b [Value]) -> Exec<'b> {
        let style = self.style;
        let mut e = Exec::with_style(
            &mut *self.txn,
            self.catalog,
            &mut *self.session,
            self.engine,
            params,
            style,
        );
        e.cancel = self.cancel;
        e
    }

    /// Fails with 57014 when the client asked to cancel. Called per row by
    /// the loops that may run long, which is also where a statement running
    /// on an async worker gives the worker up once it has taken long
    /// (`rampart_storage::wait::long_running_point`).
    pub fn check_cancel(&self) -> PgResult<()> {
        rampart_storage::wait::long_running_point();
        if self
            .cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        {
            return Err(PgError::new(
                rampart_types::SqlState::QUERY_CANCELED,
                "canceling statement due to user request",
            ));
        }
        Ok(())
    }

    /// Runs a plan to completion.
    pub fn run(&mut self, plan: &Plan) -> PgResult<Vec<Row>> {
        self.check_cancel()?;
        match plan {
            Plan::Single => Ok(vec![vec![]]),
            Plan::Values { rows, .. } => {
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let mut row = Vec::with_capacity(r.len());
                    for e in r {
                        row.push(self.eval(e, &[])?);
                    }
                    out.push(row);
                }
                Ok(out)
            }
            Plan::Scan {
                table,
                access,
                filter,
                security,
                inherited,
                rowid,
            } => {
                let (filter, security) = (filter.as_ref(), security.as_ref());
                if inherited.is_empty() {
                    let rows = self.scan(*table, access, filter, security)?;
                    return Ok(with_rowids(rows, *rowid));
                }
                Ok(self
                    .scan_hierarchy(*table, access, filter, security, inherited)?
                    .into_iter()
                    .map(|(_, _, r)| r)
                    .collect())
            }
            Plan::SystemView { oid, .. } if *oid == crate::activity::VIEW.oid => {
                Ok(crate::activity::rows(
                    &self.engine.activity,
                    self.catalog,
                    &self.session.current_user(),
                ))
            }
            Plan::SystemView { oid, .. } if *oid == crate::hba_rules::AUTH_FAILURES_VIEW.oid => {
                Ok(crate::hba_rules::auth_failure_rows(self.engine))
            }
            Plan::SystemView { oid, .. } if *oid == crate::hba_rules::VIEW.oid => {
                Ok(crate::hba_rules::rows(self.engine))
            }
            Plan::SystemView { oid, .. } if *oid == crate::pg_settings::VIEW.oid => {
                let all = crate::privileges::may_read_all_settings(
                    self.catalog,
                    &self.session.current_user(),
                );
                Ok(crate::pg_settings::rows(&self.session.settings, all))
            }
            Plan::SystemView { oid, .. } if *oid == crate::analyze::VIEW.oid => {
                let reader =
                    crate::privileges::principal_for(self.catalog, &self.session.current_user())?;
                let ctx = self.session.rls_context(self.catalog)?;
                Ok(crate::analyze::view_rows(self.catalog, &reader, ctx.user))
            }
            Plan::SystemView { oid, .. } if *oid == crate::prepared_view::VIEW.oid => {
                Ok(crate::prepared_view::rows(&self.session.prepared_shown))
            }
            Plan::SystemView { oid, rel } => {
                let only = match rel {
                    Some(e) => match self.eval(e, &[])? {
                        Value::Null => return Ok(vec![]),
                        // A relation name (pg_class under a psql name
                        // pattern): the rows of every relation so named.
                        Value::Text(name) => return Ok(self.rows_named(*oid, &name)),
                        v => v.as_i64().and_then(|o| u32::try_from(o).ok()),
                    },
                    None => None,
                };
                Ok(self.system_view_rows(*oid, only))
            }
            Plan::CteScan { id, .. } => Ok(self
                .ctes
                .get(id)
                .map(|r| r.as_ref().clone())
                .unwrap_or_default()),
            Plan::Series { args, .. } => self.series(args),
            Plan::AclExplode { arg } => {
                let acl = self.eval(arg, &[])?;
                crate::aclitem::explode(self.catalog, &acl)
            }
            Plan::SequenceState { oid } => {
                let seq = self.catalog.sequences.get(oid).ok_or_else(|| {
                    PgError::new(
                        rampart_types::SqlState::UNDEFINED_TABLE,
                        format!("could not open relation with OID {oid}"),
                    )
                })?;
                let (last, called) = self.engine.sequences.state(self.engine.store(), seq)?;
                Ok(vec![vec![
                    Value::Int8(last),
                    Value::Int8(0),
                    Value::Bool(called),
                ]])
            }
            Plan::BuiltinSrf { srf, args } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval(a, &[])?);
                }
                srf.run(&values)
            }
            Plan::Unnest { arg } => Ok(match self.eval(arg, &[])? {
                Value::Array(items) => items.into_iter().map(|v| vec![v]).collect(),
                _ => vec![],
            }),
            Plan::FunctionScan { oid, args } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, &[])?);
                }
                let set =
                    self.catalog.functions.get(oid).is_some_and(|f| {
                        !matches!(f.returns, rampart_catalog::FuncReturn::Scalar(_))
                    });
                let r = crate::func::call::call_in_exec(self, *oid, vals)?;
                Ok(if set { r.rows } else { vec![vec![r.value]] })
            }
            Plan::Barrier { input, .. } => self.run(input),
            Plan::Window { input, calls } => {
                let rows = self.run(input)?;
                window::run_window(self, rows, calls)
            }
            Plan::Filter { input, predicate } => {
                let rows = self.run(input)?;
                let mut out = Vec::new();
                for r in rows {
                    if self.eval_bool(predicate, &r)? {
                        out.push(r);
                    }
                }
                Ok(out)
            }
            Plan::Project { input, exprs } => {
                let rows = self.run(input)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let mut o = Vec::with_capacity(exprs.len());
                    for e in exprs {
                        o.push(self.eval(e, &r)?);
                    }
                    out.push(o);
                }
                Ok(out)
            }
            Plan::Join {
                left,
                right,
                kind,
                on,
                right_width,
                left_width,
            } => self.join(left, right, *kind, on.as_ref(), *left_width, *right_width),
            Plan::Lateral {
                left,
                right,
                kind,
                on,
                right_width,
            } => self.lateral_join(left, right, *kind, on.as_ref(), *right_width),
            Plan::ProjectSet { input, srfs } => self.project_set(input, srfs),
            Plan::Aggregate {
                input,
                group_by,
                aggs,
            } => {
                let reads = |allowed: &dyn Fn(usize) -> bool| {
                    group_by.iter().all(|g| g.reads_only(allowed))
                        && aggs.iter().all(|a| {
                            a.args.iter().all(|e| e.reads_only(allowed))
                                && a.filter.as_ref().is_none_or(|f| f.reads_only(allowed))
                        })
                };
                let counts_only = group_by.is_empty()
                    && aggs.iter().all(|a| {
                        a.func == crate::functions::AggFunc::CountStar
                            && a.filter.is_none()
                            && !a.distinct
                    });
                let rows = match self.index_only_entries(input, &reads)? {
                    // `count(*)` over an index-only scan: the number of rows
                    // is the answer, no need to make them.
                    Some((_, n)) if counts_only => {
                        return Ok(vec![vec![Value::Int8(n as i64); aggs.len()]]);
                    }
                    Some((template, n)) => vec![template; n],
                    None => self.run(input)?,
                };
                agg::aggregate(self, rows, group_by, aggs)
            }
            Plan::Sort { input, keys } => {
                let rows = self.run(input)?;
                self.sort(rows, keys)
            }
            Plan::Limit {
                input,
                limit,
                offset,
            } => {
                let limit = match limit {
                    Some(e) => count_value(self.eval(e, &[])?, "LIMIT")?,
                    None => None,
                };
                let offset = match offset {
                    Some(e) => count_value(self.eval(e, &[])?, "OFFSET")?.unwrap_or(0),
                    None => 0,
                };
                let (limit, offset) = (limit.map(|l| l as usize), offset as usize);
                if let Some(rows) = self.limit_locked(input, limit, offset)? {
                    return Ok(rows);
                }
                let rows = self.run(input)?;
                Ok(rows
                    .into_iter()
                    .skip(offset)
                    .take(limit.unwrap_or(usize::MAX))
                    .collect())
            }
            Plan::Distinct { input, on } => {
                let rows = self.run(input)?;
                let mut seen = std::collections::HashSet::new();
                let mut out = Vec::new();
                for r in rows {
                    let key: Vec<u8> = if on.is_empty() {
                        r.iter().flat_map(|v| v.group_key()).collect()
                    } else {
                        let mut k = Vec::new();
                        for e in on {
                            k.extend(self.eval(e, &r)?.group_key());
                        }
                        k
                    };
                    if seen.insert(key) {
                        out.push(r);
                    }
                }
                Ok(out)
            }
            Plan::SetOp {
                kind,
                all,
                left,
                right,
            } => {
                let l = self.run(left)?;
                let r = self.run(right)?;
                Ok(set_op(*kind, *all, l, r))
            }
            Plan::With { ctes, body } => {
                let cap = self.recursive_cte_cap(ctes, body)?;
                let outer_cap = std::mem::replace(&mut self.cte_cap, cap);
                let rows = self.with_ctes(ctes, |ex| ex.run(body));
                self.cte_cap = outer_cap;
                rows
            }
            Plan::LockRows { input, wait } => match input.as_ref() {
                Plan::Scan {
                    table,
                    access,
                    filter,
                    security,
                    inherited,
                    rowid,
                } => {
                    let (filter, security) = (filter.as_ref(), security.as_ref());
                    if inherited.is_empty() {
                        let rows = self.scan(*table, access, filter, security)?;
                        let rows =
                            self.lock_scanned(*table, rows, filter, security, *wait, None)?;
                        return Ok(with_rowids(rows, *rowid));
                    }
                    let rows = self.scan_hierarchy(*table, access, filter, security, inherited)?;
                    let mut out = Vec::with_capacity(rows.len());
                    for (member, rowid, row) in rows {
                        let (oid, t) = match member {
                            Some(i) => (inherited[i].table, Some(&inherited[i])),
                            None => (*table, None),
                        };
                        let locked =
                            self.lock_scanned(oid, vec![(rowid, row)], filter, security, *wait, t)?;
                        out.extend(locked.into_iter().map(|(_, r)| r));
                    }
                    Ok(out)
                }
                other => self.run(other),
            },
            Plan::Modify(_) if self.session.read_only_transaction() => Err(PgError::new(
                rampart_types::SqlState::READ_ONLY_SQL_TRANSACTION,
                "cannot execute SELECT in a read-only transaction",
            )),
            Plan::Modify(stmt) => Ok(match stmt.as_ref() {
                DataStatement::Insert(p) => self.insert(p)?.returning,
                DataStatement::Update(p) => self.update(p)?.returning,
                DataStatement::Delete(p) => self.delete(p)?.returning,
                DataStatement::Merge(p) => self.merge(p)?.returning,
                DataStatement::Query(p) => self.run(p)?,
            }),
        }
    }

    /// Materializes WITH queries, then runs `body` with them in scope. When
    /// one of them modifies data, every part of the statement reads one
    /// snapshot, as PostgreSQL: none sees what a data-modifying part changed
    /// (its RETURNING rows are how the others learn of it), a row one part
    /// changed is left alone by the others (`lock_and_recheck`), and a
    /// data-modifying WITH query nothing reads runs after the main
    /// statement. Constraint checks still see every change. Inside an
    /// enclosing read view, that view is the statement's.
    pub(crate) fn with_ctes<T>(
        &mut self,
        ctes: &[crate::plan::CtePlan],
        body: impl FnOnce(&mut Self) -> PgResult<T>,
    ) -> PgResult<T> {
        if !ctes.iter().any(|c| matches!(c.base, Plan::Modify(_))) {
            for cte in ctes {
                self.materialize_cte(cte)?;
            }
            return body(self);
        }
        let outer = self.txn.set_read_view(None);
        let statement = outer.clone().unwrap_or_else(|| self.txn.own_writes_now());
        self.txn.set_read_view(Some(statement));
        let (unread, now): (Vec<_>, Vec<_>) = ctes
            .iter()
            .partition(|c| matches!(c.base, Plan::Modify(_)) && !c.read);
        let result = (|| {
            for cte in now {
                self.materialize_cte(cte)?;
            }
            let result = body(self)?;
            for cte in unread {
                self.run_cte(cte)?;
            }
            Ok(result)
        })();
        self.txn.set_read_view(outer);
        result
    }

    /// Runs a WITH query and keeps its rows for the scans that read it.
    fn materialize_cte(&mut self, cte: &crate::plan::CtePlan) -> PgResult<()> {
        let rows = self.run_cte(cte)?;
        self.ctes.insert(cte.id, Rc::new(rows));
        Ok(())
    }

    /// `WITH RECURSIVE r AS (…) SELECT * FROM r LIMIT n` (columns of `r`
    /// only, constant LIMIT and OFFSET, `r` the only WITH query): PostgreSQL
    /// reads a WITH query lazily, so its recursion stops once the LIMIT is
    /// satisfied (a query with no end of its own returns its first rows).
    /// Rampart materializes WITH queries; this is the cap that gives the
    /// same rows, in the same order, for that shape. Other shapes (a filter,
    /// an ORDER BY, a second reader) need every row and get no cap.
    fn recursive_cte_cap(
        &mut self,
        ctes: &[crate::plan::CtePlan],
        body: &Plan,
    ) -> PgResult<Option<(usize, usize)>> {
        let [cte] = ctes else { return Ok(None) };
        let Plan::Limit {
            input,
            limit: Some(limit),
            offset,
        } = body
        else {
            return Ok(None);
        };
        if cte.recursive.is_none()
            || !limit.is_constant()
            || offset.as_ref().is_some_and(|o| !o.is_constant())
        {
            return Ok(None);
        }
        let scanned = match input.as_ref() {
            Plan::Project { input, exprs }
                if exprs.iter().all(|e| matches!(e, Expr::Column(_))) =>
            {
                input.as_ref()
            }
            other => other,
        };
        if !matches!(scanned, Plan::CteScan { id, .. } if *id == cte.id) {
            return Ok(None);
        }
        let Some(limit) = count_value(self.eval(limit, &[])?, "LIMIT")? else {
            return Ok(None);
        };
        let offset = match offset {
            Some(e) => count_value(self.eval(e, &[])?, "OFFSET")?.unwrap_or(0),
            None => 0,
        };
        let cap = usize::try_from(limit.saturating_add(offset)).unwrap_or(usize::MAX);
        Ok(Some((cte.id, cap)))
    }

    fn run_cte(&mut self, cte: &crate::plan::CtePlan) -> PgResult<Vec<Row>> {
        let cap = match self.cte_cap {
            Some((id, cap)) if id == cte.id => cap,
            _ => usize::MAX,
        };
        if cap == 0 {
            return Ok(Vec::new());
        }
        let mut all = self.run(&cte.base)?;
        let Some((rec, union_all)) = &cte.recursive else {
            return Ok(all);
        };
        let mut seen: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
        if !union_all {
            all.retain(|r| seen.insert(r.iter().flat_map(|v| v.group_key()).collect()));
        }
        if all.len() >= cap {
            all.truncate(cap);
            return Ok(all);
        }
        let mut working = all.clone();
        let mut iterations = 0;
        while !working.is_empty() {
            iterations += 1;
            if iterations > 1_000_000 {
                return Err(PgError::new(
                    rampart_types::SqlState::PROGRAM_LIMIT_EXCEEDED,
                    "recursive query did not terminate",
                ));
            }
            self.check_cancel()?;
            self.ctes.insert(cte.id, Rc::new(working));
            let mut next = self.run(rec)?;
            if !union_all {
                next.retain(|r| seen.insert(r.iter().flat_map(|v| v.group_key()).collect()));
            }
            all.extend(next.iter().cloned());
            if all.len() >= cap {
                all.truncate(cap);
                break;
            }
            if all.len() > 50_000_000 {
                return Err(PgError::new(
                    rampart_types::SqlState::PROGRAM_LIMIT_EXCEEDED,
                    "recursive query produced too many rows",
                ));
            }
            working = next;
        }
        Ok(all)
    }

    /// `e` with the column-free, stable operands of its top-level
    /// comparisons evaluated once (`tenant_id = current_setting('app.t')::bigint`
    /// becomes `tenant_id = 42`), so a policy predicate costs a comparison per
    /// row rather than a setting lookup and a parse. Comparisons evaluate
    /// both operands anyway, so this changes no result; it is called at the
    /// first row, so a scan with no rows evaluates nothing.
    fn fold_stable_operands(&mut self, e: &Expr) -> PgResult<Expr> {
        Ok(match e {
            Expr::Binary(BinOp::And, a, b) => Expr::Binary(
                BinOp::And,
                Box::new(self.fold_stable_operands(a)?),
                Box::new(self.fold_stable_operands(b)?),
            ),
            Expr::Binary(
                op @ (BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq),
                a,
                b,
            ) => {
                let mut fold = |x: &Expr| -> PgResult<Expr> {
                    let foldable =
                        !matches!(x, Expr::Literal(_)) && x.reads_only(&|_| false) && x.is_stable();
                    Ok(if foldable {
                        Expr::Literal(self.eval(x, &[])?)
                    } else {
                        x.clone()
                    })
                };
                Expr::Binary(*op, Box::new(fold(a)?), Box::new(fold(b)?))
            }
            other => other.clone(),
        })
    }

    /// An index-only equality scan: when `input` is a scan through an
    /// equality index lookup and its filter, its policy predicate and the
    /// consumer (`consumer_reads`) read only the index's columns, the rows are
    /// made from the index entries (the looked-up values in the index columns,
    /// NULL elsewhere) without fetching the table rows — `count(*)` over a
    /// tenant's rows reads the index alone. Index entries are written and
    /// removed in the same transaction as their rows, so the snapshot sees an
    /// entry exactly when it sees the row. The rows are all alike, so this
    /// returns one (the template) and how many pass the predicates.
    /// None: not applicable.
    fn index_only_entries(
        &mut self,
        input: &Plan,
        consumer_reads: &ConsumerReads,
    ) -> PgResult<Option<(Row, usize)>> {
        let Plan::Scan {
            table,
            access: Access::IndexEq { index, key, .. },
            filter,
            security,
            inherited,
            rowid: false,
        } = input
        else {
            return Ok(None);
        };
        if !inherited.is_empty() {
            return Ok(None);
        }
        let Some(rel) = self.catalog.relation_by_oid(*table) else {
            return Ok(None);
        };
        let Some(idx) = rel.indexes.iter().find(|i| i.oid == *index) else {
            return Ok(None);
        };
        let indexed = |c: usize| idx.columns.contains(&c);
        if !consumer_reads(&indexed)
            || !filter.as_ref().is_none_or(|f| f.reads_only(&indexed))
            || !security.as_ref().is_none_or(|f| f.reads_only(&indexed))
        {
            return Ok(None);
        }
        let width = rel.columns.len();
        let mut vals = Vec::with_capacity(key.len());
        for (k, col) in key.iter().zip(&idx.columns) {
            let v = self.eval(k, &[])?;
            if v.is_null() {
                return Ok(Some((vec![], 0)));
            }
            // The entries were found by this value's encoding; the template
            // row must hold exactly the column's values, so only a lookup
            // value of the column's own type qualifies.
            if v.data_type() != rel.columns[*col].ty {
                return Ok(None);
            }
            vals.push(v);
        }
        let mut template = vec![Value::Null; width];
        for (v, col) in vals.iter().zip(&idx.columns) {
            template[*col] = v.clone();
        }
        let entries = table::index_entry_count(self.txn, *index, &vals)?;
        if entries == 0 {
            return Ok(Some((template, 0)));
        }
        // Every row is the same template: a stable predicate decides for all.
        let stable = filter.as_ref().is_none_or(Expr::is_stable)
            && security.as_ref().is_none_or(Expr::is_stable);
        let mut passing = 0;
        for i in 0..entries {
            if i % 1024 == 0 {
                self.check_cancel()?;
            }
            if stable && i > 0 {
                if passing == 0 {
                    break;
                }
                passing = entries;
                break;
            }
            if self.passes(security.as_ref(), filter.as_ref(), &template)? {
                passing += 1;
            }
        }
        Ok(Some((template, passing)))
    }

    /// A scan's predicates on one row: the policy (security barrier) first,
    /// then the user's filter.
    pub(crate) fn passes(
        &mut self,
        security: Option<&Expr>,
        filter: Option<&Expr>,
        row: &[Value],
    ) -> PgResult<bool> {
        if let Some(sec) = security {
            if !self.eval_bool(sec, row)? {
                return Ok(false);
            }
        }
        match filter {
            Some(f) => self.eval_bool(f, row),
            None => Ok(true),
        }
    }

    /// Rows of a table with their row ids, through an index when the plan chose one.
    pub fn scan(
        &mut self,
        table: u32,
        access: &Access,
        filter: Option<&Expr>,
        security: Option<&Expr>,
    ) -> PgResult<Vec<(u64, Row)>> {
        let candidates = match access {
            Access::Full => table::scan_all(self.txn, table)?,
            Access::IndexEq { index, key, unique } => {
                let mut vals = Vec::with_capacity(key.len());
                for k in key {
                    vals.push(self.eval(k, &[])?);
                }
                if vals.iter().any(Value::is_null) {
                    return Ok(vec![]);
                }
                table::index_lookup(self.txn, table, *index, &vals, *unique)?
            }
            Access::CurrentOf { cursor } => self.current_of_row(cursor, table)?,
            Access::Sample(spec) => {
                let rows = table::scan_all(self.txn, table)?;
                self.sample_rows(table, spec, rows)?
            }
        };
        self.keep_passing(candidates, filter, security)
    }

    /// `WHERE CURRENT OF cursor` for `table`: the latest version of the row
    /// the cursor is on, when it came from `table` (after an UPDATE through
    /// the cursor it is the updated row, as PostgreSQL follows the update).
    pub(crate) fn current_of_row(&mut self, cursor: &str, table: u32) -> PgResult<Vec<(u64, Row)>> {
        let position = self.session.cursor_rows.get(cursor).cloned();
        match position {
            Some(crate::session::CursorRow {
                table: Some(t),
                rowid: Some(id),
                ..
            }) if t == table => Ok(table::get_row(self.txn, table, id)?
                .map(|r| vec![(id, r)])
                .unwrap_or_default()),
            _ => Ok(vec![]),
        }
    }

    /// Checks that `cursor` can name a row of `target` (or of one of
    /// `tables`, its inheriting tables): PostgreSQL's errors, in its order.
    pub(crate) fn check_current_of(
        &self,
        cursor: &str,
        target: &Relation,
        tables: &[u32],
    ) -> PgResult<()> {
        let invalid = |m: String| PgError::new(SqlState::INVALID_CURSOR_STATE, m);
        let Some(c) = self.session.cursor_rows.get(cursor) else {
            return Err(PgError::new(
                SqlState::INVALID_CURSOR_NAME,
                format!("cursor \"{cursor}\" does not exist"),
            ));
        };
        if c.held {
            return Err(invalid(format!(
                "cursor \"{cursor}\" is held from a previous transaction"
            )));
        }
        if !c
            .table
            .is_some_and(|t| t == target.oid || tables.contains(&t))
        {
            return Err(invalid(format!(
                "cursor \"{cursor}\" is not a simply updatable scan of table \"{}\"",
                target.name
            )));
        }
        if c.rowid.is_none() {
            return Err(invalid(format!(
                "cursor \"{cursor}\" is not positioned on a row"
            )));
        }
        Ok(())
    }

    /// Rows of a table scanned through a parent it inherits from, in the
    /// parent's column order, with their row ids, that pass the predicates
    /// (which are over the parent's columns).
    pub fn scan_inherited(
        &mut self,
        t: &crate::plan::InheritedTable,
        filter: Option<&Expr>,
        security: Option<&Expr>,
    ) -> PgResult<Vec<(u64, Row)>> {
        let candidates = table::scan_all(self.txn, t.table)?
            .into_iter()
            .map(|(id, r)| (id, t.parent_row(&r)))
            .collect();
        self.keep_passing(candidates, filter, security)
    }

    /// A scan of a parent and the tables inheriting from it (a SELECT's):
    /// every row in the parent's column order followed by its `tableoid`,
    /// with the member it came from (None: the parent) and its row id.
    fn scan_hierarchy(
        &mut self,
        table: u32,
        access: &Access,
        filter: Option<&Expr>,
        security: Option<&Expr>,
        inherited: &[crate::plan::InheritedTable],
    ) -> PgResult<Vec<(Option<usize>, u64, Row)>> {
        let with_oid = |oid: u32, rows: Vec<(u64, Row)>| -> Vec<(u64, Row)> {
            rows.into_iter()
                .map(|(id, mut r)| {
                    r.push(Value::Oid(oid));
                    (id, r)
                })
                .collect()
        };
        let parent = with_oid(table, self.scan(table, access, None, None)?);
        let mut out: Vec<(Option<usize>, u64, Row)> = self
            .keep_passing(parent, filter, security)?
            .into_iter()
            .map(|(id, r)| (None, id, r))
            .collect();
        let pruned = self.pruned_at_run_time(table, filter, security, inherited);
        for (i, t) in inherited.iter().enumerate() {
            if pruned.contains(&t.table) {
                continue;
            }
            let mut rows = table::scan_all(self.txn, t.table)?;
            if let Access::Sample(spec) = access {
                // Each member is sampled over its own pages, as PostgreSQL.
                rows = self.sample_rows(t.table, spec, rows)?;
            }
            let rows = rows
                .into_iter()
                .map(|(id, r)| (id, t.parent_row(&r)))
                .collect();
            let rows = self.keep_passing(with_oid(t.table, rows), filter, security)?;
            out.extend(rows.into_iter().map(|(id, r)| (Some(i), id, r)));
        }
        Ok(out)
    }

    /// Partitions of `table` the predicates rule out once their stable
    /// operands (parameters, `current_setting(…)`) have values: run-time
    /// pruning, on top of the plan's. Nothing is pruned when folding fails
    /// (the error then comes, as before, from the rows themselves).
    fn pruned_at_run_time(
        &mut self,
        table: u32,
        filter: Option<&Expr>,
        security: Option<&Expr>,
        inherited: &[crate::plan::InheritedTable],
    ) -> std::collections::HashSet<u32> {
        let Some(root) = self.catalog.relation_by_oid(table) else {
            return Default::default();
        };
        if root.partition_key.is_none() {
            return Default::default();
        }
        let mut conjuncts = Vec::new();
        for e in [security, filter].into_iter().flatten() {
            match self.fold_stable_operands(e) {
                Ok(folded) => conjuncts.extend(folded.into_conjuncts()),
                Err(_) => return Default::default(),
            }
        }
        crate::partition::pruned_tables(self.catalog, table, &conjuncts, inherited)
            .unwrap_or_default()
    }

    /// The candidates that pass `security`, then `filter`.
    fn keep_passing(
        &mut self,
        candidates: Vec<(u64, Row)>,
        filter: Option<&Expr>,
        security: Option<&Expr>,
    ) -> PgResult<Vec<(u64, Row)>> {
        let mut out = Vec::with_capacity(candidates.len());
        // Predicates with their stable operands folded, made at the first row
        // and only for scans with enough rows to repay the copy.
        let fold = candidates.len() > 8;
        let mut folded: Option<(Option<Expr>, Option<Expr>)> = None;
        for (i, (rowid, row)) in candidates.into_iter().enumerate() {
            if i % 1024 == 0 {
                self.check_cancel()?;
            }
            if fold && folded.is_none() {
                let sec = security.map(|e| self.fold_stable_operands(e)).transpose()?;
                let fil = filter.map(|e| self.fold_stable_operands(e)).transpose()?;
                folded = Some((sec, fil));
            }
            let (security, filter) = match &folded {
                Some((s, f)) => (s.as_ref(), f.as_ref()),
                None => (security, filter),
            };
            if self.passes(security, filter, &row)? {
                out.push((rowid, row));
            }
        }
        Ok(out)
    }

    fn series(&mut self, args: &[Expr]) -> PgResult<Vec<Row>> {
        let vals: Vec<Value> = args
            .iter()
            .map(|a| self.eval(a, &[]))
            .collect::<PgResult<_>>()?;
        if vals.iter().any(Value::is_null) {
            return Ok(vec![]);
        }
        let mut out = Vec::new();
        match &vals[0] {
            Value::Numeric(_) => {
                let (start, stop) = (
                    vals[0].as_decimal().unwrap_or_default(),
                    vals[1].as_decimal().unwrap_or_default(),
                );
                let step = vals
                    .get(2)
                    .and_then(Value::as_decimal)
                    .unwrap_or(rust_decimal::Decimal::ONE);
                if step.is_zero() {
                    return Err(PgError::new(
                        rampart_types::SqlState::INVALID_PARAMETER_VALUE,
                        "step size cannot equal zero",
                    ));
                }
                let mut v = start;
                while (step > rust_decimal::Decimal::ZERO && v <= stop)
                    || (step < rust_decimal::Decimal::ZERO && v >= stop)
                {
                    out.push(vec![Value::Numeric(v)]);
                    v += step;
                    if out.len() % 4096 == 0 {
                        self.check_cancel()?;
                    }
                }
            }
            first => {
                let int8 = matches!(first, Value::Int8(_));
                let (start, stop) = (vals[0].as_i64().unwrap_or(0), vals[1].as_i64().unwrap_or(0));
                let step = vals.get(2).and_then(Value::as_i64).unwrap_or(1);
                if step == 0 {
                    return Err(PgError::new(
                        rampart_types::SqlState::INVALID_PARAMETER_VALUE,
                        "step size cannot equal zero",
                    ));
                }
                let mut v = start;
                while (step > 0 && v <= stop) || (step < 0 && v >= stop) {
                    out.push(vec![if int8 {
                        Value::Int8(v)
                    } else {
                        Value::Int4(v as i32)
                    }]);
                    if out.len() % 4096 == 0 {
                        self.check_cancel()?;
                    }
                    match v.checked_add(step) {
                        Some(n) => v = n,
                        None => break,
                    }
                }
            }
        }
        Ok(out)
    }

    /// A system view's rows as `viewer` sees them: all, or those of one
    /// relation (`only`).
    fn system_view_rows(&self, oid: u32, only: Option<u32>) -> Vec<Row> {
        let viewer = crate::sysview::Viewer {
            user: self.session.current_user(),
            database: self.session.database.clone(),
            search_path: self.session.search_path(),
            only,
        };
        crate::sysview::by_oid(oid)
            .map(|v| crate::sysview::rows(v, self.catalog, &viewer))
            .unwrap_or_default()
    }

    /// The rows of system view `oid` for the relations (and indexes) named
    /// `name` in any schema.
    fn rows_named(&self, oid: u32, name: &str) -> Vec<Row> {
        let cat = self.catalog;
        let mut oids = Vec::new();
        for schema in cat.schemas.values() {
            oids.extend(cat.relations.by_name(schema.oid, name).map(|r| r.oid));
            if let Some(table) = cat.relations.index_owner(schema.oid, name) {
                oids.extend(
                    table
                        .indexes
                        .iter()
                        .filter(|i| i.name == name)
                        .map(|i| i.oid),
                );
            }
        }
        oids.extend(
            cat.sequences
                .values()
                .filter(|q| q.name == name)
                .map(|q| q.oid),
        );
        // System catalogs and views of that name (pg_catalog's and
        // information_schema's).
        oids.extend(
            crate::sysview::system_relations::all()
                .filter(|r| r.view.name == name)
                .map(|r| r.view.oid),
        );
        oids.extend(crate::sysview::catalog_index_named(name).map(|i| i.oid));
        self.rows_for_oids(oid, oids.into_iter())
    }

    /// The rows of system view `oid` for each relation OID in `oids`. One
    /// relation's rows may answer several OIDs (a table comes with its
    /// indexes' rows): each row is kept once (catalog rows are unique).
    fn rows_for_oids(&self, oid: u32, oids: impl Iterator<Item = u32>) -> Vec<Row> {
        let mut seen = std::collections::HashSet::new();
        oids.flat_map(|o| self.system_view_rows(oid, Some(o)))
            .filter(|row| seen.insert(row.iter().flat_map(|v| v.group_key()).collect::<Vec<u8>>()))
            .collect()
    }

    /// Both inputs of a join. When one side is a catalog view keyed by
    /// relation OID (pg_class, pg_attribute, pg_index, …) and joined on that
    /// key, the other side runs first and the view is built only for the
    /// few OIDs it produced — a parameterized catalog lookup instead of
    /// building every relation's rows. Only where the view's unmatched rows
    /// cannot appear in the result (its side is not preserved by an outer
    /// join).
    fn join_inputs(
        &mut self,
        left: &Plan,
        right: &Plan,
        kind: JoinKind,
        on: Option<&Expr>,
        left_width: usize,
    ) -> PgResult<(Vec<Row>, Vec<Row>)> {
        let keys = on.map(|p| equi_keys(p, left_width)).unwrap_or_default();
        if matches!(kind, JoinKind::Inner | JoinKind::Left) {
            let pairs: Vec<(usize, usize)> = keys.iter().map(|(l, r)| (*r, *l)).collect();
            if let Some((l, r)) = self.keyed_view_after(right, left, &pairs)? {
                return Ok((l, r));
            }
        }
        if matches!(kind, JoinKind::Inner | JoinKind::Right) {
            if let Some((r, l)) = self.keyed_view_after(left, right, &keys)? {
                return Ok((l, r));
            }
        }
        Ok((self.run(left)?, self.run(right)?))
    }

    /// When `view` is a keyed catalog view joined on its key (`pairs`:
    /// view column, other column): runs `other`, then builds the view for
    /// the OIDs it produced. (other rows, view rows), or None otherwise.
    fn keyed_view_after(
        &mut self,
        view: &Plan,
        other: &Plan,
        pairs: &[(usize, usize)],
    ) -> PgResult<Option<(Vec<Row>, Vec<Row>)>> {
        let Some((oid, col, filter)) = keyed_join_view(view, pairs) else {
            return Ok(None);
        };
        let other_rows = self.run(other)?;
        let view_rows = match self.rows_for_keys(oid, &other_rows, col, filter)? {
            Some(rows) => rows,
            None => self.run(view)?,
        };
        Ok(Some((other_rows, view_rows)))
    }

    /// The rows of system view `oid` for the relation OIDs in column `col`
    /// of `rows`; None when there are too many to be worth it.
    fn rows_for_keys(
        &mut self,
        oid: u32,
        rows: &[Row],
        col: usize,
        filter: Option<&Expr>,
    ) -> PgResult<Option<Vec<Row>>> {
        const MAX_KEYS: usize = 64;
        let mut oids: Vec<u32> = rows
            .iter()
            .filter_map(|r| r.get(col)?.as_i64())
            .filter_map(|o| u32::try_from(o).ok())
            .collect();
        oids.sort_unstable();
        oids.dedup();
        if oids.len() > MAX_KEYS {
            return Ok(None);
        }
        let mut out = Vec::new();
        for row in self.rows_for_oids(oid, oids.into_iter()) {
            if let Some(p) = filter {
                if !self.eval_bool(p, &row)? {
                    continue;
                }
            }
            out.push(row);
        }
        Ok(Some(out))
    }

    /// LIMIT over `FOR UPDATE`/`SHARE` (filters, sorts and projections
    /// between them): rows are locked in the order the limit takes them and
    /// only until it has enough, as PostgreSQL's LockRows under Limit — a
    /// row that changed while we waited is checked again and, if it no
    /// longer qualifies, does not count. None when `input` is not that shape.
    fn limit_locked(
        &mut self,
        input: &Plan,
        limit: Option<usize>,
        offset: usize,
    ) -> PgResult<Option<Vec<Row>>> {
        let mut chain: Vec<&Plan> = Vec::new();
        let mut p = input;
        let (table, access, filter, security, wait) = loop {
            match p {
                Plan::Project { input, .. }
                | Plan::Filter { input, .. }
                | Plan::Sort { input, .. } => {
                    chain.push(p);
                    p = input;
                }
                Plan::LockRows { input, wait } => match input.as_ref() {
                    Plan::Scan {
                        table,
                        access,
                        filter,
                        security,
                        inherited,
                        rowid: false,
                    } if inherited.is_empty() => {
                        break (*table, access, filter.as_ref(), security.as_ref(), *wait)
                    }
                    _ => return Ok(None),
                },
                _ => return Ok(None),
            }
        };
        chain.reverse();
        let scanned = self.scan(table, access, filter, security)?;
        // (row id, table row, row as the chain made it)
        let rows: Vec<(u64, Row, Row)> = scanned
            .into_iter()
            .map(|(id, r)| (id, r.clone(), r))
            .collect();
        let rows = self.through_chain(&chain, rows)?;
        let wanted = limit.map(|l| l.saturating_add(offset));
        let mut out = Vec::new();
        for (id, row, shaped) in rows {
            if wanted.is_some_and(|w| out.len() >= w) {
                break;
            }
            let locked =
                self.lock_scanned(table, vec![(id, row.clone())], filter, security, wait, None)?;
            let Some((_, latest)) = locked.into_iter().next() else {
                continue;
            };
            if latest == row {
                out.push(shaped);
                continue;
            }
            // Changed while we waited: shape the new version again.
            let again = self.through_chain(&chain, vec![(id, latest.clone(), latest)])?;
            if let Some((_, _, shaped)) = again.into_iter().next() {
                out.push(shaped);
            }
        }
        Ok(Some(out.into_iter().skip(offset).collect()))
    }

    /// Runs rows through Filter / Project / Sort nodes (bottom first),
    /// keeping each row's id and table row alongside.
    fn through_chain(
        &mut self,
        chain: &[&Plan],
        mut rows: Vec<(u64, Row, Row)>,
    ) -> PgResult<Vec<(u64, Row, Row)>> {
        for node in chain {
            rows = match node {
                Plan::Filter { predicate, .. } => {
                    let mut kept = Vec::with_capacity(rows.len());
                    for r in rows {
                        if self.eval_bool(predicate, &r.2)? {
                            kept.push(r);
                        }
                    }
                    kept
                }
                Plan::Project { exprs, .. } => {
                    let mut out = Vec::with_capacity(rows.len());
                    for (id, row, shaped) in rows {
                        let mut o = Vec::with_capacity(exprs.len());
                        for e in exprs.iter() {
                            o.push(self.eval(e, &shaped)?);
                        }
                        out.push((id, row, o));
                    }
                    out
                }
                Plan::Sort { keys, .. } => {
                    // Sort the shaped rows with their position appended
                    // (sort keys read only the columns before it).
                    let tagged: Vec<Row> = rows
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let mut t = r.2.clone();
                            t.push(Value::Int8(i as i64));
                            t
                        })
                        .collect();
                    let sorted = self.sort(tagged, keys)?;
                    let mut slots: Vec<Option<(u64, Row, Row)>> =
                        rows.into_iter().map(Some).collect();
                    sorted
                        .iter()
                        .filter_map(|t| match t.last() {
                            Some(Value::Int8(i)) => {
                                slots.get_mut(*i as usize).and_then(Option::take)
                            }
                            _ => None,
                        })
                        .collect()
                }
                _ => rows,
            };
        }
        Ok(rows)
    }

    /// A LATERAL join: the right side is run again for every left row.
    /// Runs [`Plan::ProjectSet`].
    fn project_set(&mut self, input: &Plan, srfs: &[Plan]) -> PgResult<Vec<Row>> {
        let mut out = Vec::new();
        for (i, row) in self.run(input)?.into_iter().enumerate() {
            if i % 256 == 0 {
                self.check_cancel()?;
            }
            self.outer.push(row.clone());
            let sets: PgResult<Vec<Vec<Row>>> = srfs.iter().map(|p| self.run(p)).collect();
            self.outer.pop();
            let sets = sets?;
            let longest = sets.iter().map(Vec::len).max().unwrap_or(0);
            for k in 0..longest {
                let mut r = row.clone();
                for set in &sets {
                    let value = set.get(k).and_then(|v| v.first()).cloned();
                    r.push(value.unwrap_or(Value::Null));
                }
                out.push(r);
            }
        }
        Ok(out)
    }

    fn lateral_join(
        &mut self,
        left: &Plan,
        right: &Plan,
        kind: JoinKind,
        on: Option<&Expr>,
        right_width: usize,
    ) -> PgResult<Vec<Row>> {
        let mut out = Vec::new();
        for (li, lrow) in self.run(left)?.into_iter().enumerate() {
            if li % 256 == 0 {
                self.check_cancel()?;
            }
            self.outer.push(lrow.clone());
            let rows = self.run(right);
            self.outer.pop();
            let mut matched = false;
            for rrow in rows? {
                let mut row = lrow.clone();
                row.extend(rrow);
                let ok = match on {
                    Some(p) => self.eval_bool(p, &row)?,
                    None => true,
                };
                if ok {
                    matched = true;
                    out.push(row);
                    if out.len() > MAX_JOIN_ROWS {
                        return Err(join_too_large());
                    }
                }
            }
            if !matched && kind == JoinKind::Left {
                let mut row = lrow;
                row.extend(std::iter::repeat_n(Value::Null, right_width));
                out.push(row);
            }
        }
        Ok(out)
    }

    fn join(
        &mut self,
        left: &Plan,
        right: &Plan,
        kind: JoinKind,
        on: Option<&Expr>,
        left_width: usize,
        right_width: usize,
    ) -> PgResult<Vec<Row>> {
        let (l, r) = self.join_inputs(left, right, kind, on, left_width)?;
        // An inner equi-join hashes the smaller input and probes with the
        // larger one in its order, as PostgreSQL's hash join usually does.
        if kind == JoinKind::Inner && l.len() < r.len() {
            if let Some(p) = on {
                if let Some(rows) = self.probe_with_right(p, &l, &r, left_width, right_width)? {
                    return Ok(rows);
                }
            }
        }
        let mut out = Vec::new();
        let mut right_matched = vec![false; r.len()];
        // With `left.a = right.b` conjuncts, only the right rows with equal
        // keys are candidates (a hash join); otherwise every right row is.
        let hashed = on.and_then(|p| hash_right(p, left_width, &r));
        let left_cols: Vec<usize> = hashed
            .as_ref()
            .map(|(keys, _)| keys.iter().map(|(lc, _)| *lc).collect())
            .unwrap_or_default();
        let all_right: Vec<usize> = if hashed.is_none() {
            (0..r.len()).collect()
        } else {
            Vec::new()
        };
        for lrow in l.iter() {
            // Each outer row may meet every inner one: look at every row.
            self.check_cancel()?;
            let mut matched = false;
            let candidates: &[usize] = match &hashed {
                Some((_, table)) => match join_key(lrow, &left_cols).and_then(|k| table.get(&k)) {
                    Some(c) => c,
                    None => &[],
                },
                None => &all_right,
            };
            for &ri in candidates {
                let rrow = &r[ri];
                let mut row = Vec::with_capacity(left_width + right_width);
                row.extend(lrow.iter().cloned());
                row.extend(rrow.iter().cloned());
                let ok = match on {
                    Some(p) => self.eval_bool(p, &row)?,
                    None => true,
                };
                if ok {
                    matched = true;
                    right_matched[ri] = true;
                    out.push(row);
                    if out.len() > MAX_JOIN_ROWS {
                        return Err(join_too_large());
                    }
                }
            }
            if !matched && matches!(kind, JoinKind::Left | JoinKind::Full) {
                let mut row = lrow.clone();
                row.extend(std::iter::repeat_n(Value::Null, right_width));
                out.push(row);
            }
        }
        if matches!(kind, JoinKind::Right | JoinKind::Full) {
            for (ri, rrow) in r.iter().enumerate() {
                if !right_matched[ri] {
                    let mut row: Row = std::iter::repeat_n(Value::Null, left_width).collect();
                    row.extend(rrow.iter().cloned());
                    out.push(row);
                }
            }
        }
        Ok(out)
    }

    /// Inner hash join with the hash table over the left rows, output in
    /// the right rows' order; None when the condition has no usable keys.
    fn probe_with_right(
        &mut self,
        on: &Expr,
        l: &[Row],
        r: &[Row],
        left_width: usize,
        right_width: usize,
    ) -> PgResult<Option<Vec<Row>>> {
        let keys = equi_keys(on, left_width);
        if keys.is_empty() {
            return Ok(None);
        }
        let left_cols: Vec<usize> = keys.iter().map(|(lc, _)| *lc).collect();
        let right_cols: Vec<usize> = keys.iter().map(|(_, rc)| *rc).collect();
        let mut table: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for (i, row) in l.iter().enumerate() {
            if unhashable(row, &left_cols) {
                return Ok(None);
            }
            if let Some(k) = join_key(row, &left_cols) {
                table.entry(k).or_default().push(i);
            }
        }
        let mut out = Vec::new();
        for (ri, rrow) in r.iter().enumerate() {
            if ri % 256 == 0 {
                self.check_cancel()?;
            }
            let Some(candidates) = join_key(rrow, &right_cols).and_then(|k| table.get(&k)) else {
                continue;
            };
            for &li in candidates {
                let mut row = Vec::with_capacity(left_width + right_width);
                row.extend(l[li].iter().cloned());
                row.extend(rrow.iter().cloned());
                if self.eval_bool(on, &row)? {
                    out.push(row);
                    if out.len() > MAX_JOIN_ROWS {
                        return Err(join_too_large());
                    }
                }
            }
        }
        Ok(Some(out))
    }

    fn sort(&mut self, rows: Vec<Row>, keys: &[SortKey]) -> PgResult<Vec<Row>> {
        let mut keyed = Vec::with_capacity(rows.len());
        for r in rows {
            let mut k = Vec::with_capacity(keys.len());
            for key in keys {
                k.push(self.eval(&key.expr, &r)?);
            }
            keyed.push((k, r));
        }
        keyed.sort_by(|(a, _), (b, _)| compare_keys(a, b, keys));
        Ok(keyed.into_iter().map(|(_, r)| r).collect())
    }

    /// Runs a subquery with `row` as its outer row (cached when uncorrelated).
    pub fn run_subquery(&mut self, plan: &Plan, row: &[Value]) -> PgResult<Rc<Vec<Row>>> {
        let key = plan as *const Plan as usize;
        if let Some(rows) = self.uncorrelated.get(&key) {
            return Ok(rows.clone());
        }
        self.outer.push(row.to_vec());
        let r = self.run(plan);
        self.outer.pop();
        let rows = Rc::new(r?);
        if !plan_is_correlated(plan) {
            self.uncorrelated.insert(key, rows.clone());
        }
        Ok(rows)
    }

    /// The outer row `depth` levels up.
    pub fn outer_row(&self, depth: usize) -> Option<&Row> {
        self.outer
            .len()
            .checked_sub(depth)
            .and_then(|i| self.outer.get(i))
    }
}

fn count_value(v: Value, what: &str) -> PgResult<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        v => {
            let n = v.as_i64().unwrap_or(0);
            if n < 0 {
                return Err(PgError::new(
                    rampart_types::SqlState::INVALID_ROW_COUNT,
                    format!("{what} must not be negative"),
                ));
            }
            Ok(Some(n))
        }
    }
}

fn set_op(kind: SetOpKind, all: bool, l: Vec<Row>, r: Vec<Row>) -> Vec<Row> {
    let key = |row: &Row| -> Vec<u8> { row.iter().flat_map(|v| v.group_key()).collect() };
    match kind {
        SetOpKind::Union => {
            let mut out = l;
            out.extend(r);
            if !all {
                let mut seen = std::collections::HashSet::new();
                out.retain(|row| seen.insert(key(row)));
            }
            out
        }
        SetOpKind::Intersect | SetOpKind::Except => {
            let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
            for row in &r {
                *counts.entry(key(row)).or_default() += 1;
            }
            let mut out = Vec::new();
            let mut emitted = std::collections::HashSet::new();
            for row in l {
                let k = key(&row);
                let c = counts.get(&k).copied().unwrap_or(0);
                let keep = match kind {
                    SetOpKind::Intersect => c > 0,
                    _ => c == 0,
                };
                if all {
                    if kind == SetOpKind::Intersect && c > 0 {
                        counts.insert(k, c - 1);
                        out.push(row);
                    } else if kind == SetOpKind::Except {
                        if c > 0 {
                            counts.insert(k, c - 1);
                        } else {
                            out.push(row);
                        }
                    }
                } else if keep && emitted.insert(k) {
                    out.push(row);
                }
            }
            out
        }
    }
}

/// Whether running `plan` can wait on something other than the CPU: a
/// sequence (nextval/setval commit on their own, with an fsync). Plans that
/// cannot are run inline on the connection's async worker; others move to a
/// blocking thread.
pub fn plan_may_block(plan: &Plan) -> bool {
    let mut found = false;
    let mut waits = false;
    walk_plan(
        plan,
        &mut |e| {
            if expr_may_block(e) {
                found = true;
            }
        },
        // Row locks and data-modifying statements may wait for other transactions.
        &mut |p| {
            if matches!(p, Plan::LockRows { .. } | Plan::Modify(_)) {
                waits = true;
            }
        },
    );
    found || waits
}

/// A scan's rows, each followed by its row id when the plan asks for it
/// (a cursor's scan: see [`Plan::Scan`]'s `rowid`).
fn with_rowids(rows: Vec<(u64, Row)>, rowid: bool) -> Vec<Row> {
    rows.into_iter()
        .map(|(id, mut r)| {
            if rowid {
                r.push(Value::Int8(id as i64));
            }
            r
        })
        .collect()
}

/// Whether a bound statement may block on something other than the waits
/// that hand the async worker off themselves (row and table locks, WAL
/// fsyncs; see [`rampart_storage::wait`]): queries as [`plan_may_block`];
/// INSERT, UPDATE and DELETE when an expression calls a user function or a
/// sequence function, or a data-modifying CTE is nested in them.
pub fn statement_may_block(stmt: &DataStatement) -> bool {
    // Asked at every Execute: references only, nothing cloned.
    let mut plans: Vec<&Plan> = Vec::new();
    let mut exprs: Vec<&Expr> = Vec::new();
    fn access<'a>(a: &'a Access, exprs: &mut Vec<&'a Expr>) {
        if let Access::IndexEq { key, .. } = a {
            exprs.extend(key);
        }
    }
    fn rls<'a>(c: &'a Option<crate::plan::RlsCheck>, exprs: &mut Vec<&'a Expr>) {
        if let Some(c) = c {
            exprs.push(&c.permissive);
            exprs.extend(c.restrictive.iter().map(|(_, e)| e));
        }
    }
    match stmt {
        DataStatement::Query(p) => return plan_may_block(p),
        DataStatement::Insert(p) => {
            plans.extend(p.with.iter().flat_map(cte_parts));
            plans.push(&p.source);
            exprs.extend(p.defaults.iter().flatten());
            exprs.extend(p.checks.iter().map(|(_, e)| e));
            if let Some(crate::plan::OnConflictPlan::Update {
                assignments,
                filter,
            }) = &p.on_conflict
            {
                exprs.extend(assignments.iter().map(|(_, e)| e));
                exprs.extend(filter);
            }
            exprs.extend(p.returning.iter().flatten());
            for c in [
                &p.check,
                &p.update_check,
                &p.conflict_check,
                &p.select_check,
            ] {
                rls(c, &mut exprs);
            }
        }
        DataStatement::Update(p) => {
            plans.extend(p.with.iter().flat_map(cte_parts));
            plans.extend(p.from.as_deref());
            access(&p.access, &mut exprs);
            exprs.extend(&p.filter);
            exprs.extend(p.assignments.iter().map(|(_, e)| e));
            exprs.extend(p.checks.iter().map(|(_, e)| e));
            exprs.extend(p.returning.iter().flatten());
            exprs.extend(&p.security);
            rls(&p.check, &mut exprs);
            rls(&p.select_check, &mut exprs);
        }
        DataStatement::Delete(p) => {
            plans.extend(p.with.iter().flat_map(cte_parts));
            plans.extend(p.using.as_deref());
            access(&p.access, &mut exprs);
            exprs.extend(&p.filter);
            exprs.extend(p.returning.iter().flatten());
            exprs.extend(&p.security);
        }
        // A MERGE's actions may wait on row locks and call anything.
        DataStatement::Merge(_) => return true,
    }
    plans.into_iter().any(plan_may_block) || exprs.into_iter().any(expr_may_block)
}

/// A CTE's plans: its base part and its recursive part.
fn cte_parts(cte: &crate::plan::CtePlan) -> impl Iterator<Item = &Plan> {
    std::iter::once(&cte.base).chain(cte.recursive.as_ref().map(|(p, _)| p))
}

/// Whether evaluating `e` may run user code (a routine call). nextval and
/// setval may wait too — for the sequence's row lock and the commit of the
/// block of values they reserve every 32 calls — but those waits go through
/// the storage wait hook like any other, so they do not count.
fn expr_may_block(e: &Expr) -> bool {
    match e {
        Expr::Call { .. } => true,
        Expr::Func(_, args) => args.iter().any(expr_may_block),
        Expr::Neg(x)
        | Expr::Not(x)
        | Expr::IsNull(x, _)
        | Expr::Cast(x, _)
        | Expr::IsBool(x, _, _) => expr_may_block(x),
        Expr::Domain(x, d) => expr_may_block(x) || d.checks.iter().any(|(_, c)| expr_may_block(c)),
        Expr::Binary(_, a, b) | Expr::IsDistinct(a, b, _) => expr_may_block(a) || expr_may_block(b),
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            operand.as_deref().is_some_and(expr_may_block)
                || whens
                    .iter()
                    .any(|(a, b)| expr_may_block(a) || expr_may_block(b))
                || else_.as_deref().is_some_and(expr_may_block)
        }
        Expr::InList { expr, list, .. } => expr_may_block(expr) || list.iter().any(expr_may_block),
        Expr::Like { expr, pattern, .. } => expr_may_block(expr) || expr_may_block(pattern),
        Expr::ScalarSubquery(p) | Expr::Exists(p, _) | Expr::ArraySubquery(p) => plan_may_block(p),
        Expr::ArrayLit(items) => items.iter().any(expr_may_block),
        Expr::QuantifiedArray { expr, array, .. } => expr_may_block(expr) || expr_may_block(array),
        Expr::InSubquery { expr, plan, .. } | Expr::QuantifiedSubquery { expr, plan, .. } => {
            expr_may_block(expr) || plan_may_block(plan)
        }
        _ => false,
    }
}

/// Whether a plan reads any outer-row column (directly, at depth 1 from its own level).
pub(crate) fn plan_is_correlated(plan: &Plan) -> bool {
    let mut found = false;
    walk_plan(
        plan,
        &mut |e| {
            if expr_has_outer(e) {
                found = true;
            }
        },
        &mut |_| {},
    );
    found
}

fn expr_has_outer(e: &Expr) -> bool {
    match e {
        Expr::Outer { .. } => true,
        Expr::Neg(x)
        | Expr::Not(x)
        | Expr::IsNull(x, _)
        | Expr::Cast(x, _)
        | Expr::Domain(x, _)
        | Expr::IsBool(x, _, _) => expr_has_outer(x),
        Expr::Binary(_, a, b) | Expr::IsDistinct(a, b, _) => expr_has_outer(a) || expr_has_outer(b),
        // A user function's arguments are read like a built-in's.
        Expr::Func(_, args) | Expr::Call { args, .. } => args.iter().any(expr_has_outer),
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            operand.as_deref().is_some_and(expr_has_outer)
                || whens
                    .iter()
                    .any(|(a, b)| expr_has_outer(a) || expr_has_outer(b))
                || else_.as_deref().is_some_and(expr_has_outer)
        }
        Expr::InList { expr, list, .. } => expr_has_outer(expr) || list.iter().any(expr_has_outer),
        Expr::Like { expr, pattern, .. } => expr_has_outer(expr) || expr_has_outer(pattern),
        // Nested subqueries may reach two levels up; treat them as correlated.
        Expr::ScalarSubquery(_) | Expr::Exists(..) | Expr::ArraySubquery(_) => true,
        Expr::ArrayLit(items) => items.iter().any(expr_has_outer),
        Expr::QuantifiedArray { expr, array, .. } => expr_has_outer(expr) || expr_has_outer(array),
        Expr::InSubquery { .. } | Expr::QuantifiedSubquery { .. } => true,
        Expr::Column(_) | Expr::Literal(_) | Expr::Param(_) => false,
    }
}

/// Compares two rows' evaluated sort keys (`a[i]` and `b[i]` for `keys[i]`):
/// direction, NULLS FIRST/LAST, then the values' total order.
fn compare_keys(a: &[Value], b: &[Value], keys: &[SortKey]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for (i, key) in keys.iter().enumerate() {
        let (x, y) = (&a[i], &b[i]);
        let ord = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) if key.nulls_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if key.nulls_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) if key.desc => x.total_cmp(y).reverse(),
            (false, false) => x.total_cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Visits every plan node (`node`) and every expression (`f`) of a plan,
/// subquery plans inside expressions excepted (callers recurse into those).
fn walk_plan(plan: &Plan, f: &mut dyn FnMut(&Expr), node: &mut dyn FnMut(&Plan)) {
    node(plan);
    match plan {
        Plan::Modify(_) => {}
        Plan::LockRows { input, .. } | Plan::Barrier { input, .. } => walk_plan(input, f, node),
        Plan::SystemView { rel, .. } => {
            if let Some(e) = rel {
                f(e);
            }
        }
        Plan::Single | Plan::CteScan { .. } | Plan::SequenceState { .. } => {}
        Plan::Values { rows, .. } => rows.iter().flatten().for_each(&mut *f),
        Plan::Scan {
            access,
            filter,
            security,
            ..
        } => {
            if let Some(x) = filter {
                f(x);
            }
            if let Some(x) = security {
                f(x);
            }
            if let Access::IndexEq { key, .. } = access {
                key.iter().for_each(&mut *f);
            }
        }
        Plan::Series { args, .. }
        | Plan::FunctionScan { args, .. }
        | Plan::BuiltinSrf { args, .. } => args.iter().for_each(&mut *f),
        Plan::Unnest { arg } | Plan::AclExplode { arg } => f(arg),
        Plan::ProjectSet { input, srfs } => {
            walk_plan(input, f, node);
            for p in srfs {
                walk_plan(p, f, node);
            }
        }
        Plan::Filter { input, predicate } => {
            f(predicate);
            walk_plan(input, f, node);
        }
        Plan::Project { input, exprs } => {
            exprs.iter().for_each(&mut *f);
            walk_plan(input, f, node);
        }
        Plan::Join {
            left, right, on, ..
        }
        | Plan::Lateral {
            left, right, on, ..
        } => {
            if let Some(o) = on {
                f(o);
            }
            walk_plan(left, f, node);
            walk_plan(right, f, node);
        }
        Plan::Aggregate {
            input,
            group_by,
            aggs,
        } => {
            group_by.iter().for_each(&mut *f);
            for a in aggs {
                a.args.iter().for_each(&mut *f);
                if let Some(x) = &a.filter {
                    f(x);
                }
            }
            walk_plan(input, f, node);
        }
        Plan::Sort { input, keys } => {
            keys.iter().for_each(|k| f(&k.expr));
            walk_plan(input, f, node);
        }
        Plan::Window { input, calls } => {
            for c in calls {
                c.args.iter().for_each(&mut *f);
                c.partition.iter().for_each(&mut *f);
                c.order.iter().for_each(|k| f(&k.expr));
                if let crate::plan::WindowFunc::Aggregate(a) = &c.func {
                    a.args.iter().for_each(&mut *f);
                    a.filter.iter().for_each(&mut *f);
                }
            }
            walk_plan(input, f, node);
        }
        Plan::Limit {
            input,
            limit,
            offset,
        } => {
            if let Some(x) = limit {
                f(x);
            }
            if let Some(x) = offset {
                f(x);
            }
            walk_plan(input, f, node);
        }
        Plan::Distinct { input, on } => {
            on.iter().for_each(&mut *f);
            walk_plan(input, f, node);
        }
        Plan::SetOp { left, right, .. } => {
            walk_plan(left, f, node);
            walk_plan(right, f, node);
        }
        Plan::With { ctes, body } => {
            for c in ctes {
                walk_plan(&c.base, f, node);
                if let Some((r, _)) = &c.recursive {
                    walk_plan(r, f, node);
                }
            }
            walk_plan(body, f, node);
        }
    }
}

/// Join results are materialized; past this many rows a join fails with
/// "out of memory" instead of exhausting the server's memory (PostgreSQL
/// would stream such a join).
const MAX_JOIN_ROWS: usize = 5_000_000;

/// A join input that is a catalog view keyed by relation OID (pg_class,
/// pg_attribute, pg_index, …), maybe under a filter, joined on that key:
/// its OID, the other side's key column, and the filter. `pairs` are
/// (this side's column, other side's column) equalities of the join.
fn keyed_join_view<'p>(
    plan: &'p Plan,
    pairs: &[(usize, usize)],
) -> Option<(u32, usize, Option<&'p Expr>)> {
    let (view, filter) = match plan {
        Plan::Filter { input, predicate } => (input.as_ref(), Some(predicate)),
        other => (other, None),
    };
    let Plan::SystemView { oid, rel: None } = view else {
        return None;
    };
    let sysview = crate::sysview::by_oid(*oid)?;
    let key = crate::sysview::relation_key(sysview)?;
    let key_col = sysview.columns.iter().position(|(n, _)| *n == key)?;
    pairs
        .iter()
        .find(|(view_col, _)| *view_col == key_col)
        .map(|(_, other)| (*oid, *other, filter))
}

fn join_too_large() -> PgError {
    PgError::new(rampart_types::SqlState("53200"), "out of memory").with_detail(format!(
        "A join produced more than {MAX_JOIN_ROWS} rows; Rampart materializes join results."
    ))
}

/// The equi-join keys of a join condition: `(left column, right column)`
/// pairs of `left.a = right.b` conjuncts (right columns relative to the
/// right row).
fn equi_keys(on: &Expr, left_width: usize) -> Vec<(usize, usize)> {
    on.clone()
        .into_conjuncts()
        .iter()
        .filter_map(|c| match c {
            Expr::Binary(crate::expr::BinOp::Eq, a, b) => match (a.as_ref(), b.as_ref()) {
                (Expr::Column(x), Expr::Column(y)) if *x < left_width && *y >= left_width => {
                    Some((*x, *y - left_width))
                }
                (Expr::Column(y), Expr::Column(x)) if *x < left_width && *y >= left_width => {
                    Some((*x, *y - left_width))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A row's join key over `cols`; None when a key value is NULL (which
/// equals nothing) or of a type whose equal values may encode differently.
fn join_key(row: &[Value], cols: &[usize]) -> Option<Vec<u8>> {
    if unhashable(row, cols) {
        return None;
    }
    let mut key = Vec::new();
    for c in cols {
        match row.get(*c)? {
            Value::Null => return None,
            v => crate::keys::encode_value(&mut key, v),
        }
    }
    Some(key)
}

/// Whether a key value is of a type whose equal values may encode
/// differently (-0.0 and 0.0, arrays): joins on such keys are not hashed.
fn unhashable(row: &[Value], cols: &[usize]) -> bool {
    cols.iter().any(|c| {
        matches!(
            row.get(*c),
            Some(Value::Float4(_) | Value::Float8(_) | Value::Array(_))
        )
    })
}

/// Equi-join keys and the right rows by key, or None when the condition
/// has no usable equality (or a right key cannot be hashed).
type HashedRight = (Vec<(usize, usize)>, HashMap<Vec<u8>, Vec<usize>>);

fn hash_right(on: &Expr, left_width: usize, right: &[Row]) -> Option<HashedRight> {
    let keys = equi_keys(on, left_width);
    if keys.is_empty() {
        return None;
    }
    let cols: Vec<usize> = keys.iter().map(|(_, rc)| *rc).collect();
    let mut table: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
    for (i, row) in right.iter().enumerate() {
        if unhashable(row, &cols) {
            return None;
        }
        if let Some(k) = join_key(row, &cols) {
            table.entry(k).or_default().push(i);
        }
    }
    Some((keys, table))
}
