//! User-defined aggregates: `CREATE AGGREGATE name (types) (SFUNC = f,
//! STYPE = t [, INITCOND = 'v'] [, FINALFUNC = g])`, stored as a `pg_proc`
//! entry of kind `a` that GRANT, REVOKE, has_function_privilege and DROP
//! AGGREGATE treat as PostgreSQL does, and run by the executor's
//! aggregation ([`crate::exec`]'s `agg` module).
//!
//! Partial: the transition function is a user function or one of the
//! built-in ones in [`builtin_transition`]; the final function, when
//! given, is a user function; no moving-aggregate, combine or serial
//! functions, no ORDER BY inside the call, no `pg_aggregate` view.

use rampart_catalog::{AggStep, AggregateDef, ArgMode, FuncArg, FuncReturn, Function};
use rampart_types::{DataType, PgError, PgResult, SqlState};

use super::parse::CreateAggregate;
use crate::expr::BinOp;
use crate::session::{QueryResult, Session};

/// What a built-in transition function does with the state and one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOp {
    /// An operator: `state op input`.
    Binary(BinOp),
    /// The greater of the two.
    Larger,
    /// The lesser of the two.
    Smaller,
    /// `int4_sum`: NULL state takes the input (as the state's type).
    Sum,
}

/// A built-in transition function: (state type, input type, strict, what).
pub struct BuiltinStep {
    /// The state's type.
    pub state: DataType,
    /// The input's type.
    pub input: DataType,
    /// STRICT: NULL input leaves the state; a NULL state takes the first input.
    pub strict: bool,
    /// The computation.
    pub op: StepOp,
}

/// The built-in functions an aggregate may name as SFUNC.
pub fn builtin_transition(name: &str) -> Option<BuiltinStep> {
    use DataType as T;
    let step = |state: T, input: T, strict: bool, op: StepOp| BuiltinStep {
        state,
        input,
        strict,
        op,
    };
    let same = |t: T, op: StepOp| step(t.clone(), t, true, op);
    Some(match name {
        "int2pl" => same(T::Int2, StepOp::Binary(BinOp::Add)),
        "int4pl" => same(T::Int4, StepOp::Binary(BinOp::Add)),
        "int8pl" => same(T::Int8, StepOp::Binary(BinOp::Add)),
        "float4pl" => same(T::Float4, StepOp::Binary(BinOp::Add)),
        "float8pl" => same(T::Float8, StepOp::Binary(BinOp::Add)),
        "numeric_add" => same(T::Numeric(None), StepOp::Binary(BinOp::Add)),
        "int4mul" => same(T::Int4, StepOp::Binary(BinOp::Mul)),
        "int8mul" => same(T::Int8, StepOp::Binary(BinOp::Mul)),
        "float8mul" => same(T::Float8, StepOp::Binary(BinOp::Mul)),
        "int4larger" => same(T::Int4, StepOp::Larger),
        "int8larger" => same(T::Int8, StepOp::Larger),
        "float8larger" => same(T::Float8, StepOp::Larger),
        "text_larger" => same(T::Text, StepOp::Larger),
        "int4smaller" => same(T::Int4, StepOp::Smaller),
        "int8smaller" => same(T::Int8, StepOp::Smaller),
        "float8smaller" => same(T::Float8, StepOp::Smaller),
        "text_smaller" => same(T::Text, StepOp::Smaller),
        "textcat" => same(T::Text, StepOp::Binary(BinOp::Concat)),
        "int2_sum" => step(T::Int8, T::Int2, false, StepOp::Sum),
        "int4_sum" => step(T::Int8, T::Int4, false, StepOp::Sum),
        _ => return None,
    })
}

fn undefined_function(name: &str, types: &[DataType]) -> PgError {
    let sig: Vec<String> = types.iter().map(|t| t.display_name()).collect();
    PgError::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("function {name}({}) does not exist", sig.join(", ")),
    )
}

/// `schema.name` / `name` as written in an option value.
fn routine_name(text: &str) -> (Option<String>, String) {
    let parts: Vec<String> = text
        .split('.')
        .map(|p| p.trim().trim_matches('"').to_string())
        .collect();
    match parts.as_slice() {
        [s, n] => (Some(s.clone()), n.clone()),
        _ => (None, text.trim().trim_matches('"').to_lowercase()),
    }
}

/// Runs CREATE AGGREGATE.
pub fn create(s: &mut Session, c: &CreateAggregate) -> PgResult<QueryResult> {
    let option = |k: &str| c.options.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    for (k, _) in &c.options {
        if !matches!(k.as_str(), "sfunc" | "stype" | "initcond" | "finalfunc") {
            return Err(PgError::unsupported(format!(
                "aggregate attribute \"{k}\" is not supported yet"
            )));
        }
    }
    let stype = option("stype").ok_or_else(|| {
        PgError::new(
            SqlState::INVALID_FUNCTION_DEFINITION,
            "aggregate stype must be specified",
        )
    })?;
    let sfunc = option("sfunc").ok_or_else(|| {
        PgError::new(
            SqlState::INVALID_FUNCTION_DEFINITION,
            "aggregate sfunc must be specified",
        )
    })?;
    let state_type = super::parse::type_from_text(stype)?;
    let catalog = s.catalog()?;
    let search_path = s.state.search_path();
    // The transition function takes the state and the inputs.
    let step_types: Vec<DataType> = std::iter::once(state_type.clone())
        .chain(c.args.iter().cloned())
        .collect();
    let (schema, name) = routine_name(sfunc);
    let transition = match super::resolve(
        &catalog,
        schema.as_deref(),
        &name,
        &search_path,
        &step_types,
    )? {
        Some(f) if f.input_types() == step_types => {
            if f.returns != FuncReturn::Scalar(state_type.clone()) {
                return Err(PgError::new(
                    SqlState::DATATYPE_MISMATCH,
                    format!(
                        "return type of transition function {name} is not {}",
                        state_type.display_name()
                    ),
                ));
            }
            AggStep::Function(f.oid)
        }
        _ => match builtin_transition(&name) {
            Some(b)
                if schema.as_deref().is_none_or(|s| s == "pg_catalog")
                    && b.state == state_type
                    && c.args.as_slice() == [b.input.clone()] =>
            {
                AggStep::Builtin(name.clone())
            }
            _ => return Err(undefined_function(&name, &step_types)),
        },
    };
    let (finish, result) = match option("finalfunc") {
        None => (None, state_type.clone()),
        Some(text) => {
            let (schema, name) = routine_name(text);
            let inputs = [state_type.clone()];
            let f = super::resolve(&catalog, schema.as_deref(), &name, &search_path, &inputs)?
                .filter(|f| f.input_types() == inputs)
                .ok_or_else(|| undefined_function(&name, &inputs))?;
            let FuncReturn::Scalar(t) = &f.returns else {
                return Err(PgError::unsupported("set-returning final functions"));
            };
            (Some(AggStep::Function(f.oid)), t.clone())
        }
    };
    let initial = option("initcond").cloned();
    if let Some(text) = &initial {
        // Checked now, as PostgreSQL checks it against the state type.
        crate::exec::cast::cast_value(
            rampart_types::Value::Text(text.clone()),
            &DataType::Text,
            &state_type,
            &s.state.settings.style(),
        )?;
    }
    let (schema_name, name) = match c.name.as_slice() {
        [s, n] => (Some(s.clone()), n.clone()),
        [n] => (None, n.clone()),
        _ => return Err(PgError::syntax("improper qualified name")),
    };
    let f = Function {
        oid: 0,
        schema: 0,
        name,
        kind: 'a',
        args: c
            .args
            .iter()
            .map(|t| FuncArg {
                name: None,
                ty: t.clone(),
                mode: ArgMode::In,
                default: None,
            })
            .collect(),
        returns: FuncReturn::Scalar(result),
        language: "internal".into(),
        body: "aggregate_dummy".into(),
        volatility: 'i',
        strict: false,
        security_definer: false,
        leakproof: false,
        cost: 1.0,
        config: vec![],
        owner: 0,
        acl: None,
        aggregate: Some(AggregateDef {
            transition,
            state_type,
            initial,
            finish,
        }),
    };
    super::ddl::install(s, f, schema_name, c.or_replace)
}
