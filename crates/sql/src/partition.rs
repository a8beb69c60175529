//! Declarative partitioning: `PARTITION BY LIST|RANGE (columns)` and
//! `CREATE TABLE … PARTITION OF parent FOR VALUES …`. A partitioned table
//! holds no rows; a partition is an inheriting table (see
//! [`crate::inherit`]) with the parent's columns in the parent's order and a
//! bound. Reads and UPDATE/DELETE through the parent reach the partitions
//! as inheritance does; INSERT through the parent goes to the partition
//! whose bound takes the row ([`route`]); a row written to a partition must
//! fit its bound ([`fits`]). Partial: HASH partitioning, ATTACH/DETACH
//! PARTITION and key expressions are not supported.

use std::cmp::Ordering;

use rampart_catalog::{Catalog, PartitionBound, PartitionKey, RangeDatum, Relation};
use rampart_types::{PgError, PgResult, SqlState, Value};
use sqlparser::ast;

use crate::bind::ident;

/// The key of `PARTITION BY LIST (a)` / `RANGE (a, b)` (parsed by sqlparser
/// as a call of a function named LIST or RANGE).
pub(crate) fn key_from(rel: &Relation, by: &ast::Expr, sql: &str) -> PgResult<PartitionKey> {
    let ast::Expr::Function(f) = by else {
        return Err(PgError::syntax(format!("syntax error at or near \"{by}\"")));
    };
    let strategy = match f.name.to_string().to_ascii_lowercase().as_str() {
        "list" => 'l',
        "range" => 'r',
        "hash" => {
            return Err(PgError::unsupported(
                "HASH partitioning is not supported yet",
            ))
        }
        other => {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("unrecognized partitioning strategy \"{other}\""),
            ))
        }
    };
    let ast::FunctionArguments::List(list) = &f.args else {
        return Err(PgError::syntax("syntax error at or near \")\""));
    };
    let mut columns = Vec::new();
    for arg in &list.args {
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Identifier(id))) = arg
        else {
            return Err(PgError::unsupported(
                "partition key expressions are not supported yet",
            ));
        };
        let name = ident(id);
        let pos = rel.column_index(&name).ok_or_else(|| {
            at(
                PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{name}\" named in partition key does not exist"),
                ),
                crate::front::span_position(id.span, sql),
            )
        })?;
        columns.push(pos);
    }
    if strategy == 'l' && columns.len() != 1 {
        return Err(PgError::new(
            SqlState("42P17"),
            "cannot use \"list\" partition strategy with more than one column",
        ));
    }
    Ok(PartitionKey { strategy, columns })
}

/// The bound of a new partition of `parent` named `name`, checked against
/// the key and against the bounds of the parent's other partitions.
pub(crate) fn bound_from(
    cat: &Catalog,
    parent: &Relation,
    name: &str,
    spec: Option<&ast::ForValues>,
    sql: &str,
) -> PgResult<PartitionBound> {
    // Error cursors: at the bound's keyword (FROM, IN, DEFAULT) or at its
    // first lower bound value, as PostgreSQL.
    let keyword_at = keyword_position(sql);
    let value_at = match spec {
        Some(ast::ForValues::From { from, .. }) => match from.first() {
            Some(ast::PartitionBoundValue::Expr(e)) => {
                crate::front::span_position(ast::Spanned::span(e), sql)
            }
            _ => None,
        },
        _ => None,
    };
    let key = parent.partition_key.as_ref().ok_or_else(|| {
        PgError::new(
            SqlState("42P17"),
            format!("\"{}\" is not partitioned", parent.name),
        )
    })?;
    let types: Vec<_> = key
        .columns
        .iter()
        .map(|&c| parent.columns[c].ty.clone())
        .collect();
    let bound = match (spec, key.strategy) {
        (None, _) => {
            return Err(PgError::syntax("syntax error at end of input"));
        }
        (Some(ast::ForValues::Default), _) => PartitionBound::Default,
        (Some(ast::ForValues::In(values)), 'l') => {
            let mut out = Vec::new();
            for v in values {
                out.push(literal(v, &types[0])?);
            }
            PartitionBound::List(out)
        }
        (Some(ast::ForValues::From { from, to }), 'r') => {
            if from.len() != types.len() || to.len() != types.len() {
                return Err(PgError::new(
                    SqlState::INVALID_TABLE_DEFINITION,
                    "FROM must specify exactly one value per partitioning column",
                ));
            }
            let datums = |list: &[ast::PartitionBoundValue]| -> PgResult<Vec<RangeDatum>> {
                list.iter()
                    .zip(&types)
                    .map(|(v, ty)| match v {
                        ast::PartitionBoundValue::MinValue => Ok(RangeDatum::MinValue),
                        ast::PartitionBoundValue::MaxValue => Ok(RangeDatum::MaxValue),
                        ast::PartitionBoundValue::Expr(e) => match literal(e, ty)? {
                            Some(text) => Ok(RangeDatum::Value(text)),
                            None => Err(PgError::new(
                                SqlState::DATA_EXCEPTION,
                                "cannot specify NULL in range bound",
                            )),
                        },
                    })
                    .collect()
            };
            let (from, to) = (datums(from)?, datums(to)?);
            if compare_bounds(&from, &to, &types)? != Ordering::Less {
                let shown = |list: &[RangeDatum]| {
                    list.iter().map(datum_text).collect::<Vec<_>>().join(", ")
                };
                return Err(at(
                    PgError::new(
                        SqlState("42P17"),
                        format!("empty range bound specified for partition \"{name}\""),
                    )
                    .with_detail(format!(
                        "Specified lower bound ({}) is greater than or equal to upper bound ({}).",
                        shown(&from),
                        shown(&to)
                    )),
                    value_at,
                ));
            }
            PartitionBound::Range { from, to }
        }
        (Some(_), strategy) => {
            return Err(at(
                PgError::new(
                    SqlState::INVALID_TABLE_DEFINITION,
                    format!(
                        "invalid bound specification for a {} partition",
                        if strategy == 'l' { "list" } else { "range" }
                    ),
                ),
                keyword_at,
            ))
        }
    };
    for oid in cat.relations.children_of(parent.oid) {
        let Some(other) = cat.relation_by_oid(oid) else {
            continue;
        };
        let Some(existing) = &other.partition_bound else {
            continue;
        };
        if overlaps(&bound, existing, &types)? {
            let (message, position) = if matches!(bound, PartitionBound::Default) {
                (
                    format!(
                        "partition \"{name}\" conflicts with existing default partition \"{}\"",
                        other.name
                    ),
                    keyword_at,
                )
            } else {
                (
                    format!(
                        "partition \"{name}\" would overlap partition \"{}\"",
                        other.name
                    ),
                    value_at.or(keyword_at),
                )
            };
            return Err(at(PgError::new(SqlState("42P17"), message), position));
        }
    }
    Ok(bound)
}

fn at(e: PgError, position: Option<u32>) -> PgError {
    match position {
        Some(p) => e.with_position(p),
        None => e,
    }
}

/// Where the bound's first word (FROM, IN, WITH or DEFAULT) starts in
/// `sql` (1-based characters): sqlparser keeps no position for it.
fn keyword_position(sql: &str) -> Option<u32> {
    let upper = sql.to_ascii_uppercase();
    let of = upper.find("PARTITION OF")?;
    let rest = &upper[of..];
    let start = match (rest.find(" DEFAULT"), rest.find("VALUES")) {
        (_, Some(v)) => {
            let after = v + "VALUES".len();
            after + rest[after..].len() - rest[after..].trim_start().len()
        }
        (Some(d), None) => d + 1,
        (None, None) => return None,
    };
    Some(sql[..of + start].chars().count() as u32 + 1)
}

/// A bound literal in its text form for `ty` (None: NULL).
fn literal(e: &ast::Expr, ty: &rampart_types::DataType) -> PgResult<Option<String>> {
    let text = match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Null => return Ok(None),
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::SingleQuotedString(s) => s.clone(),
            ast::Value::Boolean(b) => b.to_string(),
            other => other.to_string(),
        },
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => format!("-{expr}"),
        other => {
            return Err(PgError::unsupported(format!(
                "partition bound expressions are not supported yet: {other}"
            )))
        }
    };
    let value = Value::from_pg_text(ty, &text)?;
    Ok(value.to_pg_text())
}

fn value_of(text: &str, ty: &rampart_types::DataType) -> PgResult<Value> {
    Value::from_pg_text(ty, text)
}

/// Compares two range bounds column by column (MINVALUE/MAXVALUE at the ends).
fn compare_bounds(
    a: &[RangeDatum],
    b: &[RangeDatum],
    types: &[rampart_types::DataType],
) -> PgResult<Ordering> {
    for ((x, y), ty) in a.iter().zip(b).zip(types) {
        let o = match (x, y) {
            (RangeDatum::MinValue, RangeDatum::MinValue)
            | (RangeDatum::MaxValue, RangeDatum::MaxValue) => return Ok(Ordering::Equal),
            (RangeDatum::MinValue, _) | (_, RangeDatum::MaxValue) => Ordering::Less,
            (RangeDatum::MaxValue, _) | (_, RangeDatum::MinValue) => Ordering::Greater,
            (RangeDatum::Value(x), RangeDatum::Value(y)) => {
                value_of(x, ty)?.total_cmp(&value_of(y, ty)?)
            }
        };
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

/// Compares a key tuple with a range bound.
fn compare_key(
    key: &[Value],
    bound: &[RangeDatum],
    types: &[rampart_types::DataType],
) -> PgResult<Ordering> {
    for ((v, d), ty) in key.iter().zip(bound).zip(types) {
        let o = match d {
            RangeDatum::MinValue => return Ok(Ordering::Greater),
            RangeDatum::MaxValue => return Ok(Ordering::Less),
            RangeDatum::Value(text) => v.total_cmp(&value_of(text, ty)?),
        };
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

/// Whether two partitions' bounds would take a common row.
fn overlaps(
    a: &PartitionBound,
    b: &PartitionBound,
    types: &[rampart_types::DataType],
) -> PgResult<bool> {
    Ok(match (a, b) {
        (PartitionBound::Default, PartitionBound::Default) => true,
        (PartitionBound::Default, _) | (_, PartitionBound::Default) => false,
        (PartitionBound::List(x), PartitionBound::List(y)) => x.iter().any(|v| y.contains(v)),
        (
            PartitionBound::Range { from: f1, to: t1 },
            PartitionBound::Range { from: f2, to: t2 },
        ) => {
            compare_bounds(f1, t2, types)? == Ordering::Less
                && compare_bounds(f2, t1, types)? == Ordering::Less
        }
        _ => false,
    })
}

/// Whether a row (in `parent`'s shape) falls in `bound`, not counting
/// DEFAULT (which takes what the others do not).
fn in_bound(
    parent: &Relation,
    key: &PartitionKey,
    bound: &PartitionBound,
    row: &[Value],
) -> PgResult<bool> {
    let values: Vec<Value> = key.columns.iter().map(|&c| row[c].clone()).collect();
    let types: Vec<_> = key
        .columns
        .iter()
        .map(|&c| parent.columns[c].ty.clone())
        .collect();
    Ok(match bound {
        PartitionBound::Default => false,
        PartitionBound::List(items) => {
            let v = &values[0];
            let mut hit = false;
            for item in items {
                hit |= match item {
                    None => v.is_null(),
                    Some(text) => {
                        !v.is_null() && v.total_cmp(&value_of(text, &types[0])?) == Ordering::Equal
                    }
                };
            }
            hit
        }
        PartitionBound::Range { from, to } => {
            !values.iter().any(Value::is_null)
                && compare_key(&values, from, &types)? != Ordering::Less
                && compare_key(&values, to, &types)? == Ordering::Less
        }
    })
}

/// The partition of `parent` (recursively, a leaf) that takes `row`, or
/// PostgreSQL's 23514 naming the key.
pub(crate) fn route<'c>(
    cat: &'c Catalog,
    parent: &Relation,
    row: &[Value],
) -> PgResult<&'c Relation> {
    let Some(key) = &parent.partition_key else {
        return cat
            .relation_by_oid(parent.oid)
            .ok_or_else(|| PgError::internal("relation vanished"));
    };
    let mut default = None;
    for oid in cat.relations.children_of(parent.oid) {
        let Some(child) = cat.relation_by_oid(oid) else {
            continue;
        };
        match &child.partition_bound {
            Some(PartitionBound::Default) => default = Some(child),
            Some(b) if in_bound(parent, key, b, row)? => return route(cat, child, row),
            _ => {}
        }
    }
    if let Some(child) = default {
        return route(cat, child, row);
    }
    let names: Vec<String> = key
        .columns
        .iter()
        .map(|&c| parent.columns[c].name.clone())
        .collect();
    let values: Vec<String> = key
        .columns
        .iter()
        .map(|&c| row[c].to_pg_text().unwrap_or_else(|| "null".into()))
        .collect();
    Err(PgError::new(
        SqlState::CHECK_VIOLATION,
        format!("no partition of relation \"{}\" found for row", parent.name),
    )
    .with_detail(format!(
        "Partition key of the failing row contains ({}) = ({}).",
        names.join(", "),
        values.join(", ")
    )))
}

/// Whether a row written to partition `rel` fits its bound (a DEFAULT
/// partition: fits no other partition's). True for other tables.
pub(crate) fn fits(cat: &Catalog, rel: &Relation, row: &[Value]) -> PgResult<bool> {
    let Some(bound) = &rel.partition_bound else {
        return Ok(true);
    };
    let Some(parent) = rel.inherits.first().and_then(|p| cat.relation_by_oid(*p)) else {
        return Ok(true);
    };
    let Some(key) = &parent.partition_key else {
        return Ok(true);
    };
    // The row in the parent's column order (an attached partition may
    // keep its own).
    let mapped;
    let row = if same_shape(parent, rel) {
        row
    } else {
        mapped = leaf_row(rel, parent, row);
        &mapped
    };
    if !matches!(bound, PartitionBound::Default) {
        return in_bound(parent, key, bound, row);
    }
    for oid in cat.relations.children_of(parent.oid) {
        if oid == rel.oid {
            continue;
        }
        if let Some(b) = cat
            .relation_by_oid(oid)
            .and_then(|o| o.partition_bound.as_ref())
        {
            if in_bound(parent, key, b, row)? {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// A comparison of a partition key column with a constant, for pruning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyCmp {
    /// `key = v`
    Eq,
    /// `key < v`
    Lt,
    /// `key <= v`
    Le,
    /// `key > v`
    Gt,
    /// `key >= v`
    Ge,
}

/// Whether partition `rel` (a direct partition of `root`) may hold a row
/// whose column `col` of `root` satisfies `key cmp v`: false only when its
/// bound rules that out (single-column keys; a DEFAULT partition may hold
/// anything).
pub(crate) fn may_hold(
    root: &Relation,
    rel: &Relation,
    col: usize,
    cmp: KeyCmp,
    v: &Value,
) -> PgResult<bool> {
    let (Some(key), Some(bound)) = (&root.partition_key, &rel.partition_bound) else {
        return Ok(true);
    };
    if key.columns != [col] {
        return Ok(true);
    }
    if v.is_null() {
        return Ok(false);
    }
    let ty = &root.columns[col].ty;
    let holds = |o: Ordering| match cmp {
        KeyCmp::Eq => o == Ordering::Equal,
        KeyCmp::Lt => o == Ordering::Less,
        KeyCmp::Le => o != Ordering::Greater,
        KeyCmp::Gt => o == Ordering::Greater,
        KeyCmp::Ge => o != Ordering::Less,
    };
    Ok(match bound {
        PartitionBound::Default => true,
        PartitionBound::List(items) => {
            let mut any = false;
            for text in items.iter().flatten() {
                // `item cmp v` for some item of the list.
                any |= holds(value_of(text, ty)?.total_cmp(v));
            }
            any
        }
        PartitionBound::Range { from, to } => {
            let types = std::slice::from_ref(ty);
            let key = std::slice::from_ref(v);
            // v against the lower (included) and upper (excluded) bounds.
            let above_from = compare_key(key, from, types)?;
            let below_to = compare_key(key, to, types)? == Ordering::Less;
            match cmp {
                KeyCmp::Eq => above_from != Ordering::Less && below_to,
                KeyCmp::Lt => above_from == Ordering::Greater,
                KeyCmp::Le => above_from != Ordering::Less,
                KeyCmp::Gt | KeyCmp::Ge => below_to,
            }
        }
    })
}

/// `FOR VALUES …` as pg_get_expr prints partition `rel`'s bound.
pub fn bound_text(cat: &Catalog, rel: &Relation) -> Option<String> {
    let bound = rel.partition_bound.as_ref()?;
    let types = key_types(cat, rel).unwrap_or_default();
    let ty = |i: usize| {
        types
            .get(i)
            .cloned()
            .unwrap_or(rampart_types::DataType::Int4)
    };
    let datum = |i: usize, d: &RangeDatum| match d {
        RangeDatum::MinValue => "MINVALUE".to_string(),
        RangeDatum::MaxValue => "MAXVALUE".to_string(),
        RangeDatum::Value(v) => const_text(v, &ty(i), false),
    };
    Some(match bound {
        PartitionBound::Default => "DEFAULT".into(),
        PartitionBound::List(items) => format!(
            "FOR VALUES IN ({})",
            items
                .iter()
                .map(|v| match v {
                    Some(v) => const_text(v, &ty(0), false),
                    None => "NULL".into(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        PartitionBound::Range { from, to } => format!(
            "FOR VALUES FROM ({}) TO ({})",
            from.iter()
                .enumerate()
                .map(|(i, d)| datum(i, d))
                .collect::<Vec<_>>()
                .join(", "),
            to.iter()
                .enumerate()
                .map(|(i, d)| datum(i, d))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// The types of the partition key of `rel`'s parent.
fn key_types(cat: &Catalog, rel: &Relation) -> Option<Vec<rampart_types::DataType>> {
    let parent = cat.relation_by_oid(*rel.inherits.first()?)?;
    let key = parent.partition_key.as_ref()?;
    Some(
        key.columns
            .iter()
            .map(|&c| parent.columns[c].ty.clone())
            .collect(),
    )
}

/// A constant as PostgreSQL's ruleutils prints it: integers and numerics
/// with a decimal point bare, anything else quoted, with `::type` when
/// `label` (constraint expressions) and the bare form does not say it.
fn const_text(v: &str, ty: &rampart_types::DataType, label: bool) -> String {
    use rampart_types::DataType as T;
    let bare = match ty {
        T::Int4 => v.parse::<i64>().is_ok(),
        T::Numeric(_) => v.contains('.') && v.parse::<f64>().is_ok(),
        _ => false,
    };
    if bare {
        return v.to_string();
    }
    let quoted = format!("'{}'", v.replace('\'', "''"));
    if label {
        format!("{quoted}::{}", ty.display_name())
    } else {
        quoted
    }
}

fn datum_text(d: &RangeDatum) -> String {
    match d {
        RangeDatum::MinValue => "MINVALUE".to_string(),
        RangeDatum::MaxValue => "MAXVALUE".to_string(),
        RangeDatum::Value(v) => v.clone(),
    }
}

/// `LIST (a)` / `RANGE (a, b)` as pg_get_partkeydef prints a key.
pub fn key_text(rel: &Relation) -> Option<String> {
    let key = rel.partition_key.as_ref()?;
    let cols: Vec<String> = key
        .columns
        .iter()
        .map(|&c| crate::functions::quote_ident(&rel.columns[c].name))
        .collect();
    Some(format!(
        "{} ({})",
        if key.strategy == 'l' { "LIST" } else { "RANGE" },
        cols.join(", ")
    ))
}

/// A new partition gets the parent's unique indexes (primary key, UNIQUE),
/// named after itself as PostgreSQL names them, so keys stay unique across
/// the partitions (every such key includes the partition key).
pub(crate) fn copy_indexes(cat: &mut Catalog, parent: &Relation, rel: &mut Relation) {
    for idx in parent.indexes.iter().filter(|i| i.unique) {
        let cols: Vec<&str> = idx
            .columns
            .iter()
            .map(|&c| rel.columns[c].name.as_str())
            .collect();
        let name = if idx.primary {
            format!("{}_pkey", rel.name)
        } else {
            format!("{}_{}_key", rel.name, cols.join("_"))
        };
        rel.indexes.push(rampart_catalog::Index {
            oid: cat.alloc_oid(),
            name,
            columns: idx.columns.clone(),
            unique: true,
            primary: idx.primary,
            constraint_oid: Some(cat.alloc_oid()),
        });
    }
}

/// PostgreSQL's rule: a primary key or unique constraint of a partitioned
/// table must include every partition key column.
pub(crate) fn check_unique_keys(rel: &Relation) -> PgResult<()> {
    let Some(key) = &rel.partition_key else {
        return Ok(());
    };
    for idx in rel.indexes.iter().filter(|i| i.unique) {
        if let Some(&missing) = key.columns.iter().find(|c| !idx.columns.contains(c)) {
            let kind = if idx.primary { "PRIMARY KEY" } else { "UNIQUE" };
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "unique constraint on partitioned table must include all partitioning columns",
            )
            .with_detail(format!(
                "{kind} constraint on table \"{}\" lacks column \"{}\" which is part of the partition key.",
                rel.name, rel.columns[missing].name
            )));
        }
    }
    Ok(())
}

/// A row of `root` in the column order of `leaf` (one of its partitions,
/// any level down), matching columns by name.
pub(crate) fn leaf_row(root: &Relation, leaf: &Relation, row: &[Value]) -> Vec<Value> {
    leaf.columns
        .iter()
        .map(|c| {
            root.column_index(&c.name)
                .map(|i| row[i].clone())
                .unwrap_or(Value::Null)
        })
        .collect()
}

/// Whether a partition stores its rows in its root's column order.
pub(crate) fn same_shape(root: &Relation, leaf: &Relation) -> bool {
    root.columns.len() == leaf.columns.len()
        && root
            .columns
            .iter()
            .zip(&leaf.columns)
            .all(|(a, b)| a.name == b.name)
}

/// `ALTER TABLE parent ATTACH PARTITION child FOR VALUES …`: the child must
/// have exactly the parent's columns (any order, same types, NOT NULL where
/// the parent has it) and every row it holds must fit the bound; `DETACH
/// PARTITION` makes it a plain table again.
pub(crate) fn run_attach(
    s: &mut crate::session::Session,
    stmt: &crate::front::AttachStmt,
) -> PgResult<crate::session::QueryResult> {
    crate::ddl::with_catalog_mut(s, |cat, txn, s| {
        let parent = crate::ddl::relation_named(cat, s, &stmt.parent)?;
        let mut child = crate::ddl::relation_named(cat, s, &stmt.child)?;
        crate::ddl::check_owner(cat, s, parent.owner, "table", &parent.name)?;
        crate::ddl::check_owner(cat, s, child.owner, "table", &child.name)?;
        let Some(bound_sql) = &stmt.bound else {
            if child.partition_bound.is_none() || child.inherits.first() != Some(&parent.oid) {
                return Err(PgError::new(
                    SqlState::UNDEFINED_TABLE,
                    format!(
                        "relation \"{}\" is not a partition of relation \"{}\"",
                        child.name, parent.name
                    ),
                ));
            }
            child.partition_bound = None;
            child.inherits.clear();
            for c in child.columns.iter_mut() {
                c.inherited = 0;
                c.local = true;
            }
            cat.relations.insert(child.oid, child);
            return crate::ddl::cmd("ALTER TABLE");
        };
        if parent.partition_key.is_none() {
            return Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("table \"{}\" is not partitioned", parent.name),
            ));
        }
        if child.partition_bound.is_some() {
            return Err(PgError::new(
                SqlState("42P17"),
                format!("\"{}\" is already a partition", child.name),
            ));
        }
        if !child.inherits.is_empty() {
            return Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                "cannot attach inheritance child as partition",
            ));
        }
        if let Some(extra) = child
            .columns
            .iter()
            .find(|c| parent.column_index(&c.name).is_none())
        {
            return Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "table \"{}\" contains column \"{}\" not found in parent \"{}\"",
                    child.name, extra.name, parent.name
                ),
            )
            .with_detail("The new partition may contain only the columns present in parent."));
        }
        let text = format!("CREATE TABLE x PARTITION OF y {bound_sql}");
        let spec = match crate::parser::parse_sql(&text)?.pop() {
            Some(ast::Statement::CreateTable(ct)) => ct.for_values,
            _ => None,
        };
        let bound = bound_from(cat, &parent, &child.name, spec.as_ref(), "")?;
        crate::inherit::attach(cat, &mut child, &parent)?;
        child.partition_bound = Some(bound);
        let key = parent.partition_key.clone().unwrap_or(PartitionKey {
            strategy: 'l',
            columns: vec![],
        });
        let to_parent = crate::inherit::column_map(&parent, &child)?;
        for (_, row) in crate::exec::table::scan_all(txn, child.oid)? {
            let seen: Vec<Value> = to_parent.iter().map(|&i| row[i].clone()).collect();
            // Partial: rows of a new DEFAULT partition are not checked
            // against the other partitions' bounds.
            let fits = match child.partition_bound.as_ref() {
                Some(PartitionBound::Default) | None => true,
                Some(b) => in_bound(&parent, &key, b, &seen)?,
            };
            if !fits {
                return Err(PgError::new(
                    SqlState::CHECK_VIOLATION,
                    format!(
                        "partition constraint of relation \"{}\" is violated by some row",
                        child.name
                    ),
                ));
            }
        }
        cat.relations.insert(child.oid, child);
        crate::ddl::cmd("ALTER TABLE")
    })
}

/// `pg_get_partition_constraintdef`: the condition a partition's rows
/// meet, as PostgreSQL prints it. Partial: None (no "Partition constraint"
/// line in psql) for a DEFAULT partition and for multi-column range bounds.
pub fn constraint_text(cat: &Catalog, rel: &Relation) -> Option<String> {
    let bound = rel.partition_bound.as_ref()?;
    let parent = cat.relation_by_oid(*rel.inherits.first()?)?;
    let key = parent.partition_key.as_ref()?;
    let col = |i: usize| crate::functions::quote_ident(&parent.columns[key.columns[i]].name);
    let ty = &parent.columns[*key.columns.first()?].ty;
    let literal = |v: &str| const_text(v, ty, true);
    // IS NULL / = ANY over a list of values (None: NULL).
    let list_condition = |items: &[Option<String>]| -> String {
        let a = col(0);
        let values: Vec<String> = items.iter().flatten().map(|v| literal(v)).collect();
        let has_null = items.iter().any(Option::is_none);
        let any = match values.as_slice() {
            [one] => format!("({a} = {one})"),
            _ => format!("({a} = ANY (ARRAY[{}]))", values.join(", ")),
        };
        match (has_null, values.is_empty()) {
            (true, true) => format!("({a} IS NULL)"),
            (true, false) => format!("(({a} IS NULL) OR {any})"),
            (false, _) => format!("(({a} IS NOT NULL) AND {any})"),
        }
    };
    match bound {
        // A LIST default: none of the other partitions' values, in order.
        PartitionBound::Default if key.strategy == 'l' => {
            let mut items: Vec<Option<String>> = cat
                .relations
                .children_of(parent.oid)
                .into_iter()
                .filter_map(|o| cat.relation_by_oid(o))
                .filter_map(|p| match &p.partition_bound {
                    Some(PartitionBound::List(items)) => Some(items.clone()),
                    _ => None,
                })
                .flatten()
                .collect();
            items.sort_by(|x, y| match (x, y) {
                (Some(x), Some(y)) => match (value_of(x, ty), value_of(y, ty)) {
                    (Ok(x), Ok(y)) => x.total_cmp(&y),
                    _ => x.cmp(y),
                },
                (None, None) => Ordering::Equal,
                (None, _) => Ordering::Greater,
                (_, None) => Ordering::Less,
            });
            if items.is_empty() {
                return None;
            }
            Some(format!("(NOT {})", list_condition(&items)))
        }
        PartitionBound::Default => None,
        PartitionBound::List(items) => Some(list_condition(items)),
        PartitionBound::Range { from, to } if key.columns.len() == 1 => {
            let a = col(0);
            let mut parts = vec![format!("({a} IS NOT NULL)")];
            if let RangeDatum::Value(v) = &from[0] {
                parts.push(format!("({a} >= {})", literal(v)));
            }
            if let RangeDatum::Value(v) = &to[0] {
                parts.push(format!("({a} < {})", literal(v)));
            }
            Some(format!("({})", parts.join(" AND ")))
        }
        PartitionBound::Range { .. } => None,
    }
}

/// Partition pruning: the members of a scan of partitioned table `root`
/// that may hold rows passing `conjuncts` (see [`pruned_tables`]).
pub(crate) fn prune(
    cat: &Catalog,
    root: u32,
    conjuncts: &[crate::expr::Expr],
    members: Vec<crate::plan::InheritedTable>,
) -> PgResult<Vec<crate::plan::InheritedTable>> {
    let out = pruned_tables(cat, root, conjuncts, &members)?;
    Ok(members
        .into_iter()
        .filter(|m| !out.contains(&m.table))
        .collect())
}

/// The members of a scan of partitioned table `root` that cannot hold rows
/// passing `conjuncts`: `key op constant` comparisons on a single-column key
/// rule partitions out, and the partitions of a pruned partition go with it.
pub(crate) fn pruned_tables(
    cat: &Catalog,
    root: u32,
    conjuncts: &[crate::expr::Expr],
    members: &[crate::plan::InheritedTable],
) -> PgResult<std::collections::HashSet<u32>> {
    use crate::expr::{BinOp, Expr};
    let mut pruned = std::collections::HashSet::new();
    let Some(root_rel) = cat
        .relation_by_oid(root)
        .filter(|r| r.partition_key.is_some())
    else {
        return Ok(pruned);
    };
    let flip = |c: KeyCmp| match c {
        KeyCmp::Lt => KeyCmp::Gt,
        KeyCmp::Le => KeyCmp::Ge,
        KeyCmp::Gt => KeyCmp::Lt,
        KeyCmp::Ge => KeyCmp::Le,
        KeyCmp::Eq => KeyCmp::Eq,
    };
    let tests: Vec<(usize, KeyCmp, Value)> = conjuncts
        .iter()
        .filter_map(|c| {
            let Expr::Binary(op, a, b) = c else {
                return None;
            };
            let cmp = match op {
                BinOp::Eq => KeyCmp::Eq,
                BinOp::Lt => KeyCmp::Lt,
                BinOp::LtEq => KeyCmp::Le,
                BinOp::Gt => KeyCmp::Gt,
                BinOp::GtEq => KeyCmp::Ge,
                _ => return None,
            };
            match (a.as_ref(), b.as_ref()) {
                (Expr::Column(col), Expr::Literal(v)) => Some((*col, cmp, v.clone())),
                (Expr::Literal(v), Expr::Column(col)) => Some((*col, flip(cmp), v.clone())),
                _ => None,
            }
        })
        .filter(|(col, _, v)| {
            // Only constants of the key column's own type compare directly.
            root_rel
                .columns
                .get(*col)
                .is_some_and(|c| v.data_type() == c.ty)
        })
        .collect();
    if tests.is_empty() {
        return Ok(pruned);
    }
    for m in members {
        let Some(rel) = cat.relation_by_oid(m.table) else {
            continue;
        };
        let parent = rel.inherits.first().copied();
        let out = if parent.is_some_and(|p| pruned.contains(&p)) {
            true
        } else if parent == Some(root) {
            let mut excluded = false;
            for (col, cmp, v) in &tests {
                if !may_hold(root_rel, rel, *col, *cmp, v)?
                    || default_excludes(cat, root_rel, rel, *col, *cmp, v)?
                {
                    excluded = true;
                    break;
                }
            }
            excluded
        } else {
            false
        };
        if out {
            pruned.insert(m.table);
        }
    }
    Ok(pruned)
}

/// Whether `rel`, a DEFAULT partition, cannot hold `key = v` because
/// another partition's bound takes v.
fn default_excludes(
    cat: &Catalog,
    root: &Relation,
    rel: &Relation,
    col: usize,
    cmp: KeyCmp,
    v: &Value,
) -> PgResult<bool> {
    let (Some(key), Some(PartitionBound::Default)) = (&root.partition_key, &rel.partition_bound)
    else {
        return Ok(false);
    };
    if cmp != KeyCmp::Eq || key.columns != [col] {
        return Ok(false);
    }
    let mut row = vec![Value::Null; root.columns.len()];
    row[col] = v.clone();
    for oid in cat.relations.children_of(root.oid) {
        let bound = cat
            .relation_by_oid(oid)
            .and_then(|o| o.partition_bound.as_ref());
        if let Some(b) = bound {
            if in_bound(root, key, b, &row)? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
