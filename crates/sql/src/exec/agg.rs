//! Hash aggregation.

use std::collections::{HashMap, HashSet};

use rampart_types::{Interval, PgResult, Value};
use rust_decimal::prelude::*;

use super::{eval::binary, Exec, Row};
use crate::expr::{BinOp, Expr};
use crate::functions::AggFunc;
use crate::plan::AggCall;
use rampart_catalog::AggStep;

/// Running state of one aggregate in one group.
#[derive(Clone, Debug)]
enum Acc {
    Count(i64),
    Sum(Option<Value>),
    Avg {
        sum: Option<Value>,
        count: i64,
    },
    MinMax(Option<Value>),
    Bool(Option<bool>),
    Str(Option<String>),
    Array(Option<Vec<Value>>),
    /// A user-defined aggregate's state (None until initialised).
    User(Option<Value>),
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
        AggFunc::User(_) => Acc::User(None),
    }
}

struct Group {
    keys: Row,
    accs: Vec<Acc>,
    distinct_seen: Vec<HashSet<Vec<u8>>>,
    /// Input rows of the aggregates with ORDER BY in the call, by aggregate.
    ordered: Vec<Vec<Row>>,
}

/// Feeds one input row of a group to aggregate `ai`: FILTER, arguments,
/// NULL skipping, DISTINCT, then the step.
fn feed(
    ex: &mut Exec,
    call: &AggCall,
    user: Option<&UserAgg>,
    ai: usize,
    group: &mut Group,
    row: &Row,
) -> PgResult<()> {
    if let Some(f) = &call.filter {
        if !ex.eval_bool(f, row)? {
            return Ok(());
        }
    }
    let mut args = Vec::with_capacity(call.args.len());
    for a in &call.args {
        args.push(ex.eval(a, row)?);
    }
    // array_agg keeps NULL elements; a user aggregate decides for itself
    // (its transition function's strictness); the others skip NULL input.
    if !matches!(
        call.func,
        AggFunc::CountStar | AggFunc::ArrayAgg | AggFunc::User(_)
    ) && args.first().is_some_and(Value::is_null)
    {
        return Ok(());
    }
    if call.distinct {
        let k: Vec<u8> = args.iter().flat_map(|v| v.group_key()).collect();
        if !group.distinct_seen[ai].insert(k) {
            return Ok(());
        }
    }
    match (&mut group.accs[ai], user) {
        (Acc::User(state), Some(agg)) => user_step(ex, agg, state, args),
        (acc, _) => accumulate(acc, call.func, args),
    }
}

/// Groups `rows` by `group_by` and computes `aggs`; output is keys then aggregate values.
pub fn aggregate(
    ex: &mut Exec,
    rows: Vec<Row>,
    group_by: &[Expr],
    aggs: &[AggCall],
) -> PgResult<Vec<Row>> {
    // User aggregates' definitions, looked up once for the statement.
    let users: Vec<Option<UserAgg>> = aggs
        .iter()
        .map(|a| match a.func {
            AggFunc::User(oid) => UserAgg::load(ex, oid).map(Some),
            _ => Ok(None),
        })
        .collect::<PgResult<_>>()?;
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let new_group = |keys: Row| Group {
        keys,
        accs: aggs.iter().map(|a| new_acc(a.func)).collect(),
        distinct_seen: vec![HashSet::new(); aggs.len()],
        ordered: vec![Vec::new(); aggs.len()],
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
            let group = &mut groups[gi];
            if call.order.is_empty() {
                feed(ex, call, users[ai].as_ref(), ai, group, &row)?;
            } else {
                // ORDER BY inside the call: fed in that order at the end.
                group.ordered[ai].push(row.clone());
            }
        }
    }
    for g in groups.iter_mut() {
        for (ai, call) in aggs.iter().enumerate() {
            if call.order.is_empty() {
                continue;
            }
            let rows = ex.sort(std::mem::take(&mut g.ordered[ai]), &call.order)?;
            for row in rows {
                feed(ex, call, users[ai].as_ref(), ai, g, &row)?;
            }
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let mut row = g.keys;
        for ((acc, call), user) in g.accs.into_iter().zip(aggs).zip(&users) {
            row.push(match (acc, user) {
                (Acc::User(state), Some(agg)) => user_finish(ex, agg, state)?,
                (acc, _) => finish(acc, call)?,
            });
        }
        out.push(row);
    }
    Ok(out)
}

/// An aggregate over growing window frames: `rows` are one partition in
/// window order and `peer_ends` the (exclusive) ends of its peer groups;
/// every row gets the aggregate of the rows up to its last peer.
pub(super) fn running_aggregate(
    ex: &mut Exec,
    call: &AggCall,
    rows: &[&Row],
    peer_ends: &[usize],
) -> PgResult<Vec<Value>> {
    let user = match call.func {
        AggFunc::User(oid) => Some(UserAgg::load(ex, oid)?),
        _ => None,
    };
    let mut group = Group {
        keys: vec![],
        accs: vec![new_acc(call.func)],
        distinct_seen: vec![HashSet::new()],
        ordered: vec![Vec::new()],
    };
    let mut out = Vec::with_capacity(rows.len());
    let mut start = 0;
    for &end in peer_ends {
        for row in &rows[start..end] {
            feed(ex, call, user.as_ref(), 0, &mut group, row)?;
        }
        let v = match (&group.accs[0], &user) {
            (Acc::User(state), Some(agg)) => user_finish(ex, agg, state.clone())?,
            (acc, _) => finish(acc.clone(), call)?,
        };
        out.extend(std::iter::repeat_n(v, end - start));
        start = end;
    }
    Ok(out)
}

/// An aggregate of `rows` (none: count's 0, the others' NULL).
pub(super) fn aggregate_of(ex: &mut Exec, call: &AggCall, rows: &[&Row]) -> PgResult<Value> {
    let mut v = running_aggregate(ex, call, rows, &[rows.len()])?;
    if let Some(v) = v.pop() {
        return Ok(v);
    }
    // No rows: the state of an empty group.
    let user = match call.func {
        AggFunc::User(oid) => Some(UserAgg::load(ex, oid)?),
        _ => None,
    };
    match (new_acc(call.func), &user) {
        (Acc::User(state), Some(agg)) => user_finish(ex, agg, state),
        (acc, _) => finish(acc, call),
    }
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
        // Stepped by `user_step` (it needs the executor).
        Acc::User(_) => {}
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

/// A user aggregate as one statement runs it: its definition looked up
/// once, with what each input row needs.
struct UserAgg {
    def: rampart_catalog::AggregateDef,
    /// The transition function is STRICT.
    strict: bool,
    /// The built-in transition function, when it is one.
    builtin: Option<crate::func::aggregate::BuiltinStep>,
    /// INITCOND as the state type, or NULL.
    initial: Value,
}

impl UserAgg {
    fn load(ex: &Exec, oid: u32) -> PgResult<UserAgg> {
        let def = ex
            .catalog
            .functions
            .get(&oid)
            .and_then(|f| f.aggregate.clone())
            .ok_or_else(|| rampart_types::PgError::internal("aggregate vanished"))?;
        let builtin = match &def.transition {
            AggStep::Builtin(name) => Some(
                crate::func::aggregate::builtin_transition(name).ok_or_else(|| {
                    rampart_types::PgError::internal("unknown transition function")
                })?,
            ),
            AggStep::Function(_) => None,
        };
        let strict = match (&builtin, &def.transition) {
            (Some(b), _) => b.strict,
            (None, AggStep::Function(f)) => ex.catalog.functions.get(f).is_some_and(|f| f.strict),
            (None, AggStep::Builtin(_)) => true,
        };
        let initial = match &def.initial {
            None => Value::Null,
            Some(text) => super::cast::cast_value(
                Value::Text(text.clone()),
                &rampart_types::DataType::Text,
                &def.state_type,
                &ex.style,
            )?,
        };
        Ok(UserAgg {
            def,
            strict,
            builtin,
            initial,
        })
    }
}

/// One input row of a user aggregate, as PostgreSQL's advance_transition_function:
/// a strict transition function skips NULL inputs, and with a NULL
/// initial state the first input becomes the state.
fn user_step(
    ex: &mut Exec,
    agg: &UserAgg,
    state: &mut Option<Value>,
    args: Vec<Value>,
) -> PgResult<()> {
    let current = match state.take() {
        Some(v) => v,
        None => agg.initial.clone(),
    };
    if agg.strict && args.iter().any(Value::is_null) {
        *state = Some(current);
        return Ok(());
    }
    if agg.strict && current.is_null() {
        *state = Some(args.into_iter().next().unwrap_or(Value::Null));
        return Ok(());
    }
    let next = match (&agg.builtin, &agg.def.transition) {
        (Some(b), _) => {
            let input = args.into_iter().next().unwrap_or(Value::Null);
            builtin_step(b, current, input)?
        }
        (None, AggStep::Function(f)) => {
            let mut call_args = vec![current];
            call_args.extend(args);
            crate::func::call::call_in_exec(ex, *f, call_args)?.value
        }
        (None, AggStep::Builtin(_)) => current,
    };
    *state = Some(next);
    Ok(())
}

fn builtin_step(
    b: &crate::func::aggregate::BuiltinStep,
    state: Value,
    input: Value,
) -> PgResult<Value> {
    use crate::func::aggregate::StepOp;
    Ok(match b.op {
        StepOp::Binary(op) => binary(op, &state, &input)?,
        StepOp::Larger | StepOp::Smaller => {
            let ord = input.total_cmp(&state);
            let take = if b.op == StepOp::Larger {
                ord.is_gt()
            } else {
                ord.is_lt()
            };
            if take {
                input
            } else {
                state
            }
        }
        StepOp::Sum => match (state.is_null(), input.is_null()) {
            (_, true) => state,
            (true, false) => widen_for_sum(input),
            (false, false) => binary(BinOp::Add, &state, &widen_for_sum(input))?,
        },
    })
}

/// A user aggregate's result: FINALFUNC of the state, or the state (the
/// initial state when no row came).
fn user_finish(ex: &mut Exec, agg: &UserAgg, state: Option<Value>) -> PgResult<Value> {
    let state = state.unwrap_or_else(|| agg.initial.clone());
    match &agg.def.finish {
        None => Ok(state),
        Some(AggStep::Function(f)) => {
            let strict = ex.catalog.functions.get(f).is_some_and(|f| f.strict);
            if strict && state.is_null() {
                return Ok(Value::Null);
            }
            Ok(crate::func::call::call_in_exec(ex, *f, vec![state])?.value)
        }
        Some(AggStep::Builtin(_)) => Ok(state),
    }
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
        Acc::User(state) => state.unwrap_or(Value::Null),
    })
}
