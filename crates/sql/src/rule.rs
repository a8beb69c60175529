//! CREATE RULE: only the form PostgreSQL keeps for old dumps, `CREATE RULE
//! "_RETURN" AS ON SELECT TO t DO INSTEAD SELECT …`, which turns an empty
//! table into a view, with PostgreSQL's checks (among them: not while the
//! table has row-level security enabled or policies).
//!
//! Partial: rules on INSERT, UPDATE and DELETE (and ALSO rules) are refused
//! as not supported; views made this way are not updatable.

use rampart_catalog::RelationKind;
use rampart_types::{PgError, PgResult, SqlState};
use sqlparser::ast;

use crate::bind::Binder;
use crate::ddl::{check_owner, relation_named, with_catalog_mut};
use crate::front::RuleStmt;
use crate::session::{QueryResult, Session};

fn definition(message: String) -> PgError {
    PgError::new(SqlState::INVALID_OBJECT_DEFINITION, message)
}

/// Runs CREATE RULE.
pub fn run(s: &mut Session, r: &RuleStmt) -> PgResult<QueryResult> {
    if r.event != "SELECT" {
        return Err(PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            format!(
                "rules on {} are not supported (only a view's ON SELECT rule)",
                r.event
            ),
        ));
    }
    let query = match crate::parser::parse_one_query(&r.action) {
        Ok(q) if r.instead && matches!(q.body.as_ref(), ast::SetExpr::Select(_)) => q,
        _ => {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "rules on SELECT must have action INSTEAD SELECT",
            ))
        }
    };
    if r.qualified {
        return Err(PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            "event qualifications are not implemented for rules on SELECT",
        ));
    }
    with_catalog_mut(s, |cat, txn, s| {
        let rel = relation_named(cat, s, &r.table)?;
        check_owner(cat, s, rel.owner, "table", &rel.name)?;
        if !matches!(rel.kind, RelationKind::Table | RelationKind::View { .. }) {
            return Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("relation \"{}\" cannot have rules", rel.name),
            ));
        }
        // The SELECT's columns must be the table's, in name and type.
        let columns = {
            let mut b = Binder::new(cat, s.state.search_path(), vec![]);
            b.bind_query(&query)?.1
        };
        for (i, (c, col)) in columns.iter().zip(&rel.columns).enumerate() {
            if c.name != col.name {
                return Err(definition(format!(
                    "SELECT rule's target entry {} has different column name from column \"{}\"",
                    i + 1,
                    col.name
                ))
                .with_detail(format!("SELECT target entry is named \"{}\".", c.name)));
            }
            if c.ty != col.ty {
                return Err(definition(format!(
                    "SELECT rule's target entry {} has different type from column \"{}\"",
                    i + 1,
                    col.name
                ))
                .with_detail(format!(
                    "SELECT target entry has type {}, but column has type {}.",
                    c.ty.display_name(),
                    col.ty.display_name()
                )));
            }
        }
        if columns.len() > rel.columns.len() {
            return Err(definition(
                "SELECT rule's target list has too many entries".into(),
            ));
        }
        if columns.len() < rel.columns.len() {
            return Err(definition(
                "SELECT rule's target list has too few entries".into(),
            ));
        }
        if matches!(rel.kind, RelationKind::View { .. }) {
            return Err(PgError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("\"{}\" is already a view", rel.name),
            ));
        }
        if r.name != "_RETURN" {
            return Err(definition(format!(
                "view rule for \"{}\" must be named \"_RETURN\"",
                rel.name
            )));
        }
        if rel.partition_key.is_some() || rel.partition_bound.is_some() {
            let what = if rel.partition_key.is_some() {
                "partitioned table"
            } else {
                "partition"
            };
            return Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("cannot convert {what} \"{}\" to a view", rel.name),
            ));
        }
        let cannot = |why: &str| {
            PgError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!(
                    "could not convert table \"{}\" to a view because it {why}",
                    rel.name
                ),
            )
        };
        if !crate::exec::table::scan_all(txn, rel.oid)?.is_empty() {
            return Err(cannot("is not empty"));
        }
        // Foreign keys are PostgreSQL triggers, on either side.
        let referenced = cat
            .relations
            .values()
            .any(|o| o.foreign_keys.iter().any(|fk| fk.ref_table == rel.oid));
        if referenced || !rel.foreign_keys.is_empty() {
            return Err(cannot("has triggers").with_hint(
                "In particular, the table cannot be involved in any foreign key relationships.",
            ));
        }
        if !rel.indexes.is_empty() {
            return Err(cannot("has indexes"));
        }
        if !cat.inheritors(rel.oid).is_empty() {
            return Err(cannot("has child tables"));
        }
        if !rel.inherits.is_empty() {
            return Err(cannot("has parent tables"));
        }
        if rel.rls_enabled {
            return Err(cannot("has row security enabled"));
        }
        if !rel.policies.is_empty() {
            return Err(cannot("has row security policies"));
        }
        let entry = cat
            .relations
            .get_mut(&rel.oid)
            .ok_or_else(|| PgError::internal("relation vanished"))?;
        entry.kind = RelationKind::View {
            query: query.to_string(),
        };
        entry.checks.clear();
        Ok(QueryResult::Command {
            tag: "CREATE RULE".into(),
        })
    })
}
