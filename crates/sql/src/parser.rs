//! Parsing: sqlparser's PostgreSQL dialect, with its errors turned into
//! PostgreSQL's `syntax error at or near "X"` and a cursor position.

use sqlparser::ast::{Expr, Query, Statement};
use sqlparser::parser::{Parser, ParserError};

use rampart_types::{PgError, PgResult};

/// Deepest nesting the parser accepts before reporting "stack depth limit exceeded".
const RECURSION_LIMIT: usize = 200;

/// A parsed statement: sqlparser's, or one of the PostgreSQL forms sqlparser
/// does not parse, handled by our own front parser (see [`crate::front`]).
#[derive(Clone, Debug)]
pub enum Stmt {
    /// Parsed by sqlparser.
    Sql(Box<Statement>),
    /// GRANT/REVOKE of role membership.
    Role(crate::front::RoleStmt),
    /// ALTER DEFAULT PRIVILEGES.
    DefaultPrivileges(crate::front::DefaultPrivStmt),
    /// DROP OWNED / REASSIGN OWNED.
    Owned(crate::front::OwnedStmt),
    /// ALTER SEQUENCE/VIEW/SCHEMA … OWNER TO.
    AlterOwner(crate::front::AlterOwnerStmt),
    /// ALTER SEQUENCE … OWNED BY.
    SequenceOwnedBy(crate::front::SequenceOwnedByStmt),
    /// CREATE/DROP/ALTER FUNCTION or PROCEDURE, DO.
    Function(crate::func::FuncStmt),
    /// CREATE/DROP/ALTER DATABASE.
    Database(crate::database::DatabaseStmt),
    /// VACUUM / ANALYZE.
    Maintenance(crate::front::MaintenanceStmt),
    /// ALTER TABLE … [NO] INHERIT.
    Inherit(crate::front::InheritStmt),
    /// CREATE RULE.
    Rule(crate::front::RuleStmt),
    /// FETCH / MOVE.
    Fetch(crate::front::FetchStmt),
    /// ALTER TABLE … ATTACH / DETACH PARTITION.
    Attach(crate::front::AttachStmt),
    /// ALTER DOMAIN (other than OWNER TO).
    AlterDomain(crate::domain::AlterDomainStmt),
}

/// Parses a query string into statements.
pub fn parse(sql: &str) -> PgResult<Vec<Stmt>> {
    // Notices of an earlier parse that nobody collected must not leak into this one.
    let _ = crate::front::take_parse_notices();
    match crate::front::split_if_needed(sql)? {
        None => parse_sql(sql).map(|v| v.into_iter().map(|s| Stmt::Sql(Box::new(s))).collect()),
        Some(pieces) => {
            let mut out = Vec::new();
            for p in pieces {
                match p {
                    crate::front::Piece::Sql(text) => out.extend(
                        parse_sql(&text)?
                            .into_iter()
                            .map(|s| Stmt::Sql(Box::new(s))),
                    ),
                    crate::front::Piece::SqlOnly(text, only) => {
                        out.extend(parse_sql(&text)?.into_iter().map(|mut s| {
                            mark_only(&mut s, &only);
                            Stmt::Sql(Box::new(s))
                        }))
                    }
                    crate::front::Piece::Role(r) => out.push(Stmt::Role(r)),
                    crate::front::Piece::DefaultPrivileges(d) => {
                        out.push(Stmt::DefaultPrivileges(d))
                    }
                    crate::front::Piece::Owned(o) => out.push(Stmt::Owned(o)),
                    crate::front::Piece::AlterOwner(a) => out.push(Stmt::AlterOwner(a)),
                    crate::front::Piece::SequenceOwnedBy(o) => out.push(Stmt::SequenceOwnedBy(o)),
                    crate::front::Piece::Function(f) => out.push(Stmt::Function(f)),
                    crate::front::Piece::Database(d) => out.push(Stmt::Database(d)),
                    crate::front::Piece::Maintenance(m) => out.push(Stmt::Maintenance(m)),
                    crate::front::Piece::Inherit(i) => out.push(Stmt::Inherit(i)),
                    crate::front::Piece::Rule(r) => out.push(Stmt::Rule(r)),
                    crate::front::Piece::Fetch(f) => out.push(Stmt::Fetch(f)),
                    crate::front::Piece::Attach(a) => out.push(Stmt::Attach(a)),
                    crate::front::Piece::AlterDomain(a) => out.push(Stmt::AlterDomain(a)),
                }
            }
            Ok(out)
        }
    }
}

/// Stands in a table reference's (MySQL-only) partition list for
/// PostgreSQL's `ONLY`: no PostgreSQL statement fills that list otherwise.
const ONLY_MARK: &str = "\u{0}only";

/// Marks the table references whose names start at `starts` as `ONLY t`
/// (see [`is_only`]); the front parser blanked the word out.
pub fn mark_only(stmt: &mut Statement, starts: &[(u64, u64)]) {
    use sqlparser::ast::{TableFactor, VisitMut, VisitorMut};
    struct Marker<'a>(&'a [(u64, u64)]);
    impl VisitorMut for Marker<'_> {
        type Break = ();
        fn pre_visit_table_factor(
            &mut self,
            factor: &mut TableFactor,
        ) -> std::ops::ControlFlow<()> {
            if let TableFactor::Table {
                name, partitions, ..
            } = factor
            {
                let start = name
                    .0
                    .first()
                    .and_then(|p| p.as_ident())
                    .map(|id| (id.span.start.line, id.span.start.column));
                if start.is_some_and(|s| self.0.contains(&s)) {
                    *partitions = vec![sqlparser::ast::Ident::new(ONLY_MARK)];
                }
            }
            std::ops::ControlFlow::Continue(())
        }
    }
    let _ = stmt.visit(&mut Marker(starts));
}

/// Marks every table reference of `q` as `ONLY t` (COPY t TO copies the
/// table's own rows, not those of tables inheriting from it).
pub fn mark_all_only(q: &mut Query) {
    use sqlparser::ast::{TableFactor, VisitMut, VisitorMut};
    struct Marker;
    impl VisitorMut for Marker {
        type Break = ();
        fn pre_visit_table_factor(
            &mut self,
            factor: &mut TableFactor,
        ) -> std::ops::ControlFlow<()> {
            if let TableFactor::Table { partitions, .. } = factor {
                *partitions = vec![sqlparser::ast::Ident::new(ONLY_MARK)];
            }
            std::ops::ControlFlow::Continue(())
        }
    }
    let _ = q.visit(&mut Marker);
}

/// Whether a table reference was written `ONLY t` (marked by [`mark_only`]).
pub fn is_only(partitions: &[sqlparser::ast::Ident]) -> bool {
    partitions.first().is_some_and(|p| p.value == ONLY_MARK)
}

/// Parses with sqlparser only.
pub fn parse_sql(sql: &str) -> PgResult<Vec<Statement>> {
    Parser::new(&crate::dialect::RampartDialect::default())
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| map_error(sql, e))
}

/// Parses exactly one query (view bodies).
pub fn parse_one_query(sql: &str) -> PgResult<Query> {
    let mut stmts = parse_sql(sql)?;
    match stmts.pop() {
        Some(Statement::Query(q)) if stmts.is_empty() => Ok(*q),

        _ => Err(PgError::internal("stored view body is not a single query")),
    }
}

/// The INSERT, UPDATE or DELETE of `WITH … INSERT/UPDATE/DELETE` (which
/// sqlparser reads as a query whose body is the statement), if `q` is one.
pub fn modifying_body(q: &Query) -> Option<&Statement> {
    match q.body.as_ref() {
        sqlparser::ast::SetExpr::Insert(s)
        | sqlparser::ast::SetExpr::Update(s)
        | sqlparser::ast::SetExpr::Delete(s)
        | sqlparser::ast::SetExpr::Merge(s) => Some(s),
        _ => None,
    }
}

/// `INSERT`, `UPDATE` or `DELETE` for those statements, with or without a
/// leading WITH (the command PostgreSQL names in its errors and tags).
pub fn dml_verb(stmt: &Statement) -> Option<&'static str> {
    match stmt {
        Statement::Insert(_) => Some("INSERT"),
        Statement::Update(_) => Some("UPDATE"),
        Statement::Delete(_) => Some("DELETE"),
        Statement::Merge(_) => Some("MERGE"),
        Statement::Query(q) => modifying_body(q).and_then(dml_verb),
        _ => None,
    }
}

/// Parses a relation name written as text (`'s.t'::regclass`,
/// has_table_privilege's argument) into an object name; None if it is not one.
pub fn parse_relation_name(text: &str) -> Option<sqlparser::ast::ObjectName> {
    let st = parse_sql(&format!("SELECT * FROM {text}"))
        .ok()?
        .into_iter()
        .next()?;
    let Statement::Query(q) = st else { return None };
    let sqlparser::ast::SetExpr::Select(sel) = *q.body else {
        return None;
    };
    match sel.from.into_iter().next()?.relation {
        sqlparser::ast::TableFactor::Table { name, .. } => Some(name),
        _ => None,
    }
}

/// Parses one expression (DEFAULT and CHECK texts).
pub fn parse_expr(sql: &str) -> PgResult<Expr> {
    Parser::new(&crate::dialect::RampartDialect::default())
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| map_error(sql, e))
}

fn map_error(sql: &str, e: ParserError) -> PgError {
    let text = match &e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.clone(),
        ParserError::RecursionLimitExceeded => {
            return PgError::new(rampart_types::SqlState::STATEMENT_TOO_COMPLEX, "stack depth limit exceeded")
                .with_hint("Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.");
        }
    };
    let position = line_col(&text).and_then(|(l, c)| char_offset(sql, l, c));
    if text.contains("Unterminated string literal") {
        let mut err = PgError::syntax("unterminated quoted string at or near \"'\"");
        if let Some(p) = position {
            err = err.with_position(p);
        }
        return err;
    }
    // "UPDATE is not allowed in a NOT MATCHED merge clause": PostgreSQL's
    // grammar has no such form, so it reports the action's keyword.
    if let Some(word) = text
        .split(" is not allowed in a ")
        .next()
        .filter(|_| text.contains("merge clause"))
        .and_then(|w| w.rsplit(' ').next())
    {
        let mut err = PgError::syntax(format!("syntax error at or near \"{word}\""));
        if let Some(p) = position {
            err = err.with_position(p);
        }
        return err;
    }
    let found = text.split("found: ").nth(1).map(|rest| {
        rest.split(" at Line:")
            .next()
            .unwrap_or(rest)
            .trim()
            .to_string()
    });
    let mut err = match found.as_deref() {
        Some("EOF") | None if text.contains("EOF") => {
            PgError::syntax("syntax error at end of input")
        }
        Some(tok) => PgError::syntax(format!(
            "syntax error at or near \"{}\"",
            tok.trim_matches('"')
        )),
        None => PgError::syntax(format!("syntax error: {text}")),
    };
    if found.as_deref() == Some("EOF") || (found.is_none() && text.contains("EOF")) {
        err = err.with_position(sql.trim_end().chars().count() as u32 + 1);
    } else if let Some(p) = position {
        err = err.with_position(p);
    }
    err
}

fn line_col(text: &str) -> Option<(usize, usize)> {
    let rest = text.split("Line: ").nth(1)?;
    let (line, rest) = rest.split_once(", Column: ")?;
    let col: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

/// 1-based character offset of a 1-based (line, column).
fn char_offset(sql: &str, line: usize, col: usize) -> Option<u32> {
    let mut offset = 0usize;
    for (i, l) in sql.split('\n').enumerate() {
        if i + 1 == line {
            return Some((offset + col) as u32);
        }
        offset += l.chars().count() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_look_like_postgres() {
        let e = parse("SELEC 1").unwrap_err();
        assert_eq!(e.code.0, "42601");
        assert_eq!(e.message, "syntax error at or near \"SELEC\"");
        assert_eq!(e.position, Some(1));
        let e = parse("SELECT 1 +").unwrap_err();
        assert_eq!(e.message, "syntax error at end of input");
        let e = parse("select * from t where").unwrap_err();
        assert_eq!(e.message, "syntax error at end of input");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let sql = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
        let e = parse(&sql).unwrap_err();
        assert_eq!(e.code.0, "54001");
    }
}
