//! `LANGUAGE internal`: a function whose body names one of the server's
//! built-in C functions (`AS 'int4lt'`). PostgreSQL lets only superusers
//! create these (the language is untrusted). Rampart knows the comparison
//! functions of its built-in types (`int2eq` … `textge`); other names are
//! refused with PostgreSQL's error, at CREATE time.

use rampart_types::{PgError, PgResult, SqlState, Value};

use crate::expr::BinOp;

/// The comparison an internal function name stands for, e.g. `int4lt` → `<`.
fn comparison(name: &str) -> Option<BinOp> {
    let types = [
        "int2", "int4", "int8", "int24", "int42", "int28", "int82", "int48", "int84", "text",
        "float4", "float8", "numeric", "bool", "oid", "date", "bpchar", "name",
    ];
    let (ty, op) = name.split_at(name.len().checked_sub(2)?);
    if !types.contains(&ty) {
        return None;
    }
    Some(match op {
        "eq" => BinOp::Eq,
        "ne" => BinOp::NotEq,
        "lt" => BinOp::Lt,
        "le" => BinOp::LtEq,
        "gt" => BinOp::Gt,
        "ge" => BinOp::GtEq,
        _ => return None,
    })
}

/// Checks a `LANGUAGE internal` body names a built-in function Rampart has.
pub fn check(body: &str) -> PgResult<()> {
    match comparison(body.trim()) {
        Some(_) => Ok(()),
        None => Err(PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("there is no built-in function named \"{}\"", body.trim()),
        )),
    }
}

/// Calls the built-in function `body` on two arguments (strict: NULL in, NULL out).
pub fn call(body: &str, args: &[Value]) -> PgResult<Value> {
    let op = comparison(body.trim()).ok_or_else(|| {
        PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("there is no built-in function named \"{}\"", body.trim()),
        )
    })?;
    let [a, b] = args else {
        return Err(PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("function {} takes two arguments", body.trim()),
        ));
    };
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    let ord = a.total_cmp(b);
    Ok(Value::Bool(match op {
        BinOp::Eq => ord.is_eq(),
        BinOp::NotEq => !ord.is_eq(),
        BinOp::Lt => ord.is_lt(),
        BinOp::LtEq => ord.is_le(),
        BinOp::Gt => ord.is_gt(),
        _ => ord.is_ge(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_names_resolve_and_others_are_refused() {
        assert_eq!(
            call("int4lt", &[Value::Int4(1), Value::Int4(2)]).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            call("texteq", &[Value::Text("a".into()), Value::Null]).unwrap(),
            Value::Null
        );
        let e = check("system").unwrap_err();
        assert_eq!(e.code, SqlState::UNDEFINED_FUNCTION);
        assert_eq!(e.message, "there is no built-in function named \"system\"");
    }
}
