//! INSERT, UPDATE and DELETE through automatically updatable views
//! (PostgreSQL's rewriteTargetView): a view over one table (or such a
//! view) whose select list names its columns is written through to that
//! table. The view's WHERE limits the rows UPDATE and DELETE reach (ahead
//! of the caller's conditions, as a security barrier), WITH CHECK OPTION
//! makes new rows satisfy it, the caller needs the privilege on the view
//! and the view's owner on the table (the caller, for `security_invoker`
//! views), whose policies apply as for that role.
//!
//! Partial: RETURNING `*` lists the table's columns in the table's order;
//! nested views are checked with the innermost view owner's identity;
//! a column listed twice in a view makes it not updatable here; column
//! defaults set on the view are not used; LOCAL and CASCADED check options
//! both check every view's condition down the chain.

use sqlparser::ast;

use rampart_catalog::{Relation, RelationKind};
use rampart_security::{Need, ObjectRef};
use rampart_types::{PgError, PgResult, SqlState};

use super::expr::ExprCtx;
use super::{ident, Binder, Scope, ScopeColumn};
use crate::expr::{BinOp, Expr};

/// A view being written through, resolved to its table.
#[derive(Clone, Debug)]
pub(crate) struct ViewTarget {
    /// The view named in the statement.
    pub view: Relation,
    /// The table its rows live in.
    pub base: Relation,
    /// For each column of the view, the table column it is (None: an
    /// expression, which cannot be written).
    pub map: Vec<Option<usize>>,
    /// The views' WHERE conditions, over the table row.
    pub quals: Vec<Expr>,
    /// WITH CHECK OPTION conditions, by view name, over the table row.
    pub checks: Vec<(String, Expr)>,
    /// The role whose privileges and policies apply to the table (None: the caller).
    pub owner: Option<u32>,
    /// The view's expression columns (not writable, but readable in WHERE
    /// and RETURNING): column index, value over the table row, type.
    pub computed: Vec<(usize, Expr, rampart_types::DataType)>,
    /// Every view down the chain with the relation it reads and, for each
    /// of its columns, the column of that relation it shows (for privileges).
    chain: Vec<(Relation, u32, Vec<Option<String>>)>,
}

impl ViewTarget {
    /// The statement's scope: the table's row, its columns named as the
    /// view names them (columns the view does not show are unreachable).
    pub fn scope(&self, range: &str) -> Scope {
        let mut columns: Vec<ScopeColumn> = self
            .base
            .columns
            .iter()
            .map(|c| ScopeColumn {
                table: Some(String::new()),
                name: String::new(),
                ty: c.ty.clone(),
                source: None,
                hidden: true,
            })
            .collect();
        for (i, target) in self.map.iter().enumerate() {
            if let Some(b) = target {
                columns[*b] = ScopeColumn {
                    table: Some(range.to_string()),
                    name: self.view.columns[i].name.clone(),
                    ty: self.base.columns[*b].ty.clone(),
                    source: Some((self.view.oid, i as i16 + 1)),
                    hidden: false,
                };
            }
        }
        Scope { columns }
    }

    /// The table column a view column writes, or PostgreSQL's error.
    pub fn column(&self, name: &str, verb: &str) -> PgResult<usize> {
        let Some(i) = self.view.column_index(name) else {
            return Err(PgError::new(
                SqlState::UNDEFINED_COLUMN,
                format!(
                    "column \"{name}\" of relation \"{}\" does not exist",
                    self.view.name
                ),
            ));
        };
        self.map[i].ok_or_else(|| {
            PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                format!(
                    "cannot {verb} column \"{name}\" of view \"{}\"",
                    self.view.name
                ),
            )
            .with_detail(
                "View columns that are not columns of their base relation are not updatable.",
            )
        })
    }

    /// The expression columns as the binder reads them under `range`.
    pub fn virtual_columns(&self, range: &str) -> Vec<super::VirtualColumn> {
        self.computed
            .iter()
            .map(|(i, e, ty)| super::VirtualColumn {
                range: range.to_string(),
                name: self.view.columns[*i].name.clone(),
                expr: e.clone(),
                ty: ty.clone(),
                source: (self.view.oid, *i as i16 + 1),
            })
            .collect()
    }

    /// RETURNING with `*` standing for the view's columns, in its order.
    pub fn returning(&self, items: &[ast::SelectItem]) -> Vec<ast::SelectItem> {
        items
            .iter()
            .flat_map(|item| match item {
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    self.view
                        .columns
                        .iter()
                        .map(|c| {
                            ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(
                                ast::Ident::with_quote('"', c.name.as_str()),
                            ))
                        })
                        .collect()
                }
                other => vec![other.clone()],
            })
            .collect()
    }

    /// The view column showing table column `base`, if one does.
    pub fn name_of(&self, base: usize) -> Option<&str> {
        let i = self.map.iter().position(|m| *m == Some(base))?;
        Some(self.view.columns[i].name.as_str())
    }

    /// The view conditions as one predicate.
    pub fn qual(&self) -> Option<Expr> {
        self.quals
            .iter()
            .cloned()
            .reduce(|a, b| Expr::Binary(BinOp::And, Box::new(a), Box::new(b)))
    }
}

/// Why a view cannot be written through (PostgreSQL's DETAIL), or None.
fn not_updatable(q: &ast::Query) -> Option<&'static str> {
    if q.with.is_some() {
        return Some("Views containing WITH are not automatically updatable.");
    }
    if q.limit_clause.is_some() || q.fetch.is_some() {
        return Some("Views containing LIMIT or OFFSET are not automatically updatable.");
    }
    let ast::SetExpr::Select(sel) = q.body.as_ref() else {
        return Some(
            "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.",
        );
    };
    if sel.distinct.is_some() {
        return Some("Views containing DISTINCT are not automatically updatable.");
    }
    let grouped = match &sel.group_by {
        ast::GroupByExpr::Expressions(e, _) => !e.is_empty(),
        ast::GroupByExpr::All(_) => true,
    };
    if grouped {
        return Some("Views containing GROUP BY are not automatically updatable.");
    }
    if sel.having.is_some() {
        return Some("Views containing HAVING are not automatically updatable.");
    }
    let single = matches!(sel.from.as_slice(), [f] if f.joins.is_empty()
        && matches!(&f.relation, ast::TableFactor::Table { args: None, .. }));
    if !single {
        return Some(
            "Views that do not select from a single table or view are not automatically updatable.",
        );
    }
    let aggregate = sel.projection.iter().any(|item| match item {
        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
            calls_aggregate(e)
        }
        _ => false,
    });
    if aggregate {
        return Some("Views that return aggregate functions are not automatically updatable.");
    }
    None
}

fn calls_aggregate(e: &ast::Expr) -> bool {
    let mut found = false;
    let _ = ast::visit_expressions(e, |x| {
        if let ast::Expr::Function(f) = x {
            if let Some(name) = f.name.0.last().and_then(|p| p.as_ident()) {
                if crate::functions::agg_by_name(&name.value.to_lowercase()).is_some() {
                    found = true;
                }
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    found
}

impl<'a> Binder<'a> {
    /// `view` resolved for writing (`verb`: insert into / update / delete
    /// from), or PostgreSQL's error when it is not automatically updatable.
    pub(crate) fn view_target(&mut self, view: &Relation, verb: &str) -> PgResult<ViewTarget> {
        let RelationKind::View { query } = &view.kind else {
            return Err(PgError::internal("not a view"));
        };
        let q = crate::parser::parse_one_query(query)?;
        if let Some(detail) = not_updatable(&q) {
            let (what, action) = match verb {
                "insert into" => ("inserting into", "INSERT"),
                "update" => ("updating", "UPDATE"),
                _ => ("deleting from", "DELETE"),
            };
            return Err(PgError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("cannot {verb} view \"{}\"", view.name),
            )
            .with_detail(detail)
            .with_hint(format!(
                "To enable {what} the view, provide an INSTEAD OF {action} trigger or an unconditional ON {action} DO INSTEAD rule."
            )));
        }
        let ast::SetExpr::Select(sel) = q.body.as_ref() else {
            return Err(PgError::internal("view body"));
        };
        let ast::TableFactor::Table { name, alias, .. } = &sel.from[0].relation else {
            return Err(PgError::internal("view FROM"));
        };
        let invoker = view.option_on("security_invoker");
        let under = self.resolve_relation(name)?.clone();
        let range = alias
            .as_ref()
            .map(|a| ident(&a.name))
            .unwrap_or(under.name.clone());
        // The relation under the view, as a scope over the table row.
        let mut inner = match &under.kind {
            RelationKind::Table => ViewTarget {
                view: under.clone(),
                base: under.clone(),
                map: (0..under.columns.len()).map(Some).collect(),
                quals: vec![],
                checks: vec![],
                owner: (!invoker).then_some(view.owner),
                computed: vec![],
                chain: vec![],
            },
            RelationKind::View { .. } => self.view_target(&under, verb)?,
        };
        let inner_scope = match &under.kind {
            RelationKind::Table => Scope::for_relation(&under, &range),
            _ => inner.scope(&range),
        };
        // Each output column of the view: a column of the relation under it or not.
        let mut map = Vec::with_capacity(view.columns.len());
        for item in &sel.projection {
            match item {
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    let shown = inner_scope.columns.iter().enumerate();
                    map.extend(shown.filter(|(_, c)| !c.hidden).map(|(i, _)| Some(i)));
                }
                ast::SelectItem::ExprWithAliases { .. } => map.push(None),
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                    let column = match e {
                        ast::Expr::Identifier(id) => Some(ident(id)),
                        ast::Expr::CompoundIdentifier(parts) => parts.last().map(ident),
                        _ => None,
                    };
                    map.push(column.and_then(|c| {
                        inner_scope
                            .columns
                            .iter()
                            .position(|x| !x.hidden && x.name == c)
                    }));
                }
            }
        }
        let repeated = map
            .iter()
            .flatten()
            .enumerate()
            .any(|(i, a)| map.iter().flatten().skip(i + 1).any(|b| b == a));
        if map.len() != view.columns.len() || repeated {
            return Err(PgError::unsupported(format!(
                "writing through view \"{}\" (its columns are not a plain list of one table's columns)",
                view.name
            )));
        }
        // Expression columns, bound over the table row (the relation
        // under the view's own expression columns readable by name).
        let saved_virtual =
            std::mem::replace(&mut self.virtual_columns, inner.virtual_columns(&range));
        let mut computed = Vec::new();
        let mut column = 0;
        let mut failed = None;
        for item in &sel.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                    if map.get(column).is_some_and(|m| m.is_none()) {
                        let from = self.needs.len();
                        let bound = self.as_view_owner_opt(inner.owner, |b| {
                            let mut cx = ExprCtx::new(&inner_scope, "SELECT");
                            b.bind_expr(e, &mut cx)
                        });
                        if !invoker {
                            for n in &mut self.needs[from..] {
                                n.as_role.get_or_insert(view.owner);
                            }
                        }
                        match bound {
                            Ok((x, ty)) => computed.push((column, x, ty)),
                            Err(e) => failed = Some(e),
                        }
                    }
                    column += 1;
                }
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    column += inner_scope.columns.iter().filter(|c| !c.hidden).count();
                }
                ast::SelectItem::ExprWithAliases { .. } => column += 1,
            }
        }
        if let Some(e) = failed {
            self.virtual_columns = saved_virtual;
            return Err(e);
        }
        let qual = match &sel.selection {
            Some(w) => {
                // Read with the owner's privileges and policies (the caller's
                // for security_invoker views).
                let saved = std::mem::take(&mut self.outer);
                let from = self.needs.len();
                let owner = inner.owner;
                let bound = self.as_view_owner_opt(owner, |b| {
                    let mut cx = ExprCtx::new(&inner_scope, "WHERE");
                    b.bind_bool(w, &mut cx, "WHERE")
                });
                self.outer = saved;
                if !invoker {
                    for n in &mut self.needs[from..] {
                        n.as_role.get_or_insert(view.owner);
                    }
                }
                Some(bound)
            }
            None => None,
        };
        self.virtual_columns = saved_virtual;
        let qual = qual.transpose()?;
        if let Some(q) = &qual {
            inner.quals.insert(0, q.clone());
            let check = view.options.iter().any(|(k, _)| k == "check_option");
            if check {
                inner.checks.insert(0, (view.name.clone(), q.clone()));
            }
        }
        // The names under the view: scope positions name the relation's columns.
        let under_names = map
            .iter()
            .map(|m| m.map(|p| inner_scope.columns[p].name.clone()))
            .collect();
        inner
            .chain
            .insert(0, (view.clone(), under.oid, under_names));
        Ok(ViewTarget {
            view: view.clone(),
            base: inner.base,
            // Scope positions are table positions.
            map,
            quals: inner.quals,
            checks: inner.checks,
            owner: inner.owner,
            computed,
            chain: inner.chain,
        })
    }

    /// Runs `f` with the policies of `owner` (None: the caller's).
    pub(crate) fn as_view_owner_opt<T>(
        &mut self,
        owner: Option<u32>,
        f: impl FnOnce(&mut Self) -> PgResult<T>,
    ) -> PgResult<T> {
        match owner {
            Some(o) => self.as_view_owner(o, f),
            None => f(self),
        }
    }

    /// The privileges recorded since `from` on the view, passed down the
    /// chain: each view's owner (or the caller, for security_invoker views)
    /// needs the same privilege on the relation under it, on the columns
    /// they are there.
    pub(crate) fn pass_view_needs(&mut self, v: &ViewTarget, from: usize) {
        let mut added = Vec::new();
        let mut level: Vec<Need> = self.needs[from..].to_vec();
        for (view, under, under_names) in &v.chain {
            let mut next = Vec::new();
            for n in level
                .iter()
                .filter(|n| n.object == ObjectRef::Relation(view.oid))
            {
                let columns: Vec<String> = n
                    .columns
                    .iter()
                    .filter_map(|c| under_names.get(view.column_index(c)?)?.clone())
                    .collect();
                let as_role = if view.option_on("security_invoker") {
                    n.as_role
                } else {
                    Some(view.owner)
                };
                next.push(Need {
                    object: ObjectRef::Relation(*under),
                    privilege: n.privilege,
                    columns,
                    as_role,
                    position: None,
                });
            }
            added.extend(next.iter().cloned());
            level = next;
        }
        self.needs.extend(added);
    }
}
