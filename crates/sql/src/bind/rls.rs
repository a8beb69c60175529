//! Row-level security in the binder: the policies `rampart_security::rls`
//! selects become predicates on every scan of the table (also inside
//! subqueries, CTEs, views and other policies) and checks on new rows.

use rampart_catalog::Relation;
use rampart_security::rls::{self, RlsCmd};
use rampart_types::{PgError, PgResult, SqlState, Value};

use super::expr::ExprCtx;
use super::{Binder, Scope};
use crate::expr::{BinOp, Expr};
use crate::plan::{RlsCheck, RlsCheckKind};

/// Who RLS is evaluated for, and the `row_security` setting.
#[derive(Clone, Copy, Debug)]
pub struct RlsContext {
    /// The current user's role OID.
    pub user: u32,
    /// `row_security` (off: error instead of filtering).
    pub row_security: bool,
}

impl Binder<'_> {
    /// Applies RLS for this session.
    pub fn with_rls(mut self, ctx: RlsContext) -> Self {
        self.rls = Some(ctx);
        self
    }

    /// The role RLS is evaluated for here (a view body runs as the view owner).
    fn rls_user(&self) -> Option<u32> {
        self.rls
            .map(|c| self.rls_user_stack.last().copied().unwrap_or(c.user))
    }

    /// Binds a view body with RLS evaluated for the view's owner.
    pub fn as_view_owner<T>(
        &mut self,
        owner: u32,
        f: impl FnOnce(&mut Self) -> PgResult<T>,
    ) -> PgResult<T> {
        self.rls_user_stack.push(owner);
        let r = f(self);
        self.rls_user_stack.pop();
        r
    }

    fn bind_policy_expr(&mut self, rel: &Relation, text: &str) -> PgResult<Expr> {
        if self.rls_guard.contains(&rel.oid) {
            return Err(PgError::new(
                SqlState("42P17"),
                format!(
                    "infinite recursion detected in policy for relation \"{}\"",
                    rel.name
                ),
            ));
        }
        let e = crate::parser::parse_expr(text)?;
        let scope = Scope::for_relation(rel, &rel.name);
        let saved_outer = std::mem::take(&mut self.outer);
        let saved_needs = self.needs.len();
        self.rls_guard.push(rel.oid);
        let mut cx = ExprCtx::new(&scope, "policy expressions");
        let r = self.bind_bool(&e, &mut cx, "POLICY");
        self.rls_guard.pop();
        self.outer = saved_outer;
        // A policy's reads of its own table need no column privileges; its
        // subqueries over other tables are checked as usual.
        let mut i = saved_needs;
        while i < self.needs.len() {
            if self.needs[i].object == rampart_security::ObjectRef::Relation(rel.oid) {
                self.needs.remove(i);
            } else {
                i += 1;
            }
        }
        r
    }

    /// How predicates are pushed and ordered in this statement so far.
    pub fn pushdown(&self) -> super::pushdown::Pushdown<'_> {
        super::pushdown::Pushdown {
            catalog: self.catalog,
            rls: self.rls_seen,
        }
    }

    /// The USING predicate rows must pass for `cmd`, or None when RLS does not apply.
    pub fn rls_using(&mut self, rel: &Relation, cmd: RlsCmd) -> PgResult<Option<Expr>> {
        let (Some(user), Some(ctx)) = (self.rls_user(), self.rls) else {
            return Ok(None);
        };
        let Some(app) = rls::policies_for(self.catalog, rel, user, ctx.row_security, cmd)? else {
            return Ok(None);
        };
        self.rls_seen = true;
        let mut permissive = Vec::new();
        for p in &app.permissive {
            if let Some(u) = &p.using {
                permissive.push(self.bind_policy_expr(rel, u)?);
            }
        }
        // PostgreSQL's order: each restrictive policy's USING, then the
        // permissive ones OR'ed (no permissive policy: no row at all).
        let mut parts = Vec::new();
        if !permissive.is_empty() {
            for p in &app.restrictive {
                if let Some(u) = &p.using {
                    parts.push(self.bind_policy_expr(rel, u)?);
                }
            }
        }
        parts.push(or_all(permissive).unwrap_or(Expr::Literal(Value::Bool(false))));
        Ok(Expr::conjunction(parts))
    }

    /// The WITH CHECK a new row must pass for `cmd` (INSERT, UPDATE), or None.
    pub fn rls_check(&mut self, rel: &Relation, cmd: RlsCmd) -> PgResult<Option<RlsCheck>> {
        let (Some(user), Some(ctx)) = (self.rls_user(), self.rls) else {
            return Ok(None);
        };
        let Some(app) = rls::policies_for(self.catalog, rel, user, ctx.row_security, cmd)? else {
            return Ok(None);
        };
        let mut permissive = Vec::new();
        for p in &app.permissive {
            if let Some(t) = p.with_check.as_ref().or(p.using.as_ref()) {
                permissive.push(self.bind_policy_expr(rel, t)?);
            }
        }
        let mut restrictive = Vec::new();
        for p in &app.restrictive {
            if let Some(t) = p.with_check.as_ref().or(p.using.as_ref()) {
                restrictive.push((p.name.clone(), self.bind_policy_expr(rel, t)?));
            }
        }
        Ok(Some(RlsCheck {
            table: rel.name.clone(),
            permissive: or_all(permissive).unwrap_or(Expr::Literal(Value::Bool(false))),
            restrictive,
            kind: RlsCheckKind::NewRow,
        }))
    }

    /// The SELECT policies' USING as a check on a new row: PostgreSQL adds
    /// them as WITH CHECK options when the statement needs SELECT on its
    /// target (RETURNING, a WHERE or SET reading columns, an ON CONFLICT
    /// arbiter), so a write cannot produce a row its author could not see.
    pub fn rls_select_check(&mut self, rel: &Relation) -> PgResult<Option<RlsCheck>> {
        self.rls_using_check(rel, RlsCmd::Select, RlsCheckKind::NewRow)
    }

    /// The USING of `cmd`'s policies as a check on one row (each
    /// restrictive policy named in its own error).
    pub fn rls_using_check(
        &mut self,
        rel: &Relation,
        cmd: RlsCmd,
        kind: RlsCheckKind,
    ) -> PgResult<Option<RlsCheck>> {
        let (Some(user), Some(ctx)) = (self.rls_user(), self.rls) else {
            return Ok(None);
        };
        let Some(app) = rls::policies_for(self.catalog, rel, user, ctx.row_security, cmd)? else {
            return Ok(None);
        };
        let mut permissive = Vec::new();
        for p in &app.permissive {
            if let Some(u) = &p.using {
                permissive.push(self.bind_policy_expr(rel, u)?);
            }
        }
        let mut restrictive = Vec::new();
        for p in &app.restrictive {
            if let Some(u) = &p.using {
                restrictive.push((p.name.clone(), self.bind_policy_expr(rel, u)?));
            }
        }
        Ok(Some(RlsCheck {
            table: rel.name.clone(),
            permissive: or_all(permissive).unwrap_or(Expr::Literal(Value::Bool(false))),
            restrictive,
            kind,
        }))
    }

    /// ON CONFLICT DO UPDATE's check of the existing row: UPDATE and SELECT USING.
    pub fn rls_conflict_check(&mut self, rel: &Relation) -> PgResult<Option<RlsCheck>> {
        let update = self.rls_using(rel, RlsCmd::Update)?;
        let select = self.rls_using(rel, RlsCmd::Select)?;
        Ok(and_opt(update, select).map(|p| RlsCheck {
            table: rel.name.clone(),
            permissive: p,
            restrictive: vec![],
            kind: RlsCheckKind::ConflictUsing,
        }))
    }

    /// Whether RLS applies to this table for the current user (COPY FROM refuses it).
    pub fn rls_applies(&self, rel: &Relation) -> bool {
        self.rls_user()
            .is_some_and(|u| rls::applies(self.catalog, rel, u))
    }
}

fn or_all(parts: Vec<Expr>) -> Option<Expr> {
    parts
        .into_iter()
        .reduce(|a, b| Expr::Binary(BinOp::Or, Box::new(a), Box::new(b)))
}

/// ANDs two optional predicates.
pub fn and_opt(a: Option<Expr>, b: Option<Expr>) -> Option<Expr> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Expr::Binary(BinOp::And, Box::new(a), Box::new(b))),
        (a, None) => a,
        (None, b) => b,
    }
}
