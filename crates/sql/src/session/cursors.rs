//! SQL cursors: DECLARE … CURSOR FOR, FETCH, MOVE, CLOSE (what psql's
//! FETCH_COUNT and drivers' named cursors send). A cursor's query runs at
//! DECLARE, as the declaring role with its policies, and its rows are kept
//! for FETCH to walk in either direction. Cursors end with their
//! transaction unless declared WITH HOLD (then they last until CLOSE or the
//! end of the session, and vanish if their transaction rolls back).
//!
//! Partial: the rows are computed at DECLARE rather than as they are
//! fetched (the same rows as PostgreSQL's snapshot gives, except for
//! volatile functions); no pg_cursors, no `WHERE CURRENT OF`, BINARY
//! cursors return text.

use sqlparser::ast::{self, Statement};

use rampart_types::{PgError, PgResult, SqlState, Value};

use super::{QueryResult, Session};
use crate::front::{FetchDirection, FetchStmt};
use crate::parser::Stmt;
use crate::plan::OutputColumn;

/// A declared cursor.
pub(super) struct Cursor {
    columns: Vec<OutputColumn>,
    rows: Vec<Vec<Value>>,
    /// 0: before the first row; n: on row n; rows + 1: after the last.
    position: usize,
    /// NO SCROLL: backward moves are refused.
    no_scroll: bool,
    /// WITH HOLD.
    hold: bool,
    /// Declared in the transaction now running (a rollback drops it).
    uncommitted: bool,
}

fn missing(name: &str) -> PgError {
    PgError::new(
        SqlState::INVALID_CURSOR_NAME,
        format!("cursor \"{name}\" does not exist"),
    )
}

impl Session {
    /// DECLARE name [BINARY] [NO] SCROLL CURSOR [WITH[OUT] HOLD] FOR query.
    pub(super) fn declare_cursor(&mut self, d: &ast::Declare, sql: &str) -> PgResult<QueryResult> {
        let (Some(query), [name]) = (&d.for_query, d.names.as_slice()) else {
            return Err(PgError::unsupported(
                "DECLARE of variables outside PL/pgSQL",
            ));
        };
        let name = crate::bind::ident(name);
        let hold = d.hold == Some(true);
        if !self.explicit && !hold {
            return Err(PgError::new(
                SqlState::NO_ACTIVE_SQL_TRANSACTION,
                "DECLARE CURSOR can only be used in transaction blocks",
            ));
        }
        if self.cursors.contains_key(&name) {
            return Err(PgError::new(
                SqlState("42P03"),
                format!("cursor \"{name}\" already exists"),
            ));
        }
        // The grammar takes a SELECT (or VALUES, TABLE) only.
        if let Some(verb) = match query.body.as_ref() {
            ast::SetExpr::Insert(_) => Some("INSERT"),
            ast::SetExpr::Update(_) => Some("UPDATE"),
            ast::SetExpr::Delete(_) => Some("DELETE"),
            ast::SetExpr::Merge(_) => Some("MERGE"),
            _ => None,
        } {
            return Err(PgError::syntax(format!(
                "syntax error at or near \"{verb}\""
            )));
        }
        let modifying_cte = query.with.as_ref().is_some_and(|w| {
            w.cte_tables
                .iter()
                .any(|c| crate::parser::modifying_body(&c.query).is_some())
        });
        if modifying_cte {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "DECLARE CURSOR must not contain data-modifying statements in WITH",
            ));
        }
        let stmt = Stmt::Sql(Box::new(Statement::Query(query.clone())));
        let (columns, rows) = match self.run_in_txn(&stmt, &[], &mut None, sql)? {
            QueryResult::Rows { columns, rows, .. } => (columns, rows),
            _ => return Err(PgError::internal("cursor query returned no rows")),
        };
        self.cursors.insert(
            name,
            Cursor {
                columns,
                rows,
                position: 0,
                no_scroll: d.scroll == Some(false),
                hold,
                uncommitted: true,
            },
        );
        Ok(QueryResult::Command {
            tag: "DECLARE CURSOR".into(),
        })
    }

    /// FETCH (rows) or MOVE (the count only).
    pub(super) fn fetch_cursor(&mut self, f: &FetchStmt) -> PgResult<QueryResult> {
        let c = self
            .cursors
            .get_mut(&f.cursor)
            .ok_or_else(|| missing(&f.cursor))?;
        let len = c.rows.len();
        let backward = match f.direction {
            FetchDirection::Backward(_) => true,
            FetchDirection::Forward(_) => false,
            FetchDirection::Absolute(n) => n <= 0 || (n as usize) < c.position,
            FetchDirection::Relative(n) => n < 0,
        };
        if backward && c.no_scroll {
            return Err(PgError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                "cursor can only scan forward",
            )
            .with_hint("Declare it with SCROLL option to enable backward scan."));
        }
        let mut out = Vec::new();
        match f.direction {
            FetchDirection::Forward(count) => {
                let mut left = count.unwrap_or(i64::MAX);
                while left > 0 && c.position <= len {
                    c.position += 1;
                    if c.position <= len {
                        out.push(c.rows[c.position - 1].clone());
                    }
                    left -= 1;
                }
            }
            FetchDirection::Backward(count) => {
                let mut left = count.unwrap_or(i64::MAX);
                while left > 0 && c.position > 0 {
                    c.position -= 1;
                    if c.position > 0 {
                        out.push(c.rows[c.position - 1].clone());
                    }
                    left -= 1;
                }
            }
            FetchDirection::Absolute(n) => {
                c.position = if n >= 0 {
                    (n as usize).min(len + 1)
                } else {
                    (len + 1).saturating_sub(n.unsigned_abs() as usize)
                };
                if (1..=len).contains(&c.position) {
                    out.push(c.rows[c.position - 1].clone());
                }
            }
            FetchDirection::Relative(n) => {
                let target = c.position as i64 + n;
                c.position = target.clamp(0, len as i64 + 1) as usize;
                if (1..=len).contains(&c.position) {
                    out.push(c.rows[c.position - 1].clone());
                }
            }
        }
        let count = out.len();
        if f.moving {
            return Ok(QueryResult::Command {
                tag: format!("MOVE {count}"),
            });
        }
        Ok(QueryResult::Rows {
            columns: c.columns.clone(),
            rows: out,
            tag: format!("FETCH {count}"),
        })
    }

    /// The columns a FETCH returns (none for MOVE), for Describe.
    pub(super) fn cursor_columns(&self, f: &FetchStmt) -> PgResult<Vec<OutputColumn>> {
        let c = self
            .cursors
            .get(&f.cursor)
            .ok_or_else(|| missing(&f.cursor))?;
        Ok(if f.moving { vec![] } else { c.columns.clone() })
    }

    /// CLOSE name | ALL.
    pub(super) fn close_cursor(&mut self, which: &ast::CloseCursor) -> PgResult<QueryResult> {
        match which {
            ast::CloseCursor::All => self.cursors.clear(),
            ast::CloseCursor::Specific { name } => {
                let name = crate::bind::ident(name);
                self.cursors.remove(&name).ok_or_else(|| missing(&name))?;
            }
        }
        Ok(QueryResult::Command {
            tag: "CLOSE CURSOR".into(),
        })
    }

    /// At commit: only WITH HOLD cursors stay.
    pub(super) fn cursors_at_commit(&mut self) {
        self.cursors.retain(|_, c| c.hold);
        for c in self.cursors.values_mut() {
            c.uncommitted = false;
        }
    }

    /// At rollback: only WITH HOLD cursors of earlier transactions stay.
    pub(super) fn cursors_at_rollback(&mut self) {
        self.cursors.retain(|_, c| c.hold && !c.uncommitted);
    }
}
