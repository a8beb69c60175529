//! pg_ident.conf user maps: `MAPNAME SYSTEM-USERNAME PG-USERNAME`.
//!
//! Used by `peer` (the OS user) and `cert` / `clientcert=verify-full` (the
//! certificate's CN). As PostgreSQL 15: a system user name starting with `/`
//! is a regular expression, and `\1` in the PostgreSQL user name is replaced
//! by its first capture group. Without a map the two names must be equal.

use std::path::Path;

use regex::Regex;

use crate::tokens::tokenize;

/// One mapping line.
#[derive(Clone, Debug)]
pub struct IdentLine {
    /// 1-based line number.
    pub line: usize,
    /// Map name.
    pub map: String,
    /// System user name as written (`/regex` for a regular expression).
    pub system_user: String,
    regex: Option<Regex>,
    /// PostgreSQL role name (may contain `\1`).
    pub pg_user: String,
}

/// A parsed pg_ident.conf.
#[derive(Clone, Debug, Default)]
pub struct IdentConfig {
    /// Lines in file order.
    pub lines: Vec<IdentLine>,
}

impl IdentConfig {
    /// Parses the file; any invalid line refuses the file (errors with line numbers).
    pub fn parse_with(text: &str, dir: Option<&Path>) -> Result<IdentConfig, Vec<(usize, String)>> {
        let mut lines = Vec::new();
        let mut errors = Vec::new();
        for l in tokenize(text, dir) {
            if let Some(e) = l.error {
                errors.push((l.number, e));
                continue;
            }
            if l.fields.len() < 3 {
                errors.push((
                    l.number,
                    format!(
                        "missing entry in file \"pg_ident.conf\" at end of line {}",
                        l.number
                    ),
                ));
                continue;
            }
            if l.fields.len() > 3 || l.fields.iter().any(|f| f.len() != 1) {
                errors.push((l.number, "multiple values in ident field".into()));
                continue;
            }
            let system_user = l.fields[1][0].text.clone();
            let regex = match system_user.strip_prefix('/') {
                Some(p) if !l.fields[1][0].quoted => match Regex::new(p) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        errors.push((l.number, format!("invalid regular expression \"{p}\": {e}")));
                        continue;
                    }
                },
                _ => None,
            };
            lines.push(IdentLine {
                line: l.number,
                map: l.fields[0][0].text.clone(),
                system_user,
                regex,
                pg_user: l.fields[2][0].text.clone(),
            });
        }
        if errors.is_empty() {
            Ok(IdentConfig { lines })
        } else {
            Err(errors)
        }
    }

    /// PostgreSQL's `check_usermap`: may `system_user` (the OS user or the
    /// certificate name) log in as `pg_user` under `map`? The error is the
    /// server-log explanation; clients only learn that authentication failed.
    pub fn check(
        &self,
        map: Option<&str>,
        pg_user: &str,
        system_user: &str,
        case_insensitive: bool,
    ) -> Result<(), String> {
        let same = |a: &str, b: &str| {
            if case_insensitive {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let Some(map) = map.filter(|m| !m.is_empty()) else {
            return if same(pg_user, system_user) {
                Ok(())
            } else {
                Err(format!(
                    "provided user name ({pg_user}) and authenticated user name ({system_user}) do not match"
                ))
            };
        };
        for line in self.lines.iter().filter(|l| l.map == map) {
            let allowed = match &line.regex {
                Some(re) => {
                    let Some(caps) = re.captures(system_user) else {
                        continue;
                    };
                    if line.pg_user.contains("\\1") {
                        let Some(first) = caps.get(1) else {
                            return Err(format!(
                                "regular expression \"{}\" has no subexpressions as requested by backreference in \"{}\"",
                                &line.system_user[1..],
                                line.pg_user
                            ));
                        };
                        line.pg_user.replacen("\\1", first.as_str(), 1)
                    } else {
                        line.pg_user.clone()
                    }
                }
                None if same(&line.system_user, system_user) => line.pg_user.clone(),
                None => continue,
            };
            if same(&allowed, pg_user) {
                return Ok(());
            }
        }
        Err(format!(
            "no match in usermap \"{map}\" for user \"{pg_user}\" authenticated as \"{system_user}\""
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPS: &str = "
# MAPNAME  SYSTEM-USERNAME    PG-USERNAME
ops        deploy             app_owner
ops        /^(.*)@corp\\.com$  \\1
certs      \"CN with space\"  alice
";

    #[test]
    fn exact_regex_and_backreference_mappings() {
        let m = IdentConfig::parse_with(MAPS, None).unwrap();
        assert!(m.check(Some("ops"), "app_owner", "deploy", false).is_ok());
        assert!(m.check(Some("ops"), "bob", "bob@corp.com", false).is_ok());
        let e = m
            .check(Some("ops"), "root", "bob@corp.com", false)
            .unwrap_err();
        assert_eq!(
            e,
            "no match in usermap \"ops\" for user \"root\" authenticated as \"bob@corp.com\""
        );
        assert!(m.check(Some("ops"), "bob", "bob@evil.com", false).is_err());
        assert!(m
            .check(Some("certs"), "alice", "CN with space", false)
            .is_ok());
        assert!(
            m.check(Some("nomap"), "deploy", "deploy", false).is_err(),
            "an unknown map maps nothing"
        );
    }

    #[test]
    fn without_map_names_must_be_equal() {
        let m = IdentConfig::default();
        assert!(m.check(None, "alice", "alice", false).is_ok());
        assert_eq!(
            m.check(None, "alice", "mallory", false).unwrap_err(),
            "provided user name (alice) and authenticated user name (mallory) do not match"
        );
    }

    #[test]
    fn bad_lines_refuse_the_file() {
        let e = IdentConfig::parse_with("ops deploy\nok a b\nx /( y\n", None).unwrap_err();
        assert_eq!(e[0].0, 1);
        assert!(e[0].1.starts_with("missing entry"), "{:?}", e);
        assert_eq!(e[1].0, 3);
        assert!(e[1].1.starts_with("invalid regular expression"), "{:?}", e);
        let e = IdentConfig::parse_with("ops a,b c\n", None).unwrap_err();
        assert_eq!(e[0].1, "multiple values in ident field");
    }
}
