//! Date/time functions: date_part/EXTRACT, date_trunc, age.

use chrono::{Datelike, NaiveDateTime, Timelike};
use rampart_types::{Interval, PgError, PgResult, SqlState, Value};

fn as_datetime(v: &Value) -> Option<NaiveDateTime> {
    match v {
        Value::Timestamp(t) => Some(*t),
        Value::Timestamptz(t) => Some(t.naive_utc()),
        Value::Date(d) => d.and_hms_opt(0, 0, 0),
        _ => None,
    }
}

fn unit_error(field: &str, v: &Value) -> PgError {
    PgError::new(
        SqlState::FEATURE_NOT_SUPPORTED,
        format!(
            "unit \"{field}\" not supported for type {}",
            v.data_type().display_name()
        ),
    )
}

/// `date_part(field, source)`.
pub fn date_part(field: &str, v: &Value) -> PgResult<Value> {
    let f = field.to_ascii_lowercase();
    if let Value::Interval(i) = v {
        let secs = i.micros as f64 / 1e6;
        return Ok(Value::Float8(match f.as_str() {
            "year" | "years" => (i.months / 12) as f64,
            "month" | "months" | "mon" => (i.months % 12) as f64,
            "day" | "days" => i.days as f64,
            "hour" | "hours" => (i.micros / 3_600_000_000) as f64,
            "minute" | "minutes" => ((i.micros / 60_000_000) % 60) as f64,
            "second" | "seconds" => secs % 60.0,
            "epoch" => {
                i.months as f64 * 30.0 * 86400.0 * 365.25 / 360.0 + i.days as f64 * 86400.0 + secs
            }
            _ => return Err(unit_error(field, v)),
        }));
    }
    let t = as_datetime(v).ok_or_else(|| unit_error(field, v))?;
    Ok(Value::Float8(match f.as_str() {
        "year" | "years" => t.year() as f64,
        "month" | "months" | "mon" => t.month() as f64,
        "day" | "days" => t.day() as f64,
        "hour" | "hours" => t.hour() as f64,
        "minute" | "minutes" => t.minute() as f64,
        "second" | "seconds" => t.second() as f64 + t.nanosecond() as f64 / 1e9,
        "dow" => t.weekday().num_days_from_sunday() as f64,
        "isodow" => t.weekday().number_from_monday() as f64,
        "doy" => t.ordinal() as f64,
        "quarter" => ((t.month() - 1) / 3 + 1) as f64,
        "week" => t.iso_week().week() as f64,
        "epoch" => t.and_utc().timestamp_micros() as f64 / 1e6,
        "decade" => (t.year() / 10) as f64,
        "century" => ((t.year() + 99) / 100) as f64,
        "millennium" => ((t.year() + 999) / 1000) as f64,
        "milliseconds" => t.second() as f64 * 1000.0 + t.nanosecond() as f64 / 1e6,
        "microseconds" => t.second() as f64 * 1e6 + (t.nanosecond() / 1000) as f64,
        _ => {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!(
                    "unit \"{field}\" not recognized for type {}",
                    v.data_type().display_name()
                ),
            ));
        }
    }))
}

/// `date_trunc(field, source)`.
pub fn date_trunc(field: &str, v: &Value) -> PgResult<Value> {
    let t = as_datetime(v).ok_or_else(|| unit_error(field, v))?;
    let d = t.date();
    let out = match field.to_ascii_lowercase().as_str() {
        "microseconds" => t,
        "milliseconds" => t
            .with_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000)
            .unwrap_or(t),
        "second" => t.with_nanosecond(0).unwrap_or(t),
        "minute" => d.and_hms_opt(t.hour(), t.minute(), 0).unwrap_or(t),
        "hour" => d.and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        "day" => d.and_hms_opt(0, 0, 0).unwrap_or(t),
        "week" => (d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64))
            .and_hms_opt(0, 0, 0)
            .unwrap_or(t),
        "month" => d
            .with_day(1)
            .and_then(|x| x.and_hms_opt(0, 0, 0))
            .unwrap_or(t),
        "quarter" => d
            .with_day(1)
            .and_then(|x| x.with_month((d.month() - 1) / 3 * 3 + 1))
            .and_then(|x| x.and_hms_opt(0, 0, 0))
            .unwrap_or(t),
        "year" => d
            .with_day(1)
            .and_then(|x| x.with_month(1))
            .and_then(|x| x.and_hms_opt(0, 0, 0))
            .unwrap_or(t),
        _ => {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!(
                    "unit \"{field}\" not recognized for type {}",
                    v.data_type().display_name()
                ),
            ))
        }
    };
    Ok(match v {
        Value::Timestamptz(_) => Value::Timestamptz(chrono::DateTime::from_naive_utc_and_offset(
            out,
            chrono::Utc,
        )),
        _ => Value::Timestamp(out),
    })
}

/// `age(a, b)`: symbolic years/months/days difference.
pub fn age(a: &Value, b: &Value) -> PgResult<Value> {
    let (Some(x), Some(y)) = (as_datetime(a), as_datetime(b)) else {
        return Err(PgError::internal("age() needs timestamps"));
    };
    let (hi, lo, sign) = if x >= y { (x, y, 1) } else { (y, x, -1) };
    let mut months = (hi.year() - lo.year()) * 12 + hi.month() as i32 - lo.month() as i32;
    let mut rest = hi
        - lo.checked_add_months(chrono::Months::new(months.max(0) as u32))
            .unwrap_or(lo);
    if rest < chrono::Duration::zero() {
        months -= 1;
        rest = hi
            - lo.checked_add_months(chrono::Months::new(months.max(0) as u32))
                .unwrap_or(lo);
    }
    let days = rest.num_days();
    let micros = (rest - chrono::Duration::days(days))
        .num_microseconds()
        .unwrap_or(0);
    Ok(Value::Interval(Interval {
        months: sign * months,
        days: sign * days as i32,
        micros: sign as i64 * micros,
    }))
}
