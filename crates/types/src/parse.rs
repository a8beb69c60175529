//! Text input functions: PostgreSQL's `*in` functions for each type.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;

use crate::{DataType, Interval, PgError, PgResult, SqlState, Value};

impl Value {
    /// Parses PostgreSQL text input for `ty` (default style: UTC), with PostgreSQL's error texts.
    pub fn from_pg_text(ty: &DataType, s: &str) -> PgResult<Value> {
        Value::from_pg_text_styled(ty, s, &crate::Style::default())
    }

    /// Parses text input for `ty`; a timestamptz without an explicit offset is in the session zone.
    pub fn from_pg_text_styled(ty: &DataType, s: &str, style: &crate::Style) -> PgResult<Value> {
        let v = match ty {
            DataType::Bool => Value::Bool(parse_bool(s)?),
            DataType::Int2 => {
                let v = parse_int(s, "smallint")?;
                Value::Int2(i16::try_from(v).map_err(|_| range_err(s, "smallint"))?)
            }
            DataType::Int4 => {
                let v = parse_int(s, "integer")?;
                Value::Int4(i32::try_from(v).map_err(|_| range_err(s, "integer"))?)
            }
            DataType::Int8 => Value::Int8(parse_int(s, "bigint")?),
            // A reg* name is resolved by the SQL layer (it needs the catalog);
            // here only the numeric form is accepted.
            // xidin is C's strtoul: leading digits, nothing to complain about.
            DataType::Xid => {
                let digits: String = s
                    .trim_start()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                Value::Oid(digits.parse::<u64>().map_or(0, |v| v as u32))
            }
            DataType::Oid | DataType::Reg(_) => {
                let v = parse_int(s, "oid")?;
                Value::Oid(u32::try_from(v).map_err(|_| range_err(s, "oid"))?)
            }
            DataType::Float4 => Value::Float4(parse_float(s, "real")? as f32),
            DataType::Float8 => Value::Float8(parse_float(s, "double precision")?),
            DataType::Numeric(_) => Value::Numeric(parse_numeric(s)?),
            DataType::Text
            | DataType::Varchar(_)
            | DataType::Char(_)
            | DataType::Name
            | DataType::Unknown
            | DataType::Void => Value::Text(s.to_string()),
            DataType::Json | DataType::Jsonb => Value::Text(s.to_string()),
            // Like reg*, aclitem input names roles: the SQL layer's cast
            // resolves and normalizes it; this context-free path keeps text.
            DataType::AclItem => Value::Text(s.to_string()),
            DataType::InternalChar => Value::Text(internal_char(s)),
            DataType::Int2Vector => Value::Text(parse_vector(
                s,
                "smallint",
                i16::MIN.into(),
                i16::MAX.into(),
            )?),
            DataType::OidVector => Value::Text(parse_vector(s, "oid", 0, u32::MAX.into())?),
            DataType::PgNodeTree | DataType::AnyArray => Value::Text(s.to_string()),
            DataType::Bytea => Value::Bytea(parse_bytea(s)?),
            DataType::Date => Value::Date(parse_date(s)?),
            DataType::Time => Value::Time(parse_time(s.trim()).ok_or_else(|| {
                PgError::new(
                    SqlState::INVALID_DATETIME_FORMAT,
                    format!("invalid input syntax for type time: \"{s}\""),
                )
            })?),
            DataType::Timestamp => Value::Timestamp(parse_timestamp(s)?.0),
            DataType::Timestamptz => {
                let (naive, offset) = parse_timestamp(s)?;
                match offset {
                    Some(off) => {
                        let utc = naive - chrono::Duration::seconds(off as i64);
                        Value::Timestamptz(DateTime::<Utc>::from_naive_utc_and_offset(utc, Utc))
                    }
                    None => Value::Timestamptz(crate::style::local_to_utc(&naive, &style.zone)),
                }
            }
            DataType::Interval => Value::Interval(parse_interval(s)?),
            DataType::Uuid => Value::Uuid(parse_uuid(s)?),
            DataType::Array(elem) => parse_array(elem, s, style)?,
        };
        v.fit_to(ty)
    }
}

/// `int2vector`/`oidvector` input: space-separated numbers of the element
/// type, kept as their normalized text. As PostgreSQL's, an error names the
/// input from the failing element on.
fn parse_vector(s: &str, element: &str, min: i64, max: i64) -> PgResult<String> {
    let mut out = Vec::new();
    for n in s.split_whitespace() {
        let rest = &s[n.as_ptr() as usize - s.as_ptr() as usize..];
        let v: i64 = n.parse().map_err(|_| {
            PgError::new(
                SqlState::INVALID_TEXT_REPRESENTATION,
                format!("invalid input syntax for type {element}: \"{rest}\""),
            )
        })?;
        if !(min..=max).contains(&v) {
            return Err(range_err(rest, element));
        }
        out.push(v.to_string());
    }
    Ok(out.join(" "))
}

/// `"char"` input (charin) as its output text: the first byte, a byte with
/// the high bit set as charout prints it (`\ooo`); `\ooo` input is read
/// back as that byte.
fn internal_char(s: &str) -> String {
    let bytes = s.as_bytes();
    let byte = match bytes {
        [b'\\', a, b, c, ..] if [a, b, c].iter().all(|d| (b'0'..=b'7').contains(d)) => {
            ((a - b'0') as u32 * 64 + (b - b'0') as u32 * 8 + (c - b'0') as u32) as u8
        }
        [first, ..] => *first,
        [] => 0,
    };
    if byte == 0 {
        String::new()
    } else if byte.is_ascii() {
        (byte as char).to_string()
    } else {
        format!("\\{byte:03o}")
    }
}

/// Parses array input `{a,"b c",NULL}` (one dimension).
fn parse_array(elem: &DataType, s: &str, style: &crate::Style) -> PgResult<Value> {
    let malformed = |detail: &str| {
        PgError::new(
            SqlState::INVALID_TEXT_REPRESENTATION,
            format!("malformed array literal: \"{s}\""),
        )
        .with_detail(detail.to_string())
    };
    let t = s.trim();
    let inner = t
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .ok_or_else(|| malformed("Array value must start with \"{\" or dimension information."))?;
    let mut items = Vec::new();
    if inner.trim().is_empty() {
        return Ok(Value::Array(items));
    }
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut text = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&'"') {
            quoted = true;
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => text.push(
                        chars
                            .next()
                            .ok_or_else(|| malformed("Unexpected end of input."))?,
                    ),
                    Some('"') => break,
                    Some(c) => text.push(c),
                    None => return Err(malformed("Unexpected end of input.")),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                if c == '{' || c == '}' || c == '"' {
                    return Err(malformed("Unexpected array element."));
                }
                chars.next();
                text.push(c);
            }
            text = text.trim_end().to_string();
        }
        items.push(if !quoted && text.eq_ignore_ascii_case("null") {
            Value::Null
        } else {
            Value::from_pg_text_styled(elem, &text, style)?
        });
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            Some(',') => continue,
            None => break,
            Some(_) => return Err(malformed("Unexpected array element.")),
        }
    }
    Ok(Value::Array(items))
}

fn range_err(s: &str, ty: &str) -> PgError {
    PgError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        format!("value \"{s}\" is out of range for type {ty}"),
    )
}

fn parse_int(s: &str, ty: &str) -> PgResult<i64> {
    let t = s.trim();
    let t2 = t.replace('_', "");
    match t2.parse::<i64>() {
        Ok(v) if !t.is_empty() && !t.starts_with('_') => Ok(v),
        _ => {
            let digits = t2.trim_start_matches(['+', '-']);
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                Err(range_err(s, ty))
            } else {
                Err(PgError::invalid_input(ty, s))
            }
        }
    }
}

fn parse_float(s: &str, ty: &str) -> PgResult<f64> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" => return Ok(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => return Ok(f64::INFINITY),
        "-infinity" | "-inf" => return Ok(f64::NEG_INFINITY),
        _ => {}
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_infinite() => Err(PgError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            format!("\"{t}\" is out of range for type {ty}"),
        )),
        Ok(v) => Ok(v),
        Err(_) => Err(PgError::invalid_input(ty, s)),
    }
}

/// Parses numeric input (plain or scientific notation).
pub(crate) fn parse_numeric(s: &str) -> PgResult<Decimal> {
    let t = s.trim();
    t.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| {
            let looks_numeric = !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
                && t.chars().any(|c| c.is_ascii_digit());
            if looks_numeric {
                PgError::new(
                    SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                    "value overflows numeric format",
                )
            } else {
                PgError::invalid_input("numeric", s)
            }
        })
}

/// Parses boolean input as `boolin` does (`t`, `yes`, `on`, `1`, prefixes).
pub fn parse_bool(s: &str) -> PgResult<bool> {
    let t = s.trim().to_ascii_lowercase();
    let matches = |word: &str| !t.is_empty() && word.starts_with(t.as_str());
    if t == "1" || matches("true") || matches("yes") || t == "on" {
        Ok(true)
    } else if t == "0" || matches("false") || matches("no") || t == "off" || t == "of" {
        Ok(false)
    } else {
        Err(PgError::invalid_input("boolean", s))
    }
}

fn parse_bytea(s: &str) -> PgResult<Vec<u8>> {
    if let Some(hex) = s.strip_prefix("\\x") {
        let clean: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if !clean.len().is_multiple_of(2) {
            return Err(PgError::invalid_input("bytea", s));
        }
        clean
            .chunks(2)
            .map(|pair| {
                std::str::from_utf8(pair)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| PgError::invalid_input("bytea", s))
            })
            .collect()
    } else {
        let mut out = Vec::new();
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\\' {
                if bytes.get(i + 1) == Some(&b'\\') {
                    out.push(b'\\');
                    i += 2;
                } else if i + 3 < bytes.len()
                    && bytes[i + 1..i + 4]
                        .iter()
                        .all(|b| (b'0'..=b'7').contains(b))
                {
                    let v = (bytes[i + 1] - b'0') as u32 * 64
                        + (bytes[i + 2] - b'0') as u32 * 8
                        + (bytes[i + 3] - b'0') as u32;
                    out.push(v as u8);
                    i += 4;
                } else {
                    return Err(PgError::invalid_input("bytea", s));
                }
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        Ok(out)
    }
}

fn parse_uuid(s: &str) -> PgResult<[u8; 16]> {
    let t = s.trim().trim_start_matches('{').trim_end_matches('}');
    let hex: String = t.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(PgError::invalid_input("uuid", s));
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16)
            .map_err(|_| PgError::invalid_input("uuid", s))?;
    }
    Ok(out)
}

/// Parses a date in ISO form (`YYYY-MM-DD`), plus `epoch`-free special words later.
pub fn parse_date(s: &str) -> PgResult<NaiveDate> {
    let t = s.trim();
    let date_part = t.split([' ', 'T']).next().unwrap_or("");
    check_date_fields(date_part, s)?;

    NaiveDate::parse_from_str(date_part, "%Y-%m-%d").map_err(|_| {
        PgError::new(
            SqlState::INVALID_DATETIME_FORMAT,
            format!("invalid input syntax for type date: \"{s}\""),
        )
    })
}

/// PostgreSQL's "field value out of range" errors for numerically well-formed dates.
fn check_date_fields(date_part: &str, input: &str) -> PgResult<()> {
    let parts: Vec<&str> = date_part.split('-').collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        return Ok(());
    }
    let (y, m, d): (i32, u32, u32) = match (parts[0].parse(), parts[1].parse(), parts[2].parse()) {
        (Ok(y), Ok(m), Ok(d)) => (y, m, d),
        _ => return Ok(()),
    };
    let err = || {
        PgError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date/time field value out of range: \"{input}\""),
        )
    };
    if m > 12 || d > 31 {
        return Err(err().with_hint("Perhaps you need a different \"datestyle\" setting."));
    }
    if m == 0 || d == 0 || NaiveDate::from_ymd_opt(y, m, d).is_none() {
        return Err(err());
    }
    Ok(())
}

fn parse_time(t: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(t, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
        .ok()
}

/// Parses `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][+HH[:MM]|Z]`; returns the local
/// timestamp and the UTC offset in seconds when one was written.
pub fn parse_timestamp(s: &str) -> PgResult<(NaiveDateTime, Option<i32>)> {
    let err = || {
        PgError::new(
            SqlState::INVALID_DATETIME_FORMAT,
            format!("invalid input syntax for type timestamp: \"{s}\""),
        )
    };
    let t = s.trim();
    let (date_str, rest) = match t.find([' ', 'T']) {
        Some(i) => (&t[..i], t[i + 1..].trim()),
        None => (t, ""),
    };
    let date = NaiveDate::parse_from_str(date_str, "%Y-%m-%d").map_err(|_| err())?;
    if rest.is_empty() {
        return Ok((date.and_time(NaiveTime::MIN), None));
    }
    let (time_str, offset) = split_offset(rest);
    let time = parse_time(time_str.trim()).ok_or_else(err)?;
    Ok((date.and_time(time), offset))
}

fn split_offset(rest: &str) -> (&str, Option<i32>) {
    if let Some(stripped) = rest.strip_suffix('Z').or_else(|| rest.strip_suffix(" UTC")) {
        return (stripped, Some(0));
    }
    if let Some(pos) = rest.rfind(['+', '-']) {
        let (time, off) = rest.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let digits = &off[1..];
        let (h, m) = match digits.split_once(':') {
            Some((h, m)) => (h.parse::<i32>().ok(), m.parse::<i32>().ok()),
            None if digits.len() == 4 => (digits[..2].parse().ok(), digits[2..].parse().ok()),
            None => (digits.parse().ok(), Some(0)),
        };
        if let (Some(h), Some(m)) = (h, m) {
            return (time, Some(sign * (h * 3600 + m * 60)));
        }
    }
    (rest, None)
}

/// Parses interval input: `N unit` pairs (`1 year 2 mons 3 days`), `HH:MM:SS`, `@` and `ago`.
pub fn parse_interval(s: &str) -> PgResult<Interval> {
    let err = || PgError::invalid_input("interval", s);
    let mut iv = Interval::default();
    let lower = s.trim().trim_start_matches('@').to_ascii_lowercase();
    let mut tokens = lower.split_whitespace().peekable();
    let mut negate = false;
    let mut any = false;
    while let Some(tok) = tokens.next() {
        if tok == "ago" {
            negate = true;
            continue;
        }
        if tok.contains(':') {
            let neg = tok.starts_with('-');
            let body = tok.trim_start_matches(['-', '+']);
            let parts: Vec<&str> = body.split(':').collect();
            let h: i64 = parts.first().and_then(|p| p.parse().ok()).ok_or_else(err)?;
            let m: i64 = parts.get(1).and_then(|p| p.parse().ok()).ok_or_else(err)?;
            let sec: f64 = match parts.get(2) {
                Some(p) => p.parse().map_err(|_| err())?,
                None => 0.0,
            };
            let micros = (h * 3600 + m * 60) * 1_000_000 + (sec * 1_000_000.0).round() as i64;
            iv.micros += if neg { -micros } else { micros };
            any = true;
            continue;
        }
        let num: f64 = tok.parse().map_err(|_| err())?;
        let unit = match tokens.peek() {
            Some(u) if u.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && *u != "ago" => {
                tokens.next().unwrap_or("second")
            }
            _ => "second",
        };
        let unit = unit.trim_end_matches(',');
        match unit.trim_end_matches('s') {
            "year" | "yr" | "y" => iv.months += (num * 12.0) as i32,
            "mon" | "month" | "mo" => iv.months += num as i32,
            "week" | "w" => iv.days += (num * 7.0) as i32,
            "day" | "d" => iv.days += num as i32,
            "hour" | "hr" | "h" => iv.micros += (num * 3_600_000_000.0) as i64,
            "minute" | "min" | "m" => iv.micros += (num * 60_000_000.0) as i64,
            "second" | "sec" | "" => iv.micros += (num * 1_000_000.0) as i64,
            "millisecond" | "msec" | "ms" => iv.micros += (num * 1000.0) as i64,
            "microsecond" => iv.micros += num as i64,
            _ => return Err(err()),
        }
        any = true;
    }
    if !any {
        return Err(err());
    }
    if negate {
        iv = Interval {
            months: -iv.months,
            days: -iv.days,
            micros: -iv.micros,
        };
    }
    Ok(iv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_types_read_input_as_postgresql() {
        let text = |ty: &DataType, s: &str| {
            Value::from_pg_text(ty, s).map(|v| match v {
                Value::Text(t) => t,
                other => format!("{other:?}"),
            })
        };
        // "char": the first byte; high-bit bytes print as octal escapes.
        assert_eq!(text(&DataType::InternalChar, "abc").unwrap(), "a");
        assert_eq!(text(&DataType::InternalChar, "é").unwrap(), "\\303");
        assert_eq!(text(&DataType::InternalChar, "\\101").unwrap(), "A");
        assert_eq!(text(&DataType::InternalChar, "").unwrap(), "");
        // xid: strtoul, no errors.
        assert_eq!(
            Value::from_pg_text(&DataType::Xid, "abc").unwrap(),
            Value::Oid(0)
        );
        assert_eq!(
            Value::from_pg_text(&DataType::Xid, "42").unwrap(),
            Value::Oid(42)
        );
        // int2vector: each element a smallint.
        assert_eq!(text(&DataType::Int2Vector, " 1  2 ").unwrap(), "1 2");
        let e = Value::from_pg_text(&DataType::Int2Vector, "1 x").unwrap_err();
        assert_eq!(e.message, "invalid input syntax for type smallint: \"x\"");
    }

    #[test]
    fn integer_errors_match_postgres() {
        let e = Value::from_pg_text(&DataType::Int4, "").unwrap_err();
        assert_eq!(e.code, SqlState::INVALID_TEXT_REPRESENTATION);
        assert_eq!(e.message, "invalid input syntax for type integer: \"\"");
        let e = Value::from_pg_text(&DataType::Int4, "99999999999").unwrap_err();
        assert_eq!(
            e.message,
            "value \"99999999999\" is out of range for type integer"
        );
        assert_eq!(
            Value::from_pg_text(&DataType::Int4, " 42 ").unwrap(),
            Value::Int4(42)
        );
    }

    #[test]
    fn booleans() {
        assert!(parse_bool("yes").unwrap());
        assert!(!parse_bool("f").unwrap());
        assert_eq!(
            parse_bool("maybe").unwrap_err().message,
            "invalid input syntax for type boolean: \"maybe\""
        );
    }

    #[test]
    fn timestamps_and_intervals() {
        let v = Value::from_pg_text(&DataType::Timestamp, "2024-01-02 03:04:05.5").unwrap();
        assert_eq!(v.to_pg_text().unwrap(), "2024-01-02 03:04:05.5");
        let v = Value::from_pg_text(&DataType::Timestamptz, "2024-01-02 03:04:05+02").unwrap();
        assert_eq!(v.to_pg_text().unwrap(), "2024-01-02 01:04:05+00");
        let iv = parse_interval("1 day 02:00:00").unwrap();
        assert_eq!(
            iv,
            Interval {
                months: 0,
                days: 1,
                micros: 7_200_000_000
            }
        );
    }

    #[test]
    fn arrays_roundtrip() {
        let ty = DataType::Array(Box::new(DataType::Text));
        let v = Value::from_pg_text(&ty, r#"{a,"b c",NULL,"x\"y"}"#).unwrap();
        assert_eq!(
            v,
            Value::Array(vec![
                Value::Text("a".into()),
                Value::Text("b c".into()),
                Value::Null,
                Value::Text("x\"y".into())
            ])
        );
        assert_eq!(v.to_pg_text().unwrap(), r#"{a,"b c",NULL,"x\"y"}"#);
        let ints =
            Value::from_pg_text(&DataType::Array(Box::new(DataType::Int4)), "{1, 2 ,3}").unwrap();
        assert_eq!(ints.to_pg_text().unwrap(), "{1,2,3}");
        assert!(Value::from_pg_text(&ty, "1,2").is_err());
    }

    #[test]
    fn bytea_hex_roundtrip() {
        let v = Value::from_pg_text(&DataType::Bytea, "\\x0aff").unwrap();
        assert_eq!(v, Value::Bytea(vec![10, 255]));
        assert_eq!(v.to_pg_text().unwrap(), "\\x0aff");
    }
}
