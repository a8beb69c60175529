//! Built-in set-returning functions with more than `generate_series` and
//! `unnest` behind them: `pg_options_to_table`, `regexp_matches` and
//! `regexp_split_to_table` (in FROM and in the select list).

use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use crate::exec::Row;

/// Which built-in set-returning function a [`crate::plan::Plan::BuiltinSrf`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinSrf {
    /// `pg_options_to_table(text[])`: (option_name, option_value) per `k=v`.
    OptionsToTable,
    /// `regexp_matches(string, pattern [, flags])`: the captures of each
    /// match (all matches with flag `g`) as a text[].
    RegexpMatches,
    /// `regexp_split_to_table(string, pattern [, flags])`: the pieces
    /// between matches.
    RegexpSplitToTable,
}

impl BuiltinSrf {
    /// The function of this name (in pg_catalog) and argument count.
    pub fn by_name(name: &str, args: usize) -> Option<BuiltinSrf> {
        Some(match (name, args) {
            ("pg_options_to_table", 1) => BuiltinSrf::OptionsToTable,
            ("regexp_matches", 2 | 3) => BuiltinSrf::RegexpMatches,
            ("regexp_split_to_table", 2 | 3) => BuiltinSrf::RegexpSplitToTable,
            _ => return None,
        })
    }

    /// The SQL name.
    pub fn name(self) -> &'static str {
        match self {
            BuiltinSrf::OptionsToTable => "pg_options_to_table",
            BuiltinSrf::RegexpMatches => "regexp_matches",
            BuiltinSrf::RegexpSplitToTable => "regexp_split_to_table",
        }
    }

    /// Argument types (the arguments are coerced to them).
    pub fn arg_types(self, args: usize) -> Vec<DataType> {
        match self {
            BuiltinSrf::OptionsToTable => vec![DataType::Array(Box::new(DataType::Text))],
            _ => vec![DataType::Text; args],
        }
    }

    /// Result columns: named for a function returning several, else
    /// one column named after the function.
    pub fn columns(self) -> Vec<(&'static str, DataType)> {
        match self {
            BuiltinSrf::OptionsToTable => vec![
                ("option_name", DataType::Text),
                ("option_value", DataType::Text),
            ],
            BuiltinSrf::RegexpMatches => {
                vec![("regexp_matches", DataType::Array(Box::new(DataType::Text)))]
            }
            BuiltinSrf::RegexpSplitToTable => vec![("regexp_split_to_table", DataType::Text)],
        }
    }

    /// The rows for these argument values (strict: a NULL argument gives none).
    pub fn run(self, args: &[Value]) -> PgResult<Vec<Row>> {
        if args.iter().any(Value::is_null) {
            return Ok(vec![]);
        }
        let text = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or("");
        match self {
            BuiltinSrf::OptionsToTable => {
                let Value::Array(items) = &args[0] else {
                    return Ok(vec![]);
                };
                Ok(items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|o| match o.split_once('=') {
                        Some((k, v)) => vec![Value::Text(k.into()), Value::Text(v.into())],
                        None => vec![Value::Text(o.into()), Value::Null],
                    })
                    .collect())
            }
            BuiltinSrf::RegexpMatches => {
                let (re, global) = regex_with_flags(text(1), text(2), "regexp_matches")?;
                Ok(regexp_matches(&re, text(0), global)
                    .into_iter()
                    .map(|m| vec![Value::Array(m)])
                    .collect())
            }
            BuiltinSrf::RegexpSplitToTable => {
                let (re, _) = regex_with_flags(text(1), text(2), "regexp_split_to_table")?;
                Ok(regexp_split(&re, text(0))
                    .into_iter()
                    .map(|p| vec![Value::Text(p)])
                    .collect())
            }
        }
    }
}

/// Compiles `pattern` under PostgreSQL's regexp flags: `i` (case
/// insensitive), `c` (sensitive), `g` (every match; returned as the second
/// value). `g` is refused where the function does not take it.
pub fn regex_with_flags(
    pattern: &str,
    flags: &str,
    function: &str,
) -> PgResult<(regex::Regex, bool)> {
    let mut insensitive = false;
    let mut global = false;
    for f in flags.chars() {
        match f {
            'i' => insensitive = true,
            'c' => insensitive = false,
            'g' if function == "regexp_matches" => global = true,
            'g' => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("{function}() does not support the \"global\" option"),
                ))
            }
            other => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid regular expression option: \"{other}\""),
                ))
            }
        }
    }
    let pattern = if insensitive {
        format!("(?i){pattern}")
    } else {
        pattern.to_string()
    };
    Ok((crate::functions::compiled_regex(&pattern)?, global))
}

/// The captures of each match (the whole match when the pattern has no
/// groups; unmatched groups are NULL); only the first match unless `global`.
fn regexp_matches(re: &regex::Regex, s: &str, global: bool) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for caps in re.captures_iter(s) {
        let values = if caps.len() == 1 {
            vec![Value::Text(caps[0].to_string())]
        } else {
            (1..caps.len())
                .map(|i| {
                    caps.get(i)
                        .map_or(Value::Null, |m| Value::Text(m.as_str().to_string()))
                })
                .collect()
        };
        out.push(values);
        if !global {
            break;
        }
    }
    out
}

/// `s` split at the matches of `re` as PostgreSQL splits: a zero-length
/// match at the start or end of the string or right after another match
/// does not split.
pub fn regexp_split(re: &regex::Regex, s: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece_start = 0;
    let mut prev_end = 0;
    for m in re.find_iter(s) {
        if m.start() < s.len() && m.end() > prev_end {
            pieces.push(s[piece_start..m.start()].to_string());
            piece_start = m.end();
        }
        prev_end = m.end();
    }
    pieces.push(s[piece_start..].to_string());
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(p: &str, s: &str) -> Vec<String> {
        regexp_split(&regex::Regex::new(p).unwrap(), s)
    }

    #[test]
    fn splits_like_postgresql() {
        assert_eq!(split(" +", "the quick  fox"), ["the", "quick", "fox"]);
        // Zero-length matches split between characters, not at the ends.
        assert_eq!(split("", "abc"), ["a", "b", "c"]);
        assert_eq!(split("x*", "axb"), ["a", "b"]);
        assert_eq!(split(",", ",a,"), ["", "a", ""]);
        assert_eq!(split(",", ""), [""]);
    }
}
