//! The OID alias types `regclass`, `regtype`, `regrole`, `regnamespace` and
//! `regproc`: text input resolves a name to an OID, output turns an OID back
//! into a name (schema-qualified when the search path would not find it),
//! with PostgreSQL's errors. Values of these types are stored as plain OIDs
//! (`Value::Oid`), so they compare with `oid` columns directly.

use crate::sysview::system_relations::{INFORMATION_SCHEMA_OID, PG_TOAST_OID};
use rampart_catalog::{Catalog, PG_CATALOG_OID};
use rampart_types::{DataType, PgError, PgResult, RegKind, SqlState};

use crate::functions::{normalize_string_type, quote_ident};

/// Splits a possibly qualified, possibly quoted name (`s."T"`) into its
/// parts, folding unquoted parts to lower case; None on bad syntax.
pub fn split_qualified(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                part.push(c.to_ascii_lowercase());
                chars.next();
            }
            part = part.trim().to_string();
        }
        if part.is_empty() {
            return None;
        }
        parts.push(part);
        match chars.next() {
            None => return Some(parts),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

/// The schema OID and name of an entry of pg_class (table, view, index,
/// sequence or system catalog view), by OID.
pub fn class_by_oid(cat: &Catalog, oid: u32) -> Option<(u32, String)> {
    if let Some(r) = cat.relation_by_oid(oid) {
        return Some((r.schema, r.name.clone()));
    }
    if let Some(s) = cat.sequences.get(&oid) {
        return Some((s.schema, s.name.clone()));
    }
    for r in cat.relations.values() {
        if let Some(ix) = r.indexes.iter().find(|i| i.oid == oid) {
            return Some((r.schema, ix.name.clone()));
        }
    }
    if let Some(ix) = crate::sysview::catalog_index(oid) {
        return Some((PG_CATALOG_OID, ix.name.to_string()));
    }
    let sys = crate::sysview::system_relations::by_oid(oid)?;
    Some((sys.schema, sys.view.name.to_string()))
}

/// A schema's OID by name: the catalog's schemas and the built-in ones that
/// hold only system relations (information_schema, pg_toast).
pub fn schema_oid(cat: &Catalog, name: &str) -> Option<u32> {
    match (cat.schema(name), name) {
        (Some(s), _) => Some(s.oid),
        (None, "information_schema") => Some(INFORMATION_SCHEMA_OID),
        (None, "pg_toast") => Some(PG_TOAST_OID),
        _ => None,
    }
}

/// A schema's name by OID (see [`schema_oid`]).
pub fn schema_name(cat: &Catalog, oid: u32) -> Option<String> {
    match (cat.schema_by_oid(oid), oid) {
        (Some(s), _) => Some(s.name.clone()),
        (None, INFORMATION_SCHEMA_OID) => Some("information_schema".into()),
        (None, PG_TOAST_OID) => Some("pg_toast".into()),
        _ => None,
    }
}

/// A pg_class entry by schema OID and name.
fn class_in_schema(cat: &Catalog, schema: u32, name: &str) -> Option<u32> {
    if let Some(r) = cat.relation(schema, name) {
        return Some(r.oid);
    }
    if let Some(s) = cat
        .sequences
        .values()
        .find(|s| s.schema == schema && s.name == name)
    {
        return Some(s.oid);
    }
    if let Some(ix) = cat
        .relations
        .index_owner(schema, name)
        .and_then(|r| r.indexes.iter().find(|i| i.name == name))
    {
        return Some(ix.oid);
    }
    if schema == PG_CATALOG_OID {
        return crate::sysview::lookup(name)
            .map(|v| v.oid)
            .or_else(|| crate::sysview::catalog_index_named(name).map(|i| i.oid));
    }
    if schema == INFORMATION_SCHEMA_OID {
        return crate::sysview::lookup_information_schema(name).map(|v| v.oid);
    }
    None
}

/// The schemas a name is looked up in: pg_catalog first, then the path.
fn effective_path(cat: &Catalog, search_path: &[String]) -> Vec<u32> {
    let mut out = vec![PG_CATALOG_OID];
    for s in search_path {
        if let Some(oid) = schema_oid(cat, s) {
            if !out.contains(&oid) {
                out.push(oid);
            }
        }
    }
    out
}

/// Resolves a relation name as `'name'::regclass` does.
pub fn class_by_name(cat: &Catalog, search_path: &[String], text: &str) -> PgResult<u32> {
    let parts = split_qualified(text).ok_or_else(|| invalid_name(text))?;
    let found = match parts.as_slice() {
        [name] => effective_path(cat, search_path)
            .into_iter()
            .find_map(|s| class_in_schema(cat, s, name)),
        [schema, name] | [_, schema, name] => match schema_oid(cat, schema) {
            Some(s) => class_in_schema(cat, s, name),
            None => {
                return Err(PgError::new(
                    SqlState::INVALID_SCHEMA_NAME,
                    format!("schema \"{schema}\" does not exist"),
                ))
            }
        },
        _ => return Err(improper_name(text)),
    };
    found.ok_or_else(|| {
        PgError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{text}\" does not exist"),
        )
    })
}

/// Converts text to an OID of `kind`, as the type's input function: a
/// number is taken as the OID itself, `-` is 0, anything else is a name.
pub fn input(cat: &Catalog, search_path: &[String], kind: RegKind, text: &str) -> PgResult<u32> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<u32>().map_err(|_| {
            PgError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                format!("value \"{t}\" is out of range for type oid"),
            )
        });
    }
    if t == "-" {
        return Ok(0);
    }
    match kind {
        RegKind::Class => class_by_name(cat, search_path, t),
        RegKind::Type => {
            let name = t
                .strip_prefix("pg_catalog.")
                .unwrap_or(t)
                .to_ascii_lowercase();
            let ty = crate::bind::convert_type_name(&name).map_err(|_| {
                PgError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("type \"{t}\" does not exist"),
                )
            })?;
            Ok(match ty {
                DataType::Array(e) => DataType::Array(Box::new(normalize_string_type(&e))).oid(),
                other => normalize_string_type(&other).oid(),
            })
        }
        RegKind::Role => {
            let parts = split_qualified(t).ok_or_else(|| invalid_name(t))?;
            let [name] = parts.as_slice() else {
                return Err(PgError::new(
                    SqlState::INVALID_NAME,
                    "invalid name syntax".to_string(),
                ));
            };
            cat.role(name).map(|r| r.oid).ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("role \"{name}\" does not exist"),
                )
            })
        }
        RegKind::Namespace => {
            let parts = split_qualified(t).ok_or_else(|| invalid_name(t))?;
            let [name] = parts.as_slice() else {
                return Err(PgError::new(
                    SqlState::INVALID_NAME,
                    "invalid name syntax".to_string(),
                ));
            };
            schema_oid(cat, name).ok_or_else(|| {
                PgError::new(
                    SqlState::INVALID_SCHEMA_NAME,
                    format!("schema \"{name}\" does not exist"),
                )
            })
        }
        RegKind::Proc => {
            let parts = split_qualified(t).ok_or_else(|| invalid_name(t))?;
            let (schema, name) = match parts.as_slice() {
                [n] => (None, n.clone()),
                [s, n] => (Some(s.clone()), n.clone()),
                _ => return Err(improper_name(t)),
            };
            let path = effective_path(cat, search_path);
            let matches: Vec<u32> = cat
                .functions
                .values()
                .filter(|f| f.name == name)
                .filter(|f| match &schema {
                    Some(s) => cat.schema(s).is_some_and(|s| s.oid == f.schema),
                    None => path.contains(&f.schema),
                })
                .map(|f| f.oid)
                .collect();
            let builtin = match &schema {
                Some(s) if s != "pg_catalog" => None,
                _ => crate::sysview::type_support::builtin_function_oid(&name),
            };
            match (matches.as_slice(), builtin) {
                ([one], _) => Ok(*one),
                ([], Some(oid)) => Ok(oid),
                ([], None) => Err(PgError::new(
                    SqlState::UNDEFINED_FUNCTION,
                    format!("function \"{t}\" does not exist"),
                )),
                (_, _) => Err(PgError::new(
                    SqlState::AMBIGUOUS_FUNCTION,
                    format!("more than one function named \"{t}\""),
                )),
            }
        }
    }
}

/// The name an OID of `kind` prints as (its number when nothing has it,
/// `-` for 0), as the type's output function.
pub fn output(cat: &Catalog, search_path: &[String], kind: RegKind, oid: u32) -> String {
    if oid == 0 {
        return "-".into();
    }
    let path = effective_path(cat, search_path);
    let named = match kind {
        RegKind::Class => class_by_oid(cat, oid).map(|(schema, name)| {
            let first = path
                .iter()
                .find_map(|s| class_in_schema(cat, *s, &name).map(|_| *s));
            qualify(cat, schema, &name, first == Some(schema))
        }),
        RegKind::Type => DataType::from_oid(oid).map(|t| t.display_name()),
        RegKind::Role => cat.role_by_oid(oid).map(|r| quote_ident(&r.name)),
        RegKind::Namespace => schema_name(cat, oid).map(|s| quote_ident(&s)),
        RegKind::Proc => cat
            .functions
            .get(&oid)
            .map(|f| {
                let visible = path.contains(&f.schema);
                qualify(cat, f.schema, &f.name, visible)
            })
            .or_else(|| {
                crate::sysview::type_support::builtin_function_name(oid).map(str::to_string)
            }),
    };
    named.unwrap_or_else(|| oid.to_string())
}

fn qualify(cat: &Catalog, schema: u32, name: &str, visible: bool) -> String {
    if visible {
        quote_ident(name)
    } else {
        let s = schema_name(cat, schema).unwrap_or_default();
        format!("{}.{}", quote_ident(&s), quote_ident(name))
    }
}

fn invalid_name(text: &str) -> PgError {
    PgError::new(
        SqlState::INVALID_NAME,
        format!("invalid name syntax: \"{text}\""),
    )
}

fn improper_name(text: &str) -> PgError {
    PgError::new(
        SqlState::SYNTAX_ERROR,
        format!("improper relation name (too many dotted names): {text}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_and_qualified_names() {
        assert_eq!(
            split_qualified("Public.\"My\"\"T\""),
            Some(vec!["public".to_string(), "My\"T".to_string()])
        );
        assert_eq!(split_qualified("a..b"), None);
        assert_eq!(split_qualified("\"open"), None);
    }
}
