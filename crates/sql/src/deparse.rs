//! Renders a bound expression the way PostgreSQL's `pg_get_expr` shows a
//! stored one (ruleutils): every operator in parentheses, constants with
//! their type label where PostgreSQL adds one (`'x'::text`,
//! `(1000)::numeric`, `'-3'::integer`), `CURRENT_USER` and friends in
//! capitals, `IN (...)` as `= ANY (ARRAY[...])`, `LIKE` as `~~`.
//!
//! Partial: returns `None` for nodes it cannot render faithfully
//! (subqueries, CASE, most functions); callers then show the expression as
//! written. The rendering is made once, at CREATE/ALTER POLICY, so date and
//! time constants appear in ISO form whatever the reader's DateStyle
//! (PostgreSQL formats them when read), and implicit casts to `name`
//! (`pg_has_role((owner_name)::name, ...)`) are not shown.

use rampart_catalog::Column;
use rampart_types::{DataType, Value};

use crate::expr::{BinOp, Expr};
use crate::functions::{quote_ident, Func};

/// PostgreSQL's rendering of `e` over a relation's `columns`, or None.
pub fn deparse(e: &Expr, columns: &[Column]) -> Option<String> {
    Deparser {
        columns,
        catalog: None,
        search_path: &[],
        prequoted: false,
        outer: &[],
        pretty: false,
        explain: None,
    }
    .expr(e)
}

/// Like [`deparse`], with the catalog and search path to name objects
/// (`'orders_id_seq'::regclass`) and optionally in pretty form.
pub fn deparse_with(
    e: &Expr,
    columns: &[Column],
    catalog: &rampart_catalog::Catalog,
    search_path: &[String],
    pretty: bool,
) -> Option<String> {
    Deparser {
        columns,
        catalog: Some(catalog),
        search_path,
        prequoted: false,
        outer: &[],
        pretty,
        explain: None,
    }
    .expr(e)
}

/// Like [`deparse_with`] for an expression inside a query: columns print
/// with the names given (qualified as ruleutils qualifies them), outer
/// references with the enclosing queries' names.
pub fn deparse_in_query(
    e: &Expr,
    columns: &[Column],
    outer: &[Vec<String>],
    catalog: &rampart_catalog::Catalog,
    search_path: &[String],
    pretty: bool,
) -> Option<String> {
    Deparser {
        columns,
        catalog: Some(catalog),
        search_path,
        prequoted: true,
        outer,
        pretty,
        explain: None,
    }
    .expr(e)
}

/// Like [`deparse`], naming user-defined functions from the catalog (EXPLAIN).
pub fn deparse_in(
    e: &Expr,
    columns: &[Column],
    catalog: &rampart_catalog::Catalog,
) -> Option<String> {
    Deparser {
        columns,
        catalog: Some(catalog),
        search_path: &[],
        prequoted: false,
        outer: &[],
        pretty: false,
        explain: None,
    }
    .expr(e)
}

/// What EXPLAIN prints for the nodes a stored expression cannot hold:
/// a prepared statement's parameter values and subqueries (`$0`,
/// `(hashed SubPlan 1)`, as the caller numbers them).
pub struct ExplainNodes<'a> {
    /// EXPLAIN EXECUTE's values, shown as constants (a custom plan).
    pub params: &'a [Value],
    /// The text for a subquery node, or None.
    pub subquery: &'a dyn Fn(&Expr) -> Option<String>,
}

/// Like [`deparse_in`] for EXPLAIN, with parameter values and subqueries
/// rendered through `nodes`; `prequoted` as in [`deparse_in_query`].
pub fn deparse_explain(
    e: &Expr,
    columns: &[Column],
    catalog: &rampart_catalog::Catalog,
    prequoted: bool,
    nodes: &ExplainNodes<'_>,
) -> Option<String> {
    Deparser {
        columns,
        catalog: Some(catalog),
        search_path: &[],
        prequoted,
        outer: &[],
        pretty: false,
        explain: Some(nodes),
    }
    .expr(e)
}

struct Deparser<'a> {
    columns: &'a [Column],
    catalog: Option<&'a rampart_catalog::Catalog>,
    search_path: &'a [String],
    /// Column names are already quoted and qualified (inside queries).
    prequoted: bool,
    /// Qualified column names of the enclosing queries, innermost last
    /// (what `Outer { depth, index }` refers to).
    outer: &'a [Vec<String>],
    /// `pg_get_expr(…, true)`'s pretty form (psql's `\d`): parentheses
    /// only where precedence needs them.
    pretty: bool,
    /// EXPLAIN's parameters and subqueries.
    explain: Option<&'a ExplainNodes<'a>>,
}

/// What kind of node a parent is, for deciding whether a child needs
/// parentheses in pretty mode (ruleutils' `isSimpleNode`).
#[derive(Clone, Copy)]
enum Parent {
    Bool(BinOp),
    Not,
    Op(BinOp, bool),
    Other,
}

impl Deparser<'_> {
    fn column_name(&self, c: &Column) -> String {
        if self.prequoted {
            c.name.clone()
        } else {
            quote_ident(&c.name)
        }
    }

    fn expr(&self, e: &Expr) -> Option<String> {
        if self.pretty {
            if let Some(s) = self.pretty_node(e) {
                return s;
            }
        }
        Some(match e {
            Expr::Outer { depth, index } => {
                let level = self.outer.len().checked_sub(*depth)?;
                self.outer.get(level)?.get(*index)?.clone()
            }
            Expr::Column(i) => self.column_name(self.columns.get(*i)?),
            Expr::Literal(v) => literal(v)?,
            Expr::Binary(op @ (BinOp::And | BinOp::Or), _, _) => {
                let mut parts = Vec::new();
                self.flatten(e, *op, &mut parts)?;
                let word = if *op == BinOp::And { " AND " } else { " OR " };
                format!("({})", parts.join(word))
            }
            Expr::Binary(op, a, b) => format!(
                "({} {} {})",
                self.operand(a)?,
                operator(*op)?,
                self.operand(b)?
            ),
            Expr::Not(x) => format!("(NOT {})", self.expr(x)?),
            Expr::IsNull(x, negated) => format!(
                "({} IS {}NULL)",
                self.operand(x)?,
                if *negated { "NOT " } else { "" }
            ),
            Expr::Cast(x, ty) => self.cast(x, ty)?,
            Expr::Func(f, args) => self.func(*f, args)?,
            Expr::Call { oid, args } => {
                let f = self.catalog?.functions.get(oid)?;
                let args: Option<Vec<String>> = args.iter().map(|a| self.expr(a)).collect();
                format!("{}({})", quote_ident(&f.name), args?.join(", "))
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let items: Option<Vec<String>> = list.iter().map(|x| self.expr(x)).collect();
                format!(
                    "({} {} (ARRAY[{}]))",
                    self.operand(expr)?,
                    if *negated { "<> ALL" } else { "= ANY" },
                    items?.join(", ")
                )
            }
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => {
                let op = like_operator(*negated, *case_insensitive);
                format!("({} {op} {})", self.operand(expr)?, self.operand(pattern)?)
            }
            Expr::ArrayLit(items) => {
                let items: Option<Vec<String>> = items.iter().map(|x| self.expr(x)).collect();
                format!("ARRAY[{}]", items?.join(", "))
            }
            Expr::QuantifiedArray {
                expr,
                op,
                array,
                all,
            } => format!(
                "({} {} {} ({}))",
                self.operand(expr)?,
                operator(*op)?,
                if *all { "ALL" } else { "ANY" },
                self.expr(array)?
            ),
            Expr::Param(i) => literal(self.explain?.params.get(*i)?)?,
            other => return self.explain.and_then(|x| (x.subquery)(other)),
        })
    }

    /// Pretty rendering of the nodes whose parentheses depend on context;
    /// None for nodes rendered the same way in both modes.
    fn pretty_node(&self, e: &Expr) -> Option<Option<String>> {
        Some(match e {
            Expr::Binary(op @ (BinOp::And | BinOp::Or), _, _) => (|| {
                let mut parts = Vec::new();
                self.flatten_nodes(e, *op, &mut parts);
                let parts: Option<Vec<String>> = parts
                    .into_iter()
                    .map(|p| self.child(p, Parent::Bool(*op)))
                    .collect();
                let word = if *op == BinOp::And { " AND " } else { " OR " };
                Some(parts?.join(word))
            })(),
            Expr::Binary(op, a, b) => (|| {
                Some(format!(
                    "{} {} {}",
                    self.child(a, Parent::Op(*op, true))?,
                    operator(*op)?,
                    self.child(b, Parent::Op(*op, false))?
                ))
            })(),
            Expr::Not(x) => self.child(x, Parent::Not).map(|s| format!("NOT {s}")),
            Expr::IsNull(x, negated) => self
                .child(x, Parent::Other)
                .map(|s| format!("{s} IS {}NULL", if *negated { "NOT " } else { "" })),
            Expr::Cast(x, ty) => match x.as_ref() {
                Expr::Func(Func::CurrentUser | Func::SessionUser, _) if ty.is_string() => {
                    self.expr(x)
                }
                Expr::Literal(v) => {
                    pretty_literal(v).map(|l| format!("{l}::{}", ty.display_name()))
                }
                _ => self
                    .child(x, Parent::Other)
                    .map(|s| format!("{s}::{}", ty.display_name())),
            },
            Expr::Literal(v @ (Value::Numeric(_) | Value::Float8(_) | Value::Float4(_))) => {
                literal(v).map(
                    |l| match l.strip_prefix('(').and_then(|r| r.split_once(")::")) {
                        Some((n, ty)) => format!("{n}::{ty}"),
                        None => l,
                    },
                )
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => (|| {
                let items: Option<Vec<String>> = list.iter().map(|x| self.expr(x)).collect();
                Some(format!(
                    "{} {} (ARRAY[{}])",
                    self.child(expr, Parent::Other)?,
                    if *negated { "<> ALL" } else { "= ANY" },
                    items?.join(", ")
                ))
            })(),
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => (|| {
                let op = like_operator(*negated, *case_insensitive);
                Some(format!(
                    "{} {op} {}",
                    self.child(expr, Parent::Other)?,
                    self.child(pattern, Parent::Other)?
                ))
            })(),
            _ => return None,
        })
    }

    /// A child in pretty mode, parenthesised unless it is simple in `parent`.
    fn child(&self, e: &Expr, parent: Parent) -> Option<String> {
        // A varchar column compared as text shows its implicit conversion.
        if let (Expr::Column(i), Parent::Op(..)) = (e, parent) {
            let c = self.columns.get(*i)?;
            if matches!(c.ty, DataType::Varchar(_)) {
                return Some(format!("{}::text", self.column_name(c)));
            }
        }
        let s = self.expr(e)?;
        Some(if is_simple(e, parent) {
            s
        } else {
            format!("({s})")
        })
    }

    fn flatten_nodes<'e>(&self, e: &'e Expr, op: BinOp, out: &mut Vec<&'e Expr>) {
        match e {
            Expr::Binary(o, a, b) if *o == op => {
                self.flatten_nodes(a, op, out);
                self.flatten_nodes(b, op, out);
            }
            other => out.push(other),
        }
    }

    /// An operator's operand: character varying columns show their implicit
    /// conversion to text, as PostgreSQL's varchar has no operators of its own.
    fn operand(&self, e: &Expr) -> Option<String> {
        if let Expr::Column(i) = e {
            let c = self.columns.get(*i)?;
            if matches!(c.ty, DataType::Varchar(_)) {
                return Some(format!("({})::text", self.column_name(c)));
            }
        }
        self.expr(e)
    }

    fn flatten(&self, e: &Expr, op: BinOp, out: &mut Vec<String>) -> Option<()> {
        match e {
            Expr::Binary(o, a, b) if *o == op => {
                self.flatten(a, op, out)?;
                self.flatten(b, op, out)
            }
            other => {
                out.push(self.expr(other)?);
                Some(())
            }
        }
    }

    fn cast(&self, x: &Expr, ty: &DataType) -> Option<String> {
        match x {
            // name → text has cross-type operators in PostgreSQL: no cast shown.
            Expr::Func(Func::CurrentUser | Func::SessionUser, _) if ty.is_string() => self.expr(x),
            Expr::Literal(v) => Some(format!(
                "'{}'::{}",
                v.to_pg_text()?.replace('\'', "''"),
                ty.display_name()
            )),
            Expr::Column(i)
                if matches!(self.columns.get(*i)?.ty, DataType::Varchar(_))
                    && *ty == DataType::Text =>
            {
                self.operand(x)
            }
            _ => Some(format!("({})::{}", self.expr(x)?, ty.display_name())),
        }
    }

    fn func(&self, f: Func, args: &[Expr]) -> Option<String> {
        match (f, args) {
            (Func::RegOut(kind), [Expr::Literal(Value::Oid(oid))]) => {
                let name = crate::regtypes::output(self.catalog?, self.search_path, kind, *oid);
                return Some(format!("'{}'::{}", name.replace('\'', "''"), kind.name()));
            }
            // Always parenthesized, as ruleutils prints a CollateExpr.
            (Func::Collate, [arg, Expr::Literal(Value::Text(name))]) => {
                return Some(format!(
                    "({} COLLATE {})",
                    self.expr(arg)?,
                    crate::functions::quote_ident(name)
                ));
            }
            (Func::RegIn(kind), [Expr::Literal(Value::Text(name))]) => {
                return Some(format!("'{}'::{}", name.replace('\'', "''"), kind.name()));
            }
            // The implicit regclass → text conversion of nextval's argument is not shown.
            (Func::NextVal | Func::CurrVal | Func::SetVal, [first, rest @ ..]) => {
                let name = match f {
                    Func::NextVal => "nextval",
                    Func::CurrVal => "currval",
                    _ => "setval",
                };
                let mut parts = vec![self.expr(first)?];
                for a in rest {
                    parts.push(self.expr(a)?);
                }
                return Some(format!("{name}({})", parts.join(", ")));
            }
            _ => {}
        }
        let keyword = match f {
            Func::CurrentUser => Some("CURRENT_USER"),
            Func::SessionUser => Some("SESSION_USER"),
            Func::CurrentSchema => Some("CURRENT_SCHEMA"),
            Func::CurrentDate => Some("CURRENT_DATE"),
            _ => None,
        };
        if let Some(k) = keyword {
            return Some(k.to_string());
        }
        let name = match f {
            Func::CurrentSetting => "current_setting",
            Func::Lower => "lower",
            Func::Upper => "upper",
            Func::Length => "length",
            Func::PgHasRole => "pg_has_role",
            Func::RowSecurityActive => "row_security_active",
            Func::HasTablePrivilege => "has_table_privilege",
            Func::HasSchemaPrivilege => "has_schema_privilege",
            Func::HasColumnPrivilege => "has_column_privilege",
            Func::Now => "now",
            Func::NullIf => "NULLIF",
            Func::Coalesce => "COALESCE",
            Func::Greatest => "GREATEST",
            Func::Least => "LEAST",
            _ => return None,
        };
        let args: Option<Vec<String>> = args.iter().map(|a| self.expr(a)).collect();
        Some(format!("{name}({})", args?.join(", ")))
    }
}

fn operator(op: BinOp) -> Option<&'static str> {
    Some(match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Pow => "^",
        BinOp::Eq => "=",
        BinOp::NotEq => "<>",
        BinOp::Lt => "<",
        BinOp::LtEq => "<=",
        BinOp::Gt => ">",
        BinOp::GtEq => ">=",
        BinOp::Concat => "||",
        BinOp::RegexMatch => "~",
        BinOp::RegexIMatch => "~*",
        _ => return None,
    })
}

/// Whether `e` needs no parentheses under `parent` (ruleutils' isSimpleNode
/// with PRETTY_PAREN).
fn is_simple(e: &Expr, parent: Parent) -> bool {
    let arith = |op: BinOp| match op {
        BinOp::Add | BinOp::Sub => Some(false),
        BinOp::Mul | BinOp::Div | BinOp::Mod => Some(true),
        _ => None,
    };
    match e {
        Expr::Binary(op @ (BinOp::And | BinOp::Or), _, _) => match parent {
            Parent::Bool(p) => *op == BinOp::And || p == BinOp::Or,
            Parent::Not => *op == BinOp::And,
            _ => false,
        },
        Expr::Not(_) => matches!(parent, Parent::Bool(_) | Parent::Not),
        Expr::Binary(op, _, _) | Expr::QuantifiedArray { op, .. } => match parent {
            Parent::Op(p, left) => match (arith(*op), arith(p)) {
                (Some(high), Some(parent_high)) => {
                    (high && !parent_high) || (high == parent_high && left)
                }
                _ => false,
            },
            Parent::Bool(_) | Parent::Not => true,
            Parent::Other => false,
        },
        Expr::IsNull(..)
        | Expr::IsBool(..)
        | Expr::IsDistinct(..)
        | Expr::InList { .. }
        | Expr::Like { .. } => {
            matches!(parent, Parent::Bool(_) | Parent::Not)
        }
        _ => true,
    }
}

/// A constant's text before a type label in pretty mode (`0`, `'x'`).
fn pretty_literal(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => "NULL".into(),
        Value::Int2(n) if *n >= 0 => n.to_string(),
        Value::Int4(n) if *n >= 0 => n.to_string(),
        Value::Int8(n) if *n >= 0 => n.to_string(),
        Value::Numeric(d) if !d.is_sign_negative() => d.to_string(),
        other => format!("'{}'", other.to_pg_text()?.replace('\'', "''")),
    })
}

/// The operator PostgreSQL stores `[NOT] [I]LIKE` as.
fn like_operator(negated: bool, case_insensitive: bool) -> &'static str {
    match (negated, case_insensitive) {
        (false, false) => "~~",
        (true, false) => "!~~",
        (false, true) => "~~*",
        (true, true) => "!~~*",
    }
}

/// A constant as ruleutils prints it.
fn literal(v: &Value) -> Option<String> {
    let labelled = |text: String, ty: &str| format!("'{}'::{ty}", text.replace('\'', "''"));
    Some(match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int4(n) if *n >= 0 => n.to_string(),
        Value::Int4(n) => labelled(n.to_string(), "integer"),
        // A small bigint constant came from an integer literal PostgreSQL keeps as int4.
        Value::Int8(n) if (0..=i32::MAX as i64).contains(n) => n.to_string(),
        Value::Int8(n) => labelled(n.to_string(), "bigint"),
        Value::Int2(n) => labelled(n.to_string(), "smallint"),
        Value::Numeric(d) => {
            let t = d.to_string();
            if d.is_sign_negative() {
                labelled(t, "numeric")
            } else if t.contains('.') {
                t
            } else {
                format!("({t})::numeric")
            }
        }
        Value::Float8(_) | Value::Float4(_) => {
            let ty = if matches!(v, Value::Float8(_)) {
                "double precision"
            } else {
                "real"
            };
            let t = v.to_pg_text()?;
            if t.starts_with('-') || t.chars().any(|c| c.is_ascii_alphabetic()) {
                labelled(t, ty)
            } else {
                format!("({t})::{ty}")
            }
        }
        Value::Text(s) => labelled(s.clone(), "text"),
        Value::Array(_) => return None,
        other => labelled(other.to_pg_text()?, &other.data_type().display_name()),
    })
}
