//! The binder: sqlparser AST → bound plans, with every privilege need recorded.
//!
//! Names are resolved against the catalog and `search_path`; types are
//! inferred (including `$n` parameters); every (object, privilege, columns)
//! the statement needs is pushed to [`Binder::needs`], which the security
//! layer checks before anything runs.

mod dml;
pub mod expr;
mod from;
mod merge;
mod pushdown;
pub mod quals;
pub mod query;
pub mod rls;
mod routine;
mod sample;
mod srf;
pub mod types;
mod view_dml;
mod window;

pub use expr::number_literal;
pub use types::{convert_type, convert_type_name};

use std::collections::BTreeMap;

use rampart_catalog::{Catalog, Relation};
use rampart_security::{Need, ObjectRef, Privilege};
use rampart_types::{DataType, PgError, PgResult, SqlState};

use crate::plan::OutputColumn;

/// One column visible to name resolution.
#[derive(Clone, Debug)]
pub struct ScopeColumn {
    /// The range-table name it is qualified by (alias or table name).
    pub table: Option<String>,
    /// Column name.
    pub name: String,
    /// Type.
    pub ty: DataType,
    /// Base table OID and attnum when the column comes straight from a table.
    pub source: Option<(u32, i16)>,
    /// Hidden from `*` (e.g. the right side of JOIN USING).
    pub hidden: bool,
}

/// The columns of the current row, in row order.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Columns.
    pub columns: Vec<ScopeColumn>,
}

impl Scope {
    /// Scope of a base table under a range name.
    pub fn for_relation(rel: &Relation, range_name: &str) -> Scope {
        Scope {
            columns: rel
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| ScopeColumn {
                    table: Some(range_name.to_string()),
                    name: c.name.clone(),
                    ty: c.ty.clone(),
                    source: Some((rel.oid, i as i16 + 1)),
                    hidden: false,
                })
                .collect(),
        }
    }

    /// Scope of a derived table's output columns.
    pub fn for_output(columns: &[OutputColumn], range_name: Option<&str>) -> Scope {
        Scope {
            columns: columns
                .iter()
                .map(|c| ScopeColumn {
                    table: range_name.map(str::to_string),
                    name: c.name.clone(),
                    ty: c.ty.clone(),
                    source: None,
                    hidden: false,
                })
                .collect(),
        }
    }
}

/// A CTE visible by name while binding.
#[derive(Clone, Debug)]
struct CteBinding {
    name: String,
    id: usize,
    columns: Vec<OutputColumn>,
}

/// Binds statements for one session's catalog view.
pub struct Binder<'a> {
    /// The catalog as this transaction sees it.
    pub catalog: &'a Catalog,
    /// Effective search path (schema names).
    pub search_path: Vec<String>,
    /// Parameter types: given by the client or inferred (Unknown until known).
    pub params: Vec<DataType>,
    /// Collected privilege needs.
    pub needs: Vec<Need>,
    outer: Vec<Scope>,
    /// FROM items to the left of the item being bound that it may not
    /// reference (it is not LATERAL, or joins them RIGHT/FULL: true), for
    /// PostgreSQL's "invalid reference to FROM-clause entry" errors.
    lateral_hidden: Vec<(Scope, bool)>,
    ctes: Vec<CteBinding>,
    next_cte_id: usize,
    /// Ids of the CTEs some part of the statement reads.
    read_ctes: std::collections::HashSet<usize>,
    depth: usize,
    /// How many queries are being bound around the current point (1 = the
    /// statement's own query): data-modifying WITH only at the top.
    query_nesting: usize,
    /// DateStyle/TimeZone for literal input.
    pub style: rampart_types::Style,
    /// The statement text, for error cursor positions.
    pub source: Option<std::sync::Arc<str>>,
    /// Row-level security context (None: internal binding, RLS not applied).
    rls: Option<rls::RlsContext>,
    /// Relations whose policies are being bound (recursion guard).
    rls_guard: Vec<u32>,
    /// Some scan of the statement got a row-level security predicate (the
    /// query's own predicates then rank after policies everywhere).
    rls_seen: bool,
    /// Window calls of the SELECT list being bound (`bind/window.rs`).
    pub(crate) window: Option<window::WindowState>,
    /// View owners whose RLS identity applies while binding view bodies.
    rls_user_stack: Vec<u32>,
    /// Names of the parameters (routine arguments and PL/pgSQL variables),
    /// by position; an unqualified name no column matches resolves to one.
    pub param_names: Vec<String>,
    /// The range name of the UPDATE/DELETE target being bound: its
    /// `tableoid` is the row's table, known only while executing.
    dml_target_range: Option<String>,
    /// Range names bound to system catalogs, with the catalog's OID: their
    /// rows' `tableoid` (pg_dump reads it on every catalog).
    system_ranges: Vec<(String, u32)>,
    /// Expression columns of a view being written through: names the
    /// statement's own expressions (not subqueries) may read.
    pub(crate) virtual_columns: Vec<VirtualColumn>,
    /// Binding a cursor's query: the first table scanned carries each
    /// row's id as the hidden column [`ROWID_COLUMN`] (see DECLARE).
    pub cursor_rowid: bool,
}

/// A view column that is an expression over the row of the table under
/// the view (see [`Binder::virtual_columns`]).
#[derive(Clone, Debug)]
pub(crate) struct VirtualColumn {
    /// The range name it is qualified by.
    pub range: String,
    /// Column name.
    pub name: String,
    /// Its value over the table row.
    pub expr: crate::expr::Expr,
    /// Its type.
    pub ty: DataType,
    /// The view column (for the SELECT privilege reading it needs).
    pub source: (u32, i16),
}

/// The hidden column a cursor's scan carries its row ids in; the quoted
/// identifier with this name reads it (only the cursor's own query has it).
pub const ROWID_COLUMN: &str = "rampart.rowid";

/// The function call the front parser writes for `WHERE CURRENT OF name`
/// (sqlparser does not read it): a quoted name no catalog function has.
pub const CURRENT_OF_MARKER: &str = "rampart.current_of";

impl<'a> Binder<'a> {
    /// A binder over a catalog snapshot.
    pub fn new(catalog: &'a Catalog, search_path: Vec<String>, params: Vec<DataType>) -> Self {
        Binder {
            catalog,
            search_path,
            params,
            needs: Vec::new(),
            outer: Vec::new(),
            lateral_hidden: Vec::new(),
            ctes: Vec::new(),
            next_cte_id: 0,
            read_ctes: Default::default(),
            depth: 0,
            query_nesting: 0,
            style: Default::default(),
            source: None,
            rls: None,
            rls_guard: Vec::new(),
            rls_seen: false,
            window: None,
            system_ranges: Vec::new(),
            rls_user_stack: Vec::new(),
            dml_target_range: None,
            cursor_rowid: false,
            virtual_columns: Vec::new(),
            param_names: Vec::new(),
        }
    }

    /// Names parameters so routine bodies can refer to arguments and variables by name.
    pub fn with_param_names(mut self, names: Vec<String>) -> Self {
        self.param_names = names;
        self
    }

    /// Remembers the statement text so errors can carry PostgreSQL's cursor position.
    pub fn with_source(mut self, sql: &str) -> Self {
        self.source = Some(sql.into());
        self
    }

    /// 1-based character position of a span in the statement text.
    pub fn position(&self, span: sqlparser::tokenizer::Span) -> Option<u32> {
        span_position(self.source.as_deref()?, span)
    }

    /// Adds the position of `span` to an error that has none.
    pub fn at(&self, e: PgError, span: sqlparser::tokenizer::Span) -> PgError {
        match self.position(span) {
            Some(p) => e.with_position(p),
            None => e,
        }
    }

    /// Uses the session's style for literals (timestamptz input in the session zone).
    pub fn with_style(mut self, style: rampart_types::Style) -> Self {
        self.style = style;
        self
    }

    /// Records a privilege need on a relation column (merged later).
    pub fn need_column(&mut self, table: u32, privilege: Privilege, column: &str) {
        self.needs
            .push(Need::relation(table, privilege, vec![column.to_string()]));
    }

    /// Records a privilege need on a whole object.
    pub fn need(&mut self, object: ObjectRef, privilege: Privilege) {
        self.needs.push(Need {
            object,
            privilege,
            columns: vec![],
            as_role: None,
            position: None,
        });
    }

    /// The needs with duplicates merged: one entry per (object, privilege), columns unioned.
    /// In the order the needs were first recorded (the statement's own
    /// tables before those of its policies and subqueries), so the first
    /// failing check is the one PostgreSQL's range-table order reports.
    pub fn merged_needs(&self) -> Vec<Need> {
        type Key = (Option<u32>, ObjectRef, Privilege);
        let mut index: BTreeMap<Key, usize> = BTreeMap::new();
        let mut out: Vec<Need> = Vec::new();
        for n in &self.needs {
            let key = (n.as_role, n.object.clone(), n.privilege);
            let i = *index.entry(key).or_insert_with(|| {
                out.push(Need {
                    object: n.object.clone(),
                    privilege: n.privilege,
                    columns: vec![],
                    as_role: n.as_role,
                    position: None,
                });
                out.len() - 1
            });
            let entry = &mut out[i];
            for c in &n.columns {
                if !entry.columns.contains(c) {
                    entry.columns.push(c.clone());
                }
            }
            if entry.position.is_none() {
                entry.position = n.position;
            }
        }
        out
    }

    /// Resolves a table name to a relation.
    pub fn resolve_relation(
        &mut self,
        name: &sqlparser::ast::ObjectName,
    ) -> PgResult<&'a Relation> {
        self.resolve_relation_inner(name)
            .map_err(|e| match name.0.first().and_then(|p| p.as_ident()) {
                Some(id) => self.at(e, id.span),
                None => e,
            })
            .inspect(|rel| {
                // Looking an object up in a schema needs USAGE on it (pg_catalog is public).
                if rel.schema != rampart_catalog::PG_CATALOG_OID {
                    let position = name
                        .0
                        .first()
                        .and_then(|p| p.as_ident())
                        .and_then(|id| self.position(id.span));
                    self.needs.push(Need {
                        object: ObjectRef::Schema(rel.schema),
                        privilege: Privilege::Usage,
                        columns: vec![],
                        as_role: None,
                        position,
                    });
                }
            })
    }

    fn resolve_relation_inner(&self, name: &sqlparser::ast::ObjectName) -> PgResult<&'a Relation> {
        let (schema, rel) = split_name(name)?;
        if let Some(s) = &schema {
            // information_schema exists (its views are built in) but holds no tables.
            if self.catalog.schema(s).is_none() && s != "information_schema" {
                return Err(PgError::new(
                    SqlState::INVALID_SCHEMA_NAME,
                    format!("schema \"{s}\" does not exist"),
                ));
            }
        }
        self.catalog
            .resolve_relation(schema.as_deref(), &rel, &self.search_path)
            .ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_TABLE,
                    format!("relation \"{}\" does not exist", display_name(name)),
                )
            })
    }
}

/// Splits `schema.name` into parts, folding unquoted identifiers to lower case.
pub fn split_name(name: &sqlparser::ast::ObjectName) -> PgResult<(Option<String>, String)> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            sqlparser::ast::ObjectNamePart::Identifier(id) => Ok(ident(id)),
            _ => Err(PgError::syntax(format!(
                "syntax error at or near \"{name}\""
            ))),
        })
        .collect::<PgResult<_>>()?;
    match parts.len() {
        1 => Ok((None, parts[0].clone())),
        2 => Ok((Some(parts[0].clone()), parts[1].clone())),
        3 => Ok((Some(parts[1].clone()), parts[2].clone())),
        _ => Err(PgError::syntax(format!(
            "improper qualified name (too many dotted names): {name}"
        ))),
    }
}

/// The name as PostgreSQL prints it in messages (folded, unquoted).
pub fn display_name(name: &sqlparser::ast::ObjectName) -> String {
    match split_name(name) {
        Ok((Some(s), n)) => format!("{s}.{n}"),
        Ok((None, n)) => n,
        Err(_) => name.to_string(),
    }
}

/// An identifier's value: unquoted ones fold to lower case as in PostgreSQL.
/// A sort key on `expr` with the direction and NULLS placement written in
/// `o` (NULLS FIRST by default when descending, as PostgreSQL).
pub(crate) fn sort_key(
    expr: crate::expr::Expr,
    o: &sqlparser::ast::OrderByExpr,
) -> crate::plan::SortKey {
    let desc = matches!(o.options.sort, Some(sqlparser::ast::OrderBySort::Desc));
    crate::plan::SortKey {
        expr,
        desc,
        nulls_first: o.options.nulls_first.unwrap_or(desc),
    }
}

pub fn ident(id: &sqlparser::ast::Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

/// Which select-list items of a plain SELECT are a bare NULL or string
/// literal: of unknown type, they take the type their consumer (an INSERT's
/// column, the other side of a UNION) gives them, as PostgreSQL's unknown
/// literals.
pub(super) fn untyped_literal_items(body: &sqlparser::ast::SetExpr) -> Vec<bool> {
    use sqlparser::ast;
    let ast::SetExpr::Select(sel) = body else {
        return vec![];
    };
    sel.projection
        .iter()
        .map(|item| match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                matches!(e, ast::Expr::Value(v)
                    if matches!(v.value, ast::Value::Null | ast::Value::SingleQuotedString(_)))
            }
            _ => false,
        })
        .collect()
}

/// 1-based character position of a span in `src` (None for an empty span).
pub fn span_position(src: &str, span: sqlparser::tokenizer::Span) -> Option<u32> {
    let (line, col) = (span.start.line as usize, span.start.column as usize);
    if line == 0 {
        return None;
    }
    let mut offset = 0usize;
    for (i, l) in src.split('\n').enumerate() {
        if i + 1 == line {
            return Some((offset + col) as u32);
        }
        offset += l.chars().count() + 1;
    }
    None
}
