//! Simple-protocol statements reused across literal values.
//!
//! Applications that do not prepare statements send the same query again
//! and again with other constants: `SELECT … WHERE aid = 4142`, then
//! `… WHERE aid = 77`. Parsing and binding such a query took as long as
//! running it, so a session remembers, per query shape
//! ([`crate::literal_shape`]), the statement with its literals turned into
//! parameters and the plan bound for it — the plan a prepared statement
//! would have — and runs the next query of that shape as an execution of
//! that plan with the new literal values. PostgreSQL has no such cache;
//! what a client sees is unchanged:
//!
//! - only literals whose meaning cannot depend on their value become
//!   parameters: comparison and arithmetic operands, IN lists, BETWEEN
//!   bounds, casts of a literal, `set_config`'s arguments, INSERT's VALUES
//!   and UPDATE's SET values. Every other literal (`ORDER BY 1`, `LIMIT 10`,
//!   `SELECT 'x'`, typmods, `interval '1 day'`) is kept, and a query whose
//!   kept literals differ is not of the cached statement;
//! - a number parameter has the type the literal would have (int4, int8 or
//!   numeric, as `number_literal` types it; a query whose literal would
//!   type otherwise takes the ordinary path); a string parameter gets the
//!   type binding inferred for it, and its value is read with that type's
//!   input function — the same function binding applies to an unknown-typed
//!   literal. A value that does not read takes the ordinary path, so the
//!   error is the ordinary one, with its position;
//! - a shape is cached only after binding both the original statement and
//!   the parameterized one: their result columns must agree and every
//!   string parameter must have a type (not unknown, not a reg* type whose
//!   names binding resolves);
//! - the cached plan is used only while the catalog version and the bind
//!   fingerprint (role, `row_security`, search path, date styles) are those
//!   it was bound under — the check prepared statements make — otherwise it
//!   is dropped and the query takes the ordinary path.
//!
//! Partial: should another session's DDL commit between that check and the
//! statement's own catalog read (or a lock wait restart the statement), the
//! statement is bound again from its parameterized form, as a prepared
//! statement would be, with the literals' values as typed parameters.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::Arc;

use sqlparser::ast::{
    self, Expr as AstExpr, FunctionArg, FunctionArgExpr, FunctionArguments, SetExpr, Statement,
    UnaryOperator, Value as AstValue, ValueWithSpan, VisitMut, VisitorMut,
};

use rampart_types::{DataType, PgResult, Value};

use super::{is_data_statement, Bound, BoundCache, QueryResult, Session};
use crate::literal_shape::{Literal, LiteralKind, Shape};
use crate::parser::Stmt;

/// How many shapes a session keeps (cleared when full).
const ENTRIES: usize = 256;
/// How many shapes seen once a session remembers (cleared when full).
const SEEN: usize = 1024;

/// A session's cached statements by shape.
#[derive(Default)]
pub(super) struct LiteralCache {
    /// Per shape: the statement, or None when the shape cannot be cached.
    entries: HashMap<String, Option<Entry>>,
    /// Shapes run once: a shape is cached when it comes a second time.
    seen: HashSet<String>,
    /// Queries run through a cached statement.
    hits: u64,
}

/// A cached statement.
struct Entry {
    /// One per literal of the shape, in order.
    slots: Vec<Slot>,
    /// The statement with parameters for the literals that became them.
    stmt: Arc<Stmt>,
    /// Its plan.
    cached: BoundCache,
}

/// What one literal of the shape is in the cached statement.
#[derive(Debug, Clone)]
enum Slot {
    /// Kept as written: a query matches only with this same text.
    Kept(String),
    /// A number parameter of this type (the literal's, negated first when
    /// the literal is the operand of a unary minus).
    Number { negate: bool, ty: DataType },
    /// A string parameter of this inferred type.
    Text(DataType),
}

impl Session {
    /// How many simple-protocol queries this session ran through a cached
    /// statement of their shape instead of parsing and binding them.
    pub fn shape_cache_hits(&self) -> u64 {
        self.literal_cache.hits
    }

    /// Runs `sql` through the cached statement of its shape, or None when
    /// there is none that fits (the caller then runs it the ordinary way).
    pub(super) fn execute_by_shape(
        &mut self,
        shape: &Shape,
        sql: &str,
    ) -> Option<Vec<PgResult<QueryResult>>> {
        let entry = self.literal_cache.entries.get(&shape.key)?.as_ref()?;
        let params = self.literal_params(&entry.slots, &shape.literals)?;
        let (stmt, mut cached) = (entry.stmt.clone(), entry.cached.clone());
        let (version, fingerprint, _) = cached.as_ref()?;
        let current = self.catalog_for_describe().ok()?.version;
        if current != *version || self.state.bind_fingerprint() != *fingerprint {
            self.literal_cache.entries.remove(&shape.key);
            return None;
        }
        self.literal_cache.hits += 1;
        self.log_statement("statement", sql, std::slice::from_ref(&*stmt));
        if let Err(e) = self.finish_commit() {
            return Some(vec![Err(e)]);
        }
        let r = self.run_audited(&stmt, &params, false, &mut cached, sql);
        // Bound again (another session's DDL in between): keep that plan.
        if let Some(Some(entry)) = self.literal_cache.entries.get_mut(&shape.key) {
            entry.cached = cached;
        }
        Some(vec![r])
    }

    /// The parameter values for `literals` per `slots`, or None when a kept
    /// literal differs or a value does not read as its parameter's type.
    fn literal_params(&self, slots: &[Slot], literals: &[Literal]) -> Option<Vec<Value>> {
        if slots.len() != literals.len() {
            return None;
        }
        let style = self.state.settings.style();
        slots
            .iter()
            .zip(literals)
            .map(|(slot, lit)| match slot {
                Slot::Kept(text) => (*text == lit.text).then_some(Value::Null),
                Slot::Number { negate, ty } => {
                    let v = number_value(&lit.text, *negate)?;
                    (v.data_type() == *ty).then_some(v)
                }
                Slot::Text(ty) => Value::from_pg_text_styled(ty, &lit.text, &style).ok(),
            })
            .collect()
    }

    /// After `stmts` (parsed from `sql`, of shape `shape`) ran: caches the
    /// shape the second time it is seen, when it is one data statement.
    pub(super) fn learn_shape(&mut self, shape: Shape, stmts: &[Stmt], sql: &str) {
        let [Stmt::Sql(st)] = stmts else {
            return;
        };
        // SELECT … INTO creates a table: DDL, not a data statement to reuse.
        let creates_table =
            matches!(st.as_ref(), Statement::Query(q) if crate::ddl::select_into(q).is_some());
        if !is_data_statement(st)
            || creates_table
            || self.literal_cache.entries.contains_key(&shape.key)
        {
            return;
        }
        if !self.literal_cache.seen.contains(&shape.key) {
            if self.literal_cache.seen.len() >= SEEN {
                self.literal_cache.seen.clear();
            }
            self.literal_cache.seen.insert(shape.key);
            return;
        }
        let entry = self.build_entry(&shape, st, sql).ok().flatten();
        if self.literal_cache.entries.len() >= ENTRIES {
            self.literal_cache.entries.clear();
        }
        self.literal_cache.entries.insert(shape.key, entry);
    }

    /// Parameterizes and binds `st`; None when the shape cannot be cached.
    fn build_entry(&mut self, shape: &Shape, st: &Statement, sql: &str) -> PgResult<Option<Entry>> {
        // Text the front parser rewrites before sqlparser sees it has spans
        // of the rewritten text, not of `sql`.
        if crate::front::split_if_needed(sql)?.is_some() {
            let _ = crate::front::take_parse_notices();
            return Ok(None);
        }
        let mut stmt = st.clone();
        let mut marker = Parameterize::new(&shape.literals);
        let _ = stmt.visit(&mut marker);
        if !marker.ok {
            return Ok(None);
        }
        let mut slots = marker.slots;
        let declared: Vec<DataType> = slots
            .iter()
            .map(|s| match s {
                Slot::Number { ty, .. } => ty.clone(),
                _ => DataType::Unknown,
            })
            .collect();
        let catalog = self.catalog_for_describe()?;
        let (_, original, _, _) = self.bind_data(&catalog, st, vec![], sql)?;
        let (plan, columns, needs, types) = self.bind_data(&catalog, &stmt, declared, sql)?;
        let same_columns = original.len() == columns.len()
            && original
                .iter()
                .zip(&columns)
                .all(|(a, b)| a.name == b.name && a.ty == b.ty && a.source == b.source);
        if !same_columns {
            return Ok(None);
        }
        for (slot, inferred) in slots
            .iter_mut()
            .zip(types.iter().chain(std::iter::repeat(&DataType::Unknown)))
        {
            match slot {
                Slot::Kept(_) => {}
                Slot::Number { ty, .. } => {
                    if ty != inferred {
                        return Ok(None);
                    }
                }
                Slot::Text(ty) => {
                    if matches!(inferred, DataType::Unknown | DataType::Reg(_)) {
                        return Ok(None);
                    }
                    *ty = inferred.clone();
                }
            }
        }
        Ok(Some(Entry {
            slots,
            stmt: Arc::new(Stmt::Sql(Box::new(stmt))),
            cached: Some((
                catalog.version,
                self.state.bind_fingerprint(),
                Arc::new(Bound {
                    stmt: plan,
                    needs,
                    columns,
                }),
            )),
        }))
    }
}

/// A number literal's value (negated first when asked), typed as binding
/// types the literal.
fn number_value(text: &str, negate: bool) -> Option<Value> {
    let signed;
    let text = if negate {
        signed = format!("-{text}");
        &signed
    } else {
        text
    };
    crate::bind::number_literal(text).ok()
}

/// Turns the literals that may become parameters into `$n` (n being the
/// literal's place in the shape), checking each against the shape's scan.
struct Parameterize<'a> {
    literals: &'a [Literal],
    by_position: HashMap<(u64, u64), usize>,
    slots: Vec<Slot>,
    ok: bool,
}

impl<'a> Parameterize<'a> {
    fn new(literals: &'a [Literal]) -> Self {
        Parameterize {
            literals,
            by_position: literals
                .iter()
                .enumerate()
                .map(|(i, l)| ((l.line, l.column), i))
                .collect(),
            slots: literals
                .iter()
                .map(|l| Slot::Kept(l.text.clone()))
                .collect(),
            ok: true,
        }
    }

    /// Makes `e` a parameter when it is a literal (or a negated number).
    fn take(&mut self, e: &mut AstExpr) {
        let (negate, v) = match e {
            AstExpr::Value(v) => (false, v),
            AstExpr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => match &mut **expr {
                AstExpr::Value(v) if matches!(v.value, AstValue::Number(..)) => (true, v),
                _ => return,
            },
            _ => return,
        };
        let (kind, text) = match &v.value {
            AstValue::Number(n, false) => (LiteralKind::Number, n),
            AstValue::SingleQuotedString(s) => (LiteralKind::String, s),
            _ => return,
        };
        let at = (v.span.start.line, v.span.start.column);
        let Some(&i) = self.by_position.get(&at) else {
            self.ok = false;
            return;
        };
        let lit = &self.literals[i];
        if lit.kind != kind || lit.text != *text {
            self.ok = false;
            return;
        }
        self.slots[i] = match kind {
            LiteralKind::Number => match number_value(&lit.text, negate) {
                Some(v) => Slot::Number {
                    negate,
                    ty: v.data_type(),
                },
                None => {
                    self.ok = false;
                    return;
                }
            },
            LiteralKind::String => Slot::Text(DataType::Unknown),
        };
        let span = v.span;
        *e = AstExpr::Value(ValueWithSpan {
            value: AstValue::Placeholder(format!("${}", i + 1)),
            span,
        });
    }
}

impl VisitorMut for Parameterize<'_> {
    type Break = ();

    fn pre_visit_statement(&mut self, s: &mut Statement) -> ControlFlow<()> {
        match s {
            Statement::Update(u) => {
                for a in &mut u.assignments {
                    self.take(&mut a.value);
                }
            }
            Statement::Insert(i) => {
                if let Some(q) = &mut i.source {
                    if let SetExpr::Values(v) = &mut *q.body {
                        for e in v.rows.iter_mut().flat_map(|r| r.content.iter_mut()) {
                            self.take(e);
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut AstExpr) -> ControlFlow<()> {
        use ast::BinaryOperator as B;
        match e {
            AstExpr::BinaryOp {
                left,
                op:
                    B::Eq
                    | B::NotEq
                    | B::Lt
                    | B::LtEq
                    | B::Gt
                    | B::GtEq
                    | B::Plus
                    | B::Minus
                    | B::Multiply
                    | B::Divide
                    | B::Modulo,
                right,
            } => {
                self.take(left);
                self.take(right);
            }
            AstExpr::InList { list, .. } => list.iter_mut().for_each(|x| self.take(x)),
            AstExpr::Between { low, high, .. } => {
                self.take(low);
                self.take(high);
            }
            AstExpr::Cast { expr, .. } => self.take(expr),
            AstExpr::Function(f) if is_set_config(&f.name) => {
                if let FunctionArguments::List(list) = &mut f.args {
                    for a in &mut list.args {
                        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) = a {
                            self.take(x);
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn is_set_config(name: &ast::ObjectName) -> bool {
    let part = |p: &ast::ObjectNamePart, want: &str| {
        p.as_ident()
            .is_some_and(|i| i.value.eq_ignore_ascii_case(want))
    };
    match name.0.as_slice() {
        [f] => part(f, "set_config"),
        [schema, f] => part(schema, "pg_catalog") && part(f, "set_config"),
        _ => false,
    }
}
