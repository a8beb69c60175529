//! The shape of a simple-protocol query: its text with the numeric and
//! string literals taken out, and those literals with where they stand.
//!
//! Two queries with the same shape parse to the same statement but for the
//! values of those literals, which lets a session reuse the statement it
//! parsed and bound for the first (`session/literal_cache.rs`). The scan is
//! deliberately narrow: anything it does not fully understand — comments,
//! dollar quotes, `$n`, prefixed strings (`E'…'`, `B'…'`, `U&'…'`), numbers
//! run into identifiers, several statements, literals spanning lines —
//! yields no shape, and the query takes the ordinary path.

/// A query's text with its literals replaced by markers, and the literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The text with every literal replaced by a one-character marker of
    /// its kind (and a trailing `;` dropped).
    pub key: String,
    /// The literals, in the order they appear.
    pub literals: Vec<Literal>,
}

/// One literal of a [`Shape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// The value as written: a number's digits, a string's content with
    /// `''` turned into `'`.
    pub text: String,
    /// Number or string.
    pub kind: LiteralKind,
    /// 1-based line and character column where the literal starts (as
    /// sqlparser's spans count them).
    pub line: u64,
    /// See `line`.
    pub column: u64,
}

/// What kind of literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralKind {
    /// An unsigned numeric constant (`42`, `1.5`, `.5`, `1e10`).
    Number,
    /// A standard single-quoted string (`'abc'`).
    String,
}

/// Marks an integer (digits only).
const NUMBER_MARK: char = '\u{1}';
/// Marks a string.
const STRING_MARK: char = '\u{2}';
/// Marks a number with a point or an exponent: it parses and types
/// differently from an integer, so the two are different shapes.
const DECIMAL_MARK: char = '\u{3}';

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Longest query text given a shape: the queries worth reusing are short,
/// and a session remembers the shapes it has seen.
pub const MAX_QUERY_BYTES: usize = 8192;

/// The shape of `sql`, or None when the scan cannot vouch for it (or the
/// text is longer than [`MAX_QUERY_BYTES`]).
pub fn shape(sql: &str) -> Option<Shape> {
    if sql.len() > MAX_QUERY_BYTES {
        return None;
    }
    let chars: Vec<char> = sql.chars().collect();
    let mut key = String::with_capacity(sql.len());
    let mut literals = Vec::new();
    let (mut i, mut line, mut column) = (0usize, 1u64, 1u64);
    let mut prev: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let after_ident = prev.is_some_and(is_ident_char);
        if c == '\'' {
            if after_ident || prev == Some('&') {
                return None;
            }
            let (start_line, start_column) = (line, column);
            let mut text = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    // A backslash is literal in a standard string, but
                    // leave the question to the ordinary path.
                    None | Some('\n' | '\r' | '\\') => return None,
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        text.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(&ch) => {
                        text.push(ch);
                        j += 1;
                    }
                }
            }
            column += (j + 1 - i) as u64;
            i = j + 1;
            key.push(STRING_MARK);
            literals.push(Literal {
                text,
                kind: LiteralKind::String,
                line: start_line,
                column: start_column,
            });
            prev = Some('\'');
            continue;
        }
        let starts_number =
            c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit()));
        if starts_number && !after_ident && prev != Some('.') {
            let start = i;
            let mut j = i;
            while chars.get(j).is_some_and(char::is_ascii_digit) {
                j += 1;
            }
            if chars.get(j) == Some(&'.') && chars.get(j + 1) != Some(&'.') {
                j += 1;
                while chars.get(j).is_some_and(char::is_ascii_digit) {
                    j += 1;
                }
            }
            if matches!(chars.get(j), Some('e' | 'E')) {
                let mut k = j + 1;
                if matches!(chars.get(k), Some('+' | '-')) {
                    k += 1;
                }
                if !chars.get(k).is_some_and(char::is_ascii_digit) {
                    return None;
                }
                while chars.get(k).is_some_and(char::is_ascii_digit) {
                    k += 1;
                }
                j = k;
            }
            if chars.get(j).is_some_and(|&n| is_ident_char(n) || n == '.') {
                return None;
            }
            let text: String = chars[start..j].iter().collect();
            let mark = if text.bytes().all(|b| b.is_ascii_digit()) {
                NUMBER_MARK
            } else {
                DECIMAL_MARK
            };
            key.push(mark);
            literals.push(Literal {
                text,
                kind: LiteralKind::Number,
                line,
                column,
            });
            column += (j - start) as u64;
            i = j;
            prev = Some('0');
            continue;
        }
        match c {
            '$' => return None,
            '-' if next == Some('-') => return None,
            '/' if next == Some('*') => return None,
            c if [NUMBER_MARK, STRING_MARK, DECIMAL_MARK].contains(&c) => return None,
            '"' => {
                // A quoted identifier, copied through.
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None | Some('\n') | Some('\r') => return None,
                        Some('"') if chars.get(j + 1) == Some(&'"') => j += 2,
                        Some('"') => break,
                        Some(_) => j += 1,
                    }
                }
                key.extend(&chars[i..=j]);
                column += (j + 1 - i) as u64;
                i = j + 1;
                prev = Some('"');
                continue;
            }
            ';' => {
                if chars[i + 1..].iter().all(|ch| ch.is_whitespace()) {
                    break;
                }
                return None;
            }
            _ => {}
        }
        key.push(c);
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
        prev = Some(c);
        i += 1;
    }
    Some(Shape { key, literals })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &Shape) -> Vec<(&str, LiteralKind, u64, u64)> {
        s.literals
            .iter()
            .map(|l| (l.text.as_str(), l.kind, l.line, l.column))
            .collect()
    }

    #[test]
    fn numbers_and_strings_leave_the_key() {
        let a = shape("SELECT abalance FROM pgbench_accounts WHERE aid = 4142;").unwrap();
        let b = shape("SELECT abalance FROM pgbench_accounts WHERE aid = 7").unwrap();
        assert_eq!(a.key, b.key);
        assert_eq!(texts(&a), vec![("4142", LiteralKind::Number, 1, 51)]);
        let s = shape("select set_config('app.t', 'it''s', true), .5, 1.5e-3").unwrap();
        assert_eq!(
            texts(&s),
            vec![
                ("app.t", LiteralKind::String, 1, 19),
                ("it's", LiteralKind::String, 1, 28),
                (".5", LiteralKind::Number, 1, 44),
                ("1.5e-3", LiteralKind::Number, 1, 48),
            ]
        );
        assert_ne!(
            shape("select 1").unwrap().key,
            shape("select '1'").unwrap().key
        );
        assert_ne!(
            shape("select 1").unwrap().key,
            shape("select 1.0").unwrap().key
        );
    }

    proptest::proptest! {
        /// Any text: no panic, and two texts of one shape differ only in
        /// their literals (re-inserting the literals gives the text back,
        /// up to a trailing `;` and `''` escapes).
        #[test]
        fn any_text_scans_without_panicking(sql in "[ -~\\n\\u{e9}]{0,60}") {
            if let Some(s) = shape(&sql) {
                let mut rebuilt = String::new();
                let mut lits = s.literals.iter();
                for c in s.key.chars() {
                    match c {
                        NUMBER_MARK | DECIMAL_MARK => rebuilt.push_str(&lits.next().unwrap().text),
                        STRING_MARK => {
                            rebuilt.push('\'');
                            rebuilt.push_str(&lits.next().unwrap().text.replace('\'', "''"));
                            rebuilt.push('\'');
                        }
                        c => rebuilt.push(c),
                    }
                }
                proptest::prop_assert!(lits.next().is_none());
                let trimmed = sql.trim_end();
                let original = trimmed.strip_suffix(';').unwrap_or(trimmed);
                proptest::prop_assert_eq!(rebuilt.trim_end(), original.trim_end());
            }
        }
    }

    #[test]
    fn identifiers_keep_their_digits() {
        let s = shape("select t1.c2, \"x'3\" from t1 where c2 = 3").unwrap();
        assert_eq!(texts(&s), vec![("3", LiteralKind::Number, 1, 40)]);
        assert!(s.key.contains("t1.c2, \"x'3\""));
    }

    #[test]
    fn lines_are_counted() {
        let s = shape("select 1,\n  'a'").unwrap();
        assert_eq!(
            texts(&s),
            vec![
                ("1", LiteralKind::Number, 1, 8),
                ("a", LiteralKind::String, 2, 3)
            ]
        );
    }

    #[test]
    fn what_the_scan_cannot_vouch_for_has_no_shape() {
        for sql in [
            "select 1; select 2",
            "select $1",
            "select $$a$$",
            "select E'a\\n'",
            "select U&'a'",
            "select x'1f'",
            "select 1 -- c",
            "select /* c */ 1",
            "select 1abc",
            "select 'a\nb'",
            "select 'unterminated",
            "select \"unterminated",
            "select 1..2",
            "select 'a\\'",
        ] {
            assert_eq!(shape(sql), None, "{sql}");
        }
        let long = format!("select {}1", "1 + ".repeat(MAX_QUERY_BYTES / 4));
        assert_eq!(shape(&long), None);
        assert!(shape(&long[..MAX_QUERY_BYTES - 1]).is_some());
    }
}
