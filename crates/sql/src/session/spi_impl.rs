//! The session as an SPI: what DO blocks and CALL run their statements
//! through. Unlike SPI inside a query, utility statements (DDL, GRANT,
//! DROP OWNED, nested DO) run too.

use std::sync::Arc;

use rampart_catalog::Catalog;
use rampart_types::{PgError, PgResult, Value};

use super::{QueryResult, Session, SessionState};
use crate::exec::Exec;
use crate::func::spi::{self, BoundExpr, Spi, SpiResult, Vars};
use crate::parser::Stmt;

impl Session {
    /// The catalog and style routines run with, loaded once per change.
    fn spi_context(&mut self) -> PgResult<(Arc<Catalog>, rampart_types::Style)> {
        if let Some((c, s)) = &self.spi_context {
            return Ok((c.clone(), *s));
        }
        let c = self.catalog()?;
        let s = self.state.settings.style();
        self.spi_context = Some((c.clone(), s));
        Ok((c, s))
    }

    /// Runs `f` on an executor over the session's transaction with the
    /// routine context's catalog and style; routines it called keep their
    /// bound state for the rest of the statement.
    fn with_exec<R>(
        &mut self,
        values: &[Value],
        f: impl FnOnce(&mut Exec) -> PgResult<R>,
    ) -> PgResult<R> {
        let (catalog, style) = self.spi_context()?;
        let engine = self.engine.clone();
        let cancel = self.cancel.clone();
        let txn = self
            .txn
            .as_mut()
            .ok_or_else(|| PgError::internal("no transaction"))?;
        let mut ex = Exec::with_style(txn, &catalog, &mut self.state, &engine, values, style);
        ex.cancel = Some(&cancel);
        let r = f(&mut ex);
        let cache = std::mem::take(&mut ex.routine_cache);
        self.routine_cache.exprs.extend(cache.exprs);
        self.routine_cache.blocks.extend(cache.blocks);
        r
    }
}

impl Spi for Session {
    fn bind_expr(&mut self, text: &str, vars: &Vars) -> PgResult<BoundExpr> {
        let catalog = self.catalog()?;
        spi::bind_expr_text(&catalog, &self.state, text, vars)
    }

    fn eval(&mut self, b: &BoundExpr, values: &[Value]) -> PgResult<Value> {
        let (catalog, _) = self.spi_context()?;
        spi::authorize_needs(&catalog, &self.state, &b.needs)?;
        self.with_exec(values, |ex| ex.eval(&b.expr, &[]))
    }

    fn catalog_version(&mut self) -> PgResult<u64> {
        Ok(self.spi_context()?.0.version)
    }

    fn run(&mut self, text: &str, vars: &Vars, values: &[Value]) -> PgResult<SpiResult> {
        let stmt = spi::parse_one(text)?;
        spi::check_read_only(&self.state, &stmt, text)?;
        if let Stmt::Sql(st) = &stmt {
            if spi::is_data(st) {
                let (catalog, _) = self.spi_context()?;
                let (ds, cols, needs) = spi::bind_statement(&catalog, &self.state, st, text, vars)?;
                spi::authorize_needs(&catalog, &self.state, &needs)?;
                return self.with_exec(values, |ex| spi::run_bound(ex, &ds, cols));
            }
            if matches!(
                **st,
                sqlparser::ast::Statement::StartTransaction { .. }
                    | sqlparser::ast::Statement::Commit { .. }
                    | sqlparser::ast::Statement::Rollback { .. }
                    | sqlparser::ast::Statement::Savepoint { .. }
            ) {
                return Err(PgError::new(
                    rampart_types::SqlState("2D000"),
                    "invalid transaction termination",
                ));
            }
        }
        let saved_sql = std::mem::take(&mut self.current_sql);
        let r = self.run_in_txn(&stmt, &[], &mut None, text);
        self.current_sql = saved_sql;
        // Utility statements may change the catalog or the settings.
        self.spi_context = None;
        Ok(match r? {
            QueryResult::Rows { columns, rows, .. } => SpiResult {
                processed: rows.len() as u64,
                columns,
                rows,
            },
            QueryResult::Command { tag } => SpiResult {
                processed: tag
                    .rsplit(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
                ..Default::default()
            },
            _ => SpiResult::default(),
        })
    }

    fn state(&mut self) -> &mut SessionState {
        &mut self.state
    }

    fn savepoint(&mut self) -> PgResult<usize> {
        Ok(self.txn_mut()?.savepoint())
    }

    fn rollback_to(&mut self, depth: usize) -> PgResult<()> {
        self.txn_mut()?.rollback_to_savepoint(depth);
        Ok(())
    }

    fn release(&mut self, depth: usize) -> PgResult<()> {
        self.txn_mut()?.release_savepoint(depth);
        Ok(())
    }

    fn routine_cache(&mut self) -> &mut spi::RoutineCache {
        &mut self.routine_cache
    }

    fn check_cancel(&mut self) -> PgResult<()> {
        if self.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(PgError::new(
                rampart_types::SqlState::QUERY_CANCELED,
                "canceling statement due to user request",
            ));
        }
        Ok(())
    }
}
