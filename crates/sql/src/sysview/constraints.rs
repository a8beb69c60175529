//! pg_constraint and pg_attrdef, and the functions that print their
//! entries: `pg_get_constraintdef`, `pg_get_indexdef` and the deparsing of
//! column defaults. Expressions are kept in the catalog as the SQL text
//! written; they are bound against their table and printed the way
//! PostgreSQL's ruleutils prints the stored tree (see `deparse`), falling
//! back to the text as written where the deparser cannot render a node.

use rampart_catalog::{Catalog, Column, FkAction, Relation};
use rampart_types::{DataType, Value};

use super::{t, Col, SysView};
use crate::bind::{expr::ExprCtx, Binder, Scope};
use crate::exec::Row;
use crate::expr::Expr;
use crate::functions::quote_ident;
use DataType::{Bool, Int2, Int4, InternalChar as Char1, Name, Oid, PgNodeTree as NodeTree};

/// The constraint catalogs.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "pg_constraint",
        oid: 2606,
        columns: &[
            ("oid", t(Oid)),
            ("conname", t(Name)),
            ("connamespace", t(Oid)),
            ("contype", t(Char1)),
            ("condeferrable", t(Bool)),
            ("condeferred", t(Bool)),
            ("convalidated", t(Bool)),
            ("conrelid", t(Oid)),
            ("contypid", t(Oid)),
            ("conindid", t(Oid)),
            ("conparentid", t(Oid)),
            ("confrelid", t(Oid)),
            ("confupdtype", t(Char1)),
            ("confdeltype", t(Char1)),
            ("confmatchtype", t(Char1)),
            ("conislocal", t(Bool)),
            ("coninhcount", t(Int4)),
            ("connoinherit", t(Bool)),
            ("conkey", Col::ArrayOf(Int2)),
            ("confkey", Col::ArrayOf(Int2)),
            ("conpfeqop", Col::ArrayOf(Oid)),
            ("conppeqop", Col::ArrayOf(Oid)),
            ("conffeqop", Col::ArrayOf(Oid)),
            ("confdelsetcols", Col::ArrayOf(Int2)),
            ("conexclop", Col::ArrayOf(Oid)),
            ("conbin", t(NodeTree)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_attrdef",
        oid: 2604,
        columns: &[
            ("oid", t(Oid)),
            ("adrelid", t(Oid)),
            ("adnum", t(Int2)),
            ("adbin", t(NodeTree)),
        ],
        superuser_only: false,
    },
];

/// The rows of a constraint catalog (empty for a name this module does not own).
pub fn rows(view: &SysView, cat: &Catalog, search_path: &[String], only: Option<u32>) -> Vec<Row> {
    match view.name {
        "pg_constraint" => pg_constraint(cat, search_path, only),
        "pg_attrdef" => super::relations_for(cat, only)
            .into_iter()
            .flat_map(|r| {
                r.columns.iter().enumerate().filter_map(move |(i, c)| {
                    let text = default_def(cat, search_path, r, c, false)?;
                    Some(vec![
                        Value::Oid(c.default_oid),
                        Value::Oid(r.oid),
                        Value::Int2(i as i16 + 1),
                        Value::Text(text),
                    ])
                })
            })
            .collect(),
        _ => vec![],
    }
}

pub(super) fn attnums(cols: &[usize]) -> Value {
    Value::Array(cols.iter().map(|c| Value::Int2(*c as i16 + 1)).collect())
}

/// The OID of the `=` operator of a type (PostgreSQL 15's; varchar and
/// other string types compare with text's), 0 when Rampart does not know
/// it. The foreign key columns' `conpfeqop`/`conppeqop`/`conffeqop`.
fn equality_operator(ty: &DataType) -> u32 {
    let ty = match ty {
        DataType::Varchar(_) => DataType::Text,
        other => crate::functions::normalize_string_type(other),
    };
    match ty {
        DataType::Bool => 91,
        DataType::Name => 93,
        DataType::Int2 => 94,
        DataType::Int4 => 96,
        DataType::Text => 98,
        DataType::Int8 => 410,
        DataType::Oid => 607,
        DataType::Float4 => 620,
        DataType::Float8 => 670,
        DataType::Char(_) => 1054,
        DataType::Date => 1093,
        DataType::Time => 1108,
        DataType::Timestamptz => 1320,
        DataType::Interval => 1330,
        DataType::Numeric(_) => 1752,
        DataType::Bytea => 1955,
        DataType::Timestamp => 2060,
        DataType::Uuid => 2972,
        _ => 0,
    }
}

/// A foreign key's equality operators: (PK = FK, PK = PK, FK = FK).
/// Partial: for columns of different types PostgreSQL records the
/// cross-type operator; Rampart records the referenced type's.
fn fk_operators(cat: &Catalog, rel: &Relation, fk: &rampart_catalog::ForeignKey) -> [Value; 3] {
    let ops = |table: Option<&Relation>, cols: &[usize]| {
        Value::Array(
            cols.iter()
                .map(|c| {
                    let ty = table.and_then(|t| t.columns.get(*c)).map(|c| &c.ty);
                    Value::Oid(ty.map_or(0, equality_operator))
                })
                .collect(),
        )
    };
    let referenced = cat.relation_by_oid(fk.ref_table);
    let pk = ops(referenced, &fk.ref_columns);
    [pk.clone(), pk, ops(Some(rel), &fk.columns)]
}

/// What a pg_constraint row says about a constraint.
pub(super) struct ConstraintRow<'a> {
    /// oid, conname, connamespace.
    pub oid: u32,
    pub name: &'a str,
    pub schema: u32,
    /// conrelid.
    pub table: u32,
    /// contype (`p`, `u`, `c`, `f`).
    pub contype: &'static str,
    /// conindid: the index a key or foreign key uses.
    pub index: u32,
    /// The foreign key with its (PK = FK, PK = PK, FK = FK) operators.
    pub fk: Option<(&'a rampart_catalog::ForeignKey, [Value; 3])>,
    /// conkey.
    pub key: Value,
    /// conbin: a CHECK constraint's expression.
    pub check: Option<String>,
}

/// One pg_constraint row (constraints are never deferrable here).
pub(super) fn constraint_row(c: ConstraintRow) -> Row {
    let action = |a: &FkAction| Value::Text(fk_action_letter(a).to_string());
    let fk = c.fk.as_ref().map(|(fk, _)| *fk);
    let [pfeqop, ppeqop, ffeqop] = match c.fk {
        Some((_, ops)) => ops,
        None => [Value::Null, Value::Null, Value::Null],
    };
    vec![
        Value::Oid(c.oid),
        Value::Text(c.name.to_string()),
        Value::Oid(c.schema),
        Value::Text(c.contype.to_string()),
        Value::Bool(false),
        Value::Bool(false),
        Value::Bool(true),
        Value::Oid(c.table),
        Value::Oid(0),
        Value::Oid(c.index),
        Value::Oid(0),
        Value::Oid(fk.map(|f| f.ref_table).unwrap_or(0)),
        fk.map(|f| action(&f.on_update))
            .unwrap_or_else(|| Value::Text(" ".into())),
        fk.map(|f| action(&f.on_delete))
            .unwrap_or_else(|| Value::Text(" ".into())),
        Value::Text(if fk.is_some() { "s" } else { " " }.into()),
        Value::Bool(true),
        Value::Int4(0),
        Value::Bool(false),
        c.key,
        fk.map(|f| attnums(&f.ref_columns)).unwrap_or(Value::Null),
        pfeqop,
        ppeqop,
        ffeqop,
        Value::Null,
        Value::Null,
        c.check.map(Value::Text).unwrap_or(Value::Null),
    ]
}

fn pg_constraint(cat: &Catalog, search_path: &[String], only: Option<u32>) -> Vec<Row> {
    let mut out = Vec::new();
    for r in super::relations_for(cat, only) {
        for ix in &r.indexes {
            if let Some(oid) = ix.constraint_oid {
                let contype = if ix.primary { "p" } else { "u" };
                out.push(constraint_row(ConstraintRow {
                    oid,
                    name: &ix.name,
                    schema: r.schema,
                    table: r.oid,
                    contype,
                    index: ix.oid,
                    fk: None,
                    key: attnums(&ix.columns),
                    check: None,
                }));
            }
        }
        for c in &r.checks {
            let bin = check_expr(cat, search_path, r, &c.expr, false);
            let cols = bound_check(cat, search_path, r, &c.expr)
                .map(|e| {
                    let mut used = Vec::new();
                    e.walk_columns(&mut |i| {
                        if !used.contains(&i) {
                            used.push(i);
                        }
                    });
                    used.sort_unstable();
                    attnums(&used)
                })
                .unwrap_or(Value::Null);
            out.push(constraint_row(ConstraintRow {
                oid: c.oid,
                name: &c.name,
                schema: r.schema,
                table: r.oid,
                contype: "c",
                index: 0,
                fk: None,
                key: cols,
                check: Some(bin),
            }));
        }
        for fk in &r.foreign_keys {
            let index = fk_index(cat, fk);
            out.push(constraint_row(ConstraintRow {
                oid: fk.oid,
                name: &fk.name,
                schema: r.schema,
                table: r.oid,
                contype: "f",
                index,
                fk: Some((fk, fk_operators(cat, r, fk))),
                key: attnums(&fk.columns),
                check: None,
            }));
        }
    }
    // Domain CHECK constraints (contypid), listed with the whole catalog.
    if only.is_none() {
        for d in cat.domains.values() {
            for c in &d.checks {
                let mut row = constraint_row(ConstraintRow {
                    oid: c.oid,
                    name: &c.name,
                    schema: d.schema,
                    table: 0,
                    contype: "c",
                    index: 0,
                    fk: None,
                    key: Value::Null,
                    check: Some(domain_check_expr(cat, search_path, d, &c.expr, false)),
                });
                row[8] = Value::Oid(d.oid);
                out.push(row);
            }
        }
    }
    out.extend(super::catalog_indexes::constraint_rows(only));
    out
}

/// A domain's DEFAULT as pg_get_expr prints it (`'x'::text`); the text as
/// written when it does not bind on its own.
pub fn domain_default_expr(cat: &Catalog, d: &rampart_catalog::Domain, text: &str) -> String {
    let path = ["public".to_string()];
    shown_default(cat, &path, text, &d.base, &[], false).unwrap_or_else(|| text.to_string())
}

/// Column name a domain CHECK is deparsed with, printed as `VALUE`.
const VALUE_SENTINEL: &str = "__rampart_domain_value__";

/// A domain CHECK expression as pg_get_expr prints it (`VALUE > 0` as
/// `(VALUE > 0)`); the text as written when it does not bind.
pub fn domain_check_expr(
    cat: &Catalog,
    search_path: &[String],
    d: &rampart_catalog::Domain,
    text: &str,
    pretty: bool,
) -> String {
    let columns = [Column::named(VALUE_SENTINEL, d.base.clone())];
    (|| {
        let parsed = crate::parser::parse_expr(text).ok()?;
        let mut binder = Binder::new(cat, search_path.to_vec(), vec![]);
        // The expression reads the value as `VALUE`.
        let scope = Scope {
            columns: vec![crate::bind::ScopeColumn {
                table: None,
                name: "value".into(),
                ty: d.base.clone(),
                source: None,
                hidden: false,
            }],
        };
        let mut cx = ExprCtx::new(&scope, "check constraints");
        let e = binder.bind_bool(&parsed, &mut cx, "CHECK").ok()?;
        crate::deparse::deparse_with(&e, &columns, cat, search_path, pretty)
    })()
    .map(|s| {
        // Over another domain, VALUE is of that domain: PostgreSQL shows
        // the cast to the base type its operators need.
        let value = match d.parent {
            Some(_) if pretty => format!("VALUE::{}", d.base.display_name()),
            Some(_) => format!("(VALUE)::{}", d.base.display_name()),
            None => "VALUE".to_string(),
        };
        s.replace(VALUE_SENTINEL, &value)
    })
    .unwrap_or_else(|| text.to_string())
}

fn fk_action_letter(a: &FkAction) -> char {
    match a {
        FkAction::NoAction => 'a',
        FkAction::Restrict => 'r',
        FkAction::Cascade => 'c',
        FkAction::SetNull => 'n',
        FkAction::SetDefault => 'd',
    }
}

/// An FK action as SQL writes it (`ON DELETE CASCADE`, information_schema rules).
pub fn fk_action_words(a: &FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "NO ACTION",
        FkAction::Restrict => "RESTRICT",
        FkAction::Cascade => "CASCADE",
        FkAction::SetNull => "SET NULL",
        FkAction::SetDefault => "SET DEFAULT",
    }
}

/// Binds a CHECK expression of `rel`; None when it no longer binds.
fn bound_check(cat: &Catalog, search_path: &[String], rel: &Relation, text: &str) -> Option<Expr> {
    let parsed = crate::parser::parse_expr(text).ok()?;
    let mut binder = Binder::new(cat, search_path.to_vec(), vec![]);
    let scope = Scope::for_relation(rel, &rel.name);
    let mut cx = ExprCtx::new(&scope, "check constraints");
    binder.bind_bool(&parsed, &mut cx, "CHECK").ok()
}

/// A CHECK expression as pg_get_expr prints it (pretty or not).
fn check_expr(
    cat: &Catalog,
    search_path: &[String],
    rel: &Relation,
    text: &str,
    pretty: bool,
) -> String {
    bound_check(cat, search_path, rel, text)
        .and_then(|e| crate::deparse::deparse_with(&e, &rel.columns, cat, search_path, pretty))
        .unwrap_or_else(|| text.to_string())
}

/// `pg_get_expr(text, rel, true)`: a stored expression of `rel` (default,
/// CHECK or policy text) in pretty form; the text unchanged when it does not
/// bind on its own.
pub fn pretty_expr(cat: &Catalog, search_path: &[String], rel: &Relation, text: &str) -> String {
    let bound = (|| {
        let parsed = crate::parser::parse_expr(text).ok()?;
        let mut binder = Binder::new(cat, search_path.to_vec(), vec![]);
        let scope = Scope::for_relation(rel, &rel.name);
        let mut cx = ExprCtx::new(&scope, "pg_get_expr");
        let (e, ty) = binder.bind_expr(&parsed, &mut cx).ok()?;
        if ty == DataType::Unknown {
            return None;
        }
        render(&e, &ty, cat, search_path, &rel.columns, true)
    })();
    bound.unwrap_or_else(|| text.to_string())
}

/// A column default as pg_get_expr prints it; None when the column has none.
pub fn default_def(
    cat: &Catalog,
    search_path: &[String],
    rel: &Relation,
    col: &Column,
    pretty: bool,
) -> Option<String> {
    let text = col.default.as_ref()?;
    let shown = shown_default(cat, search_path, text, &col.ty, &rel.columns, pretty);
    Some(shown.unwrap_or_else(|| text.clone()))
}

/// A DEFAULT expression bound on its own and printed as pg_get_expr does;
/// an untyped literal takes `ty` (the column's or domain's type). None when
/// it does not bind.
fn shown_default(
    cat: &Catalog,
    search_path: &[String],
    text: &str,
    ty: &DataType,
    columns: &[Column],
    pretty: bool,
) -> Option<String> {
    let parsed = crate::parser::parse_expr(text).ok()?;
    let mut binder = Binder::new(cat, search_path.to_vec(), vec![]);
    let empty = Scope::default();
    let mut cx = ExprCtx::new(&empty, "DEFAULT expressions");
    let (e, bound_ty) = binder.bind_expr(&parsed, &mut cx).ok()?;
    let ty = if bound_ty == DataType::Unknown {
        ty.clone()
    } else {
        bound_ty
    };
    render(&e, &ty, cat, search_path, columns, pretty)
}

/// A bound expression of type `ty` as pg_get_expr prints it. A constant the
/// binder folded keeps its type label (`'y'::character varying`).
fn render(
    e: &Expr,
    ty: &DataType,
    cat: &Catalog,
    search_path: &[String],
    columns: &[Column],
    pretty: bool,
) -> Option<String> {
    if let Expr::Literal(Value::Text(s)) = e {
        let label = crate::functions::normalize_string_type(ty);
        return Some(format!(
            "'{}'::{}",
            s.replace('\'', "''"),
            label.display_name()
        ));
    }
    crate::deparse::deparse_with(e, columns, cat, search_path, pretty)
}

/// `pg_get_constraintdef(oid, pretty)`; None for an unknown OID.
pub fn constraint_def(
    cat: &Catalog,
    search_path: &[String],
    oid: u32,
    pretty: bool,
) -> Option<String> {
    let names = |rel: &Relation, cols: &[usize]| -> String {
        cols.iter()
            .filter_map(|c| rel.columns.get(*c))
            .map(|c| quote_ident(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for r in cat.relations.values() {
        if let Some(ix) = r.indexes.iter().find(|i| i.constraint_oid == Some(oid)) {
            let kind = if ix.primary { "PRIMARY KEY" } else { "UNIQUE" };
            return Some(format!("{kind} ({})", names(r, &ix.columns)));
        }
        if let Some(c) = r.checks.iter().find(|c| c.oid == oid) {
            let e = check_expr(cat, search_path, r, &c.expr, pretty);
            return Some(format!("CHECK ({e})"));
        }
        if let Some(fk) = r.foreign_keys.iter().find(|f| f.oid == oid) {
            let target = cat.relation_by_oid(fk.ref_table)?;
            let mut def = format!(
                "FOREIGN KEY ({}) REFERENCES {}({})",
                names(r, &fk.columns),
                crate::regtypes::output(
                    cat,
                    search_path,
                    rampart_types::RegKind::Class,
                    target.oid
                ),
                names(target, &fk.ref_columns)
            );
            if fk.on_update != FkAction::NoAction {
                def.push_str(&format!(" ON UPDATE {}", fk_action_words(&fk.on_update)));
            }
            if fk.on_delete != FkAction::NoAction {
                def.push_str(&format!(" ON DELETE {}", fk_action_words(&fk.on_delete)));
            }
            return Some(def);
        }
    }
    for d in cat.domains.values() {
        if let Some(c) = d.checks.iter().find(|c| c.oid == oid) {
            let e = domain_check_expr(cat, search_path, d, &c.expr, pretty);
            return Some(format!("CHECK ({e})"));
        }
    }
    super::catalog_indexes::constraint_def(oid)
}

/// `pg_get_indexdef(oid, column, pretty)`: the CREATE INDEX statement, or
/// with `column` > 0 just that key column's name.
pub fn index_def(
    cat: &Catalog,
    search_path: &[String],
    oid: u32,
    column: i32,
    pretty: bool,
) -> Option<String> {
    let Some((rel, ix)) = cat
        .relations
        .values()
        .find_map(|r| r.indexes.iter().find(|i| i.oid == oid).map(|i| (r, i)))
    else {
        return super::catalog_indexes::index_def(oid, column, pretty);
    };
    let cols: Vec<String> = ix
        .columns
        .iter()
        .filter_map(|c| rel.columns.get(*c))
        .map(|c| quote_ident(&c.name))
        .collect();
    if column > 0 {
        return cols.get(column as usize - 1).cloned();
    }
    let table = if pretty {
        crate::regtypes::output(cat, search_path, rampart_types::RegKind::Class, rel.oid)
    } else {
        let schema = cat
            .schema_by_oid(rel.schema)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        format!("{}.{}", quote_ident(&schema), quote_ident(&rel.name))
    };
    Some(format!(
        "CREATE {}INDEX {} ON {table} USING btree ({})",
        if ix.unique { "UNIQUE " } else { "" },
        quote_ident(&ix.name),
        cols.join(", ")
    ))
}

/// The referenced table's unique index a foreign key relies on
/// (`conindid`); 0 when there is none.
pub(super) fn fk_index(cat: &Catalog, fk: &rampart_catalog::ForeignKey) -> u32 {
    cat.relation_by_oid(fk.ref_table)
        .and_then(|t| {
            t.indexes
                .iter()
                .find(|i| i.unique && i.columns == fk.ref_columns)
        })
        .map(|i| i.oid)
        .unwrap_or(0)
}
