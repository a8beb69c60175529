//! Set-returning functions in the select list: `SELECT generate_series(1, 3)`,
//! `SELECT id, unnest(tags) FROM posts`.
//!
//! As PostgreSQL's ProjectSet: each call runs once per input row (it sees the
//! row's columns), and the row is repeated once per value of the longest
//! result; shorter results are padded with NULLs, and a row whose calls all
//! return nothing disappears. The calls are bound as FROM-clause functions
//! that read the input row as their outer row (as LATERAL ones do).
//! Partial: only in a SELECT without aggregates or GROUP BY, only calls at
//! the top of an item or inside operators, casts and function arguments, and
//! only functions returning one column.

use sqlparser::ast;

use rampart_types::{PgError, PgResult, SqlState};

use super::{split_name, Binder, Scope, ScopeColumn};
use crate::plan::Plan;

impl Binder<'_> {
    /// Moves the set-returning calls of `items` into a [`Plan::ProjectSet`]
    /// over `plan`: each call becomes a column appended to `scope`, and the
    /// item refers to that column instead. Returns `plan` itself when there
    /// is no such call.
    pub(super) fn bind_select_list_srfs(
        &mut self,
        plan: Plan,
        scope: &mut Scope,
        items: &mut [(ast::Expr, String)],
    ) -> PgResult<Plan> {
        let mut calls = Vec::new();
        for (e, _) in items.iter_mut() {
            self.take_srf_calls(e, scope.columns.len(), &mut calls)?;
        }
        if calls.is_empty() {
            return Ok(plan);
        }
        let mut srfs = Vec::new();
        for call in &calls {
            let args = match &call.args {
                ast::FunctionArguments::List(list) if list.duplicate_treatment.is_none() => {
                    list.args.clone()
                }
                ast::FunctionArguments::None => vec![],
                _ => {
                    return Err(PgError::unsupported(format!(
                        "this form of set-returning function call is not supported yet: {call}"
                    )))
                }
            };
            self.push_outer(scope.clone());
            let bound = self.bind_table_function(&call.name, &args, None);
            self.pop_outer();
            let (srf, srf_scope) =
                bound.map_err(|e| match call.name.0.first().and_then(|p| p.as_ident()) {
                    Some(id) if e.position.is_none() => self.at(e, id.span),
                    _ => e,
                })?;
            let [column] = srf_scope.columns.as_slice() else {
                return Err(PgError::unsupported(format!(
                    "set-returning function {} returning several columns in the select list is not supported yet",
                    call.name
                )));
            };
            scope.columns.push(ScopeColumn {
                table: None,
                name: String::new(),
                ty: column.ty.clone(),
                source: None,
                hidden: true,
            });
            srfs.push(srf);
        }
        Ok(Plan::ProjectSet {
            input: Box::new(plan),
            srfs,
        })
    }

    /// Whether `items` call a set-returning function where
    /// [`Binder::bind_select_list_srfs`] would take it.
    pub(super) fn select_list_has_srf(&self, items: &[(ast::Expr, String)]) -> bool {
        items.iter().any(|(e, _)| {
            let mut calls = Vec::new();
            self.take_srf_calls(&mut e.clone(), 0, &mut calls).is_ok() && !calls.is_empty()
        })
    }

    /// Replaces the set-returning calls in `e` (outside subqueries and
    /// conditional expressions) by references to scope columns numbered
    /// from `first + calls.len()`, collecting the calls.
    fn take_srf_calls(
        &self,
        e: &mut ast::Expr,
        first: usize,
        calls: &mut Vec<ast::Function>,
    ) -> PgResult<()> {
        match e {
            ast::Expr::Function(f) if self.is_set_returning(f) => {
                let position = first + calls.len();
                calls.push(f.clone());
                *e = ast::Expr::CompoundIdentifier(vec![
                    ast::Ident::new(super::expr::STAR_POSITION),
                    ast::Ident::new(position.to_string()),
                ]);
                Ok(())
            }
            ast::Expr::Function(f) => {
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    for a in &mut list.args {
                        let arg = match a {
                            ast::FunctionArg::Unnamed(x) => x,
                            ast::FunctionArg::Named { arg, .. }
                            | ast::FunctionArg::ExprNamed { arg, .. } => arg,
                        };
                        if let ast::FunctionArgExpr::Expr(x) = arg {
                            self.take_srf_calls(x, first, calls)?;
                        }
                    }
                }
                Ok(())
            }
            ast::Expr::BinaryOp { left, right, .. } => {
                self.take_srf_calls(left, first, calls)?;
                self.take_srf_calls(right, first, calls)
            }
            ast::Expr::UnaryOp { expr, .. }
            | ast::Expr::Nested(expr)
            | ast::Expr::Cast { expr, .. }
            | ast::Expr::IsNull(expr)
            | ast::Expr::IsNotNull(expr) => self.take_srf_calls(expr, first, calls),
            ast::Expr::Case { .. } => match self.srf_in_case(e) {
                Some(f) => {
                    let err = PgError::new(
                        SqlState::FEATURE_NOT_SUPPORTED,
                        "set-returning functions are not allowed in CASE",
                    )
                    .with_hint(
                        "You might be able to move the set-returning function into a LATERAL FROM item.",
                    );
                    Err(match f.name.0.first().and_then(|p| p.as_ident()) {
                        Some(id) => self.at(err, id.span),
                        None => err,
                    })
                }
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// A set-returning call directly in one of a CASE's operands.
    fn srf_in_case<'e>(&self, e: &'e ast::Expr) -> Option<&'e ast::Function> {
        let ast::Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } = e
        else {
            return None;
        };
        let direct = |x: &'e ast::Expr| match x {
            ast::Expr::Function(f) if self.is_set_returning(f) => Some(f),
            _ => None,
        };
        operand
            .as_deref()
            .and_then(direct)
            .or_else(|| {
                conditions
                    .iter()
                    .find_map(|w| direct(&w.condition).or_else(|| direct(&w.result)))
            })
            .or_else(|| else_result.as_deref().and_then(direct))
    }

    /// Whether `f` calls a set-returning function Rampart can run in the
    /// select list: `generate_series`, `unnest`, or a user-defined
    /// `RETURNS SETOF` function.
    fn is_set_returning(&self, f: &ast::Function) -> bool {
        if f.over.is_some() {
            return false;
        }
        let Ok((schema, name)) = split_name(&f.name) else {
            return false;
        };
        let args = match &f.args {
            ast::FunctionArguments::List(list) => list.args.len(),
            _ => 0,
        };
        let builtin = matches!(name.as_str(), "generate_series" | "unnest")
            || crate::builtin_srf::BuiltinSrf::by_name(&name, args).is_some();
        if builtin && schema.as_deref().is_none_or(|s| s == "pg_catalog") {
            return true;
        }
        crate::func::candidates(self.catalog, schema.as_deref(), &name, &self.search_path)
            .iter()
            .any(|c| matches!(c.returns, rampart_catalog::FuncReturn::SetOf(_)))
    }
}
