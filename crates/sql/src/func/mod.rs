//! User-defined functions and procedures: parsing of the routine statements
//! ([`parse`]), their DDL ([`ddl`]), name resolution (here) and invocation
//! ([`call`]: LANGUAGE sql bodies and PL/pgSQL through [`crate::plpgsql`]).

pub mod aggregate;
pub mod call;
pub mod ddl;
pub mod describe;
pub mod internal;
pub mod parse;
pub mod spi;

pub use parse::FuncStmt;

use rampart_catalog::{Catalog, Function};
use rampart_types::{DataType, PgError, PgResult, SqlState};

/// Whether a value of `from` may be passed where `to` is expected without an
/// explicit cast (PostgreSQL's implicit casts, in small).
pub fn implicit_cast(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    if from == to || *from == Unknown {
        return true;
    }
    let rank = |t: &DataType| match t {
        Int2 => Some(1),
        Int4 => Some(2),
        Int8 => Some(3),
        Numeric(_) => Some(4),
        Float4 => Some(5),
        Float8 => Some(6),
        _ => None,
    };
    if let (Some(a), Some(b)) = (rank(from), rank(to)) {
        return a <= b;
    }
    let stringy = |t: &DataType| matches!(t, Text | Varchar(_) | Char(_) | Name);
    if stringy(from) && stringy(to) {
        return true;
    }
    matches!(
        (from, to),
        (Date, Timestamp | Timestamptz) | (Timestamp, Timestamptz) | (Varchar(_), Varchar(_))
    ) || matches!((from, to), (Numeric(_), Numeric(_)) | (Char(_), Char(_)))
        || matches!((from, to), (Array(a), Array(b)) if implicit_cast(a, b) && **a != Unknown)
}

/// The schemas a name is looked up in: the named one, or the search path.
fn schemas_for(cat: &Catalog, schema: Option<&str>, search_path: &[String]) -> Vec<u32> {
    match schema {
        Some(s) => cat.schema(s).map(|s| vec![s.oid]).unwrap_or_default(),
        None => search_path
            .iter()
            .filter_map(|n| cat.schema(n).map(|s| s.oid))
            .collect(),
    }
}

/// The USAGE need on the schema an explicitly qualified routine name
/// names (None for pg_catalog), or PostgreSQL's error when it does not exist.
pub fn routine_schema_usage(
    catalog: &rampart_catalog::Catalog,
    schema: &str,
    position: Option<u32>,
) -> PgResult<Option<rampart_security::Need>> {
    let Some(sc) = catalog.schema(schema) else {
        let e = PgError::new(
            rampart_types::SqlState::INVALID_SCHEMA_NAME,
            format!("schema \"{schema}\" does not exist"),
        );
        return Err(match position {
            Some(p) => e.with_position(p),
            None => e,
        });
    };
    Ok(
        (sc.oid != rampart_catalog::PG_CATALOG_OID).then(|| rampart_security::Need {
            object: rampart_security::ObjectRef::Schema(sc.oid),
            privilege: rampart_security::Privilege::Usage,
            columns: vec![],
            as_role: None,
            position,
        }),
    )
}

/// Functions named `name` visible through `schema` or the search path.
pub fn candidates<'c>(
    cat: &'c Catalog,
    schema: Option<&str>,
    name: &str,
    search_path: &[String],
) -> Vec<&'c Function> {
    let schemas = schemas_for(cat, schema, search_path);
    let mut out: Vec<&Function> = cat
        .functions
        .values()
        .filter(|f| f.name == name && schemas.contains(&f.schema))
        .collect();
    // Earlier schemas in the path win: order by position in the path.
    out.sort_by_key(|f| schemas.iter().position(|s| *s == f.schema));
    out
}

/// Picks the function a call `name(args)` means, as PostgreSQL's
/// func_select_candidate does in small: exact matches first, then the
/// candidate needing the fewest implicit conversions; trailing arguments may
/// come from DEFAULTs. Ok(None) when nothing matches.
pub fn resolve<'c>(
    cat: &'c Catalog,
    schema: Option<&str>,
    name: &str,
    search_path: &[String],
    arg_types: &[DataType],
) -> PgResult<Option<&'c Function>> {
    resolve_kind(cat, schema, name, search_path, arg_types, 'f')
}

/// Like [`resolve`], among the routines of one kind (`a`: aggregates).
pub fn resolve_kind<'c>(
    cat: &'c Catalog,
    schema: Option<&str>,
    name: &str,
    search_path: &[String],
    arg_types: &[DataType],
    kind: char,
) -> PgResult<Option<&'c Function>> {
    let mut best: Vec<(usize, usize, &Function)> = Vec::new();
    for (order, f) in candidates(cat, schema, name, search_path)
        .into_iter()
        .enumerate()
    {
        if f.kind != kind {
            continue;
        }
        let inputs: Vec<&rampart_catalog::FuncArg> =
            f.args.iter().filter(|a| a.mode.is_input()).collect();
        let defaults = inputs.iter().filter(|a| a.default.is_some()).count();
        if arg_types.len() > inputs.len() || arg_types.len() + defaults < inputs.len() {
            continue;
        }
        let mut exact = 0;
        let mut ok = true;
        for (t, a) in arg_types.iter().zip(&inputs) {
            // An unknown literal prefers text (PostgreSQL's preferred string type).
            if t == &a.ty || (*t == DataType::Unknown && a.ty == DataType::Text) {
                exact += 1;
            } else if !implicit_cast(t, &a.ty) {
                ok = false;
                break;
            }
        }
        if ok {
            best.push((exact, order, f));
        }
    }
    let Some(top) = best.iter().map(|(e, _, _)| *e).max() else {
        return Ok(None);
    };
    let top: Vec<&(usize, usize, &Function)> = best.iter().filter(|(e, _, _)| *e == top).collect();
    let first_schema = top.iter().map(|(_, o, _)| *o).min().unwrap_or(0);
    let same_rank: Vec<&&(usize, usize, &Function)> = top
        .iter()
        .filter(|(_, _, f)| {
            top.iter()
                .find(|(_, o, _)| *o == first_schema)
                .is_some_and(|(_, _, g)| g.schema == f.schema)
        })
        .collect();
    if same_rank.len() > 1 {
        let sig: Vec<String> = arg_types.iter().map(|t| t.display_name()).collect();
        return Err(PgError::new(
            SqlState::AMBIGUOUS_FUNCTION,
            format!("function {name}({}) is not unique", sig.join(", ")),
        )
        .with_hint("Could not choose a best candidate function. You might need to add explicit type casts."));
    }
    Ok(same_rank.first().map(|(_, _, f)| *f))
}

/// Finds a routine by name and (optional) exact input types, as DROP,
/// ALTER and GRANT name it. `kind` is `f`, `p`, or `r` (either).
pub fn find_routine<'c>(
    cat: &'c Catalog,
    r: &parse::RoutineRef,
    search_path: &[String],
    kind: char,
) -> PgResult<Option<&'c Function>> {
    let (schema, name) = match r.name.as_slice() {
        [s, n] => (Some(s.as_str()), n.as_str()),
        [n] => (None, n.as_str()),
        _ => return Ok(None),
    };
    if let Some(s) = schema {
        if cat.schema(s).is_none() {
            return Err(PgError::new(
                SqlState::INVALID_SCHEMA_NAME,
                format!("schema \"{s}\" does not exist"),
            ));
        }
    }
    let found: Vec<&Function> = candidates(cat, schema, name, search_path)
        .into_iter()
        // FUNCTION names aggregates too (GRANT … ON FUNCTION agg(int)).
        .filter(|f| kind == 'r' || f.kind == kind || (kind == 'f' && f.kind == 'a'))
        .filter(|f| match &r.args {
            Some(types) => f.input_types() == *types,
            None => true,
        })
        .collect();
    let first_schema = found.first().map(|f| f.schema);
    let found: Vec<&Function> = found
        .into_iter()
        .filter(|f| Some(f.schema) == first_schema)
        .collect();
    if found.len() > 1 {
        let what = match kind {
            'p' => "procedure",
            'r' => "routine",
            _ => "function",
        };
        return Err(PgError::new(
            SqlState::AMBIGUOUS_FUNCTION,
            format!("{what} name \"{name}\" is not unique"),
        )
        .with_hint(format!(
            "Specify the argument list to select the {what} unambiguously."
        )));
    }
    Ok(found.into_iter().next())
}

/// A type as PostgreSQL prints a parsed type name (`pg_catalog.int4`,
/// `text`) in DROP … IF EXISTS notices.
pub fn typename_display(t: &DataType) -> String {
    let internal = match t {
        DataType::Int2 => "int2",
        DataType::Int4 => "int4",
        DataType::Int8 => "int8",
        DataType::Float4 => "float4",
        DataType::Float8 => "float8",
        DataType::Bool => "bool",
        DataType::Numeric(_) => "numeric",
        DataType::Varchar(_) => "varchar",
        DataType::Char(_) => "bpchar",
        DataType::Timestamp => "timestamp",
        DataType::Timestamptz => "timestamptz",
        DataType::Time => "time",
        DataType::Interval => "interval",
        other => return other.display_name(),
    };
    format!("pg_catalog.{internal}")
}

/// `f(pg_catalog.int4, text)` for DROP … IF EXISTS notices.
pub fn ref_display_parsed(r: &parse::RoutineRef) -> String {
    let name = r.name.join(".");
    match &r.args {
        Some(types) => {
            let t: Vec<String> = types.iter().map(typename_display).collect();
            format!("{name}({})", t.join(", "))
        }
        None => name,
    }
}

/// `f(integer, text)` for messages about a routine reference.
pub fn ref_display(r: &parse::RoutineRef) -> String {
    let name = r.name.join(".");
    match &r.args {
        Some(types) => {
            let t: Vec<String> = types.iter().map(|t| t.display_name()).collect();
            format!("{name}({})", t.join(", "))
        }
        None => name,
    }
}

/// The "does not exist" error for a routine reference.
pub fn not_found(r: &parse::RoutineRef, kind: char) -> PgError {
    let what = match kind {
        'p' => "procedure",
        'a' => "aggregate",
        'r' => "routine",
        _ => "function",
    };
    match &r.args {
        Some(_) => PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("{what} {} does not exist", ref_display(r)),
        ),
        None => PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("could not find a {what} named \"{}\"", ref_display(r)),
        ),
    }
}
