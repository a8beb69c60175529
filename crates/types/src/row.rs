//! The compact binary form rows are stored in: one tag byte per value, then
//! a fixed-width or length-prefixed payload. Decoding never panics on bad
//! bytes; it reports `XX001 data corrupted`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;

use crate::{Interval, PgError, PgResult, SqlState, Value};

/// Encodes a row.
pub fn encode_row(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 9);
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        encode_value(&mut out, v);
    }
    out
}

/// Decodes a row written by [`encode_row`].
pub fn decode_row(bytes: &[u8]) -> PgResult<Vec<Value>> {
    let mut r = Reader { bytes, pos: 0 };
    let n = u32::from_le_bytes(r.take_array()?) as usize;
    let mut values = Vec::with_capacity(n.min(4096));
    for _ in 0..n {
        values.push(r.value()?);
    }
    Ok(values)
}

/// Appends one value's encoding.
pub fn encode_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(b) => out.extend_from_slice(&[1, *b as u8]),
        Value::Int2(i) => {
            out.push(2);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Int4(i) => {
            out.push(3);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Int8(i) => {
            out.push(4);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Float4(f) => {
            out.push(5);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::Float8(f) => {
            out.push(6);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::Numeric(d) => {
            out.push(7);
            out.extend_from_slice(&d.serialize());
        }
        Value::Text(s) => {
            out.push(8);
            put_bytes(out, s.as_bytes());
        }
        Value::Bytea(b) => {
            out.push(9);
            put_bytes(out, b);
        }
        Value::Date(d) => {
            out.push(10);
            out.extend_from_slice(
                &(d.signed_duration_since(epoch_date()).num_days() as i32).to_le_bytes(),
            );
        }
        Value::Time(t) => {
            out.push(11);
            let micros = t
                .signed_duration_since(NaiveTime::MIN)
                .num_microseconds()
                .unwrap_or(0);
            out.extend_from_slice(&micros.to_le_bytes());
        }
        Value::Timestamp(ts) => {
            out.push(12);
            out.extend_from_slice(&ts.and_utc().timestamp_micros().to_le_bytes());
        }
        Value::Timestamptz(ts) => {
            out.push(13);
            out.extend_from_slice(&ts.timestamp_micros().to_le_bytes());
        }
        Value::Interval(iv) => {
            out.push(14);
            out.extend_from_slice(&iv.months.to_le_bytes());
            out.extend_from_slice(&iv.days.to_le_bytes());
            out.extend_from_slice(&iv.micros.to_le_bytes());
        }
        Value::Oid(o) => {
            out.push(15);
            out.extend_from_slice(&o.to_le_bytes());
        }
        Value::Uuid(u) => {
            out.push(16);
            out.extend_from_slice(u);
        }
        Value::Array(items) => {
            out.push(17);
            out.extend_from_slice(&(items.len() as u32).to_le_bytes());
            for v in items {
                encode_value(out, v);
            }
        }
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

fn epoch_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn corrupt() -> PgError {
    PgError::new(
        SqlState::DATA_CORRUPTED,
        "invalid stored row: data corrupted",
    )
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> PgResult<&[u8]> {
        let end = self.pos.checked_add(n).ok_or_else(corrupt)?;
        let s = self.bytes.get(self.pos..end).ok_or_else(corrupt)?;
        self.pos = end;
        Ok(s)
    }

    fn take_array<const N: usize>(&mut self) -> PgResult<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| corrupt())
    }

    fn value(&mut self) -> PgResult<Value> {
        let tag = self.take(1)?[0];
        Ok(match tag {
            0 => Value::Null,
            1 => Value::Bool(self.take(1)?[0] != 0),
            2 => Value::Int2(i16::from_le_bytes(self.take_array()?)),
            3 => Value::Int4(i32::from_le_bytes(self.take_array()?)),
            4 => Value::Int8(i64::from_le_bytes(self.take_array()?)),
            5 => Value::Float4(f32::from_le_bytes(self.take_array()?)),
            6 => Value::Float8(f64::from_le_bytes(self.take_array()?)),
            7 => Value::Numeric(Decimal::deserialize(self.take_array()?)),
            8 => {
                let b = self.var_bytes()?;
                Value::Text(String::from_utf8(b.to_vec()).map_err(|_| corrupt())?)
            }
            9 => Value::Bytea(self.var_bytes()?.to_vec()),
            10 => {
                let days = i32::from_le_bytes(self.take_array()?);
                Value::Date(
                    epoch_date()
                        .checked_add_signed(chrono::Duration::days(days as i64))
                        .ok_or_else(corrupt)?,
                )
            }
            11 => {
                let micros = i64::from_le_bytes(self.take_array()?);
                Value::Time(NaiveTime::MIN + chrono::Duration::microseconds(micros))
            }
            12 => {
                let micros = i64::from_le_bytes(self.take_array()?);
                Value::Timestamp(
                    DateTime::from_timestamp_micros(micros)
                        .ok_or_else(corrupt)?
                        .naive_utc(),
                )
            }
            13 => {
                let micros = i64::from_le_bytes(self.take_array()?);
                Value::Timestamptz(
                    DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(corrupt)?,
                )
            }
            14 => Value::Interval(Interval {
                months: i32::from_le_bytes(self.take_array()?),
                days: i32::from_le_bytes(self.take_array()?),
                micros: i64::from_le_bytes(self.take_array()?),
            }),
            15 => Value::Oid(u32::from_le_bytes(self.take_array()?)),
            16 => Value::Uuid(self.take_array()?),
            17 => {
                let n = u32::from_le_bytes(self.take_array()?) as usize;
                let mut items = Vec::with_capacity(n.min(4096));
                for _ in 0..n {
                    items.push(self.value()?);
                }
                Value::Array(items)
            }
            _ => return Err(corrupt()),
        })
    }

    fn var_bytes(&mut self) -> PgResult<&[u8]> {
        let n = u32::from_le_bytes(self.take_array()?) as usize;
        self.take(n)
    }
}

/// Unused helper kept for symmetry with NaiveDateTime users.
pub fn timestamp_from_micros(micros: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_micros(micros).map(|d| d.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_garbage() {
        let row = vec![
            Value::Null,
            Value::Int4(-7),
            Value::Text("héllo".into()),
            Value::Numeric("12.50".parse().unwrap()),
            Value::Bool(true),
            Value::Interval(Interval {
                months: 1,
                days: 2,
                micros: 3,
            }),
        ];
        let bytes = encode_row(&row);
        assert_eq!(decode_row(&bytes).unwrap(), row);
        for cut in 0..bytes.len() {
            assert!(decode_row(&bytes[..cut]).is_err());
        }
        assert_eq!(
            decode_row(&[1, 0, 0, 0, 200]).unwrap_err().code,
            SqlState::DATA_CORRUPTED
        );
    }
}
