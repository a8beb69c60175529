//! How routines are shown: `pg_get_function_result`,
//! `pg_get_function_arguments`, `pg_function_is_visible`, and the
//! `regprocedure` input form (`f(integer)`) has_function_privilege takes.

use rampart_catalog::{ArgMode, Catalog, FuncReturn, Function};
use rampart_types::{PgError, PgResult, SqlState};

/// `integer`, `SETOF text`, `TABLE(a integer, b text)`, `void`.
pub fn result(f: &Function) -> Option<String> {
    if f.kind == 'p' {
        return None;
    }
    Some(match &f.returns {
        FuncReturn::Scalar(t) => t.display_name(),
        FuncReturn::SetOf(t) => format!("SETOF {}", t.display_name()),
        FuncReturn::Table(cols) => {
            let cols: Vec<String> = cols
                .iter()
                .map(|(n, t)| format!("{} {}", crate::functions::quote_ident(n), t.display_name()))
                .collect();
            format!("TABLE({})", cols.join(", "))
        }
    })
}

/// `a integer, OUT b text, c text DEFAULT 'x'::text` (with defaults) or the
/// identity form (input arguments only, no defaults).
pub fn arguments(f: &Function, with_defaults: bool) -> String {
    let mut parts = Vec::new();
    for a in &f.args {
        if !with_defaults && a.mode == ArgMode::Out {
            continue;
        }
        let mut p = String::new();
        match a.mode {
            // Procedures spell IN out (PostgreSQL 15).
            ArgMode::In if f.kind == 'p' && with_defaults => p.push_str("IN "),
            ArgMode::In => {}
            ArgMode::Out => p.push_str("OUT "),
            ArgMode::InOut => p.push_str("INOUT "),
            ArgMode::Variadic => p.push_str("VARIADIC "),
        }
        if let Some(n) = &a.name {
            p.push_str(&crate::functions::quote_ident(n));
            p.push(' ');
        }
        p.push_str(&a.ty.display_name());
        if with_defaults {
            if let Some(d) = &a.default {
                p.push_str(" DEFAULT ");
                p.push_str(d);
            }
        }
        parts.push(p);
    }
    parts.join(", ")
}

/// Whether the function is found first by its name and input types through the search path.
pub fn is_visible(cat: &Catalog, f: &Function, search_path: &[String]) -> bool {
    let types = f.input_types();
    super::candidates(cat, None, &f.name, search_path)
        .into_iter()
        .find(|g| g.input_types() == types)
        .is_some_and(|g| g.oid == f.oid)
}

/// Looks up `name(type, …)` as the regprocedure input function does.
pub fn regprocedure<'c>(
    cat: &'c Catalog,
    search_path: &[String],
    text: &str,
) -> PgResult<&'c Function> {
    let not_found = || {
        PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("function \"{text}\" does not exist"),
        )
    };
    let sql = format!("DROP FUNCTION {text}");
    let tokens =
        sqlparser::tokenizer::Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, &sql)
            .tokenize_with_location()
            .map_err(|_| not_found())?;
    let Ok(super::FuncStmt::Drop(d)) = super::parse::parse(&tokens, &sql) else {
        return Err(PgError::new(
            SqlState::INVALID_TEXT_REPRESENTATION,
            format!("invalid input syntax for type regprocedure: \"{text}\""),
        ));
    };
    let Some(r) = d.items.first().filter(|_| d.items.len() == 1) else {
        return Err(not_found());
    };
    if r.args.is_none() {
        return Err(PgError::new(
            SqlState::INVALID_TEXT_REPRESENTATION,
            "expected a left parenthesis",
        ));
    }
    super::find_routine(cat, r, search_path, 'r')?.ok_or_else(not_found)
}
