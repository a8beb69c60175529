//! Window functions ([`Plan::Window`](crate::plan::Plan::Window)), as
//! PostgreSQL's WindowAgg computes them with the default frame: a row's
//! frame runs from the start of its partition to its last peer (the last
//! row equal to it on the window's ORDER BY; with no ORDER BY every row of
//! the partition is a peer).
//!
//! A frame clause changes that for aggregates and first_value, last_value
//! and nth_value: ROWS frames with offsets, RANGE frames with UNBOUNDED and
//! CURRENT ROW (the current row's peers).
//!
//! Partial: RANGE frames with offsets, GROUPS frames, EXCLUDE and
//! aggregates as window functions over grouped rows are refused by the
//! binder.

use std::cmp::Ordering;

use rampart_types::{PgError, PgResult, SqlState, Value};

use super::{Exec, Row};
use crate::plan::{FrameBound, SortKey, WindowCall, WindowFrame, WindowFunc};

/// One partition in window order: row indexes and where each peer group ends.
struct Partition {
    rows: Vec<usize>,
    /// For each position in `rows`, the end (exclusive) of its peer group.
    peer_end: Vec<usize>,
    /// For each position, the start of its peer group.
    peer_start: Vec<usize>,
}

/// Appends each call's value to every row; the rows come out in the last
/// call's window order.
pub(super) fn run_window(
    ex: &mut Exec,
    rows: Vec<Row>,
    calls: &[WindowCall],
) -> PgResult<Vec<Row>> {
    let mut values: Vec<Vec<Value>> = Vec::with_capacity(calls.len());
    let mut order: Vec<usize> = (0..rows.len()).collect();
    for call in calls {
        let (partitions, sorted) = partition(ex, &rows, call)?;
        let mut out = vec![Value::Null; rows.len()];
        for p in &partitions {
            compute(ex, &rows, call, p, &mut out)?;
        }
        values.push(out);
        order = sorted;
    }
    let mut rows: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
    let mut result = Vec::with_capacity(rows.len());
    for i in order {
        let mut row = rows[i]
            .take()
            .ok_or_else(|| PgError::internal("window row used twice"))?;
        for v in &values {
            row.push(v[i].clone());
        }
        result.push(row);
    }
    Ok(result)
}

/// Sorts the rows by PARTITION BY then ORDER BY and cuts them into
/// partitions and peer groups; also returns the whole sorted order.
fn partition(
    ex: &mut Exec,
    rows: &[Row],
    call: &WindowCall,
) -> PgResult<(Vec<Partition>, Vec<usize>)> {
    let part_keys: Vec<SortKey> = call
        .partition
        .iter()
        .map(|e| SortKey {
            expr: e.clone(),
            desc: false,
            nulls_first: false,
        })
        .collect();
    let mut keyed = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let mut p = Vec::with_capacity(part_keys.len());
        for k in &part_keys {
            p.push(ex.eval(&k.expr, r)?);
        }
        let mut o = Vec::with_capacity(call.order.len());
        for k in &call.order {
            o.push(ex.eval(&k.expr, r)?);
        }
        keyed.push((p, o, i));
    }
    keyed.sort_by(|a, b| {
        super::compare_keys(&a.0, &b.0, &part_keys)
            .then_with(|| super::compare_keys(&a.1, &b.1, &call.order))
    });
    let mut partitions: Vec<Partition> = Vec::new();
    let mut start = 0;
    while start < keyed.len() {
        let mut end = start + 1;
        while end < keyed.len()
            && super::compare_keys(&keyed[start].0, &keyed[end].0, &part_keys) == Ordering::Equal
        {
            end += 1;
        }
        let part = &keyed[start..end];
        let n = part.len();
        let (mut peer_start, mut peer_end) = (vec![0; n], vec![0; n]);
        let mut g = 0;
        while g < n {
            let mut h = g + 1;
            while h < n
                && super::compare_keys(&part[g].1, &part[h].1, &call.order) == Ordering::Equal
            {
                h += 1;
            }
            for j in g..h {
                peer_start[j] = g;
                peer_end[j] = h;
            }
            g = h;
        }
        partitions.push(Partition {
            rows: part.iter().map(|k| k.2).collect(),
            peer_end,
            peer_start,
        });
        start = end;
    }
    let sorted = keyed.iter().map(|k| k.2).collect();
    Ok((partitions, sorted))
}

/// An argument that must be a positive integer (ntile's bucket count,
/// nth_value's position): None for NULL.
fn positive(v: Value, what: &str, code: SqlState) -> PgResult<Option<i64>> {
    let n = match v {
        Value::Null => return Ok(None),
        Value::Int2(n) => n as i64,
        Value::Int4(n) => n as i64,
        Value::Int8(n) => n,
        other => {
            return Err(PgError::internal(format!(
                "{what}: unexpected argument {other:?}"
            )))
        }
    };
    if n <= 0 {
        return Err(PgError::new(
            code,
            format!("argument of {what} must be greater than zero"),
        ));
    }
    Ok(Some(n))
}

fn compute(
    ex: &mut Exec,
    rows: &[Row],
    call: &WindowCall,
    p: &Partition,
    out: &mut [Value],
) -> PgResult<()> {
    let n = p.rows.len();
    let arg = |ex: &mut Exec, i: usize, pos: usize| -> PgResult<Value> {
        match call.args.get(i) {
            Some(e) => ex.eval(e, &rows[p.rows[pos]]),
            None => Ok(Value::Null),
        }
    };
    let bounds = FrameBounds::evaluate(ex, &call.frame, &rows[p.rows[0]])?;
    if let WindowFunc::Aggregate(agg) = &call.func {
        let ordered: Vec<&Row> = p.rows.iter().map(|&i| &rows[i]).collect();
        let vals = frame_aggregate(ex, agg, &ordered, p, &call.frame, &bounds)?;
        for (pos, v) in vals.into_iter().enumerate() {
            out[p.rows[pos]] = v;
        }
        return Ok(());
    }
    let mut dense = 0i64;
    for pos in 0..n {
        if p.peer_start[pos] == pos {
            dense += 1;
        }
        let v = match &call.func {
            WindowFunc::RowNumber => Value::Int8(pos as i64 + 1),
            WindowFunc::Rank => Value::Int8(p.peer_start[pos] as i64 + 1),
            WindowFunc::DenseRank => Value::Int8(dense),
            WindowFunc::PercentRank => Value::Float8(if n > 1 {
                p.peer_start[pos] as f64 / (n - 1) as f64
            } else {
                0.0
            }),
            WindowFunc::CumeDist => Value::Float8(p.peer_end[pos] as f64 / n as f64),
            WindowFunc::Ntile => match positive(
                arg(ex, 0, pos)?,
                "ntile",
                SqlState::INVALID_ARGUMENT_FOR_NTILE,
            )? {
                None => Value::Null,
                Some(buckets) => Value::Int4(ntile(pos, n, buckets)),
            },
            WindowFunc::Lag | WindowFunc::Lead => {
                let offset = match call.args.get(1) {
                    None => Some(1),
                    Some(_) => match arg(ex, 1, pos)? {
                        Value::Null => None,
                        Value::Int4(o) => Some(o as i64),
                        Value::Int8(o) => Some(o),
                        Value::Int2(o) => Some(o as i64),
                        other => {
                            return Err(PgError::internal(format!("lag/lead offset {other:?}")))
                        }
                    },
                };
                match offset {
                    None => Value::Null,
                    Some(o) => {
                        let target = if matches!(call.func, WindowFunc::Lag) {
                            pos as i64 - o
                        } else {
                            pos as i64 + o
                        };
                        if target >= 0 && (target as usize) < n {
                            arg(ex, 0, target as usize)?
                        } else {
                            arg(ex, 2, pos)?
                        }
                    }
                }
            }
            WindowFunc::FirstValue => match bounds.range(&call.frame, p, pos) {
                Some((start, _)) => arg(ex, 0, start)?,
                None => Value::Null,
            },
            WindowFunc::LastValue => match bounds.range(&call.frame, p, pos) {
                Some((_, end)) => arg(ex, 0, end - 1)?,
                None => Value::Null,
            },
            WindowFunc::NthValue => match positive(
                arg(ex, 1, pos)?,
                "nth_value",
                SqlState::INVALID_ARGUMENT_FOR_NTH_VALUE,
            )? {
                Some(k) => match bounds.range(&call.frame, p, pos) {
                    Some((start, end)) if start + (k as usize) <= end => {
                        arg(ex, 0, start + k as usize - 1)?
                    }
                    _ => Value::Null,
                },
                None => Value::Null,
            },
            WindowFunc::Aggregate(_) => unreachable!("handled above"),
        };
        out[p.rows[pos]] = v;
    }
    Ok(())
}

/// A frame's offsets, evaluated once (they cannot refer to the row).
struct FrameBounds {
    start: Option<usize>,
    end: Option<usize>,
}

impl FrameBounds {
    fn evaluate(ex: &mut Exec, frame: &WindowFrame, row: &Row) -> PgResult<FrameBounds> {
        let mut offset = |b: &FrameBound, which: &str| -> PgResult<Option<usize>> {
            let e = match b {
                FrameBound::Preceding(e) | FrameBound::Following(e) => e,
                _ => return Ok(None),
            };
            match ex.eval(e, row)? {
                Value::Null => Err(PgError::new(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    format!("frame {which} offset must not be null"),
                )),
                Value::Int8(n) if n < 0 => Err(PgError::new(
                    SqlState::INVALID_PRECEDING_OR_FOLLOWING_SIZE,
                    format!("frame {which} offset must not be negative"),
                )),
                Value::Int8(n) => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
                other => Err(PgError::internal(format!("frame offset {other:?}"))),
            }
        };
        Ok(FrameBounds {
            start: offset(&frame.start, "starting")?,
            end: offset(&frame.end, "ending")?,
        })
    }

    /// The frame of position `pos` as a half-open range of positions, or
    /// None when it is empty.
    fn range(&self, frame: &WindowFrame, p: &Partition, pos: usize) -> Option<(usize, usize)> {
        let n = p.rows.len();
        let k = |o: Option<usize>| o.unwrap_or(0);
        let start = match frame.start {
            FrameBound::UnboundedPreceding => 0,
            FrameBound::Preceding(_) => pos.saturating_sub(k(self.start)),
            FrameBound::CurrentRow if frame.rows => pos,
            FrameBound::CurrentRow => p.peer_start[pos],
            FrameBound::Following(_) => pos.saturating_add(k(self.start)),
            FrameBound::UnboundedFollowing => n,
        };
        let end = match frame.end {
            FrameBound::UnboundedFollowing => n,
            FrameBound::Following(_) => pos.saturating_add(k(self.end)).saturating_add(1).min(n),
            FrameBound::CurrentRow if frame.rows => pos + 1,
            FrameBound::CurrentRow => p.peer_end[pos],
            FrameBound::Preceding(_) => (pos + 1).saturating_sub(k(self.end)),
            FrameBound::UnboundedPreceding => 0,
        };
        (start < end).then_some((start, end))
    }
}

/// An aggregate over each row's frame: a running aggregate when frames
/// only grow (from the partition's start to the current row or its peers),
/// one value for the whole partition when every frame is the partition,
/// else the frame's rows aggregated afresh for each row.
fn frame_aggregate(
    ex: &mut Exec,
    agg: &crate::plan::AggCall,
    ordered: &[&Row],
    p: &Partition,
    frame: &WindowFrame,
    bounds: &FrameBounds,
) -> PgResult<Vec<Value>> {
    let n = ordered.len();
    match (&frame.start, &frame.end) {
        (FrameBound::UnboundedPreceding, FrameBound::CurrentRow) => {
            let ends: Vec<usize> = if frame.rows {
                (1..=n).collect()
            } else {
                let mut v = p.peer_end.clone();
                v.dedup();
                v
            };
            super::agg::running_aggregate(ex, agg, ordered, &ends)
        }
        (FrameBound::UnboundedPreceding, FrameBound::UnboundedFollowing) => {
            let v = super::agg::aggregate_of(ex, agg, ordered)?;
            Ok(vec![v; n])
        }
        _ => {
            let mut out = Vec::with_capacity(n);
            for pos in 0..n {
                let (start, end) = bounds.range(frame, p, pos).unwrap_or((0, 0));
                out.push(super::agg::aggregate_of(ex, agg, &ordered[start..end])?);
            }
            Ok(out)
        }
    }
}

/// The bucket (1-based) of position `pos` among `n` rows cut into `buckets`
/// as PostgreSQL's ntile does: the first `n % buckets` buckets get one row more.
fn ntile(pos: usize, n: usize, buckets: i64) -> i32 {
    let buckets = buckets as usize;
    let per = n / buckets;
    let extra = n % buckets;
    if per == 0 {
        // More buckets than rows: one row per bucket.
        return pos as i32 + 1;
    }
    let big = extra * (per + 1);
    if pos < big {
        (pos / (per + 1)) as i32 + 1
    } else {
        (extra + (pos - big) / per) as i32 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::ntile;

    #[test]
    fn ntile_gives_the_first_buckets_the_extra_rows() {
        let of = |n: usize, b: i64| (0..n).map(|p| ntile(p, n, b)).collect::<Vec<_>>();
        assert_eq!(of(10, 3), vec![1, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
        assert_eq!(of(4, 4), vec![1, 2, 3, 4]);
        assert_eq!(of(2, 5), vec![1, 2]);
        assert_eq!(of(6, 1), vec![1; 6]);
    }
}
