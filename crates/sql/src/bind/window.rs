//! Window function calls (`f(…) OVER (PARTITION BY … ORDER BY …)`) in the
//! select list and ORDER BY of a SELECT without grouping. Each call becomes
//! a [`WindowCall`] of the SELECT's [`Plan::Window`](crate::plan::Plan::Window)
//! node and, in the expression, the column that node appends for it.
//!
//! In a grouped SELECT the calls run over the aggregated rows (their
//! arguments and keys may be aggregates: `rank() OVER (ORDER BY count(*))`).
//!
//! Named windows (`WINDOW w AS (…)`, `OVER w`, `OVER (w ORDER BY …)`)
//! follow PostgreSQL's rules for what a window may copy.
//!
//! Partial: RANGE frames with offsets, GROUPS, EXCLUDE, IGNORE NULLS and
//! aggregates used as window functions over grouped rows are refused.

use sqlparser::ast::{self, FunctionArg, FunctionArgExpr, FunctionArguments};

use rampart_types::{DataType, PgError, PgResult, SqlState};

use super::expr::{AggState, ExprCtx};
use super::{Binder, Scope};
use crate::expr::Expr;
use crate::plan::{FrameBound, WindowCall, WindowFrame, WindowFunc};

/// The base of window columns in a grouped SELECT until the width of the
/// aggregated row is known ([`resolve_grouped`]).
pub(crate) const PENDING_BASE: usize = usize::MAX / 2;

/// In a grouped SELECT's expressions, turns the window columns numbered
/// from [`PENDING_BASE`] into columns after the aggregated row's `width`.
pub(crate) fn resolve_grouped(e: &mut Expr, width: usize) {
    super::pushdown::rewrite_columns(e, &mut |i| {
        Expr::Column(if i >= PENDING_BASE {
            i - PENDING_BASE + width
        } else {
            i
        })
    });
}

/// The window calls of the SELECT being bound.
pub(crate) struct WindowState {
    /// Width of the rows going into the window node: call `i`'s value is
    /// column `base + i` after it.
    pub base: usize,
    /// Calls found so far.
    pub calls: Vec<WindowCall>,
    /// The SELECT's `WINDOW name AS (…)` definitions.
    pub named: Vec<ast::NamedWindowDefinition>,
}

/// A window call in PARTITION BY or ORDER BY of another.
const IN_DEFINITION: &str = "window functions are not allowed in window definitions";
/// A window call in another's arguments.
const NESTED: &str = "window function calls cannot be nested";

fn not_supported(what: &str) -> PgError {
    PgError::unsupported(format!("{what} are not supported yet"))
}

impl Binder<'_> {
    /// Binds a call with OVER.
    pub(super) fn bind_window_call(
        &mut self,
        f: &ast::Function,
        name: &str,
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        let in_select = matches!(cx.clause, "SELECT" | "ORDER BY");
        let Some(base) = self.window.as_ref().filter(|_| in_select).map(|w| w.base) else {
            return Err(PgError::new(
                SqlState::WINDOWING_ERROR,
                format!("window functions are not allowed in {}", cx.clause),
            ));
        };
        let spec = match &f.over {
            Some(ast::WindowType::WindowSpec(spec)) => self.resolve_window(spec, usize::MAX)?,
            Some(ast::WindowType::NamedWindow(w)) => self.named_window(w, usize::MAX)?,
            None => return Err(PgError::internal("window call without OVER")),
        };
        let spec = &spec;
        if f.null_treatment.is_some() {
            return Err(not_supported("IGNORE NULLS and RESPECT NULLS"));
        }
        let scope: &Scope = cx.scope;
        let mut partition = Vec::with_capacity(spec.partition_by.len());
        for e in &spec.partition_by {
            let agg = cx.agg.as_deref_mut();
            let (e, _) =
                self.bind_window_operand(e, scope, agg, "window PARTITION BY", IN_DEFINITION)?;
            partition.push(e);
        }
        let mut order = Vec::with_capacity(spec.order_by.len());
        for o in &spec.order_by {
            let agg = cx.agg.as_deref_mut();
            let (expr, _) =
                self.bind_window_operand(&o.expr, scope, agg, "window ORDER BY", IN_DEFINITION)?;
            order.push(super::sort_key(expr, o));
        }
        let frame = match &spec.window_frame {
            Some(w) => self.bind_frame(w)?,
            None => WindowFrame::default_frame(),
        };
        let (func, args, ty) = self.window_function(f, name, scope, cx.agg.as_deref_mut())?;
        let state = self
            .window
            .as_mut()
            .ok_or_else(|| PgError::internal("window state vanished"))?;
        state.calls.push(WindowCall {
            func,
            args,
            partition,
            order,
            frame,
            ty: ty.clone(),
        });
        Ok((Expr::Column(base + state.calls.len() - 1), ty))
    }

    /// The definition of `WINDOW name AS (…)` among the SELECT's first
    /// `limit` definitions (a definition may build only on earlier ones).
    fn named_window(&self, name: &ast::Ident, limit: usize) -> PgResult<ast::WindowSpec> {
        let wanted = super::ident(name);
        let found = self.window.as_ref().and_then(|w| {
            w.named
                .iter()
                .take(limit)
                .position(|d| super::ident(&d.0) == wanted)
                .map(|i| (i, w.named[i].1.clone()))
        });
        match found {
            Some((i, ast::NamedWindowExpr::WindowSpec(spec))) => self.resolve_window(&spec, i),
            Some((_, ast::NamedWindowExpr::NamedWindow(_))) => {
                Err(PgError::syntax("syntax error in WINDOW clause"))
            }
            None => Err(self.at_window(
                PgError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("window \"{wanted}\" does not exist"),
                ),
                name,
            )),
        }
    }

    /// Points `e` where PostgreSQL does for a window reference: at the `(`
    /// that opens the specification naming `name`, else at the name.
    fn at_window(&self, e: PgError, name: &ast::Ident) -> PgError {
        let e = self.at(e, name.span);
        let Some(p) = e.position else {
            return e;
        };
        let before = self.source.as_deref().and_then(|src| {
            src.chars()
                .take(p as usize - 1)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .find(|c| !c.is_whitespace())
        });
        if before == Some('(') {
            let text = self.source.as_deref().unwrap_or_default();
            let chars: Vec<char> = text.chars().take(p as usize - 1).collect();
            let open = chars.iter().rposition(|&c| c == '(').unwrap_or(0);
            let mut e = e;
            e.position = Some(open as u32 + 1);
            return e;
        }
        e
    }

    /// Starts collecting the window calls of a SELECT list whose window
    /// columns start at `base`, with its WINDOW clause (checked here).
    pub(super) fn open_window(
        &mut self,
        base: usize,
        named: &[ast::NamedWindowDefinition],
    ) -> PgResult<()> {
        self.window = Some(WindowState {
            base,
            calls: vec![],
            named: named.to_vec(),
        });
        self.check_named_windows()
    }

    /// Checks the SELECT's WINDOW clause as PostgreSQL does, used or not:
    /// names are unique and every definition builds on an earlier one.
    fn check_named_windows(&self) -> PgResult<()> {
        let Some(w) = self.window.as_ref() else {
            return Ok(());
        };
        for (i, d) in w.named.iter().enumerate() {
            let name = super::ident(&d.0);
            if w.named[..i].iter().any(|e| super::ident(&e.0) == name) {
                // PostgreSQL points at the definition's `(`.
                let mut e = self.at(
                    PgError::new(
                        SqlState::WINDOWING_ERROR,
                        format!("window \"{name}\" is already defined"),
                    ),
                    d.0.span,
                );
                if let (Some(p), Some(src)) = (e.position, self.source.as_deref()) {
                    let open = src.chars().skip(p as usize - 1).position(|c| c == '(');
                    e.position = open.map(|o| p + o as u32).or(e.position);
                }
                return Err(e);
            }
            if let ast::NamedWindowExpr::WindowSpec(spec) = &d.1 {
                self.resolve_window(spec, i)?;
            }
        }
        Ok(())
    }

    /// A window specification with the named window it builds on (`OVER
    /// (w ORDER BY …)`) merged in, as PostgreSQL allows: the partitioning
    /// comes from `w`, the ordering from either, the frame from the new one.
    fn resolve_window(&self, spec: &ast::WindowSpec, limit: usize) -> PgResult<ast::WindowSpec> {
        let Some(base_name) = &spec.window_name else {
            return Ok(spec.clone());
        };
        let base = self.named_window(base_name, limit)?;
        let name = super::ident(base_name);
        let error =
            |m: String| self.at_window(PgError::new(SqlState::WINDOWING_ERROR, m), base_name);
        if !spec.partition_by.is_empty() {
            return Err(error(format!(
                "cannot override PARTITION BY clause of window \"{name}\""
            )));
        }
        if !spec.order_by.is_empty() && !base.order_by.is_empty() {
            return Err(error(format!(
                "cannot override ORDER BY clause of window \"{name}\""
            )));
        }
        if base.window_frame.is_some() {
            let e = error(format!(
                "cannot copy window \"{name}\" because it has a frame clause"
            ));
            return Err(e.with_hint("Omit the parentheses in this OVER clause."));
        }
        Ok(ast::WindowSpec {
            window_name: None,
            partition_by: base.partition_by,
            order_by: if spec.order_by.is_empty() {
                base.order_by
            } else {
                spec.order_by.clone()
            },
            window_frame: spec.window_frame.clone(),
        })
    }

    /// Binds a frame clause, refusing the frames PostgreSQL refuses.
    fn bind_frame(&mut self, w: &ast::WindowFrame) -> PgResult<WindowFrame> {
        let rows = match w.units {
            ast::WindowFrameUnits::Rows => true,
            ast::WindowFrameUnits::Range => false,
            ast::WindowFrameUnits::Groups => return Err(not_supported("GROUPS frames")),
        };
        let frame_error = |m: &str| PgError::new(SqlState::WINDOWING_ERROR, m);
        let end = w
            .end_bound
            .clone()
            .unwrap_or(ast::WindowFrameBound::CurrentRow);
        use ast::WindowFrameBound as B;
        match (&w.start_bound, &end) {
            (B::Following(None), _) => {
                return Err(frame_error("frame start cannot be UNBOUNDED FOLLOWING"))
            }
            (_, B::Preceding(None)) => {
                return Err(frame_error("frame end cannot be UNBOUNDED PRECEDING"))
            }
            (B::CurrentRow, B::Preceding(Some(_))) => {
                return Err(frame_error(
                    "frame starting from current row cannot have preceding rows",
                ))
            }
            (B::Following(Some(_)), B::CurrentRow | B::Preceding(Some(_))) => {
                return Err(frame_error(
                    "frame starting from following row cannot have preceding rows",
                ))
            }
            _ => {}
        }
        let mut bound = |b: &ast::WindowFrameBound| -> PgResult<FrameBound> {
            let offset = |this: &mut Self, e: &ast::Expr| -> PgResult<Expr> {
                if !rows {
                    return Err(not_supported("RANGE frames with an offset"));
                }
                let empty = Scope::default();
                let (x, t) =
                    this.bind_window_operand(e, &empty, None, "window frame", IN_DEFINITION)?;
                this.coerce(x, &t, &DataType::Int8)
            };
            Ok(match b {
                B::CurrentRow => FrameBound::CurrentRow,
                B::Preceding(None) => FrameBound::UnboundedPreceding,
                B::Following(None) => FrameBound::UnboundedFollowing,
                B::Preceding(Some(e)) => FrameBound::Preceding(offset(self, e)?),
                B::Following(Some(e)) => FrameBound::Following(offset(self, e)?),
            })
        };
        let start = bound(&w.start_bound)?;
        let end = bound(&end)?;
        Ok(WindowFrame { rows, start, end })
    }

    /// Binds an argument or key of a window call: a window call inside
    /// fails with `nested` (PostgreSQL's message for that place).
    fn bind_window_operand(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: Option<&mut AggState>,
        clause: &'static str,
        nested: &str,
    ) -> PgResult<(Expr, DataType)> {
        let saved = self.window.take();
        let mut cx = ExprCtx { scope, agg, clause };
        let r = self.bind_expr(e, &mut cx);
        self.window = saved;
        r.map_err(|mut e| {
            if e.code == SqlState::WINDOWING_ERROR
                && e.message.starts_with("window functions are not allowed in")
            {
                e.message = nested.to_string();
            }
            e
        })
    }

    /// Which window function `f` calls, its bound arguments and result type.
    fn window_function(
        &mut self,
        f: &ast::Function,
        name: &str,
        scope: &Scope,
        mut grouped: Option<&mut AggState>,
    ) -> PgResult<(WindowFunc, Vec<Expr>, DataType)> {
        let args: Vec<&ast::Expr> = match &f.args {
            FunctionArguments::None => vec![],
            FunctionArguments::List(list) => list
                .args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect(),
            FunctionArguments::Subquery(_) => vec![],
        };
        let ranking = match name {
            "row_number" => Some((WindowFunc::RowNumber, DataType::Int8)),
            "rank" => Some((WindowFunc::Rank, DataType::Int8)),
            "dense_rank" => Some((WindowFunc::DenseRank, DataType::Int8)),
            "percent_rank" => Some((WindowFunc::PercentRank, DataType::Float8)),
            "cume_dist" => Some((WindowFunc::CumeDist, DataType::Float8)),
            _ => None,
        };
        let signature = |types: &[DataType]| {
            let sig: Vec<String> = types.iter().map(|t| t.display_name()).collect();
            PgError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("function {name}({}) does not exist", sig.join(", ")),
            )
            .with_hint("No function matches the given name and argument types. You might need to add explicit type casts.")
        };
        let mut bound = Vec::new();
        let mut types = Vec::new();
        let is_aggregate =
            crate::functions::agg_by_name(name).is_some() || self.is_user_aggregate(None, name);
        if !is_aggregate {
            for a in &args {
                let agg = grouped.as_deref_mut();
                let (e, t) =
                    self.bind_window_operand(a, scope, agg, "window function calls", NESTED)?;
                bound.push(e);
                types.push(t);
            }
        }
        if let Some((func, ty)) = ranking {
            if !bound.is_empty() {
                return Err(signature(&types));
            }
            return Ok((func, bound, ty));
        }
        let int_arg =
            |t: &DataType| matches!(t, DataType::Int2 | DataType::Int4 | DataType::Unknown);
        match name {
            "ntile" => {
                if types.len() != 1 || !int_arg(&types[0]) {
                    return Err(signature(&types));
                }
                let n = self.coerce(bound.remove(0), &types[0], &DataType::Int4)?;
                Ok((WindowFunc::Ntile, vec![n], DataType::Int4))
            }
            "lag" | "lead" => {
                if types.is_empty() || types.len() > 3 || (types.len() > 1 && !int_arg(&types[1])) {
                    return Err(signature(&types));
                }
                let (ty, mut out) = self.value_and_position(&bound, &types)?;
                if types.len() > 2 {
                    out.push(
                        self.coerce(bound[2].clone(), &types[2], &ty)
                            .map_err(|_| signature(&types))?,
                    );
                }
                let func = if name == "lag" {
                    WindowFunc::Lag
                } else {
                    WindowFunc::Lead
                };
                Ok((func, out, ty))
            }
            "first_value" | "last_value" | "nth_value" => {
                let want = if name == "nth_value" { 2 } else { 1 };
                if types.len() != want || (want == 2 && !int_arg(&types[1])) {
                    return Err(signature(&types));
                }
                let (ty, out) = self.value_and_position(&bound, &types)?;
                let func = match name {
                    "first_value" => WindowFunc::FirstValue,
                    "last_value" => WindowFunc::LastValue,
                    _ => WindowFunc::NthValue,
                };
                Ok((func, out, ty))
            }
            _ if is_aggregate && grouped.is_some() => Err(not_supported(
                "aggregates as window functions over grouped rows",
            )),
            _ if is_aggregate => self.window_aggregate(f, name, scope),
            _ => Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!(
                    "OVER specified, but {name} is not a window function nor an aggregate function"
                ),
            )),
        }
    }

    /// The value argument of lag, lead, first_value, last_value or
    /// nth_value (an unknown literal as text) and, when given, the int4
    /// offset or position after it; with the value's type.
    fn value_and_position(
        &mut self,
        bound: &[Expr],
        types: &[DataType],
    ) -> PgResult<(DataType, Vec<Expr>)> {
        let ty = if types[0] == DataType::Unknown {
            DataType::Text
        } else {
            types[0].clone()
        };
        let mut out = vec![self.coerce(bound[0].clone(), &types[0], &ty)?];
        if types.len() > 1 {
            out.push(self.coerce(bound[1].clone(), &types[1], &DataType::Int4)?);
        }
        Ok((ty, out))
    }

    /// An aggregate used as a window function: bound as the aggregate
    /// over the window's rows.
    fn window_aggregate(
        &mut self,
        f: &ast::Function,
        name: &str,
        scope: &Scope,
    ) -> PgResult<(WindowFunc, Vec<Expr>, DataType)> {
        if let FunctionArguments::List(list) = &f.args {
            if matches!(
                list.duplicate_treatment,
                Some(ast::DuplicateTreatment::Distinct)
            ) {
                return Err(PgError::new(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "DISTINCT is not implemented for window functions",
                ));
            }
            if list
                .clauses
                .iter()
                .any(|c| matches!(c, ast::FunctionArgumentClause::OrderBy(_)))
            {
                return Err(PgError::new(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "aggregate ORDER BY is not implemented for window functions",
                ));
            }
        }
        let mut plain = f.clone();
        plain.over = None;
        let mut state = AggState::over(scope.clone());
        let call = ast::Expr::Function(plain);
        let clause = "window function calls";
        let (e, ty) = self.bind_window_operand(&call, scope, Some(&mut state), clause, NESTED)?;
        match (e, state.aggs.len()) {
            (Expr::Column(0), 1) => Ok((WindowFunc::Aggregate(state.aggs.remove(0)), vec![], ty)),
            _ => Err(not_supported(&format!("{name} as a window function"))),
        }
    }
}
