//! `FROM table TABLESAMPLE method (argument) [REPEATABLE (seed)]`: bound as
//! the table's scan with [`Access::Sample`], PostgreSQL's errors in its order
//! (the relation first, then its kind, then the method and its arguments).

use sqlparser::ast::{self, Spanned, TableFactor};

use rampart_catalog::RelationKind;
use rampart_types::{DataType, PgError, PgResult, SqlState};

use super::expr::ExprCtx;
use super::{Binder, Scope};
use crate::plan::{Access, Plan, SampleMethod, TableSample};

impl Binder<'_> {
    /// Binds a table factor that carries a TABLESAMPLE clause.
    pub(super) fn bind_sampled_table(
        &mut self,
        factor: &TableFactor,
        sample: &ast::TableSampleKind,
    ) -> PgResult<(Plan, Scope)> {
        let TableFactor::Table { name, .. } = factor else {
            return Err(PgError::internal("TABLESAMPLE on a non-table factor"));
        };
        let mut plain = factor.clone();
        if let TableFactor::Table { sample, .. } = &mut plain {
            *sample = None;
        }
        let (mut plan, scope) = self.bind_factor(&plain)?;
        let Plan::Scan { access, .. } = &mut plan else {
            return Err(self.not_a_table(name));
        };
        if !self.names_plain_table(name) {
            return Err(self.not_a_table(name));
        }
        let (ast::TableSampleKind::BeforeTableAlias(s) | ast::TableSampleKind::AfterTableAlias(s)) =
            sample;
        *access = Access::Sample(Box::new(self.bind_sample_clause(s, name.span())?));
        Ok((plan, scope))
    }

    /// Whether a factor that bound to a table scan names a table: a CTE,
    /// a system view or a sequence binds to other plans already, but a
    /// view over one table binds to that table's scan.
    fn names_plain_table(&mut self, name: &ast::ObjectName) -> bool {
        self.resolve_relation(name)
            .is_ok_and(|r| matches!(r.kind, RelationKind::Table))
    }

    fn not_a_table(&self, name: &ast::ObjectName) -> PgError {
        self.at(
            PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "TABLESAMPLE clause can only be applied to tables and materialized views",
            ),
            name.span(),
        )
    }

    /// The method, its one argument (coerced to real) and the seed (to
    /// double precision). sqlparser reads a method it does not know
    /// (`TABLESAMPLE foo (1)`) as an argument that is a function call; that
    /// call's name is the method PostgreSQL would look up.
    fn bind_sample_clause(
        &mut self,
        s: &ast::TableSample,
        at: sqlparser::tokenizer::Span,
    ) -> PgResult<TableSample> {
        let quantity = s.quantity.as_ref();
        let (method, args): (SampleMethod, Vec<ast::Expr>) = match (&s.name, quantity) {
            (Some(ast::TableSampleMethod::Bernoulli), Some(q)) => {
                (SampleMethod::Bernoulli, vec![q.value.clone()])
            }
            (Some(ast::TableSampleMethod::System), Some(q)) => {
                (SampleMethod::System, vec![q.value.clone()])
            }
            (None, Some(q)) if !q.parenthesized => {
                let method = match &q.value {
                    ast::Expr::Function(f) => f.name.to_string().to_lowercase(),
                    other => other.to_string().to_lowercase(),
                };
                return Err(self.at(
                    PgError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("tablesample method {method} does not exist"),
                    ),
                    q.value.span(),
                ));
            }
            (Some(m), _) => {
                return Err(self.at(
                    PgError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!(
                            "tablesample method {} does not exist",
                            m.to_string().to_lowercase()
                        ),
                    ),
                    at,
                ))
            }
            (None, _) => return Err(PgError::syntax("syntax error at or near \"TABLESAMPLE\"")),
        };
        if s.bucket.is_some() || s.offset.is_some() || quantity.is_some_and(|q| q.unit.is_some()) {
            return Err(PgError::syntax("syntax error at or near \"TABLESAMPLE\""));
        }
        if let Some(seed) = &s.seed {
            if seed.modifier != ast::TableSampleSeedModifier::Repeatable {
                return Err(PgError::syntax("syntax error at or near \"SEED\""));
            }
        }
        let empty = Scope::default();
        let mut cx = ExprCtx::new(&empty, "functions in FROM");
        let (arg, ty) = self.bind_expr(&args[0], &mut cx)?;
        let percent = self
            .coerce_sample_argument(arg, &ty, DataType::Float4, "TABLESAMPLE")
            .map_err(|e| self.at(e, args[0].span()))?;
        let repeatable = match &s.seed {
            None => None,
            Some(seed) => {
                let lit = ast::Expr::Value(seed.value.clone());
                let (e, ty) = self.bind_expr(&lit, &mut cx)?;
                Some(self.coerce_sample_argument(e, &ty, DataType::Float8, "REPEATABLE")?)
            }
        };
        Ok(TableSample {
            method,
            percent,
            repeatable,
        })
    }

    /// PostgreSQL's coerce_to_specific_type: numbers and untyped literals
    /// convert, anything else is "argument of TABLESAMPLE must be type real".
    fn coerce_sample_argument(
        &mut self,
        e: crate::expr::Expr,
        from: &DataType,
        to: DataType,
        what: &str,
    ) -> PgResult<crate::expr::Expr> {
        if !(from.is_numeric() || *from == DataType::Unknown) {
            return Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "argument of {what} must be type {}, not type {}",
                    to.display_name(),
                    from.display_name()
                ),
            ));
        }
        self.coerce(e, from, &to)
    }
}
