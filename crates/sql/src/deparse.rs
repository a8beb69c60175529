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
    }
    .expr(e)
}

struct Deparser<'a> {
    columns: &'a [Column],
    catalog: Option<&'a rampart_catalog::Catalog>,
}

impl Deparser<'_> {
    fn expr(&self, e: &Expr) -> Option<String> {
        Some(match e {
            Expr::Column(i) => quote_ident(&self.columns.get(*i)?.name),
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
                let op = match (*negated, *case_insensitive) {
                    (false, false) => "~~",
                    (true, false) => "!~~",
                    (false, true) => "~~*",
                    (true, true) => "!~~*",
                };
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
            _ => return None,
        })
    }

    /// An operator's operand: character varying columns show their implicit
    /// conversion to text, as PostgreSQL's varchar has no operators of its own.
    fn operand(&self, e: &Expr) -> Option<String> {
        if let Expr::Column(i) = e {
            let c = self.columns.get(*i)?;
            if matches!(c.ty, DataType::Varchar(_)) {
                return Some(format!("({})::text", quote_ident(&c.name)));
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
