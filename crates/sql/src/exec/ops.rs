//! Operators on values: arithmetic with PostgreSQL's overflow errors, comparison, LIKE.

use chrono::{Duration, NaiveTime};
use rampart_types::{Interval, PgError, PgResult, SqlState, Value};
use rust_decimal::prelude::*;

use crate::expr::BinOp;

/// Applies an arithmetic operator to two non-NULL values of matching types.
pub fn arithmetic(op: BinOp, l: &Value, r: &Value) -> PgResult<Value> {
    use Value::*;
    Ok(match (l, r) {
        (Int2(a), Int2(b)) => Int2(
            int_op(op, *a as i64, *b as i64, "smallint")
                .and_then(|v| i16::try_from(v).map_err(|_| PgError::out_of_range("smallint")))?,
        ),
        (Int4(a), Int4(b)) => Int4(
            int_op(op, *a as i64, *b as i64, "integer")
                .and_then(|v| i32::try_from(v).map_err(|_| PgError::out_of_range("integer")))?,
        ),
        (Int8(a), Int8(b)) => Int8(int_op(op, *a, *b, "bigint")?),
        (Float4(a), Float4(b)) => Float4(float_op(op, *a as f64, *b as f64, "real")? as f32),
        (Float8(a), Float8(b)) => Float8(float_op(op, *a, *b, "double precision")?),
        (Numeric(a), Numeric(b)) => Numeric(numeric_op(op, *a, *b)?),
        (Date(d), Int4(n)) => {
            let n = if op == BinOp::Sub {
                -(*n as i64)
            } else {
                *n as i64
            };
            Date(
                d.checked_add_signed(Duration::days(n))
                    .ok_or_else(|| PgError::out_of_range("date"))?,
            )
        }
        (Int4(n), Date(d)) => Date(
            d.checked_add_signed(Duration::days(*n as i64))
                .ok_or_else(|| PgError::out_of_range("date"))?,
        ),
        (Date(a), Date(b)) => Int4((*a - *b).num_days() as i32),
        (Timestamp(t), Interval(i)) => Timestamp(add_interval(*t, i, op == BinOp::Sub)?),
        (Interval(i), Timestamp(t)) => Timestamp(add_interval(*t, i, false)?),
        (Timestamptz(t), Interval(i)) => {
            let n = add_interval(t.naive_utc(), i, op == BinOp::Sub)?;
            Timestamptz(chrono::DateTime::from_naive_utc_and_offset(n, chrono::Utc))
        }
        (Interval(i), Timestamptz(t)) => {
            let n = add_interval(t.naive_utc(), i, false)?;
            Timestamptz(chrono::DateTime::from_naive_utc_and_offset(n, chrono::Utc))
        }
        (Timestamp(a), Timestamp(b)) => Interval(diff(*a - *b)),
        (Timestamptz(a), Timestamptz(b)) => Interval(diff(*a - *b)),
        (Interval(a), Interval(b)) => {
            let s = if op == BinOp::Sub { -1 } else { 1 };
            Interval(rampart_types::Interval {
                months: a.months + s * b.months,
                days: a.days + s * b.days,
                micros: a.micros + s as i64 * b.micros,
            })
        }
        (Interval(a), Float8(f)) => Interval(scale_interval(
            a,
            if op == BinOp::Div {
                if *f == 0.0 {
                    return Err(PgError::division_by_zero());
                } else {
                    1.0 / f
                }
            } else {
                *f
            },
        )),
        (Float8(f), Interval(a)) => Interval(scale_interval(a, *f)),
        _ => {
            return Err(PgError::internal(format!(
                "no operator {op:?} for {l:?} and {r:?}"
            )))
        }
    })
}

fn diff(d: chrono::TimeDelta) -> Interval {
    let micros = d.num_microseconds().unwrap_or(i64::MAX);
    let days = micros / 86_400_000_000;
    Interval {
        months: 0,
        days: days as i32,
        micros: micros - days * 86_400_000_000,
    }
}

fn scale_interval(a: &Interval, f: f64) -> Interval {
    let total_months = a.months as f64 * f;
    let months = total_months.trunc();
    let days_f = a.days as f64 * f + (total_months - months) * 30.0;
    let days = days_f.trunc();
    let micros = a.micros as f64 * f + (days_f - days) * 86_400_000_000.0;
    Interval {
        months: months as i32,
        days: days as i32,
        micros: micros.round() as i64,
    }
}

fn add_interval(
    t: chrono::NaiveDateTime,
    i: &Interval,
    negate: bool,
) -> PgResult<chrono::NaiveDateTime> {
    let s = if negate { -1 } else { 1 };
    let mut out = t;
    if i.months != 0 {
        let m = chrono::Months::new(i.months.unsigned_abs());
        out = if (i.months > 0) == (s > 0) {
            out.checked_add_months(m)
        } else {
            out.checked_sub_months(m)
        }
        .ok_or_else(|| PgError::new(SqlState::DATETIME_FIELD_OVERFLOW, "timestamp out of range"))?;
    }
    out = out
        .checked_add_signed(Duration::days(s * i.days as i64))
        .and_then(|o| o.checked_add_signed(Duration::microseconds(s * i.micros)))
        .ok_or_else(|| PgError::new(SqlState::DATETIME_FIELD_OVERFLOW, "timestamp out of range"))?;
    let _ = NaiveTime::MIN;
    Ok(out)
}

fn int_op(op: BinOp, a: i64, b: i64, ty: &str) -> PgResult<i64> {
    let r = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div => {
            if b == 0 {
                return Err(PgError::division_by_zero());
            }
            a.checked_div(b)
        }
        BinOp::Mod => {
            if b == 0 {
                return Err(PgError::division_by_zero());
            }
            Some(a.wrapping_rem(b))
        }
        BinOp::BitAnd => Some(a & b),
        BinOp::BitOr => Some(a | b),
        BinOp::ShiftLeft => Some(a.wrapping_shl(b as u32)),
        BinOp::ShiftRight => Some(a.wrapping_shr(b as u32)),
        _ => None,
    };
    r.ok_or_else(|| PgError::out_of_range(ty))
}

fn float_op(op: BinOp, a: f64, b: f64, ty: &str) -> PgResult<f64> {
    let r = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0.0 {
                return Err(PgError::division_by_zero());
            }
            a / b
        }
        BinOp::Mod => {
            if b == 0.0 {
                return Err(PgError::division_by_zero());
            }
            a % b
        }
        BinOp::Pow => {
            if a == 0.0 && b < 0.0 {
                return Err(PgError::new(
                    SqlState("2201F"),
                    "zero raised to a negative power is undefined",
                ));
            }
            a.powf(b)
        }
        _ => return Err(PgError::internal("bad float operator")),
    };
    if r.is_infinite() && a.is_finite() && b.is_finite() {
        let _ = ty;
        return Err(PgError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            "value out of range: overflow",
        ));
    }
    Ok(r)
}

fn numeric_op(op: BinOp, a: Decimal, b: Decimal) -> PgResult<Decimal> {
    let overflow = || {
        PgError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            "value overflows numeric format",
        )
    };
    // PostgreSQL's result scale: the larger for + and -, the sum for *
    // (rust_decimal drops it for zero results: 0 * 1.5 is 0.0 in PostgreSQL).
    let at_least = |mut d: Decimal, scale: u32| {
        if d.scale() < scale && scale <= 28 {
            d.rescale(scale);
        }
        d
    };
    match op {
        BinOp::Add => a
            .checked_add(b)
            .map(|d| at_least(d, a.scale().max(b.scale())))
            .ok_or_else(overflow),
        BinOp::Sub => a
            .checked_sub(b)
            .map(|d| at_least(d, a.scale().max(b.scale())))
            .ok_or_else(overflow),
        BinOp::Mul => a
            .checked_mul(b)
            .map(|d| at_least(d, a.scale() + b.scale()))
            .ok_or_else(overflow),
        BinOp::Div => {
            if b.is_zero() {
                return Err(PgError::division_by_zero());
            }
            let q = a.checked_div(b).ok_or_else(overflow)?;
            // PostgreSQL picks a display scale of at least 16 significant digits.
            let scale = numeric_div_scale(&a, &b);
            Ok(
                q.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero)
                    .trunc_with_scale(scale),
            )
            .map(|mut d: Decimal| {
                d.rescale(scale);
                d
            })
        }
        BinOp::Mod => {
            if b.is_zero() {
                return Err(PgError::division_by_zero());
            }
            a.checked_rem(b).ok_or_else(overflow)
        }
        BinOp::Pow => a.checked_powd(b).ok_or_else(overflow),
        _ => Err(PgError::internal("bad numeric operator")),
    }
}

/// PostgreSQL's select_div_scale: at least 16 significant digits, weights in base 10000.
fn numeric_div_scale(a: &Decimal, b: &Decimal) -> u32 {
    let weight_first = |d: &Decimal| -> (i32, i64) {
        let f = d.abs().to_f64().unwrap_or(0.0);
        if f == 0.0 {
            return (0, 0);
        }
        let w = (f.log10() / 4.0).floor() as i32;
        let first = (f / 10f64.powi(4 * w)).floor() as i64;
        (w, first)
    };
    let (w1, f1) = weight_first(a);
    let (w2, f2) = weight_first(b);
    let mut qweight = w1 - w2;
    if f1 <= f2 {
        qweight -= 1;
    }
    let rscale = (16 - qweight * 4)
        .max(a.scale() as i32)
        .max(b.scale() as i32)
        .max(0);
    rscale.min(28) as u32
}

/// SQL LIKE matching (`%`, `_`, backslash escapes).
pub fn like(text: &str, pattern: &str, case_insensitive: bool) -> bool {
    let (t, p): (Vec<char>, Vec<char>) = if case_insensitive {
        (
            text.to_lowercase().chars().collect(),
            pattern.to_lowercase().chars().collect(),
        )
    } else {
        (text.chars().collect(), pattern.chars().collect())
    };
    like_match(&t, &p)
}

fn like_match(t: &[char], p: &[char]) -> bool {
    // Iterative matcher with backtracking on the last '%'.
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '%' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '_' => {
                    ti += 1;
                    pi += 1;
                    continue;
                }
                '\\' if pi + 1 < p.len() && p[pi + 1] == t[ti] => {
                    ti += 1;
                    pi += 2;
                    continue;
                }
                c if c == t[ti] => {
                    ti += 1;
                    pi += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("hello", "h%o", false));
        assert!(like("hello", "_ello", false));
        assert!(!like("hello", "h%x", false));
        assert!(like("HeLLo", "hello", true));
        assert!(like("50%", "50\\%", false));
        assert!(like("", "%", false));
    }

    #[test]
    fn integer_overflow_is_an_error() {
        let e = arithmetic(BinOp::Add, &Value::Int4(i32::MAX), &Value::Int4(1)).unwrap_err();
        assert_eq!(e.message, "integer out of range");
        let e = arithmetic(BinOp::Div, &Value::Int4(1), &Value::Int4(0)).unwrap_err();
        assert_eq!(e.code, SqlState::DIVISION_BY_ZERO);
    }

    #[test]
    fn numeric_division_scale_matches_postgres() {
        let v = arithmetic(
            BinOp::Div,
            &Value::Numeric(Decimal::from(1)),
            &Value::Numeric(Decimal::from(3)),
        )
        .unwrap();
        assert_eq!(v.to_pg_text().unwrap(), "0.33333333333333333333");
        let v = arithmetic(
            BinOp::Div,
            &Value::Numeric(Decimal::from(10)),
            &Value::Numeric(Decimal::from(4)),
        )
        .unwrap();
        assert_eq!(v.to_pg_text().unwrap(), "2.5000000000000000");
    }
}
