//! Query deparsing as PostgreSQL's ruleutils prints it: view definitions
//! (`pg_get_viewdef`, `pg_views`, `\d+ view`) and subqueries inside policy
//! expressions (`pg_policies`, `\d`, `\dp`):
//!
//! ```text
//!  SELECT t1.id,
//!     upper(t1.v) AS uv
//!    FROM t1
//!   WHERE (t1.id > 1)
//! ```
//!
//! The statement is walked as parsed; each expression without subqueries
//! or aggregates is bound in its query's scope and printed by `deparse`
//! (so literals carry their types and columns their qualification).
//!
//! Partial: SELECT with FROM (tables, comma lists, [LEFT|RIGHT|FULL|CROSS]
//! JOIN … ON), WHERE, GROUP BY, HAVING, ORDER BY, LIMIT/OFFSET and
//! scalar/EXISTS/IN subqueries. Anything else (CTEs, set operations,
//! DISTINCT, window functions, …) returns None and callers show the text
//! as written.

use rampart_catalog::{Catalog, Column, Relation};
use sqlparser::ast;

use crate::bind::expr::ExprCtx;
use crate::bind::{Binder, Scope};
use crate::functions::quote_ident;

/// Deparses queries and expressions against a catalog.
pub struct QueryDeparser<'a> {
    catalog: &'a Catalog,
    search_path: Vec<String>,
    pretty: bool,
}

/// One query level's columns: bound scope plus printed names, as seen
/// from the level itself and from subqueries nested in it.
struct Level {
    scope: Scope,
    names: Vec<String>,
    from_inside: Vec<String>,
}

impl<'a> QueryDeparser<'a> {
    /// A deparser; `pretty` is pg_get_viewdef's / pg_get_expr's flag.
    pub fn new(catalog: &'a Catalog, search_path: &[String], pretty: bool) -> Self {
        QueryDeparser {
            catalog,
            search_path: search_path.to_vec(),
            pretty,
        }
    }

    /// A view's definition as `pg_get_viewdef` returns it (with the `;`).
    pub fn view_definition(&self, query_text: &str) -> Option<String> {
        let q = crate::parser::parse_one_query(query_text).ok()?;
        let mut binder = Binder::new(self.catalog, self.search_path.clone(), vec![]);
        let mut levels = Vec::new();
        let body = self.query(&mut binder, &q, 0, &mut levels)?;
        Some(format!("{body};"))
    }

    /// A policy expression of `rel` as `pg_get_expr` prints it, for
    /// expressions with subqueries (the others go through `deparse`).
    pub fn policy_expression(&self, rel: &Relation, text: &str) -> Option<String> {
        let e = crate::parser::parse_expr(text).ok()?;
        let scope = Scope::for_relation(rel, &rel.name);
        // A lone relation's own columns are not qualified; the subqueries'
        // columns, and their references back to this row, are.
        let names = rel.columns.iter().map(|c| quote_ident(&c.name)).collect();
        let from_inside = rel
            .columns
            .iter()
            .map(|c| format!("{}.{}", quote_ident(&rel.name), quote_ident(&c.name)))
            .collect();
        let mut levels = vec![Level {
            scope,
            names,
            from_inside,
        }];
        let mut binder = Binder::new(self.catalog, self.search_path.clone(), vec![]);
        self.expr(&mut binder, &e, &mut levels, 0, true)
    }

    /// `SELECT …` at indentation `indent` (the text starts with a space).
    fn query(
        &self,
        b: &mut Binder,
        q: &ast::Query,
        indent: usize,
        levels: &mut Vec<Level>,
    ) -> Option<String> {
        if q.with.is_some() || q.fetch.is_some() || !q.locks.is_empty() {
            return None;
        }
        let ast::SetExpr::Select(sel) = q.body.as_ref() else {
            return None;
        };
        if sel.distinct.is_some() || sel.top.is_some() || !sel.named_window.is_empty() {
            return None;
        }
        // Outer levels are visible to this query's expressions.
        for l in levels.iter() {
            b.push_outer(l.scope.clone());
        }
        let from = b.bind_from(&sel.from);
        for _ in levels.iter() {
            b.pop_outer();
        }
        let (_, scope) = from.ok()?;
        let names: Vec<String> = scope
            .columns
            .iter()
            .map(|c| match &c.table {
                Some(t) => format!("{}.{}", quote_ident(t), quote_ident(&c.name)),
                None => quote_ident(&c.name),
            })
            .collect();
        levels.push(Level {
            scope: scope.clone(),
            from_inside: names.clone(),
            names,
        });
        let out = self.select_body(b, sel, q, indent, levels, &scope);
        levels.pop();
        out
    }

    fn select_body(
        &self,
        b: &mut Binder,
        sel: &ast::Select,
        q: &ast::Query,
        indent: usize,
        levels: &mut Vec<Level>,
        scope: &Scope,
    ) -> Option<String> {
        let pad = |n: usize| " ".repeat(indent + n);
        let nested = indent + 8;
        let mut targets = Vec::new();
        for item in &sel.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    let text = self.expr(b, e, levels, nested, false)?;
                    let name = crate::bind::query::output_name(e);
                    let plain_column = matches!(
                        e,
                        ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)
                    );
                    targets.push(if plain_column || name == "?column?" {
                        text
                    } else {
                        format!("{text} AS {}", quote_ident(&name))
                    });
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    let text = self.expr(b, expr, levels, nested, false)?;
                    let alias = crate::bind::ident(alias);
                    let same = matches!(
                        expr,
                        ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)
                    ) && crate::bind::query::output_name(expr) == alias;
                    targets.push(if same {
                        text
                    } else {
                        format!("{text} AS {}", quote_ident(&alias))
                    });
                }
                ast::SelectItem::Wildcard(_) => {
                    let level = levels.last()?;
                    for (c, n) in scope.columns.iter().zip(&level.names) {
                        if !c.hidden {
                            targets.push(n.clone());
                        }
                    }
                }
                _ => return None,
            }
        }
        let mut out = format!(" SELECT {}", targets.join(&format!(",\n{}", pad(4))));
        if !sel.from.is_empty() {
            let mut items = Vec::new();
            for twj in &sel.from {
                items.push(self.render_from_item(b, twj, indent, levels)?);
            }
            out.push_str(&format!(
                "\n{}FROM {}",
                pad(3),
                items.join(&format!(",\n{}", pad(4)))
            ));
        }
        if let Some(w) = &sel.selection {
            out.push_str(&format!(
                "\n{}WHERE {}",
                pad(2),
                self.expr(b, w, levels, nested, true)?
            ));
        }
        if let ast::GroupByExpr::Expressions(exprs, _) = &sel.group_by {
            if !exprs.is_empty() {
                let parts: Option<Vec<String>> = exprs
                    .iter()
                    .map(|e| self.expr(b, e, levels, nested, false))
                    .collect();
                out.push_str(&format!("\n{}GROUP BY {}", pad(2), parts?.join(", ")));
            }
        }
        if let Some(h) = &sel.having {
            out.push_str(&format!(
                "\n{}HAVING {}",
                pad(1),
                self.expr(b, h, levels, nested, true)?
            ));
        }
        if let Some(order) = &q.order_by {
            let ast::OrderByKind::Expressions(items) = &order.kind else {
                return None;
            };
            let mut parts = Vec::new();
            for o in items {
                let mut t = self.expr(b, &o.expr, levels, nested, false)?;
                let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
                if desc {
                    t.push_str(" DESC");
                }
                match (desc, o.options.nulls_first) {
                    (false, Some(true)) => t.push_str(" NULLS FIRST"),
                    (true, Some(false)) => t.push_str(" NULLS LAST"),
                    _ => {}
                }
                parts.push(t);
            }
            out.push_str(&format!("\n{}ORDER BY {}", pad(2), parts.join(", ")));
        }
        if let Some(limit) = &q.limit_clause {
            let (limit, offset) = match limit {
                ast::LimitClause::LimitOffset { limit, offset, .. } => {
                    (limit.as_ref(), offset.as_ref().map(|o| &o.value))
                }
                _ => return None,
            };
            if let Some(o) = offset {
                out.push_str(&format!(
                    "\n{}OFFSET {}",
                    pad(1),
                    self.expr(b, o, levels, nested, false)?
                ));
            }
            if let Some(l) = limit {
                out.push_str(&format!(
                    "\n{}LIMIT {}",
                    pad(1),
                    self.expr(b, l, levels, nested, false)?
                ));
            }
        }
        Some(out)
    }

    /// One FROM item with its joins.
    fn render_from_item(
        &self,
        b: &mut Binder,
        twj: &ast::TableWithJoins,
        indent: usize,
        levels: &mut Vec<Level>,
    ) -> Option<String> {
        let mut text = self.relation(&twj.relation)?;
        for j in &twj.joins {
            let (word, constraint) = match &j.join_operator {
                ast::JoinOperator::Join(c) | ast::JoinOperator::Inner(c) => ("JOIN", Some(c)),
                ast::JoinOperator::Left(c) | ast::JoinOperator::LeftOuter(c) => {
                    ("LEFT JOIN", Some(c))
                }
                ast::JoinOperator::Right(c) | ast::JoinOperator::RightOuter(c) => {
                    ("RIGHT JOIN", Some(c))
                }
                ast::JoinOperator::FullOuter(c) => ("FULL JOIN", Some(c)),
                ast::JoinOperator::CrossJoin(_) => ("CROSS JOIN", None),
                _ => return None,
            };
            let right = self.relation(&j.relation)?;
            let on = match constraint {
                Some(ast::JoinConstraint::On(e)) => {
                    let cond = self.expr(b, e, levels, indent + 8, true)?;
                    if self.pretty {
                        format!(" ON {cond}")
                    } else {
                        format!(" ON ({cond})")
                    }
                }
                None | Some(ast::JoinConstraint::None) => String::new(),
                _ => return None,
            };
            let joined = format!("{text}\n{}{word} {right}{on}", " ".repeat(indent + 5));
            text = if self.pretty {
                joined
            } else {
                format!("({joined})")
            };
        }
        Some(text)
    }

    /// A table reference: its name (qualified when the path would not find
    /// it) and alias.
    fn relation(&self, f: &ast::TableFactor) -> Option<String> {
        let ast::TableFactor::Table {
            name, alias, args, ..
        } = f
        else {
            return None;
        };
        if args.is_some() {
            return None;
        }
        let (schema, table) = crate::bind::split_name(name).ok()?;
        let rel = self
            .catalog
            .resolve_relation(schema.as_deref(), &table, &self.search_path)?;
        let mut text = crate::regtypes::output(
            self.catalog,
            &self.search_path,
            rampart_types::RegKind::Class,
            rel.oid,
        );
        if let Some(a) = alias {
            if !a.columns.is_empty() {
                return None;
            }
            let a = crate::bind::ident(&a.name);
            if a != rel.name {
                text.push_str(&format!(" {}", quote_ident(&a)));
            }
        }
        Some(text)
    }

    /// An expression in the innermost level's scope; subqueries nest at
    /// `nested` indentation. `top` marks a whole clause (WHERE, HAVING, ON),
    /// which pretty mode prints without outer parentheses.
    fn expr(
        &self,
        b: &mut Binder,
        e: &ast::Expr,
        levels: &mut Vec<Level>,
        nested: usize,
        top: bool,
    ) -> Option<String> {
        if !needs_walk(e) {
            return self.bound(b, e, levels);
        }
        let paren = |s: String| {
            if self.pretty && top {
                s
            } else {
                format!("({s})")
            }
        };
        Some(match e {
            ast::Expr::Nested(x) => self.expr(b, x, levels, nested, top)?,
            ast::Expr::BinaryOp { left, op, right } => {
                let op = match op {
                    ast::BinaryOperator::NotEq => "<>".to_string(),
                    other => other.to_string(),
                };
                let l = self.expr(b, left, levels, nested, false)?;
                let r = self.expr(b, right, levels, nested, false)?;
                paren(format!("{l} {op} {r}"))
            }
            ast::Expr::UnaryOp {
                op: ast::UnaryOperator::Not,
                expr,
            } => paren(format!(
                "NOT {}",
                self.expr(b, expr, levels, nested, false)?
            )),
            ast::Expr::Subquery(q) => format!("({})", self.subquery(b, q, levels, nested)?),
            ast::Expr::Exists { subquery, negated } => {
                let s = format!("(EXISTS ({}))", self.subquery(b, subquery, levels, nested)?);
                if *negated {
                    format!("(NOT {s})")
                } else {
                    s
                }
            }
            ast::Expr::InSubquery {
                expr,
                subquery,
                negated,
            } => {
                let x = self.expr(b, expr, levels, nested, false)?;
                let s = format!("({x} IN ({}))", self.subquery(b, subquery, levels, nested)?);
                if *negated {
                    format!("(NOT {s})")
                } else {
                    s
                }
            }
            ast::Expr::Function(f) => self.aggregate(b, f, levels, nested)?,
            _ => return None,
        })
    }

    fn subquery(
        &self,
        b: &mut Binder,
        q: &ast::Query,
        levels: &mut Vec<Level>,
        nested: usize,
    ) -> Option<String> {
        self.query(b, q, nested, levels)
    }

    /// An aggregate call: `count(*)`, `max(t2.w)`, `count(DISTINCT x)`.
    fn aggregate(
        &self,
        b: &mut Binder,
        f: &ast::Function,
        levels: &mut Vec<Level>,
        nested: usize,
    ) -> Option<String> {
        if f.over.is_some() || f.filter.is_some() {
            return None;
        }
        let name = crate::bind::query::output_name(&ast::Expr::Function(f.clone()));
        let ast::FunctionArguments::List(list) = &f.args else {
            return None;
        };
        let mut args = Vec::new();
        for a in &list.args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => args.push("*".into()),
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                    args.push(self.expr(b, x, levels, nested, false)?)
                }
                _ => return None,
            }
        }
        let distinct = matches!(
            list.duplicate_treatment,
            Some(ast::DuplicateTreatment::Distinct)
        );
        Some(format!(
            "{name}({}{})",
            if distinct { "DISTINCT " } else { "" },
            args.join(", ")
        ))
    }

    /// Binds a subquery-free expression in the innermost scope and prints it.
    fn bound(&self, b: &mut Binder, e: &ast::Expr, levels: &[Level]) -> Option<String> {
        let (inner, outer) = levels.split_last()?;
        for l in outer {
            b.push_outer(l.scope.clone());
        }
        let mut cx = ExprCtx::new(&inner.scope, "view definitions");
        let bound = b.bind_expr(e, &mut cx);
        for _ in outer {
            b.pop_outer();
        }
        let (bound, _) = bound.ok()?;
        let columns: Vec<Column> = inner
            .scope
            .columns
            .iter()
            .zip(&inner.names)
            .map(|(c, n)| Column::named(n.clone(), c.ty.clone()))
            .collect();
        let outer_names: Vec<Vec<String>> = outer.iter().map(|l| l.from_inside.clone()).collect();
        crate::deparse::deparse_in_query(
            &bound,
            &columns,
            &outer_names,
            self.catalog,
            &self.search_path,
            self.pretty,
        )
    }
}

/// Whether an expression holds a subquery or an aggregate call (printed by
/// walking the syntax tree rather than by binding it whole).
fn needs_walk(e: &ast::Expr) -> bool {
    use std::ops::ControlFlow;
    let mut found = false;
    let _ = ast::visit_expressions(e, |x| {
        let hit = match x {
            ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. } => {
                true
            }
            ast::Expr::Function(f) => {
                f.name.0.last().and_then(|p| p.as_ident()).is_some_and(|i| {
                    crate::functions::agg_by_name(&i.value.to_lowercase()).is_some()
                })
            }
            _ => false,
        };
        if hit {
            found = true;
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    found
}
