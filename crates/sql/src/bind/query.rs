//! SELECT, set operations, WITH, ORDER BY, LIMIT.

use sqlparser::ast::{self, SelectItem, SetExpr};

use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use super::expr::{contains_aggregate_named, AggState, ExprCtx};
use super::{ident, Binder, CteBinding, Scope, ScopeColumn};
use crate::expr::{BinOp, Expr};
use crate::functions;
use crate::plan::{Access, CtePlan, DataStatement, OutputColumn, Plan, SetOpKind, SortKey};

impl Binder<'_> {
    /// Binds a data statement: a query, an INSERT, UPDATE or DELETE, or
    /// `WITH … INSERT/UPDATE/DELETE`, whose WITH queries run first.
    pub fn bind_data_statement(
        &mut self,
        stmt: &ast::Statement,
    ) -> PgResult<(DataStatement, Vec<OutputColumn>)> {
        match stmt {
            ast::Statement::Query(q) => match crate::parser::modifying_body(q) {
                Some(inner) => self.bind_modifying_with(q, inner),
                None => {
                    let (plan, cols) = self.bind_query(q)?;
                    Ok((DataStatement::Query(plan), cols))
                }
            },
            ast::Statement::Insert(i) => self.bind_insert(i),
            ast::Statement::Update(u) => self.bind_update(u),
            ast::Statement::Delete(d) => self.bind_delete(d),
            ast::Statement::Merge(m) => self.bind_merge(m),
            _ => Err(PgError::internal("not a data statement")),
        }
    }

    /// `WITH … INSERT/UPDATE/DELETE`: the WITH queries (data-modifying ones
    /// too, as at the top of a query) are in scope of the statement.
    fn bind_modifying_with(
        &mut self,
        q: &ast::Query,
        inner: &ast::Statement,
    ) -> PgResult<(DataStatement, Vec<OutputColumn>)> {
        let saved_ctes = self.ctes.len();
        let r = self.bind_modifying_with_in_scope(q, inner);
        self.ctes.truncate(saved_ctes);
        r
    }

    fn bind_modifying_with_in_scope(
        &mut self,
        q: &ast::Query,
        inner: &ast::Statement,
    ) -> PgResult<(DataStatement, Vec<OutputColumn>)> {
        // Bound as the WITH of a top-level query.
        self.query_nesting += 1;
        let ctes = self.bind_ctes(q);
        self.query_nesting -= 1;
        let mut ctes = ctes?;
        let (mut stmt, cols) = match inner {
            ast::Statement::Insert(i) => self.bind_insert(i)?,
            ast::Statement::Update(u) => self.bind_update(u)?,
            ast::Statement::Delete(d) => self.bind_delete(d)?,
            ast::Statement::Merge(m) => self.bind_merge(m)?,
            _ => return Err(PgError::unsupported("this statement after WITH")),
        };
        self.mark_read_ctes(&mut ctes);
        match &mut stmt {
            DataStatement::Insert(p) => p.with = ctes,
            DataStatement::Update(p) => p.with = ctes,
            DataStatement::Delete(p) => p.with = ctes,
            DataStatement::Merge(p) => p.with = ctes,
            DataStatement::Query(_) => {}
        }
        Ok((stmt, cols))
    }

    /// Binds the WITH queries of `q` in order, each in scope of the later
    /// ones and of the body (the caller drops them from scope afterwards).
    fn bind_ctes(&mut self, q: &ast::Query) -> PgResult<Vec<CtePlan>> {
        let Some(with) = &q.with else {
            return Ok(Vec::new());
        };
        with.cte_tables
            .iter()
            .map(|cte| self.bind_cte(cte, with.recursive))
            .collect()
    }

    /// Notes which of a statement's CTEs something reads (a data-modifying
    /// one nothing reads runs after the main statement, as PostgreSQL).
    fn mark_read_ctes(&mut self, ctes: &mut [CtePlan]) {
        for cte in ctes {
            cte.read = self.read_ctes.contains(&cte.id);
        }
    }

    /// Binds a whole query (WITH, body, ORDER BY, LIMIT/OFFSET).
    pub fn bind_query(&mut self, q: &ast::Query) -> PgResult<(Plan, Vec<OutputColumn>)> {
        self.query_nesting += 1;
        let r = self.bind_query_nested(q);
        self.query_nesting -= 1;
        r
    }

    fn bind_query_nested(&mut self, q: &ast::Query) -> PgResult<(Plan, Vec<OutputColumn>)> {
        let saved_ctes = self.ctes.len();
        let r = self
            .bind_ctes(q)
            .and_then(|ctes| Ok((ctes, self.bind_query_body(q)?)));
        self.ctes.truncate(saved_ctes);
        let (mut cte_plans, (plan, cols)) = r?;
        self.mark_read_ctes(&mut cte_plans);
        let plan = if cte_plans.is_empty() {
            plan
        } else {
            Plan::With {
                ctes: cte_plans,
                body: Box::new(plan),
            }
        };
        Ok((plan, cols))
    }

    fn bind_query_body(&mut self, q: &ast::Query) -> PgResult<(Plan, Vec<OutputColumn>)> {
        if !q.locks.is_empty() && !matches!(q.body.as_ref(), SetExpr::Select(_)) {
            return Err(PgError::unsupported("FOR UPDATE here is not supported yet"));
        }
        // `FETCH FIRST n ROWS ONLY` is the standard's LIMIT n (n defaults to 1).
        let fetch_limit = match &q.fetch {
            None => None,
            Some(f) if f.with_ties || f.percent => {
                return Err(PgError::unsupported(
                    "FETCH FIRST … WITH TIES or PERCENT is not supported yet",
                ))
            }
            Some(f) => Some(
                f.quantity
                    .clone()
                    .unwrap_or_else(|| ast::Expr::value(ast::Value::Number("1".into(), false))),
            ),
        };
        let order: Vec<ast::OrderByExpr> = match &q.order_by {
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(v) => v.clone(),
                ast::OrderByKind::All(_) => {
                    return Err(PgError::syntax("syntax error at or near \"ALL\""))
                }
            },
            None => vec![],
        };
        let (mut plan, cols) = match q.body.as_ref() {
            SetExpr::Select(s) => {
                let (plan, cols) = self.bind_select(s, &order)?;
                self.need_update_for_row_locks(s, &q.locks)?;
                (self.lock_rows(plan, s, &q.locks)?, cols)
            }
            other => {
                let (plan, cols) = self.bind_set_expr(other)?;
                let plan = self.sort_by_output(plan, &cols, &order)?;
                (plan, cols)
            }
        };
        if q.limit_clause.is_some() || fetch_limit.is_some() {
            let (limit, offset) = match &q.limit_clause {
                Some(ast::LimitClause::LimitOffset { limit, offset, .. }) => {
                    (limit.clone(), offset.as_ref().map(|o| o.value.clone()))
                }
                Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => {
                    (Some(limit.clone()), Some(offset.clone()))
                }
                None => (None, None),
            };
            let limit = fetch_limit.or(limit);
            let empty = Scope::default();
            let bind_count = |b: &mut Self,
                              e: Option<ast::Expr>,
                              what: &'static str|
             -> PgResult<Option<Expr>> {
                match e {
                    None => Ok(None),
                    Some(ast::Expr::Value(v)) if matches!(v.value, ast::Value::Null) => Ok(None),
                    Some(e) => {
                        let mut cx = ExprCtx::new(&empty, what);
                        let (x, t) = b.bind_expr(&e, &mut cx)?;
                        Ok(Some(b.coerce(x, &t, &DataType::Int8)?))
                    }
                }
            };
            let limit = bind_count(self, limit, "LIMIT")?;
            let offset = bind_count(self, offset, "OFFSET")?;
            plan = Plan::Limit {
                input: Box::new(plan),
                limit,
                offset,
            };
        }
        Ok((plan, cols))
    }

    fn bind_cte(&mut self, cte: &ast::Cte, recursive: bool) -> PgResult<CtePlan> {
        let name = ident(&cte.alias.name);
        let id = self.next_cte_id;
        self.next_cte_id += 1;
        let rename = |cols: &mut Vec<OutputColumn>| {
            for (c, a) in cols.iter_mut().zip(&cte.alias.columns) {
                c.name = ident(&a.name);
            }
        };
        if recursive {
            if let SetExpr::SetOperation {
                left,
                op: ast::SetOperator::Union,
                set_quantifier,
                right,
            } = cte.query.body.as_ref()
            {
                let (base, mut cols) = self.bind_set_expr(left)?;
                rename(&mut cols);
                self.ctes.push(CteBinding {
                    name: name.clone(),
                    id,
                    columns: cols.clone(),
                });
                let (rec, rec_cols) = self.bind_set_expr(right)?;
                if rec_cols.len() != cols.len() {
                    return Err(PgError::syntax(
                        "each UNION query must have the same number of columns",
                    ));
                }
                let rec = cast_columns(rec, &rec_cols, &cols);
                let all = matches!(set_quantifier, ast::SetQuantifier::All);
                return Ok(CtePlan {
                    id,
                    name: name.clone(),
                    base,
                    recursive: Some((rec, all)),
                    read: false,
                });
            }
        }
        let (base, mut cols) = match cte.query.body.as_ref() {
            SetExpr::Insert(st) | SetExpr::Update(st) | SetExpr::Delete(st) => {
                self.bind_modifying_cte(&cte.query, st)?
            }
            _ => self.bind_query(&cte.query)?,
        };
        rename(&mut cols);
        self.ctes.push(CteBinding {
            name: name.clone(),
            id,
            columns: cols,
        });
        Ok(CtePlan {
            id,
            name,
            base,
            recursive: None,
            read: false,
        })
    }

    /// `SELECT … FOR UPDATE/SHARE` needs UPDATE (on the table or any column)
    /// on every table it locks: the FROM tables, or those named in `OF`.
    /// Rampart does not take the row locks yet (the clause is accepted and
    /// ignored), but who may ask for them is checked as in PostgreSQL.
    fn need_update_for_row_locks(
        &mut self,
        s: &ast::Select,
        locks: &[ast::LockClause],
    ) -> PgResult<()> {
        if locks.is_empty() {
            return Ok(());
        }
        let mut tables: Vec<&ast::ObjectName> = Vec::new();
        for twj in &s.from {
            for factor in
                std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation))
            {
                if let ast::TableFactor::Table { name, alias, .. } = factor {
                    let named_in_of = |of: &ast::ObjectName| {
                        let last = of.0.last().map(|p| p.to_string());
                        let alias_name = alias.as_ref().map(|a| ident(&a.name));
                        let table_name = name.0.last().map(|p| p.to_string());
                        last.is_some() && (last == alias_name || last == table_name)
                    };
                    if locks.iter().any(|l| l.of.as_ref().is_none_or(named_in_of)) {
                        tables.push(name);
                    }
                }
            }
        }
        for name in tables {
            let is_cte = name.0.len() == 1
                && self.ctes.iter().any(|c| {
                    Some(c.name.as_str()) == name.0[0].as_ident().map(|i| i.value.as_str())
                });
            if is_cte {
                continue;
            }
            if let Ok(rel) = self.resolve_relation(name) {
                let oid = rel.oid;
                self.need(
                    rampart_security::ObjectRef::Relation(oid),
                    rampart_security::Privilege::Update,
                );
            }
        }
        Ok(())
    }

    /// `FOR UPDATE/SHARE` on a single-table SELECT: the table's scan is
    /// wrapped in [`Plan::LockRows`]; under a LIMIT the executor locks only
    /// the rows the limit takes (`Exec::limit_locked`), as PostgreSQL.
    /// Partial: joins, views and subqueries in FROM are not locked.
    fn lock_rows(
        &mut self,
        plan: Plan,
        s: &ast::Select,
        locks: &[ast::LockClause],
    ) -> PgResult<Plan> {
        let Some(lock) = locks.first() else {
            return Ok(plan);
        };
        if s.from.len() != 1 || !s.from[0].joins.is_empty() {
            return Ok(plan);
        }
        let wait = match lock.nonblock {
            None => crate::plan::RowLockWait::Wait,
            Some(ast::NonBlock::Nowait) => crate::plan::RowLockWait::NoWait,
            Some(ast::NonBlock::SkipLocked) => crate::plan::RowLockWait::SkipLocked,
        };
        fn wrap(plan: Plan, wait: crate::plan::RowLockWait) -> PgResult<Plan> {
            Ok(match plan {
                Plan::Scan { .. } => Plan::LockRows {
                    input: Box::new(plan),
                    wait,
                },
                Plan::Project { input, exprs } => Plan::Project {
                    input: Box::new(wrap(*input, wait)?),
                    exprs,
                },
                Plan::Filter { input, predicate } => Plan::Filter {
                    input: Box::new(wrap(*input, wait)?),
                    predicate,
                },
                Plan::Barrier {
                    input,
                    name,
                    columns,
                } => Plan::Barrier {
                    input: Box::new(wrap(*input, wait)?),
                    name,
                    columns,
                },
                Plan::Sort { input, keys } => Plan::Sort {
                    input: Box::new(wrap(*input, wait)?),
                    keys,
                },
                Plan::Limit {
                    input,
                    limit,
                    offset,
                } => Plan::Limit {
                    input: Box::new(wrap(*input, wait)?),
                    limit,
                    offset,
                },
                Plan::Aggregate { .. } => {
                    return Err(PgError::new(
                        SqlState::FEATURE_NOT_SUPPORTED,
                        "FOR UPDATE is not allowed with aggregate functions",
                    ))
                }
                Plan::Distinct { .. } => {
                    return Err(PgError::new(
                        SqlState::FEATURE_NOT_SUPPORTED,
                        "FOR UPDATE is not allowed with DISTINCT clause",
                    ))
                }
                // A view, CTE, function or system view: nothing of ours to lock.
                other => other,
            })
        }
        wrap(plan, wait)
    }

    /// `WITH d AS (INSERT/UPDATE/DELETE … [RETURNING …])`: allowed only in the
    /// statement's own WITH (PostgreSQL's rule); its needs and row-level
    /// security are those of the statement alone.
    fn bind_modifying_cte(
        &mut self,
        q: &ast::Query,
        st: &ast::Statement,
    ) -> PgResult<(Plan, Vec<OutputColumn>)> {
        if self.query_nesting > 1 {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "WITH clause containing a data-modifying statement must be at the top level",
            ));
        }
        if q.with.is_some() || q.order_by.is_some() || q.limit_clause.is_some() {
            return Err(PgError::unsupported(
                "WITH, ORDER BY or LIMIT around a data-modifying statement in WITH",
            ));
        }
        let (stmt, cols) = match st {
            ast::Statement::Insert(i) => self.bind_insert(i)?,
            ast::Statement::Update(u) => self.bind_update(u)?,
            ast::Statement::Delete(d) => self.bind_delete(d)?,
            _ => return Err(PgError::unsupported("this statement in WITH")),
        };
        Ok((Plan::Modify(Box::new(stmt)), cols))
    }

    fn bind_set_expr(&mut self, e: &SetExpr) -> PgResult<(Plan, Vec<OutputColumn>)> {
        match e {
            SetExpr::Select(s) => self.bind_select(s, &[]),
            SetExpr::Query(q) => self.bind_query(q),
            SetExpr::Values(v) => self.bind_values(v),
            SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let (lp, lc) = self.bind_set_expr(left)?;
                let (rp, rc) = self.bind_set_expr(right)?;
                let kind = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except | ast::SetOperator::Minus => SetOpKind::Except,
                };
                let name = match kind {
                    SetOpKind::Union => "UNION",
                    SetOpKind::Intersect => "INTERSECT",
                    SetOpKind::Except => "EXCEPT",
                };
                if lc.len() != rc.len() {
                    return Err(PgError::syntax(format!(
                        "each {name} query must have the same number of columns"
                    )));
                }
                let mut out = Vec::new();
                let (lnull, rnull) = (
                    super::untyped_literal_items(left),
                    super::untyped_literal_items(right),
                );
                let untyped = |nulls: &[bool], i: usize, ty: &DataType| {
                    if nulls.get(i).copied().unwrap_or(false) {
                        DataType::Unknown
                    } else {
                        ty.clone()
                    }
                };
                for (i, (l, r)) in lc.iter().zip(&rc).enumerate() {
                    let pair = [untyped(&lnull, i, &l.ty), untyped(&rnull, i, &r.ty)];
                    let ty = functions::common_type(&pair).ok_or_else(|| {
                        PgError::new(
                            SqlState::DATATYPE_MISMATCH,
                            format!(
                                "{name} types {} and {} cannot be matched",
                                l.ty.display_name(),
                                r.ty.display_name()
                            ),
                        )
                    })?;
                    out.push(OutputColumn {
                        name: l.name.clone(),
                        ty,
                        source: None,
                    });
                }
                let lp = cast_columns(lp, &lc, &out);
                let rp = cast_columns(rp, &rc, &out);
                let all = matches!(set_quantifier, ast::SetQuantifier::All);
                Ok((
                    Plan::SetOp {
                        kind,
                        all,
                        left: Box::new(lp),
                        right: Box::new(rp),
                    },
                    out,
                ))
            }
            other => Err(PgError::unsupported(format!(
                "query form not supported: {other}"
            ))),
        }
    }

    fn bind_values(&mut self, v: &ast::Values) -> PgResult<(Plan, Vec<OutputColumn>)> {
        let empty = Scope::default();
        let width = v.rows.first().map(|r| r.len()).unwrap_or(0);
        let mut rows = Vec::new();
        let mut types: Vec<Vec<DataType>> = vec![Vec::new(); width];
        for row in &v.rows {
            if row.len() != width {
                return Err(PgError::syntax("VALUES lists must all be the same length"));
            }
            let mut out = Vec::new();
            for (i, e) in row.iter().enumerate() {
                let mut cx = ExprCtx::new(&empty, "VALUES");
                let (b, t) = self.bind_expr(e, &mut cx)?;
                types[i].push(t);
                out.push(b);
            }
            rows.push(out);
        }
        let mut cols = Vec::new();
        for (i, ts) in types.iter().enumerate() {
            let ty = functions::common_type(ts).ok_or_else(|| {
                PgError::new(
                    SqlState::DATATYPE_MISMATCH,
                    "VALUES types cannot be matched",
                )
            })?;
            for (r, t) in rows.iter_mut().zip(ts) {
                r[i] = self.coerce(r[i].clone(), t, &ty)?;
            }
            cols.push(OutputColumn {
                name: format!("column{}", i + 1),
                ty,
                source: None,
            });
        }
        Ok((Plan::Values { rows, width }, cols))
    }

    /// Whether an expression calls an aggregate (built-in or user-defined)
    /// outside its subqueries.
    fn has_aggregate(&self, e: &ast::Expr) -> bool {
        contains_aggregate_named(e, &|schema, name| self.is_user_aggregate(schema, name))
    }

    /// Binds one SELECT block, applying `order` (the enclosing query's ORDER BY).
    pub fn bind_select(
        &mut self,
        s: &ast::Select,
        order: &[ast::OrderByExpr],
    ) -> PgResult<(Plan, Vec<OutputColumn>)> {
        // Window calls belong to the SELECT they appear in, not to an
        // enclosing one.
        let outer = self.window.take();
        let r = self.bind_select_inner(s, order);
        self.window = outer;
        r
    }

    fn bind_select_inner(
        &mut self,
        s: &ast::Select,
        order: &[ast::OrderByExpr],
    ) -> PgResult<(Plan, Vec<OutputColumn>)> {
        if s.into.is_some() {
            return Err(PgError::unsupported("SELECT INTO is not supported yet"));
        }
        let (mut plan, mut scope) = self.bind_from(&s.from)?;
        if let Some(w) = &s.selection {
            let mut cx = ExprCtx::new(&scope, "WHERE");
            let pred = self.bind_bool(w, &mut cx, "WHERE")?;
            plan = super::pushdown::push_filter(plan, pred, &self.pushdown());
        }
        let group_exprs: Vec<ast::Expr> = match &s.group_by {
            ast::GroupByExpr::Expressions(v, _) => v.clone(),
            ast::GroupByExpr::All(_) => return Err(PgError::unsupported("GROUP BY ALL")),
        };
        // Expand the select list (wildcards) into (ast expr, output name).
        let mut items = self.expand_select_items(&s.projection, &scope)?;
        // A set-returning function that yields no rows makes the SELECT
        // yield none (pg_partition_ancestors: no relation is a partition).
        let mut empty_set = false;
        for (e, _) in items.iter_mut() {
            if let ast::Expr::Function(f) = e {
                if super::from::is_partition_ancestors(&f.name) {
                    *e = crate::parser::parse_expr("NULL::pg_catalog.regclass")?;
                    empty_set = true;
                }
            }
        }
        if empty_set {
            plan = Plan::Filter {
                input: Box::new(plan),
                predicate: Expr::Literal(Value::Bool(false)),
            };
        }
        let aggregated = !group_exprs.is_empty()
            || s.having.is_some()
            || items.iter().any(|(e, _)| self.has_aggregate(e))
            || order.iter().any(|o| self.has_aggregate(&o.expr));
        if !aggregated {
            plan = self.bind_select_list_srfs(plan, &mut scope, &mut items)?;
        } else if self.select_list_has_srf(&items) {
            return Err(PgError::unsupported(
                "set-returning functions in the select list of an aggregated query are not supported yet",
            ));
        }
        let mut outputs: Vec<(Expr, OutputColumn)> = Vec::new();
        let mut hidden: Vec<Expr> = Vec::new();
        let mut sort_keys: Vec<SortKey> = Vec::new();
        let mut agg_state = None;
        if aggregated {
            let mut state = AggState::over(scope.clone());
            self.open_window(super::window::PENDING_BASE, &s.named_window)?;
            let mut group_bound = Vec::new();
            for g in &group_exprs {
                let g = resolve_group_ref(g, &items)?;
                let mut cx = ExprCtx::new(&scope, "GROUP BY");
                let (b, t) = self.bind_expr(&g, &mut cx)?;
                state.group_keys.push(g.to_string());
                state.group_types.push(t.clone());
                let col = match &b {
                    Expr::Column(i) => scope.columns[*i].clone(),
                    _ => ScopeColumn {
                        table: None,
                        name: String::new(),
                        ty: t,
                        source: None,
                        hidden: true,
                    },
                };
                state.output.columns.push(col);
                group_bound.push(b);
            }
            for (e, name) in &items {
                let mut cx = ExprCtx {
                    scope: &scope,
                    agg: Some(&mut state),
                    clause: "SELECT",
                };
                let (b, t) = self.bind_expr(e, &mut cx)?;
                outputs.push((
                    b,
                    OutputColumn {
                        name: name.clone(),
                        ty: t,
                        source: None,
                    },
                ));
            }
            let having = match &s.having {
                Some(h) => {
                    let mut cx = ExprCtx {
                        scope: &scope,
                        agg: Some(&mut state),
                        clause: "HAVING",
                    };
                    Some(self.bind_bool(h, &mut cx, "HAVING")?)
                }
                None => None,
            };
            for o in order {
                let key = self.bind_order_key(
                    o,
                    &items,
                    &outputs,
                    &scope,
                    Some(&mut state),
                    &mut hidden,
                )?;
                sort_keys.push(key);
            }
            let width = state.group_keys.len() + state.aggs.len();
            plan = Plan::Aggregate {
                input: Box::new(plan),
                group_by: group_bound,
                aggs: std::mem::take(&mut state.aggs),
            };
            if let Some(h) = having {
                plan = Plan::Filter {
                    input: Box::new(plan),
                    predicate: h,
                };
            }
            if let Some(w) = self.window.take() {
                if !w.calls.is_empty() {
                    let resolve = super::window::resolve_grouped;
                    outputs.iter_mut().for_each(|(e, _)| resolve(e, width));
                    hidden.iter_mut().for_each(|e| resolve(e, width));
                    sort_keys
                        .iter_mut()
                        .for_each(|k| resolve(&mut k.expr, width));
                    plan = Plan::Window {
                        input: Box::new(plan),
                        calls: w.calls,
                    };
                }
            }
            agg_state = Some(());
        } else {
            self.open_window(scope.columns.len(), &s.named_window)?;
            for (e, name) in &items {
                let mut cx = ExprCtx::new(&scope, "SELECT");
                let (b, t) = self.bind_expr(e, &mut cx)?;
                let source = match &b {
                    Expr::Column(i) => scope.columns.get(*i).and_then(|c| c.source),
                    _ => None,
                };
                outputs.push((
                    b,
                    OutputColumn {
                        name: name.clone(),
                        ty: t,
                        source,
                    },
                ));
            }
            for o in order {
                let key = self.bind_order_key(o, &items, &outputs, &scope, None, &mut hidden)?;
                sort_keys.push(key);
            }
            if let Some(w) = self.window.take() {
                if !w.calls.is_empty() {
                    plan = Plan::Window {
                        input: Box::new(plan),
                        calls: w.calls,
                    };
                }
            }
        }
        let _ = agg_state;
        // Unknown-typed outputs (bare string literals) are text, as in PostgreSQL.
        for (b, c) in outputs.iter_mut() {
            if c.ty == DataType::Unknown {
                *b = self.coerce(b.clone(), &DataType::Unknown, &DataType::Text)?;
                c.ty = DataType::Text;
            }
        }
        let visible = outputs.len();
        let mut exprs: Vec<Expr> = outputs.iter().map(|(e, _)| e.clone()).collect();
        let cols: Vec<OutputColumn> = outputs.into_iter().map(|(_, c)| c).collect();
        let distinct = match &s.distinct {
            None | Some(ast::Distinct::All) => None,
            Some(ast::Distinct::Distinct) => Some(vec![]),
            Some(ast::Distinct::On(on)) => {
                let mut keys = Vec::new();
                for e in on {
                    let mut cx = ExprCtx::new(&scope, "DISTINCT ON");
                    keys.push(self.bind_expr(e, &mut cx)?.0);
                }
                Some(keys)
            }
        };
        if distinct.as_ref().is_some_and(|d| d.is_empty()) && !hidden.is_empty() {
            return Err(PgError::new(
                SqlState::INVALID_COLUMN_REFERENCE,
                "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
            ));
        }
        let on_count = distinct.as_ref().map(|d| d.len()).unwrap_or(0);
        // DISTINCT ON keys travel as hidden columns after the visible ones.
        let mut on_positions = Vec::new();
        if let Some(on) = &distinct {
            for k in on {
                on_positions.push(exprs.len());
                exprs.push(k.clone());
            }
        }
        let sort_offset = exprs.len();
        exprs.extend(hidden.iter().cloned());
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
        };
        // Sort keys referencing hidden columns were numbered from `visible`; shift them past DISTINCT ON keys.
        for k in &mut sort_keys {
            shift_hidden(&mut k.expr, visible, sort_offset);
        }
        let needs_trim = on_count > 0 || !hidden.is_empty();
        match distinct {
            Some(on) if on.is_empty() => {
                plan = Plan::Distinct {
                    input: Box::new(plan),
                    on: vec![],
                };
                if !sort_keys.is_empty() {
                    plan = Plan::Sort {
                        input: Box::new(plan),
                        keys: sort_keys,
                    };
                }
            }
            Some(_) => {
                if !sort_keys.is_empty() {
                    plan = Plan::Sort {
                        input: Box::new(plan),
                        keys: sort_keys,
                    };
                }
                plan = Plan::Distinct {
                    input: Box::new(plan),
                    on: on_positions.iter().map(|p| Expr::Column(*p)).collect(),
                };
            }
            None => {
                if !sort_keys.is_empty() {
                    plan = Plan::Sort {
                        input: Box::new(plan),
                        keys: sort_keys,
                    };
                }
            }
        }
        if needs_trim {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..visible).map(Expr::Column).collect(),
            };
        }
        Ok((plan, cols))
    }

    #[allow(clippy::too_many_arguments)]
    fn bind_order_key(
        &mut self,
        o: &ast::OrderByExpr,
        items: &[(ast::Expr, String)],
        outputs: &[(Expr, OutputColumn)],
        scope: &Scope,
        agg: Option<&mut AggState>,
        hidden: &mut Vec<Expr>,
    ) -> PgResult<SortKey> {
        let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
        let nulls_first = o.options.nulls_first.unwrap_or(desc);
        // ORDER BY 2, or an output column name.
        if let ast::Expr::Value(v) = &o.expr {
            if let ast::Value::Number(n, _) = &v.value {
                let pos: usize = n.parse().unwrap_or(0);
                if pos == 0 || pos > outputs.len() {
                    return Err(PgError::new(
                        SqlState::INVALID_COLUMN_REFERENCE,
                        format!("ORDER BY position {n} is not in select list"),
                    ));
                }
                return Ok(SortKey {
                    expr: Expr::Column(pos - 1),
                    desc,
                    nulls_first,
                });
            }
        }
        if let ast::Expr::Identifier(id) = &o.expr {
            let name = ident(id);
            let matches: Vec<usize> = outputs
                .iter()
                .enumerate()
                .filter(|(_, (_, c))| c.name == name)
                .map(|(i, _)| i)
                .collect();
            if matches.len() == 1
                || (matches.len() > 1
                    && matches
                        .iter()
                        .all(|i| items[*i].0.to_string() == items[matches[0]].0.to_string()))
            {
                return Ok(SortKey {
                    expr: Expr::Column(matches[0]),
                    desc,
                    nulls_first,
                });
            }
            if matches.len() > 1 {
                return Err(PgError::new(
                    SqlState::AMBIGUOUS_COLUMN,
                    format!("ORDER BY \"{name}\" is ambiguous"),
                ));
            }
        }
        // Same expression as a select item: sort on that output.
        let text = o.expr.to_string();
        if let Some(i) = items.iter().position(|(e, _)| e.to_string() == text) {
            return Ok(SortKey {
                expr: Expr::Column(i),
                desc,
                nulls_first,
            });
        }
        let mut cx = ExprCtx {
            scope,
            agg,
            clause: "ORDER BY",
        };
        let (b, _) = self.bind_expr(&o.expr, &mut cx)?;
        let pos = outputs.len() + hidden.len();
        hidden.push(b);
        Ok(SortKey {
            expr: Expr::Column(pos),
            desc,
            nulls_first,
        })
    }

    /// ORDER BY for set operations: output names and positions only.
    fn sort_by_output(
        &mut self,
        plan: Plan,
        cols: &[OutputColumn],
        order: &[ast::OrderByExpr],
    ) -> PgResult<Plan> {
        if order.is_empty() {
            return Ok(plan);
        }
        let scope = Scope::for_output(cols, None);
        let mut keys = Vec::new();
        for o in order {
            let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            let nulls_first = o.options.nulls_first.unwrap_or(desc);
            let expr = match &o.expr {
                ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                    let pos: usize = v.value.to_string().parse().unwrap_or(0);
                    if pos == 0 || pos > cols.len() {
                        return Err(PgError::new(
                            SqlState::INVALID_COLUMN_REFERENCE,
                            format!("ORDER BY position {pos} is not in select list"),
                        ));
                    }
                    Expr::Column(pos - 1)
                }
                e => {
                    let mut cx = ExprCtx::new(&scope, "ORDER BY");
                    self.bind_expr(e, &mut cx)?.0
                }
            };
            keys.push(SortKey {
                expr,
                desc,
                nulls_first,
            });
        }
        Ok(Plan::Sort {
            input: Box::new(plan),
            keys,
        })
    }

    fn expand_select_items(
        &mut self,
        items: &[SelectItem],
        scope: &Scope,
    ) -> PgResult<Vec<(ast::Expr, String)>> {
        let mut out = Vec::new();
        for item in items {
            match item {
                SelectItem::UnnamedExpr(e) => out.push((e.clone(), output_name(e))),
                SelectItem::ExprWithAlias { expr, alias } => out.push((expr.clone(), ident(alias))),
                SelectItem::Wildcard(_) => {
                    if scope.columns.is_empty() {
                        return Err(PgError::syntax(
                            "SELECT * with no tables specified is not valid",
                        ));
                    }
                    for (i, c) in scope.columns.iter().enumerate().filter(|(_, c)| !c.hidden) {
                        out.push((star_column_ast(scope, i), c.name.clone()));
                    }
                }
                SelectItem::QualifiedWildcard(kind, _) => {
                    let name = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => {
                            super::split_name(n)?.1
                        }
                        ast::SelectItemQualifiedWildcardKind::Expr(e) => e.to_string(),
                    };
                    let cols: Vec<(usize, &ScopeColumn)> = scope
                        .columns
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.table.as_deref() == Some(name.as_str()))
                        .collect();
                    if cols.is_empty() {
                        return Err(PgError::new(
                            SqlState::UNDEFINED_TABLE,
                            format!("missing FROM-clause entry for table \"{name}\""),
                        ));
                    }
                    for (i, c) in cols {
                        out.push((star_column_ast(scope, i), c.name.clone()));
                    }
                }
                SelectItem::ExprWithAliases { .. } => {
                    return Err(PgError::unsupported("multiple aliases"))
                }
            }
        }
        Ok(out)
    }
}

/// The column `*` expands to at scope position `i`: its qualified name, or,
/// when that name is ambiguous (an aliased join whose tables share column
/// names: `(a JOIN b USING (id)) j`), a reference by position that only the
/// binder can spell (see `super::expr::STAR_POSITION`).
fn star_column_ast(scope: &Scope, i: usize) -> ast::Expr {
    let c = &scope.columns[i];
    let same_name = scope
        .columns
        .iter()
        .filter(|o| !o.hidden && o.name == c.name && o.table == c.table)
        .count();
    if same_name > 1 {
        ast::Expr::CompoundIdentifier(vec![
            ast::Ident::new(super::expr::STAR_POSITION),
            ast::Ident::new(i.to_string()),
        ])
    } else {
        column_ast(c)
    }
}

fn column_ast(c: &ScopeColumn) -> ast::Expr {
    let q = |s: &str| ast::Ident::with_quote('"', s);
    match &c.table {
        Some(t) => ast::Expr::CompoundIdentifier(vec![q(t), q(&c.name)]),
        None => ast::Expr::Identifier(q(&c.name)),
    }
}

fn resolve_group_ref(g: &ast::Expr, items: &[(ast::Expr, String)]) -> PgResult<ast::Expr> {
    if let ast::Expr::Value(v) = g {
        if let ast::Value::Number(n, _) = &v.value {
            let pos: usize = n.parse().unwrap_or(0);
            return items
                .get(pos.wrapping_sub(1))
                .map(|(e, _)| e.clone())
                .ok_or_else(|| {
                    PgError::new(
                        SqlState::INVALID_COLUMN_REFERENCE,
                        format!("GROUP BY position {n} is not in select list"),
                    )
                });
        }
    }
    Ok(g.clone())
}

/// The column label PostgreSQL gives an unaliased select item.
pub fn output_name(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Identifier(id) => ident(id),
        ast::Expr::CompoundIdentifier(ids) => ids.last().map(ident).unwrap_or_default(),
        ast::Expr::Function(f) => f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident)
            .unwrap_or_else(|| "?column?".into()),
        // A cast names the column after its type unless its operand has a
        // stronger name than a cast's own (PostgreSQL's FigureColname).
        ast::Expr::Cast {
            expr, data_type, ..
        } => {
            if names_strongly(expr) {
                output_name(expr)
            } else {
                match (super::convert_type(data_type), data_type) {
                    (Ok(t), _) => pg_type_label(&t),
                    // A domain is named by its own name.
                    (Err(_), ast::DataType::Custom(name, _)) => name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .map(ident)
                        .unwrap_or_else(|| "?column?".into()),
                    (Err(_), _) => "?column?".into(),
                }
            }
        }
        ast::Expr::Nested(inner) => output_name(inner),
        // COLLATE passes its operand's name through.
        ast::Expr::Collate { expr, .. } => output_name(expr),
        // `a[1]` keeps the name of `a`.
        ast::Expr::CompoundFieldAccess { root, .. } => output_name(root),
        ast::Expr::Case { .. } => "case".into(),
        ast::Expr::Array(_) => "array".into(),
        ast::Expr::Exists { .. } => "exists".into(),
        ast::Expr::Substring {
            shorthand: true, ..
        } => "substr".into(),
        ast::Expr::Substring { .. } => "substring".into(),

        ast::Expr::Trim { .. } => "btrim".into(),
        ast::Expr::Position { .. } => "position".into(),
        ast::Expr::Extract { .. } => "extract".into(),
        ast::Expr::Ceil { .. } => "ceil".into(),
        ast::Expr::Floor { .. } => "floor".into(),
        ast::Expr::TypedString(ts) => super::convert_type(&ts.data_type)
            .map(|t| pg_type_label(&t))
            .unwrap_or_else(|_| "?column?".into()),
        ast::Expr::Interval(_) => "interval".into(),
        ast::Expr::Subquery(q) => match q.body.as_ref() {
            SetExpr::Select(s) => match s.projection.first() {
                Some(SelectItem::UnnamedExpr(e)) => output_name(e),
                Some(SelectItem::ExprWithAlias { alias, .. }) => ident(alias),
                _ => "?column?".into(),
            },
            _ => "?column?".into(),
        },
        _ => "?column?".into(),
    }
}

/// Whether an expression's own label beats a cast's type name around it:
/// everything named except casts and typed literals, which name the column
/// after their type only weakly.
fn names_strongly(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Cast { expr, .. } => names_strongly(expr),
        ast::Expr::Nested(inner) | ast::Expr::Collate { expr: inner, .. } => names_strongly(inner),
        ast::Expr::TypedString(_) => false,
        other => output_name(other) != "?column?",
    }
}

fn pg_type_label(t: &DataType) -> String {
    match t {
        DataType::Int2 => "int2".into(),
        DataType::Int4 => "int4".into(),
        DataType::Int8 => "int8".into(),
        DataType::Float4 => "float4".into(),
        DataType::Float8 => "float8".into(),
        DataType::Bool => "bool".into(),
        DataType::Varchar(_) => "varchar".into(),
        DataType::Char(_) => "bpchar".into(),
        DataType::Numeric(_) => "numeric".into(),
        DataType::Timestamp => "timestamp".into(),
        DataType::Timestamptz => "timestamptz".into(),
        // PostgreSQL labels `x::int[]` with the element type's name.
        DataType::Array(elem) => pg_type_label(elem),
        DataType::InternalChar => "char".into(),
        t => t.short_name().to_string(),
    }
}

fn cast_columns(plan: Plan, from: &[OutputColumn], to: &[OutputColumn]) -> Plan {
    if from.iter().zip(to).all(|(f, t)| f.ty == t.ty) {
        return plan;
    }
    let exprs = from
        .iter()
        .zip(to)
        .enumerate()
        .map(|(i, (f, t))| {
            if f.ty == t.ty {
                Expr::Column(i)
            } else {
                Expr::Cast(Box::new(Expr::Column(i)), t.ty.clone())
            }
        })
        .collect();
    Plan::Project {
        input: Box::new(plan),
        exprs,
    }
}

fn shift_hidden(e: &mut Expr, visible: usize, offset: usize) {
    if let Expr::Column(i) = e {
        if *i >= visible {
            *i = *i - visible + offset;
        }
    }
}

/// Picks an index whose leading columns are all pinned by `col = constant` conjuncts.
pub fn choose_index(table: u32, pred: &Expr, catalog: &rampart_catalog::Catalog) -> Access {
    let Some(rel) = catalog.relation_by_oid(table) else {
        return Access::Full;
    };
    let conjuncts = pred.clone().into_conjuncts();
    let mut pinned: Vec<(usize, Expr)> = Vec::new();
    for c in &conjuncts {
        if let Expr::Binary(BinOp::Eq, a, b) = c {
            match (a.as_ref(), b.as_ref()) {
                (Expr::Column(i), v) | (v, Expr::Column(i)) if is_runtime_constant(v) => {
                    pinned.push((*i, v.clone()))
                }
                _ => {}
            }
        }
    }
    let mut best: Option<(usize, &rampart_catalog::Index)> = None;
    for idx in &rel.indexes {
        let n = idx
            .columns
            .iter()
            .take_while(|c| pinned.iter().any(|(p, _)| p == *c))
            .count();
        if n > 0 && best.is_none_or(|(m, b)| n > m || (n == m && idx.unique && !b.unique)) {
            best = Some((n, idx));
        }
    }
    match best {
        Some((n, idx)) => Access::IndexEq {
            index: idx.oid,
            unique: idx.unique && n == idx.columns.len(),
            key: idx.columns[..n]
                .iter()
                .filter_map(|c| pinned.iter().find(|(p, _)| p == c).map(|(_, e)| e.clone()))
                .collect(),
        },
        None => Access::Full,
    }
}

/// Whether `e` has one value for the whole statement (or, for `Outer`, for
/// one outer row), so it can serve as an index key computed before the scan:
/// literals, parameters, outer columns, casts of those, the session's stable
/// functions (`current_user`, `current_setting('…')`, …) and uncorrelated
/// scalar subqueries (run once per statement, see `Exec::run_subquery`).
fn is_runtime_constant(e: &Expr) -> bool {
    use crate::functions::Func;
    match e {
        Expr::Literal(v) => !matches!(v, Value::Null),
        Expr::Param(_) | Expr::Outer { .. } => true,
        Expr::Cast(inner, _) => is_runtime_constant(inner),
        Expr::Func(
            Func::CurrentUser
            | Func::SessionUser
            | Func::CurrentSetting
            | Func::CurrentDatabase
            | Func::CurrentSchema,
            args,
        ) => args.iter().all(is_runtime_constant),
        Expr::ScalarSubquery(plan) => !crate::exec::plan_is_correlated(plan),
        _ => false,
    }
}

/// How to scan `table`: an index pinned by the user's predicate or by the
/// row-security predicate (a policy on an indexed column uses the index).
/// Both are still evaluated on every row the index yields.
pub fn choose_access(
    table: u32,
    filter: Option<&Expr>,
    security: Option<&Expr>,
    catalog: &rampart_catalog::Catalog,
) -> Access {
    let all: Vec<Expr> = filter.into_iter().chain(security).cloned().collect();
    match Expr::conjunction(all) {
        Some(pred) => choose_index(table, &pred, catalog),
        None => Access::Full,
    }
}
