//! SQL-level prepared statements: PREPARE, EXECUTE, DEALLOCATE. A prepared
//! statement keeps its bound plan the way a protocol-level one does, so it
//! is bound again when the catalog or the bind context (role, row_security,
//! search_path) changed — the plan a role sees is never another role's.
//!
//! Partial: EXECUTE's arguments are evaluated by a `SELECT` of their casts
//! to the parameter types just before the statement runs (PostgreSQL
//! coerces them as part of the statement).

use std::sync::Arc;

use sqlparser::ast::{self, Spanned, Statement};
use sqlparser::tokenizer::{Location, Span};

use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use super::{is_data_statement, QueryResult, Session};
use crate::parser::Stmt;

fn not_found(name: &str) -> PgError {
    PgError::new(
        SqlState::INVALID_SQL_STATEMENT_NAME,
        format!("prepared statement \"{name}\" does not exist"),
    )
}

/// The 1-based character position of `loc` in `sql` (None when unknown).
fn char_position(sql: &str, loc: Location) -> Option<u32> {
    let (line, col) = (loc.line as usize, loc.column as usize);
    if line == 0 {
        return None;
    }
    let mut offset = 0usize;
    for (i, l) in sql.split('\n').enumerate() {
        if i + 1 == line {
            return u32::try_from(offset + col).ok();
        }
        offset += l.chars().count() + 1;
    }
    None
}

/// The 1-based character position of the first whole word `word` (any
/// case) after an ` AS ` in `sql`: where a PREPARE's statement starts.
fn word_position(sql: &str, word: &str) -> Option<u32> {
    let lower = sql.to_ascii_lowercase();
    let after_as = lower.find(" as ").map(|i| i + 4)?;
    let found = after_as + lower[after_as..].find(&word.to_ascii_lowercase())?;
    u32::try_from(sql[..found].chars().count() + 1).ok()
}

/// The text `span` covers in `sql` and how many characters precede it.
fn source_text(sql: &str, span: Span) -> Option<(String, u32)> {
    let start = char_position(sql, span.start)?;
    let end = char_position(sql, span.end)?;
    if end <= start {
        return None;
    }
    let text: String = sql
        .chars()
        .skip(start as usize - 1)
        .take((end - start) as usize)
        .collect();
    Some((text, start - 1))
}

fn command(tag: &str) -> PgResult<QueryResult> {
    Ok(QueryResult::Command { tag: tag.into() })
}

impl Session {
    /// Runs PREPARE, EXECUTE or DEALLOCATE; None for any other statement.
    pub(super) fn sql_prepared(&mut self, stmt: &Stmt) -> Option<PgResult<QueryResult>> {
        let Stmt::Sql(st) = stmt else {
            return None;
        };
        match st.as_ref() {
            Statement::Prepare {
                name,
                data_types,
                statement,
            } => Some(self.sql_prepare(&crate::bind::ident(name), data_types, statement)),
            Statement::Execute {
                name: Some(name),
                parameters,
                immediate: false,
                into,
                using,
                output: false,
                default: false,
                ..
            } if into.is_empty() && using.is_empty() => {
                let name = name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .map(crate::bind::ident)
                    .unwrap_or_default();
                Some(self.sql_execute(&name, parameters))
            }
            Statement::Deallocate { name, .. } => {
                if name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all") {
                    self.deallocate_all();
                    return Some(command("DEALLOCATE ALL"));
                }
                let name = crate::bind::ident(name);
                self.state.prepared_shown.remove(&name);
                Some(match self.sql_prepared.remove(&name) {
                    Some(_) => command("DEALLOCATE"),
                    None => Err(not_found(&name)),
                })
            }
            _ => None,
        }
    }

    fn sql_prepare(
        &mut self,
        name: &str,
        data_types: &[ast::DataType],
        statement: &Statement,
    ) -> PgResult<QueryResult> {
        if self.sql_prepared.contains_key(name) {
            return Err(PgError::new(
                SqlState("42P05"),
                format!("prepared statement \"{name}\" already exists"),
            ));
        }
        // PostgreSQL's grammar takes only SELECT, INSERT, UPDATE, DELETE
        // (and VALUES, which is a SELECT here) after AS.
        if !is_data_statement(statement) {
            let first = statement
                .to_string()
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            let e = PgError::syntax(format!("syntax error at or near \"{first}\""));
            return Err(match word_position(&self.current_sql, &first) {
                Some(p) => e.with_position(p),
                None => e,
            });
        }
        let types = data_types
            .iter()
            .map(crate::bind::types::convert_type)
            .collect::<PgResult<Vec<_>>>()?;
        // The statement's own text, so that error positions can point into
        // the PREPARE as the client wrote it.
        // Spans are relative to the piece the front parser split off, which
        // may not be the whole query string: use the slice only when it is
        // this very statement.
        let (text, shift) = match source_text(&self.current_sql, statement.span()) {
            Some((text, shift))
                if crate::parser::parse_sql(&text)
                    .is_ok_and(|v| v.len() == 1 && v[0].to_string() == statement.to_string()) =>
            {
                (text, shift)
            }
            _ => (statement.to_string(), 0),
        };
        let prepared = self.prepare(&text, types).map_err(|mut e| {
            e.position = e.position.map(|p| p + shift);
            e
        })?;
        self.state.prepared_shown.insert(
            name.to_string(),
            crate::prepared_view::Shown {
                statement: self.current_sql.clone(),
                prepare_time: chrono::Utc::now(),
                parameter_types: prepared.param_types.clone(),
            },
        );
        self.sql_prepared.insert(name.to_string(), prepared);
        command("PREPARE")
    }

    fn sql_execute(&mut self, name: &str, arguments: &[ast::Expr]) -> PgResult<QueryResult> {
        let mut p = self
            .sql_prepared
            .get(name)
            .cloned()
            .ok_or_else(|| not_found(name))?;
        if arguments.len() != p.param_types.len() {
            return Err(PgError::syntax(format!(
                "wrong number of parameters for prepared statement \"{name}\""
            ))
            .with_detail(format!(
                "Expected {} parameters but got {}.",
                p.param_types.len(),
                arguments.len()
            )));
        }
        let values = self.execute_arguments(arguments, &p.param_types)?;
        let Some(stmt) = p.stmt.clone() else {
            return Ok(QueryResult::Empty);
        };
        let sql = p.sql.clone();
        let r = self.run_statement(&stmt, &values, &mut p.cached, &sql);
        // Keep the (possibly re-)bound plan for the next EXECUTE.
        if let Some(slot) = self.sql_prepared.get_mut(name) {
            slot.cached = p.cached;
        }
        r
    }

    /// The values of EXECUTE's arguments, converted to the parameter types.
    pub(crate) fn execute_arguments(
        &mut self,
        arguments: &[ast::Expr],
        types: &[DataType],
    ) -> PgResult<Vec<Value>> {
        let source = self.current_sql.clone();
        let mut values = Vec::with_capacity(arguments.len());
        for (a, t) in arguments.iter().zip(types) {
            // An error inside the argument points at the argument.
            let at = char_position(&source, a.span().start).filter(|&p| {
                // Only where the text there is this argument (see sql_prepare).
                let shown = a.to_string();
                source
                    .chars()
                    .skip(p as usize - 1)
                    .take(shown.chars().count())
                    .eq(shown.chars())
            });
            let text = format!("SELECT ({a})::{}", t.display_name());
            let stmt = crate::parser::parse_sql(&text)?
                .pop()
                .ok_or_else(|| PgError::internal("empty argument"))?;
            let stmt = Arc::new(Stmt::Sql(Box::new(stmt)));
            let r = self.run_statement(&stmt, &[], &mut None, &text);
            self.current_sql = source.clone();
            match r.map_err(|mut e| {
                if e.position.is_some() {
                    e.position = at;
                }
                e
            })? {
                QueryResult::Rows { mut rows, .. } if rows.len() == 1 && rows[0].len() == 1 => {
                    values.push(rows.remove(0).remove(0))
                }
                _ => return Err(PgError::internal("EXECUTE argument gave no value")),
            }
        }
        Ok(values)
    }

    /// The statement and parameter types of SQL prepared statement `name`
    /// (for EXPLAIN EXECUTE).
    pub(crate) fn sql_prepared_statement(
        &self,
        name: &str,
    ) -> PgResult<(Option<Arc<Stmt>>, Vec<DataType>)> {
        self.sql_prepared
            .get(name)
            .map(|p| (p.stmt.clone(), p.param_types.clone()))
            .ok_or_else(|| not_found(name))
    }

    /// DISCARD ALL: forgets every SQL prepared statement.
    pub(crate) fn deallocate_all(&mut self) {
        self.sql_prepared.clear();
        self.state.prepared_shown.clear();
    }
}
