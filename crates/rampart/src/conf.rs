//! postgresql.conf: `name = value` lines, `#` comments, quoted strings (PostgreSQL's format).

use std::collections::BTreeMap;
use std::path::Path;

/// Parsed settings (names lower-cased).
pub fn read(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("could not read \"{}\": {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses the text of a postgresql.conf.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim().to_string();
        if line.is_empty() {
            continue;
        }
        let (k, v) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => match line.split_once(char::is_whitespace) {
                Some((k, v)) => (k.trim(), v.trim()),
                None => return Err(format!("line {}: syntax error near \"{line}\"", i + 1)),
            },
        };
        let v = if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
            v[1..v.len() - 1].replace("''", "'")
        } else {
            v.to_string()
        };
        out.insert(k.to_ascii_lowercase(), v);
    }
    Ok(out)
}

fn strip_comment(line: &str) -> &str {
    let mut in_quote = false;
    for (i, c) in line.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '#' if !in_quote => return &line[..i],
            _ => {}
        }
    }
    line
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_postgres_style_lines() {
        let m = super::parse("listen_addresses = 'localhost'   # where\nport=5433\n# c\nunix_socket_directories = '/tmp, /var/run'\n").unwrap();
        assert_eq!(m["listen_addresses"], "localhost");
        assert_eq!(m["port"], "5433");
        assert_eq!(m["unix_socket_directories"], "/tmp, /var/run");
        assert!(super::parse("bogus\n").is_err());
    }
}
