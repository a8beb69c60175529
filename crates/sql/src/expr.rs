//! Bound expressions: names resolved to row positions, types known.

use rampart_types::{DataType, Value};

use crate::functions::Func;
use crate::plan::Plan;

/// Binary operators after binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `^`
    Pow,
    /// `=`
    Eq,
    /// `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `||`
    Concat,
    /// `~` (case-sensitive regex match)
    RegexMatch,
    /// `~*`
    RegexIMatch,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `<<`
    ShiftLeft,
    /// `>>`
    ShiftRight,
}

impl BinOp {
    /// True for comparison operators.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq
        )
    }
}

/// A bound scalar expression.
#[derive(Clone, Debug)]
pub enum Expr {
    /// A column of the current input row.
    Column(usize),
    /// A column of an enclosing query's row (correlated subquery); depth 1 = the immediate outer query.
    Outer {
        /// How many query levels up.
        depth: usize,
        /// Column position in that row.
        index: usize,
    },
    /// A constant.
    Literal(Value),
    /// `$n` (0-based here).
    Param(usize),
    /// Arithmetic negation.
    Neg(Box<Expr>),
    /// Logical NOT.
    Not(Box<Expr>),
    /// A binary operator.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `IS [NOT] NULL`.
    IsNull(Box<Expr>, bool),
    /// `IS [NOT] TRUE/FALSE`: (expr, value tested, negated).
    IsBool(Box<Expr>, bool, bool),
    /// `IS [NOT] DISTINCT FROM`: (left, right, negated).
    IsDistinct(Box<Expr>, Box<Expr>, bool),
    /// A cast to a type.
    Cast(Box<Expr>, DataType),
    /// A scalar function call.
    Func(Func, Vec<Expr>),
    /// A call of a user-defined function (`pg_proc` OID), arguments coerced
    /// to its parameter types, trailing DEFAULTs filled in.
    Call {
        /// The function.
        oid: u32,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `CASE`.
    Case {
        /// `CASE x WHEN ...` operand.
        operand: Option<Box<Expr>>,
        /// WHEN/THEN pairs.
        whens: Vec<(Expr, Expr)>,
        /// ELSE.
        else_: Option<Box<Expr>>,
    },
    /// `x [NOT] IN (list)`.
    InList {
        /// Tested value.
        expr: Box<Expr>,
        /// Candidates.
        list: Vec<Expr>,
        /// NOT IN.
        negated: bool,
    },
    /// `[NOT] LIKE` / `ILIKE`.
    Like {
        /// Tested value.
        expr: Box<Expr>,
        /// Pattern.
        pattern: Box<Expr>,
        /// NOT.
        negated: bool,
        /// ILIKE.
        case_insensitive: bool,
    },
    /// `(SELECT ...)` yielding one value.
    ScalarSubquery(Box<Plan>),
    /// `[NOT] EXISTS (SELECT ...)`.
    Exists(Box<Plan>, bool),
    /// `x [NOT] IN (SELECT ...)`.
    InSubquery {
        /// Tested value.
        expr: Box<Expr>,
        /// The subquery (one column).
        plan: Box<Plan>,
        /// NOT IN.
        negated: bool,
    },
    /// `ARRAY(SELECT ...)`: the subquery's single column as an array.
    ArraySubquery(Box<Plan>),
    /// `ARRAY[a, b, ...]`.
    ArrayLit(Vec<Expr>),
    /// `x op ANY/ALL (array)`.
    QuantifiedArray {
        /// Left operand.
        expr: Box<Expr>,
        /// Comparison.
        op: BinOp,
        /// The array.
        array: Box<Expr>,
        /// true = ALL, false = ANY.
        all: bool,
    },
    /// A value coerced to a domain: the value, after the domain's NOT NULL
    /// and CHECK constraints accept it.
    Domain(Box<Expr>, std::sync::Arc<DomainCheck>),
    /// `x op ANY/ALL (SELECT ...)`.
    QuantifiedSubquery {
        /// Left operand.
        expr: Box<Expr>,
        /// Comparison.
        op: BinOp,
        /// The subquery (one column).
        plan: Box<Plan>,
        /// true = ALL, false = ANY.
        all: bool,
    },
}

/// A domain's constraints, bound: what [`Expr::Domain`] checks.
#[derive(Clone, Debug)]
pub struct DomainCheck {
    /// The domain's name (its errors name it).
    pub name: String,
    /// NOT NULL (of the domain or one it is declared over).
    pub not_null: bool,
    /// CHECK constraints by name, over a one-column row: the value.
    pub checks: std::sync::Arc<[(String, Expr)]>,
    /// CONTEXT its errors carry (COPY's `COPY t, line 1, column c: "v"`).
    pub context: Option<String>,
}

impl Expr {
    /// A literal.
    pub fn lit(v: Value) -> Expr {
        Expr::Literal(v)
    }

    /// Whether the expression reads no columns, parameters or subqueries (can be folded).
    pub fn is_constant(&self) -> bool {
        match self {
            Expr::Literal(_) => true,
            Expr::Neg(e)
            | Expr::Not(e)
            | Expr::IsNull(e, _)
            | Expr::Cast(e, _)
            | Expr::IsBool(e, _, _) => e.is_constant(),
            Expr::Binary(_, a, b) | Expr::IsDistinct(a, b, _) => a.is_constant() && b.is_constant(),
            _ => false,
        }
    }

    /// Visits column references (for needs and index matching).
    pub fn walk_columns(&self, f: &mut dyn FnMut(usize)) {
        match self {
            Expr::Column(i) => f(*i),
            Expr::Neg(e)
            | Expr::Not(e)
            | Expr::IsNull(e, _)
            | Expr::Cast(e, _)
            | Expr::Domain(e, _)
            | Expr::IsBool(e, _, _) => e.walk_columns(f),
            Expr::Binary(_, a, b) | Expr::IsDistinct(a, b, _) => {
                a.walk_columns(f);
                b.walk_columns(f);
            }
            Expr::Func(_, args) | Expr::Call { args, .. } => {
                args.iter().for_each(|a| a.walk_columns(f))
            }
            Expr::Case {
                operand,
                whens,
                else_,
            } => {
                if let Some(o) = operand {
                    o.walk_columns(f);
                }
                for (w, t) in whens {
                    w.walk_columns(f);
                    t.walk_columns(f);
                }
                if let Some(e) = else_ {
                    e.walk_columns(f);
                }
            }
            Expr::InList { expr, list, .. } => {
                expr.walk_columns(f);
                list.iter().for_each(|a| a.walk_columns(f));
            }
            Expr::Like { expr, pattern, .. } => {
                expr.walk_columns(f);
                pattern.walk_columns(f);
            }
            Expr::InSubquery { expr, .. } | Expr::QuantifiedSubquery { expr, .. } => {
                expr.walk_columns(f)
            }
            Expr::ArrayLit(items) => items.iter().for_each(|a| a.walk_columns(f)),
            Expr::QuantifiedArray { expr, array, .. } => {
                expr.walk_columns(f);
                array.walk_columns(f);
            }
            _ => {}
        }
    }

    /// Whether every column of the current row the expression reads passes
    /// `allowed`. Conservative: any subquery (which may read the row through
    /// an outer reference) answers false.
    pub fn reads_only(&self, allowed: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Expr::ScalarSubquery(_)
            | Expr::Exists(..)
            | Expr::InSubquery { .. }
            | Expr::ArraySubquery(_)
            | Expr::QuantifiedSubquery { .. } => false,
            Expr::Column(i) => allowed(*i),
            Expr::Outer { .. } | Expr::Literal(_) | Expr::Param(_) => true,
            Expr::Neg(e)
            | Expr::Not(e)
            | Expr::IsNull(e, _)
            | Expr::Cast(e, _)
            | Expr::Domain(e, _)
            | Expr::IsBool(e, _, _) => e.reads_only(allowed),
            Expr::Binary(_, a, b) | Expr::IsDistinct(a, b, _) => {
                a.reads_only(allowed) && b.reads_only(allowed)
            }
            Expr::Func(_, args) | Expr::Call { args, .. } | Expr::ArrayLit(args) => {
                args.iter().all(|a| a.reads_only(allowed))
            }
            Expr::Case {
                operand,
                whens,
                else_,
            } => {
                operand.as_ref().is_none_or(|o| o.reads_only(allowed))
                    && whens
                        .iter()
                        .all(|(w, t)| w.reads_only(allowed) && t.reads_only(allowed))
                    && else_.as_ref().is_none_or(|e| e.reads_only(allowed))
            }
            Expr::InList { expr, list, .. } => {
                expr.reads_only(allowed) && list.iter().all(|a| a.reads_only(allowed))
            }
            Expr::Like { expr, pattern, .. } => {
                expr.reads_only(allowed) && pattern.reads_only(allowed)
            }
            Expr::QuantifiedArray { expr, array, .. } => {
                expr.reads_only(allowed) && array.reads_only(allowed)
            }
        }
    }

    /// Whether the expression gives the same value every time it is evaluated
    /// within one statement: no volatile built-in (random(), nextval(),
    /// set_config(), clock_timestamp(), …), no user-defined function (whose
    /// volatility is not tracked), no subquery.
    pub fn is_stable(&self) -> bool {
        use crate::functions::Func as F;
        match self {
            Expr::ScalarSubquery(_)
            | Expr::Exists(..)
            | Expr::InSubquery { .. }
            | Expr::ArraySubquery(_)
            | Expr::QuantifiedSubquery { .. }
            | Expr::Call { .. } => false,
            Expr::Func(f, args) => {
                !matches!(
                    f,
                    F::Random
                        | F::ClockTimestamp
                        | F::SetConfig
                        | F::NextVal
                        | F::CurrVal
                        | F::SetVal
                        | F::PgReloadConf
                        | F::TxidCurrent
                        | F::GenRandomUuid
                        | F::TargetTableOid
                ) && args.iter().all(Expr::is_stable)
            }
            Expr::Column(_) | Expr::Outer { .. } | Expr::Literal(_) | Expr::Param(_) => true,
            Expr::Neg(e)
            | Expr::Not(e)
            | Expr::IsNull(e, _)
            | Expr::Cast(e, _)
            | Expr::Domain(e, _)
            | Expr::IsBool(e, _, _) => e.is_stable(),
            Expr::Binary(_, a, b) | Expr::IsDistinct(a, b, _) => a.is_stable() && b.is_stable(),
            Expr::ArrayLit(args) => args.iter().all(Expr::is_stable),
            Expr::Case {
                operand,
                whens,
                else_,
            } => {
                operand.as_ref().is_none_or(|o| o.is_stable())
                    && whens.iter().all(|(w, t)| w.is_stable() && t.is_stable())
                    && else_.as_ref().is_none_or(|e| e.is_stable())
            }
            Expr::InList { expr, list, .. } => expr.is_stable() && list.iter().all(Expr::is_stable),
            Expr::Like { expr, pattern, .. } => expr.is_stable() && pattern.is_stable(),
            Expr::QuantifiedArray { expr, array, .. } => expr.is_stable() && array.is_stable(),
        }
    }

    /// Splits a conjunction into its parts.
    pub fn into_conjuncts(self) -> Vec<Expr> {
        match self {
            Expr::Binary(BinOp::And, a, b) => {
                let mut v = a.into_conjuncts();
                v.extend(b.into_conjuncts());
                v
            }
            e => vec![e],
        }
    }

    /// Joins conjuncts with AND (None for an empty list).
    pub fn conjunction(parts: Vec<Expr>) -> Option<Expr> {
        parts
            .into_iter()
            .reduce(|a, b| Expr::Binary(BinOp::And, Box::new(a), Box::new(b)))
    }
}
