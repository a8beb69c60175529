//! COPY … FROM STDIN and COPY … TO STDOUT in PostgreSQL's text and CSV formats.

use sqlparser::ast::{self, CopyOption, CopySource, CopyTarget};

use rampart_catalog::{Catalog, RelationKind};
use rampart_security::Privilege;
use rampart_types::{DataType, PgError, PgResult, SqlState, Style, Value};

use crate::bind::{ident, Binder};
use crate::expr::Expr;
use crate::plan::{DataStatement, InsertPlan, Plan};

/// Text or CSV options.
#[derive(Clone, Debug)]
pub struct CopyFormat {
    /// CSV (else text).
    pub csv: bool,
    /// Field delimiter.
    pub delimiter: char,
    /// NULL marker.
    pub null: String,
    /// CSV HEADER.
    pub header: bool,
    /// CSV quote character.
    pub quote: char,
}

impl CopyFormat {
    fn from_options(
        options: &[CopyOption],
        legacy: &[ast::CopyLegacyOption],
    ) -> PgResult<CopyFormat> {
        let mut csv = false;
        let mut delimiter = None;
        let mut null = None;
        let mut header = false;
        let mut quote = '"';
        for o in options {
            match o {
                CopyOption::Format(f) => match f.value.to_ascii_lowercase().as_str() {
                    "csv" => csv = true,
                    "text" => csv = false,
                    "binary" => {
                        return Err(PgError::unsupported("COPY BINARY is not supported yet"))
                    }
                    other => {
                        return Err(PgError::new(
                            SqlState::INVALID_PARAMETER_VALUE,
                            format!("COPY format \"{other}\" not recognized"),
                        ))
                    }
                },
                CopyOption::Delimiter(c) => delimiter = Some(*c),
                CopyOption::Null(n) => null = Some(n.clone()),
                CopyOption::Header(h) => header = *h,
                CopyOption::Quote(q) => quote = *q,
                // A hint to skip MVCC bookkeeping; rows are simply committed with the
                // transaction here (partial: PostgreSQL's "created or truncated in this
                // subtransaction" precondition is not checked).
                CopyOption::Freeze(_) => {}
                other => {
                    return Err(PgError::unsupported(format!(
                        "COPY option {other} is not supported yet"
                    )))
                }
            }
        }
        for l in legacy {
            match l {
                ast::CopyLegacyOption::Csv(_) => csv = true,
                ast::CopyLegacyOption::Delimiter(c) => delimiter = Some(*c),
                ast::CopyLegacyOption::Null(n) => null = Some(n.clone()),
                other => {
                    return Err(PgError::unsupported(format!(
                        "COPY option {other} is not supported yet"
                    )))
                }
            }
        }
        Ok(CopyFormat {
            csv,
            delimiter: delimiter.unwrap_or(if csv { ',' } else { '\t' }),
            null: null.unwrap_or_else(|| if csv { String::new() } else { "\\N".into() }),
            header,
            quote,
        })
    }

    /// Splits one line into fields (None = NULL).
    fn split(&self, line: &str) -> Vec<Option<String>> {
        if self.csv {
            return self.split_csv(line);
        }
        line.split(self.delimiter)
            .map(|f| {
                if f == self.null {
                    None
                } else {
                    Some(unescape_text(f))
                }
            })
            .collect()
    }

    fn split_csv(&self, line: &str) -> Vec<Option<String>> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if quoted {
                if c == self.quote {
                    if chars.peek() == Some(&self.quote) {
                        cur.push(self.quote);
                        chars.next();
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.push(c);
                }
            } else if c == self.quote {
                quoted = true;
                was_quoted = true;
            } else if c == self.delimiter {
                out.push(if !was_quoted && cur == self.null {
                    None
                } else {
                    Some(std::mem::take(&mut cur))
                });
                cur.clear();
                was_quoted = false;
            } else {
                cur.push(c);
            }
        }
        out.push(if !was_quoted && cur == self.null {
            None
        } else {
            Some(cur)
        });
        out
    }

    /// Formats one row as a line (with trailing newline).
    pub fn format_row(&self, row: &[Value], style: &Style) -> String {
        let mut line = String::new();
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                line.push(self.delimiter);
            }
            match v.to_pg_text_styled(style) {
                None => line.push_str(&self.null),
                Some(t) if self.csv => {
                    let needs_quote = t.is_empty()
                        || t.contains(self.delimiter)
                        || t.contains(self.quote)
                        || t.contains('\n')
                        || t.contains('\r')
                        || t == self.null;
                    if needs_quote {
                        line.push(self.quote);
                        line.push_str(&t.replace(self.quote, &format!("{0}{0}", self.quote)));
                        line.push(self.quote);
                    } else {
                        line.push_str(&t);
                    }
                }
                Some(t) => line.push_str(&escape_text(&t, self.delimiter)),
            }
        }
        line.push('\n');
        line
    }
}

fn escape_text(s: &str, delim: char) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' if delim == '\t' => out.push_str("\\t"),
            c if c == delim => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn unescape_text(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('v') => out.push('\u{b}'),
            Some(d @ '0'..='7') => {
                let mut v = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(n) => {
                            v = v * 8 + n;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// What a COPY statement asks for, after binding and authorization.
pub enum CopyPlan {
    /// COPY table FROM STDIN: rows go to this table's columns.
    In {
        /// Target table.
        table: u32,
        /// Column positions receiving fields.
        targets: Vec<usize>,
        /// Column types of the targets.
        types: Vec<DataType>,
        /// Domain constraints of the targets (None: not a domain column).
        domains: Vec<Option<std::sync::Arc<crate::expr::DomainCheck>>>,
        /// Defaults of all columns.
        defaults: Vec<Option<Expr>>,
        /// CHECK constraints.
        checks: Vec<(String, Expr)>,
        /// Format.
        format: CopyFormat,
    },
    /// COPY … TO STDOUT: the rows of this plan.
    Out {
        /// The query.
        plan: Plan,
        /// Format.
        format: CopyFormat,
    },
}

/// The privileges COPY of a table needs (SELECT for TO, INSERT for FROM,
/// on the columns copied), which PostgreSQL checks before anything about
/// row-level security; empty for COPY (query) TO.
pub fn table_privilege_needs(
    binder: &mut Binder,
    stmt: &ast::Statement,
) -> PgResult<Vec<rampart_security::Need>> {
    let ast::Statement::Copy {
        source: CopySource::Table {
            table_name,
            columns,
        },
        to,
        ..
    } = stmt
    else {
        return Ok(vec![]);
    };
    let rel = binder.resolve_relation(table_name)?;
    let privilege = if *to {
        Privilege::Select
    } else {
        Privilege::Insert
    };
    let names: Vec<String> = if columns.is_empty() {
        rel.columns.iter().map(|c| c.name.clone()).collect()
    } else {
        columns.iter().map(ident).collect()
    };
    for n in names {
        // Unknown columns are reported by the COPY itself.
        if rel.column_index(&n).is_some() {
            binder.need_column(rel.oid, privilege, &n);
        }
    }
    Ok(binder.merged_needs())
}

/// Binds a COPY statement and lists its needs.
pub fn bind(binder: &mut Binder, stmt: &ast::Statement) -> PgResult<CopyPlan> {
    let ast::Statement::Copy {
        source,
        to,
        target,
        options,
        legacy_options,
        values,
    } = stmt
    else {
        return Err(PgError::internal("not a COPY statement"));
    };
    // Blank lines after `FROM stdin;` (pg_restore sends "…;\n\n") are
    // not data.
    let blank = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim().is_empty());
    if !values.iter().all(blank) {
        return Err(PgError::unsupported(
            "inline COPY data is not supported; send it with the COPY protocol",
        ));
    }
    let format = CopyFormat::from_options(options, legacy_options)?;
    match (to, target, source) {
        (
            false,
            CopyTarget::Stdin,
            CopySource::Table {
                table_name,
                columns,
            },
        ) => {
            let rel = binder.resolve_relation(table_name)?;
            if !matches!(rel.kind, RelationKind::Table) {
                return Err(PgError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    format!("cannot copy to view \"{}\"", rel.name),
                ));
            }
            if binder.rls_applies(rel) {
                // With row_security off this is PostgreSQL's "query would be
                // affected by row-level security policy" error.
                binder.rls_using(rel, rampart_security::rls::RlsCmd::Insert)?;
                return Err(PgError::new(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "COPY FROM not supported with row-level security",
                )
                .with_hint("Use INSERT statements instead."));
            }
            let targets: Vec<usize> = if columns.is_empty() {
                (0..rel.columns.len()).collect()
            } else {
                columns
                    .iter()
                    .map(|c| {
                        let n = ident(c);
                        rel.column_index(&n).ok_or_else(|| {
                            PgError::new(
                                SqlState::UNDEFINED_COLUMN,
                                format!(
                                    "column \"{n}\" of relation \"{}\" does not exist",
                                    rel.name
                                ),
                            )
                        })
                    })
                    .collect::<PgResult<_>>()?
            };
            for t in &targets {
                binder.need_column(rel.oid, Privilege::Insert, &rel.columns[*t].name);
            }
            let defaults = binder.bind_defaults(rel)?;
            let checks = bind_checks(binder, rel)?;
            let mut domains = Vec::with_capacity(targets.len());
            for t in &targets {
                domains.push(match rel.columns[*t].domain {
                    Some(d) => Some(crate::domain::check_of(binder, d)?),
                    None => None,
                });
            }
            Ok(CopyPlan::In {
                table: rel.oid,
                types: targets.iter().map(|t| rel.columns[*t].ty.clone()).collect(),
                domains,
                targets,
                defaults,
                checks,
                format,
            })
        }
        (
            true,
            CopyTarget::Stdout,
            CopySource::Table {
                table_name,
                columns,
            },
        ) => {
            let cols = if columns.is_empty() {
                "*".to_string()
            } else {
                columns
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut q =
                crate::parser::parse_one_query(&format!("SELECT {cols} FROM {table_name}"))?;
            crate::parser::mark_all_only(&mut q);
            let (plan, _) = binder.bind_query(&q)?;
            Ok(CopyPlan::Out { plan, format })
        }
        (true, CopyTarget::Stdout, CopySource::Query(q)) => {
            let (plan, _) = binder.bind_query(q)?;
            Ok(CopyPlan::Out { plan, format })
        }
        (false, CopyTarget::File { .. } | CopyTarget::Program { .. }, _)
        | (true, CopyTarget::File { .. } | CopyTarget::Program { .. }, _) => Err(PgError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            "COPY to or from a file or program is not allowed in Rampart",
        )
        .with_hint(
            "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.",
        )),
        _ => Err(PgError::syntax("COPY query must be a SELECT for COPY TO")),
    }
}

fn bind_checks(
    binder: &mut Binder,
    rel: &rampart_catalog::Relation,
) -> PgResult<Vec<(String, Expr)>> {
    let scope = crate::bind::Scope::for_relation(rel, &rel.name);
    let saved = binder.needs.len();
    let mut out = Vec::new();
    for check in &rel.checks {
        let (name, text) = (&check.name, &check.expr);
        let e = crate::parser::parse_expr(text)?;
        let mut cx = crate::bind::expr::ExprCtx::new(&scope, "check constraints");
        out.push((name.clone(), binder.bind_bool(&e, &mut cx, "CHECK")?));
    }
    binder.needs.truncate(saved);
    Ok(out)
}

/// Parses COPY text/CSV data into an INSERT plan for the target columns.
pub fn rows_to_insert(
    data: &[u8],
    plan: &CopyPlan,
    catalog: &Catalog,
    style: &Style,
) -> PgResult<InsertPlan> {
    let CopyPlan::In {
        table,
        targets,
        types,
        domains,
        defaults,
        checks,
        format,
    } = plan
    else {
        return Err(PgError::internal("not a COPY FROM"));
    };
    let rel = catalog
        .relation_by_oid(*table)
        .ok_or_else(|| PgError::internal("copy target vanished"))?;
    let text = std::str::from_utf8(data).map_err(|_| {
        PgError::new(
            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            "invalid byte sequence for encoding \"UTF8\"",
        )
    })?;
    let mut rows = Vec::new();
    let mut lines = text.split('\n').enumerate().peekable();
    if format.header {
        lines.next();
    }
    for (lineno, raw) in lines {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line == "\\." || (line.is_empty() && lineno + 1 >= text.split('\n').count()) {
            break;
        }
        let line_context = || format!("COPY {}, line {}: \"{}\"", rel.name, lineno + 1, line);
        let fields = format.split(line);
        if fields.len() < targets.len() {
            let missing = &rel.columns[targets[fields.len()]].name;
            return Err(PgError::new(
                SqlState("22P04"),
                format!("missing data for column \"{missing}\""),
            )
            .with_context(line_context()));
        }
        if fields.len() > targets.len() {
            return Err(
                PgError::new(SqlState("22P04"), "extra data after last expected column")
                    .with_context(line_context()),
            );
        }
        let mut row = Vec::with_capacity(fields.len());
        for (((f, ty), t), domain) in fields.into_iter().zip(types).zip(targets).zip(domains) {
            // A domain's error names the line and field, as PostgreSQL's
            // domain_in under COPY.
            let domain = domain.as_ref().map(|d| {
                let shown = match &f {
                    Some(s) => format!("\"{s}\""),
                    None => "null input".to_string(),
                };
                std::sync::Arc::new(crate::expr::DomainCheck {
                    context: Some(format!(
                        "COPY {}, line {}, column {}: {shown}",
                        rel.name,
                        lineno + 1,
                        rel.columns[*t].name
                    )),
                    ..(**d).clone()
                })
            });
            let v = match f {
                None => Value::Null,
                Some(s) => Value::from_pg_text_styled(ty, &s, style).map_err(|e| {
                    e.with_context(format!(
                        "COPY {}, line {}, column {}: \"{}\"",
                        rel.name,
                        lineno + 1,
                        rel.columns[*t].name,
                        s
                    ))
                })?,
            };
            row.push(match domain {
                Some(d) => Expr::Domain(Box::new(Expr::Literal(v)), d),
                None => Expr::Literal(v),
            });
        }
        rows.push(row);
    }
    Ok(InsertPlan {
        view_checks: vec![],
        table: *table,
        source: Plan::Values {
            width: targets.len(),
            rows,
        },
        targets: targets.clone(),
        defaults: defaults.clone(),
        checks: checks.clone(),
        on_conflict: None,
        returning: None,
        check: None,
        update_check: None,
        conflict_check: None,
        select_check: None,
        with: Vec::new(),
    })
}

/// Wraps an insert plan so it can go through the normal executor path.
pub fn as_data_statement(p: InsertPlan) -> DataStatement {
    DataStatement::Insert(Box::new(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> CopyFormat {
        CopyFormat {
            csv: false,
            delimiter: '\t',
            null: "\\N".into(),
            header: false,
            quote: '"',
        }
    }

    #[test]
    fn text_format_roundtrip() {
        let f = text();
        let row = vec![
            Value::Int4(1),
            Value::Text("a\tb\\c\nd".into()),
            Value::Null,
        ];
        let line = f.format_row(&row, &Style::default());
        assert_eq!(line, "1\ta\\tb\\\\c\\nd\t\\N\n");
        let fields = f.split(line.trim_end_matches('\n'));
        assert_eq!(
            fields,
            vec![Some("1".into()), Some("a\tb\\c\nd".into()), None]
        );
    }

    #[test]
    fn csv_quotes_and_nulls() {
        let f = CopyFormat {
            csv: true,
            delimiter: ',',
            null: String::new(),
            header: false,
            quote: '"',
        };
        assert_eq!(
            f.split("1,\"a,b\",,\"\",\"x\"\"y\""),
            vec![
                Some("1".into()),
                Some("a,b".into()),
                None,
                Some("".into()),
                Some("x\"y".into())
            ]
        );
        let line = f.format_row(
            &[
                Value::Text("a,b".into()),
                Value::Null,
                Value::Text(String::new()),
            ],
            &Style::default(),
        );
        assert_eq!(line, "\"a,b\",,\"\"\n");
    }
}
