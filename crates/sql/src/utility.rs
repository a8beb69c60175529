//! Statements that are not plain reads/writes: settings, DDL, EXPLAIN.

use sqlparser::ast::{self, Statement};

use rampart_catalog::Catalog;
use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use crate::bind::ident;
use crate::ddl;
use crate::plan::OutputColumn;
use crate::session::{QueryResult, Session};

fn cmd(tag: &str) -> PgResult<QueryResult> {
    Ok(QueryResult::Command {
        tag: tag.to_string(),
    })
}

/// Runs a utility statement inside the session's transaction.
pub fn run(
    s: &mut Session,
    stmt: &Statement,
    catalog: &Catalog,
    _sql: &str,
) -> PgResult<QueryResult> {
    crate::locks::lock_for_ddl(s, stmt, catalog)?;
    match stmt {
        Statement::Set(set) => run_set(s, set),
        Statement::ShowVariable { variable } => show(s, variable),
        Statement::Reset(r) => match &r.reset {
            ast::Reset::ALL => {
                s.state.settings.reset_all();
                cmd("RESET")
            }
            ast::Reset::ConfigurationParameter(name) => {
                s.state.settings.reset(&setting_name(name), false)?;
                cmd("RESET")
            }
            ast::Reset::SessionAuthorization => Err(PgError::unsupported(
                "RESET SESSION AUTHORIZATION arrives with roles",
            )),
        },
        Statement::Discard { object_type } => {
            if s.in_block() {
                return Err(PgError::new(
                    SqlState::ACTIVE_SQL_TRANSACTION,
                    "DISCARD ALL cannot run inside a transaction block",
                ));
            }
            if matches!(object_type, ast::DiscardObject::ALL) {
                s.state.settings.reset_all();
                s.deallocate_all();
            }
            cmd(&format!("DISCARD {object_type}"))
        }
        Statement::CreateTable(ct) => ddl::create_table(s, ct),
        Statement::CreateIndex(ci) => ddl::create_index(s, ci),
        Statement::CreateView(cv) => ddl::create_view(s, cv),
        Statement::CreateSchema {
            schema_name,
            if_not_exists,
            ..
        } => ddl::create_schema(s, schema_name, *if_not_exists),
        Statement::CreateSequence {
            name,
            if_not_exists,
            sequence_options,
            temporary: false,
            ..
        } => ddl::create_sequence(s, name, *if_not_exists, sequence_options),
        Statement::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } => ddl::drop(s, object_type, names, *if_exists, *cascade),
        Statement::CreateDomain(cd) => crate::domain::create(s, cd),
        Statement::Truncate(t) => ddl::truncate(s, t),
        Statement::Lock(l) => crate::locks::lock_table(s, l),
        Statement::AlterTable(at) => ddl::alter_table(s, at),
        Statement::CreatePolicy(cp) => crate::policy::create(s, cp),
        Statement::AlterPolicy(ap) => crate::policy::alter(s, ap),
        Statement::DropPolicy(dp) => crate::policy::drop(s, dp),

        Statement::Call(f) => crate::func::ddl::run_call(s, f),
        Statement::Explain { statement, .. } => crate::explain::explain(s, statement),
        Statement::Comment {
            object_type,
            object_name,
            comment,
            ..
        } => crate::comment::run(s, object_type, object_name, comment.clone()),
        other => Err(PgError::unsupported(format!(
            "statement not supported yet: {}",
            first_words(&other.to_string())
        ))),
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn setting_name(name: &ast::ObjectName) -> String {
    name.0
        .iter()
        .filter_map(|p| p.as_ident())
        .map(ident)
        .collect::<Vec<_>>()
        .join(".")
}

fn value_text(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Value(v) => {
            crate::bind::expr::value_string(&v.value).unwrap_or_else(|| v.to_string())
        }
        ast::Expr::Identifier(id) => id.value.clone(),
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => format!("-{}", value_text(expr)),
        other => other.to_string(),
    }
}

fn run_set(s: &mut Session, set: &ast::Set) -> PgResult<QueryResult> {
    match set {
        ast::Set::SingleAssignment {
            scope,
            variable,
            values,
            ..
        } => {
            let local = matches!(scope, Some(ast::ContextModifier::Local));
            let name = setting_name(variable);
            if values.len() == 1
                && matches!(&values[0], ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
            {
                s.state.settings.reset(&name, local)?;
                return cmd("SET");
            }
            let text = values.iter().map(value_text).collect::<Vec<_>>().join(", ");
            if local && !s.in_block() {
                let mut w = PgError::new(
                    SqlState::NO_ACTIVE_SQL_TRANSACTION,
                    "SET LOCAL can only be used in transaction blocks",
                );
                w.severity = "WARNING";
                s.state.notices.push(w);
            }
            s.state.settings.set(&name, &text, local)?;
            cmd("SET")
        }
        ast::Set::SetTimeZone { local, value } => {
            s.state
                .settings
                .set("timezone", &value_text(value), *local)?;
            cmd("SET")
        }
        ast::Set::SetNames { charset_name, .. } => {
            s.state
                .settings
                .set("client_encoding", &charset_name.value, false)?;
            cmd("SET")
        }
        ast::Set::SetTransaction {
            modes,
            snapshot,
            session,
        } => {
            if snapshot.is_some() {
                return Err(PgError::unsupported("SET TRANSACTION SNAPSHOT"));
            }
            if !*session && !s.in_block() {
                let mut w = PgError::new(
                    SqlState("25P01"),
                    "SET TRANSACTION can only be used in transaction blocks",
                );
                w.severity = "WARNING";
                s.state.notices.push(w);
                return cmd("SET");
            }
            for m in modes {
                match m {
                    ast::TransactionMode::AccessMode(a) => {
                        let ro = if matches!(a, ast::TransactionAccessMode::ReadOnly) {
                            "on"
                        } else {
                            "off"
                        };
                        if *session {
                            s.state
                                .settings
                                .set("default_transaction_read_only", ro, false)?;
                        } else {
                            let was_ro = s.state.read_only_transaction();
                            if was_ro && ro == "off" && s.txn_queried() {
                                return Err(PgError::new(
                                    SqlState("25001"),
                                    "transaction read-write mode must be set before any query",
                                ));
                            }
                            s.state.settings.set_internal("transaction_read_only", ro);
                        }
                    }
                    ast::TransactionMode::IsolationLevel(l) => {
                        if *session {
                            s.state.settings.set(
                                "default_transaction_isolation",
                                crate::session::isolation_setting(l),
                                false,
                            )?;
                        } else {
                            s.set_txn_isolation(crate::session::storage_isolation(l))?;
                        }
                    }
                }
            }
            cmd("SET")
        }
        _ => Err(PgError::unsupported(format!("{set} is not supported yet"))),
    }
}

/// Result columns of a utility statement that returns rows (EXPLAIN, SHOW),
/// for Describe in the extended protocol; empty for the others.
pub fn result_columns(stmt: &Statement) -> Vec<OutputColumn> {
    let text_col = |n: &str| OutputColumn {
        name: n.to_string(),
        ty: DataType::Text,
        source: None,
    };
    match stmt {
        Statement::Explain { .. } => vec![text_col("QUERY PLAN")],
        Statement::ShowVariable { variable } => {
            let name = variable
                .iter()
                .map(ident)
                .collect::<Vec<_>>()
                .join(".")
                .to_lowercase();
            if name == "all" {
                vec![
                    text_col("name"),
                    text_col("setting"),
                    text_col("description"),
                ]
            } else {
                vec![text_col(crate::guc::display_name(&name))]
            }
        }
        _ => vec![],
    }
}

fn show(s: &mut Session, variable: &[ast::Ident]) -> PgResult<QueryResult> {
    let name = variable.iter().map(ident).collect::<Vec<_>>().join(" ");
    let name = name.replace(' ', ".");
    let text_col = |n: &str| OutputColumn {
        name: n.to_string(),
        ty: DataType::Text,
        source: None,
    };
    let read_all =
        crate::privileges::may_read_all_settings(&*s.catalog()?, &s.state.current_user());
    if name == "all" {
        let rows = s
            .state
            .settings
            .all()
            .into_iter()
            .filter(|(n, _)| read_all || !crate::guc::read_restricted(n))
            .map(|(n, v)| vec![Value::Text(n), Value::Text(v), Value::Text(String::new())])
            .collect::<Vec<_>>();
        let tag = format!("SHOW {}", rows.len());
        let _ = tag;
        return Ok(QueryResult::Rows {
            columns: vec![
                text_col("name"),
                text_col("setting"),
                text_col("description"),
            ],
            rows,
            tag: "SHOW".into(),
        });
    }
    if !read_all && crate::guc::read_restricted(&name) {
        return Err(crate::guc::read_denied(&name.to_ascii_lowercase()));
    }
    let value = s
        .state
        .settings
        .get(&name)
        .ok_or_else(|| crate::exec::eval::unrecognized_setting(&name))?;
    let label = crate::guc::display_name(&name.to_lowercase()).to_string();
    Ok(QueryResult::Rows {
        columns: vec![text_col(&label)],
        rows: vec![vec![Value::Text(value)]],
        tag: "SHOW".into(),
    })
}
