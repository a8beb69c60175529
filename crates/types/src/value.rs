//! One SQL datum and its PostgreSQL text form.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;

use crate::{DataType, PgError, PgResult};

/// An `interval`: months, days and microseconds kept apart as PostgreSQL does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Interval {
    /// Whole months (years are 12 months).
    pub months: i32,
    /// Whole days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

impl Interval {
    /// The value used to order intervals (30-day months, 24-hour days, as PostgreSQL).
    pub fn sort_key(&self) -> i128 {
        (self.months as i128 * 30 + self.days as i128) * 86_400_000_000 + self.micros as i128
    }
}

/// One datum. Strings of every string type are `Text`; the column type says which.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// boolean
    Bool(bool),
    /// smallint
    Int2(i16),
    /// integer
    Int4(i32),
    /// bigint
    Int8(i64),
    /// real
    Float4(f32),
    /// double precision
    Float8(f64),
    /// numeric
    Numeric(Decimal),
    /// text, varchar, char, name, json, jsonb (as text)
    Text(String),
    /// bytea
    Bytea(Vec<u8>),
    /// date
    Date(NaiveDate),
    /// time
    Time(NaiveTime),
    /// timestamp without time zone
    Timestamp(NaiveDateTime),
    /// timestamp with time zone (kept in UTC)
    Timestamptz(DateTime<Utc>),
    /// interval
    Interval(Interval),
    /// oid
    Oid(u32),
    /// uuid
    Uuid([u8; 16]),
    /// A one-dimensional array (elements carry their own values; NULLs allowed).
    Array(Vec<Value>),
}

impl Value {
    /// True for SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The natural type of this value (Unknown for NULL).
    pub fn data_type(&self) -> DataType {
        match self {
            Value::Null => DataType::Unknown,
            Value::Bool(_) => DataType::Bool,
            Value::Int2(_) => DataType::Int2,
            Value::Int4(_) => DataType::Int4,
            Value::Int8(_) => DataType::Int8,
            Value::Float4(_) => DataType::Float4,
            Value::Float8(_) => DataType::Float8,
            Value::Numeric(_) => DataType::Numeric(None),
            Value::Text(_) => DataType::Text,
            Value::Bytea(_) => DataType::Bytea,
            Value::Date(_) => DataType::Date,
            Value::Time(_) => DataType::Time,
            Value::Timestamp(_) => DataType::Timestamp,
            Value::Timestamptz(_) => DataType::Timestamptz,
            Value::Interval(_) => DataType::Interval,
            Value::Oid(_) => DataType::Oid,
            Value::Uuid(_) => DataType::Uuid,
            Value::Array(v) => DataType::Array(Box::new(
                v.iter()
                    .find(|x| !x.is_null())
                    .map(|x| x.data_type())
                    .unwrap_or(DataType::Text),
            )),
        }
    }

    /// Integer view of an integer-typed value.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int2(v) => Some(*v as i64),
            Value::Int4(v) => Some(*v as i64),
            Value::Int8(v) => Some(*v),
            Value::Oid(v) => Some(*v as i64),
            _ => None,
        }
    }

    /// Floating view of any numeric value.
    pub fn as_f64(&self) -> Option<f64> {
        use rust_decimal::prelude::ToPrimitive;
        match self {
            Value::Float4(v) => Some(*v as f64),
            Value::Float8(v) => Some(*v),
            Value::Numeric(d) => d.to_f64(),
            _ => self.as_i64().map(|v| v as f64),
        }
    }

    /// Decimal view of an integer or numeric value.
    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Numeric(d) => Some(*d),
            _ => self.as_i64().map(Decimal::from),
        }
    }

    /// Text view of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// PostgreSQL's text output with the default style (DateStyle ISO,
    /// IntervalStyle postgres, TimeZone UTC, extra_float_digits 1, bytea_output hex).
    pub fn to_pg_text(&self) -> Option<String> {
        self.to_pg_text_styled(&crate::Style::default())
    }

    /// PostgreSQL's text output under the session's DateStyle/IntervalStyle/TimeZone. `None` for NULL.
    pub fn to_pg_text_styled(&self, style: &crate::Style) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(b) => if *b { "t" } else { "f" }.to_string(),
            Value::Int2(v) => v.to_string(),
            Value::Int4(v) => v.to_string(),
            Value::Int8(v) => v.to_string(),
            Value::Oid(v) => v.to_string(),
            Value::Float4(v) => format_float(*v as f64, 6, Some(*v)),
            Value::Float8(v) => format_float(*v, 15, None),
            Value::Numeric(d) => d.to_string(),
            Value::Text(s) => s.clone(),
            Value::Bytea(b) => {
                let mut s = String::with_capacity(2 + b.len() * 2);
                s.push_str("\\x");
                for byte in b {
                    s.push_str(&format!("{byte:02x}"));
                }
                s
            }
            Value::Date(d) => crate::style::format_date(*d, style),
            Value::Time(t) => format_time(*t),
            Value::Timestamp(ts) => crate::style::format_timestamp(ts, style),
            Value::Timestamptz(ts) => crate::style::format_timestamptz(ts, style),
            Value::Interval(iv) => match style.interval {
                crate::style::IntervalFormat::Postgres => format_interval(iv),
                crate::style::IntervalFormat::PostgresVerbose => format_interval_verbose(iv),
            },
            Value::Uuid(u) => {
                let h: String = u.iter().map(|b| format!("{b:02x}")).collect();
                format!(
                    "{}-{}-{}-{}-{}",
                    &h[0..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..32]
                )
            }
            Value::Array(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|v| match v.to_pg_text_styled(style) {
                        None => "NULL".to_string(),
                        Some(t) => quote_array_element(&t),
                    })
                    .collect();
                format!("{{{}}}", parts.join(","))
            }
        })
    }

    /// Total order used by ORDER BY, DISTINCT, GROUP BY and indexes:
    /// NULL sorts last (greater than everything), numbers compare across
    /// types, NaN sorts above all other floats as in PostgreSQL.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Greater,
            (_, Null) => Ordering::Less,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Text(a), Text(b)) => a.cmp(b),
            (Bytea(a), Bytea(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Time(a), Time(b)) => a.cmp(b),
            (Timestamp(a), Timestamp(b)) => a.cmp(b),
            (Timestamptz(a), Timestamptz(b)) => a.cmp(b),
            (Timestamp(a), Timestamptz(b)) => a.cmp(&b.naive_utc()),
            (Timestamptz(a), Timestamp(b)) => a.naive_utc().cmp(b),
            (Date(a), Timestamp(b)) => a.and_time(NaiveTime::MIN).cmp(b),
            (Timestamp(a), Date(b)) => a.cmp(&b.and_time(NaiveTime::MIN)),
            (Interval(a), Interval(b)) => a.sort_key().cmp(&b.sort_key()),
            (Uuid(a), Uuid(b)) => a.cmp(b),
            (Array(a), Array(b)) => {
                for (x, y) in a.iter().zip(b) {
                    let o = x.total_cmp(y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            _ => {
                if let (Some(a), Some(b)) = (self.as_i64(), other.as_i64()) {
                    return a.cmp(&b);
                }
                if let (Some(a), Some(b)) = (self.as_decimal(), other.as_decimal()) {
                    return a.cmp(&b);
                }
                if let (Some(a), Some(b)) = (self.as_f64(), other.as_f64()) {
                    return float_cmp(a, b);
                }
                // Mismatched kinds only meet here through a planner bug; order by kind.
                self.kind_rank().cmp(&other.kind_rank())
            }
        }
    }

    fn kind_rank(&self) -> u8 {
        match self {
            Value::Null => 255,
            Value::Bool(_) => 0,
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Oid(_) => 1,
            Value::Float4(_) | Value::Float8(_) | Value::Numeric(_) => 1,
            Value::Text(_) => 2,
            Value::Bytea(_) => 3,
            Value::Date(_) | Value::Timestamp(_) | Value::Timestamptz(_) => 4,
            Value::Time(_) => 5,
            Value::Interval(_) => 6,
            Value::Uuid(_) => 7,
            Value::Array(_) => 8,
        }
    }

    /// A hashable key with the same equality as [`Value::total_cmp`] for
    /// values of one column type (used by hash aggregation and DISTINCT).
    pub fn group_key(&self) -> Vec<u8> {
        let mut out = Vec::new();
        crate::row::encode_value(&mut out, &self.normalized_for_key());
        out
    }

    fn normalized_for_key(&self) -> Value {
        match self {
            Value::Int2(v) => Value::Int8(*v as i64),
            Value::Int4(v) => Value::Int8(*v as i64),
            Value::Numeric(d) => Value::Numeric(d.normalize()),
            Value::Float4(f) => Value::Float8(*f as f64),
            Value::Float8(f) if *f == 0.0 => Value::Float8(0.0),
            v => v.clone(),
        }
    }

    /// Checks and rounds a value for storage in a column of type `ty`
    /// (varchar length, numeric scale and precision).
    pub fn fit_to(self, ty: &DataType) -> PgResult<Value> {
        match (ty, self) {
            (DataType::Varchar(Some(n)), Value::Text(s)) => {
                if s.chars().count() > *n as usize {
                    let trimmed = s.trim_end_matches(' ');
                    if trimmed.chars().count() <= *n as usize {
                        return Ok(Value::Text(s.chars().take(*n as usize).collect()));
                    }
                    return Err(PgError::new(
                        crate::SqlState::STRING_DATA_RIGHT_TRUNCATION,
                        format!("value too long for type character varying({n})"),
                    ));
                }
                Ok(Value::Text(s))
            }
            (DataType::Char(n), Value::Text(s)) => {
                let n = n.unwrap_or(1) as usize;
                let len = s.chars().count();
                if len > n {
                    let trimmed = s.trim_end_matches(' ');
                    if trimmed.chars().count() <= n {
                        return Ok(Value::Text(s.chars().take(n).collect()));
                    }
                    return Err(PgError::new(
                        crate::SqlState::STRING_DATA_RIGHT_TRUNCATION,
                        format!("value too long for type character({n})"),
                    ));
                }
                let mut s = s;
                s.extend(std::iter::repeat_n(' ', n - len));
                Ok(Value::Text(s))
            }
            (DataType::Numeric(Some((p, s))), Value::Numeric(d)) => {
                let rounded = d.round_dp_with_strategy(
                    *s,
                    rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                );
                let mut fixed = rounded;
                fixed.rescale(*s);
                let int_digits = {
                    let t = fixed.trunc().abs();
                    if t.is_zero() {
                        0
                    } else {
                        t.to_string().len() as u32
                    }
                };
                if int_digits > p - s {
                    return Err(PgError::new(
                        crate::SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                        "numeric field overflow",
                    )
                    .with_detail(format!(
                        "A field with precision {p}, scale {s} must round to an absolute value less than {}.",
                        if p - s == 0 { "1".to_string() } else { format!("10^{}", p - s) }
                    )));
                }
                Ok(Value::Numeric(fixed))
            }
            (_, v) => Ok(v),
        }
    }
}

/// Quotes an array element as PostgreSQL's array_out does.
fn quote_array_element(t: &str) -> String {
    let needs = t.is_empty()
        || t.eq_ignore_ascii_case("null")
        || t.chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_whitespace());
    if needs {
        format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        t.to_string()
    }
}

/// Orders floats like PostgreSQL: NaN is equal to itself and above everything.
pub fn float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

fn format_float(v: f64, digits: i32, as_f32: Option<f32>) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Shortest round-trip digits, then PostgreSQL's %g-like layout.
    let sci = match as_f32 {
        Some(f) => format!("{f:e}"),
        None => format!("{v:e}"),
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= digits {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        match as_f32 {
            Some(f) => format!("{f}"),
            None => format!("{v}"),
        }
    }
}

fn format_time(t: NaiveTime) -> String {
    use chrono::Timelike;
    let micros = t.nanosecond() / 1000;
    let base = format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    if micros == 0 {
        base
    } else {
        let frac = format!("{micros:06}");
        format!("{base}.{}", frac.trim_end_matches('0'))
    }
}

fn format_interval(iv: &Interval) -> String {
    let mut parts: Vec<String> = Vec::new();
    let years = iv.months / 12;
    let months = iv.months % 12;
    let plural = |n: i64, unit: &str| {
        if n == 1 || n == -1 {
            format!("{n} {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if years != 0 {
        parts.push(plural(years as i64, "year"));
    }
    if months != 0 {
        parts.push(plural(months as i64, "mon"));
    }
    if iv.days != 0 {
        parts.push(plural(iv.days as i64, "day"));
    }
    if iv.micros != 0 || parts.is_empty() {
        let neg = iv.micros < 0;
        let total = iv.micros.unsigned_abs();
        let secs = total / 1_000_000;
        let frac = total % 1_000_000;
        let mut t = format!(
            "{}{:02}:{:02}:{:02}",
            if neg { "-" } else { "" },
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        );
        if frac != 0 {
            let f = format!("{frac:06}");
            t.push('.');
            t.push_str(f.trim_end_matches('0'));
        }
        parts.push(t);
    }
    parts.join(" ")
}

/// IntervalStyle postgres_verbose: `@ 1 year 2 mons 3 days 4 hours 5 mins 6.5 secs [ago]`.
fn format_interval_verbose(iv: &Interval) -> String {
    let mut out = String::from("@");
    let mut is_zero = true;
    let mut is_before = false;
    let mut part = |value: i64, unit: &str, out: &mut String| {
        if value == 0 {
            return;
        }
        let mut v = value;
        if is_zero {
            is_before = v < 0;
            v = v.abs();
        } else if is_before {
            v = -v;
        }
        out.push_str(&format!(" {v} {unit}{}", if v == 1 { "" } else { "s" }));
        is_zero = false;
    };
    part((iv.months / 12) as i64, "year", &mut out);
    part((iv.months % 12) as i64, "mon", &mut out);
    part(iv.days as i64, "day", &mut out);
    let hours = iv.micros / 3_600_000_000;
    let mins = (iv.micros / 60_000_000) % 60;
    let micros = iv.micros % 60_000_000;
    part(hours, "hour", &mut out);
    part(mins, "min", &mut out);
    if micros != 0 {
        let mut m = micros;
        if is_zero {
            is_before = m < 0;
            m = m.abs();
        } else if is_before {
            m = -m;
        }
        let neg = m < 0;
        let a = m.unsigned_abs();
        let mut secs = format!("{}{}", if neg { "-" } else { "" }, a / 1_000_000);
        if !a.is_multiple_of(1_000_000) {
            let frac = format!("{:06}", a % 1_000_000);
            secs.push('.');
            secs.push_str(frac.trim_end_matches('0'));
        }
        let plural = if m == 1_000_000 { "" } else { "s" };
        out.push_str(&format!(" {secs} sec{plural}"));
        is_zero = false;
    }
    if is_zero {
        out.push_str(" 0");
    }
    if is_before {
        out.push_str(" ago");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_intervals() {
        let iv = Interval {
            months: 14,
            days: 3,
            micros: 3_661_500_000,
        };
        assert_eq!(
            format_interval_verbose(&iv),
            "@ 1 year 2 mons 3 days 1 hour 1 min 1.5 secs"
        );
        assert_eq!(format_interval_verbose(&Interval::default()), "@ 0");
        assert_eq!(
            format_interval_verbose(&Interval {
                months: 0,
                days: -1,
                micros: 0
            }),
            "@ 1 day ago"
        );
    }

    #[test]
    fn float_output_matches_postgres() {
        assert_eq!(Value::Float8(1e20).to_pg_text().unwrap(), "1e+20");
        assert_eq!(Value::Float8(0.1).to_pg_text().unwrap(), "0.1");
        assert_eq!(Value::Float8(1.5e-5).to_pg_text().unwrap(), "1.5e-05");
        assert_eq!(Value::Float8(123456.0).to_pg_text().unwrap(), "123456");
        assert_eq!(Value::Float4(1.1).to_pg_text().unwrap(), "1.1");
        assert_eq!(Value::Float8(f64::NAN).to_pg_text().unwrap(), "NaN");
    }

    #[test]
    fn interval_output() {
        let iv = Interval {
            months: 14,
            days: 3,
            micros: 3_661_000_000,
        };
        assert_eq!(
            Value::Interval(iv).to_pg_text().unwrap(),
            "1 year 2 mons 3 days 01:01:01"
        );
        assert_eq!(
            Value::Interval(Interval::default()).to_pg_text().unwrap(),
            "00:00:00"
        );
    }

    #[test]
    fn varchar_too_long_is_22001() {
        let err = Value::Text("abcdef".into())
            .fit_to(&DataType::Varchar(Some(3)))
            .unwrap_err();
        assert_eq!(err.code.0, "22001");
        assert_eq!(err.message, "value too long for type character varying(3)");
    }

    #[test]
    fn numeric_scale_is_rounded() {
        let v = Value::Numeric("1.005".parse().unwrap())
            .fit_to(&DataType::Numeric(Some((5, 2))))
            .unwrap();
        assert_eq!(v.to_pg_text().unwrap(), "1.01");
        let err = Value::Numeric("1000".parse().unwrap())
            .fit_to(&DataType::Numeric(Some((5, 2))))
            .unwrap_err();
        assert_eq!(err.message, "numeric field overflow");
    }
}
