//! The server programming interface routines run their statements through
//! (PostgreSQL's SPI in small). Two implementations: inside a running query
//! ([`ExecSpi`], data statements only, the enclosing statement's catalog) and
//! at the top level of a session ([`crate::session::Session`], for DO and
//! CALL, where utility statements run too).

use rampart_catalog::Catalog;
use rampart_security::Need;
use rampart_types::{DataType, PgError, PgResult, SqlState, Value};
use sqlparser::ast::Statement;

use crate::bind::{Binder, Scope};
use crate::exec::{Exec, Row};
use crate::expr::Expr;
use crate::parser::Stmt;
use crate::plan::{DataStatement, OutputColumn};
use crate::session::SessionState;

/// What a statement run through SPI produced.
#[derive(Debug, Default)]
pub struct SpiResult {
    /// Result columns (empty for commands without RETURNING).
    pub columns: Vec<OutputColumn>,
    /// Result rows.
    pub rows: Vec<Row>,
    /// Rows processed (GET DIAGNOSTICS ROW_COUNT, FOUND).
    pub processed: u64,
}

/// A bound expression with the needs it must satisfy.
#[derive(Clone, Debug)]
pub struct BoundExpr {
    /// The expression (variables are parameters).
    pub expr: Expr,
    /// Its type.
    pub ty: DataType,
    /// Privileges it needs (tables read in subqueries, functions called).
    pub needs: Vec<Need>,
}

/// Caches that live for one top-level statement: bound PL/pgSQL
/// expressions (by body, expression, catalog version and variable
/// signature) and parsed bodies (by function), so a routine called once per
/// row binds and parses once.
#[derive(Default)]
pub struct RoutineCache {
    /// Bound expressions.
    pub exprs: std::collections::HashMap<(usize, usize, u64, String), std::sync::Arc<BoundExpr>>,
    /// Parsed PL/pgSQL bodies by function OID, with the text they came from.
    pub blocks:
        std::collections::HashMap<u32, (String, std::sync::Arc<crate::plpgsql::ast::Block>)>,
}

/// Variables visible to a statement: names (as `$n` positions) and types.
pub struct Vars<'v> {
    /// Names, by parameter position (`rec.field` for record fields).
    pub names: &'v [String],
    /// Types, by parameter position.
    pub types: &'v [DataType],
}

/// Running statements from inside a routine.
pub trait Spi {
    /// Binds an expression over the variables.
    fn bind_expr(&mut self, text: &str, vars: &Vars) -> PgResult<BoundExpr>;
    /// Evaluates a bound expression with the variables' values.
    fn eval(&mut self, b: &BoundExpr, values: &[Value]) -> PgResult<Value>;
    /// The current catalog version (bound expressions from older versions are rebound).
    fn catalog_version(&mut self) -> PgResult<u64>;
    /// Parses, binds, authorizes and runs one statement.
    fn run(&mut self, text: &str, vars: &Vars, values: &[Value]) -> PgResult<SpiResult>;
    /// Session state (identity, settings, notices).
    fn state(&mut self) -> &mut SessionState;
    /// Opens a subtransaction; returns its depth.
    fn savepoint(&mut self) -> PgResult<usize>;
    /// Rolls a subtransaction back.
    fn rollback_to(&mut self, depth: usize) -> PgResult<()>;
    /// Releases (commits into the parent) a subtransaction.
    fn release(&mut self, depth: usize) -> PgResult<()>;
    /// Fails with 57014 when the client asked to cancel (checked by loops).
    fn check_cancel(&mut self) -> PgResult<()>;
    /// The statement-long routine caches.
    fn routine_cache(&mut self) -> &mut RoutineCache;
}

fn binder<'c>(catalog: &'c Catalog, state: &SessionState, vars: &Vars) -> PgResult<Binder<'c>> {
    Ok(
        Binder::new(catalog, state.search_path(), vars.types.to_vec())
            .with_style(state.settings.style())
            .with_rls(state.rls_context(catalog)?)
            .with_param_names(vars.names.to_vec()),
    )
}

/// Binds an expression text (or a query-shaped one such as `count(*) FROM t`).
pub fn bind_expr_text(
    catalog: &Catalog,
    state: &SessionState,
    text: &str,
    vars: &Vars,
) -> PgResult<BoundExpr> {
    let mut b = binder(catalog, state, vars)?.with_source(text);
    let (expr, ty) = match crate::parser::parse_expr(text) {
        Ok(ast) => {
            let scope = Scope::default();
            let mut cx = crate::bind::expr::ExprCtx::new(&scope, "expression");
            b.bind_expr(&ast, &mut cx)?
        }
        Err(e) => {
            let Ok(q) = crate::parser::parse_one_query(&format!("SELECT {text}")) else {
                return Err(e);
            };
            let (plan, cols) = b.bind_query(&q)?;
            if cols.len() != 1 {
                return Err(PgError::new(
                    SqlState::SYNTAX_ERROR,
                    format!("query \"SELECT {text}\" returned {} columns", cols.len()),
                ));
            }
            (Expr::ScalarSubquery(Box::new(plan)), cols[0].ty.clone())
        }
    };
    let ty = if ty == DataType::Unknown {
        DataType::Text
    } else {
        ty
    };
    Ok(BoundExpr {
        expr,
        ty,
        needs: b.merged_needs(),
    })
}

/// Binds a data statement (query, INSERT, UPDATE, DELETE).
pub fn bind_statement(
    catalog: &Catalog,
    state: &SessionState,
    stmt: &Statement,
    text: &str,
    vars: &Vars,
) -> PgResult<(DataStatement, Vec<OutputColumn>, Vec<Need>)> {
    let mut b = binder(catalog, state, vars)?.with_source(text);
    let (ds, cols) = b.bind_data_statement(stmt)?;
    Ok((ds, cols, b.merged_needs()))
}

/// Whether a statement is a query or DML (what SPI can run inside a query).
pub fn is_data(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::Query(_) | Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_)
    )
}

/// Checks needs for the state's current user.
pub fn authorize_needs(catalog: &Catalog, state: &SessionState, needs: &[Need]) -> PgResult<()> {
    if needs.is_empty() {
        return Ok(());
    }
    let principal = state.principal(catalog)?;
    rampart_security::authorize((), needs, &principal, catalog).map(|_| ())
}

/// Runs a bound data statement on an executor.
pub fn run_bound(
    ex: &mut Exec,
    ds: &DataStatement,
    columns: Vec<OutputColumn>,
) -> PgResult<SpiResult> {
    Ok(match ds {
        DataStatement::Query(p) => {
            let rows = ex.run(p)?;
            SpiResult {
                processed: rows.len() as u64,
                columns,
                rows,
            }
        }
        DataStatement::Insert(p) => dml(ex.insert(p)?, p.returning.is_some(), columns),
        DataStatement::Update(p) => dml(ex.update(p)?, p.returning.is_some(), columns),
        DataStatement::Delete(p) => dml(ex.delete(p)?, p.returning.is_some(), columns),
        DataStatement::Merge(p) => dml(ex.merge(p)?, false, columns),
    })
}

/// PostgreSQL's refusal of writes in a read-only transaction, and of
/// data-modifying and utility statements inside a STABLE or IMMUTABLE routine.
pub fn check_read_only(state: &SessionState, stmt: &Stmt, text: &str) -> PgResult<()> {
    // A read-only transaction refuses writes from inside routines too.
    if let Some(verb) = crate::session::read_only_violation(state, stmt, text) {
        return Err(PgError::new(
            SqlState::READ_ONLY_SQL_TRANSACTION,
            format!("cannot execute {verb} in a read-only transaction"),
        ));
    }
    if !state.read_only.last().copied().unwrap_or(false) {
        return Ok(());
    }
    let verb = match stmt {
        Stmt::Sql(s) => match (crate::parser::dml_verb(s), &**s) {
            (Some(verb), _) => verb.to_string(),
            (None, Statement::Query(_)) => return Ok(()),
            _ => crate::session::leading_words(text, 2),
        },
        _ => crate::session::leading_words(text, 2),
    };
    Err(PgError::new(
        SqlState::FEATURE_NOT_SUPPORTED,
        format!("{verb} is not allowed in a non-volatile function"),
    ))
}

/// A DML result: RETURNING rows (and their columns) if asked for.
fn dml(r: crate::exec::dml::DmlResult, returning: bool, columns: Vec<OutputColumn>) -> SpiResult {
    SpiResult {
        columns: if returning { columns } else { vec![] },
        rows: r.returning,
        processed: r.count,
    }
}

/// Parses exactly one statement for SPI.
pub fn parse_one(text: &str) -> PgResult<Stmt> {
    let mut stmts = crate::parser::parse(text)?;
    if stmts.len() != 1 {
        return Err(PgError::new(
            SqlState::SYNTAX_ERROR,
            "cannot insert multiple commands into a prepared statement",
        ));
    }
    Ok(stmts.remove(0))
}

/// SPI inside a running statement: the enclosing executor's transaction,
/// catalog and session state.
pub struct ExecSpi<'e, 'a> {
    /// The enclosing executor.
    pub ex: &'e mut Exec<'a>,
}

impl Spi for ExecSpi<'_, '_> {
    fn bind_expr(&mut self, text: &str, vars: &Vars) -> PgResult<BoundExpr> {
        bind_expr_text(self.ex.catalog, self.ex.session, text, vars)
    }

    fn eval(&mut self, b: &BoundExpr, values: &[Value]) -> PgResult<Value> {
        authorize_needs(self.ex.catalog, self.ex.session, &b.needs)?;
        let mut sub = self.ex.nested(values);
        sub.eval(&b.expr, &[])
    }

    fn catalog_version(&mut self) -> PgResult<u64> {
        Ok(self.ex.catalog.version)
    }

    fn run(&mut self, text: &str, vars: &Vars, values: &[Value]) -> PgResult<SpiResult> {
        let parsed = parse_one(text)?;
        check_read_only(self.ex.session, &parsed, text)?;
        let Stmt::Sql(stmt) = parsed else {
            return Err(PgError::unsupported(
                "this statement is not supported inside a function called from a query yet",
            ));
        };
        if !is_data(&stmt) {
            return Err(PgError::unsupported(format!(
                "{} is not supported inside a function called from a query yet",
                text.split_whitespace().next().unwrap_or("").to_uppercase()
            )));
        }
        let (ds, cols, needs) =
            bind_statement(self.ex.catalog, self.ex.session, &stmt, text, vars)?;
        authorize_needs(self.ex.catalog, self.ex.session, &needs)?;
        let mut sub = self.ex.nested(values);
        run_bound(&mut sub, &ds, cols)
    }

    fn state(&mut self) -> &mut SessionState {
        self.ex.session
    }

    fn savepoint(&mut self) -> PgResult<usize> {
        Ok(self.ex.txn.savepoint())
    }

    fn rollback_to(&mut self, depth: usize) -> PgResult<()> {
        self.ex.txn.rollback_to_savepoint(depth);
        Ok(())
    }

    fn release(&mut self, depth: usize) -> PgResult<()> {
        self.ex.txn.release_savepoint(depth);
        Ok(())
    }

    fn check_cancel(&mut self) -> PgResult<()> {
        self.ex.check_cancel()
    }

    fn routine_cache(&mut self) -> &mut RoutineCache {
        &mut self.ex.routine_cache
    }
}
