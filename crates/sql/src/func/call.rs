//! Invoking routines: identity (SECURITY DEFINER), `SET` clauses, STRICT,
//! and the two languages. A LANGUAGE sql body that is a single `SELECT expr`
//! is bound once and evaluated as an expression (PostgreSQL inlines such
//! functions); other bodies run statement by statement through SPI.

use rampart_catalog::{Catalog, FuncReturn, Function};
use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use super::spi::{ExecSpi, Spi, Vars};
use crate::exec::{Exec, Row};
use crate::session::SessionState;

/// Deepest nesting of routine calls before "stack depth limit exceeded".
const MAX_CALL_DEPTH: usize = 200;

/// What a call produced: a value, or rows for set-returning functions.
pub struct CallResult {
    /// The scalar result.
    pub value: Value,
    /// Rows (set-returning functions).
    pub rows: Vec<Row>,
}

/// What a routine changes around its call; undone by [`leave`].
pub struct Entered {
    definer: bool,
    saved: Vec<(String, Option<String>)>,
}

/// Enters a routine: depth check, SECURITY DEFINER identity, SET clauses.
pub fn enter(state: &mut SessionState, catalog: &Catalog, f: &Function) -> PgResult<Entered> {
    if state.read_only.len() >= MAX_CALL_DEPTH {
        return Err(PgError::new(SqlState::STATEMENT_TOO_COMPLEX, "stack depth limit exceeded")
            .with_hint("Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate."));
    }
    state.read_only.push(f.volatility != 'v');
    let mut entered = Entered {
        definer: false,
        saved: Vec::new(),
    };
    if f.security_definer {
        let owner = catalog
            .roles
            .values()
            .find(|r| r.oid == f.owner)
            .map(|r| r.name.clone())
            .ok_or_else(|| PgError::internal("function owner vanished"))?;
        state.definer.push(owner);
        entered.definer = true;
    }
    for (k, v) in &f.config {
        entered.saved.push((k.clone(), state.settings.raw(k)));
        if let Err(e) = state.settings.set_for_call(k, v) {
            leave(state, entered);
            return Err(e);
        }
    }
    Ok(entered)
}

/// Leaves a routine entered with [`enter`].
pub fn leave(state: &mut SessionState, entered: Entered) {
    for (k, v) in entered.saved.into_iter().rev() {
        state.settings.restore_raw(&k, v);
    }
    if entered.definer {
        state.definer.pop();
    }
    state.read_only.pop();
}

/// The PL/pgSQL context name of a function: `PL/pgSQL function f(integer)`.
pub fn plpgsql_context(f: &Function) -> String {
    let types: Vec<String> = f.input_types().iter().map(|t| t.display_name()).collect();
    format!("PL/pgSQL function {}({})", f.name, types.join(","))
}

/// Calls a scalar function from an expression: inlined LANGUAGE sql
/// expressions are bound once per statement, everything else runs its body.
pub fn call_scalar(
    ex: &mut Exec,
    oid: u32,
    args: Vec<Value>,
    constant_args: bool,
) -> PgResult<Value> {
    // STABLE and IMMUTABLE functions return the same result for the same
    // arguments within a statement, so each (function, arguments) is
    // evaluated once per statement: a policy's `tenant = current_tenant()`
    // costs one call, not one per row.
    let stable = ex
        .catalog
        .functions
        .get(&oid)
        .is_some_and(|f| f.volatility != 'v');
    if !stable {
        return call_scalar_uncached(ex, oid, args, constant_args);
    }
    let key = (oid, format!("{args:?}"));
    if let Some(v) = ex.stable_results.get(&key) {
        return Ok(v.clone());
    }
    let v = call_scalar_uncached(ex, oid, args, constant_args)?;
    if ex.stable_results.len() < STABLE_CACHE_LIMIT {
        ex.stable_results.insert(key, v.clone());
    }
    Ok(v)
}

/// Most (function, arguments) results remembered per statement.
const STABLE_CACHE_LIMIT: usize = 10_000;

fn call_scalar_uncached(
    ex: &mut Exec,
    oid: u32,
    args: Vec<Value>,
    constant_args: bool,
) -> PgResult<Value> {
    let catalog: &Catalog = ex.catalog;
    let f = catalog
        .functions
        .get(&oid)
        .ok_or_else(|| PgError::internal("function vanished"))?;
    if f.strict && args.iter().any(|a| a.is_null()) {
        return Ok(Value::Null);
    }
    let inline_type = match &f.returns {
        FuncReturn::Scalar(t) if *t != DataType::Void => Some(t.clone()),
        _ => None,
    };
    if let (Some(ret), "sql", false, true) = (
        inline_type,
        f.language.as_str(),
        f.security_definer,
        f.config.is_empty(),
    ) {
        let bound = match ex.fn_cache.get(&oid) {
            Some(b) => b.clone(),
            None => {
                let b = match inlinable_expr(&f.body) {
                    Some(text) => {
                        let (names, types) = f.input_params();
                        let vars = Vars {
                            names: &names,
                            types: &types,
                        };
                        Some(std::rc::Rc::new(super::spi::bind_expr_text(
                            catalog, ex.session, &text, &vars,
                        )?))
                    }
                    None => None,
                };
                ex.fn_cache.insert(oid, b.clone());
                b
            }
        };
        if let Some(b) = bound {
            super::spi::authorize_needs(catalog, ex.session, &b.needs)?;
            let r = {
                let mut sub = ex.nested(&args);
                sub.eval(&b.expr, &[]).and_then(|v| {
                    if v.is_null() || b.ty == ret {
                        Ok(v)
                    } else {
                        crate::exec::cast::cast_value(v, &b.ty, &ret, &sub.style)
                    }
                })
            };
            return r.map_err(|e| {
                if constant_args {
                    e.add_context(format!("SQL function \"{}\" during inlining", f.name))
                } else {
                    e
                }
            });
        }
    }
    Ok(call_in_exec(ex, oid, args)?.value)
}

/// Calls a function from inside a running statement.
pub fn call_in_exec(ex: &mut Exec, oid: u32, args: Vec<Value>) -> PgResult<CallResult> {
    let catalog: &Catalog = ex.catalog;
    let f = catalog
        .functions
        .get(&oid)
        .ok_or_else(|| PgError::internal("function vanished"))?;
    invoke(&mut ExecSpi { ex }, catalog, f, args)
}

/// Calls a routine whose statements run through `spi`: STRICT, then the
/// call's identity and settings ([`enter`]), the body, and [`leave`].
pub fn invoke(
    spi: &mut dyn Spi,
    catalog: &Catalog,
    f: &Function,
    args: Vec<Value>,
) -> PgResult<CallResult> {
    if f.strict && args.iter().any(Value::is_null) {
        return Ok(CallResult {
            value: Value::Null,
            rows: vec![],
        });
    }
    let entered = enter(spi.state(), catalog, f)?;
    let r = run_body(spi, f, args);
    leave(spi.state(), entered);
    r
}

/// Runs a routine body through an SPI.
pub fn run_body(spi: &mut dyn Spi, f: &Function, args: Vec<Value>) -> PgResult<CallResult> {
    let inputs: Vec<&rampart_catalog::FuncArg> =
        f.args.iter().filter(|a| a.mode.is_input()).collect();
    match f.language.as_str() {
        "plpgsql" => {
            let names: Vec<String> = inputs.iter().filter_map(|a| a.name.clone()).collect();
            let mut all_names = names.clone();
            all_names.extend(
                f.args
                    .iter()
                    .filter(|a| !a.mode.is_input())
                    .filter_map(|a| a.name.clone()),
            );
            if let FuncReturn::Table(cols) = &f.returns {
                all_names.extend(cols.iter().map(|(n, _)| n.clone()));
            }
            let cached = spi
                .routine_cache()
                .blocks
                .get(&f.oid)
                .filter(|(text, _)| *text == f.body)
                .map(|(_, b)| b.clone());
            let block = match cached {
                Some(b) => b,
                None => {
                    let b = crate::plpgsql::compile(&f.body, &all_names, &f.name)?;
                    spi.routine_cache()
                        .blocks
                        .insert(f.oid, (f.body.clone(), b.clone()));
                    b
                }
            };
            let arg_vars = inputs
                .iter()
                .zip(args)
                .map(|(a, v)| (a.name.clone(), a.ty.clone(), v))
                .collect();
            let mut out_vars: Vec<(String, DataType)> = f
                .args
                .iter()
                .filter(|a| a.mode == rampart_catalog::ArgMode::Out)
                .map(|a| (a.name.clone().unwrap_or_default(), a.ty.clone()))
                .collect();
            if let FuncReturn::Table(cols) = &f.returns {
                out_vars.extend(cols.iter().cloned());
            }
            let (value, rows) = crate::plpgsql::exec::run(
                spi,
                &block,
                plpgsql_context(f),
                arg_vars,
                out_vars,
                Some(f.returns.clone()),
            )?;
            Ok(CallResult { value, rows })
        }
        "sql" => {
            // A non-volatile body is checked before anything runs (PostgreSQL: "during startup").
            if f.volatility != 'v' {
                for text in sql_statements(&f.body)? {
                    let st = super::spi::parse_one(&text)?;
                    super::spi::check_read_only(spi.state(), &st, &text).map_err(|e| {
                        e.add_context(format!("SQL function \"{}\" during startup", f.name))
                    })?;
                }
            }
            run_sql_body(spi, f, args)
                .map_err(|e| e.add_context(format!("SQL function \"{}\" statement 1", f.name)))
        }
        "internal" => Ok(CallResult {
            value: super::internal::call(&f.body, &args)?,
            rows: vec![],
        }),
        other => Err(PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("language \"{other}\" does not exist"),
        )),
    }
}

fn run_sql_body(spi: &mut dyn Spi, f: &Function, args: Vec<Value>) -> PgResult<CallResult> {
    let (names, types) = f.input_params();
    let vars = Vars {
        names: &names,
        types: &types,
    };
    let stmts = sql_statements(&f.body)?;
    let mut last = None;
    for text in &stmts {
        last = Some(spi.run(text, &vars, &args)?);
    }
    let last = last.unwrap_or_default();
    match &f.returns {
        FuncReturn::Scalar(DataType::Void) => Ok(CallResult {
            value: Value::Text(String::new()),
            rows: vec![],
        }),
        FuncReturn::Scalar(ty) => {
            let v = last
                .rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .unwrap_or(Value::Null);
            let from = last
                .columns
                .first()
                .map(|c| c.ty.clone())
                .unwrap_or(DataType::Unknown);
            let v = if v.is_null() || &from == ty {
                v
            } else {
                let style = spi.state().settings.style();
                crate::exec::cast::cast_value(v, &from, ty, &style)?
            };
            Ok(CallResult {
                value: v,
                rows: vec![],
            })
        }
        FuncReturn::SetOf(_) | FuncReturn::Table(_) => Ok(CallResult {
            value: Value::Null,
            rows: last.rows,
        }),
    }
}

/// Splits a LANGUAGE sql body into statement texts (as written; each is
/// parsed when it runs, so front-parsed forms such as GRANT role work too).
pub fn sql_statements(body: &str) -> PgResult<Vec<String>> {
    let tokens =
        sqlparser::tokenizer::Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, body)
            .tokenize_with_location()
            .map_err(|e| PgError::syntax(format!("syntax error: {e}")))?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |t: &sqlparser::tokenizer::TokenWithSpan| {
        let start = line_starts
            .get((t.span.start.line as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0);
        body[start..]
            .char_indices()
            .nth((t.span.start.column as usize).saturating_sub(1))
            .map(|(i, _)| start + i)
            .unwrap_or(body.len())
    };
    let mut out = Vec::new();
    let mut from = 0;
    for t in &tokens {
        if t.token == sqlparser::tokenizer::Token::SemiColon {
            let at = offset(t);
            out.push(body[from..at].trim().to_string());
            from = at + 1;
        }
    }
    out.push(body[from.min(body.len())..].trim().to_string());
    Ok(out.into_iter().filter(|s| !s.is_empty()).collect())
}

/// If a LANGUAGE sql body is a single `SELECT expr` (no FROM, no clauses),
/// the expression text; such functions are evaluated as expressions.
pub fn inlinable_expr(body: &str) -> Option<String> {
    let mut stmts = crate::parser::parse_sql(body).ok()?;
    if stmts.len() != 1 {
        return None;
    }
    let sqlparser::ast::Statement::Query(q) = stmts.remove(0) else {
        return None;
    };
    if q.with.is_some() || q.order_by.is_some() || q.limit_clause.is_some() {
        return None;
    }
    let sqlparser::ast::SetExpr::Select(sel) = *q.body else {
        return None;
    };
    if !sel.from.is_empty()
        || sel.selection.is_some()
        || sel.having.is_some()
        || sel.distinct.is_some()
        || sel.projection.len() != 1
    {
        return None;
    }
    match &sel.projection[0] {
        sqlparser::ast::SelectItem::UnnamedExpr(e)
        | sqlparser::ast::SelectItem::ExprWithAlias { expr: e, .. } => {
            if crate::bind::expr::contains_aggregate(e) {
                None
            } else {
                Some(e.to_string())
            }
        }
        _ => None,
    }
}
