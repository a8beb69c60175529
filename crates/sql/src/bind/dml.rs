//! INSERT, UPDATE and DELETE.

use sqlparser::ast::{self, SetExpr};

use rampart_catalog::{Relation, RelationKind};
use rampart_security::{ObjectRef, Privilege};
use rampart_types::{PgError, PgResult, SqlState};

use super::expr::ExprCtx;
use super::query::choose_access;
use super::{ident, split_name, Binder, Scope, ScopeColumn};
use crate::expr::Expr;
use crate::plan::{
    Access, DataStatement, DeletePlan, InsertPlan, OnConflictPlan, OutputColumn, Plan, UpdatePlan,
};

impl<'a> Binder<'a> {
    pub(super) fn dml_target(
        &mut self,
        name: &ast::ObjectName,
        privilege: Privilege,
    ) -> PgResult<&'a Relation> {
        let rel = match self.resolve_relation(name) {
            Ok(rel) => rel,
            Err(e) => return Err(self.system_relation_write(name).unwrap_or(e)),
        };
        if let RelationKind::View { .. } = rel.kind {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                format!("cannot change view \"{}\"", rel.name),
            )
            .with_detail("Views are not automatically updatable yet."));
        }
        self.need(ObjectRef::Relation(rel.oid), privilege);
        Ok(rel)
    }

    /// The table a write goes to: `name` itself, or the table under a view
    /// written through (with the view; the caller's privilege is on the view).
    pub(super) fn dml_target_or_view(
        &mut self,
        name: &ast::ObjectName,
        privilege: Privilege,
        verb: &str,
    ) -> PgResult<(&'a Relation, Option<super::view_dml::ViewTarget>)> {
        if let Ok(rel) = self.resolve_relation(name) {
            if let RelationKind::View { .. } = rel.kind {
                self.need(ObjectRef::Relation(rel.oid), privilege);
                let v = self.view_target(rel, verb)?;
                let base = self
                    .catalog
                    .relation_by_oid(v.base.oid)
                    .ok_or_else(|| PgError::internal("view base vanished"))?;
                return Ok((base, Some(v)));
            }
        }
        Ok((self.dml_target(name, privilege)?, None))
    }

    /// The error for writing a system catalog Rampart computes:
    /// PostgreSQL's "permission denied" for roles other than superusers (no
    /// one else holds more than SELECT on them); superusers, whom PostgreSQL
    /// lets write catalogs, get "not supported". None when `name` is not one.
    fn system_relation_write(&self, name: &ast::ObjectName) -> Option<PgError> {
        let (schema, rel_name) = split_name(name).ok()?;
        if !matches!(schema.as_deref(), None | Some("pg_catalog")) {
            return None;
        }
        // Catalog tables only: which system views PostgreSQL could update
        // automatically differs view by view (partial: they keep the
        // generic "does not exist").
        let relation =
            crate::sysview::system_relations::by_name(rampart_catalog::PG_CATALOG_OID, &rel_name)
                .filter(|r| r.relkind() == "r")?;
        let view = relation.view;
        let superuser = self
            .rls
            .and_then(|c| self.catalog.role_by_oid(c.user))
            .is_some_and(|r| r.superuser);
        Some(if superuser {
            PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                format!("cannot change system relation \"{}\"", view.name),
            )
            .with_detail("Rampart computes its system catalogs from its own catalog.")
        } else {
            PgError::new(
                SqlState::INSUFFICIENT_PRIVILEGE,
                format!("permission denied for table {}", view.name),
            )
        })
    }

    /// Binds INSERT.
    pub fn bind_insert(
        &mut self,
        ins: &ast::Insert,
    ) -> PgResult<(DataStatement, Vec<OutputColumn>)> {
        let ast::TableObject::TableName(name) = &ins.table else {
            return Err(PgError::unsupported("INSERT INTO a table function"));
        };
        let needs_from = self.needs.len();
        let (rel, view) = self.dml_target_or_view(name, Privilege::Insert, "insert into")?;
        let range = ins.table_alias.as_ref().map(|a| ident(&a.alias)).unwrap_or(
            view.as_ref()
                .map_or(rel.name.clone(), |v| v.view.name.clone()),
        );
        let mut targets: Vec<usize> = if ins.columns.is_empty() {
            match &view {
                // Every column of the view, which must all be writable.
                Some(v) => (0..v.map.len())
                    .map(|i| v.column(&v.view.columns[i].name, "insert into"))
                    .collect::<PgResult<_>>()?,
                None => (0..rel.columns.len()).collect(),
            }
        } else {
            let mut t = Vec::new();
            for c in &ins.columns {
                let cname = split_name(c)?.1;
                if let Some(v) = &view {
                    let pos = v.column(&cname, "insert into")?;
                    if t.contains(&pos) {
                        return Err(PgError::new(
                            SqlState::DUPLICATE_COLUMN,
                            format!("column \"{cname}\" specified more than once"),
                        ));
                    }
                    t.push(pos);
                    continue;
                }
                let pos = rel.column_index(&cname).ok_or_else(|| {
                    let e = PgError::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{cname}\" of relation \"{}\" does not exist",
                            rel.name
                        ),
                    );
                    self.at(e, ast::Spanned::span(c))
                })?;
                if t.contains(&pos) {
                    return Err(PgError::new(
                        SqlState::DUPLICATE_COLUMN,
                        format!("column \"{cname}\" specified more than once"),
                    ));
                }
                t.push(pos);
            }
            t
        };
        let defaults = self.bind_defaults(rel)?;
        let source = match &ins.source {
            None => {
                // DEFAULT VALUES
                Plan::Values {
                    rows: vec![vec![]],
                    width: 0,
                }
            }
            Some(q) => match q.body.as_ref() {
                SetExpr::Values(values)
                    if q.order_by.is_none() && q.limit_clause.is_none() && q.with.is_none() =>
                {
                    let empty = Scope::default();
                    let mut rows = Vec::new();
                    // Without a column list, a shorter VALUES list fills the leading columns.
                    if ins.columns.is_empty() {
                        if let Some(first) = values.rows.first() {
                            targets.truncate(first.len().min(targets.len()));
                        }
                    }
                    for r in &values.rows {
                        if r.len() > targets.len() {
                            return Err(PgError::syntax(
                                "INSERT has more expressions than target columns",
                            ));
                        }
                        if r.len() < targets.len() {
                            return Err(PgError::syntax(
                                "INSERT has more target columns than expressions",
                            ));
                        }
                        let mut row = Vec::new();
                        for (e, t) in r.iter().zip(&targets) {
                            let col = &rel.columns[*t];
                            if is_default_keyword(e) {
                                row.push(
                                    defaults[*t]
                                        .clone()
                                        .unwrap_or(Expr::Literal(rampart_types::Value::Null)),
                                );
                                continue;
                            }
                            let mut cx = ExprCtx::new(&empty, "VALUES");
                            let (b, ty) = self.bind_expr(e, &mut cx)?;
                            row.push(self.coerce_to_column(b, &ty, col)?);
                        }
                        rows.push(row);
                    }
                    Plan::Values {
                        width: targets.len(),
                        rows,
                    }
                }
                _ => {
                    let (plan, cols) = self.bind_query(q)?;
                    if ins.columns.is_empty() {
                        targets.truncate(cols.len().min(targets.len()));
                    }
                    if cols.len() > targets.len() {
                        return Err(PgError::syntax(
                            "INSERT has more expressions than target columns",
                        ));
                    }
                    if cols.len() < targets.len() {
                        return Err(PgError::syntax(
                            "INSERT has more target columns than expressions",
                        ));
                    }
                    let mut exprs = Vec::new();
                    let nulls = super::untyped_literal_items(q.body.as_ref());
                    for (i, (c, t)) in cols.iter().zip(&targets).enumerate() {
                        let col = &rel.columns[*t];
                        // A bare NULL or string literal in the select list
                        // takes the column's type, as PostgreSQL's unknown-type
                        // literal does.
                        let from = if nulls.get(i).copied().unwrap_or(false) {
                            &rampart_types::DataType::Unknown
                        } else {
                            &c.ty
                        };
                        exprs.push(self.coerce_to_column(Expr::Column(i), from, col)?);
                    }
                    Plan::Project {
                        input: Box::new(plan),
                        exprs,
                    }
                }
            },
        };
        for t in &targets {
            match &view {
                Some(v) => {
                    let name = v.name_of(*t).unwrap_or_default().to_string();
                    self.need_column(v.view.oid, Privilege::Insert, &name);
                }
                None => self.need_column(rel.oid, Privilege::Insert, &rel.columns[*t].name),
            }
        }
        let targets = if ins.source.is_none() {
            vec![]
        } else {
            targets
        };
        let checks = self.bind_checks(rel)?;
        let table_scope = match &view {
            Some(v) => v.scope(&range),
            None => Scope::for_relation(rel, &range),
        };
        if let (Some(v), Some(ast::OnInsert::OnConflict(oc))) = (&view, &ins.on) {
            // Partial: DO UPDATE through a view is not supported.
            if !matches!(oc.action, ast::OnConflictAction::DoNothing) {
                return Err(PgError::unsupported("ON CONFLICT DO UPDATE through a view"));
            }
            // The arbiter's columns are named as the view names them.
            let target = match &oc.conflict_target {
                Some(ast::ConflictTarget::Columns(cols)) => {
                    let mut mapped = Vec::with_capacity(cols.len());
                    for c in cols {
                        let name = ident(c);
                        if v.view.column_index(&name).is_none() {
                            let e = PgError::new(
                                SqlState::UNDEFINED_COLUMN,
                                format!("column \"{name}\" does not exist"),
                            );
                            // PostgreSQL points at the parenthesis before a first column.
                            let at = self.position(c.span).map(|p| {
                                let before = self
                                    .source
                                    .as_deref()
                                    .and_then(|t| t.chars().nth((p as usize).saturating_sub(2)));
                                if before == Some('(') {
                                    p - 1
                                } else {
                                    p
                                }
                            });
                            return Err(match at {
                                Some(p) => e.with_position(p),
                                None => e,
                            });
                        }
                        let pos = v.column(&name, "insert into")?;
                        mapped.push(ast::Ident::with_quote('"', rel.columns[pos].name.as_str()));
                    }
                    Some(ast::ConflictTarget::Columns(mapped))
                }
                other => other.clone(),
            };
            // The caller needs SELECT on the arbiter's view columns, the
            // view's owner on the table's.
            let from = self.needs.len();
            self.bind_conflict_target(rel, target.as_ref())?;
            let table_needs: Vec<_> = self.needs.drain(from..).collect();
            for mut n in table_needs {
                for c in &n.columns {
                    let shown = rel.column_index(c).and_then(|b| v.name_of(b));
                    if let Some(name) = shown.map(str::to_string) {
                        self.need_column(v.view.oid, n.privilege, &name);
                    }
                }
                n.as_role = v.owner.or(n.as_role);
                self.needs.push(n);
            }
        } else if let Some(ast::OnInsert::OnConflict(oc)) = &ins.on {
            self.bind_conflict_target(rel, oc.conflict_target.as_ref())?;
        }
        let on_conflict = match &ins.on {
            None => None,
            Some(ast::OnInsert::OnConflict(oc)) => Some(match &oc.action {
                ast::OnConflictAction::DoNothing => OnConflictPlan::Nothing,
                ast::OnConflictAction::DoUpdate(du) => {
                    if oc.conflict_target.is_none() {
                        return Err(PgError::syntax("ON CONFLICT DO UPDATE requires inference specification or constraint name")
                            .with_hint("For example, ON CONFLICT (column_name)."));
                    }
                    let mut scope = table_scope.clone();
                    // EXCLUDED's columns are the table's: reading one needs
                    // SELECT on it, as in PostgreSQL.
                    for (i, c) in rel.columns.iter().enumerate() {
                        scope.columns.push(ScopeColumn {
                            table: Some("excluded".into()),
                            name: c.name.clone(),
                            ty: c.ty.clone(),
                            source: Some((rel.oid, i as i16 + 1)),
                            hidden: false,
                        });
                    }
                    let assignments = self.bind_assignments(rel, None, &du.assignments, &scope)?;
                    let filter = match &du.selection {
                        Some(w) => {
                            let mut cx = ExprCtx::new(&scope, "WHERE");
                            Some(self.bind_bool(w, &mut cx, "WHERE")?)
                        }
                        None => None,
                    };
                    OnConflictPlan::Update {
                        assignments,
                        filter,
                    }
                }
            }),
            Some(_) => return Err(PgError::syntax("syntax error at or near \"DUPLICATE\"")),
        };
        // Into a partitioned table, RETURNING's tableoid is the partition
        // that took the row (known as it is inserted).
        let saved = if rel.partition_key.is_some() {
            self.dml_target_range.replace(range.clone())
        } else {
            self.dml_target_range.take()
        };
        let saved_virtual = std::mem::replace(
            &mut self.virtual_columns,
            view.as_ref().map_or(vec![], |v| v.virtual_columns(&range)),
        );
        let returned =
            self.bind_returning_through(view.as_ref(), ins.returning.as_deref(), &table_scope);
        self.virtual_columns = saved_virtual;
        self.dml_target_range = saved;
        let (returning, cols) = returned?;
        use rampart_security::rls::RlsCmd;
        let owner = view.as_ref().and_then(|v| v.owner);
        let check = self.as_view_owner_opt(owner, |b| b.rls_check(rel, RlsCmd::Insert))?;
        let (update_check, conflict_check) = match on_conflict {
            Some(OnConflictPlan::Update { .. }) => (
                self.rls_check(rel, RlsCmd::Update)?,
                self.rls_conflict_check(rel)?,
            ),
            _ => (None, None),
        };
        // When the INSERT needs SELECT on the table (RETURNING, or an ON
        // CONFLICT arbiter), new rows must also pass the SELECT policies.
        let arbiter =
            matches!(&ins.on, Some(ast::OnInsert::OnConflict(oc)) if oc.conflict_target.is_some());
        let select_check = if returning.is_some() || arbiter {
            self.as_view_owner_opt(owner, |b| b.rls_select_check(rel))?
        } else {
            None
        };
        let view_checks = view.as_ref().map_or(vec![], |v| v.checks.clone());
        if let Some(v) = &view {
            self.pass_view_needs(v, needs_from);
        }
        Ok((
            DataStatement::Insert(Box::new(InsertPlan {
                view_checks,
                table: rel.oid,
                source,
                targets,
                defaults,
                checks,
                on_conflict,
                returning,
                check,
                update_check,
                conflict_check,
                select_check,
                with: Vec::new(),
            })),
            cols,
        ))
    }

    /// Binds UPDATE.
    pub fn bind_update(
        &mut self,
        up: &ast::Update,
    ) -> PgResult<(DataStatement, Vec<OutputColumn>)> {
        let saved = self.dml_target_range.take();
        let saved_virtual = std::mem::take(&mut self.virtual_columns);
        let r = self.bind_update_target(up);
        self.dml_target_range = saved;
        self.virtual_columns = saved_virtual;
        r
    }

    fn bind_update_target(
        &mut self,
        up: &ast::Update,
    ) -> PgResult<(DataStatement, Vec<OutputColumn>)> {
        if !up.table.joins.is_empty() {
            return Err(PgError::syntax("syntax error at or near \"JOIN\""));
        }
        let ast::TableFactor::Table {
            name,
            alias,
            partitions,
            ..
        } = &up.table.relation
        else {
            return Err(PgError::syntax("UPDATE target must be a table"));
        };
        let needs_from = self.needs.len();
        let (rel, view) = self.dml_target_or_view(name, Privilege::Update, "update")?;
        let range = alias.as_ref().map(|a| ident(&a.name)).unwrap_or(
            view.as_ref()
                .map_or(rel.name.clone(), |v| v.view.name.clone()),
        );
        self.dml_target_range = Some(range.clone());
        let mut scope = self.target_scope(rel, view.as_ref(), &range);
        let from = match &up.from {
            Some(
                ast::UpdateTableFromKind::BeforeSet(t) | ast::UpdateTableFromKind::AfterSet(t),
            ) => {
                let (plan, fscope) = self.bind_from(t)?;
                scope.columns.extend(fscope.columns);
                Some(Box::new(plan))
            }
            None => None,
        };
        let assignments = self.bind_assignments(rel, view.as_ref(), &up.assignments, &scope)?;
        let current_of = current_of_cursor(up.selection.as_ref());
        let filter = match &up.selection {
            _ if current_of.is_some() => None,
            Some(w) => {
                let mut cx = ExprCtx::new(&scope, "WHERE");
                Some(self.bind_bool(w, &mut cx, "WHERE")?)
            }
            None => None,
        };
        let checks = self.bind_checks(rel)?;
        let (returning, cols) =
            self.bind_returning_through(view.as_ref(), up.returning.as_deref(), &scope)?;
        use rampart_security::rls::RlsCmd;
        let owner = view.as_ref().and_then(|v| v.owner);
        let mut security = self.as_view_owner_opt(owner, |b| b.rls_using(rel, RlsCmd::Update))?;
        // Reading the target's columns (WHERE, SET expressions, RETURNING)
        // needs SELECT on it, which brings in the SELECT policies: rows they
        // hide are not updated, and a new row must still pass them.
        let width = rel.columns.len();
        let reads_target = |e: &Expr| !e.reads_only(&|c| c >= width);
        let select_required = returning.is_some()
            || current_of.is_some()
            || filter.as_ref().is_some_and(reads_target)
            || assignments.iter().any(|(_, e)| reads_target(e));
        let mut select_check = None;
        if select_required {
            let select = self.as_view_owner_opt(owner, |b| b.rls_using(rel, RlsCmd::Select))?;
            security = super::rls::and_opt(security, select);
            select_check = self.as_view_owner_opt(owner, |b| b.rls_select_check(rel))?;
        }
        let check = self.as_view_owner_opt(owner, |b| b.rls_check(rel, RlsCmd::Update))?;
        // The view's conditions come first (a security barrier).
        let security = super::rls::and_opt(view.as_ref().and_then(|v| v.qual()), security);
        let view_checks = view.as_ref().map_or(vec![], |v| v.checks.clone());
        if let Some(v) = &view {
            self.pass_view_needs(v, needs_from);
        }
        let (target_filter, from, filter) =
            split_joined_where(filter, from, width, &self.pushdown());
        let (security, target_filter, filter) =
            self.order_target_quals(security, target_filter, filter, from.is_some());
        let access = self.target_access(rel, current_of, &target_filter, &filter, &security);
        let inherited = self.members_unless_only(rel, partitions, true)?;
        Ok((
            DataStatement::Update(Box::new(UpdatePlan {
                view_checks,
                inherited,
                target_filter,
                table: rel.oid,
                access,
                filter,
                assignments,
                checks,
                returning,
                security,
                check,
                select_check,
                from,
                with: Vec::new(),
            })),
            cols,
        ))
    }

    /// Binds DELETE.
    pub fn bind_delete(
        &mut self,
        del: &ast::Delete,
    ) -> PgResult<(DataStatement, Vec<OutputColumn>)> {
        let saved = self.dml_target_range.take();
        let saved_virtual = std::mem::take(&mut self.virtual_columns);
        let r = self.bind_delete_target(del);
        self.dml_target_range = saved;
        self.virtual_columns = saved_virtual;
        r
    }

    fn bind_delete_target(
        &mut self,
        del: &ast::Delete,
    ) -> PgResult<(DataStatement, Vec<OutputColumn>)> {
        let tables = match &del.from {
            ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
        };
        if tables.len() != 1 || !tables[0].joins.is_empty() {
            return Err(PgError::unsupported(
                "DELETE from several tables is not supported",
            ));
        }
        let ast::TableFactor::Table {
            name,
            alias,
            partitions,
            ..
        } = &tables[0].relation
        else {
            return Err(PgError::syntax("DELETE target must be a table"));
        };
        let needs_from = self.needs.len();
        let (rel, view) = self.dml_target_or_view(name, Privilege::Delete, "delete from")?;
        let range = alias.as_ref().map(|a| ident(&a.name)).unwrap_or(
            view.as_ref()
                .map_or(rel.name.clone(), |v| v.view.name.clone()),
        );
        self.dml_target_range = Some(range.clone());
        let mut scope = self.target_scope(rel, view.as_ref(), &range);
        let using = match &del.using {
            Some(t) => {
                let (plan, uscope) = self.bind_from(t)?;
                scope.columns.extend(uscope.columns);
                Some(Box::new(plan))
            }
            None => None,
        };
        let current_of = current_of_cursor(del.selection.as_ref());
        let filter = match &del.selection {
            _ if current_of.is_some() => None,
            Some(w) => {
                let mut cx = ExprCtx::new(&scope, "WHERE");
                Some(self.bind_bool(w, &mut cx, "WHERE")?)
            }
            None => None,
        };
        let (returning, cols) =
            self.bind_returning_through(view.as_ref(), del.returning.as_deref(), &scope)?;
        use rampart_security::rls::RlsCmd;
        let owner = view.as_ref().and_then(|v| v.owner);
        let mut security = self.as_view_owner_opt(owner, |b| b.rls_using(rel, RlsCmd::Delete))?;
        if filter.is_some() || current_of.is_some() || returning.is_some() {
            let select = self.as_view_owner_opt(owner, |b| b.rls_using(rel, RlsCmd::Select))?;
            security = super::rls::and_opt(security, select);
        }
        // The view's conditions come first (a security barrier).
        let security = super::rls::and_opt(view.as_ref().and_then(|v| v.qual()), security);
        if let Some(v) = &view {
            self.pass_view_needs(v, needs_from);
        }
        let (target_filter, using, filter) =
            split_joined_where(filter, using, rel.columns.len(), &self.pushdown());
        let (security, target_filter, filter) =
            self.order_target_quals(security, target_filter, filter, using.is_some());
        let access = self.target_access(rel, current_of, &target_filter, &filter, &security);
        let inherited = self.members_unless_only(rel, partitions, false)?;
        Ok((
            DataStatement::Delete(DeletePlan {
                inherited,
                target_filter,
                table: rel.oid,
                access,
                filter,
                returning,
                security,
                using,
                with: Vec::new(),
            }),
            cols,
        ))
    }

    /// Orders the target scan's predicates as a query's scan orders them
    /// (`quals::order_scan_quals`): with a FROM/USING join, the target's
    /// own share of the WHERE (`target_filter`); else the whole WHERE.
    fn order_target_quals(
        &self,
        security: Option<Expr>,
        target_filter: Option<Expr>,
        filter: Option<Expr>,
        joined: bool,
    ) -> (Option<Expr>, Option<Expr>, Option<Expr>) {
        use super::quals::order_scan_quals;
        if joined {
            let (security, target_filter) =
                order_scan_quals(security, target_filter, self.catalog, self.rls_seen);
            (security, target_filter, filter)
        } else {
            let (security, filter) =
                order_scan_quals(security, filter, self.catalog, self.rls_seen);
            (security, target_filter, filter)
        }
    }

    /// How an UPDATE/DELETE finds its target rows: the row a cursor is on
    /// (`WHERE CURRENT OF`), else as a scan with those predicates would.
    fn target_access(
        &self,
        rel: &Relation,
        current_of: Option<String>,
        target_filter: &Option<Expr>,
        filter: &Option<Expr>,
        security: &Option<Expr>,
    ) -> Access {
        match current_of {
            Some(cursor) => Access::CurrentOf { cursor },
            None => choose_access(
                rel.oid,
                target_filter.as_ref().or(filter.as_ref()),
                security.as_ref(),
                self.catalog,
            ),
        }
    }

    /// The scope of an UPDATE/DELETE target: the table's row, named as the
    /// view names it when written through one (whose expression columns
    /// become readable; the caller restores `virtual_columns`).
    fn target_scope(
        &mut self,
        rel: &Relation,
        view: Option<&super::view_dml::ViewTarget>,
        range: &str,
    ) -> Scope {
        match view {
            Some(v) => {
                self.virtual_columns = v.virtual_columns(range);
                v.scope(range)
            }
            None => Scope::for_relation(rel, range),
        }
    }

    /// RETURNING, with `*` standing for a view's columns when written through one.
    fn bind_returning_through(
        &mut self,
        view: Option<&super::view_dml::ViewTarget>,
        items: Option<&[ast::SelectItem]>,
        scope: &Scope,
    ) -> PgResult<(Option<Vec<Expr>>, Vec<OutputColumn>)> {
        let through = view.zip(items).map(|(v, r)| v.returning(r));
        self.bind_returning(through.as_deref().or(items), scope)
    }

    /// UPDATE SET: (column of `rel`, value) pairs. Through a view
    /// (`view`, whose table is `rel`) the names are the view's and the
    /// privilege is needed on the view.
    pub(super) fn bind_assignments(
        &mut self,
        rel: &Relation,
        view: Option<&super::view_dml::ViewTarget>,
        assignments: &[ast::Assignment],
        scope: &Scope,
    ) -> PgResult<Vec<(usize, Expr)>> {
        let mut out: Vec<(usize, Expr)> = Vec::new();
        for (cn, value) in self.single_column_assignments(assignments)? {
            let cname =
                cn.0.last()
                    .and_then(|p| p.as_ident())
                    .map(ident)
                    .unwrap_or_default();
            let pos = match view {
                Some(v) => v.column(&cname, "update")?,
                None => rel.column_index(&cname).ok_or_else(|| {
                    let e = PgError::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{cname}\" of relation \"{}\" does not exist",
                            rel.name
                        ),
                    );
                    self.at(e, ast::Spanned::span(cn))
                })?,
            };
            if out.iter().any(|(p, _)| *p == pos) {
                return Err(PgError::syntax(format!(
                    "multiple assignments to same column \"{cname}\""
                )));
            }
            self.need_column(
                view.map_or(rel.oid, |v| v.view.oid),
                Privilege::Update,
                &cname,
            );
            let col = &rel.columns[pos];
            let value = if is_default_keyword(&value) {
                self.bind_defaults(rel)?[pos]
                    .clone()
                    .unwrap_or(Expr::Literal(rampart_types::Value::Null))
            } else {
                let mut cx = ExprCtx::new(scope, "UPDATE");
                let (b, ty) = self.bind_expr(&value, &mut cx)?;
                self.coerce_to_column(b, &ty, col)?
            };
            out.push((pos, value));
        }
        Ok(out)
    }

    /// SET items one column each: `(a, b) = (x, y)` and `(a, b) = ROW(x, y)`
    /// become `a = x, b = y` (PostgreSQL's errors for a source of another
    /// shape; partial: a sub-SELECT source is not supported).
    fn single_column_assignments<'s>(
        &self,
        assignments: &'s [ast::Assignment],
    ) -> PgResult<Vec<(&'s ast::ObjectName, ast::Expr)>> {
        let mut out = Vec::new();
        for a in assignments {
            let cols = match &a.target {
                ast::AssignmentTarget::ColumnName(cn) => {
                    out.push((cn, a.value.clone()));
                    continue;
                }
                ast::AssignmentTarget::Tuple(cols) => cols,
            };
            let values: Vec<ast::Expr> = match &a.value {
                ast::Expr::Tuple(v) => v.clone(),
                ast::Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("row") => {
                    match &f.args {
                        ast::FunctionArguments::List(l) => l
                            .args
                            .iter()
                            .map(|arg| match arg {
                                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                                    Ok(e.clone())
                                }
                                _ => Err(PgError::syntax("syntax error in ROW()")),
                            })
                            .collect::<PgResult<_>>()?,
                        _ => vec![],
                    }
                }
                ast::Expr::Subquery(_) => {
                    return Err(PgError::unsupported("UPDATE SET (columns) = (SELECT …)"))
                }
                other => {
                    let e = PgError::syntax(
                        "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression",
                    );
                    return Err(self.at(e, ast::Spanned::span(other)));
                }
            };
            if values.len() != cols.len() {
                let mut e = PgError::syntax("number of columns does not match number of values");
                // At the opening parenthesis, before the tuple's first item.
                let open = matches!(a.value, ast::Expr::Tuple(_)) as u32;
                if let Some(p) = self.position(ast::Spanned::span(&a.value)) {
                    e = e.with_position(p.saturating_sub(open).max(1));
                }
                return Err(e);
            }
            out.extend(cols.iter().zip(values));
        }
        Ok(out)
    }

    /// Checks an ON CONFLICT target as PostgreSQL's arbiter inference: the
    /// columns must be those of a unique index (42P10 otherwise), a named
    /// constraint must exist (42704), and the arbiter's columns need SELECT
    /// (whether a conflicting row exists is what the statement reveals).
    fn bind_conflict_target(
        &mut self,
        rel: &Relation,
        target: Option<&ast::ConflictTarget>,
    ) -> PgResult<()> {
        let columns: Vec<usize> = match target {
            None => return Ok(()),
            Some(ast::ConflictTarget::Columns(cols)) => {
                let mut positions = Vec::new();
                for c in cols {
                    let name = ident(c);
                    let pos = rel.column_index(&name).ok_or_else(|| {
                        PgError::new(
                            SqlState::UNDEFINED_COLUMN,
                            format!("column \"{name}\" does not exist"),
                        )
                    })?;
                    positions.push(pos);
                }
                let wanted: std::collections::BTreeSet<usize> = positions.iter().copied().collect();
                let matches = rel.indexes.iter().any(|i| {
                    i.unique
                        && i.columns
                            .iter()
                            .copied()
                            .collect::<std::collections::BTreeSet<_>>()
                            == wanted
                });
                if !matches {
                    return Err(PgError::new(
                        SqlState("42P10"),
                        "there is no unique or exclusion constraint matching the ON CONFLICT specification",
                    ));
                }
                positions
            }
            Some(ast::ConflictTarget::OnConstraint(name)) => {
                let name = split_name(name)?.1;
                let index = rel
                    .indexes
                    .iter()
                    .find(|i| i.constraint_oid.is_some() && i.name == name)
                    .ok_or_else(|| {
                        PgError::new(
                            SqlState::UNDEFINED_OBJECT,
                            format!(
                                "constraint \"{name}\" for table \"{}\" does not exist",
                                rel.name
                            ),
                        )
                    })?;
                index.columns.clone()
            }
        };
        for pos in columns {
            self.need_column(rel.oid, Privilege::Select, &rel.columns[pos].name);
        }
        Ok(())
    }

    fn bind_returning(
        &mut self,
        items: Option<&[ast::SelectItem]>,
        scope: &Scope,
    ) -> PgResult<(Option<Vec<Expr>>, Vec<OutputColumn>)> {
        let Some(items) = items else {
            return Ok((None, vec![]));
        };
        let mut exprs = Vec::new();
        let mut cols = Vec::new();
        for item in items {
            let expanded: Vec<(ast::Expr, String)> = match item {
                ast::SelectItem::UnnamedExpr(e) => vec![(e.clone(), super::query::output_name(e))],
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    vec![(expr.clone(), ident(alias))]
                }
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    let only = match item {
                        ast::SelectItem::QualifiedWildcard(
                            ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                            _,
                        ) => Some(split_name(n)?.1),
                        _ => None,
                    };
                    scope
                        .columns
                        .iter()
                        .filter(|c| c.table.as_deref() != Some("excluded") && !c.hidden)
                        .filter(|c| only.is_none() || c.table == only)
                        .map(|c| {
                            let q = |s: &str| ast::Ident::with_quote('"', s);
                            let e = match &c.table {
                                Some(t) => ast::Expr::CompoundIdentifier(vec![q(t), q(&c.name)]),
                                None => ast::Expr::Identifier(q(&c.name)),
                            };
                            (e, c.name.clone())
                        })
                        .collect()
                }
                _ => return Err(PgError::unsupported("RETURNING item")),
            };
            for (e, name) in expanded {
                let mut cx = ExprCtx::new(scope, "RETURNING");
                let (b, t) = self.bind_expr(&e, &mut cx)?;
                let t = if t == rampart_types::DataType::Unknown {
                    rampart_types::DataType::Text
                } else {
                    t
                };
                exprs.push(b);
                cols.push(OutputColumn {
                    name,
                    ty: t,
                    source: None,
                });
            }
        }
        Ok((Some(exprs), cols))
    }

    /// Binds each column's DEFAULT expression. A column of a domain takes
    /// the domain's default when it has none of its own, and its default
    /// (NULL included) is coerced to the domain, as PostgreSQL's.
    pub fn bind_defaults(&mut self, rel: &Relation) -> PgResult<Vec<Option<Expr>>> {
        let empty = Scope::default();
        let mut out = Vec::new();
        for c in &rel.columns {
            let text = c.default.as_deref().or_else(|| {
                c.domain
                    .and_then(|d| self.catalog.domains.get(&d))
                    .and_then(|d| d.default.as_deref())
            });
            out.push(match text {
                Some(text) => {
                    let e = crate::parser::parse_expr(text)?;
                    let mut cx = ExprCtx::new(&empty, "DEFAULT expressions");
                    let (b, ty) = self.bind_expr(&e, &mut cx)?;
                    Some(self.coerce_to_column(b, &ty, c)?)
                }
                None if c.domain.is_some() => Some(crate::domain::coerce(
                    self,
                    Expr::Literal(rampart_types::Value::Null),
                    c.domain,
                )?),
                None => None,
            });
        }
        Ok(out)
    }

    /// [`Binder::coerce_assign`] to a column's type, then to its domain.
    pub fn coerce_to_column(
        &mut self,
        e: Expr,
        from: &rampart_types::DataType,
        col: &rampart_catalog::Column,
    ) -> PgResult<Expr> {
        let e = self.coerce_assign(e, from, &col.ty, &col.name)?;
        crate::domain::coerce(self, e, col.domain)
    }

    /// [`Binder::inherited_tables`] of a table reference, none when it
    /// was written `ONLY t` (`partitions` holds the mark).
    pub(crate) fn members_unless_only(
        &mut self,
        rel: &Relation,
        partitions: &[ast::Ident],
        with_checks: bool,
    ) -> PgResult<Vec<crate::plan::InheritedTable>> {
        if crate::parser::is_only(partitions) {
            return Ok(vec![]);
        }
        self.inherited_tables(rel, with_checks)
    }

    /// The tables inheriting from `rel` (all levels), each with its column
    /// map and, when `with_checks` (UPDATE), its CHECK constraints bound
    /// over its own row.
    pub(crate) fn inherited_tables(
        &mut self,
        rel: &Relation,
        with_checks: bool,
    ) -> PgResult<Vec<crate::plan::InheritedTable>> {
        let catalog = self.catalog;
        let mut out = Vec::new();
        for oid in catalog.inheritors(rel.oid) {
            let Some(child) = catalog.relation_by_oid(oid) else {
                continue;
            };
            out.push(crate::plan::InheritedTable {
                table: oid,
                columns: crate::inherit::column_map(rel, child)?,
                checks: if with_checks {
                    self.bind_checks(child)?
                } else {
                    vec![]
                },
            });
        }
        Ok(out)
    }

    pub(crate) fn bind_checks(&mut self, rel: &Relation) -> PgResult<Vec<(String, Expr)>> {
        let scope = Scope::for_relation(rel, &rel.name);
        let saved = self.needs.len();
        let mut out = Vec::new();
        for check in &rel.checks {
            let (name, text) = (&check.name, &check.expr);
            let e = crate::parser::parse_expr(text)?;
            let mut cx = ExprCtx::new(&scope, "check constraints");
            out.push((name.clone(), self.bind_bool(&e, &mut cx, "CHECK")?));
        }
        // Constraint columns are not read by the user: no SELECT needed.
        self.needs.truncate(saved);
        Ok(out)
    }

    /// Assignment coercion with PostgreSQL's "column is of type X but expression is of type Y".
    pub fn coerce_assign(
        &mut self,
        e: Expr,
        from: &rampart_types::DataType,
        to: &rampart_types::DataType,
        column: &str,
    ) -> PgResult<Expr> {
        use rampart_types::DataType as T;
        let ok = from == to
            || *from == T::Unknown
            || (from.is_numeric() && to.is_numeric())
            || (from.is_string() && to.is_string())
            || to.is_string()
            || matches!(
                (from, to),
                (
                    T::Date | T::Timestamp | T::Timestamptz,
                    T::Date | T::Timestamp | T::Timestamptz
                )
            )
            || matches!(
                (from, to),
                (T::Text | T::Varchar(_), T::Json | T::Jsonb)
                    | (T::Json, T::Jsonb)
                    | (T::Jsonb, T::Json)
            );
        if !ok {
            return Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "column \"{column}\" is of type {} but expression is of type {}",
                    to.display_name(),
                    from.display_name()
                ),
            )
            .with_hint("You will need to rewrite or cast the expression."));
        }
        self.coerce(e, from, to)
    }
}

pub(super) fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

/// With FROM/USING, the WHERE clause split for the target's scan, the
/// joined plan and the pairs ([`super::pushdown::split_dml_join`]); without,
/// it stays whole.
fn split_joined_where(
    filter: Option<Expr>,
    joined: Option<Box<crate::plan::Plan>>,
    target_width: usize,
    cx: &super::pushdown::Pushdown<'_>,
) -> (Option<Expr>, Option<Box<crate::plan::Plan>>, Option<Expr>) {
    match (filter, joined) {
        (Some(f), Some(j)) => {
            let (target, j, rest) = super::pushdown::split_dml_join(f, target_width, *j, cx);
            (target, Some(Box::new(j)), rest)
        }
        (filter, joined) => (None, joined, filter),
    }
}

/// The cursor of `WHERE CURRENT OF cursor` (see [`super::CURRENT_OF_MARKER`]).
fn current_of_cursor(selection: Option<&ast::Expr>) -> Option<String> {
    let ast::Expr::Function(f) = selection? else {
        return None;
    };
    let [ast::ObjectNamePart::Identifier(name)] = f.name.0.as_slice() else {
        return None;
    };
    if name.value != super::CURRENT_OF_MARKER || name.quote_style.is_none() {
        return None;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.as_slice() {
        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Value(v)))] => {
            match &v.value {
                ast::Value::SingleQuotedString(cursor) => Some(cursor.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}
