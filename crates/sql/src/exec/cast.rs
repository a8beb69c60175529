//! Type conversion (`CAST`, `::`), with PostgreSQL's errors.

use chrono::{DateTime, NaiveTime, Utc};
use rampart_types::{DataType, PgError, PgResult, SqlState, Value};
use rust_decimal::prelude::*;

/// Converts `v` (of type `from`) to `to`.
pub fn cast_value(
    v: Value,
    from: &DataType,
    to: &DataType,
    style: &rampart_types::Style,
) -> PgResult<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let out = match (to, v) {
        (
            DataType::Text
            | DataType::Varchar(_)
            | DataType::Char(_)
            | DataType::Name
            | DataType::Json
            | DataType::Jsonb,
            Value::Text(s),
        ) => Value::Text(s),
        (
            DataType::Text
            | DataType::Varchar(_)
            | DataType::Name
            | DataType::Json
            | DataType::Jsonb,
            v,
        ) => Value::Text(v.to_pg_text_styled(style).unwrap_or_default()),
        (DataType::Char(_), v) => Value::Text(v.to_pg_text_styled(style).unwrap_or_default()),
        // int2vector and oidvector (held as text `1 2`) to their arrays.
        (DataType::Array(elem), Value::Text(s))
            if matches!(from, DataType::Int2Vector | DataType::OidVector) =>
        {
            Value::Array(
                s.split_whitespace()
                    .map(|n| Value::from_pg_text_styled(elem, n, style))
                    .collect::<PgResult<_>>()?,
            )
        }
        (_, Value::Text(s)) => Value::from_pg_text_styled(to, &s, style)?,
        (DataType::Array(elem), Value::Array(items)) => {
            let from_elem = match from {
                DataType::Array(f) => f.as_ref().clone(),
                _ => DataType::Unknown,
            };
            Value::Array(
                items
                    .into_iter()
                    .map(|x| cast_value(x, &from_elem, elem, style))
                    .collect::<PgResult<_>>()?,
            )
        }
        (DataType::Bool, Value::Bool(b)) => Value::Bool(b),
        (DataType::Bool, v) if v.as_i64().is_some() => Value::Bool(v.as_i64() != Some(0)),
        (DataType::Int2, v) => Value::Int2(
            i16::try_from(to_int(&v, "smallint")?)
                .map_err(|_| PgError::out_of_range("smallint"))?,
        ),
        (DataType::Int4, v) => Value::Int4(
            i32::try_from(to_int(&v, "integer")?).map_err(|_| PgError::out_of_range("integer"))?,
        ),
        (DataType::Int8, v) => Value::Int8(to_int(&v, "bigint")?),
        (DataType::Oid | DataType::Reg(_), v) => {
            Value::Oid(u32::try_from(to_int(&v, "oid")?).map_err(|_| PgError::out_of_range("OID"))?)
        }
        (DataType::Float4, v) => {
            Value::Float4(v.as_f64().ok_or_else(|| cannot_cast(&v, to))? as f32)
        }
        (DataType::Float8, v) => Value::Float8(v.as_f64().ok_or_else(|| cannot_cast(&v, to))?),
        (DataType::Numeric(_), Value::Float4(f)) => Value::Numeric(float_to_decimal(f as f64)?),
        (DataType::Numeric(_), Value::Float8(f)) => Value::Numeric(float_to_decimal(f)?),
        (DataType::Numeric(_), v) => {
            Value::Numeric(v.as_decimal().ok_or_else(|| cannot_cast(&v, to))?)
        }
        (DataType::Date, Value::Date(d)) => Value::Date(d),
        (DataType::Date, Value::Timestamp(t)) => Value::Date(t.date()),
        (DataType::Date, Value::Timestamptz(t)) => Value::Date(t.naive_utc().date()),
        (DataType::Timestamp, Value::Timestamp(t)) => Value::Timestamp(t),
        (DataType::Timestamp, Value::Date(d)) => Value::Timestamp(d.and_time(NaiveTime::MIN)),
        (DataType::Timestamp, Value::Timestamptz(t)) => Value::Timestamp(t.naive_utc()),
        (DataType::Timestamptz, Value::Timestamptz(t)) => Value::Timestamptz(t),
        (DataType::Timestamptz, Value::Timestamp(t)) => {
            Value::Timestamptz(DateTime::<Utc>::from_naive_utc_and_offset(t, Utc))
        }
        (DataType::Timestamptz, Value::Date(d)) => Value::Timestamptz(
            DateTime::<Utc>::from_naive_utc_and_offset(d.and_time(NaiveTime::MIN), Utc),
        ),
        (DataType::Time, Value::Time(t)) => Value::Time(t),
        (DataType::Time, Value::Timestamp(t)) => Value::Time(t.time()),
        (DataType::Interval, Value::Interval(i)) => Value::Interval(i),
        (DataType::Bytea, Value::Bytea(b)) => Value::Bytea(b),
        (DataType::Uuid, Value::Uuid(u)) => Value::Uuid(u),
        (_, v) => return Err(cannot_cast(&v, to)),
    };
    out.fit_to(to)
}

fn to_int(v: &Value, ty: &str) -> PgResult<i64> {
    match v {
        Value::Bool(b) => Ok(*b as i64),
        Value::Float4(f) => float_to_int(*f as f64, ty),
        Value::Float8(f) => float_to_int(*f, ty),
        Value::Numeric(d) => d
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .to_i64()
            .ok_or_else(|| PgError::out_of_range(ty)),
        v => v.as_i64().ok_or_else(|| cannot_cast(v, &DataType::Int8)),
    }
}

fn float_to_int(f: f64, ty: &str) -> PgResult<i64> {
    // PostgreSQL rounds half to even (rint) when casting floats to integers.
    let r = f.round_ties_even();
    if !r.is_finite() || r < i64::MIN as f64 || r >= i64::MAX as f64 {
        return Err(PgError::out_of_range(ty));
    }
    Ok(r as i64)
}

fn float_to_decimal(f: f64) -> PgResult<Decimal> {
    if f.is_nan() || f.is_infinite() {
        return Err(PgError::unsupported(
            "NaN and infinity are not supported in numeric yet",
        ));
    }
    Decimal::from_f64(f)
        .map(|d| d.round_dp(15).normalize())
        .ok_or_else(|| {
            PgError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                "value overflows numeric format",
            )
        })
}

fn cannot_cast(v: &Value, to: &DataType) -> PgError {
    PgError::new(
        SqlState::CANNOT_COERCE,
        format!(
            "cannot cast type {} to {}",
            v.data_type().display_name(),
            to.display_name()
        ),
    )
}
