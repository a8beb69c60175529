//! FROM clause: tables, views, CTEs, derived tables, joins, generate_series.

use sqlparser::ast::{self, JoinConstraint, JoinOperator, TableFactor};

use rampart_catalog::{Relation, RelationKind};
use rampart_types::{DataType, PgError, PgResult, SqlState};

use super::expr::ExprCtx;
use super::{ident, split_name, Binder, Scope, ScopeColumn, ROWID_COLUMN};
use crate::expr::{BinOp, Expr};
use crate::plan::{JoinKind, Plan};

impl Binder<'_> {
    /// Binds a FROM list (comma = cross join). Empty → one empty row.
    pub fn bind_from(&mut self, from: &[ast::TableWithJoins]) -> PgResult<(Plan, Scope)> {
        let mut acc: Option<(Plan, Scope)> = None;
        for twj in from {
            let (item, lateral) = self.bind_table_with_joins(twj, acc.as_ref().map(|a| &a.1))?;
            acc = Some(match acc {
                None => item,
                Some(left) => join(left, item, JoinKind::Inner, None, lateral),
            });
        }
        Ok(acc.unwrap_or((Plan::Single, Scope::default())))
    }

    /// Binds one FROM item, which may refer to the columns of `before` (the
    /// items to its left) when it is LATERAL. Returns whether it does.
    fn bind_table_with_joins(
        &mut self,
        twj: &ast::TableWithJoins,
        before: Option<&Scope>,
    ) -> PgResult<((Plan, Scope), bool)> {
        let (mut left, lateral_first) = self.bind_factor_maybe_lateral(&twj.relation, before)?;
        if lateral_first && !twj.joins.is_empty() {
            return Err(PgError::unsupported(
                "a LATERAL item that is the left side of a JOIN is not supported yet",
            ));
        }
        for j in &twj.joins {
            let outer_join = matches!(
                j.join_operator,
                JoinOperator::Right(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_)
            );
            let (right, lateral) = if outer_join {
                // The right side of a RIGHT/FULL join cannot see the left
                // one; PostgreSQL explains why when it asked to (LATERAL).
                let asked = may_be_lateral(&j.relation);
                self.lateral_hidden.push((left.1.clone(), asked));
                let r = self.bind_factor(&j.relation);
                self.lateral_hidden.pop();
                (r?, false)
            } else {
                self.bind_factor_maybe_lateral(&j.relation, Some(&left.1))?
            };
            let (kind, constraint) = match &j.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinKind::Inner, Some(c)),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
                JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
                JoinOperator::CrossJoin(_) => (JoinKind::Inner, None),
                other => {
                    return Err(PgError::unsupported(format!(
                        "join type not supported: {other:?}"
                    )))
                }
            };
            let mut scope = left.1.clone();
            let left_width = scope.columns.len();
            scope.columns.extend(right.1.columns.iter().cloned());
            let using: Option<Vec<String>> = match constraint {
                Some(JoinConstraint::Using(cols)) => Some(
                    cols.iter()
                        .map(|c| split_name(c).map(|(_, n)| n))
                        .collect::<PgResult<_>>()?,
                ),
                Some(JoinConstraint::Natural) => Some(
                    left.1
                        .columns
                        .iter()
                        .filter(|c| {
                            !c.hidden
                                && right
                                    .1
                                    .columns
                                    .iter()
                                    .any(|r| !r.hidden && r.name == c.name)
                        })
                        .map(|c| c.name.clone())
                        .collect(),
                ),
                _ => None,
            };
            let on = match (constraint, &using) {
                (Some(JoinConstraint::On(e)), _) => {
                    let mut cx = ExprCtx::new(&scope, "JOIN conditions");
                    Some(self.bind_bool(e, &mut cx, "JOIN/ON")?)
                }
                (_, Some(names)) if !names.is_empty() => {
                    let pairs = self.using_pairs(&scope, left_width, names)?;
                    let parts = pairs
                        .iter()
                        .map(|(l, r)| {
                            Expr::Binary(
                                BinOp::Eq,
                                Box::new(Expr::Column(*l)),
                                Box::new(Expr::Column(*r)),
                            )
                        })
                        .collect();
                    Expr::conjunction(parts)
                }
                _ => None,
            };
            let (plan, _) = join(left, right, kind, on, lateral);
            let plan = if lateral {
                plan
            } else {
                super::pushdown::optimize_join(plan, &self.pushdown())
            };
            left = match using {
                Some(names) if !names.is_empty() => {
                    let pairs = self.using_pairs(&scope, left_width, &names)?;
                    merge_using_columns(plan, scope, &pairs, kind)
                }
                _ => (plan, scope),
            };
        }
        Ok((left, lateral_first))
    }

    /// Binds a FROM item; one that may be LATERAL (a LATERAL subquery or a
    /// function call, implicitly lateral as in PostgreSQL) sees `left`'s
    /// columns as its outer row. True when the bound item reads them (or
    /// any outer row), so it must run once per left row.
    fn bind_factor_maybe_lateral(
        &mut self,
        factor: &TableFactor,
        left: Option<&Scope>,
    ) -> PgResult<((Plan, Scope), bool)> {
        let Some(left) = left else {
            return Ok((self.bind_factor(factor)?, false));
        };
        if !may_be_lateral(factor) {
            self.lateral_hidden.push((left.clone(), false));
            let r = self.bind_factor(factor);
            self.lateral_hidden.pop();
            return Ok((r?, false));
        }
        self.push_outer(left.clone());
        let bound = self.bind_factor(factor);
        self.pop_outer();
        let bound = bound?;
        // An item that reads no outer row at all is an ordinary join input.
        let lateral = crate::exec::plan_is_correlated(&bound.0);
        Ok((bound, lateral))
    }

    /// The (left, right) column positions a USING / NATURAL join equates,
    /// recording the SELECT need on both.
    fn using_pairs(
        &mut self,
        scope: &Scope,
        left_width: usize,
        names: &[String],
    ) -> PgResult<Vec<(usize, usize)>> {
        let mut pairs = Vec::new();
        for name in names {
            let l = scope.columns[..left_width]
                .iter()
                .position(|c| c.name == *name && !c.hidden);
            let Some(l) = l else {
                return Err(PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!(
                        "column \"{name}\" specified in USING clause does not exist in left table"
                    ),
                ));
            };
            let r = scope.columns[left_width..]
                .iter()
                .position(|c| c.name == *name && !c.hidden)
                .map(|i| i + left_width);
            let Some(r) = r else {
                return Err(PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!(
                        "column \"{name}\" specified in USING clause does not exist in right table"
                    ),
                ));
            };
            for c in [&scope.columns[l], &scope.columns[r]] {
                if let Some((t, _)) = c.source {
                    self.need_column(t, rampart_security::Privilege::Select, &c.name.clone());
                }
            }
            pairs.push((l, r));
        }
        Ok(pairs)
    }

    pub(super) fn bind_factor(&mut self, factor: &TableFactor) -> PgResult<(Plan, Scope)> {
        match factor {
            TableFactor::Table {
                sample: Some(sample),
                ..
            } => self.bind_sampled_table(factor, sample),
            TableFactor::Table {
                name,
                alias,
                args,
                with_ordinality,
                partitions,
                ..
            } => {
                if let Some(args) = args {
                    if is_partition_ancestors(name) {
                        return partition_ancestors_scan(
                            &args.args,
                            alias.as_ref(),
                            *with_ordinality,
                        );
                    }
                    return self.bind_table_function(name, &args.args, alias.as_ref());
                }
                let (schema, rel_name) = split_name(name)?;
                let system_view = match schema.as_deref() {
                    None | Some("pg_catalog") => crate::sysview::lookup(&rel_name),
                    Some("information_schema") => {
                        crate::sysview::lookup_information_schema(&rel_name)
                    }
                    _ => None,
                };
                {
                    if let Some(view) = system_view {
                        if view.superuser_only {
                            self.need(
                                rampart_security::ObjectRef::Relation(view.oid),
                                rampart_security::Privilege::Select,
                            );
                        }
                        let range = alias
                            .as_ref()
                            .map(|a| ident(&a.name))
                            .unwrap_or(rel_name.clone());
                        let mut scope = Scope {
                            columns: view
                                .columns
                                .iter()
                                .map(|(n, c)| ScopeColumn {
                                    table: Some(range.clone()),
                                    name: n.to_string(),
                                    ty: c.data_type(),
                                    source: None,
                                    hidden: false,
                                })
                                .collect(),
                        };
                        apply_column_aliases(&mut scope, alias)?;
                        self.system_ranges.push((range, view.oid));
                        return Ok((
                            Plan::SystemView {
                                oid: view.oid,
                                rel: None,
                            },
                            scope,
                        ));
                    }
                }
                if schema.is_none() {
                    if let Some(cte) = self.ctes.iter().rev().find(|c| c.name == rel_name).cloned()
                    {
                        let range = alias
                            .as_ref()
                            .map(|a| ident(&a.name))
                            .unwrap_or(rel_name.clone());
                        let mut scope = Scope::for_output(&cte.columns, Some(&range));
                        apply_column_aliases(&mut scope, alias)?;
                        self.read_ctes.insert(cte.id);
                        let label = match alias {
                            Some(a) if ident(&a.name) != rel_name => {
                                format!("{rel_name} {}", ident(&a.name))
                            }
                            _ => rel_name.clone(),
                        };
                        return Ok((Plan::CteScan { id: cte.id, label }, scope));
                    }
                }
                let rel = match self.resolve_relation(name) {
                    Ok(rel) => rel,
                    Err(e) if e.code == SqlState::UNDEFINED_TABLE => {
                        match self.bind_sequence_relation(name, alias)? {
                            Some(bound) => return Ok(bound),
                            None => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                };
                let range = alias
                    .as_ref()
                    .map(|a| ident(&a.name))
                    .unwrap_or(rel.name.clone());
                match &rel.kind {
                    RelationKind::Table => {
                        let mut scope = Scope::for_relation(rel, &range);
                        apply_column_aliases(&mut scope, alias)?;
                        self.need(
                            rampart_security::ObjectRef::Relation(rel.oid),
                            rampart_security::Privilege::Select,
                        );
                        let security =
                            self.rls_using(rel, rampart_security::rls::RlsCmd::Select)?;
                        let (security, _) =
                            super::quals::order_scan_quals(security, None, self.catalog, true);
                        let access = super::query::choose_access(
                            rel.oid,
                            None,
                            security.as_ref(),
                            self.catalog,
                        );
                        let inherited = self.members_unless_only(rel, partitions, false)?;
                        // A cursor's table (taken by the first table bound).
                        let rowid = inherited.is_empty() && std::mem::take(&mut self.cursor_rowid);
                        if rowid {
                            scope.columns.push(ScopeColumn {
                                table: Some(range.clone()),
                                name: ROWID_COLUMN.into(),
                                ty: rampart_types::DataType::Int8,
                                source: None,
                                hidden: true,
                            });
                        }
                        if !inherited.is_empty() {
                            // The scan appends each row's table (`tableoid`).
                            scope.columns.push(ScopeColumn {
                                table: Some(range.clone()),
                                name: "tableoid".into(),
                                ty: rampart_types::DataType::Oid,
                                source: None,
                                hidden: true,
                            });
                        }
                        Ok((
                            Plan::Scan {
                                table: rel.oid,
                                access,
                                filter: None,
                                security,
                                inherited,
                                rowid,
                            },
                            scope,
                        ))
                    }
                    RelationKind::View { query } => {
                        self.need(
                            rampart_security::ObjectRef::Relation(rel.oid),
                            rampart_security::Privilege::Select,
                        );
                        let stmt = crate::parser::parse_one_query(query)?;
                        // A view's body is checked with the view owner's privileges and
                        // policies (as PostgreSQL), or the caller's with security_invoker.
                        if rel.option_on("security_invoker") {
                            let saved_outer = std::mem::take(&mut self.outer);
                            let r = self.bind_query(&stmt);
                            self.outer = saved_outer;
                            let (plan, cols) = r?;
                            let mut scope = Scope::for_output(&cols, Some(&range));
                            apply_column_aliases(&mut scope, alias)?;
                            return Ok((view_barrier(rel, plan, &range, &scope), scope));
                        }
                        let saved = std::mem::take(&mut self.needs);
                        let saved_outer = std::mem::take(&mut self.outer);
                        let r = self.as_view_owner(rel.owner, |b| b.bind_query(&stmt));
                        self.outer = saved_outer;
                        let inner = std::mem::replace(&mut self.needs, saved);
                        for mut n in inner {
                            if n.as_role.is_none() {
                                n.as_role = Some(rel.owner);
                            }
                            self.needs.push(n);
                        }
                        let (plan, cols) = r?;
                        let mut scope = Scope::for_output(&cols, Some(&range));
                        apply_column_aliases(&mut scope, alias)?;
                        Ok((view_barrier(rel, plan, &range, &scope), scope))
                    }
                }
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                let Some(alias) = alias else {
                    return Err(PgError::syntax("subquery in FROM must have an alias")
                        .with_hint("For example, FROM (SELECT ...) [AS] foo."));
                };
                let saved_outer = self.outer.clone();
                let (plan, cols) = self.bind_query(subquery)?;
                self.outer = saved_outer;
                let mut scope = Scope::for_output(&cols, Some(&ident(&alias.name)));
                apply_column_aliases(&mut scope, &Some(alias.clone()))?;
                Ok((plan, scope))
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let ((plan, mut scope), _) = self.bind_table_with_joins(table_with_joins, None)?;
                if let Some(a) = alias {
                    // The alias names the join's output columns; the joined
                    // tables' own copies of USING columns (hidden) are no
                    // longer reachable at all: an empty name, which no
                    // identifier can spell, keeps them out of every lookup.
                    let n = ident(&a.name);
                    for c in &mut scope.columns {
                        c.table = Some(if c.hidden { String::new() } else { n.clone() });
                    }
                }
                Ok((plan, scope))
            }
            TableFactor::Function {
                name, args, alias, ..
            } => self.bind_table_function(name, args, alias.as_ref()),
            TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset: false,
                with_ordinality: false,
                ..
            } if array_exprs.len() == 1 => self.bind_unnest(&array_exprs[0], alias.as_ref()),
            other => Err(PgError::unsupported(format!(
                "FROM item not supported yet: {other}"
            ))),
        }
    }

    pub(super) fn bind_table_function(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> PgResult<(Plan, Scope)> {
        let (schema, fname) = split_name(name)?;
        if fname == "aclexplode" && schema.as_deref().is_none_or(|s| s == "pg_catalog") {
            if let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] = args {
                return self.bind_aclexplode(e, alias);
            }
        }
        if fname == "unnest" && schema.as_deref().is_none_or(|s| s == "pg_catalog") {
            if let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] = args {
                return self.bind_unnest(e, alias);
            }
        }
        if let Some(srf) = crate::builtin_srf::BuiltinSrf::by_name(&fname, args.len())
            .filter(|_| schema.as_deref().is_none_or(|s| s == "pg_catalog"))
        {
            return self.bind_builtin_srf(srf, args, alias);
        }
        if fname != "generate_series" || schema.as_deref().is_some_and(|s| s != "pg_catalog") {
            if schema.is_some() {
                self.qualified_routine_schema(name)?;
            }
            return self
                .bind_function_scan(schema.as_deref(), &fname, args, alias)
                .map_err(|e| match name.0.first().and_then(|p| p.as_ident()) {
                    Some(id) if e.code == SqlState::UNDEFINED_FUNCTION && e.position.is_none() => {
                        self.at(e, id.span)
                    }
                    _ => e,
                });
        }
        let empty = Scope::default();
        let mut bound = Vec::new();
        let mut types = Vec::new();
        for a in args {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                return Err(PgError::unsupported("named arguments"));
            };
            let mut cx = ExprCtx::new(&empty, "functions in FROM");
            let (b, t) = self.bind_expr(e, &mut cx)?;
            bound.push(b);
            types.push(t);
        }
        if !(2..=3).contains(&bound.len()) {
            return Err(PgError::new(
                SqlState::UNDEFINED_FUNCTION,
                "function generate_series does not exist",
            ));
        }
        let ty = if types
            .iter()
            .any(|t| matches!(t, DataType::Timestamp | DataType::Timestamptz))
        {
            return Err(PgError::unsupported(
                "generate_series over timestamps is not supported yet",
            ));
        } else if types.iter().any(|t| matches!(t, DataType::Numeric(_))) {
            DataType::Numeric(None)
        } else if types.contains(&DataType::Int8) {
            DataType::Int8
        } else {
            DataType::Int4
        };
        let args = bound
            .into_iter()
            .zip(types)
            .map(|(b, t)| self.coerce(b, &t, &ty))
            .collect::<PgResult<Vec<_>>>()?;
        let scope = single_column_scope("generate_series", alias, ty.clone());
        Ok((Plan::Series { args, ty }, scope))
    }
}

impl Binder<'_> {
    /// A sequence in FROM (`SELECT last_value, is_called FROM seq`, as
    /// pg_dump reads it): needs SELECT on it and USAGE on its schema.
    fn bind_sequence_relation(
        &mut self,
        name: &ast::ObjectName,
        alias: &Option<ast::TableAlias>,
    ) -> PgResult<Option<(Plan, Scope)>> {
        let (schema, seq_name) = split_name(name)?;
        let Some(seq) = crate::sequence::find(
            self.catalog,
            schema.as_deref(),
            &seq_name,
            &self.search_path,
        ) else {
            return Ok(None);
        };
        self.need(
            rampart_security::ObjectRef::Schema(seq.schema),
            rampart_security::Privilege::Usage,
        );
        self.need(
            rampart_security::ObjectRef::Sequence(seq.oid),
            rampart_security::Privilege::Select,
        );
        let range = alias.as_ref().map(|a| ident(&a.name)).unwrap_or(seq_name);
        let mut scope = function_scope(
            &range,
            vec![
                ("last_value", DataType::Int8),
                ("log_cnt", DataType::Int8),
                ("is_called", DataType::Bool),
            ],
        );
        apply_column_aliases(&mut scope, alias)?;
        Ok(Some((Plan::SequenceState { oid: seq.oid }, scope)))
    }

    /// A [`crate::builtin_srf::BuiltinSrf`] in FROM: its arguments coerced,
    /// its columns named after the alias (or the function).
    fn bind_builtin_srf(
        &mut self,
        srf: crate::builtin_srf::BuiltinSrf,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> PgResult<(Plan, Scope)> {
        let empty = Scope::default();
        let mut bound = Vec::new();
        for (a, want) in args.iter().zip(srf.arg_types(args.len())) {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                return Err(PgError::unsupported("named arguments"));
            };
            let mut cx = ExprCtx::new(&empty, "functions in FROM");
            let (b, t) = self.bind_expr(e, &mut cx)?;
            bound.push(self.coerce(b, &t, &want)?);
        }
        let columns = srf.columns();
        let mut scope = if let [(_, ty)] = columns.as_slice() {
            single_column_scope(srf.name(), alias, ty.clone())
        } else {
            let range = alias
                .map(|a| ident(&a.name))
                .unwrap_or_else(|| srf.name().to_string());
            function_scope(&range, columns)
        };
        if scope.columns.len() > 1 {
            apply_column_aliases(&mut scope, &alias.cloned())?;
        }
        Ok((Plan::BuiltinSrf { srf, args: bound }, scope))
    }

    /// `unnest(array)` in FROM: the column is named after the alias (or
    /// `unnest`) and has the element type.
    fn bind_unnest(
        &mut self,
        arg: &ast::Expr,
        alias: Option<&ast::TableAlias>,
    ) -> PgResult<(Plan, Scope)> {
        let empty = Scope::default();
        let mut cx = ExprCtx::new(&empty, "functions in FROM");
        let (bound, ty) = self.bind_expr(arg, &mut cx)?;
        let DataType::Array(elem) = ty else {
            return Err(PgError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("function unnest({}) does not exist", ty.display_name()),
            )
            .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
        };
        Ok((
            Plan::Unnest { arg: bound },
            single_column_scope("unnest", alias, *elem),
        ))
    }

    /// `aclexplode(acl)` in FROM: its OUT columns, named under the alias
    /// (or `aclexplode`), renamed by a column alias list.
    fn bind_aclexplode(
        &mut self,
        arg: &ast::Expr,
        alias: Option<&ast::TableAlias>,
    ) -> PgResult<(Plan, Scope)> {
        let empty = Scope::default();
        let mut cx = ExprCtx::new(&empty, "functions in FROM");
        let (bound, ty) = self.bind_expr(arg, &mut cx)?;
        let acl_type = DataType::Array(Box::new(DataType::AclItem));
        if !matches!(&ty, DataType::Unknown) && ty != acl_type {
            return Err(PgError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("function aclexplode({}) does not exist", ty.display_name()),
            )
            .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
        }
        let arg = self.coerce(bound, &ty, &acl_type)?;
        let range = alias
            .map(|a| ident(&a.name))
            .unwrap_or_else(|| "aclexplode".to_string());
        let mut scope = function_scope(
            &range,
            vec![
                ("grantor", DataType::Oid),
                ("grantee", DataType::Oid),
                ("privilege_type", DataType::Text),
                ("is_grantable", DataType::Bool),
            ],
        );
        apply_column_aliases(&mut scope, &alias.cloned())?;
        Ok((Plan::AclExplode { arg }, scope))
    }

    fn bind_function_scan(
        &mut self,
        schema: Option<&str>,
        fname: &str,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> PgResult<(Plan, Scope)> {
        let empty = Scope::default();
        let mut bound = Vec::new();
        let mut types = Vec::new();
        for a in args {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                return Err(PgError::unsupported("named arguments"));
            };
            let mut cx = ExprCtx::new(&empty, "functions in FROM");
            let (b, t) = self.bind_expr(e, &mut cx)?;
            bound.push(b);
            types.push(t);
        }
        let Some((f, args)) = self.resolve_user_call(schema, fname, bound, &types)? else {
            let sig: Vec<String> = types.iter().map(|t| t.display_name()).collect();
            return Err(PgError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("function {fname}({}) does not exist", sig.join(", ")),
            )
            .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
        };
        let range = alias
            .map(|a| ident(&a.name))
            .unwrap_or_else(|| fname.to_string());
        let columns: Vec<(String, DataType)> = match &f.returns {
            rampart_catalog::FuncReturn::Table(cols) => cols.clone(),
            rampart_catalog::FuncReturn::Scalar(t) | rampart_catalog::FuncReturn::SetOf(t) => {
                let outs: Vec<&rampart_catalog::FuncArg> =
                    f.args.iter().filter(|a| !a.mode.is_input()).collect();
                match outs.as_slice() {
                    [one] if one.name.is_some() => {
                        vec![(one.name.clone().unwrap_or_default(), t.clone())]
                    }
                    _ => vec![(range.clone(), t.clone())],
                }
            }
        };
        let mut scope = Scope {
            columns: columns
                .into_iter()
                .map(|(name, ty)| ScopeColumn {
                    table: Some(range.clone()),
                    name,
                    ty,
                    source: None,
                    hidden: false,
                })
                .collect(),
        };
        if let Some(a) = alias {
            for (c, n) in scope.columns.iter_mut().zip(&a.columns) {
                c.name = ident(&n.name);
            }
        }
        Ok((Plan::FunctionScan { oid: f.oid, args }, scope))
    }
}

/// The scope of a one-column function in FROM: range and column are named
/// after the alias (or the function).
fn single_column_scope(function: &str, alias: Option<&ast::TableAlias>, ty: DataType) -> Scope {
    let range = alias
        .map(|a| ident(&a.name))
        .unwrap_or_else(|| function.to_string());
    let name = alias
        .and_then(|a| a.columns.first())
        .map(|c| ident(&c.name))
        .unwrap_or_else(|| range.clone());
    Scope {
        columns: vec![ScopeColumn {
            table: Some(range),
            name,
            ty,
            source: None,
            hidden: false,
        }],
    }
}

/// The scope of a function in FROM with named result columns, all under
/// the range name `range`.
fn function_scope(range: &str, columns: Vec<(&str, DataType)>) -> Scope {
    Scope {
        columns: columns
            .into_iter()
            .map(|(name, ty)| ScopeColumn {
                table: Some(range.to_string()),
                name: name.to_string(),
                ty,
                source: None,
                hidden: false,
            })
            .collect(),
    }
}

/// Whether a function name is `[pg_catalog.]pg_partition_ancestors`.
pub fn is_partition_ancestors(name: &ast::ObjectName) -> bool {
    matches!(split_name(name), Ok((schema, f))
        if f == "pg_partition_ancestors" && schema.as_deref().is_none_or(|s| s == "pg_catalog"))
}

/// `pg_partition_ancestors(rel) [WITH ORDINALITY]` in FROM. Rampart has no
/// partitioned tables, so no relation is a partition and the function
/// returns no rows (as PostgreSQL's does for a relation that is not a
/// partition); its argument cannot change that and is not evaluated.
fn partition_ancestors_scan(
    args: &[ast::FunctionArg],
    alias: Option<&ast::TableAlias>,
    with_ordinality: bool,
) -> PgResult<(Plan, Scope)> {
    if args.len() != 1 {
        return Err(PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!(
                "function pg_partition_ancestors({}) does not exist",
                vec!["unknown"; args.len()].join(", ")
            ),
        ));
    }
    let range = alias
        .map(|a| ident(&a.name))
        .unwrap_or_else(|| "pg_partition_ancestors".into());
    let mut columns = vec![("relid", DataType::Reg(rampart_types::RegKind::Class))];
    if with_ordinality {
        columns.push(("ordinality", DataType::Int8));
    }
    let mut scope = function_scope(&range, columns);
    let alias = alias.cloned();
    apply_column_aliases(&mut scope, &alias)?;
    let width = scope.columns.len();
    Ok((
        Plan::Values {
            rows: vec![],
            width,
        },
        scope,
    ))
}

fn apply_column_aliases(scope: &mut Scope, alias: &Option<ast::TableAlias>) -> PgResult<()> {
    if let Some(a) = alias {
        if a.columns.len() > scope.columns.len() {
            return Err(PgError::new(
                SqlState::INVALID_COLUMN_REFERENCE,
                format!(
                    "table \"{}\" has {} columns available but {} columns specified",
                    ident(&a.name),
                    scope.columns.len(),
                    a.columns.len()
                ),
            ));
        }
        for (c, name) in scope.columns.iter_mut().zip(&a.columns) {
            c.name = ident(&name.name);
        }
    }
    Ok(())
}

/// The columns of a USING / NATURAL join as PostgreSQL orders them: the
/// merged join columns first (the left value, the right one for RIGHT JOIN,
/// COALESCE of both for FULL JOIN), then the other left and right columns;
/// the joined tables' own copies stay reachable by qualified name.
fn merge_using_columns(
    plan: Plan,
    scope: Scope,
    pairs: &[(usize, usize)],
    kind: JoinKind,
) -> (Plan, Scope) {
    let mut exprs = Vec::new();
    let mut columns = Vec::new();
    for (l, r) in pairs {
        let merged = match kind {
            JoinKind::Right => Expr::Column(*r),
            JoinKind::Full => Expr::Func(
                crate::functions::Func::Coalesce,
                vec![Expr::Column(*l), Expr::Column(*r)],
            ),
            _ => Expr::Column(*l),
        };
        exprs.push(merged);
        let mut c = scope.columns[*l].clone();
        c.table = None;
        c.source = None;
        columns.push(c);
    }
    let paired = |i: usize| pairs.iter().any(|(l, r)| *l == i || *r == i);
    for (i, c) in scope.columns.iter().enumerate() {
        if !paired(i) {
            exprs.push(Expr::Column(i));
            columns.push(c.clone());
        }
    }
    for (i, c) in scope.columns.iter().enumerate() {
        if paired(i) {
            exprs.push(Expr::Column(i));
            let mut c = c.clone();
            c.hidden = true;
            columns.push(c);
        }
    }
    (
        Plan::Project {
            input: Box::new(plan),
            exprs,
        },
        Scope { columns },
    )
}

/// Whether a FROM item may read the items to its left: a LATERAL subquery
/// or a function call (implicitly LATERAL, as in PostgreSQL).
fn may_be_lateral(factor: &TableFactor) -> bool {
    match factor {
        TableFactor::Derived { lateral, .. } => *lateral,
        TableFactor::Table { args, .. } => args.is_some(),
        TableFactor::Function { .. } | TableFactor::UNNEST { .. } => true,
        _ => false,
    }
}

/// Joins two FROM items; a `lateral` right side (reading the left row)
/// runs once per left row.
fn join(
    left: (Plan, Scope),
    right: (Plan, Scope),
    kind: JoinKind,
    on: Option<Expr>,
    lateral: bool,
) -> (Plan, Scope) {
    let left_width = left.1.columns.len();
    let right_width = right.1.columns.len();
    let mut scope = left.1;
    scope.columns.extend(right.1.columns);
    let (left, right) = (Box::new(left.0), Box::new(right.0));
    let plan = if lateral {
        Plan::Lateral {
            left,
            right,
            kind,
            on,
            right_width,
        }
    } else {
        Plan::Join {
            left,
            right,
            kind,
            on,
            right_width,
            left_width,
        }
    };
    (plan, scope)
}

/// A view's plan as the query around it sees it: a `security_barrier`
/// view keeps the query's leaky predicates out (`Plan::Barrier`); any other
/// view is flattened into the query, as PostgreSQL does.
fn view_barrier(rel: &Relation, plan: Plan, range: &str, scope: &Scope) -> Plan {
    if !rel.option_on("security_barrier") {
        return plan;
    }
    Plan::Barrier {
        input: Box::new(plan),
        name: range.to_string(),
        columns: scope.columns.iter().map(|c| c.name.clone()).collect(),
    }
}
