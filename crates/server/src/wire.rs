//! Values on the wire: text and binary encodings, parameter decoding, errors.

use bytes::{BufMut, BytesMut};
use chrono::{NaiveDate, NaiveTime};
use pgwire::api::Type;
use pgwire::error::{ErrorInfo, PgWireError};
use rampart_types::{DataType, PgError, PgResult, SqlState, Value};
use rust_decimal::Decimal;

/// PostgreSQL's epoch for binary date/time values.
fn pg_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

/// PostgreSQL's `invalid byte sequence for encoding "UTF8": 0xe2 0x82` (22021).
pub fn invalid_utf8(bytes: &[u8], e: &std::str::Utf8Error) -> PgError {
    let start = e.valid_up_to();
    let len = e.error_len().unwrap_or(bytes.len() - start).max(1);
    let shown: Vec<String> = bytes[start..(start + len).min(bytes.len())]
        .iter()
        .map(|b| format!("0x{b:02x}"))
        .collect();
    PgError::new(
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        format!(
            "invalid byte sequence for encoding \"UTF8\": {}",
            shown.join(" ")
        ),
    )
}

/// pgwire decodes query text lossily, turning invalid UTF-8 into U+FFFD; a
/// U+FFFD in query text is therefore refused rather than silently stored.
/// (A client that really sends the U+FFFD character gets the same error: the
/// price of not corrupting data.)
pub fn check_query_text(sql: &str) -> PgResult<()> {
    if sql.contains('\u{FFFD}') {
        return Err(PgError::new(
            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            "invalid byte sequence for encoding \"UTF8\"",
        ));
    }
    Ok(())
}

/// Converts our error to pgwire's.
pub fn to_wire_error(e: PgError) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(&e)))
}

/// ErrorResponse/NoticeResponse fields.
pub fn error_info(e: &PgError) -> ErrorInfo {
    let mut info = ErrorInfo::new(
        e.severity.to_string(),
        e.code.0.to_string(),
        e.message.clone(),
    );
    info.detail = e.detail.clone();
    info.hint = e.hint.clone();
    info.position = e.position.map(|p| p.to_string());
    info.where_context = e.context.clone();
    info.internal_query = e.internal_query.clone();
    info.internal_position = e.internal_position.map(|p| p.to_string());

    info
}

/// The pgwire type for a Rampart type.
pub fn wire_type(t: &DataType) -> Type {
    Type::from_oid(t.oid()).unwrap_or(Type::TEXT)
}

/// Appends one field (length-prefixed) of a DataRow.
pub fn put_field(buf: &mut BytesMut, v: &Value, binary: bool, style: &rampart_types::Style) {
    if v.is_null() {
        buf.put_i32(-1);
        return;
    }
    let bytes = if binary {
        encode_binary(v)
    } else {
        v.to_pg_text_styled(style).unwrap_or_default().into_bytes()
    };
    buf.put_i32(bytes.len() as i32);
    buf.put_slice(&bytes);
}

fn encode_binary(v: &Value) -> Vec<u8> {
    match v {
        Value::Null => vec![],
        Value::Bool(b) => vec![*b as u8],
        Value::Int2(i) => i.to_be_bytes().to_vec(),
        Value::Int4(i) => i.to_be_bytes().to_vec(),
        Value::Int8(i) => i.to_be_bytes().to_vec(),
        Value::Oid(i) => i.to_be_bytes().to_vec(),
        Value::Float4(f) => f.to_be_bytes().to_vec(),
        Value::Float8(f) => f.to_be_bytes().to_vec(),
        Value::Numeric(d) => encode_numeric(d),
        Value::Text(s) => s.as_bytes().to_vec(),
        Value::Bytea(b) => b.clone(),
        Value::Date(d) => ((*d - pg_epoch()).num_days() as i32).to_be_bytes().to_vec(),
        Value::Time(t) => (*t - NaiveTime::MIN)
            .num_microseconds()
            .unwrap_or(0)
            .to_be_bytes()
            .to_vec(),
        Value::Timestamp(t) => (*t - pg_epoch().and_time(NaiveTime::MIN))
            .num_microseconds()
            .unwrap_or(0)
            .to_be_bytes()
            .to_vec(),
        Value::Timestamptz(t) => (t.naive_utc() - pg_epoch().and_time(NaiveTime::MIN))
            .num_microseconds()
            .unwrap_or(0)
            .to_be_bytes()
            .to_vec(),
        Value::Interval(i) => {
            let mut out = i.micros.to_be_bytes().to_vec();
            out.extend_from_slice(&i.days.to_be_bytes());
            out.extend_from_slice(&i.months.to_be_bytes());
            out
        }
        Value::Uuid(u) => u.to_vec(),
        Value::Array(items) => {
            // PostgreSQL's array_send: ndim, has-nulls flag, element OID, then (length, lower bound) and elements.
            let elem_oid = items
                .iter()
                .find(|v| !v.is_null())
                .map(|v| v.data_type().oid())
                .unwrap_or(25);
            let mut out = Vec::new();
            out.extend_from_slice(&1i32.to_be_bytes());
            out.extend_from_slice(&(items.iter().any(Value::is_null) as i32).to_be_bytes());
            out.extend_from_slice(&elem_oid.to_be_bytes());
            out.extend_from_slice(&(items.len() as i32).to_be_bytes());
            out.extend_from_slice(&1i32.to_be_bytes());
            for v in items {
                if v.is_null() {
                    out.extend_from_slice(&(-1i32).to_be_bytes());
                } else {
                    let b = encode_binary(v);
                    out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                    out.extend_from_slice(&b);
                }
            }
            out
        }
    }
}

/// PostgreSQL's binary numeric: ndigits, weight, sign, dscale, base-10000 digits.
fn encode_numeric(d: &Decimal) -> Vec<u8> {
    let scale = d.scale() as usize;
    let s = d.abs().to_string();
    let (int_part, frac_part) = s.split_once('.').unwrap_or((&s, ""));
    let int_part = int_part.trim_start_matches('0');
    // Pad the integer part on the left and the fraction on the right to groups of 4.
    let int_pad = (4 - int_part.len() % 4) % 4;
    let int_digits = format!("{}{}", "0".repeat(int_pad), int_part);
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let frac_digits = format!("{}{}", frac_part, "0".repeat(frac_pad));
    let mut groups: Vec<i16> = Vec::new();
    for chunk in int_digits
        .as_bytes()
        .chunks(4)
        .chain(frac_digits.as_bytes().chunks(4))
    {
        groups.push(
            std::str::from_utf8(chunk)
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0),
        );
    }
    let mut weight = (int_digits.len() / 4) as i16 - 1;
    // Strip leading and trailing zero groups.
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let sign: u16 = if d.is_sign_negative() && !d.is_zero() {
        0x4000
    } else {
        0
    };
    let mut out = Vec::with_capacity(8 + groups.len() * 2);
    out.extend_from_slice(&(groups.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&(scale as u16).to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    out
}

/// Decodes a bound parameter (text or binary) as type `ty`.
pub fn decode_param(
    bytes: Option<&[u8]>,
    ty: &DataType,
    binary: bool,
    style: &rampart_types::Style,
) -> PgResult<Value> {
    let Some(b) = bytes else {
        return Ok(Value::Null);
    };
    if !binary {
        let s = std::str::from_utf8(b).map_err(|e| invalid_utf8(b, &e))?;
        return Value::from_pg_text_styled(ty, s, style);
    }
    let bad = || {
        PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!(
                "incorrect binary data format in bind parameter of type {}",
                ty.display_name()
            ),
        )
        .with_position(0)
    };
    let arr = |n: usize| -> PgResult<&[u8]> {
        if b.len() == n {
            Ok(b)
        } else {
            Err(bad())
        }
    };
    match ty {
        DataType::Bool => Value::Bool(arr(1)?[0] != 0),
        DataType::Int2 => Value::Int2(i16::from_be_bytes(arr(2)?.try_into().map_err(|_| bad())?)),
        DataType::Int4 => Value::Int4(i32::from_be_bytes(arr(4)?.try_into().map_err(|_| bad())?)),
        DataType::Int8 => Value::Int8(i64::from_be_bytes(arr(8)?.try_into().map_err(|_| bad())?)),
        DataType::Oid => Value::Oid(u32::from_be_bytes(arr(4)?.try_into().map_err(|_| bad())?)),
        DataType::Float4 => {
            Value::Float4(f32::from_be_bytes(arr(4)?.try_into().map_err(|_| bad())?))
        }
        DataType::Float8 => {
            Value::Float8(f64::from_be_bytes(arr(8)?.try_into().map_err(|_| bad())?))
        }
        DataType::Bytea => Value::Bytea(b.to_vec()),
        DataType::Uuid => Value::Uuid(arr(16)?.try_into().map_err(|_| bad())?),
        DataType::Date => {
            let days = i32::from_be_bytes(arr(4)?.try_into().map_err(|_| bad())?);
            Value::Date(
                pg_epoch()
                    .checked_add_signed(chrono::Duration::days(days as i64))
                    .ok_or_else(bad)?,
            )
        }
        DataType::Timestamp | DataType::Timestamptz => {
            let micros = i64::from_be_bytes(arr(8)?.try_into().map_err(|_| bad())?);
            let t = pg_epoch()
                .and_time(NaiveTime::MIN)
                .checked_add_signed(chrono::Duration::microseconds(micros))
                .ok_or_else(bad)?;
            if *ty == DataType::Timestamp {
                Value::Timestamp(t)
            } else {
                Value::Timestamptz(chrono::DateTime::from_naive_utc_and_offset(t, chrono::Utc))
            }
        }
        DataType::Numeric(_) => Value::Numeric(decode_numeric(b).ok_or_else(bad)?),
        t if t.is_string() || matches!(t, DataType::Json | DataType::Jsonb | DataType::Unknown) => {
            let s = std::str::from_utf8(b).map_err(|e| invalid_utf8(b, &e))?;
            let s = if *t == DataType::Jsonb {
                s.strip_prefix('\u{1}').unwrap_or(s)
            } else {
                s
            };
            Value::Text(s.to_string())
        }
        other => {
            return Err(PgError::unsupported(format!(
                "binary parameters of type {} are not supported yet",
                other.display_name()
            )))
        }
    }
    .fit_to(ty)
}

fn decode_numeric(b: &[u8]) -> Option<Decimal> {
    let rd =
        |i: usize| -> Option<i16> { Some(i16::from_be_bytes(b.get(i..i + 2)?.try_into().ok()?)) };
    let ndigits = rd(0)? as usize;
    let weight = rd(2)? as i32;
    let sign = rd(4)? as u16;
    let dscale = rd(6)? as u32;
    if sign == 0xC000 {
        return None; // NaN: not representable yet
    }
    let mut s = String::new();
    for i in 0..ndigits {
        s.push_str(&format!("{:04}", rd(8 + i * 2)?));
    }
    let point = (weight + 1) * 4;
    let mut value: Decimal = if s.is_empty() {
        Decimal::ZERO
    } else {
        s.parse().ok()?
    };
    let shift = ndigits as i32 * 4 - point;
    if shift > 0 {
        value.set_scale(shift as u32).ok()?;
    } else {
        value *= Decimal::from(10i64.checked_pow((-shift) as u32)?);
    }
    if sign == 0x4000 {
        value = -value;
    }
    value.rescale(dscale);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_binary_roundtrip() {
        for s in [
            "0",
            "1",
            "-12.50",
            "10000",
            "0.0001",
            "123456789.987654321",
            "-0.5",
        ] {
            let d: Decimal = s.parse().unwrap();
            let enc = encode_numeric(&d);
            assert_eq!(
                decode_numeric(&enc).unwrap().to_string(),
                d.to_string(),
                "{s}"
            );
        }
    }

    #[test]
    fn bad_binary_param_is_an_error() {
        assert!(
            decode_param(Some(&[1, 2, 3]), &DataType::Int4, true, &Default::default()).is_err()
        );
        let e =
            decode_param(Some(b"abc"), &DataType::Int4, false, &Default::default()).unwrap_err();
        assert_eq!(e.message, "invalid input syntax for type integer: \"abc\"");
        assert!(decode_param(
            Some(&[0xff, 0xfe]),
            &DataType::Text,
            false,
            &Default::default()
        )
        .is_err());
    }
}
