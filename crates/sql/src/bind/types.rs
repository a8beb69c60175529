//! SQL type names (sqlparser's DataType) → Rampart types.

use rampart_types::{DataType, PgError, PgResult, SqlState};

/// Converts a parsed type name, with PostgreSQL's modifier rules.
pub fn convert_type(t: &sqlparser::ast::DataType) -> PgResult<DataType> {
    let text = t.to_string().to_lowercase();
    // Built-in types live in pg_catalog; the qualified spelling names the same type.
    let text = match text.strip_prefix("pg_catalog.") {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if let Some(elem) = text.strip_suffix("[]") {
        let inner = sqlparser::ast::DataType::Custom(
            sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(elem)]),
            vec![],
        );
        let e = convert_type(&inner).or_else(|_| {
            DataType::from_sql_name(elem.trim()).ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("type \"{elem}\" does not exist"),
                )
            })
        })?;
        return Ok(DataType::Array(Box::new(e)));
    }
    if text.starts_with("array") {
        return Err(PgError::unsupported(
            "ARRAY type syntax is not supported yet; use type[]",
        ));
    }
    let (base, mods) = match text.find('(') {
        Some(i) => {
            let close = text.rfind(')').unwrap_or(text.len());
            let inner = &text[i + 1..close.max(i + 1)];
            let rest = text[close.min(text.len())..].trim_start_matches(')').trim();
            let base = format!("{} {}", text[..i].trim(), rest).trim().to_string();
            (
                base,
                inner
                    .split(',')
                    .map(|s| s.trim().parse::<u32>().ok())
                    .collect::<Vec<_>>(),
            )
        }
        None => (text.clone(), vec![]),
    };
    let base = base.replace("  ", " ");
    let base = match base.as_str() {
        "timestamp with time zone" | "timestamptz" => "timestamptz".to_string(),
        "timestamp without time zone" => "timestamp".to_string(),
        "time without time zone" => "time".to_string(),
        b => b.to_string(),
    };
    let ty = DataType::from_sql_name(&base).ok_or_else(|| {
        PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("type \"{base}\" does not exist"),
        )
    })?;
    Ok(match ty {
        DataType::Varchar(_) => DataType::Varchar(mods.first().copied().flatten()),
        DataType::Char(_) => DataType::Char(Some(mods.first().copied().flatten().unwrap_or(1))),
        DataType::Numeric(_) => match (
            mods.first().copied().flatten(),
            mods.get(1).copied().flatten(),
        ) {
            (Some(p), s) => {
                let s = s.unwrap_or(0);
                if !(1..=1000).contains(&p) {
                    return Err(PgError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("NUMERIC precision {p} must be between 1 and 1000"),
                    ));
                }
                if s > p {
                    return Err(PgError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("NUMERIC scale {s} must be between 0 and precision {p}"),
                    ));
                }
                DataType::Numeric(Some((p, s)))
            }
            _ => DataType::Numeric(None),
        },
        DataType::Float8 if base == "float" => match mods.first().copied().flatten() {
            Some(p) if p <= 24 => DataType::Float4,
            _ => DataType::Float8,
        },
        t => t,
    })
}

/// Converts a type name written as text (`'integer'::regtype`).
pub fn convert_type_name(name: &str) -> PgResult<DataType> {
    convert_type(&parse_type_name(name)?)
}

/// Parses a type name written as text; PostgreSQL's `type "x" does not
/// exist` when it is not one.
pub fn parse_type_name(name: &str) -> PgResult<sqlparser::ast::DataType> {
    sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
        .try_with_sql(name)
        .and_then(|mut p| p.parse_data_type())
        .map_err(|_| {
            PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type \"{name}\" does not exist"),
            )
        })
}

/// Whether a column type name declares a serial column (and which integer type).
pub fn serial_type(t: &sqlparser::ast::DataType) -> Option<DataType> {
    match t.to_string().to_lowercase().as_str() {
        "serial" | "serial4" => Some(DataType::Int4),
        "bigserial" | "serial8" => Some(DataType::Int8),
        "smallserial" | "serial2" => Some(DataType::Int2),
        _ => None,
    }
}
