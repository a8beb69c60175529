//! Predicate pushdown: WHERE and JOIN/ON conjuncts are moved as close to
//! the rows they read as the join semantics allow: into a table scan (where
//! they may pick an index), into one side of a join, or into the join
//! condition (where the executor can hash on `left = right` equalities).
//! Without this a comma join builds the full cartesian product before the
//! WHERE clause filters it.
//!
//! Only conjuncts made of plain operators, functions, columns, constants,
//! parameters and outer references move; anything holding a subquery stays
//! where it was written. Row-level security is unaffected: a scan applies
//! its policy predicate (`security`) before any pushed filter.

use crate::expr::Expr;
use crate::plan::{Access, JoinKind, Plan};

/// What pushdown needs: the catalog, and whether row-level security
/// applies anywhere in the statement (then the query's own predicates rank
/// after the policies at every scan, PostgreSQL's `qual_security_level`,
/// unless leakproof and cheap).
#[derive(Clone, Copy)]
pub struct Pushdown<'a> {
    /// The catalog (indexes, partitions, functions).
    pub catalog: &'a rampart_catalog::Catalog,
    /// Some scan of the statement has a row-level security predicate.
    pub rls: bool,
}

/// The input-row columns a conjunct reads, or None when it must not move.
fn movable_columns(e: &Expr, out: &mut Vec<usize>) -> bool {
    match e {
        Expr::Column(i) => {
            out.push(*i);
            true
        }
        Expr::Literal(_) | Expr::Param(_) | Expr::Outer { .. } => true,
        Expr::Neg(x)
        | Expr::Not(x)
        | Expr::IsNull(x, _)
        | Expr::Cast(x, _)
        | Expr::Domain(x, _)
        | Expr::IsBool(x, ..) => movable_columns(x, out),
        Expr::Binary(_, a, b) | Expr::IsDistinct(a, b, _) => {
            movable_columns(a, out) && movable_columns(b, out)
        }
        Expr::Func(_, args) | Expr::Call { args, .. } | Expr::ArrayLit(args) => {
            args.iter().all(|a| movable_columns(a, out))
        }
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            operand.as_deref().is_none_or(|o| movable_columns(o, out))
                && whens
                    .iter()
                    .all(|(w, t)| movable_columns(w, out) && movable_columns(t, out))
                && else_.as_deref().is_none_or(|x| movable_columns(x, out))
        }
        Expr::InList { expr, list, .. } => {
            movable_columns(expr, out) && list.iter().all(|a| movable_columns(a, out))
        }
        Expr::Like { expr, pattern, .. } => {
            movable_columns(expr, out) && movable_columns(pattern, out)
        }
        Expr::QuantifiedArray { expr, array, .. } => {
            movable_columns(expr, out) && movable_columns(array, out)
        }
        Expr::ScalarSubquery(_)
        | Expr::Exists(..)
        | Expr::InSubquery { .. }
        | Expr::ArraySubquery(_)
        | Expr::QuantifiedSubquery { .. } => false,
    }
}

/// Renumbers the input-row columns of a movable expression.
fn shift_columns(e: &mut Expr, by: usize) {
    rewrite_columns(e, &mut |i| Expr::Column(i - by));
}

/// Pushes into `input` the conjuncts over the output of a node computing
/// `exprs` from it that `allowed` accepts and that read only substitutable
/// columns (rewritten over `input`'s row); returns the new input and the
/// conjuncts that stay above the node.
fn push_below(
    input: Plan,
    conjuncts: Vec<Expr>,
    exprs: &[Expr],
    cx: &Pushdown<'_>,
    allowed: impl Fn(&Expr) -> bool,
) -> (Plan, Vec<Expr>) {
    let (inner, stay): (Vec<Expr>, Vec<Expr>) = conjuncts
        .into_iter()
        .partition(|c| allowed(c) && reads_substitutable(c, exprs));
    let inner = inner
        .into_iter()
        .map(|mut c| {
            substitute_columns(&mut c, exprs);
            c
        })
        .collect();
    (apply(input, inner, cx), stay)
}

/// Whether a conjunct may move below a node computing `exprs`: it moves
/// itself (no subquery), and each output column it reads is an expression
/// that may be evaluated again (stable, no subquery).
fn reads_substitutable(c: &Expr, exprs: &[Expr]) -> bool {
    let mut columns = Vec::new();
    movable_columns(c, &mut columns)
        && columns.iter().all(|i| {
            exprs
                .get(*i)
                .is_some_and(|e| e.is_stable() && movable_columns(e, &mut Vec::new()))
        })
}

/// Replaces each input-row column of a movable expression by the
/// expression computing it.
fn substitute_columns(e: &mut Expr, exprs: &[Expr]) {
    rewrite_columns(e, &mut |i| exprs[i].clone());
}

/// Replaces each input-row column of a movable expression by `to(index)`
/// (subqueries, which do not move, are left alone).
pub(super) fn rewrite_columns(e: &mut Expr, to: &mut dyn FnMut(usize) -> Expr) {
    match e {
        Expr::Column(i) => *e = to(*i),
        Expr::Neg(x)
        | Expr::Not(x)
        | Expr::IsNull(x, _)
        | Expr::Cast(x, _)
        | Expr::Domain(x, _)
        | Expr::IsBool(x, ..) => rewrite_columns(x, to),
        Expr::Binary(_, a, b) | Expr::IsDistinct(a, b, _) => {
            rewrite_columns(a, to);
            rewrite_columns(b, to);
        }
        Expr::Func(_, args) | Expr::Call { args, .. } | Expr::ArrayLit(args) => {
            args.iter_mut().for_each(|a| rewrite_columns(a, to))
        }
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            if let Some(o) = operand {
                rewrite_columns(o, to);
            }
            for (w, t) in whens {
                rewrite_columns(w, to);
                rewrite_columns(t, to);
            }
            if let Some(x) = else_ {
                rewrite_columns(x, to);
            }
        }
        Expr::InList { expr, list, .. } => {
            rewrite_columns(expr, to);
            list.iter_mut().for_each(|a| rewrite_columns(a, to));
        }
        Expr::Like { expr, pattern, .. } => {
            rewrite_columns(expr, to);
            rewrite_columns(pattern, to);
        }
        Expr::QuantifiedArray { expr, array, .. } => {
            rewrite_columns(expr, to);
            rewrite_columns(array, to);
        }
        Expr::Outer { .. }
        | Expr::Literal(_)
        | Expr::Param(_)
        | Expr::ScalarSubquery(_)
        | Expr::Exists(..)
        | Expr::InSubquery { .. }
        | Expr::ArraySubquery(_)
        | Expr::QuantifiedSubquery { .. } => {}
    }
}

/// Where a conjunct over a join's row can go.
enum Side {
    Left,
    Right,
    Join,
    Stay,
}

fn side_of(e: &Expr, kind: JoinKind, left_width: usize, in_on: bool) -> Side {
    let mut cols = Vec::new();
    if !movable_columns(e, &mut cols) || cols.is_empty() {
        return Side::Stay;
    }
    let left = cols.iter().all(|c| *c < left_width);
    let right = cols.iter().all(|c| *c >= left_width);
    match kind {
        JoinKind::Inner if left => Side::Left,
        JoinKind::Inner if right => Side::Right,
        JoinKind::Inner => Side::Join,
        // A WHERE condition on the preserved side filters it; an ON
        // condition on the other side filters that side's candidates.
        JoinKind::Left if left && !in_on => Side::Left,
        JoinKind::Left if right && in_on => Side::Right,
        JoinKind::Right if right && !in_on => Side::Right,
        JoinKind::Right if left && in_on => Side::Left,
        _ => Side::Stay,
    }
}

/// Applies `pred` to `plan`, pushing its conjuncts down where they can go.
pub fn push_filter(plan: Plan, pred: Expr, cx: &Pushdown<'_>) -> Plan {
    let conjuncts = with_implied_constants(pred.into_conjuncts());
    let (plan, rest) = push_conjuncts(plan, conjuncts, cx);
    match Expr::conjunction(rest) {
        Some(p) => Plan::Filter {
            input: Box::new(plan),
            predicate: p,
        },
        None => plan,
    }
}

/// The WHERE clause of UPDATE … FROM / DELETE … USING, over the target row
/// followed by the FROM row, split as PostgreSQL's planner would: the
/// conjuncts reading only the target's columns (returned first, for the
/// target's scan), those reading only the FROM row (pushed into `from`),
/// and the rest (for each joined pair). So a function in WHERE runs once per
/// row of its own table, not once per pair.
pub fn split_dml_join(
    filter: Expr,
    target_width: usize,
    from: Plan,
    cx: &Pushdown<'_>,
) -> (Option<Expr>, Plan, Option<Expr>) {
    let (mut target, mut others, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    // Implied constants (`x.a = y.a AND y.a = 1` gives `x.a = 1`) and, as
    // PostgreSQL orders quals by cost, calls of user functions last.
    let mut conjuncts = with_implied_constants(filter.into_conjuncts());
    conjuncts.sort_by_key(|c| !c.is_stable());
    for c in conjuncts {
        let mut cols = Vec::new();
        if !movable_columns(&c, &mut cols) {
            rest.push(c);
        } else if cols.iter().all(|&i| i < target_width) {
            target.push(c);
        } else if cols.iter().all(|&i| i >= target_width) {
            let mut moved = c;
            shift_columns(&mut moved, target_width);
            others.push(moved);
        } else {
            rest.push(c);
        }
    }
    let from = match Expr::conjunction(others) {
        Some(p) => push_filter(from, p, cx),
        None => from,
    };
    (Expr::conjunction(target), from, Expr::conjunction(rest))
}

/// Adds `b = v` for every pair `a = v`, `a = b` (or `b = a`) of conjuncts
/// where `v` does not depend on the row: implied by the conjuncts, and it
/// lets `b`'s side of a join use an index or build one relation's catalog
/// rows (`c.oid = 16384 AND c.oid = i.indrelid` pins `i.indrelid` too).
fn with_implied_constants(mut conjuncts: Vec<Expr>) -> Vec<Expr> {
    let column_pairs: Vec<(usize, usize)> = conjuncts
        .iter()
        .filter_map(|c| match c {
            Expr::Binary(crate::expr::BinOp::Eq, a, b) => match (a.as_ref(), b.as_ref()) {
                (Expr::Column(x), Expr::Column(y)) if x != y => Some((*x, *y)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if column_pairs.is_empty() {
        return conjuncts;
    }
    // Only values that are the same at every evaluation may be copied: a
    // literal, parameter or outer reference (not `random()`).
    fn stable(e: &Expr) -> bool {
        match e {
            Expr::Literal(_) | Expr::Param(_) | Expr::Outer { .. } => true,
            Expr::Cast(x, _) => stable(x),
            _ => false,
        }
    }
    let mut implied = Vec::new();
    for &(x, y) in &column_pairs {
        for (from, to) in [(x, y), (y, x)] {
            let pinned = |col: usize| {
                conjuncts
                    .iter()
                    .find_map(|c| pinned_value(c, col))
                    .filter(stable)
            };
            if pinned(to).is_none() {
                if let Some(v) = pinned(from) {
                    implied.push(Expr::Binary(
                        crate::expr::BinOp::Eq,
                        Box::new(Expr::Column(to)),
                        Box::new(v),
                    ));
                }
            }
        }
    }
    conjuncts.extend(implied);
    conjuncts
}

/// Pushes the movable conjuncts of a join's own ON condition into its inputs.
pub fn optimize_join(plan: Plan, cx: &Pushdown<'_>) -> Plan {
    let Plan::Join {
        left,
        right,
        kind,
        on: Some(on),
        left_width,
        right_width,
    } = plan
    else {
        return plan;
    };
    let mut to_left = Vec::new();
    let mut to_right = Vec::new();
    let mut keep = Vec::new();
    for c in on.into_conjuncts() {
        match side_of(&c, kind, left_width, true) {
            Side::Left => to_left.push(c),
            Side::Right => {
                let mut c = c;
                shift_columns(&mut c, left_width);
                to_right.push(c)
            }
            _ => keep.push(c),
        }
    }
    let left = apply(*left, to_left, cx);
    let right = apply(*right, to_right, cx);
    Plan::Join {
        left: Box::new(left),
        right: Box::new(right),
        kind,
        on: Expr::conjunction(keep),
        left_width,
        right_width,
    }
}

fn apply(plan: Plan, conjuncts: Vec<Expr>, cx: &Pushdown<'_>) -> Plan {
    match Expr::conjunction(conjuncts) {
        Some(p) => push_filter(plan, p, cx),
        None => plan,
    }
}

/// Pushes conjuncts into `plan`; returns the plan and what could not move.
fn push_conjuncts(plan: Plan, conjuncts: Vec<Expr>, cx: &Pushdown<'_>) -> (Plan, Vec<Expr>) {
    if conjuncts.is_empty() {
        return (plan, conjuncts);
    }
    match plan {
        Plan::Scan {
            table,
            access,
            filter,
            security,
            inherited,
            rowid,
        } => {
            // As PostgreSQL, a conjunct that reads none of the table's
            // columns cannot leak its rows: under row-level security it
            // runs before the policy predicate, on every row.
            let (before_policy, conjuncts): (Vec<Expr>, Vec<Expr>) =
                conjuncts.into_iter().partition(|c| {
                    let mut columns = Vec::new();
                    security.is_some() && movable_columns(c, &mut columns) && columns.is_empty()
                });
            let security = if before_policy.is_empty() {
                security
            } else {
                Expr::conjunction(before_policy.into_iter().chain(security).collect())
            };
            let all = filter.into_iter().chain(conjuncts).collect::<Vec<_>>();
            let (security, pred) = super::quals::order_scan_quals(
                security,
                Expr::conjunction(all),
                cx.catalog,
                cx.rls,
            );
            // A sample is taken over every row before any predicate: no index.
            let sample = match access {
                Access::Sample(s) => Some(Access::Sample(s)),
                _ => None,
            };
            let Some(pred) = pred else {
                return (
                    Plan::Scan {
                        table,
                        access: sample.unwrap_or_else(|| {
                            super::query::choose_access(table, None, security.as_ref(), cx.catalog)
                        }),
                        filter: None,
                        security,
                        inherited,
                        rowid,
                    },
                    vec![],
                );
            };
            let access = sample.unwrap_or_else(|| {
                super::query::choose_access(table, Some(&pred), security.as_ref(), cx.catalog)
            });
            // Partitions the WHERE rules out are not scanned.
            let inherited = if inherited.is_empty() {
                inherited
            } else {
                // (The policy's conditions rule partitions out too.)
                let conjuncts: Vec<Expr> = security
                    .iter()
                    .chain(std::iter::once(&pred))
                    .cloned()
                    .flat_map(Expr::into_conjuncts)
                    .collect();
                crate::partition::prune(cx.catalog, table, &conjuncts, inherited.clone())
                    .unwrap_or(inherited)
            };
            (
                Plan::Scan {
                    table,
                    access,
                    filter: Some(pred),
                    security,
                    inherited,
                    rowid,
                },
                vec![],
            )
        }
        Plan::Join {
            left,
            right,
            kind,
            on,
            left_width,
            right_width,
        } => {
            let mut to_left = Vec::new();
            let mut to_right = Vec::new();
            let mut to_on = Vec::new();
            let mut keep = Vec::new();
            for c in conjuncts {
                match side_of(&c, kind, left_width, false) {
                    Side::Left => to_left.push(c),
                    Side::Right => {
                        let mut c = c;
                        shift_columns(&mut c, left_width);
                        to_right.push(c);
                    }
                    Side::Join => to_on.push(c),
                    Side::Stay => keep.push(c),
                }
            }
            let left = apply(*left, to_left, cx);
            let right = apply(*right, to_right, cx);
            let on = Expr::conjunction(on.into_iter().chain(to_on).collect());
            (
                reassociate(Plan::Join {
                    left: Box::new(left),
                    right: Box::new(right),
                    kind,
                    on,
                    left_width,
                    right_width,
                }),
                keep,
            )
        }
        Plan::Project { input, exprs } => {
            // A view or subquery in FROM is flattened into the query, as
            // PostgreSQL does: a conjunct over output columns that are
            // plain expressions (no subquery, nothing volatile) is
            // rewritten over the input row and pushed on, so a WHERE on a
            // view's column can use the table's index.
            let (input, stay) = push_below(*input, conjuncts, &exprs, cx, |_| true);
            (
                Plan::Project {
                    input: Box::new(input),
                    exprs,
                },
                stay,
            )
        }
        Plan::Aggregate {
            input,
            group_by,
            aggs,
        } if !group_by.is_empty() => {
            // A conjunct over grouping columns only filters whole groups:
            // it may run on the input rows instead (fewer rows grouped).
            // Nothing volatile: a group-level condition must not become a
            // per-row one that answers differently for each row.
            let (input, stay) = push_below(*input, conjuncts, &group_by, cx, Expr::is_stable);
            (
                Plan::Aggregate {
                    input: Box::new(input),
                    group_by,
                    aggs,
                },
                stay,
            )
        }
        Plan::Sort { input, keys } => (
            Plan::Sort {
                input: Box::new(apply(*input, conjuncts, cx)),
                keys,
            },
            vec![],
        ),
        Plan::Filter { input, predicate } => (
            Plan::Filter {
                input: Box::new(apply(*input, conjuncts, cx)),
                predicate,
            },
            vec![],
        ),
        Plan::Barrier {
            input,
            name,
            columns,
        } => {
            // Only leakproof conjuncts may run among the view's own (and
            // nothing volatile, as PostgreSQL's pushdown into a subquery).
            let (inner, stay): (Vec<Expr>, Vec<Expr>) = conjuncts
                .into_iter()
                .partition(|c| c.is_stable() && super::quals::is_leakproof(c, cx.catalog));
            (
                Plan::Barrier {
                    input: Box::new(apply(*input, inner, cx)),
                    name,
                    columns,
                },
                stay,
            )
        }
        Plan::SystemView { oid, rel: None } => {
            let rel = crate::sysview::by_oid(oid)
                .and_then(|v| {
                    let key = crate::sysview::relation_key(v)?;
                    v.columns.iter().position(|(n, _)| *n == key)
                })
                .and_then(|k| conjuncts.iter().find_map(|c| pinned_value(c, k)))
                .or_else(|| pinned_relname(oid, &conjuncts));
            (Plan::SystemView { oid, rel }, conjuncts)
        }
        other => (other, conjuncts),
    }
}

/// `(A × B) ⋈ C` → `A ⋈ (B ⋈ C)` when A and B are joined without a
/// condition and some of the top condition relates only B and C: the
/// output columns keep their order (A, B, C), and B meets C's condition
/// before it is multiplied by A. Comma joins are written in FROM order
/// (`FROM pg_class c, pg_class c2, pg_index i WHERE … i.indexrelid =
/// c2.oid`), which otherwise builds the whole cross product first.
fn reassociate(plan: Plan) -> Plan {
    let Plan::Join {
        left,
        right: c,
        kind: JoinKind::Inner,
        on: Some(on),
        left_width,
        right_width: c_width,
    } = plan
    else {
        return plan;
    };
    let conjuncts = on.into_conjuncts();
    // Reads only columns of B and C (A's columns come first).
    let b_and_c_only = |e: &Expr, a_width: usize| {
        let mut cols = Vec::new();
        movable_columns(e, &mut cols) && !cols.is_empty() && cols.iter().all(|x| *x >= a_width)
    };
    match *left {
        Plan::Join {
            left: a,
            right: b,
            kind: JoinKind::Inner,
            on: None,
            left_width: a_width,
            right_width: b_width,
        } if conjuncts.iter().any(|e| b_and_c_only(e, a_width)) => {
            let (mut inner, outer): (Vec<Expr>, Vec<Expr>) = conjuncts
                .into_iter()
                .partition(|e| b_and_c_only(e, a_width));
            inner.iter_mut().for_each(|e| shift_columns(e, a_width));
            Plan::Join {
                left: a,
                right: Box::new(Plan::Join {
                    left: b,
                    right: c,
                    kind: JoinKind::Inner,
                    on: Expr::conjunction(inner),
                    left_width: b_width,
                    right_width: c_width,
                }),
                kind: JoinKind::Inner,
                on: Expr::conjunction(outer),
                left_width: a_width,
                right_width: b_width + c_width,
            }
        }
        left => Plan::Join {
            left: Box::new(left),
            right: c,
            kind: JoinKind::Inner,
            on: Expr::conjunction(conjuncts),
            left_width,
            right_width: c_width,
        },
    }
}

/// For pg_class, the name a psql pattern conjunct `relname ~ '^(name)$'`
/// pins `relname` to (psql's `\d name`, `\dp name`), as a text value: the
/// executor then builds only the relations of that name. The conjunct
/// itself stays and filters the rows.
fn pinned_relname(view_oid: u32, conjuncts: &[Expr]) -> Option<Expr> {
    let view = crate::sysview::by_oid(view_oid)?;
    if view.name != "pg_class" {
        return None;
    }
    let relname = view.columns.iter().position(|(n, _)| *n == "relname")?;
    conjuncts.iter().find_map(|c| {
        let Expr::Binary(crate::expr::BinOp::RegexMatch, a, b) = c else {
            return None;
        };
        let strip = |e: &Expr| -> Expr {
            let mut e = e;
            while let Expr::Cast(inner, _) = e {
                e = inner;
            }
            e.clone()
        };
        let (Expr::Column(col), Expr::Literal(rampart_types::Value::Text(pattern))) =
            (strip(a), strip(b))
        else {
            return None;
        };
        let name = pattern.strip_prefix("^(")?.strip_suffix(")$")?;
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '$');
        (col == relname && plain)
            .then(|| Expr::Literal(rampart_types::Value::Text(name.to_string())))
    })
}

/// The value a conjunct `column = v` pins `column` to, when `v` does not
/// depend on the row (a constant, parameter or outer reference).
fn pinned_value(c: &Expr, column: usize) -> Option<Expr> {
    let Expr::Binary(crate::expr::BinOp::Eq, a, b) = c else {
        return None;
    };
    let row_free = |e: &Expr| {
        let mut cols = Vec::new();
        movable_columns(e, &mut cols) && cols.is_empty()
    };
    match (a.as_ref(), b.as_ref()) {
        (Expr::Column(i), v) | (v, Expr::Column(i)) if *i == column && row_free(v) => {
            Some(v.clone())
        }
        _ => None,
    }
}
