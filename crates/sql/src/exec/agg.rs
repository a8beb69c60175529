//! Hash aggregation.

use std::collections::{HashMap, HashSet};

use rampart_types::{Interval, PgResult, Value};
use rust_decimal::prelude::*;

use super::{eval::binary, Exec, Row};
use crate::expr::{BinOp, Expr};
use crate::functions::AggFunc;
use crate::plan::AggCall;

/// Running state of one aggregate in one group.
#[derive(Clone, Debug)]
enum Acc {
    Count(i64),
    Sum(Option<Value>),
    Avg { sum: Option<Value>, count: i64 },
    MinMax(Option<Value>),
    Bool(Option<bool>),
    Str(Option<String>),
    Array(Option<Vec<Value>>),
}

fn new_acc(f: AggFunc) -> Acc {
    match f {
        AggFunc::Count | AggFunc::CountStar => Acc::Count(0),
        AggFunc::Sum => Acc::Sum(None),
        AggFunc::Avg => Acc::Avg {
            sum: None,
            count: 0,
        },
        AggFunc::Min | AggFunc::Max => Acc::MinMax(None),
        AggFunc::BoolAnd | AggFunc::BoolOr => Acc::Bool(None),
        AggFunc::StringAgg => Acc::Str(None),
        AggFunc::ArrayAgg => Acc::Array(None),
    }
}

struct Group {
    keys: Row,
    accs: Vec<Acc>,
    distinct_seen: Vec<HashSet<Vec<u8>>>,
}

/// Groups `rows` by `group_by` and computes `aggs`; output is keys then aggregate values.
pub fn aggregate(
    ex: &mut Exec,
    rows: Vec<Row>,
    group_by: &[Expr],
    aggs: &[AggCall],
) -> PgResult<Vec<Row>> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let new_group = |keys: Row| Group {
        keys,
        accs: aggs.iter().map(|a| new_acc(a.func)).collect(),
        distinct_seen: vec![HashSet::new(); aggs.len()],
    };
    if group_by.is_empty() {
        groups.push(new_group(vec![]));
        index.insert(vec![], 0);
    }
    for row in rows {
        // Without GROUP BY every row is in the one group: nothing to hash.
        let gi = if group_by.is_empty() {
            0
        } else {
            let mut keys = Vec::with_capacity(group_by.len());
            let mut hash_key = Vec::new();
            for g in group_by {
                let v = ex.eval(g, &row)?;
                hash_key.extend(v.group_key());
                keys.push(v);
            }
            match index.get(&hash_key) {
                Some(i) => *i,
                None => {
                    groups.push(new_group(keys));
                    index.insert(hash_key, groups.len() - 1);
                    groups.len() - 1
                }
            }
        };
        for (ai, call) in aggs.iter().enumerate() {
            if let Some(f) = &call.filter {
                if !ex.eval_bool(f, &row)? {
                    continue;
                }
            }
            let mut args = Vec::with_capacity(call.args.len());
            for a in &call.args {
                args.push(ex.eval(a, &row)?);
            }
            // array_agg keeps NULL elements; every other aggregate skips NULL input.
            if !matches!(call.func, AggFunc::CountStar | AggFunc::ArrayAgg)
                && args.first().is_some_and(Value::is_null)
            {
                continue;
            }
            let group = &mut groups[gi];
            if call.distinct {
                let k: Vec<u8> = args.iter().flat_map(|v| v.group_key()).collect();
                if !group.distinct_seen[ai].insert(k) {
                    continue;
                }
            }
            accumulate(&mut group.accs[ai], call.func, args)?;
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let mut row = g.keys;
        for (acc, call) in g.accs.into_iter().zip(aggs) {
            row.push(finish(acc, call)?);
        }
        out.push(row);
    }
    Ok(out)
}

fn accumulate(acc: &mut Acc, f: AggFunc, mut args: Vec<Value>) -> PgResult<()> {
    match acc {
        Acc::Count(n) => *n += 1,
        Acc::Sum(s) => {
            let v = widen_for_sum(args.swap_remove(0));
            *s = Some(match s.take() {
                None => v,
                Some(prev) => binary(BinOp::Add, &prev, &v)?,
            });
        }
        Acc::Avg { sum, count } => {
            let v = widen_for_sum(args.swap_remove(0));
            *count += 1;
            *sum = Some(match sum.take() {
                None => v,
                Some(prev) => binary(BinOp::Add, &prev, &v)?,
            });
        }
        Acc::MinMax(m) => {
            let v = args.swap_remove(0);
            let replace = match m {
                None => true,
                Some(cur) => {
                    let ord = v.total_cmp(cur);
                    if f == AggFunc::Min {
                        ord.is_lt()
                    } else {
                        ord.is_gt()
                    }
                }
            };
            if replace {
                *m = Some(v);
            }
        }
        Acc::Bool(b) => {
            let v = args[0] == Value::Bool(true);
            *b = Some(match (*b, f) {
                (None, _) => v,
                (Some(p), AggFunc::BoolAnd) => p && v,
                (Some(p), _) => p || v,
            });
        }
        Acc::Array(items) => items.get_or_insert_with(Vec::new).push(args.swap_remove(0)),
        Acc::Str(s) => {
            let v = args[0].to_pg_text().unwrap_or_default();
            let delim = args.get(1).and_then(Value::to_pg_text);
            match s {
                None => *s = Some(v),
                Some(cur) => {
                    if let Some(d) = delim {
                        cur.push_str(&d);
                    }
                    cur.push_str(&v);
                }
            }
        }
    }
    Ok(())
}

/// sum(int4) is bigint and sum(int8) numeric in PostgreSQL: accumulate wide.
fn widen_for_sum(v: Value) -> Value {
    match v {
        Value::Int2(i) => Value::Int8(i as i64),
        Value::Int4(i) => Value::Int8(i as i64),
        Value::Int8(i) => Value::Numeric(Decimal::from(i)),
        v => v,
    }
}

fn finish(acc: Acc, call: &AggCall) -> PgResult<Value> {
    Ok(match acc {
        Acc::Count(n) => Value::Int8(n),
        Acc::Sum(s) => match s {
            Some(Value::Float8(f)) if call.ty == rampart_types::DataType::Float4 => {
                Value::Float4(f as f32)
            }
            Some(v) => v,
            None => Value::Null,
        },
        Acc::Avg { sum, count } => match sum {
            None => Value::Null,
            Some(Value::Interval(i)) => {
                let n = count as f64;
                Value::Interval(Interval {
                    months: (i.months as f64 / n) as i32,
                    days: (i.days as f64 / n) as i32,
                    micros: (i.micros as f64 / n) as i64,
                })
            }
            Some(Value::Float8(f)) => Value::Float8(f / count as f64),
            Some(Value::Float4(f)) => Value::Float8(f as f64 / count as f64),
            Some(v) => {
                let s = v.as_decimal().unwrap_or_default();
                binary(
                    BinOp::Div,
                    &Value::Numeric(s),
                    &Value::Numeric(Decimal::from(count)),
                )?
            }
        },
        Acc::MinMax(m) => m.unwrap_or(Value::Null),
        Acc::Bool(b) => b.map(Value::Bool).unwrap_or(Value::Null),
        Acc::Str(s) => s.map(Value::Text).unwrap_or(Value::Null),
        Acc::Array(items) => items.map(Value::Array).unwrap_or(Value::Null),
    })
}
