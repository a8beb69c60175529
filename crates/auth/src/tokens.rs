//! The tokenizer PostgreSQL uses for pg_hba.conf and pg_ident.conf.
//!
//! A line is a list of fields separated by blanks; a field is a list of
//! tokens separated by commas (`alice,bob`); double quotes protect blanks,
//! commas and keywords (`"all"` is a name, not the keyword) and `""` inside
//! quotes is a literal quote; `#` outside quotes starts a comment. An
//! unquoted `@file` token is replaced by the tokens of that file (relative to
//! the including file's directory), recursively.

use std::path::{Path, PathBuf};

/// Longest token PostgreSQL accepts (MAX_TOKEN).
const MAX_TOKEN: usize = 256;
/// Nesting limit for `@file` inclusions (a cycle would otherwise never end).
const MAX_INCLUDE_DEPTH: usize = 10;

/// One token as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Text without the quotes.
    pub text: String,
    /// Whether any part was quoted (quoted tokens are never keywords).
    pub quoted: bool,
}

impl Token {
    /// Whether this is the unquoted keyword `k`.
    pub fn is_keyword(&self, k: &str) -> bool {
        !self.quoted && self.text == k
    }
}

/// A non-empty line split into fields.
#[derive(Clone, Debug)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// The raw text of the line.
    pub raw: String,
    /// Fields, each a non-empty list of tokens.
    pub fields: Vec<Vec<Token>>,
    /// A tokenizing error (e.g. an unreadable `@file`).
    pub error: Option<String>,
}

/// Splits a file's text into lines of fields; `dir` resolves `@file` names.
pub fn tokenize(text: &str, dir: Option<&Path>) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let mut error = None;
        let fields = split_fields(raw, dir, 0, &mut error);
        if fields.is_empty() && error.is_none() {
            continue;
        }
        out.push(Line {
            number: i + 1,
            raw: raw.to_string(),
            fields,
            error,
        });
    }
    out
}

fn split_fields(
    raw: &str,
    dir: Option<&Path>,
    depth: usize,
    error: &mut Option<String>,
) -> Vec<Vec<Token>> {
    let mut rest = raw;
    let mut fields = Vec::new();
    while error.is_none() {
        let mut field = Vec::new();
        loop {
            let Some((tok, comma, after)) = next_token(rest, error) else {
                rest = "";
                break;
            };
            rest = after;
            if !tok.quoted && tok.text.len() > 1 && tok.text.starts_with('@') {
                field.extend(include_file(&tok.text[1..], dir, depth, error));
            } else {
                field.push(tok);
            }
            if !comma || error.is_some() {
                break;
            }
        }
        if field.is_empty() {
            break;
        }
        fields.push(field);
    }
    fields
}

/// Reads one token; returns it, whether a comma followed, and the rest.
fn next_token<'a>(s: &'a str, error: &mut Option<String>) -> Option<(Token, bool, &'a str)> {
    let s = s.trim_start_matches([' ', '\t', ',', '\r']);
    let mut text = String::new();
    let mut quoted = false;
    let mut in_quote = false;
    let mut chars = s.char_indices().peekable();
    let mut end = s.len();
    let mut comma = false;
    while let Some((i, c)) = chars.next() {
        if !in_quote && (c == ' ' || c == '\t' || c == '\r') {
            end = i;
            break;
        }
        if !in_quote && c == '#' {
            end = s.len();
            break;
        }
        if !in_quote && c == ',' {
            comma = true;
            end = i + 1;
            break;
        }
        if c == '"' {
            if in_quote && chars.peek().map(|(_, n)| *n) == Some('"') {
                chars.next();
                text.push('"');
                continue;
            }
            in_quote = !in_quote;
            quoted = true;
            continue;
        }
        text.push(c);
    }
    if text.len() >= MAX_TOKEN {
        *error = Some(format!(
            "authentication file token too long, skipping: \"{text}\""
        ));
        return None;
    }
    if text.is_empty() && !quoted {
        return None;
    }
    // Only a comma touching the token continues the field (`alice, bob` is
    // one field, `alice ,bob` two), as in PostgreSQL.
    let rest = &s[end.min(s.len())..];
    Some((Token { text, quoted }, comma, rest))
}

fn include_file(
    name: &str,
    dir: Option<&Path>,
    depth: usize,
    error: &mut Option<String>,
) -> Vec<Token> {
    let path = match dir {
        Some(d) if !Path::new(name).is_absolute() => d.join(name),
        _ => PathBuf::from(name),
    };
    if depth >= MAX_INCLUDE_DEPTH {
        *error = Some(format!(
            "could not open secondary authentication file \"@{name}\" as \"{}\": too many levels of inclusion",
            path.display()
        ));
        return Vec::new();
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            *error = Some(format!(
                "could not open secondary authentication file \"@{name}\" as \"{}\": {}",
                path.display(),
                crate::io_message(&e)
            ));
            return Vec::new();
        }
    };
    let inner_dir = path.parent().map(Path::to_path_buf);
    let mut out = Vec::new();
    for raw in text.lines() {
        for field in split_fields(raw, inner_dir.as_deref(), depth + 1, error) {
            out.extend(field);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(l: &Line) -> Vec<Vec<(String, bool)>> {
        l.fields
            .iter()
            .map(|f| f.iter().map(|t| (t.text.clone(), t.quoted)).collect())
            .collect()
    }

    #[test]
    fn fields_commas_quotes_and_comments() {
        let lines = tokenize(
            "# comment\n\nhost  db1,\"all\",\"a \"\"b\"\"\" alice 10.0.0.0/8 scram-sha-256 # tail\n",
            None,
        );
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].number, 3);
        let f = texts(&lines[0]);
        assert_eq!(f[0], vec![("host".to_string(), false)]);
        assert_eq!(
            f[1],
            vec![
                ("db1".to_string(), false),
                ("all".to_string(), true),
                ("a \"b\"".to_string(), true)
            ]
        );
        assert_eq!(f.len(), 5);
    }

    #[test]
    fn at_file_includes_tokens_and_reports_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("admins"), "alice bob\n# c\ncarol,dave\n").unwrap();
        let lines = tokenize("local all @admins trust\n", Some(dir.path()));
        let users: Vec<String> = lines[0].fields[2].iter().map(|t| t.text.clone()).collect();
        assert_eq!(users, ["alice", "bob", "carol", "dave"]);
        let lines = tokenize("local all @missing trust\n", Some(dir.path()));
        let e = lines[0].error.as_deref().unwrap();
        assert!(
            e.starts_with("could not open secondary authentication file \"@missing\""),
            "{e}"
        );
        std::fs::write(dir.path().join("loop"), "@loop\n").unwrap();
        let lines = tokenize("local all @loop trust\n", Some(dir.path()));
        assert!(lines[0].error.is_some(), "self-inclusion must stop");
    }
}
