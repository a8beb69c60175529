//! SQL cursors: DECLARE … CURSOR FOR, FETCH, MOVE, CLOSE (what psql's
//! FETCH_COUNT and drivers' named cursors send). A cursor's query runs at
//! DECLARE, as the declaring role with its policies, and its rows are kept
//! for FETCH to walk in either direction. Cursors end with their
//! transaction unless declared WITH HOLD (then they last until CLOSE or the
//! end of the session, and vanish if their transaction rolls back).
//!
//! A cursor over a simple scan of one table (no join, grouping, DISTINCT
//! or set operation) also keeps each row's id, so `UPDATE/DELETE … WHERE
//! CURRENT OF cursor` changes the row it is on ([`SessionState::cursor_rows`]).
//!
//! Partial: the rows are computed at DECLARE rather than as they are
//! fetched (the same rows as PostgreSQL's snapshot gives, except for
//! volatile functions); no pg_cursors; BINARY cursors return text; a
//! cursor over a table with inheritance children cannot be used for
//! `WHERE CURRENT OF` (PostgreSQL can).
//!
//! [`SessionState::cursor_rows`]: crate::session::SessionState::cursor_rows

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
    /// The scanned table and each row's id (a simple scan of one table).
    rowids: Option<(u32, Vec<u64>)>,
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
        let (columns, rows, rowids) = self.run_cursor_query(query, sql)?;
        self.cursors.insert(
            name,
            Cursor {
                columns,
                rows,
                rowids,
                position: 0,
                no_scroll: d.scroll == Some(false),
                hold,
                uncommitted: true,
            },
        );
        self.sync_cursor_rows();
        Ok(QueryResult::Command {
            tag: "DECLARE CURSOR".into(),
        })
    }

    /// Runs a cursor's query; over a simple scan of one table, also with
    /// each row's id (read through the scan's hidden row-id column).
    #[allow(clippy::type_complexity)]
    fn run_cursor_query(
        &mut self,
        query: &ast::Query,
        sql: &str,
    ) -> PgResult<(Vec<OutputColumn>, Vec<Vec<Value>>, Option<(u32, Vec<u64>)>)> {
        let rows_of = |r: QueryResult| match r {
            QueryResult::Rows { columns, rows, .. } => Ok((columns, rows)),
            _ => Err(PgError::internal("cursor query returned no rows")),
        };
        if let Some(table) = self.simple_scan_table(query)? {
            let mut with_id = query.clone();
            if let ast::SetExpr::Select(select) = with_id.body.as_mut() {
                select
                    .projection
                    .push(ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(
                        ast::Ident::with_quote('"', crate::bind::ROWID_COLUMN),
                    )));
            }
            let stmt = Stmt::Sql(Box::new(Statement::Query(Box::new(with_id))));
            self.declaring_cursor = true;
            let result = self.run_in_txn(&stmt, &[], &mut None, sql);
            self.declaring_cursor = false;
            match result {
                Ok(r) => {
                    let (mut columns, mut rows) = rows_of(r)?;
                    columns.pop();
                    let mut ids = Vec::with_capacity(rows.len());
                    for row in &mut rows {
                        match row.pop() {
                            Some(Value::Int8(id)) => ids.push(id as u64),
                            _ => return Err(PgError::internal("cursor row without its id")),
                        }
                    }
                    return Ok((columns, rows, Some((table, ids))));
                }
                // Aggregates without GROUP BY: not a scan of rows after all.
                Err(e) if e.code == SqlState::GROUPING_ERROR => {}
                Err(e) => return Err(e),
            }
        }
        let stmt = Stmt::Sql(Box::new(Statement::Query(Box::new(query.clone()))));
        let (columns, rows) = rows_of(self.run_in_txn(&stmt, &[], &mut None, sql)?)?;
        Ok((columns, rows, None))
    }

    /// The table a cursor query scans when it is `SELECT … FROM one_table
    /// [WHERE …] [ORDER BY …] [LIMIT …] [FOR UPDATE]` (PostgreSQL's "simply
    /// updatable"), a plain table without inheritance children.
    fn simple_scan_table(&mut self, query: &ast::Query) -> PgResult<Option<u32>> {
        let ast::SetExpr::Select(select) = query.body.as_ref() else {
            return Ok(None);
        };
        let grouped = match &select.group_by {
            ast::GroupByExpr::Expressions(e, _) => !e.is_empty(),
            ast::GroupByExpr::All(_) => true,
        };
        let [from] = select.from.as_slice() else {
            return Ok(None);
        };
        // PostgreSQL finds the row through the plan's scan node, which a
        // sort hides; FOR UPDATE finds it by the row lock instead.
        let sorted = query.order_by.is_some() && query.locks.is_empty();
        if query.with.is_some()
            || sorted
            || grouped
            || select.distinct.is_some()
            || select.having.is_some()
            || !from.joins.is_empty()
        {
            return Ok(None);
        }
        let ast::TableFactor::Table {
            name, args: None, ..
        } = &from.relation
        else {
            return Ok(None);
        };
        let catalog = self.catalog()?;
        let path = self.state.search_path();
        let Ok(rel) = crate::bind::Binder::new(&catalog, path, vec![]).resolve_relation(name)
        else {
            return Ok(None);
        };
        let plain = matches!(rel.kind, rampart_catalog::RelationKind::Table)
            && rel.partition_key.is_none()
            && catalog.inheritors(rel.oid).is_empty();
        Ok(plain.then_some(rel.oid))
    }

    /// Re-derives [`SessionState::cursor_rows`] from the open cursors.
    ///
    /// [`SessionState::cursor_rows`]: crate::session::SessionState::cursor_rows
    pub(super) fn sync_cursor_rows(&mut self) {
        self.state.cursor_rows = self
            .cursors
            .iter()
            .map(|(name, c)| {
                let (table, rowid) = match &c.rowids {
                    Some((table, ids)) => (
                        Some(*table),
                        c.position.checked_sub(1).and_then(|i| ids.get(i)).copied(),
                    ),
                    None => (None, None),
                };
                let held = c.hold && !c.uncommitted;
                (
                    name.clone(),
                    crate::session::CursorRow { table, rowid, held },
                )
            })
            .collect();
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
        let columns = (!f.moving).then(|| c.columns.clone());
        self.sync_cursor_rows();
        match columns {
            None => Ok(QueryResult::Command {
                tag: format!("MOVE {count}"),
            }),
            Some(columns) => Ok(QueryResult::Rows {
                columns,
                rows: out,
                tag: format!("FETCH {count}"),
            }),
        }
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
        self.sync_cursor_rows();
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
        self.sync_cursor_rows();
    }

    /// At rollback: only WITH HOLD cursors of earlier transactions stay.
    pub(super) fn cursors_at_rollback(&mut self) {
        self.cursors.retain(|_, c| c.hold && !c.uncommitted);
        self.sync_cursor_rows();
    }
}
