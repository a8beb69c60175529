//! Statement logging as PostgreSQL's `log_statement` (none, ddl, mod, all)
//! and `log_min_error_statement` (a failed statement is logged with its
//! error), with one difference on purpose: a password literal
//! (`PASSWORD '…'`, as in CREATE/ALTER ROLE and psql's `\password`) never
//! reaches the log — nor pg_stat_activity — in clear; it is replaced by
//! `'********'`. PostgreSQL logs it verbatim.

use std::borrow::Cow;

use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::parser::Stmt;

/// What `log_statement` a statement needs to be logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogClass {
    /// CREATE, ALTER, DROP, GRANT, … (`ddl` and above).
    Ddl,
    /// INSERT, UPDATE, DELETE, TRUNCATE, COPY FROM (`mod` and above).
    Mod,
    /// Everything else (`all`).
    All,
}

/// PostgreSQL's `GetCommandLogLevel`, for the statements Rampart runs.
pub fn classify(stmt: &Stmt) -> LogClass {
    match stmt {
        Stmt::Maintenance(_) | Stmt::Fetch(_) => LogClass::All,
        Stmt::Sql(s) => match s.as_ref() {
            Statement::Query(q) if crate::parser::modifying_body(q).is_some() => LogClass::Mod,
            Statement::Query(q) => {
                // SELECT … INTO creates a table.
                if matches!(q.body.as_ref(), sqlparser::ast::SetExpr::Select(sel) if sel.into.is_some())
                {
                    LogClass::Ddl
                } else {
                    LogClass::All
                }
            }
            Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Merge(_)
            | Statement::Truncate(_) => LogClass::Mod,
            Statement::Copy { to, .. } => {
                if *to {
                    LogClass::All
                } else {
                    LogClass::Mod
                }
            }
            other => {
                let text = other.to_string();
                let first = text.split_whitespace().next().unwrap_or("");
                if [
                    "CREATE", "ALTER", "DROP", "GRANT", "REVOKE", "COMMENT", "REINDEX",
                ]
                .iter()
                .any(|k| first.eq_ignore_ascii_case(k))
                {
                    LogClass::Ddl
                } else {
                    LogClass::All
                }
            }
        },
        _ => LogClass::Ddl,
    }
}

/// Whether `log_statement = level` logs a statement of this class.
pub fn logs(level: &str, class: LogClass) -> bool {
    match level {
        "all" => true,
        "mod" => class <= LogClass::Mod,
        "ddl" => class == LogClass::Ddl,
        _ => false,
    }
}

/// Whether `log_min_error_statement = level` logs the statement of an ERROR.
pub fn logs_errors(level: &str) -> bool {
    !matches!(level, "log" | "fatal" | "panic")
}

/// `sql` with every literal following the keyword PASSWORD replaced by
/// `'********'`. Text that cannot be tokenized (an unterminated quote) is
/// cut after the first PASSWORD, so a broken statement leaks nothing either.
pub fn redact(sql: &str) -> Cow<'_, str> {
    redact_with_secrets(sql).0
}

/// Whether the text contains the word PASSWORD in any case (no allocation).
fn mentions_password(sql: &str) -> bool {
    sql.as_bytes()
        .windows(8)
        .any(|w| w.eq_ignore_ascii_case(b"password"))
}

/// An error message about `sql` with any password literal of `sql` removed
/// (a syntax error may quote the token it stopped at).
pub fn redact_message(message: &str, sql: &str) -> String {
    let (_, secrets) = redact_with_secrets(sql);
    let mut out = message.to_string();
    for s in secrets {
        let inner = s.trim_matches(|c| c == '\'' || c == '$');
        for needle in [s.as_str(), inner] {
            if !needle.is_empty() {
                out = out.replace(needle, "********");
            }
        }
    }
    out
}

/// [`redact`], also returning the literals it removed.
fn redact_with_secrets(sql: &str) -> (Cow<'_, str>, Vec<String>) {
    if !mentions_password(sql) {
        return (Cow::Borrowed(sql), Vec::new());
    }
    let cut = || {
        let at = sql
            .to_ascii_lowercase()
            .find("password")
            .map_or(0, |i| i + 8);
        (
            Cow::Owned(cut_after_password(sql)),
            vec![sql[at..].trim().to_string()],
        )
    };
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() else {
        return cut();
    };
    let offsets = LineOffsets::new(sql);
    let mut ranges = Vec::new();
    let mut after_password = false;
    for t in &tokens {
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::Word(w)
                if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("password") =>
            {
                after_password = true;
                continue;
            }
            Token::SingleQuotedString(_)
            | Token::EscapedStringLiteral(_)
            | Token::DollarQuotedString(_)
            | Token::NationalStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
                if after_password =>
            {
                match (offsets.byte(t.span.start), offsets.byte(t.span.end)) {
                    (Some(a), Some(b)) if a < b => ranges.push((a, b)),
                    _ => return cut(),
                }
            }
            _ => {}
        }
        after_password = false;
    }
    if ranges.is_empty() {
        return (Cow::Borrowed(sql), Vec::new());
    }
    let mut out = String::with_capacity(sql.len());
    let mut secrets = Vec::new();
    let mut at = 0;
    for (a, b) in ranges {
        out.push_str(&sql[at..a]);
        out.push_str("'********'");
        secrets.push(sql[a..b].to_string());
        at = b;
    }
    out.push_str(&sql[at..]);
    (Cow::Owned(out), secrets)
}

/// Everything up to and including the first PASSWORD keyword, then a marker.
fn cut_after_password(sql: &str) -> String {
    let lower = sql.to_ascii_lowercase();
    let at = lower.find("password").map_or(0, |i| i + "password".len());
    format!("{} ********", &sql[..at])
}

/// Maps the tokenizer's (line, column) positions to byte offsets.
struct LineOffsets<'a> {
    sql: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineOffsets<'a> {
    fn new(sql: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
        LineOffsets { sql, starts }
    }

    fn byte(&self, loc: sqlparser::tokenizer::Location) -> Option<usize> {
        let start = *self.starts.get((loc.line as usize).checked_sub(1)?)?;
        let column = (loc.column as usize).checked_sub(1)?;
        let line = &self.sql[start..];
        match line.char_indices().nth(column) {
            Some((i, _)) => Some(start + i),
            None if line.chars().count() == column => Some(start + line.len()),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_literals_are_redacted() {
        assert_eq!(
            redact("CREATE ROLE alice LOGIN PASSWORD 'hunter2'"),
            "CREATE ROLE alice LOGIN PASSWORD '********'"
        );
        assert_eq!(
            redact("alter user bob with encrypted password E'it''s\\n' valid until 'infinity';\nCREATE ROLE c PASSWORD $$x$$"),
            "alter user bob with encrypted password '********' valid until 'infinity';\nCREATE ROLE c PASSWORD '********'"
        );
        assert_eq!(
            redact("ALTER ROLE émilie PASSWORD 'été' -- note"),
            "ALTER ROLE émilie PASSWORD '********' -- note"
        );
        // The keyword only: a column named password keeps its (unrelated) value.
        assert_eq!(
            redact("UPDATE users SET password = 'x' WHERE id = 1"),
            "UPDATE users SET password = 'x' WHERE id = 1"
        );
        assert_eq!(redact("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn error_messages_lose_the_literal_too() {
        let sql = "ALTER ROLE x PASSWORD 'hunter2' 'more'";
        assert_eq!(
            redact_message("syntax error at or near \"'hunter2'\"", sql),
            "syntax error at or near \"********\""
        );
        assert_eq!(
            redact_message("role \"x\" does not exist", sql),
            "role \"x\" does not exist"
        );
    }

    #[test]
    fn untokenizable_text_is_cut_after_password() {
        let r = redact("CREATE ROLE x PASSWORD 'unterminated");
        assert_eq!(r, "CREATE ROLE x PASSWORD ********");
        assert!(!r.contains("unterminated"));
    }

    #[test]
    fn levels() {
        let parse = |s: &str| crate::parser::parse(s).unwrap().remove(0);
        assert_eq!(classify(&parse("CREATE TABLE t (a int)")), LogClass::Ddl);
        assert_eq!(
            classify(&parse("GRANT SELECT ON t TO PUBLIC")),
            LogClass::Ddl
        );
        assert_eq!(classify(&parse("INSERT INTO t VALUES (1)")), LogClass::Mod);
        assert_eq!(classify(&parse("SELECT 1")), LogClass::All);
        assert_eq!(classify(&parse("CREATE ROLE r")), LogClass::Ddl);
        assert!(logs("mod", LogClass::Ddl) && logs("mod", LogClass::Mod));
        assert!(!logs("mod", LogClass::All) && !logs("none", LogClass::Ddl));
        assert!(logs("ddl", LogClass::Ddl) && !logs("ddl", LogClass::Mod));
    }
}
