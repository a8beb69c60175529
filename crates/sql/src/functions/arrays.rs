//! Array built-ins called by name: array_append, array_prepend, array_cat,
//! array_remove, array_replace, array_position(s), string_to_array.
//! Arrays are one-dimensional with lower bound 1 (see `Value::Array`).

use std::cmp::Ordering;

use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use super::Func;

/// Resolves an array function of `name` over `args`: (function, argument
/// types to coerce to, result type).
pub(super) fn resolve(
    name: &str,
    args: &[DataType],
) -> Option<(Func, Vec<Option<DataType>>, DataType)> {
    use DataType as T;
    let elem = |t: &T| match t {
        T::Array(e) => Some((**e).clone()),
        _ => None,
    };
    Some(match (name, args) {
        ("array_append", [a, _]) => (Func::ArrayAppend, vec![None, Some(elem(a)?)], a.clone()),
        ("array_prepend", [_, a]) => (Func::ArrayPrepend, vec![Some(elem(a)?), None], a.clone()),
        ("array_cat", [a, b]) => {
            let t = if matches!(a, T::Array(_)) { a } else { b };
            elem(t)?;
            (
                Func::ArrayCat,
                vec![Some(t.clone()), Some(t.clone())],
                t.clone(),
            )
        }
        ("array_remove", [a, _]) => (Func::ArrayRemove, vec![None, Some(elem(a)?)], a.clone()),
        ("array_replace", [a, _, _]) => {
            let e = elem(a)?;
            (
                Func::ArrayReplace,
                vec![None, Some(e.clone()), Some(e)],
                a.clone(),
            )
        }
        ("array_position", [a, _]) => (Func::ArrayPosition, vec![None, Some(elem(a)?)], T::Int4),
        ("array_position", [a, _, _]) => (
            Func::ArrayPosition,
            vec![None, Some(elem(a)?), Some(T::Int4)],
            T::Int4,
        ),
        ("array_positions", [a, _]) => (
            Func::ArrayPositions,
            vec![None, Some(elem(a)?)],
            T::Array(Box::new(T::Int4)),
        ),
        ("string_to_array", [_, _] | [_, _, _]) => (
            Func::StringToArray,
            vec![Some(T::Text); args.len()],
            T::Array(Box::new(T::Text)),
        ),
        _ => return None,
    })
}

/// Whether two elements are the same for array_remove/replace/position:
/// IS NOT DISTINCT FROM (NULL matches NULL).
fn same(a: &Value, b: &Value) -> bool {
    match (a.is_null(), b.is_null()) {
        (true, true) => true,
        (false, false) => a.total_cmp(b) == Ordering::Equal,
        _ => false,
    }
}

/// Evaluates an array function (NULL arrays give NULL; elements may be NULL).
pub(super) fn eval(func: Func, args: &[Value]) -> PgResult<Value> {
    if func == Func::StringToArray {
        return string_to_array(args);
    }
    let Value::Array(items) = &args[0] else {
        return Ok(Value::Null);
    };
    Ok(match func {
        Func::ArrayRemove => Value::Array(
            items
                .iter()
                .filter(|v| !same(v, &args[1]))
                .cloned()
                .collect(),
        ),
        Func::ArrayReplace => Value::Array(
            items
                .iter()
                .map(|v| {
                    if same(v, &args[1]) {
                        args[2].clone()
                    } else {
                        v.clone()
                    }
                })
                .collect(),
        ),
        Func::ArrayPosition => {
            let start = match args.get(2) {
                None => 1,
                Some(Value::Null) => {
                    return Err(PgError::new(
                        SqlState::NULL_VALUE_NOT_ALLOWED,
                        "initial position must not be null",
                    ))
                }
                Some(v) => v.as_i64().unwrap_or(1).max(1) as usize,
            };
            items
                .iter()
                .enumerate()
                .skip(start - 1)
                .find(|(_, v)| same(v, &args[1]))
                .map_or(Value::Null, |(i, _)| Value::Int4(i as i32 + 1))
        }
        Func::ArrayPositions => Value::Array(
            items
                .iter()
                .enumerate()
                .filter(|(_, v)| same(v, &args[1]))
                .map(|(i, _)| Value::Int4(i as i32 + 1))
                .collect(),
        ),
        _ => {
            return Err(PgError::internal(format!(
                "{func:?} is not an array function"
            )))
        }
    })
}

/// `string_to_array(text, delimiter [, null_string])`: a NULL delimiter
/// splits into characters, an empty one keeps the string whole; an empty
/// string gives an empty array.
fn string_to_array(args: &[Value]) -> PgResult<Value> {
    let Some(s) = args[0].as_str() else {
        return Ok(Value::Null);
    };
    let null_string = args.get(2).and_then(Value::as_str);
    if s.is_empty() {
        return Ok(Value::Array(vec![]));
    }
    let parts: Vec<String> = match args[1].as_str() {
        None => s.chars().map(String::from).collect(),
        Some("") => vec![s.to_string()],
        Some(d) => s.split(d).map(String::from).collect(),
    };
    Ok(Value::Array(
        parts
            .into_iter()
            .map(|p| {
                if null_string == Some(p.as_str()) {
                    Value::Null
                } else {
                    Value::Text(p)
                }
            })
            .collect(),
    ))
}
