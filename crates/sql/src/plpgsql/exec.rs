//! The PL/pgSQL interpreter. Variables are passed to embedded expressions
//! and statements as parameters (`$n`, and by name through the binder);
//! bound expressions are cached per expression until the variables' shapes
//! or the catalog change.

use std::collections::HashMap;

use rampart_catalog::FuncReturn;
use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use super::ast::*;
use crate::func::spi::{BoundExpr, Spi, SpiResult, Vars};

/// The variables as parameters for one generation: (generation, names,
/// types, where each value comes from, a signature for cache keys).
type Exposed = (u64, Vec<String>, Vec<DataType>, Vec<Source>, String);

/// Where a parameter's value comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// A scalar variable.
    Var(usize),
    /// A record variable's field.
    Field(usize, usize),
}

/// A variable.
#[derive(Clone, Debug)]
struct Var {
    name: String,
    /// Declared scalar type (None: a record).
    ty: Option<DataType>,
    value: Value,
    /// A record's fields (names, types, values); None while unassigned.
    fields: Option<(Vec<String>, Vec<DataType>, Vec<Value>)>,
    constant: bool,
    not_null: bool,
}

/// How a statement list ended.
enum Flow {
    Normal,
    Exit(Option<String>),
    Continue(Option<String>),
    Return,
}

/// One running routine.
pub struct Interp<'s> {
    spi: &'s mut dyn Spi,
    vars: Vec<Var>,
    /// `PL/pgSQL function f(integer)` or `PL/pgSQL function inline_code_block`.
    context_name: String,
    /// Bumped when the set of visible variables or a record's shape changes.
    generation: u64,
    exposed: Option<Exposed>,
    cache: HashMap<usize, (u64, u64, std::sync::Arc<BoundExpr>)>,
    /// The catalog version while no statement could have changed it.
    version: Option<u64>,
    /// Identifies this body in the cross-call cache of bound expressions.
    routine_key: usize,
    /// DateStyle/TimeZone for casts, read once.
    style: Option<rampart_types::Style>,
    row_count: u64,
    /// The declared result (None: DO block or procedure).
    returns: Option<FuncReturn>,
    /// The result value (scalar functions).
    pub result: Value,
    /// Rows returned (set-returning functions).
    pub rows: Vec<Vec<Value>>,
    /// Names of OUT arguments (their variables form the result).
    out_vars: Vec<String>,
    /// The error being handled (for `RAISE;`).
    handling: Vec<PgError>,
}

/// Runs a body: `args` are (name, type, value) of the input arguments;
/// `out_args` (name, type) declare OUT variables.
pub fn run(
    spi: &mut dyn Spi,
    body: &std::sync::Arc<Block>,
    context_name: String,
    args: Vec<(Option<String>, DataType, Value)>,
    out_args: Vec<(String, DataType)>,
    returns: Option<FuncReturn>,
) -> PgResult<(Value, Vec<Vec<Value>>)> {
    let mut it = Interp {
        spi,
        vars: Vec::new(),
        context_name,
        generation: 0,
        exposed: None,
        cache: HashMap::new(),
        version: None,
        routine_key: std::sync::Arc::as_ptr(body) as usize,
        style: None,
        row_count: 0,
        returns,
        result: Value::Null,
        rows: Vec::new(),
        out_vars: out_args.iter().map(|(n, _)| n.clone()).collect(),
        handling: Vec::new(),
    };
    for (i, (name, ty, value)) in args.into_iter().enumerate() {
        it.vars.push(Var {
            name: name.unwrap_or_else(|| format!("${}", i + 1)),
            ty: Some(ty),
            value,
            fields: None,
            constant: false,
            not_null: false,
        });
    }
    for (name, ty) in out_args {
        it.vars.push(Var {
            name,
            ty: Some(ty),
            value: Value::Null,
            fields: None,
            constant: false,
            not_null: false,
        });
    }
    it.vars.push(Var {
        name: "found".into(),
        ty: Some(DataType::Bool),
        value: Value::Bool(false),
        fields: None,
        constant: false,
        not_null: false,
    });
    let flow = it.block(body)?;
    if let Flow::Exit(_) | Flow::Continue(_) = flow {
        return Err(PgError::syntax("CONTINUE cannot be used outside a loop"));
    }
    if !matches!(flow, Flow::Return) {
        match &it.returns {
            Some(FuncReturn::Scalar(DataType::Void))
            | Some(FuncReturn::SetOf(_))
            | Some(FuncReturn::Table(_))
            | None => {}
            Some(FuncReturn::Scalar(_)) if !it.out_vars.is_empty() => it.set_out_result()?,
            Some(FuncReturn::Scalar(_)) => {
                return Err(PgError::new(
                    SqlState("2F005"),
                    "control reached end of function without RETURN",
                )
                .add_context(it.context_name.clone()));
            }
        }
    }
    Ok((it.result, it.rows))
}

/// The SQLSTATE (or class, ending in `000`) a condition name stands for.
pub fn condition_code(name: &str) -> Option<&'static str> {
    Some(match name {
        "others" => "others",
        "sql_statement_not_yet_complete" => "03000",
        "feature_not_supported" => "0A000",
        "invalid_transaction_termination" => "2D000",
        "case_not_found" => "20000",
        "cardinality_violation" => "21000",
        "data_exception" => "22000",
        "string_data_right_truncation" => "22001",
        "null_value_not_allowed" => "22004",
        "numeric_value_out_of_range" => "22003",
        "invalid_datetime_format" => "22007",
        "datetime_field_overflow" => "22008",
        "division_by_zero" => "22012",
        "invalid_parameter_value" => "22023",
        "invalid_text_representation" => "22P02",
        "integrity_constraint_violation" => "23000",
        "not_null_violation" => "23502",
        "foreign_key_violation" => "23503",
        "unique_violation" => "23505",
        "check_violation" => "23514",
        "invalid_transaction_state" => "25000",
        "active_sql_transaction" => "25001",
        "read_only_sql_transaction" => "25006",
        "in_failed_sql_transaction" => "25P02",
        "invalid_authorization_specification" => "28000",
        "invalid_password" => "28P01",
        "dependent_objects_still_exist" => "2BP01",
        "invalid_schema_name" => "3F000",
        "transaction_rollback" => "40000",
        "serialization_failure" => "40001",
        "deadlock_detected" => "40P01",
        "syntax_error_or_access_rule_violation" => "42000",
        "syntax_error" => "42601",
        "insufficient_privilege" => "42501",
        "undefined_column" => "42703",
        "undefined_function" => "42883",
        "undefined_table" => "42P01",
        "undefined_parameter" => "42P02",
        "undefined_object" => "42704",
        "duplicate_column" => "42701",
        "duplicate_function" => "42723",
        "duplicate_schema" => "42P06",
        "duplicate_table" => "42P07",
        "duplicate_object" => "42710",
        "ambiguous_column" => "42702",
        "ambiguous_function" => "42725",
        "datatype_mismatch" => "42804",
        "wrong_object_type" => "42809",
        "invalid_function_definition" => "42P13",
        "object_not_in_prerequisite_state" => "55000",
        "object_in_use" => "55006",
        "lock_not_available" => "55P03",
        "query_canceled" => "57014",
        "plpgsql_error" => "P0000",
        "raise_exception" => "P0001",
        "no_data_found" => "P0002",
        "too_many_rows" => "P0003",
        "assert_failure" => "P0004",
        "internal_error" => "XX000",
        _ => return None,
    })
}

fn handler_matches(conditions: &[String], code: &str) -> bool {
    conditions.iter().any(|c| {
        if c == "others" {
            return code != "57014" && code != "P0004";
        }
        let want = match c.strip_prefix("sqlstate:") {
            Some(s) => s,
            None => condition_code(c).unwrap_or(""),
        };
        want == code || (want.ends_with("000") && want.len() == 5 && code.starts_with(&want[..2]))
    })
}

fn code_for_name(name: &str) -> PgResult<SqlState> {
    if let Some(s) = name.strip_prefix("sqlstate:") {
        return Ok(SqlState(leak(s)));
    }
    match condition_code(name) {
        Some(c) if c != "others" => Ok(SqlState(c)),
        _ => Err(PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("unrecognized exception condition \"{name}\""),
        )),
    }
}

/// SqlState holds a `&'static str`; user-chosen codes are few and small.
fn leak(s: &str) -> &'static str {
    static CODES: parking_lot::Mutex<Vec<&'static str>> = parking_lot::Mutex::new(Vec::new());
    let mut codes = CODES.lock();
    if let Some(c) = codes.iter().find(|c| **c == s) {
        return c;
    }
    let c: &'static str = Box::leak(s.to_string().into_boxed_str());
    codes.push(c);
    c
}

impl Interp<'_> {
    fn ctx(&self, line: u32, what: &str) -> String {
        format!("{} line {line} at {what}", self.context_name)
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.vars.iter().rposition(|v| v.name == name)
    }

    /// Rebuilds the variables-as-parameters view when the variable set changed.
    fn ensure_exposed(&mut self) {
        if self
            .exposed
            .as_ref()
            .is_some_and(|e| e.0 == self.generation)
        {
            return;
        }
        let mut names = Vec::new();
        let mut types = Vec::new();
        let mut sources = Vec::new();
        for (i, v) in self.vars.iter().enumerate() {
            let visible = self.find(&v.name) == Some(i);
            match (&v.ty, &v.fields) {
                (Some(t), _) => {
                    names.push(if visible {
                        v.name.clone()
                    } else {
                        String::new()
                    });
                    types.push(t.clone());
                    sources.push(Source::Var(i));
                }
                (None, Some((fnames, ftypes, _))) => {
                    for (k, (fname, ft)) in fnames.iter().zip(ftypes).enumerate() {
                        names.push(if visible {
                            format!("{}.{fname}", v.name)
                        } else {
                            String::new()
                        });
                        types.push(ft.clone());
                        sources.push(Source::Field(i, k));
                    }
                }
                (None, None) => {}
            }
        }
        let mut signature = String::new();
        for (n, t) in names.iter().zip(&types) {
            signature.push_str(n);
            signature.push(':');
            signature.push_str(&t.oid().to_string());
            signature.push(',');
        }
        self.exposed = Some((self.generation, names, types, sources, signature));
    }

    fn values(&mut self) -> Vec<Value> {
        self.ensure_exposed();
        let Some((_, _, _, sources, _)) = &self.exposed else {
            return vec![];
        };
        sources
            .iter()
            .map(|s| match *s {
                Source::Field(v, k) => self.vars[v]
                    .fields
                    .as_ref()
                    .and_then(|f| f.2.get(k).cloned())
                    .unwrap_or(Value::Null),
                Source::Var(i) => self.vars[i].value.clone(),
            })
            .collect()
    }

    /// The catalog version, read once until a statement may have changed it.
    fn version(&mut self) -> PgResult<u64> {
        match self.version {
            Some(v) => Ok(v),
            None => {
                let v = self.spi.catalog_version()?;
                self.version = Some(v);
                Ok(v)
            }
        }
    }

    fn eval(&mut self, src: &Src) -> PgResult<(Value, DataType)> {
        let version = self.version()?;
        let bound = match self.cache.get(&src.id) {
            Some((g, v, b)) if *g == self.generation && *v == version => b.clone(),
            _ => {
                self.ensure_exposed();
                let Some((_, names, types, _, signature)) = &self.exposed else {
                    return Err(PgError::internal("variables not exposed"));
                };
                let key = (self.routine_key, src.id, version, signature.clone());
                let b = match self.spi.routine_cache().exprs.get(&key) {
                    Some(b) => b.clone(),
                    None => {
                        let (names, types) = (names.clone(), types.clone());
                        let b = std::sync::Arc::new(
                            self.spi
                                .bind_expr(
                                    &src.text,
                                    &Vars {
                                        names: &names,
                                        types: &types,
                                    },
                                )
                                .map_err(|e| internal_query(e, &src.text))?,
                        );
                        self.spi.routine_cache().exprs.insert(key, b.clone());
                        b
                    }
                };
                self.cache
                    .insert(src.id, (self.generation, version, b.clone()));
                b
            }
        };
        let values = self.values();
        let v = self.spi.eval(&bound, &values)?;
        Ok((v, bound.ty.clone()))
    }

    fn eval_bool(&mut self, src: &Src) -> PgResult<bool> {
        let (v, ty) = self.eval(src)?;
        match v {
            Value::Bool(b) => Ok(b),
            Value::Null => Ok(false),
            other => {
                let b = self.cast(other, &ty, &DataType::Bool)?;
                Ok(b == Value::Bool(true))
            }
        }
    }

    fn cast(&mut self, v: Value, from: &DataType, to: &DataType) -> PgResult<Value> {
        if v.is_null() || from == to {
            return Ok(v);
        }
        let style = match self.style {
            Some(s) => s,
            None => {
                let s = self.spi.state().settings.style();
                self.style = Some(s);
                s
            }
        };
        crate::exec::cast::cast_value(v, from, to, &style)
    }

    fn run_sql(&mut self, src: &Src) -> PgResult<SpiResult> {
        self.ensure_exposed();
        let (names, types) = match &self.exposed {
            Some((_, n, t, _, _)) => (n.clone(), t.clone()),
            None => (vec![], vec![]),
        };
        let values = self.values();
        self.version = None;
        self.style = None;
        self.spi
            .run(
                &src.text,
                &Vars {
                    names: &names,
                    types: &types,
                },
                &values,
            )
            .map_err(|e| internal_query(e, &src.text))
    }

    fn run_dynamic(&mut self, command: &Src, using: &[Src]) -> PgResult<(SpiResult, String)> {
        let (cmd, _) = self.eval(command)?;
        let Value::Text(sql) = cmd else {
            if cmd.is_null() {
                return Err(PgError::new(
                    SqlState("22004"),
                    "query string argument of EXECUTE is null",
                ));
            }
            return Err(PgError::internal("EXECUTE needs a text argument"));
        };
        let mut types = Vec::new();
        let mut values = Vec::new();
        for u in using {
            let (v, t) = self.eval(u)?;
            types.push(t);
            values.push(v);
        }
        let names: Vec<String> = vec![String::new(); types.len()];
        self.version = None;
        self.style = None;
        let r = self
            .spi
            .run(
                &sql,
                &Vars {
                    names: &names,
                    types: &types,
                },
                &values,
            )
            .map_err(|e| internal_query(e, &sql))?;
        Ok((r, sql))
    }

    fn set_found(&mut self, found: bool) {
        if let Some(i) = self.find("found") {
            self.vars[i].value = Value::Bool(found);
        }
    }

    fn assign(&mut self, target: &str, v: Value, from: &DataType) -> PgResult<()> {
        let (base, field) = match target.split_once('.') {
            Some((b, f)) => (b.trim(), Some(f.trim())),
            None => (target.trim(), None),
        };
        let i = self
            .find(base)
            .ok_or_else(|| PgError::syntax(format!("\"{base}\" is not a known variable")))?;
        if self.vars[i].constant {
            return Err(PgError::syntax(format!(
                "variable \"{base}\" is declared CONSTANT"
            )));
        }
        match (field, self.vars[i].ty.clone()) {
            (None, Some(ty)) => {
                let v = self.cast(v, from, &ty)?;
                if v.is_null() && self.vars[i].not_null {
                    return Err(PgError::new(
                        SqlState("22004"),
                        format!(
                            "null value cannot be assigned to variable \"{base}\" declared NOT NULL"
                        ),
                    ));
                }
                self.vars[i].value = v;
            }
            (Some(f), None) => {
                let fields = self.vars[i].fields.as_mut().ok_or_else(|| {
                    PgError::new(
                        SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                        format!("record \"{base}\" is not assigned yet"),
                    )
                })?;
                let k = fields.0.iter().position(|n| n == f).ok_or_else(|| {
                    PgError::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!("record \"{base}\" has no field \"{f}\""),
                    )
                })?;
                let ty = fields.1[k].clone();
                let style = self.spi.state().settings.style();
                let v = if v.is_null() || *from == ty {
                    v
                } else {
                    crate::exec::cast::cast_value(v, from, &ty, &style)?
                };
                if let Some(fields) = self.vars[i].fields.as_mut() {
                    fields.2[k] = v;
                }
            }
            (Some(f), Some(_)) => {
                return Err(PgError::syntax(format!(
                    "\"{base}.{f}\" is not a known variable"
                )))
            }
            (None, None) => {
                return Err(PgError::new(
                    SqlState::DATATYPE_MISMATCH,
                    "cannot assign a scalar to a record variable",
                ))
            }
        }
        Ok(())
    }

    /// Stores a result row into INTO targets (one record, or scalars in order).
    fn store_row(
        &mut self,
        vars: &[String],
        columns: &[crate::plan::OutputColumn],
        row: Option<&Vec<Value>>,
    ) -> PgResult<()> {
        if vars.len() == 1 {
            if let Some(i) = self.find(&vars[0]) {
                if self.vars[i].ty.is_none() {
                    let names = columns.iter().map(|c| c.name.clone()).collect();
                    let types = columns.iter().map(|c| c.ty.clone()).collect();
                    let values = match row {
                        Some(r) => r.clone(),
                        None => vec![Value::Null; columns.len()],
                    };
                    let shape_changed = self.vars[i].fields.as_ref().map(|f| (&f.0, &f.1))
                        != Some((&names, &types));
                    self.vars[i].fields = Some((names, types, values));
                    if shape_changed {
                        self.generation += 1;
                    }
                    return Ok(());
                }
            }
        }
        for (k, name) in vars.iter().enumerate() {
            let (v, t) = match (row, columns.get(k)) {
                (Some(r), Some(c)) => (r.get(k).cloned().unwrap_or(Value::Null), c.ty.clone()),
                _ => (Value::Null, DataType::Unknown),
            };
            self.assign(name, v, &t)?;
        }
        Ok(())
    }

    fn store_into(&mut self, into: &IntoTarget, r: &SpiResult, what: &str) -> PgResult<()> {
        if into.strict {
            if r.rows.is_empty() {
                return Err(PgError::new(
                    SqlState::NO_DATA_FOUND,
                    "query returned no rows",
                ));
            }
            if r.rows.len() > 1 {
                return Err(PgError::new(
                    SqlState::TOO_MANY_ROWS,
                    "query returned more than one row",
                )
                .with_hint("Make sure the query returns a single row, or use LIMIT 1."));
            }
        }
        if r.columns.is_empty() {
            return Err(PgError::syntax(format!(
                "INTO used with a command that cannot return data ({what})"
            )));
        }
        let row = r.rows.first();
        self.store_row(&into.vars, &r.columns, row)
    }

    fn block(&mut self, b: &Block) -> PgResult<Flow> {
        let mark = self.vars.len();
        let r = self.block_inner(b);
        self.vars.truncate(mark);
        self.generation += 1;
        r
    }

    fn declare(&mut self, d: &Decl) -> PgResult<()> {
        if let Some(n) = d.alias_of {
            let v =
                self.vars.get(n - 1).cloned().ok_or_else(|| {
                    PgError::syntax(format!("function has no parameter \"${n}\""))
                })?;
            self.vars.push(Var {
                name: d.name.clone(),
                ..v
            });
            self.generation += 1;
            return Ok(());
        }
        self.vars.push(Var {
            name: d.name.clone(),
            ty: match &d.ty {
                VarType::Scalar(t) => Some(t.clone()),
                VarType::Record => None,
            },
            value: Value::Null,
            fields: None,
            constant: false,
            not_null: d.not_null,
        });
        self.generation += 1;
        if let Some(def) = &d.default {
            let (v, t) = self.eval(def)?;
            self.assign(&d.name, v, &t)?;
        } else if d.not_null {
            return Err(PgError::new(
                SqlState("22004"),
                format!(
                    "variable \"{}\" must have a default value, since it's declared NOT NULL",
                    d.name
                ),
            ));
        }
        if let Some(v) = self.vars.last_mut() {
            v.constant = d.constant;
        }
        Ok(())
    }

    fn block_inner(&mut self, b: &Block) -> PgResult<Flow> {
        for d in &b.decls {
            self.declare(d)?;
        }
        if b.handlers.is_empty() {
            return self.stmts(&b.body, &b.label);
        }
        let sp = self.spi.savepoint()?;
        let mark = self.vars.len();
        match self.stmts(&b.body, &b.label) {
            Ok(flow) => {
                self.spi.release(sp)?;
                Ok(flow)
            }
            Err(e) => {
                let Some(h) = b
                    .handlers
                    .iter()
                    .find(|h| handler_matches(&h.conditions, e.code.0))
                else {
                    return Err(e);
                };
                self.spi.rollback_to(sp)?;
                self.spi.release(sp)?;
                self.vars.truncate(mark);
                for (name, v) in [
                    ("sqlstate", e.code.0.to_string()),
                    ("sqlerrm", e.message.clone()),
                ] {
                    self.vars.push(Var {
                        name: name.into(),
                        ty: Some(DataType::Text),
                        value: Value::Text(v),
                        fields: None,
                        constant: false,
                        not_null: false,
                    });
                }
                self.generation += 1;
                self.handling.push(e);
                let r = self.stmts(&h.body, &None);
                self.handling.pop();
                r
            }
        }
    }

    fn stmts(&mut self, list: &[Stmt], block_label: &Option<String>) -> PgResult<Flow> {
        for s in list {
            match self.stmt(s)? {
                Flow::Normal => {}
                Flow::Exit(Some(l)) if Some(&l) == block_label.as_ref() => return Ok(Flow::Normal),
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    /// Runs a loop body once; Some(flow) ends the loop with that flow.
    fn loop_iteration(&mut self, body: &[Stmt], label: &Option<String>) -> PgResult<Option<Flow>> {
        self.spi.check_cancel()?;
        match self.stmts(body, &None)? {
            Flow::Normal => Ok(None),
            Flow::Exit(None) => Ok(Some(Flow::Normal)),
            Flow::Exit(Some(l)) if Some(&l) == label.as_ref() => Ok(Some(Flow::Normal)),
            Flow::Continue(None) => Ok(None),
            Flow::Continue(Some(l)) if Some(&l) == label.as_ref() => Ok(None),
            other => Ok(Some(other)),
        }
    }

    fn stmt(&mut self, s: &Stmt) -> PgResult<Flow> {
        let line = s.line;
        match &s.kind {
            StmtKind::Block(b) => self.block(b),
            StmtKind::Null => Ok(Flow::Normal),
            StmtKind::Assign { target, expr, text } => {
                let r = self
                    .eval(expr)
                    .and_then(|(v, t)| self.assign(target, v, &t));
                r.map_err(|e| {
                    e.add_context(format!("PL/pgSQL assignment \"{text}\""))
                        .add_context(self.ctx(line, "assignment"))
                })?;
                Ok(Flow::Normal)
            }
            StmtKind::If { branches, else_ } => {
                for (cond, body) in branches {
                    if self
                        .eval_bool(cond)
                        .map_err(|e| e.add_context(self.ctx(line, "IF")))?
                    {
                        return self.stmts(body, &None);
                    }
                }
                self.stmts(else_, &None)
            }
            StmtKind::Case {
                operand,
                whens,
                else_,
            } => {
                let op = match operand {
                    Some(o) => Some(
                        self.eval(o)
                            .map_err(|e| e.add_context(self.ctx(line, "CASE")))?,
                    ),
                    None => None,
                };
                for (exprs, body) in whens {
                    for e in exprs {
                        let hit = match &op {
                            Some((ov, _)) => {
                                let (v, _) = self
                                    .eval(e)
                                    .map_err(|x| x.add_context(self.ctx(line, "CASE")))?;
                                !ov.is_null() && !v.is_null() && ov.total_cmp(&v).is_eq()
                            }
                            None => self
                                .eval_bool(e)
                                .map_err(|x| x.add_context(self.ctx(line, "CASE")))?,
                        };
                        if hit {
                            return self.stmts(body, &None);
                        }
                    }
                }
                match else_ {
                    Some(body) => self.stmts(body, &None),
                    None => Err(PgError::new(SqlState::CASE_NOT_FOUND, "case not found")
                        .with_hint("CASE statement is missing ELSE part.")
                        .add_context(self.ctx(line, "CASE"))),
                }
            }
            StmtKind::Loop { label, body } => loop {
                if let Some(f) = self.loop_iteration(body, label)? {
                    return Ok(f);
                }
            },
            StmtKind::While { label, cond, body } => {
                while self
                    .eval_bool(cond)
                    .map_err(|e| e.add_context(self.ctx(line, "WHILE")))?
                {
                    if let Some(f) = self.loop_iteration(body, label)? {
                        return Ok(f);
                    }
                }
                Ok(Flow::Normal)
            }
            StmtKind::ForInt {
                label,
                var,
                reverse,
                lo,
                hi,
                step,
                body,
            } => self.for_int(line, label, var, *reverse, lo, hi, step.as_ref(), body),
            StmtKind::ForQuery {
                label,
                vars,
                query,
                execute,
                body,
            } => {
                let (r, what) = match (query, execute) {
                    (Some(q), _) => (self.run_sql(q), "FOR over SELECT rows"),
                    (None, Some((cmd, using))) => (
                        self.run_dynamic(cmd, using).map(|(r, _)| r),
                        "FOR over EXECUTE statement",
                    ),
                    (None, None) => return Err(PgError::internal("FOR without a query")),
                };
                let r = r.map_err(|e| e.add_context(self.ctx(line, what)))?;
                let mark = self.vars.len();
                // A loop target that is not declared becomes a record local to the loop.
                if vars.len() == 1 && self.find(&vars[0]).is_none() {
                    self.vars.push(Var {
                        name: vars[0].clone(),
                        ty: None,
                        value: Value::Null,
                        fields: None,
                        constant: false,
                        not_null: false,
                    });
                    self.generation += 1;
                }
                let mut flow = Flow::Normal;
                let any = !r.rows.is_empty();
                for row in &r.rows {
                    self.store_row(vars, &r.columns, Some(row))
                        .map_err(|e| e.add_context(self.ctx(line, what)))?;
                    if let Some(f) = self.loop_iteration(body, label)? {
                        flow = f;
                        break;
                    }
                }
                if self.vars.len() > mark {
                    self.vars.truncate(mark);
                    self.generation += 1;
                }
                self.set_found(any);
                Ok(flow)
            }
            StmtKind::Exit {
                continue_,
                label,
                when,
            } => {
                if let Some(w) = when {
                    let what = if *continue_ { "CONTINUE" } else { "EXIT" };
                    if !self
                        .eval_bool(w)
                        .map_err(|e| e.add_context(self.ctx(line, what)))?
                    {
                        return Ok(Flow::Normal);
                    }
                }
                Ok(if *continue_ {
                    Flow::Continue(label.clone())
                } else {
                    Flow::Exit(label.clone())
                })
            }
            StmtKind::Return(expr) => {
                self.do_return(expr.as_ref())
                    .map_err(|e| e.add_context(self.ctx(line, "RETURN")))?;
                Ok(Flow::Return)
            }
            StmtKind::ReturnNext(expr) => {
                self.return_next(expr.as_ref())
                    .map_err(|e| e.add_context(self.ctx(line, "RETURN NEXT")))?;
                Ok(Flow::Normal)
            }
            StmtKind::ReturnQuery { query, execute } => {
                let r = match (query, execute) {
                    (Some(q), _) => self.run_sql(q),
                    (None, Some((cmd, using))) => self.run_dynamic(cmd, using).map(|(r, _)| r),
                    (None, None) => return Err(PgError::internal("RETURN QUERY without a query")),
                }
                .map_err(|e| e.add_context(self.ctx(line, "RETURN QUERY")))?;
                self.row_count = r.rows.len() as u64;
                self.set_found(!r.rows.is_empty());
                self.rows.extend(r.rows);
                Ok(Flow::Normal)
            }
            StmtKind::Perform(q) => {
                let r = self
                    .run_sql(q)
                    .map_err(|e| sql_context(e, &q.text).add_context(self.ctx(line, "PERFORM")))?;
                self.row_count = r.processed;
                self.set_found(r.processed > 0);
                Ok(Flow::Normal)
            }
            StmtKind::Sql { query, into } => {
                let r = self.run_sql(query).map_err(|e| {
                    sql_context(e, &query.text).add_context(self.ctx(line, "SQL statement"))
                })?;
                self.row_count = r.processed;
                if let Some(into) = into {
                    self.store_into(into, &r, "SQL statement")
                        .map_err(|e| e.add_context(self.ctx(line, "SQL statement")))?;
                }
                self.set_found(r.processed > 0);
                Ok(Flow::Normal)
            }
            StmtKind::Execute {
                command,
                into,
                using,
            } => {
                let r = self
                    .run_dynamic(command, using)
                    .map_err(|e| e.add_context(self.ctx(line, "EXECUTE")))?;
                self.row_count = r.0.processed;
                if let Some(into) = into {
                    self.store_into(into, &r.0, "EXECUTE")
                        .map_err(|e| e.add_context(self.ctx(line, "EXECUTE")))?;
                }
                Ok(Flow::Normal)
            }
            StmtKind::GetDiagnostics(items) => {
                for (var, _item) in items {
                    let n = Value::Int8(self.row_count as i64);
                    self.assign(var, n, &DataType::Int8)
                        .map_err(|e| e.add_context(self.ctx(line, "GET DIAGNOSTICS")))?;
                }
                Ok(Flow::Normal)
            }
            StmtKind::Raise {
                level,
                message,
                condition,
                args,
                options,
            } => {
                self.raise(
                    *level,
                    message.as_deref(),
                    condition.as_deref(),
                    args,
                    options,
                )
                .map_err(|e| e.add_context(self.ctx(line, "RAISE")))?;
                Ok(Flow::Normal)
            }
            StmtKind::ReRaise => match self.handling.last() {
                Some(e) => Err(e.clone()),
                None => Err(PgError::new(
                    SqlState("0Z002"),
                    "RAISE without parameters cannot be used outside an exception handler",
                )
                .add_context(self.ctx(line, "RAISE"))),
            },
            StmtKind::Assert { cond, message } => {
                if self
                    .spi
                    .state()
                    .settings
                    .get("plpgsql.check_asserts")
                    .as_deref()
                    == Some("off")
                {
                    return Ok(Flow::Normal);
                }
                let ok = {
                    let (v, _) = self
                        .eval(cond)
                        .map_err(|e| e.add_context(self.ctx(line, "ASSERT")))?;
                    v == Value::Bool(true)
                };
                if !ok {
                    let msg = match message {
                        Some(m) => self.text_of(m)?,
                        None => "assertion failed".into(),
                    };
                    return Err(
                        PgError::new(SqlState("P0004"), msg).add_context(self.ctx(line, "ASSERT"))
                    );
                }
                Ok(Flow::Normal)
            }
        }
    }

    fn text_of(&mut self, src: &Src) -> PgResult<String> {
        let (v, _) = self.eval(src)?;
        let style = self.spi.state().settings.style();
        Ok(if v.is_null() {
            "<NULL>".into()
        } else {
            v.to_pg_text_styled(&style).unwrap_or_default()
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn for_int(
        &mut self,
        line: u32,
        label: &Option<String>,
        var: &str,
        reverse: bool,
        lo: &Src,
        hi: &Src,
        step: Option<&Src>,
        body: &[Stmt],
    ) -> PgResult<Flow> {
        let what = "FOR with integer loop variable";
        let int = |it: &mut Self, s: &Src, name: &str| -> PgResult<i64> {
            let (v, t) = it.eval(s)?;
            match it.cast(v, &t, &DataType::Int8)? {
                Value::Int8(n) => Ok(n),
                _ => Err(PgError::new(
                    SqlState("22004"),
                    format!("{name} of FOR loop cannot be null"),
                )),
            }
        };
        let start =
            int(self, lo, "lower bound").map_err(|e| e.add_context(self.ctx(line, what)))?;
        let end = int(self, hi, "upper bound").map_err(|e| e.add_context(self.ctx(line, what)))?;
        let by = match step {
            Some(s) => int(self, s, "BY value").map_err(|e| e.add_context(self.ctx(line, what)))?,
            None => 1,
        };
        if by <= 0 {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "BY value of FOR loop must be greater than zero",
            )
            .add_context(self.ctx(line, what)));
        }
        self.vars.push(Var {
            name: var.to_string(),
            ty: Some(DataType::Int4),
            value: Value::Null,
            fields: None,
            constant: false,
            not_null: false,
        });
        self.generation += 1;
        let slot = self.vars.len() - 1;
        let mut i = start;
        let mut flow = Flow::Normal;
        let mut any = false;
        while (!reverse && i <= end) || (reverse && i >= end) {
            any = true;
            self.vars[slot].value =
                Value::Int4(i32::try_from(i).map_err(|_| PgError::out_of_range("integer"))?);
            if let Some(f) = self.loop_iteration(body, label)? {
                flow = f;
                break;
            }
            i = if reverse { i - by } else { i + by };
        }
        self.vars.truncate(slot);
        self.generation += 1;
        self.set_found(any);
        Ok(flow)
    }

    fn set_out_result(&mut self) -> PgResult<()> {
        if let Some(name) = self.out_vars.first().cloned() {
            if let Some(i) = self.find(&name) {
                self.result = self.vars[i].value.clone();
            }
        }
        Ok(())
    }

    fn do_return(&mut self, expr: Option<&Src>) -> PgResult<()> {
        match (&self.returns.clone(), expr) {
            (None, Some(_)) => Err(PgError::syntax(
                "RETURN cannot have a parameter in function returning void",
            )),
            (None, None)
            | (Some(FuncReturn::SetOf(_)), None)
            | (Some(FuncReturn::Table(_)), None) => Ok(()),
            (Some(FuncReturn::Scalar(DataType::Void)), _) => Ok(()),
            (Some(FuncReturn::Scalar(_)), None) => self.set_out_result(),
            (Some(FuncReturn::Scalar(ty)), Some(e)) => {
                let (v, t) = self.eval(e)?;
                self.result = self.cast(v, &t, ty)?;
                Ok(())
            }
            (Some(_), Some(_)) => Err(PgError::syntax(
                "RETURN cannot have a parameter in function returning set",
            )
            .with_hint("Use RETURN NEXT or RETURN QUERY.")),
        }
    }

    fn return_next(&mut self, expr: Option<&Src>) -> PgResult<()> {
        match (self.returns.clone(), expr) {
            (Some(FuncReturn::SetOf(ty)), Some(e)) => {
                let (v, t) = self.eval(e)?;
                let v = self.cast(v, &t, &ty)?;
                self.rows.push(vec![v]);
                Ok(())
            }
            (Some(FuncReturn::Table(_)), None) | (Some(FuncReturn::SetOf(_)), None) => {
                let mut row = Vec::new();
                for name in self.out_vars.clone() {
                    let i = self
                        .find(&name)
                        .ok_or_else(|| PgError::internal("OUT variable vanished"))?;
                    row.push(self.vars[i].value.clone());
                }
                self.rows.push(row);
                Ok(())
            }
            _ => Err(PgError::syntax(
                "cannot use RETURN NEXT in a non-SETOF function",
            )),
        }
    }

    fn raise(
        &mut self,
        level: RaiseLevel,
        message: Option<&str>,
        condition: Option<&str>,
        args: &[Src],
        options: &[(String, Src)],
    ) -> PgResult<()> {
        let mut text = String::new();
        if let Some(fmt) = message {
            let mut values = Vec::new();
            for a in args {
                values.push(self.text_of(a)?);
            }
            let mut it = values.into_iter();
            let mut chars = fmt.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '%' {
                    if chars.peek() == Some(&'%') {
                        chars.next();
                        text.push('%');
                    } else {
                        text.push_str(&it.next().unwrap_or_default());
                    }
                } else {
                    text.push(c);
                }
            }
        }
        let mut code = match condition {
            Some(c) => {
                if message.is_none() && !c.starts_with("sqlstate:") {
                    text = c.to_string();
                }
                Some(code_for_name(c)?)
            }
            None => None,
        };
        let mut detail = None;
        let mut hint = None;
        for (opt, e) in options {
            let v = self.text_of(e)?;
            match opt.as_str() {
                "MESSAGE" => text = v,
                "DETAIL" => detail = Some(v),
                "HINT" => hint = Some(v),
                "ERRCODE" => {
                    code = Some(
                        if v.len() == 5
                            && v.chars().all(|c| c.is_ascii_alphanumeric())
                            && condition_code(&v).is_none()
                        {
                            SqlState(leak(&v))
                        } else {
                            code_for_name(&v)?
                        },
                    )
                }
                _ => {}
            }
        }
        if message.is_none() && condition.is_some() && text.is_empty() {
            text = condition.unwrap_or_default().to_string();
        }
        if level == RaiseLevel::Exception {
            let mut e = PgError::new(code.unwrap_or(SqlState::RAISE_EXCEPTION), text);
            e.detail = detail;
            e.hint = hint;
            return Err(e);
        }
        let (severity, rank) = match level {
            RaiseLevel::Debug => ("DEBUG", 1),
            RaiseLevel::Log => ("LOG", 2),
            RaiseLevel::Info => ("INFO", 99),
            RaiseLevel::Notice => ("NOTICE", 3),
            RaiseLevel::Warning => ("WARNING", 4),
            RaiseLevel::Exception => ("ERROR", 5),
        };
        let min = match self
            .spi
            .state()
            .settings
            .get("client_min_messages")
            .as_deref()
        {
            Some(s) if s.starts_with("debug") => 1,
            Some("log") => 2,
            Some("warning") => 4,
            Some("error") => 5,
            _ => 3,
        };
        if rank < min {
            return Ok(());
        }
        let mut n = PgError::new(code.unwrap_or(SqlState::SUCCESSFUL_COMPLETION), text);
        if code.is_none() && level == RaiseLevel::Warning {
            n.code = SqlState::WARNING;
        }
        n.severity = severity;
        n.detail = detail;
        n.hint = hint;
        self.spi.state().notices.push(n);
        Ok(())
    }
}

/// An error found while binding an embedded statement: its position refers to that text.
fn internal_query(mut e: PgError, text: &str) -> PgError {
    if let Some(p) = e.position.take() {
        if e.internal_query.is_none() {
            e.internal_query = Some(text.to_string());
            e.internal_position = Some(p);
        }
    }
    e
}

/// Runtime errors of an embedded SQL statement name the statement.
fn sql_context(e: PgError, text: &str) -> PgError {
    if e.internal_query.is_some() {
        e
    } else {
        e.add_context(format!("SQL statement \"{text}\""))
    }
}
