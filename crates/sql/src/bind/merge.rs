//! Binding MERGE: the target and source ranges, the join condition and
//! each WHEN clause with the privileges and row-level security checks its
//! action needs (PostgreSQL 15's transformMergeStmt and the MERGE rules of
//! its row security).

use sqlparser::ast;

use rampart_catalog::RelationKind;
use rampart_security::rls::RlsCmd;
use rampart_security::{ObjectRef, Privilege};
use rampart_types::{DataType, PgError, PgResult, SqlState};

use super::expr::ExprCtx;
use super::{ident, Binder, Scope};
use crate::expr::Expr;
use crate::plan::{
    DataStatement, MergeActionPlan, MergeClausePlan, MergePlan, OutputColumn, RlsCheckKind,
};

impl Binder<'_> {
    /// Binds MERGE.
    pub fn bind_merge(&mut self, m: &ast::Merge) -> PgResult<(DataStatement, Vec<OutputColumn>)> {
        // PostgreSQL 15 has no RETURNING (or OUTPUT) on MERGE.
        if let Some(out) = &m.output {
            let (word, token) = match out {
                ast::OutputClause::Output { output_token, .. } => ("OUTPUT", output_token),
                ast::OutputClause::Returning {
                    returning_token, ..
                } => ("RETURNING", returning_token),
            };
            let e = PgError::syntax(format!("syntax error at or near \"{word}\""));
            return Err(self.at(e, token.0.span));
        }
        let ast::TableFactor::Table {
            name,
            alias,
            partitions,
            ..
        } = &m.table
        else {
            return Err(PgError::syntax("MERGE target must be a table"));
        };
        if let Ok(r) = self.resolve_relation(name) {
            if !matches!(r.kind, RelationKind::Table) {
                return Err(PgError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    format!("cannot execute MERGE on relation \"{}\"", r.name),
                )
                .with_detail("This operation is not supported for views."));
            }
        }
        // The target needs the privilege of each action it may take.
        let privileges: Vec<Privilege> = m
            .clauses
            .iter()
            .filter_map(|c| match c.action {
                ast::MergeAction::Insert(_) => Some(Privilege::Insert),
                ast::MergeAction::Update(_) => Some(Privilege::Update),
                ast::MergeAction::Delete { .. } => Some(Privilege::Delete),
                ast::MergeAction::DoNothing { .. } => None,
            })
            .collect();
        let rel = self.dml_target(name, *privileges.first().unwrap_or(&Privilege::Select))?;
        for p in privileges.iter().skip(1) {
            self.need(ObjectRef::Relation(rel.oid), *p);
        }
        if rel.partition_key.is_some()
            || !self.members_unless_only(rel, partitions, false)?.is_empty()
        {
            // Partial: PostgreSQL 15 merges into partitioned tables and
            // inheritance trees too.
            return Err(PgError::unsupported(
                "MERGE into a table with partitions or inheriting tables",
            ));
        }
        if !matches!(rel.kind, RelationKind::Table) {
            return Err(PgError::syntax("MERGE target must be a table"));
        }
        let range = alias
            .as_ref()
            .map(|a| ident(&a.name))
            .unwrap_or(rel.name.clone());
        let source_from = ast::TableWithJoins {
            relation: m.source.clone(),
            joins: vec![],
        };
        let (source, source_scope) = self.bind_from(std::slice::from_ref(&source_from))?;
        if source_scope
            .columns
            .iter()
            .any(|c| c.table.as_deref() == Some(range.as_str()))
        {
            return Err(PgError::new(
                SqlState::DUPLICATE_ALIAS,
                format!("name \"{range}\" specified more than once"),
            )
            .with_detail("The name is used both as MERGE target table and data source."));
        }
        let mut joined = Scope::for_relation(rel, &range);
        joined.columns.extend(source_scope.columns.iter().cloned());
        let on = {
            let mut cx = ExprCtx::new(&joined, "JOIN/ON");
            self.bind_bool(&m.on, &mut cx, "JOIN/ON")?
        };
        let mut clauses = Vec::with_capacity(m.clauses.len());
        for c in &m.clauses {
            let matched = match c.clause_kind {
                ast::MergeClauseKind::Matched => true,
                ast::MergeClauseKind::NotMatched | ast::MergeClauseKind::NotMatchedByTarget => {
                    false
                }
                ast::MergeClauseKind::NotMatchedBySource => {
                    return Err(PgError::syntax("syntax error at or near \"BY\""))
                }
            };
            // WHEN NOT MATCHED sees the source row alone: the target is
            // there but cannot be referenced (PostgreSQL's error says so).
            let scope = if matched { &joined } else { &source_scope };
            if !matched {
                self.lateral_hidden
                    .push((Scope::for_relation(rel, &range), false));
            }
            let bound = self.bind_merge_clause(rel, c, matched, scope);
            if !matched {
                self.lateral_hidden.pop();
            }
            let (condition, action) = bound?;
            clauses.push(MergeClausePlan {
                matched,
                condition,
                action,
            });
        }
        let checks = self.bind_checks(rel)?;
        let security = self.rls_using(rel, RlsCmd::Select)?;
        Ok((
            DataStatement::Merge(Box::new(MergePlan {
                table: rel.oid,
                source: Box::new(source),
                on,
                security,
                clauses,
                checks,
                with: Vec::new(),
            })),
            vec![],
        ))
    }

    fn bind_merge_clause(
        &mut self,
        rel: &rampart_catalog::Relation,
        c: &ast::MergeClause,
        matched: bool,
        scope: &Scope,
    ) -> PgResult<(Option<Expr>, MergeActionPlan)> {
        let condition = match &c.predicate {
            Some(p) => {
                let mut cx = ExprCtx::new(scope, "WHEN");
                Some(self.bind_bool(p, &mut cx, "WHEN")?)
            }
            None => None,
        };
        let action = self.bind_merge_action(rel, &c.action, matched, scope)?;
        Ok((condition, action))
    }

    fn bind_merge_action(
        &mut self,
        rel: &rampart_catalog::Relation,
        action: &ast::MergeAction,
        matched: bool,
        scope: &Scope,
    ) -> PgResult<MergeActionPlan> {
        let misplaced = |what: &str| PgError::syntax(format!("syntax error at or near \"{what}\""));
        Ok(match action {
            ast::MergeAction::Update(u) => {
                if !matched {
                    return Err(misplaced("UPDATE"));
                }
                let ast::MergeUpdateKind::Set(assignments) = &u.kind else {
                    return Err(misplaced("*"));
                };
                // Oracle's `UPDATE SET … WHERE` / `DELETE WHERE`, which sqlparser reads.
                if let Some(p) = u.update_predicate.as_ref().or(u.delete_predicate.as_ref()) {
                    return Err(self.at_keyword_before(misplaced("WHERE"), p, "WHERE"));
                }
                let assignments = self.bind_assignments(rel, None, assignments, scope)?;
                MergeActionPlan::Update {
                    assignments,
                    target_check: self.rls_using_check(
                        rel,
                        RlsCmd::Update,
                        RlsCheckKind::MergeTarget,
                    )?,
                    check: self.rls_check(rel, RlsCmd::Update)?,
                    select_check: self.rls_select_check(rel)?,
                }
            }
            ast::MergeAction::Delete { .. } => {
                if !matched {
                    return Err(misplaced("DELETE"));
                }
                MergeActionPlan::Delete {
                    target_check: self.rls_using_check(
                        rel,
                        RlsCmd::Delete,
                        RlsCheckKind::MergeTarget,
                    )?,
                }
            }
            ast::MergeAction::Insert(i) => {
                if matched {
                    return Err(misplaced("INSERT"));
                }
                self.bind_merge_insert(rel, i, scope)?
            }
            ast::MergeAction::DoNothing { .. } => MergeActionPlan::Nothing,
        })
    }

    fn bind_merge_insert(
        &mut self,
        rel: &rampart_catalog::Relation,
        i: &ast::MergeInsertExpr,
        scope: &Scope,
    ) -> PgResult<MergeActionPlan> {
        let mut targets = Vec::new();
        for c in &i.columns {
            let cname =
                c.0.last()
                    .and_then(|p| p.as_ident())
                    .map(ident)
                    .unwrap_or_default();
            let pos = rel.column_index(&cname).ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!(
                        "column \"{cname}\" of relation \"{}\" does not exist",
                        rel.name
                    ),
                )
            })?;
            if targets.contains(&pos) {
                return Err(PgError::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!("column \"{cname}\" specified more than once"),
                ));
            }
            targets.push(pos);
        }
        if let Some(p) = &i.insert_predicate {
            let e = PgError::syntax("syntax error at or near \"WHERE\"");
            return Err(self.at_keyword_before(e, p, "WHERE"));
        }
        let ast::MergeInsertKind::Values(values) = &i.kind else {
            return Err(PgError::syntax("syntax error at or near \"ROW\""));
        };
        let [row] = values.rows.as_slice() else {
            return Err(PgError::syntax("syntax error at or near \",\""));
        };
        if i.columns.is_empty() {
            targets = (0..rel.columns.len().min(row.len())).collect();
        }
        if row.len() > targets.len() {
            return Err(PgError::syntax(
                "INSERT has more expressions than target columns",
            ));
        }
        if row.len() < targets.len() {
            return Err(PgError::syntax(
                "INSERT has more target columns than expressions",
            ));
        }
        let defaults = self.bind_defaults(rel)?;
        let mut exprs = Vec::with_capacity(row.len());
        for (e, &t) in row.iter().zip(&targets) {
            let col = &rel.columns[t];
            self.need_column(rel.oid, Privilege::Insert, &col.name);
            if super::dml::is_default_keyword(e) {
                exprs.push(
                    defaults[t]
                        .clone()
                        .unwrap_or(Expr::Literal(rampart_types::Value::Null)),
                );
                continue;
            }
            let mut cx = ExprCtx::new(scope, "VALUES");
            let (b, ty): (Expr, DataType) = self.bind_expr(e, &mut cx)?;
            exprs.push(self.coerce_to_column(b, &ty, col)?);
        }
        Ok(MergeActionPlan::Insert {
            targets,
            values: exprs,
            defaults,
            check: self.rls_check(rel, RlsCmd::Insert)?,
        })
    }

    /// `e` placed at the last `keyword` before `expr` in the statement text.
    fn at_keyword_before(&self, e: PgError, expr: &ast::Expr, keyword: &str) -> PgError {
        let (Some(start), Some(text)) = (
            self.position(ast::Spanned::span(expr)),
            self.source.as_deref(),
        ) else {
            return e;
        };
        let before: String = text.chars().take(start as usize - 1).collect();
        match before.to_ascii_uppercase().rfind(keyword) {
            Some(byte) => e.with_position(before[..byte].chars().count() as u32 + 1),
            None => e,
        }
    }
}
