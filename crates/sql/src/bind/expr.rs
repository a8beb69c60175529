//! Expression binding: names → positions, types inferred, coercions inserted.

use sqlparser::ast::{
    self, BinaryOperator, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator,
};

use rampart_security::Privilege;
use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use super::{ident, Binder, Scope, ScopeColumn};
use crate::expr::{BinOp, Expr};
use crate::functions::{self, agg_by_name, agg_result_type, AggFunc, Func};
use crate::plan::AggCall;

/// Grouping state while binding the post-aggregation parts of a SELECT.
pub struct AggState {
    /// Display text of each GROUP BY expression (matched textually).
    pub group_keys: Vec<String>,
    /// Types of the group keys.
    pub group_types: Vec<DataType>,
    /// Aggregates found so far.
    pub aggs: Vec<AggCall>,
    /// Scope of the rows going into the aggregate.
    pub input: Scope,
    /// Scope of the rows coming out (group keys, then aggregates).
    pub output: Scope,
}

impl AggState {
    /// No groups or aggregates yet, over rows of `input`.
    pub fn over(input: Scope) -> AggState {
        AggState {
            group_keys: vec![],
            group_types: vec![],
            aggs: vec![],
            input,
            output: Scope::default(),
        }
    }
}

/// Where an expression is being bound.
pub struct ExprCtx<'s> {
    /// Row the expression is evaluated over (the aggregate's input in agg mode).
    pub scope: &'s Scope,
    /// Present in the post-aggregation parts of a grouped SELECT.
    pub agg: Option<&'s mut AggState>,
    /// Clause name for "aggregate functions are not allowed in X".
    pub clause: &'static str,
}

impl<'s> ExprCtx<'s> {
    /// A plain context over a scope.
    pub fn new(scope: &'s Scope, clause: &'static str) -> Self {
        ExprCtx {
            scope,
            agg: None,
            clause,
        }
    }
}

impl Binder<'_> {
    /// Binds an expression, returning it with its type.
    pub fn bind_expr(&mut self, e: &ast::Expr, cx: &mut ExprCtx) -> PgResult<(Expr, DataType)> {
        self.depth += 1;
        if self.depth > 500 {
            self.depth -= 1;
            return Err(PgError::new(SqlState::STATEMENT_TOO_COMPLEX, "stack depth limit exceeded")
                .with_hint("Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate."));
        }
        let r = self.bind_expr_inner(e, cx);
        self.depth -= 1;
        r
    }

    fn bind_expr_inner(&mut self, e: &ast::Expr, cx: &mut ExprCtx) -> PgResult<(Expr, DataType)> {
        if let Some(agg) = cx.agg.as_deref() {
            let text = e.to_string();
            if let Some(i) = agg.group_keys.iter().position(|k| *k == text) {
                return Ok((Expr::Column(i), agg.group_types[i].clone()));
            }
        }
        match e {
            // CURRENT_ROLE is a keyword in PostgreSQL (sqlparser leaves it an identifier).
            ast::Expr::Identifier(id)
                if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("current_role") =>
            {
                Ok((Expr::Func(Func::CurrentUser, vec![]), DataType::Name))
            }
            ast::Expr::Identifier(id) => self
                .bind_column(&[ident(id)], cx)
                .map_err(|e| self.at(e, id.span)),
            ast::Expr::CompoundIdentifier(ids) => {
                let parts: Vec<String> = ids.iter().map(ident).collect();
                let span = ids
                    .first()
                    .map(|i| i.span)
                    .unwrap_or(sqlparser::tokenizer::Span::empty());
                self.bind_column(&parts, cx).map_err(|e| self.at(e, span))
            }
            ast::Expr::Value(v) => self.bind_value(&v.value),
            // `t.*` as a value: the whole row of range t, as `t` alone.
            ast::Expr::QualifiedWildcard(name, _) if name.0.len() == 1 => {
                let range = name.0[0].as_ident().map(ident).unwrap_or_default();
                self.bind_column(&[range], cx)
            }
            ast::Expr::Nested(inner) => self.bind_expr(inner, cx),
            ast::Expr::CompoundFieldAccess { root, access_chain } => {
                let (mut bound, mut ty) = self.bind_expr(root, cx)?;
                for access in access_chain {
                    let ast::AccessExpr::Subscript(ast::Subscript::Index { index }) = access else {
                        return Err(PgError::unsupported(format!(
                            "expression not supported yet: {e}"
                        )));
                    };
                    let (func, elem) = match ty {
                        DataType::Array(elem) => (Func::ArrayElement, *elem),
                        DataType::Int2Vector => (Func::Int2VectorElement, DataType::Int2),
                        DataType::OidVector => (Func::OidVectorElement, DataType::Oid),
                        DataType::Name => (Func::NameElement, DataType::InternalChar),
                        _ => {
                            return Err(PgError::new(
                                SqlState::DATATYPE_MISMATCH,
                                format!(
                                "cannot subscript type {} because it does not support subscripting",
                                ty.display_name()
                            ),
                            ))
                        }
                    };
                    let (i, it) = self.bind_expr(index, cx)?;
                    if !(it.is_numeric() || it == DataType::Unknown) {
                        return Err(PgError::new(
                            SqlState::DATATYPE_MISMATCH,
                            "array subscript must have type integer",
                        ));
                    }
                    let i = self.coerce(i, &it, &DataType::Int4)?;
                    bound = Expr::Func(func, vec![bound, i]);
                    ty = elem;
                }
                Ok((bound, ty))
            }
            ast::Expr::TypedString(ts) => {
                let ty = super::convert_type(&ts.data_type)?;
                let text = value_string(&ts.value.value)
                    .ok_or_else(|| PgError::syntax("syntax error in typed literal"))?;
                Ok((
                    Expr::Literal(Value::from_pg_text_styled(&ty, &text, &self.style)?),
                    ty,
                ))
            }
            ast::Expr::Interval(iv) => {
                let (inner, ty) = self.bind_expr(&iv.value, cx)?;
                let unit = iv
                    .leading_field
                    .as_ref()
                    .map(|f| f.to_string().to_lowercase());
                match (inner, unit) {
                    (Expr::Literal(Value::Text(s)), Some(u)) if !s.trim().contains(' ') => {
                        let v = Value::from_pg_text(&DataType::Interval, &format!("{s} {u}"))?;
                        Ok((Expr::Literal(v), DataType::Interval))
                    }
                    (inner, _) => Ok((
                        self.coerce(inner, &ty, &DataType::Interval)?,
                        DataType::Interval,
                    )),
                }
            }
            ast::Expr::Cast {
                expr, data_type, ..
            } => {
                let (target, domain) =
                    crate::domain::resolve(self.catalog, &self.search_path, data_type)?;
                let (inner, ty) = self.bind_expr(expr, cx)?;
                // An explicit cast to varchar(n)/char(n) truncates instead of failing.
                let (inner, ty) = match &target {
                    DataType::Varchar(Some(n)) | DataType::Char(Some(n))
                        if ty.is_string() || ty == DataType::Unknown =>
                    {
                        let text = self.coerce(inner, &ty, &DataType::Text)?;
                        (
                            Expr::Func(
                                Func::Left,
                                vec![text, Expr::Literal(Value::Int4(*n as i32))],
                            ),
                            DataType::Text,
                        )
                    }
                    _ => (inner, ty),
                };
                use sqlparser::ast::Spanned;
                let span = expr.span();
                let is_reg = matches!(target, DataType::Reg(_) | DataType::AclItem)
                    || matches!(&target, DataType::Array(t) if **t == DataType::AclItem);
                let e = self.coerce(inner, &ty, &target).map_err(|e| {
                    if e.code.0.starts_with("22") || (is_reg && e.position.is_none()) {
                        self.at(e, span)
                    } else {
                        e
                    }
                })?;
                let e = crate::domain::coerce(self, e, domain)?;
                Ok((e, target))
            }
            ast::Expr::UnaryOp { op, expr } => self.bind_unary(*op, expr, cx),
            ast::Expr::BinaryOp { left, op, right } => self.bind_binary(left, op, right, cx),
            ast::Expr::IsNull(x) | ast::Expr::IsNotNull(x) => {
                let (inner, _) = self.bind_expr(x, cx)?;
                let negated = matches!(e, ast::Expr::IsNotNull(_));
                // A row IS NULL when every field is, IS NOT NULL when none is.
                if let Expr::Func(crate::functions::Func::RecordOut, fields) = &inner {
                    let each = fields
                        .iter()
                        .map(|f| Expr::IsNull(Box::new(f.clone()), negated))
                        .reduce(|a, b| Expr::Binary(BinOp::And, Box::new(a), Box::new(b)));
                    if let Some(all) = each {
                        return Ok((all, DataType::Bool));
                    }
                }
                Ok((Expr::IsNull(Box::new(inner), negated), DataType::Bool))
            }
            ast::Expr::IsTrue(x)
            | ast::Expr::IsNotTrue(x)
            | ast::Expr::IsFalse(x)
            | ast::Expr::IsNotFalse(x) => {
                let inner = self.bind_bool(x, cx, "IS TRUE")?;
                let value = matches!(e, ast::Expr::IsTrue(_) | ast::Expr::IsNotTrue(_));
                let negated = matches!(e, ast::Expr::IsNotTrue(_) | ast::Expr::IsNotFalse(_));
                Ok((
                    Expr::IsBool(Box::new(inner), value, negated),
                    DataType::Bool,
                ))
            }
            ast::Expr::IsDistinctFrom(a, b) | ast::Expr::IsNotDistinctFrom(a, b) => {
                let (l, r) = self.bind_comparable(a, b, cx, "IS DISTINCT FROM")?;
                Ok((
                    Expr::IsDistinct(
                        Box::new(l),
                        Box::new(r),
                        matches!(e, ast::Expr::IsNotDistinctFrom(..)),
                    ),
                    DataType::Bool,
                ))
            }
            ast::Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (x1, lo) = self.bind_comparable(expr, low, cx, ">=")?;
                let (x2, hi) = self.bind_comparable(expr, high, cx, "<=")?;
                let both = Expr::Binary(
                    BinOp::And,
                    Box::new(Expr::Binary(BinOp::GtEq, Box::new(x1), Box::new(lo))),
                    Box::new(Expr::Binary(BinOp::LtEq, Box::new(x2), Box::new(hi))),
                );
                Ok((
                    if *negated {
                        Expr::Not(Box::new(both))
                    } else {
                        both
                    },
                    DataType::Bool,
                ))
            }
            ast::Expr::InList {
                expr,
                list,
                negated,
            } => {
                let (x, xt) = self.bind_expr(expr, cx)?;
                let mut items = Vec::new();
                let mut types = vec![xt.clone()];
                for item in list {
                    let (b, t) = self.bind_expr(item, cx)?;
                    types.push(t.clone());
                    items.push((b, t));
                }
                let common =
                    functions::common_type(&types).ok_or_else(|| type_mismatch("IN", &types))?;
                let x = self.coerce(x, &xt, &common)?;
                let list = items
                    .into_iter()
                    .map(|(b, t)| self.coerce(b, &t, &common))
                    .collect::<PgResult<_>>()?;
                Ok((
                    Expr::InList {
                        expr: Box::new(x),
                        list,
                        negated: *negated,
                    },
                    DataType::Bool,
                ))
            }
            ast::Expr::Like {
                negated,
                expr,
                pattern,
                escape_char,
                any: false,
            }
            | ast::Expr::ILike {
                negated,
                expr,
                pattern,
                escape_char,
                any: false,
            } => {
                if escape_char.is_some() {
                    return Err(PgError::unsupported("LIKE ... ESCAPE is not supported yet"));
                }
                let (x, xt) = self.bind_expr(expr, cx)?;
                let (p, pt) = self.bind_expr(pattern, cx)?;
                let x = self.coerce(x, &xt, &DataType::Text)?;
                let p = self.coerce(p, &pt, &DataType::Text)?;
                Ok((
                    Expr::Like {
                        expr: Box::new(x),
                        pattern: Box::new(p),
                        negated: *negated,
                        case_insensitive: matches!(e, ast::Expr::ILike { .. }),
                    },
                    DataType::Bool,
                ))
            }
            ast::Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.bind_case(operand.as_deref(), conditions, else_result.as_deref(), cx),
            ast::Expr::Function(f) => self.bind_function(f, cx),
            ast::Expr::Collate { expr, collation } => {
                let name = collation
                    .0
                    .iter()
                    .filter_map(|p| p.as_ident())
                    .map(ident)
                    .collect::<Vec<_>>();
                let last = name.last().map(String::as_str).unwrap_or_default();
                // One collation exists (the database's, byte order): accept its names.
                if !matches!(last, "default" | "C" | "POSIX" | "ucs_basic") {
                    use sqlparser::ast::Spanned;
                    // PostgreSQL points at the COLLATE keyword, after the
                    // operand (whose span may stop before a `::type`).
                    let start = expr.span().start;
                    let keyword = self
                        .position(sqlparser::tokenizer::Span::new(start, start))
                        .and_then(|p| {
                            let src = self.source.as_deref()?;
                            let rest: String = src.chars().skip(p as usize - 1).collect();
                            let at = rest.to_ascii_lowercase().find("collate")?;
                            Some(p + rest[..at].chars().count() as u32)
                        });
                    let err = PgError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!(
                            "collation \"{}\" for encoding \"UTF8\" does not exist",
                            name.join(".")
                        ),
                    );
                    return Err(match keyword {
                        Some(p) => err.with_position(p),
                        None => err,
                    });
                }
                let (e, ty) = self.bind_expr(expr, cx)?;
                // Kept in the tree (a no-op when evaluated) so policies,
                // views and defaults print it back; an untyped literal is
                // left bare, to take its type from where it is used.
                if ty == DataType::Unknown {
                    return Ok((e, ty));
                }
                let name = Expr::Literal(Value::Text(name.join(".")));
                Ok((Expr::Func(Func::Collate, vec![e, name]), ty))
            }
            ast::Expr::Array(arr) => self.bind_array_literal(&arr.elem, cx).map_err(|err| {
                use sqlparser::ast::Spanned;
                if err.position.is_some() || err.code != SqlState::INDETERMINATE_DATATYPE {
                    return err;
                }
                // An empty ARRAY[] has an empty span: find the keyword in the text.
                match self.empty_array_position() {
                    Some(p) => err.with_position(p),
                    None => self.at(err, e.span()),
                }
            }),
            ast::Expr::Subquery(q) => {
                let (plan, cols) = self.bind_subquery(q, cx)?;
                if cols.len() != 1 {
                    return Err(PgError::syntax("subquery must return only one column"));
                }
                Ok((Expr::ScalarSubquery(Box::new(plan)), cols[0].ty.clone()))
            }
            ast::Expr::Exists { subquery, negated } => {
                let (plan, _) = self.bind_subquery(subquery, cx)?;
                Ok((Expr::Exists(Box::new(plan), *negated), DataType::Bool))
            }
            ast::Expr::InSubquery {
                expr,
                subquery,
                negated,
            } => {
                let (x, xt) = self.bind_expr(expr, cx)?;
                let (plan, cols) = self.bind_subquery(subquery, cx)?;
                if cols.len() != 1 {
                    return Err(PgError::syntax("subquery has too many columns"));
                }
                let x = self.coerce_for_compare(x, &xt, &cols[0].ty, "=")?;
                Ok((
                    Expr::InSubquery {
                        expr: Box::new(x),
                        plan: Box::new(plan),
                        negated: *negated,
                    },
                    DataType::Bool,
                ))
            }
            ast::Expr::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | ast::Expr::AllOp {
                left,
                compare_op,
                right,
            } => {
                let all = matches!(e, ast::Expr::AllOp { .. });
                let op = comparison_op(compare_op).ok_or_else(|| {
                    PgError::unsupported(format!("operator {compare_op} with ANY/ALL"))
                })?;
                let (x, xt) = self.bind_expr(left, cx)?;
                let ast::Expr::Subquery(q) = right.as_ref() else {
                    return self
                        .bind_quantified_array(x, xt, op, compare_op, right, all, cx)
                        .map_err(|err| match err.position {
                            None if err.code == SqlState::WRONG_OBJECT_TYPE => {
                                match self.operator_position(left, compare_op, right) {
                                    Some(p) => err.with_position(p),
                                    None => err,
                                }
                            }
                            _ => err,
                        });
                };
                let (plan, cols) = self.bind_subquery(q, cx)?;
                if cols.len() != 1 {
                    return Err(PgError::syntax("subquery has too many columns"));
                }
                let x = self.coerce_for_compare(x, &xt, &cols[0].ty, &compare_op.to_string())?;
                Ok((
                    Expr::QuantifiedSubquery {
                        expr: Box::new(x),
                        op,
                        plan: Box::new(plan),
                        all,
                    },
                    DataType::Bool,
                ))
            }
            ast::Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![expr.as_ref().clone()];
                args.push(
                    substring_from
                        .as_deref()
                        .cloned()
                        .unwrap_or(ast::Expr::value(ast::Value::Number("1".into(), false))),
                );
                if let Some(f) = substring_for {
                    args.push(f.as_ref().clone());
                }
                self.bind_call("substr", &args, cx)
            }
            ast::Expr::Trim {
                expr,
                trim_where,
                trim_what,
                trim_characters,
            } => {
                let name = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                };
                let mut args = vec![expr.as_ref().clone()];
                if let Some(w) = trim_what {
                    args.push(w.as_ref().clone());
                } else if let Some(chars) = trim_characters.as_ref().and_then(|c| c.first()) {
                    args.push(chars.clone());
                }
                self.bind_call(name, &args, cx)
            }
            ast::Expr::Position { expr, r#in } => self.bind_call(
                "strpos",
                &[r#in.as_ref().clone(), expr.as_ref().clone()],
                cx,
            ),
            ast::Expr::Extract { field, expr, .. } => {
                let field_lit = ast::Expr::value(ast::Value::SingleQuotedString(
                    field.to_string().to_lowercase(),
                ));
                self.bind_call("date_part", &[field_lit, expr.as_ref().clone()], cx)
            }
            ast::Expr::Ceil { expr, .. } => self.bind_call("ceil", &[expr.as_ref().clone()], cx),
            ast::Expr::Floor { expr, .. } => self.bind_call("floor", &[expr.as_ref().clone()], cx),
            other => Err(PgError::unsupported(format!(
                "expression not supported yet: {other}"
            ))),
        }
    }

    fn bind_column(&mut self, parts: &[String], cx: &mut ExprCtx) -> PgResult<(Expr, DataType)> {
        let (table, name) = match parts {
            [n] => (None, n.as_str()),
            [t, n] => (Some(t.as_str()), n.as_str()),
            [_, t, n] => (Some(t.as_str()), n.as_str()),
            _ => {
                return Err(PgError::syntax(format!(
                    "improper qualified name (too many dotted names): {}",
                    parts.join(".")
                )))
            }
        };
        if let Some(found) = find_in_scope(cx.scope, table, name)? {
            let col = cx.scope.columns[found].clone();
            if let Some(agg) = cx.agg.as_deref() {
                // A plain column in a grouped query must be a group key (matched above).
                let _ = agg;
                let qualified = match &col.table {
                    Some(t) => format!("{t}.{}", col.name),
                    None => col.name.clone(),
                };
                return Err(PgError::new(
                    SqlState::GROUPING_ERROR,
                    format!("column \"{qualified}\" must appear in the GROUP BY clause or be used in an aggregate function"),
                ));
            }
            self.note_column_read(&col);
            return Ok((Expr::Column(found), col.ty));
        }
        if self.outer.is_empty() {
            let hit = self
                .virtual_columns
                .iter()
                .find(|v| v.name == name && table.is_none_or(|t| t == v.range))
                .cloned();
            if let Some(v) = hit {
                if cx.agg.is_none() {
                    let column = self.catalog.relation_by_oid(v.source.0).and_then(|r| {
                        r.columns
                            .get(v.source.1 as usize - 1)
                            .map(|c| c.name.clone())
                    });
                    if let Some(c) = column {
                        self.need_column(v.source.0, Privilege::Select, &c);
                    }
                    return Ok((v.expr, v.ty));
                }
            }
        }
        for (i, outer) in self.outer.iter().rev().enumerate() {
            if let Some(found) = find_in_scope(outer, table, name)? {
                let col = outer.columns[found].clone();
                self.note_column_read(&col);
                return Ok((
                    Expr::Outer {
                        depth: i + 1,
                        index: found,
                    },
                    col.ty,
                ));
            }
        }
        if name == super::ROWID_COLUMN && table.is_none() {
            let hidden = cx
                .scope
                .columns
                .iter()
                .position(|c| c.hidden && c.name == name);
            if let Some(i) = hidden {
                if cx.agg.is_some() {
                    // An aggregate's rows are no table's rows (see DECLARE).
                    return Err(PgError::new(
                        SqlState::GROUPING_ERROR,
                        "a cursor over aggregated rows has no current row",
                    ));
                }
                return Ok((Expr::Column(i), DataType::Int8));
            }
        }
        if let Some(found) = self.system_column(cx.scope, table, name)? {
            return Ok(found);
        }
        let wanted = match table {
            Some(t) => format!("{t}.{name}"),
            None => name.to_string(),
        };
        if let Some(i) = self.param_names.iter().position(|p| *p == wanted) {
            let ty = self.params.get(i).cloned().unwrap_or(DataType::Unknown);
            return Ok((Expr::Param(i), ty));
        }
        if let Some(e) = self.hidden_lateral_reference(table, name) {
            return Err(e);
        }
        match table {
            Some(t)
                if !cx
                    .scope
                    .columns
                    .iter()
                    .any(|c| c.table.as_deref() == Some(t))
                    && !self
                        .outer
                        .iter()
                        .any(|s| s.columns.iter().any(|c| c.table.as_deref() == Some(t))) =>
            {
                Err(PgError::new(
                    SqlState::UNDEFINED_TABLE,
                    format!("missing FROM-clause entry for table \"{t}\""),
                ))
            }
            Some(t) => Err(PgError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column {t}.{name} does not exist"),
            )),
            None => Err(PgError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{name}\" does not exist"),
            )),
        }
    }

    /// What no column of the scope answers but a table range does:
    /// `tableoid` (the row's table: constant for a plain scan, a hidden
    /// column of a scan through inheritance, the executor's current table
    /// for an UPDATE/DELETE target) and a whole-row reference (`t` for the
    /// range `t`: its visible columns as a record's text).
    fn system_column(
        &mut self,
        scope: &Scope,
        table: Option<&str>,
        name: &str,
    ) -> PgResult<Option<(Expr, DataType)>> {
        if name == "tableoid" {
            // Each table range in reach: a scan through inheritance carries
            // the value as a hidden column, any other range has one table.
            let mut ranges: Vec<(&str, Expr)> = Vec::new();
            let mut tables: Vec<(&str, u32)> = Vec::new();
            for (i, c) in scope.columns.iter().enumerate() {
                if let (Some(range), Some((oid, _))) = (c.table.as_deref(), c.source) {
                    if !tables.iter().any(|(r, _)| *r == range) {
                        tables.push((range, oid));
                    }
                }
                let Some(range) = c.table.as_deref() else {
                    continue;
                };
                if table.is_some_and(|t| t != range) {
                    continue;
                }
                let e = match c.source {
                    None if c.hidden && c.name == "tableoid" => Expr::Column(i),
                    Some(_) if self.dml_target_range.as_deref() == Some(range) => {
                        Expr::Func(crate::functions::Func::TargetTableOid, vec![])
                    }
                    Some((oid, _)) => Expr::Literal(rampart_types::Value::Oid(oid)),
                    None => match self.system_ranges.iter().rev().find(|(r, _)| r == range) {
                        Some((_, oid)) => Expr::Literal(rampart_types::Value::Oid(*oid)),
                        None => continue,
                    },
                };
                match ranges.iter_mut().find(|(r, _)| *r == range) {
                    Some(slot) if matches!(e, Expr::Column(_)) => slot.1 = e,
                    Some(_) => {}
                    None => ranges.push((range, e)),
                }
            }
            return match ranges.len() {
                0 => Ok(None),
                1 => {
                    let (range, e) = ranges.remove(0);
                    // Reading it needs SELECT on the table or on the column.
                    if let Some((_, oid)) = tables.iter().find(|(r, _)| *r == range) {
                        let oid = *oid;
                        self.need_column(oid, Privilege::Select, "tableoid");
                    }
                    Ok(Some((e, DataType::Oid)))
                }
                _ => Err(PgError::new(
                    SqlState::AMBIGUOUS_COLUMN,
                    "column reference \"tableoid\" is ambiguous",
                )),
            };
        }
        if table.is_some() {
            return Ok(None);
        }
        let fields: Vec<usize> = (0..scope.columns.len())
            .filter(|&i| {
                let c = &scope.columns[i];
                !c.hidden && c.table.as_deref() == Some(name)
            })
            .collect();
        if fields.is_empty() {
            return Ok(None);
        }
        for &i in &fields {
            let col = scope.columns[i].clone();
            self.note_column_read(&col);
        }
        let args = fields.into_iter().map(Expr::Column).collect();
        Ok(Some((
            Expr::Func(crate::functions::Func::RecordOut, args),
            DataType::Text,
        )))
    }

    /// PostgreSQL's error for a reference to a FROM item the current one
    /// may not see (not LATERAL, or across a RIGHT/FULL join).
    fn hidden_lateral_reference(&self, table: Option<&str>, name: &str) -> Option<PgError> {
        for (scope, outer_join) in self.lateral_hidden.iter().rev() {
            let Some(hit) = scope.columns.iter().find(|c| {
                !c.hidden
                    && match table {
                        Some(t) => c.table.as_deref() == Some(t),
                        None => c.name == name,
                    }
            }) else {
                continue;
            };
            let range = hit.table.clone().unwrap_or_default();
            let e = match (table, outer_join) {
                (_, true) => PgError::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    format!("invalid reference to FROM-clause entry for table \"{range}\""),
                )
                .with_detail("The combining JOIN type must be INNER or LEFT for a LATERAL reference."),
                (Some(_), false) => PgError::new(
                    SqlState::UNDEFINED_TABLE,
                    format!("invalid reference to FROM-clause entry for table \"{range}\""),
                )
                .with_hint(format!("There is an entry for table \"{range}\", but it cannot be referenced from this part of the query.")),
                (None, false) => PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{name}\" does not exist"),
                )
                .with_hint(format!("There is a column named \"{name}\" in table \"{range}\", but it cannot be referenced from this part of the query.")),
            };
            return Some(e);
        }
        None
    }

    fn note_column_read(&mut self, col: &ScopeColumn) {
        if let Some((table, _)) = col.source {
            self.need_column(table, Privilege::Select, &col.name);
        }
    }

    fn bind_value(&mut self, v: &ast::Value) -> PgResult<(Expr, DataType)> {
        Ok(match v {
            ast::Value::Number(n, _) => {
                let lit = number_literal(n)?;
                let ty = lit.data_type();
                (Expr::Literal(lit), ty)
            }
            ast::Value::Boolean(b) => (Expr::Literal(Value::Bool(*b)), DataType::Bool),
            ast::Value::Null => (Expr::Literal(Value::Null), DataType::Unknown),
            ast::Value::Placeholder(p) => {
                let n: usize = p
                    .trim_start_matches('$')
                    .parse()
                    .map_err(|_| PgError::syntax(format!("syntax error at or near \"{p}\"")))?;
                if n == 0 || n > 65535 {
                    return Err(PgError::new(
                        SqlState::UNDEFINED_PARAMETER,
                        format!("there is no parameter ${n}"),
                    ));
                }
                if self.params.len() < n {
                    self.params.resize(n, DataType::Unknown);
                }
                (Expr::Param(n - 1), self.params[n - 1].clone())
            }
            other => match value_string(other) {
                Some(s) => (Expr::Literal(Value::Text(s)), DataType::Unknown),
                None => {
                    return Err(PgError::unsupported(format!(
                        "literal not supported: {other}"
                    )))
                }
            },
        })
    }

    fn bind_unary(
        &mut self,
        op: UnaryOperator,
        x: &ast::Expr,
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        match op {
            UnaryOperator::Not => Ok((
                Expr::Not(Box::new(self.bind_bool(x, cx, "NOT")?)),
                DataType::Bool,
            )),
            UnaryOperator::Plus => self.bind_expr(x, cx),
            UnaryOperator::Minus => {
                if let ast::Expr::Value(v) = x {
                    if let ast::Value::Number(n, _) = &v.value {
                        let lit = number_literal(&format!("-{n}"))?;
                        let ty = lit.data_type();
                        return Ok((Expr::Literal(lit), ty));
                    }
                }
                let (inner, ty) = self.bind_expr(x, cx)?;
                let ty = if ty == DataType::Unknown {
                    DataType::Float8
                } else {
                    ty
                };
                if !ty.is_numeric() && ty != DataType::Interval {
                    return Err(PgError::new(SqlState::UNDEFINED_FUNCTION, format!("operator does not exist: - {}", ty.display_name()))
                        .with_hint("No operator matches the given name and argument type. You might need to add an explicit type cast."));
                }
                Ok((Expr::Neg(Box::new(inner)), ty))
            }
            other => Err(PgError::unsupported(format!(
                "unary operator {other} is not supported yet"
            ))),
        }
    }

    /// Binds an expression that must be boolean (WHERE, AND, NOT, ...).
    pub fn bind_bool(&mut self, x: &ast::Expr, cx: &mut ExprCtx, what: &str) -> PgResult<Expr> {
        let (e, ty) = self.bind_expr(x, cx)?;
        match ty {
            DataType::Bool => Ok(e),
            DataType::Unknown => self.coerce(e, &ty, &DataType::Bool),
            other => Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "argument of {what} must be type boolean, not type {}",
                    other.display_name()
                ),
            )),
        }
    }

    fn bind_comparable(
        &mut self,
        a: &ast::Expr,
        b: &ast::Expr,
        cx: &mut ExprCtx,
        op: &str,
    ) -> PgResult<(Expr, Expr)> {
        let (l, lt) = self.bind_expr(a, cx)?;
        let (r, rt) = self.bind_expr(b, cx)?;
        let common = compare_type(&lt, &rt).ok_or_else(|| operator_missing(op, &lt, &rt))?;
        Ok((self.coerce(l, &lt, &common)?, self.coerce(r, &rt, &common)?))
    }

    /// `||` with an array operand: array_cat, array_append or array_prepend.
    fn bind_array_concat(
        &mut self,
        l: Expr,
        lt: DataType,
        r: Expr,
        rt: DataType,
    ) -> PgResult<(Expr, DataType)> {
        let elem_of = |t: &DataType| match t {
            DataType::Array(e) => Some(e.as_ref().clone()),
            _ => None,
        };
        let (func, array_ty, l, r) = match (elem_of(&lt), elem_of(&rt)) {
            (Some(a), Some(b)) => {
                let e = functions::common_type(&[a, b])
                    .ok_or_else(|| operator_missing("||", &lt, &rt))?;
                let t = DataType::Array(Box::new(e));
                let l = self.coerce(l, &lt, &t)?;
                let r = self.coerce(r, &rt, &t)?;
                (Func::ArrayCat, t, l, r)
            }
            (Some(_), None) if rt == DataType::Unknown => {
                let r = self.coerce(r, &rt, &lt)?;
                (Func::ArrayCat, lt.clone(), l, r)
            }
            (None, Some(_)) if lt == DataType::Unknown => {
                let l = self.coerce(l, &lt, &rt)?;
                (Func::ArrayCat, rt.clone(), l, r)
            }
            (Some(e), None) => {
                let common = functions::common_type(&[e.clone(), rt.clone()])
                    .ok_or_else(|| operator_missing("||", &lt, &rt))?;
                let r = self.coerce(r, &rt, &common)?;
                (Func::ArrayAppend, lt.clone(), l, r)
            }
            (None, Some(e)) => {
                let common = functions::common_type(&[e.clone(), lt.clone()])
                    .ok_or_else(|| operator_missing("||", &lt, &rt))?;
                let l = self.coerce(l, &lt, &common)?;
                (Func::ArrayPrepend, rt.clone(), l, r)
            }
            (None, None) => return Err(operator_missing("||", &lt, &rt)),
        };
        Ok((Expr::Func(func, vec![l, r]), array_ty))
    }

    /// Where the first `ARRAY[]` of the statement text starts (1-based characters).
    fn empty_array_position(&self) -> Option<u32> {
        let src = self.source.as_deref()?;
        let upper = src.to_ascii_uppercase();
        let mut from = 0;
        while let Some(i) = upper[from..].find("ARRAY") {
            let at = from + i;
            let rest = upper[at + 5..].trim_start();
            if rest.starts_with('[') && rest[1..].trim_start().starts_with(']') {
                return Some(src[..at].chars().count() as u32 + 1);
            }
            from = at + 5;
        }
        None
    }

    /// `ARRAY[a, b, ...]`: elements converted to their common type.
    fn bind_array_literal(
        &mut self,
        elems: &[ast::Expr],
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        let mut bound = Vec::with_capacity(elems.len());
        for e in elems {
            bound.push(self.bind_expr(e, cx)?);
        }
        if bound.is_empty() {
            return Err(PgError::new(
                SqlState::INDETERMINATE_DATATYPE,
                "cannot determine type of empty array",
            )
            .with_hint("Explicitly cast to the desired type, for example ARRAY[]::integer[]."));
        }
        let types: Vec<DataType> = bound.iter().map(|(_, t)| t.clone()).collect();
        let common =
            functions::common_type(&types).ok_or_else(|| type_mismatch("ARRAY", &types))?;
        let common = if common == DataType::Unknown {
            DataType::Text
        } else {
            common
        };
        let mut out = Vec::with_capacity(bound.len());
        for (e, t) in bound {
            out.push(self.coerce(e, &t, &common)?);
        }
        Ok((Expr::ArrayLit(out), DataType::Array(Box::new(common))))
    }

    /// `x op ANY/ALL (array expression)`.
    #[allow(clippy::too_many_arguments)]
    fn bind_quantified_array(
        &mut self,
        x: Expr,
        xt: DataType,
        op: BinOp,
        compare_op: &BinaryOperator,
        right: &ast::Expr,
        all: bool,
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        let (arr, at) = self.bind_expr(right, cx)?;
        let (arr, elem) = match at {
            DataType::Array(elem) => (arr, *elem),
            // oidvector and int2vector are arrays to ANY (pg_dump: `= ANY(partclass)`).
            DataType::OidVector | DataType::Int2Vector => {
                let (func, elem) = if at == DataType::OidVector {
                    (Func::OidVectorArray, DataType::Oid)
                } else {
                    (Func::Int2VectorArray, DataType::Int2)
                };
                (Expr::Func(func, vec![arr]), elem)
            }
            // An untyped literal ('{1,2}') takes the array type of the left operand.
            DataType::Unknown => {
                let elem = if xt == DataType::Unknown {
                    DataType::Text
                } else {
                    xt.clone()
                };
                let arr_t = DataType::Array(Box::new(elem.clone()));
                (self.coerce(arr, &DataType::Unknown, &arr_t)?, elem)
            }
            other => {
                return Err(PgError::new(SqlState::WRONG_OBJECT_TYPE, {
                    let _ = other;
                    "op ANY/ALL (array) requires array on right side"
                }))
            }
        };
        let common = compare_type(&xt, &elem)
            .ok_or_else(|| operator_missing(&compare_op.to_string(), &xt, &elem))?;
        let x = self.coerce(x, &xt, &common)?;
        let arr = self.coerce(
            arr,
            &DataType::Array(Box::new(elem)),
            &DataType::Array(Box::new(common)),
        )?;
        Ok((
            Expr::QuantifiedArray {
                expr: Box::new(x),
                op,
                array: Box::new(arr),
                all,
            },
            DataType::Bool,
        ))
    }

    fn coerce_for_compare(
        &mut self,
        x: Expr,
        xt: &DataType,
        other: &DataType,
        op: &str,
    ) -> PgResult<Expr> {
        let common = compare_type(xt, other).ok_or_else(|| operator_missing(op, xt, other))?;
        self.coerce(x, xt, &common)
    }

    fn bind_binary(
        &mut self,
        left: &ast::Expr,
        op: &BinaryOperator,
        right: &ast::Expr,
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        self.bind_binary_inner(left, op, right, cx).map_err(|e| {
            if e.position.is_some() {
                return e;
            }
            if e.code == SqlState::UNDEFINED_FUNCTION {
                return match self.operator_position(left, op, right) {
                    Some(p) => e.with_position(p),
                    None => e,
                };
            }
            // A literal that does not convert: point at the literal, as PostgreSQL does.
            if e.code.0.starts_with("22") {
                let is_string = |x: &&ast::Expr| matches!(x, ast::Expr::Value(v) if value_string(&v.value).is_some() && !matches!(v.value, ast::Value::Number(..)));
                let lit = [right, left].into_iter().find(is_string).or_else(|| [right, left].into_iter().find(|x| matches!(x, ast::Expr::Value(_))));

                if let Some(l) = lit {
                    use sqlparser::ast::Spanned;
                    return self.at(e, l.span());
                }
            }
            e
        })
    }

    /// Where the operator token between `left` and `right` starts (PostgreSQL's cursor for operator errors).
    fn operator_position(
        &self,
        left: &ast::Expr,
        op: &BinaryOperator,
        right: &ast::Expr,
    ) -> Option<u32> {
        use sqlparser::ast::Spanned;
        let (l, r) = (left.span(), right.span());
        let start = self.position(sqlparser::tokenizer::Span::new(l.end, l.end))? as usize;
        let end = self.position(sqlparser::tokenizer::Span::new(r.start, r.start))? as usize;
        let src: Vec<char> = self.source.as_deref()?.chars().collect();
        let between: String = src
            .get(start.saturating_sub(1)..end.saturating_sub(1))?
            .iter()
            .collect();
        let idx = between.find(&op.to_string())?;
        Some((start + between[..idx].chars().count()) as u32)
    }

    fn bind_binary_inner(
        &mut self,
        left: &ast::Expr,
        op: &BinaryOperator,
        right: &ast::Expr,
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        use BinaryOperator as B;

        if let B::PGCustomBinaryOperator(path) = op {
            let mapped = builtin_operator(path).ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_FUNCTION,
                    format!("operator does not exist: {}", path.join(".")),
                )
            })?;
            return self.bind_binary_inner(left, &mapped, right, cx);
        }
        match op {
            B::And | B::Or => {
                let name = if matches!(op, B::And) { "AND" } else { "OR" };
                let l = self.bind_bool(left, cx, name)?;
                let r = self.bind_bool(right, cx, name)?;
                let bop = if matches!(op, B::And) {
                    BinOp::And
                } else {
                    BinOp::Or
                };
                Ok((Expr::Binary(bop, Box::new(l), Box::new(r)), DataType::Bool))
            }
            B::PGLikeMatch | B::PGILikeMatch | B::PGNotLikeMatch | B::PGNotILikeMatch => {
                let (x, xt) = self.bind_expr(left, cx)?;
                let (p, pt) = self.bind_expr(right, cx)?;
                Ok((
                    Expr::Like {
                        expr: Box::new(self.coerce(x, &xt, &DataType::Text)?),
                        pattern: Box::new(self.coerce(p, &pt, &DataType::Text)?),
                        negated: matches!(op, B::PGNotLikeMatch | B::PGNotILikeMatch),
                        case_insensitive: matches!(op, B::PGILikeMatch | B::PGNotILikeMatch),
                    },
                    DataType::Bool,
                ))
            }
            B::PGRegexMatch | B::PGRegexIMatch | B::PGRegexNotMatch | B::PGRegexNotIMatch => {
                let (x, xt) = self.bind_expr(left, cx)?;
                let (p, pt) = self.bind_expr(right, cx)?;
                let bop = if matches!(op, B::PGRegexMatch | B::PGRegexNotMatch) {
                    BinOp::RegexMatch
                } else {
                    BinOp::RegexIMatch
                };
                let m = Expr::Binary(
                    bop,
                    Box::new(self.coerce(x, &xt, &DataType::Text)?),
                    Box::new(self.coerce(p, &pt, &DataType::Text)?),
                );
                let negated = matches!(op, B::PGRegexNotMatch | B::PGRegexNotIMatch);
                Ok((
                    if negated { Expr::Not(Box::new(m)) } else { m },
                    DataType::Bool,
                ))
            }
            B::AtArrow | B::ArrowAt | B::PGOverlap => {
                let (l, lt) = self.bind_expr(left, cx)?;
                let (r, rt) = self.bind_expr(right, cx)?;
                let common = match (&lt, &rt) {
                    (DataType::Array(_), _) | (_, DataType::Array(_)) => compare_type(&lt, &rt),
                    _ => None,
                }
                .filter(|t| matches!(t, DataType::Array(_)))
                .ok_or_else(|| operator_missing(&op.to_string(), &lt, &rt))?;
                let l = self.coerce(l, &lt, &common)?;
                let r = self.coerce(r, &rt, &common)?;
                // `a <@ b` is `b @> a`.
                let (func, args) = match op {
                    B::AtArrow => (Func::ArrayContains, vec![l, r]),
                    B::ArrowAt => (Func::ArrayContains, vec![r, l]),
                    _ => (Func::ArrayOverlap, vec![l, r]),
                };
                Ok((Expr::Func(func, args), DataType::Bool))
            }
            B::StringConcat => {
                let (l, lt) = self.bind_expr(left, cx)?;
                let (r, rt) = self.bind_expr(right, cx)?;
                if matches!(lt, DataType::Array(_)) || matches!(rt, DataType::Array(_)) {
                    return self.bind_array_concat(l, lt, r, rt);
                }
                if !lt.is_string()
                    && !rt.is_string()
                    && lt != DataType::Unknown
                    && rt != DataType::Unknown
                {
                    return Err(operator_missing("||", &lt, &rt));
                }
                let l = self.coerce(l, &lt, &DataType::Text)?;
                let r = self.coerce(r, &rt, &DataType::Text)?;
                Ok((
                    Expr::Binary(BinOp::Concat, Box::new(l), Box::new(r)),
                    DataType::Text,
                ))
            }
            _ => {
                let bop = match op {
                    B::Plus => BinOp::Add,
                    B::Minus => BinOp::Sub,
                    B::Multiply => BinOp::Mul,
                    B::Divide => BinOp::Div,
                    B::Modulo => BinOp::Mod,
                    B::PGExp => BinOp::Pow,
                    B::BitwiseAnd => BinOp::BitAnd,
                    B::BitwiseOr => BinOp::BitOr,
                    B::PGBitwiseShiftLeft => BinOp::ShiftLeft,
                    B::PGBitwiseShiftRight => BinOp::ShiftRight,
                    other => match comparison_op(other) {
                        Some(c) => c,
                        None => {
                            return Err(PgError::unsupported(format!(
                                "operator {other} is not supported yet"
                            )))
                        }
                    },
                };
                let (l, lt) = self.bind_expr(left, cx)?;
                let (r, rt) = self.bind_expr(right, cx)?;
                if bop.is_comparison() {
                    let common = compare_type(&lt, &rt)
                        .ok_or_else(|| operator_missing(&op.to_string(), &lt, &rt))?;
                    let l = self.coerce(l, &lt, &common)?;
                    let r = self.coerce(r, &rt, &common)?;
                    return Ok((Expr::Binary(bop, Box::new(l), Box::new(r)), DataType::Bool));
                }
                let (lt2, rt2, result) = arithmetic_types(bop, &lt, &rt)
                    .ok_or_else(|| operator_missing(&op.to_string(), &lt, &rt))?;
                let l = self.coerce(l, &lt, &lt2)?;
                let r = self.coerce(r, &rt, &rt2)?;
                Ok((Expr::Binary(bop, Box::new(l), Box::new(r)), result))
            }
        }
    }

    fn bind_case(
        &mut self,
        operand: Option<&ast::Expr>,
        conditions: &[ast::CaseWhen],
        else_result: Option<&ast::Expr>,
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        let mut whens = Vec::new();
        let mut results = Vec::new();
        let op = match operand {
            Some(o) => Some(self.bind_expr(o, cx)?),
            None => None,
        };
        for cw in conditions {
            let cond = match &op {
                Some((_, ot)) => {
                    let (c, ct) = self.bind_expr(&cw.condition, cx)?;
                    let common =
                        compare_type(ot, &ct).ok_or_else(|| operator_missing("=", ot, &ct))?;
                    self.coerce(c, &ct, &common)?
                }
                None => self.bind_bool(&cw.condition, cx, "CASE/WHEN")?,
            };
            let r = self.bind_expr(&cw.result, cx)?;
            whens.push(cond);
            results.push(r);
        }
        let else_ = match else_result {
            Some(e) => Some(self.bind_expr(e, cx)?),
            None => None,
        };
        let mut types: Vec<DataType> = results.iter().map(|r| r.1.clone()).collect();
        if let Some((_, t)) = &else_ {
            types.push(t.clone());
        }
        let common = functions::common_type(&types).ok_or_else(|| type_mismatch("CASE", &types))?;
        let mut pairs = Vec::new();
        for (w, (r, rt)) in whens.into_iter().zip(results) {
            pairs.push((w, self.coerce(r, &rt, &common)?));
        }
        let else_ = match else_ {
            Some((e, t)) => Some(Box::new(self.coerce(e, &t, &common)?)),
            None => None,
        };
        let operand = match op {
            Some((o, ot)) => {
                let target = pairs.first().map(|_| ot.clone()).unwrap_or(ot.clone());
                Some(Box::new(self.coerce(o, &ot, &target)?))
            }
            None => None,
        };
        Ok((
            Expr::Case {
                operand,
                whens: pairs,
                else_,
            },
            common,
        ))
    }

    fn bind_function(&mut self, f: &ast::Function, cx: &mut ExprCtx) -> PgResult<(Expr, DataType)> {
        self.bind_function_inner(f, cx).map_err(|e| {
            let about_this_call = e.code == SqlState::UNDEFINED_FUNCTION
                || e.code == SqlState::AMBIGUOUS_FUNCTION
                || (e.code == SqlState::WRONG_OBJECT_TYPE && e.message.ends_with("is a procedure"));
            if about_this_call && e.position.is_none() {
                if let Some(id) = f.name.0.first().and_then(|p| p.as_ident()) {
                    return self.at(e, id.span);
                }
            }
            e
        })
    }

    fn bind_function_inner(
        &mut self,
        f: &ast::Function,
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        let name = f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident)
            .unwrap_or_default();
        if f.over.is_some() {
            // PostgreSQL points at the call (Rampart's own "not supported
            // yet" refusals carry no position).
            return self.bind_window_call(f, &name, cx).map_err(|e| {
                if e.position.is_some() || e.message.ends_with("not supported yet") {
                    e
                } else {
                    use sqlparser::ast::Spanned;
                    self.at(e, f.span())
                }
            });
        }
        let (args, distinct, star, order) = match &f.args {
            FunctionArguments::None => (vec![], false, false, vec![]),
            FunctionArguments::Subquery(q) if name == "array" => {
                let (plan, cols) = self.bind_subquery(q, cx)?;
                if cols.len() != 1 {
                    return Err(PgError::syntax("subquery must return only one column"));
                }
                return Ok((
                    Expr::ArraySubquery(Box::new(plan)),
                    DataType::Array(Box::new(cols[0].ty.clone())),
                ));
            }
            FunctionArguments::Subquery(_) => {
                return Err(PgError::unsupported("subquery function arguments"))
            }
            FunctionArguments::List(list) => {
                let distinct = matches!(
                    list.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                let mut args = Vec::new();
                let mut star = false;
                for a in &list.args {
                    match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(e.clone()),
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => star = true,
                        _ => {
                            return Err(PgError::unsupported(
                                "named function arguments are not supported yet",
                            ))
                        }
                    }
                }
                let mut order: Vec<ast::OrderByExpr> = Vec::new();
                for c in &list.clauses {
                    if let ast::FunctionArgumentClause::OrderBy(keys) = c {
                        order.extend(keys.iter().cloned());
                    }
                }
                (args, distinct, star, order)
            }
        };
        let order = order.as_slice();
        let qualifier = match f.name.0.as_slice() {
            [s, _] => s.as_ident().map(ident),
            _ => None,
        };
        // A built-in aggregate (unqualified or pg_catalog's), else a
        // user-defined one in the schema named or on the search path.
        let schema = qualifier.filter(|q| q != "pg_catalog");
        let aggregate = match &schema {
            Some(q) => self
                .is_user_aggregate(Some(q), &name)
                .then_some(AggFunc::User(0)),
            None => agg_by_name(&name).or_else(|| {
                self.is_user_aggregate(None, &name)
                    .then_some(AggFunc::User(0))
            }),
        };
        if let Some(agg) = aggregate {
            let filter = f.filter.as_deref();
            return self.bind_aggregate(
                agg,
                schema.as_deref(),
                &name,
                &args,
                star,
                (distinct, order),
                filter,
                cx,
            );
        }
        if let Some(q) = schema {
            let mut bound = Vec::new();
            let mut types = Vec::new();
            for a in &args {
                let (e, t) = self.bind_expr(a, cx)?;
                bound.push(e);
                types.push(t);
            }
            self.qualified_routine_schema(&f.name)?;
            return match self.bind_user_call(Some(&q), &name, bound, &types)? {
                Some(r) => Ok(r),
                None => {
                    let sig: Vec<String> = types.iter().map(|t| t.display_name()).collect();
                    Err(PgError::new(SqlState::UNDEFINED_FUNCTION, format!("function {q}.{name}({}) does not exist", sig.join(", ")))
                        .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."))
                }
            };
        }
        if !order.is_empty() {
            use sqlparser::ast::Spanned;
            let err = PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("ORDER BY specified, but {name} is not an aggregate function"),
            );
            return Err(self.at(err, f.span()));
        }
        if star {
            return Err(PgError::syntax(format!(
                "{name}(*) specified, but {name} is not an aggregate function"
            )));
        }
        self.bind_call(&name, &args, cx)
    }

    #[allow(clippy::too_many_arguments)]
    fn bind_aggregate(
        &mut self,
        func: AggFunc,
        schema: Option<&str>,
        name: &str,
        args: &[ast::Expr],
        star: bool,
        (distinct, order): (bool, &[ast::OrderByExpr]),
        filter: Option<&ast::Expr>,
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        let Some(agg) = cx.agg.as_deref_mut() else {
            return Err(PgError::new(
                SqlState::GROUPING_ERROR,
                format!("aggregate functions are not allowed in {}", cx.clause),
            ));
        };
        let input = agg.input.clone();
        let mut inner = ExprCtx::new(&input, "aggregate function calls");
        let mut bound = Vec::new();
        let mut types = Vec::new();
        for a in args {
            if contains_aggregate(a) {
                return Err(PgError::new(
                    SqlState::GROUPING_ERROR,
                    "aggregate function calls cannot be nested",
                ));
            }
            let (e, t) = self.bind_expr(a, &mut inner)?;
            bound.push(e);
            types.push(t);
        }
        let func = if star || (func == AggFunc::Count && args.is_empty()) {
            AggFunc::CountStar
        } else {
            func
        };
        let mut keys = Vec::with_capacity(order.len());
        for o in order {
            let (expr, _) = self.bind_expr(&o.expr, &mut inner)?;
            keys.push(super::sort_key(expr, o));
        }
        if let AggFunc::User(_) = func {
            let how = (distinct, keys);
            return self.bind_user_aggregate(schema, name, bound, &types, how, filter, inner, cx);
        }
        let expected = match func {
            AggFunc::CountStar => 0,
            AggFunc::StringAgg => 2,
            _ => 1,
        };
        if bound.len() != expected {
            let sig: Vec<String> = types.iter().map(|t| t.display_name()).collect();
            return Err(PgError::new(SqlState::UNDEFINED_FUNCTION, format!("function {name}({}) does not exist", sig.join(", ")))
                .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
        }
        // Arguments of known kind get their types fixed.
        match func {
            AggFunc::StringAgg => {
                for (b, t) in bound.iter_mut().zip(types.iter_mut()) {
                    *b = self.coerce(b.clone(), t, &DataType::Text)?;
                    *t = DataType::Text;
                }
            }
            AggFunc::BoolAnd | AggFunc::BoolOr => {
                bound[0] = self.coerce(bound[0].clone(), &types[0], &DataType::Bool)?;
                types[0] = DataType::Bool;
            }
            AggFunc::Sum | AggFunc::Avg
                if !(types[0].is_numeric()
                    || types[0] == DataType::Interval
                    || types[0] == DataType::Unknown) =>
            {
                return Err(PgError::new(SqlState::UNDEFINED_FUNCTION, format!("function {name}({}) does not exist", types[0].display_name()))
                    .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
            }
            AggFunc::Sum | AggFunc::Avg if types[0] == DataType::Unknown => {
                bound[0] = self.coerce(bound[0].clone(), &types[0], &DataType::Numeric(None))?;
                types[0] = DataType::Numeric(None);
            }
            AggFunc::ArrayAgg if types[0] == DataType::Unknown => {
                bound[0] = self.coerce(bound[0].clone(), &types[0], &DataType::Text)?;
                types[0] = DataType::Text;
            }
            AggFunc::Min | AggFunc::Max if types[0] == DataType::Unknown => {
                bound[0] = self.coerce(bound[0].clone(), &types[0], &DataType::Text)?;
                types[0] = DataType::Text;
            }
            _ => {}
        }
        let filter = match filter {
            Some(fe) => Some(self.bind_bool(fe, &mut inner, "FILTER")?),
            None => None,
        };
        let ty = agg_result_type(func, types.first());
        let call = AggCall {
            func,
            args: bound,
            distinct,
            filter,
            order: keys,
            ty,
        };
        push_aggregate(cx, call, name)
    }

    /// Whether `name` (in `schema`, else on the search path) is a
    /// user-defined aggregate (`CREATE AGGREGATE`).
    pub fn is_user_aggregate(&self, schema: Option<&str>, name: &str) -> bool {
        // Asked for every function call bound: the cheap scan first.
        self.catalog
            .functions
            .values()
            .any(|f| f.kind == 'a' && f.name == name)
            && crate::func::candidates(self.catalog, schema, name, &self.search_path)
                .iter()
                .any(|f| f.kind == 'a')
    }

    /// A call of a user-defined aggregate with bound arguments: resolved
    /// by argument types, arguments coerced, EXECUTE recorded.
    #[allow(clippy::too_many_arguments)]
    fn bind_user_aggregate(
        &mut self,
        schema: Option<&str>,
        name: &str,
        bound: Vec<Expr>,
        types: &[DataType],
        (distinct, order): (bool, Vec<crate::plan::SortKey>),
        filter: Option<&ast::Expr>,
        mut inner: ExprCtx,
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        let f = crate::func::resolve_kind(self.catalog, schema, name, &self.search_path, types, 'a')?
            .cloned()
            .ok_or_else(|| {
                let sig: Vec<String> = types.iter().map(|t| t.display_name()).collect();
                PgError::new(SqlState::UNDEFINED_FUNCTION, format!("function {name}({}) does not exist", sig.join(", ")))
                    .with_hint("No function matches the given name and argument types. You might need to add explicit type casts.")
            })?;
        let mut args = Vec::with_capacity(bound.len());
        for ((e, t), want) in bound.into_iter().zip(types).zip(f.input_types()) {
            args.push(self.coerce(e, t, &want)?);
        }
        self.need(
            rampart_security::ObjectRef::Function(f.oid),
            rampart_security::Privilege::Execute,
        );
        let filter = match filter {
            Some(fe) => Some(self.bind_bool(fe, &mut inner, "FILTER")?),
            None => None,
        };
        let ty = match &f.returns {
            rampart_catalog::FuncReturn::Scalar(t) => t.clone(),
            _ => DataType::Unknown,
        };
        let call = AggCall {
            func: AggFunc::User(f.oid),
            args,
            distinct,
            filter,
            order,
            ty,
        };
        push_aggregate(cx, call, name)
    }

    /// Binds a call of a scalar function by name.
    pub fn bind_call(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        cx: &mut ExprCtx,
    ) -> PgResult<(Expr, DataType)> {
        let mut bound = Vec::new();
        let mut types = Vec::new();
        for a in args {
            let (e, t) = self.bind_expr(a, cx)?;
            bound.push(e);
            types.push(t);
        }
        let resolved = match functions::resolve(name, &types) {
            Some(r) => r,
            None => {
                if let Some(r) = self.bind_user_call(None, name, bound.clone(), &types)? {
                    return Ok(r);
                }
                let sig: Vec<String> = types.iter().map(|t| t.display_name()).collect();
                return Err(PgError::new(SqlState::UNDEFINED_FUNCTION, format!("function {name}({}) does not exist", sig.join(", ")))
                    .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
            }
        };
        if resolved.func == Func::PgTypeof {
            // The argument's type is known here (a NULL or an aclitem held
            // as text would say nothing at run time).
            let name = types
                .first()
                .map(DataType::display_name)
                .unwrap_or_default();
            return Ok((Expr::Literal(Value::Text(name)), resolved.ret));
        }
        let mut args_out = Vec::new();
        for ((e, t), target) in bound.into_iter().zip(types).zip(resolved.arg_types) {
            args_out.push(match target {
                Some(target) => self.coerce(e, &t, &target)?,
                None if t == DataType::Unknown => self.coerce(e, &t, &DataType::Text)?,
                None => e,
            });
        }
        if resolved.func == Func::NextVal
            || resolved.func == Func::SetVal
            || resolved.func == Func::CurrVal
        {
            // Sequence privileges are checked at run time, when the name is known.
        }
        Ok((Expr::Func(resolved.func, args_out), resolved.ret))
    }

    /// Makes `scope` the row outer references resolve to (for binding a
    /// subquery's parts one by one); undo with [`Binder::pop_outer`].
    pub fn push_outer(&mut self, scope: Scope) {
        self.outer.push(scope);
    }

    /// Undoes [`Binder::push_outer`].
    pub fn pop_outer(&mut self) {
        self.outer.pop();
    }

    /// Binds a subquery expression with the current row visible as its outer row.
    fn bind_subquery(
        &mut self,
        q: &ast::Query,
        cx: &mut ExprCtx,
    ) -> PgResult<(crate::plan::Plan, Vec<crate::plan::OutputColumn>)> {
        let outer_scope = match cx.agg.as_deref() {
            Some(agg) => agg.output.clone(),
            None => cx.scope.clone(),
        };
        self.outer.push(outer_scope);
        let r = self.bind_query(q);
        self.outer.pop();
        r
    }

    /// Inserts the conversion of `e` from `from` to `to` (folding literals, typing parameters).
    pub fn coerce(&mut self, e: Expr, from: &DataType, to: &DataType) -> PgResult<Expr> {
        if from == to || *to == DataType::Unknown {
            return Ok(e);
        }
        if let Some(e) = self.coerce_reg(&e, from, to)? {
            return Ok(e);
        }
        // Dropping a typmod changes nothing about a value (no cast node, as
        // in PostgreSQL): numeric(10,2) → numeric, varchar(n) → varchar/text.
        if matches!(
            (from, to),
            (DataType::Numeric(_), DataType::Numeric(None))
                | (DataType::Varchar(_), DataType::Varchar(None))
        ) {
            return Ok(e);
        }
        // character(n) loses its padding when it becomes text, as in PostgreSQL.
        if matches!(from, DataType::Char(_)) && to.is_string() && !matches!(to, DataType::Char(_)) {
            return Ok(Expr::Func(Func::RTrim, vec![e]));
        }
        match e {
            Expr::Literal(Value::Null) => Ok(Expr::Literal(Value::Null)),
            Expr::Literal(Value::Text(s)) if *from == DataType::Unknown => Ok(Expr::Literal(
                Value::from_pg_text_styled(to, &s, &self.style)?,
            )),
            Expr::Param(i) if *from == DataType::Unknown => {
                if let Some(slot) = self.params.get_mut(i) {
                    if *slot == DataType::Unknown {
                        *slot = to.clone();
                        return Ok(Expr::Param(i));
                    }
                }
                Ok(Expr::Cast(Box::new(Expr::Param(i)), to.clone()))
            }
            Expr::Literal(v) => {
                let folded = crate::exec::cast::cast_value(v.clone(), from, to, &self.style);
                Ok(match folded {
                    Ok(v) => Expr::Literal(v),
                    Err(_) => Expr::Cast(Box::new(Expr::Literal(v)), to.clone()),
                })
            }
            e => Ok(Expr::Cast(Box::new(e), to.clone())),
        }
    }
}

impl Binder<'_> {
    /// Conversions into and out of the reg* types: names are resolved while
    /// binding when they are constants (so a missing object is reported at
    /// once and the value compares as an OID), at run time otherwise; a reg*
    /// value becomes text through its output function. None when neither
    /// side is a reg* type.
    fn coerce_reg(&mut self, e: &Expr, from: &DataType, to: &DataType) -> PgResult<Option<Expr>> {
        match (from, to) {
            (DataType::Reg(kind), t) if t.is_string() => {
                Ok(Some(Expr::Func(Func::RegOut(*kind), vec![e.clone()])))
            }
            (f, DataType::Reg(kind)) if f.is_string() || *f == DataType::Unknown => match e {
                Expr::Literal(Value::Null) => Ok(Some(Expr::Literal(Value::Null))),
                Expr::Literal(Value::Text(name)) => {
                    let oid = crate::regtypes::input(self.catalog, &self.search_path, *kind, name)?;
                    Ok(Some(Expr::Literal(Value::Oid(oid))))
                }
                _ => Ok(Some(Expr::Func(Func::RegIn(*kind), vec![e.clone()]))),
            },
            // aclitem values are their canonical text: out is free, in
            // resolves role names (at bind time for constants).
            (DataType::AclItem, t) if t.is_string() => Ok(Some(e.clone())),
            (DataType::Array(a), DataType::Array(t))
                if **a == DataType::AclItem && (t.is_string() || **t == DataType::Unknown) =>
            {
                Ok(Some(e.clone()))
            }
            (f, DataType::AclItem) if f.is_string() || *f == DataType::Unknown => match e {
                Expr::Literal(Value::Null) => Ok(Some(Expr::Literal(Value::Null))),
                Expr::Literal(Value::Text(text)) => Ok(Some(Expr::Literal(Value::Text(
                    crate::aclitem::input(self.catalog, text)?.0,
                )))),
                _ => Ok(Some(Expr::Func(Func::AclItemIn, vec![e.clone()]))),
            },
            (f, DataType::Array(t))
                if **t == DataType::AclItem
                    && (*f == DataType::Unknown
                        || matches!(f, DataType::Array(x) if x.is_string())) =>
            {
                match e {
                    Expr::Literal(Value::Null) => Ok(Some(Expr::Literal(Value::Null))),
                    Expr::Literal(Value::Text(text)) => {
                        let parsed = Value::from_pg_text_styled(to, text, &self.style)?;
                        let Value::Array(items) = parsed else {
                            return Ok(Some(Expr::Literal(parsed)));
                        };
                        let items = items
                            .into_iter()
                            .map(|v| match v {
                                Value::Text(t) => {
                                    Ok(Value::Text(crate::aclitem::input(self.catalog, &t)?.0))
                                }
                                other => Ok(other),
                            })
                            .collect::<PgResult<_>>()?;
                        Ok(Some(Expr::Literal(Value::Array(items))))
                    }
                    _ => Ok(Some(Expr::Func(Func::AclItemIn, vec![e.clone()]))),
                }
            }
            (DataType::Reg(_), DataType::Reg(_)) => Ok(Some(e.clone())),
            (DataType::Reg(_), DataType::Oid) | (DataType::Oid, DataType::Reg(_)) => {
                Ok(Some(e.clone()))
            }
            _ => Ok(None),
        }
    }
}

/// The range name of a column `*` expanded by position (its "name" is the
/// position): no identifier a user writes can be it.
pub(super) const STAR_POSITION: &str = "\u{0}*";

fn find_in_scope(scope: &Scope, table: Option<&str>, name: &str) -> PgResult<Option<usize>> {
    if table == Some(STAR_POSITION) {
        return Ok(name.parse().ok().filter(|i| *i < scope.columns.len()));
    }
    let mut found = None;
    for (i, c) in scope.columns.iter().enumerate() {
        if c.name != name {
            continue;
        }
        if let Some(t) = table {
            if c.table.as_deref() != Some(t) {
                continue;
            }
        } else if c.hidden && c.table.is_some() {
            continue;
        }
        if found.is_some() {
            return Err(PgError::new(
                SqlState::AMBIGUOUS_COLUMN,
                format!("column reference \"{name}\" is ambiguous"),
            ));
        }
        found = Some(i);
    }
    Ok(found)
}

/// A numeric constant as PostgreSQL types it: int4 when it fits, else
/// int8, else numeric (always numeric with a point or an exponent).
pub fn number_literal(n: &str) -> PgResult<Value> {
    if n.contains(['.', 'e', 'E']) {
        return Ok(Value::Numeric(
            n.parse::<rust_decimal::Decimal>()
                .or_else(|_| rust_decimal::Decimal::from_scientific(n))
                .map_err(|_| {
                    PgError::new(
                        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                        "value overflows numeric format",
                    )
                })?,
        ));
    }
    if let Ok(v) = n.parse::<i32>() {
        return Ok(Value::Int4(v));
    }
    if let Ok(v) = n.parse::<i64>() {
        return Ok(Value::Int8(v));
    }
    n.parse::<rust_decimal::Decimal>()
        .map(Value::Numeric)
        .map_err(|_| {
            PgError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                "value overflows numeric format",
            )
        })
}

/// The text of a string-like literal.
pub fn value_string(v: &ast::Value) -> Option<String> {
    match v {
        ast::Value::SingleQuotedString(s)
        | ast::Value::EscapedStringLiteral(s)
        | ast::Value::UnicodeStringLiteral(s)
        | ast::Value::NationalStringLiteral(s)
        | ast::Value::TripleSingleQuotedString(s) => Some(s.clone()),
        ast::Value::DollarQuotedString(d) => Some(d.value.clone()),
        ast::Value::HexStringLiteral(s) => Some(s.clone()),
        ast::Value::Number(n, _) => Some(n.clone()),
        ast::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn comparison_op(op: &BinaryOperator) -> Option<BinOp> {
    Some(match op {
        BinaryOperator::Eq => BinOp::Eq,
        BinaryOperator::NotEq => BinOp::NotEq,
        BinaryOperator::Lt => BinOp::Lt,
        BinaryOperator::LtEq => BinOp::LtEq,
        BinaryOperator::Gt => BinOp::Gt,
        BinaryOperator::GtEq => BinOp::GtEq,
        _ => return None,
    })
}

/// The type both sides of a comparison are converted to.
pub fn compare_type(l: &DataType, r: &DataType) -> Option<DataType> {
    match (l, r) {
        (DataType::Unknown, DataType::Unknown) => Some(DataType::Text),
        (DataType::Unknown, t) | (t, DataType::Unknown) => Some(t.clone()),
        (a, b) if a == b => Some(a.clone()),
        (a, b) if a.numeric_rank().is_some() && b.numeric_rank().is_some() => {
            let (ra, rb) = (a.numeric_rank()?, b.numeric_rank()?);
            // Operators take numeric without a typmod: `amount > 0` compares
            // with 0, not with 0.00 (which is also how ruleutils prints it).
            Some(match if ra >= rb { a } else { b } {
                DataType::Numeric(_) => DataType::Numeric(None),
                t => t.clone(),
            })
        }
        (a, b) if a.is_string() && b.is_string() => Some(DataType::Text),
        (a, b) => functions::common_type(&[a.clone(), b.clone()]),
    }
}

/// Operand types an arithmetic operator converts to, and its result type.
fn arithmetic_types(
    op: BinOp,
    l: &DataType,
    r: &DataType,
) -> Option<(DataType, DataType, DataType)> {
    use DataType as T;
    let l = if *l == T::Unknown {
        if r.is_numeric() {
            r.clone()
        } else {
            T::Numeric(None)
        }
    } else {
        l.clone()
    };
    let r = if *r == T::Unknown {
        if l.is_numeric() {
            l.clone()
        } else if l == T::Timestamp || l == T::Timestamptz || l == T::Date {
            T::Interval
        } else {
            T::Numeric(None)
        }
    } else {
        r.clone()
    };
    if l.is_numeric() && r.is_numeric() {
        if matches!(
            op,
            BinOp::BitAnd | BinOp::BitOr | BinOp::ShiftLeft | BinOp::ShiftRight
        ) {
            let t = if l.numeric_rank()? >= r.numeric_rank()? {
                l
            } else {
                r
            };
            return Some((t.clone(), t.clone(), t));
        }
        let t = if l.numeric_rank()? >= r.numeric_rank()? {
            l
        } else {
            r
        };
        let t = match t {
            T::Numeric(_) => T::Numeric(None),
            T::Oid => T::Int8,
            T::Float4 if op == BinOp::Pow => T::Float8,
            t => t,
        };
        let t = if op == BinOp::Pow && !matches!(t, T::Numeric(_)) {
            T::Float8
        } else {
            t
        };
        return Some((t.clone(), t.clone(), t));
    }
    match (op, &l, &r) {
        (BinOp::Add, T::Date, T::Int4 | T::Int2 | T::Int8)
        | (BinOp::Sub, T::Date, T::Int4 | T::Int2 | T::Int8) => Some((T::Date, T::Int4, T::Date)),
        (BinOp::Add, T::Int4 | T::Int2 | T::Int8, T::Date) => Some((T::Int4, T::Date, T::Date)),
        (BinOp::Sub, T::Date, T::Date) => Some((T::Date, T::Date, T::Int4)),
        (BinOp::Add | BinOp::Sub, T::Date, T::Interval) => {
            Some((T::Timestamp, T::Interval, T::Timestamp))
        }
        (BinOp::Add | BinOp::Sub, T::Timestamp, T::Interval) => {
            Some((T::Timestamp, T::Interval, T::Timestamp))
        }
        (BinOp::Add | BinOp::Sub, T::Timestamptz, T::Interval) => {
            Some((T::Timestamptz, T::Interval, T::Timestamptz))
        }
        (BinOp::Add, T::Interval, T::Timestamp) => Some((T::Interval, T::Timestamp, T::Timestamp)),
        (BinOp::Add, T::Interval, T::Timestamptz) => {
            Some((T::Interval, T::Timestamptz, T::Timestamptz))
        }
        (BinOp::Sub, T::Timestamp, T::Timestamp) => Some((T::Timestamp, T::Timestamp, T::Interval)),
        (BinOp::Sub, T::Timestamptz, T::Timestamptz | T::Timestamp) => {
            Some((T::Timestamptz, T::Timestamptz, T::Interval))
        }
        (BinOp::Add | BinOp::Sub, T::Interval, T::Interval) => {
            Some((T::Interval, T::Interval, T::Interval))
        }
        (BinOp::Mul | BinOp::Div, T::Interval, n) if n.is_numeric() => {
            Some((T::Interval, T::Float8, T::Interval))
        }
        (BinOp::Mul, n, T::Interval) if n.is_numeric() => {
            Some((T::Float8, T::Interval, T::Interval))
        }
        _ => None,
    }
}

fn operator_missing(op: &str, l: &DataType, r: &DataType) -> PgError {
    PgError::new(SqlState::UNDEFINED_FUNCTION, format!("operator does not exist: {} {op} {}", l.display_name(), r.display_name()))
        .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

fn type_mismatch(what: &str, types: &[DataType]) -> PgError {
    let known: Vec<&DataType> = types.iter().filter(|t| **t != DataType::Unknown).collect();
    let (a, b) = match known.as_slice() {
        [a, b, ..] => (a.display_name(), b.display_name()),
        _ => ("unknown".into(), "unknown".into()),
    };
    PgError::new(
        SqlState::DATATYPE_MISMATCH,
        format!("{what} types {a} and {b} cannot be matched"),
    )
}

/// Adds an aggregate call to the query's aggregation: its result is a
/// column of the aggregated row (after the group keys).
fn push_aggregate(cx: &mut ExprCtx, call: AggCall, name: &str) -> PgResult<(Expr, DataType)> {
    let agg = cx
        .agg
        .as_deref_mut()
        .ok_or_else(|| PgError::internal("aggregate state vanished"))?;
    let idx = agg.group_keys.len() + agg.aggs.len();
    let ty = call.ty.clone();
    agg.aggs.push(call);
    agg.output.columns.push(ScopeColumn {
        table: None,
        name: name.to_string(),
        ty: ty.clone(),
        source: None,
        hidden: true,
    });
    Ok((Expr::Column(idx), ty))
}

/// Whether an expression contains an aggregate call (not looking into subqueries).
pub fn contains_aggregate(e: &ast::Expr) -> bool {
    contains_aggregate_named(e, &|_, _| false)
}

/// Like [`contains_aggregate`], also counting calls of (schema, name) that
/// `user` accepts (user-defined aggregates).
pub fn contains_aggregate_named(e: &ast::Expr, user: &dyn Fn(Option<&str>, &str) -> bool) -> bool {
    use sqlparser::ast::{Visit, Visitor};
    use std::ops::ControlFlow;
    /// Finds an aggregate call outside any subquery (aggregates inside a
    /// subquery belong to that subquery).
    struct Finder<'u> {
        depth: usize,
        user: &'u dyn Fn(Option<&str>, &str) -> bool,
    }
    impl Visitor for Finder<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &ast::Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &ast::Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, x: &ast::Expr) -> ControlFlow<()> {
            if let (0, ast::Expr::Function(f)) = (self.depth, x) {
                let name = f
                    .name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .map(ident)
                    .unwrap_or_default();
                let schema = match f.name.0.as_slice() {
                    [s, _] => s.as_ident().map(ident),
                    _ => None,
                };
                let builtin = schema.as_deref().is_none_or(|s| s == "pg_catalog")
                    && agg_by_name(&name).is_some();
                if (builtin || (self.user)(schema.as_deref(), &name)) && f.over.is_none() {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    e.visit(&mut Finder { depth: 0, user }).is_break()
}

/// The built-in operator an `OPERATOR(pg_catalog.op)` spelling names.
fn builtin_operator(path: &[String]) -> Option<BinaryOperator> {
    use BinaryOperator as B;
    let (schema, op) = match path {
        [op] => (None, op),
        [schema, op] => (Some(schema.as_str()), op),
        _ => return None,
    };
    if schema.is_some_and(|s| s != "pg_catalog") {
        return None;
    }
    Some(match op.as_str() {
        "~" => B::PGRegexMatch,
        "~*" => B::PGRegexIMatch,
        "!~" => B::PGRegexNotMatch,
        "!~*" => B::PGRegexNotIMatch,
        "~~" => B::PGLikeMatch,
        "!~~" => B::PGNotLikeMatch,
        "=" => B::Eq,
        "<>" | "!=" => B::NotEq,
        "<" => B::Lt,
        "<=" => B::LtEq,
        ">" => B::Gt,
        ">=" => B::GtEq,
        "+" => B::Plus,
        "-" => B::Minus,
        "*" => B::Multiply,
        "/" => B::Divide,
        "%" => B::Modulo,
        "||" => B::StringConcat,
        _ => return None,
    })
}
