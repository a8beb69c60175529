//! EXPLAIN: the plan tree in PostgreSQL's shape, without costs (Rampart has
//! no cost model yet; `EXPLAIN (COSTS OFF)` output is the closest match).

use sqlparser::ast::Statement;

use std::cell::{Cell, RefCell};

use rampart_types::{DataType, PgError, PgResult, Value};

use crate::bind::Binder;
use crate::expr::Expr;
use crate::plan::{Access, DataStatement, JoinKind, OutputColumn, Plan, SetOpKind};
use crate::session::{QueryResult, Session};

/// Runs EXPLAIN for a data statement.
pub fn explain(s: &mut Session, stmt: &Statement) -> PgResult<QueryResult> {
    // EXPLAIN EXECUTE name: the prepared statement's plan, bound now (as
    // the next EXECUTE would bind it) with its parameter types.
    let mut params = vec![];
    let mut values = vec![];
    let prepared;
    let stmt = match stmt {
        Statement::Execute {
            name: Some(name),
            parameters,
            ..
        } => {
            let name = name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(crate::bind::ident)
                .unwrap_or_default();
            let (inner, types) = s.sql_prepared_statement(&name)?;
            // Shown as constants, as PostgreSQL's custom plan shows them.
            values = s.execute_arguments(parameters, &types)?;
            params = types;
            prepared = inner;
            match prepared.as_deref() {
                Some(crate::parser::Stmt::Sql(st)) => st.as_ref(),
                _ => return Err(PgError::unsupported("EXPLAIN of this statement")),
            }
        }
        other => other,
    };
    let catalog = s.catalog()?;
    let mut binder =
        Binder::new(&catalog, s.state.search_path(), params).with_rls(s.rls_context(&catalog)?);
    let ds = match stmt {
        Statement::Query(_)
        | Statement::Insert(_)
        | Statement::Update(_)
        | Statement::Delete(_)
        | Statement::Merge(_) => binder.bind_data_statement(stmt)?.0,
        _ => return Err(PgError::unsupported("EXPLAIN of this statement")),
    };
    s.authorize((), &binder.merged_needs(), &catalog)?;
    let name = |oid: u32| {
        catalog
            .relation_by_oid(oid)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    };
    let x = Explain {
        catalog: &catalog,
        params: values,
        next_plan: Cell::new(1),
        next_param: Cell::new(0),
        init_plans: RefCell::new(Vec::new()),
    };
    let lines = x.level(0, |lines| match &ds {
        DataStatement::Query(p) => render(p, 0, &x, lines),
        DataStatement::Insert(p) => {
            lines.push(format!("Insert on {}", name(p.table)));
            lines.push(INIT_PLANS_HERE.into());
            render(&p.source, 1, &x, lines);
        }
        DataStatement::Update(p) => {
            lines.push(format!("Update on {}", name(p.table)));
            lines.push(INIT_PLANS_HERE.into());
            let filter = if p.from.is_some() {
                &p.target_filter
            } else {
                &p.filter
            };
            let target = target_scan(p.table, &p.access, filter, &p.security);
            render(&target, 1, &x, lines);
        }
        DataStatement::Delete(p) => {
            lines.push(format!("Delete on {}", name(p.table)));
            lines.push(INIT_PLANS_HERE.into());
            let filter = if p.using.is_some() {
                &p.target_filter
            } else {
                &p.filter
            };
            let target = target_scan(p.table, &p.access, filter, &p.security);
            render(&target, 1, &x, lines);
        }
        DataStatement::Merge(p) => {
            // Partial: the join is printed as its two inputs.
            lines.push(format!("Merge on {}", name(p.table)));
            lines.push(INIT_PLANS_HERE.into());
            let target = target_scan(p.table, &Access::Full, &None, &p.security);
            render(&target, 1, &x, lines);
            render(&p.source, 1, &x, lines);
        }
    });
    Ok(QueryResult::Rows {
        columns: vec![OutputColumn {
            name: "QUERY PLAN".into(),
            ty: DataType::Text,
            source: None,
        }],
        rows: lines.into_iter().map(|l| vec![Value::Text(l)]).collect(),
        tag: "EXPLAIN".into(),
    })
}

/// An UPDATE/DELETE target's scan, to print as a query's (its policy and
/// WHERE predicates as its Filter).
fn target_scan(
    table: u32,
    access: &Access,
    filter: &Option<Expr>,
    security: &Option<Expr>,
) -> Plan {
    Plan::Scan {
        table,
        access: access.clone(),
        filter: filter.clone(),
        security: security.clone(),
        inherited: vec![],
        rowid: false,
    }
}

fn scan_line(table: u32, access: &Access, catalog: &rampart_catalog::Catalog) -> String {
    let Some(rel) = catalog.relation_by_oid(table) else {
        return "Seq Scan".into();
    };
    match access {
        Access::Full => format!("Seq Scan on {}", rel.name),
        Access::IndexEq { index, .. } => {
            let iname = rel
                .indexes
                .iter()
                .find(|i| i.oid == *index)
                .map(|i| i.name.clone())
                .unwrap_or_default();
            format!("Index Scan using {iname} on {}", rel.name)
        }
        Access::CurrentOf { .. } => format!("Tid Scan on {}", rel.name),
        Access::Sample(_) => format!("Sample Scan on {}", rel.name),
    }
}

/// `bernoulli ('5'::real) REPEATABLE ('0'::double precision)`.
fn sampling(spec: &crate::plan::TableSample, catalog: &rampart_catalog::Catalog) -> String {
    // The planner has folded constants: PostgreSQL prints them quoted.
    let text = |e: &Expr| match e {
        Expr::Literal(v) if !v.is_null() => format!(
            "'{}'::{}",
            v.to_pg_text().unwrap_or_default(),
            v.data_type().display_name()
        ),
        _ => crate::deparse::deparse_in(e, &[], catalog).unwrap_or_default(),
    };
    let mut line = format!("{} ({})", spec.method.name(), text(&spec.percent));
    if let Some(seed) = &spec.repeatable {
        line.push_str(&format!(" REPEATABLE ({})", text(seed)));
    }
    line
}

fn render(plan: &Plan, depth: usize, x: &Explain<'_>, out: &mut Vec<String>) {
    render_filtered(plan, None, depth, x, out)
}

/// Renders `plan` with `above` (a Filter node's predicate over it) shown
/// where PostgreSQL shows it: in the Filter of the scan below, or, over a
/// security-barrier view, on a `Subquery Scan` of the view.
fn render_filtered(
    plan: &Plan,
    above: Option<&Expr>,
    depth: usize,
    x: &Explain<'_>,
    out: &mut Vec<String>,
) {
    let catalog = x.catalog;
    let prefix = if depth == 0 {
        String::new()
    } else {
        format!("{}->  ", " ".repeat(depth * 6 - 4))
    };
    let (line, children): (String, Vec<&Plan>) = match plan {
        Plan::Single => ("Result".into(), vec![]),
        Plan::Values { rows, .. } => (
            if rows.len() == 1 {
                "Result".into()
            } else {
                "Values Scan on \"*VALUES*\"".into()
            },
            vec![],
        ),
        Plan::Scan {
            table,
            access,
            filter,
            security,
            inherited,
            rowid: _,
        } => {
            // Security quals first, then the query's own (PostgreSQL's order).
            let parts: Vec<Expr> = security
                .iter()
                .chain(filter.iter())
                .chain(above)
                .cloned()
                .flat_map(|e| e.into_conjuncts())
                .collect();
            let rel = catalog.relation_by_oid(*table);
            // An index scan's key equalities print as its Index Cond (and
            // not again in the Filter, as PostgreSQL).
            let index_cond: Vec<Expr> = match (access, rel) {
                (Access::IndexEq { index, key, .. }, Some(rel)) => rel
                    .indexes
                    .iter()
                    .find(|i| i.oid == *index)
                    .map(|i| {
                        i.columns
                            .iter()
                            .zip(key)
                            .map(|(c, k)| {
                                Expr::Binary(
                                    crate::expr::BinOp::Eq,
                                    Box::new(Expr::Column(*c)),
                                    Box::new(k.clone()),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => vec![],
            };
            let subplans = RefCell::new(Vec::new());
            let subquery = |e: &Expr| x.subquery_text(e, &subplans);
            let nodes = crate::deparse::ExplainNodes {
                params: &x.params,
                subquery: &subquery,
            };
            let text = |e: &Expr| {
                rel.and_then(|r| {
                    crate::deparse::deparse_explain(e, &r.columns, catalog, false, &nodes)
                })
            };
            // (Compared without subqueries, which `text` numbers as it prints.)
            let plain =
                |e: &Expr| rel.and_then(|r| crate::deparse::deparse_in(e, &r.columns, catalog));
            let index_texts: Vec<Option<String>> = index_cond.iter().map(plain).collect();
            let parts: Vec<Expr> = parts
                .into_iter()
                .filter(|p| {
                    let t = plain(p);
                    t.is_none() || !index_texts.contains(&t)
                })
                .collect();
            let index_line = Expr::conjunction(index_cond).and_then(|c| text(&c));
            let cond = Expr::conjunction(parts).and_then(|c| text(&c));
            let emit = |line: String, depth: usize, out: &mut Vec<String>| {
                let prefix = if depth == 0 {
                    String::new()
                } else {
                    format!("{}->  ", " ".repeat(depth * 6 - 4))
                };
                out.push(format!("{prefix}{line}"));
                let indent = " ".repeat(if depth == 0 { 2 } else { depth * 6 + 2 });
                if let crate::plan::Access::CurrentOf { cursor } = access {
                    out.push(format!("{indent}TID Cond: CURRENT OF {cursor}"));
                }
                if let crate::plan::Access::Sample(spec) = access {
                    out.push(format!("{indent}Sampling: {}", sampling(spec, catalog)));
                }
                if let Some(text) = &index_line {
                    out.push(format!("{indent}Index Cond: {text}"));
                }
                if let Some(text) = &cond {
                    out.push(format!("{indent}Filter: {text}"));
                }
                out.push(INIT_PLANS_HERE.into());
                attach(&subplans.borrow(), depth, out);
            };
            if inherited.is_empty() {
                emit(scan_line(*table, access, catalog), depth, out);
                return;
            }
            // A parent and the tables inheriting from it: PostgreSQL's
            // Append, each member named `parent_N`. A partitioned table
            // holds no rows of its own and is not scanned; one partition
            // left after pruning is scanned alone, under the parent's name.
            let root = catalog.relation_by_oid(*table);
            let alias = root.map(|r| r.name.clone()).unwrap_or_default();
            let partitioned = root.is_some_and(|r| r.partition_key.is_some());
            let members: Vec<(u32, &Access)> = std::iter::once((*table, access))
                .filter(|_| !partitioned)
                .chain(inherited.iter().map(|t| (t.table, &Access::Full)))
                .collect();
            if members.is_empty() {
                out.push(format!("{prefix}Result"));
                let indent = " ".repeat(if depth == 0 { 2 } else { depth * 6 + 2 });
                out.push(format!("{indent}One-Time Filter: false"));
                return;
            }
            if let [(oid, access)] = members.as_slice() {
                emit(
                    format!("{} {alias}", scan_line(*oid, access, catalog)),
                    depth,
                    out,
                );
                return;
            }
            out.push(format!("{prefix}Append"));
            out.push(INIT_PLANS_HERE.into());
            for (n, (oid, access)) in members.into_iter().enumerate() {
                let line = format!("{} {alias}_{}", scan_line(oid, access, catalog), n + 1);
                emit(line, depth + 1, out);
            }
            return;
        }
        Plan::CteScan { label, .. } => (format!("CTE Scan on {label}"), vec![]),
        Plan::SystemView { oid, .. } => (
            format!(
                "Function Scan on {}",
                crate::sysview::by_oid(*oid).map(|v| v.name).unwrap_or("?")
            ),
            vec![],
        ),
        Plan::Series { .. } => ("Function Scan on generate_series".into(), vec![]),
        Plan::Unnest { .. } => ("Function Scan on unnest".into(), vec![]),
        Plan::ProjectSet { input, .. } => ("ProjectSet".into(), vec![input]),
        Plan::SequenceState { .. } => ("Seq Scan".into(), vec![]),
        Plan::BuiltinSrf { srf, .. } => (format!("Function Scan on {}", srf.name()), vec![]),
        Plan::AclExplode { .. } => ("Function Scan on aclexplode".into(), vec![]),
        Plan::FunctionScan { oid, .. } => (
            format!(
                "Function Scan on {}",
                catalog
                    .functions
                    .get(oid)
                    .map(|f| f.name.as_str())
                    .unwrap_or("?")
            ),
            vec![],
        ),
        Plan::Filter { input, predicate } => {
            return render_filtered(input, Some(predicate), depth, x, out)
        }
        Plan::Barrier {
            input,
            name,
            columns,
        } => {
            let Some(pred) = above else {
                return render(input, depth, x, out);
            };
            // The query's predicates the view keeps out run over its rows.
            let qualified: Vec<rampart_catalog::Column> = columns
                .iter()
                .map(|c| {
                    rampart_catalog::Column::named(
                        format!(
                            "{}.{}",
                            crate::functions::quote_ident(name),
                            crate::functions::quote_ident(c)
                        ),
                        DataType::Text,
                    )
                })
                .collect();
            out.push(format!("{prefix}Subquery Scan on {name}"));
            let indent = " ".repeat(if depth == 0 { 2 } else { depth * 6 + 2 });
            let subplans = RefCell::new(Vec::new());
            let subquery = |e: &Expr| x.subquery_text(e, &subplans);
            let nodes = crate::deparse::ExplainNodes {
                params: &x.params,
                subquery: &subquery,
            };
            if let Some(text) =
                crate::deparse::deparse_explain(pred, &qualified, catalog, true, &nodes)
            {
                out.push(format!("{indent}Filter: {text}"));
            }
            out.push(INIT_PLANS_HERE.into());
            render(input, depth + 1, x, out);
            attach(&subplans.borrow(), depth, out);
            return;
        }
        Plan::Project { input, .. } => return render(input, depth, x, out),
        Plan::Join {
            left, right, kind, ..
        } => {
            let k = match kind {
                JoinKind::Inner => "Nested Loop",
                JoinKind::Left => "Nested Loop Left Join",
                JoinKind::Right => "Nested Loop Right Join",
                JoinKind::Full => "Nested Loop Full Join",
            };
            (k.into(), vec![left, right])
        }
        Plan::Lateral {
            left, right, kind, ..
        } => {
            let k = if *kind == JoinKind::Left {
                "Nested Loop Left Join"
            } else {
                "Nested Loop"
            };
            (k.into(), vec![left, right])
        }
        Plan::Aggregate {
            input, group_by, ..
        } => (
            if group_by.is_empty() {
                "Aggregate".into()
            } else {
                "HashAggregate".into()
            },
            vec![input],
        ),
        Plan::Sort { input, .. } => ("Sort".into(), vec![input]),
        Plan::Window { input, calls } => {
            // PostgreSQL sorts the input for the window's keys first.
            out.push(format!("{prefix}WindowAgg"));
            out.push(INIT_PLANS_HERE.into());
            let sorted = calls
                .last()
                .is_some_and(|c| !c.partition.is_empty() || !c.order.is_empty());
            if let (true, Some(call)) = (sorted, calls.last()) {
                out.push(format!("{}->  Sort", " ".repeat((depth + 1) * 6 - 4)));
                // The keys are named when the window reads a table directly.
                let mut scan = input.as_ref();
                while let Plan::Filter { input, .. } = scan {
                    scan = input;
                }
                let rel = match scan {
                    Plan::Scan { table, .. } => catalog.relation_by_oid(*table),
                    _ => None,
                };
                // An expression key is parenthesized once more, as
                // PostgreSQL's show_sort_keys prints it.
                let key = |e: &Expr, r: &rampart_catalog::Relation| {
                    crate::deparse::deparse_in(e, &r.columns, catalog).map(|t| match e {
                        Expr::Column(_) => t,
                        _ => format!("({t})"),
                    })
                };
                let keys: Option<Vec<String>> = rel.and_then(|r| {
                    let partition = call.partition.iter().map(|e| key(e, r));
                    let order = call.order.iter().map(|k| {
                        key(&k.expr, r).map(|t| match (k.desc, k.nulls_first) {
                            (false, false) => t,
                            (true, true) => format!("{t} DESC"),
                            (false, true) => format!("{t} NULLS FIRST"),
                            (true, false) => format!("{t} DESC NULLS LAST"),
                        })
                    });
                    partition.chain(order).collect()
                });
                if let Some(keys) = keys {
                    let indent = " ".repeat((depth + 1) * 6 + 2);
                    out.push(format!("{indent}Sort Key: {}", keys.join(", ")));
                }
                render(input, depth + 2, x, out);
            } else {
                render(input, depth + 1, x, out);
            }
            return;
        }
        Plan::Limit { input, .. } => ("Limit".into(), vec![input]),
        Plan::Distinct { input, .. } => ("Unique".into(), vec![input]),
        Plan::SetOp {
            kind, left, right, ..
        } => (
            match kind {
                SetOpKind::Union => "Append".into(),
                SetOpKind::Intersect => "HashSetOp Intersect".into(),
                SetOpKind::Except => "HashSetOp Except".into(),
            },
            vec![left, right],
        ),
        Plan::With { body, ctes } => {
            render(body, depth, x, out);
            // PostgreSQL lists each CTE under the node that runs it: its name,
            // then its plan two columns further in than a child's.
            let indent = " ".repeat(if depth == 0 { 2 } else { depth * 6 + 2 });
            for cte in ctes
                .iter()
                .filter(|c| c.read || matches!(c.base, Plan::Modify(_)))
            {
                out.push(format!("{indent}CTE {}", cte.name));
                // A CTE is a query level of its own (its InitPlans under it).
                let sub = x.level(depth + 1, |sub| render(&cte.base, depth + 1, x, sub));
                out.extend(sub.into_iter().map(|l| format!("  {l}")));
            }
            return;
        }
        Plan::LockRows { input, .. } => ("LockRows".to_string(), vec![input.as_ref()]),
        Plan::Modify(stmt) => (
            match stmt.as_ref() {
                crate::plan::DataStatement::Insert(_) => "Insert",
                crate::plan::DataStatement::Update(_) => "Update",
                crate::plan::DataStatement::Delete(_) => "Delete",
                crate::plan::DataStatement::Merge(_) => "Merge",
                crate::plan::DataStatement::Query(_) => "Result",
            }
            .to_string(),
            vec![],
        ),
    };
    out.push(format!("{prefix}{line}"));
    out.push(INIT_PLANS_HERE.into());
    for c in children {
        render(c, depth + 1, x, out);
    }
}

/// Where a query level's InitPlans go: after its top node's own lines (the
/// first such mark in the level; the others are dropped).
const INIT_PLANS_HERE: &str = "\u{0}init plans";

/// What one EXPLAIN needs while it prints: the catalog, EXPLAIN EXECUTE's
/// parameter values, and the numbering of subqueries (PostgreSQL numbers
/// subplans from 1 and InitPlan outputs from `$0`, inner ones first).
struct Explain<'c> {
    catalog: &'c rampart_catalog::Catalog,
    params: Vec<Value>,
    next_plan: Cell<usize>,
    next_param: Cell<usize>,
    /// The InitPlan blocks of each query level being printed, innermost last.
    init_plans: RefCell<Vec<Vec<Vec<String>>>>,
}

impl Explain<'_> {
    /// Prints one query level whose top node is at `depth`: its InitPlans
    /// go under that node, before the node's children.
    fn level(&self, depth: usize, print: impl FnOnce(&mut Vec<String>)) -> Vec<String> {
        self.init_plans.borrow_mut().push(Vec::new());
        let mut out = Vec::new();
        print(&mut out);
        let inits = self.init_plans.borrow_mut().pop().unwrap_or_default();
        let at = out
            .iter()
            .position(|l| l == INIT_PLANS_HERE)
            .unwrap_or(out.len().min(1));
        out.retain(|l| l != INIT_PLANS_HERE);
        let mut block = Vec::new();
        attach(&inits, depth, &mut block);
        out.splice(at..at, block);
        out
    }

    /// The text of a subquery node in a predicate (`$0`, `(hashed SubPlan
    /// 1)`, `(SubPlan 2)`), its plan printed into the level's InitPlans
    /// (uncorrelated scalar, ARRAY and EXISTS subqueries, run once) or into
    /// `subplans` (listed under the node that evaluates the predicate).
    fn subquery_text(&self, e: &Expr, subplans: &RefCell<Vec<Vec<String>>>) -> Option<String> {
        // (plan, hashable when uncorrelated, NOT applied)
        let (plan, hashable, negated, value) = match e {
            Expr::ScalarSubquery(p) | Expr::ArraySubquery(p) => (p, false, false, true),
            Expr::Exists(p, negated) => (p, false, *negated, true),
            Expr::InSubquery { plan, negated, .. } => (plan, true, *negated, false),
            Expr::QuantifiedSubquery { plan, op, all, .. } => {
                (plan, !*all && *op == crate::expr::BinOp::Eq, false, false)
            }
            _ => return None,
        };
        let correlated = crate::exec::plan_is_correlated(plan);
        let lines = self.level(1, |out| render(plan, 1, self, out));
        let id = self.next_plan.get();
        self.next_plan.set(id + 1);
        let not = |t: String| if negated { format!("(NOT {t})") } else { t };
        if value && !correlated {
            let param = self.next_param.get();
            self.next_param.set(param + 1);
            let mut block = vec![format!("InitPlan {id} (returns ${param})")];
            block.extend(lines);
            if let Some(level) = self.init_plans.borrow_mut().last_mut() {
                level.push(block);
            }
            return Some(not(format!("${param}")));
        }
        if !value {
            // The subquery's output reaches its test (`id = $0`) as a parameter.
            self.next_param.set(self.next_param.get() + 1);
        }
        let mut block = vec![format!("SubPlan {id}")];
        block.extend(lines);
        subplans.borrow_mut().push(block);
        Some(not(if hashable && !correlated {
            format!("(hashed SubPlan {id})")
        } else {
            format!("(SubPlan {id})")
        }))
    }
}

/// Appends InitPlan/SubPlan blocks (a label, then the plan printed at
/// depth 1) under a node at `depth`.
fn attach(blocks: &[Vec<String>], depth: usize, out: &mut Vec<String>) {
    let indent = " ".repeat(depth * 6 + 2);
    for block in blocks {
        out.extend(block.iter().map(|l| format!("{indent}{l}")));
    }
}
