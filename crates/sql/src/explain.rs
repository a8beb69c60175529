//! EXPLAIN: the plan tree in PostgreSQL's shape, without costs (Rampart has
//! no cost model yet; `EXPLAIN (COSTS OFF)` output is the closest match).

use sqlparser::ast::Statement;

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
    let prepared;
    let stmt = match stmt {
        Statement::Execute {
            name: Some(name), ..
        } => {
            let name = name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(crate::bind::ident)
                .unwrap_or_default();
            let (inner, types) = s.sql_prepared_statement(&name)?;
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
    let mut lines = Vec::new();
    let name = |oid: u32| {
        catalog
            .relation_by_oid(oid)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    };
    match &ds {
        DataStatement::Query(p) => render(p, 0, &catalog, &mut lines),
        DataStatement::Insert(p) => {
            lines.push(format!("Insert on {}", name(p.table)));
            render(&p.source, 1, &catalog, &mut lines);
        }
        DataStatement::Update(p) => {
            lines.push(format!("Update on {}", name(p.table)));
            let filter = if p.from.is_some() {
                &p.target_filter
            } else {
                &p.filter
            };
            let target = target_scan(p.table, &p.access, filter, &p.security);
            render(&target, 1, &catalog, &mut lines);
        }
        DataStatement::Delete(p) => {
            lines.push(format!("Delete on {}", name(p.table)));
            let filter = if p.using.is_some() {
                &p.target_filter
            } else {
                &p.filter
            };
            let target = target_scan(p.table, &p.access, filter, &p.security);
            render(&target, 1, &catalog, &mut lines);
        }
        DataStatement::Merge(p) => {
            // Partial: the join is printed as its two inputs.
            lines.push(format!("Merge on {}", name(p.table)));
            let target = target_scan(p.table, &Access::Full, &None, &p.security);
            render(&target, 1, &catalog, &mut lines);
            render(&p.source, 1, &catalog, &mut lines);
        }
    }
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

fn render(plan: &Plan, depth: usize, catalog: &rampart_catalog::Catalog, out: &mut Vec<String>) {
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
                .cloned()
                .flat_map(|e| e.into_conjuncts())
                .collect();
            let cond = catalog.relation_by_oid(*table).and_then(|rel| {
                Expr::conjunction(parts)
                    .and_then(|c| crate::deparse::deparse_in(&c, &rel.columns, catalog))
            });
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
                if let Some(text) = &cond {
                    out.push(format!("{indent}Filter: {text}"));
                }
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
        Plan::Filter { input, .. } => return render(input, depth, catalog, out),
        Plan::Project { input, .. } => return render(input, depth, catalog, out),
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
            render(body, depth, catalog, out);
            // PostgreSQL lists each CTE under the node that runs it: its name,
            // then its plan two columns further in than a child's.
            let indent = " ".repeat(if depth == 0 { 2 } else { depth * 6 + 2 });
            for cte in ctes
                .iter()
                .filter(|c| c.read || matches!(c.base, Plan::Modify(_)))
            {
                out.push(format!("{indent}CTE {}", cte.name));
                let mut sub = Vec::new();
                render(&cte.base, depth + 1, catalog, &mut sub);
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
    for c in children {
        render(c, depth + 1, catalog, out);
    }
}
