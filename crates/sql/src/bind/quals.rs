//! The order a scan evaluates its predicates in, as PostgreSQL's planner
//! orders them (`order_qual_clauses`): row-level security predicates
//! first, then the query's own; within each group the cheapest first. A
//! query predicate that is leakproof and cheap may join the policy group
//! (it cannot reveal a hidden row, and it filters before the policy runs).
//!
//! Leakproof follows PostgreSQL's `contain_leaked_vars`: an expression is
//! leakproof unless a function or operator that is not leakproof has a
//! column of the row beneath it. Built-in comparisons are leakproof;
//! arithmetic (overflow and division errors), casts (invalid input errors),
//! LIKE and built-in functions are not; user functions are as declared.
//! Subqueries are never leakproof.

use rampart_catalog::Catalog;

use crate::expr::{BinOp, Expr};

/// PostgreSQL promotes a leakproof predicate only when it costs less than
/// ten operators (`10 * cpu_operator_cost`).
const PROMOTE_BELOW: f64 = 10.0;

/// Whether no row value reaches a function that could leak it.
pub fn is_leakproof(e: &Expr, catalog: &Catalog) -> bool {
    let columns_below = |e: &Expr| {
        let mut any = false;
        e.walk_columns(&mut |_| any = true);
        any
    };
    match e {
        Expr::Column(_) | Expr::Outer { .. } | Expr::Literal(_) | Expr::Param(_) => true,
        Expr::Not(x) | Expr::IsNull(x, _) | Expr::IsBool(x, ..) => is_leakproof(x, catalog),
        Expr::Binary(op, a, b) if op.is_comparison() || matches!(op, BinOp::And | BinOp::Or) => {
            is_leakproof(a, catalog) && is_leakproof(b, catalog)
        }
        Expr::IsDistinct(a, b, _) => is_leakproof(a, catalog) && is_leakproof(b, catalog),
        Expr::Call { oid, args } => {
            let declared = catalog.functions.get(oid).is_some_and(|f| f.leakproof);
            (declared || !args.iter().any(columns_below))
                && args.iter().all(|a| is_leakproof(a, catalog))
        }
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            operand.as_deref().is_none_or(|o| is_leakproof(o, catalog))
                && whens
                    .iter()
                    .all(|(w, t)| is_leakproof(w, catalog) && is_leakproof(t, catalog))
                && else_.as_deref().is_none_or(|x| is_leakproof(x, catalog))
        }
        Expr::InList { expr, list, .. } => {
            is_leakproof(expr, catalog) && list.iter().all(|x| is_leakproof(x, catalog))
        }
        Expr::ArrayLit(items) => items.iter().all(|x| is_leakproof(x, catalog)),
        Expr::QuantifiedArray {
            expr, op, array, ..
        } if op.is_comparison() => is_leakproof(expr, catalog) && is_leakproof(array, catalog),
        Expr::ScalarSubquery(_)
        | Expr::Exists(..)
        | Expr::InSubquery { .. }
        | Expr::ArraySubquery(_)
        | Expr::QuantifiedSubquery { .. } => false,
        // Operators and functions that may raise an error showing their
        // input: leaky when a column is beneath them.
        Expr::Neg(_)
        | Expr::Binary(..)
        | Expr::Cast(..)
        | Expr::Domain(..)
        | Expr::Func(..)
        | Expr::Like { .. }
        | Expr::QuantifiedArray { .. } => !columns_below(e),
    }
}

/// The per-row cost of an expression in operator evaluations, as
/// PostgreSQL's `cost_qual_eval` counts it: each operator or built-in
/// function 1, a user function its declared COST, an IN list half an
/// operator per element; columns, constants and parameters nothing.
/// An uncorrelated scalar or EXISTS subquery runs once per statement (free
/// per row); an IN over one probes a hash table (one operator); a
/// correlated subquery runs per row.
pub fn qual_cost(e: &Expr, catalog: &Catalog) -> f64 {
    let sum = |items: &[Expr]| items.iter().map(|x| qual_cost(x, catalog)).sum::<f64>();
    match e {
        Expr::Column(_) | Expr::Outer { .. } | Expr::Literal(_) | Expr::Param(_) => 0.0,
        Expr::Not(x) | Expr::IsNull(x, _) | Expr::IsBool(x, ..) => qual_cost(x, catalog),
        Expr::Binary(BinOp::And | BinOp::Or, a, b) => qual_cost(a, catalog) + qual_cost(b, catalog),
        Expr::Neg(x) | Expr::Cast(x, _) => 1.0 + qual_cost(x, catalog),
        Expr::Domain(x, d) => {
            1.0 + qual_cost(x, catalog)
                + d.checks
                    .iter()
                    .map(|(_, c)| qual_cost(c, catalog))
                    .sum::<f64>()
        }
        Expr::Binary(_, a, b) | Expr::IsDistinct(a, b, _) => {
            1.0 + qual_cost(a, catalog) + qual_cost(b, catalog)
        }
        Expr::Func(_, args) => 1.0 + sum(args),
        Expr::Call { oid, args } => {
            catalog
                .functions
                .get(oid)
                .map_or(rampart_catalog::default_function_cost(), |f| f.cost)
                + sum(args)
        }
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            operand.as_deref().map_or(0.0, |o| qual_cost(o, catalog))
                + whens
                    .iter()
                    .map(|(w, t)| qual_cost(w, catalog) + qual_cost(t, catalog))
                    .sum::<f64>()
                + else_.as_deref().map_or(0.0, |x| qual_cost(x, catalog))
        }
        Expr::InList { expr, list, .. } => {
            0.5 * list.len() as f64 + qual_cost(expr, catalog) + sum(list)
        }
        Expr::Like { expr, pattern, .. } => {
            1.0 + qual_cost(expr, catalog) + qual_cost(pattern, catalog)
        }
        Expr::ArrayLit(items) => sum(items),
        // PostgreSQL assumes ten elements for an array it cannot see.
        Expr::QuantifiedArray { expr, array, .. } => {
            5.0 + qual_cost(expr, catalog) + qual_cost(array, catalog)
        }
        Expr::ScalarSubquery(p) | Expr::Exists(p, _) | Expr::ArraySubquery(p) => {
            if crate::exec::plan_is_correlated(p) {
                CORRELATED_SUBQUERY_COST
            } else {
                0.0
            }
        }
        Expr::InSubquery { expr, plan, .. } | Expr::QuantifiedSubquery { expr, plan, .. } => {
            if crate::exec::plan_is_correlated(plan) {
                CORRELATED_SUBQUERY_COST
            } else {
                1.0 + qual_cost(expr, catalog)
            }
        }
    }
}

/// A correlated subquery runs once per row: dearer than any operator.
const CORRELATED_SUBQUERY_COST: f64 = 1_000.0;

/// Orders a scan's predicates: `security` (row-level security, evaluated
/// first) and `filter` (the query's). Duplicate policy predicates are
/// dropped (PostgreSQL's `list_append_unique`). When row-level security
/// applies anywhere in the statement (`rls`), the query's predicates rank
/// after the policies, except leakproof cheap ones, which join the policy
/// group (at a scan with policies) or go first (at one without); each
/// group is sorted by cost, keeping written order among equals. Without
/// RLS all of `filter` is one group. Predicates that read no column
/// (placed first in `security`) keep their place.
pub fn order_scan_quals(
    security: Option<Expr>,
    filter: Option<Expr>,
    catalog: &Catalog,
    rls: bool,
) -> (Option<Expr>, Option<Expr>) {
    let mut first: Vec<Expr> = Vec::new();
    let mut policy: Vec<Expr> = Vec::new();
    let conjuncts: Vec<Expr> = security
        .into_iter()
        .flat_map(Expr::into_conjuncts)
        .collect();
    // Compared by their debug text (Expr has no PartialEq: it holds plans),
    // only when there is something to compare (this runs at every bind).
    let several = conjuncts.len() > 1;
    let mut seen: Vec<String> = Vec::new();
    for c in conjuncts {
        let mut reads = false;
        c.walk_columns(&mut |_| reads = true);
        if !reads && policy.is_empty() && !c.is_constant() {
            first.push(c);
            continue;
        }
        if several {
            let key = format!("{c:?}");
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
        }
        policy.push(c);
    }
    let mut promoted: Vec<Expr> = Vec::new();
    let mut query: Vec<Expr> = Vec::new();
    for c in filter.into_iter().flat_map(Expr::into_conjuncts) {
        if (rls || !policy.is_empty())
            && is_leakproof(&c, catalog)
            && qual_cost(&c, catalog) < PROMOTE_BELOW
        {
            promoted.push(c);
        } else {
            query.push(c);
        }
    }
    let by_cost = |v: Vec<Expr>| {
        let mut keyed: Vec<(f64, Expr)> =
            v.into_iter().map(|c| (qual_cost(&c, catalog), c)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
        keyed.into_iter().map(|(_, c)| c).collect::<Vec<_>>()
    };
    let (security, filter): (Vec<Expr>, Vec<Expr>) = if !policy.is_empty() {
        policy.extend(promoted);
        (
            first.into_iter().chain(by_cost(policy)).collect(),
            by_cost(query),
        )
    } else {
        (
            first,
            by_cost(promoted)
                .into_iter()
                .chain(by_cost(query))
                .collect(),
        )
    };
    (Expr::conjunction(security), Expr::conjunction(filter))
}
