//! Binding calls of user-defined functions: overload resolution, argument
//! coercion, DEFAULT arguments, and the EXECUTE need.

use rampart_catalog::FuncReturn;
use rampart_security::{ObjectRef, Privilege};
use rampart_types::{DataType, PgError, PgResult};

use super::expr::ExprCtx;
use super::{Binder, Scope};
use crate::expr::Expr;

impl Binder<'_> {
    /// For a schema-qualified routine name: the schema must exist (3F000 at
    /// the name) and looking the routine up in it needs USAGE, as
    /// PostgreSQL's LookupExplicitNamespace (pg_catalog is open to all).
    pub fn qualified_routine_schema(&mut self, name: &sqlparser::ast::ObjectName) -> PgResult<()> {
        let [first, _] = name.0.as_slice() else {
            return Ok(());
        };
        let Some(id) = first.as_ident() else {
            return Ok(());
        };
        let position = self.position(id.span);
        let schema = crate::func::routine_schema_usage(self.catalog, &super::ident(id), position)?;
        self.needs.extend(schema);
        Ok(())
    }

    /// Binds `name(args)` to a user-defined function; Ok(None) when none matches.
    pub fn bind_user_call(
        &mut self,
        schema: Option<&str>,
        name: &str,
        bound: Vec<Expr>,
        types: &[DataType],
    ) -> PgResult<Option<(Expr, DataType)>> {
        let Some((f, args)) = self.resolve_user_call(schema, name, bound, types)? else {
            return Ok(None);
        };
        let ret = match &f.returns {
            FuncReturn::Scalar(t) => t.clone(),
            FuncReturn::SetOf(_) | FuncReturn::Table(_) => {
                return Err(PgError::unsupported(format!(
                    "set-returning function {name}() is only supported in FROM yet"
                )))
            }
        };
        Ok(Some((Expr::Call { oid: f.oid, args }, ret)))
    }

    /// Resolves a call to a user-defined function: the function and its
    /// arguments coerced to the parameter types with DEFAULTs appended.
    /// Records the EXECUTE need.
    pub fn resolve_user_call(
        &mut self,
        schema: Option<&str>,
        name: &str,
        bound: Vec<Expr>,
        types: &[DataType],
    ) -> PgResult<Option<(rampart_catalog::Function, Vec<Expr>)>> {
        let catalog = self.catalog;
        let Some(f) = crate::func::resolve(catalog, schema, name, &self.search_path, types)? else {
            let is_procedure = crate::func::candidates(catalog, schema, name, &self.search_path)
                .iter()
                .any(|p| {
                    let inputs = p.input_types();
                    p.kind == 'p'
                        && inputs.len() == types.len()
                        && types
                            .iter()
                            .zip(&inputs)
                            .all(|(t, i)| crate::func::implicit_cast(t, i))
                });
            if is_procedure {
                let sig: Vec<String> = types.iter().map(|t| t.display_name()).collect();
                return Err(PgError::new(
                    rampart_types::SqlState::WRONG_OBJECT_TYPE,
                    format!("{name}({}) is a procedure", sig.join(", ")),
                )
                .with_hint("To call a procedure, use CALL."));
            }
            return Ok(None);
        };
        let inputs: Vec<&rampart_catalog::FuncArg> =
            f.args.iter().filter(|a| a.mode.is_input()).collect();
        let mut args = Vec::new();
        for ((e, t), a) in bound.into_iter().zip(types).zip(&inputs) {
            args.push(self.coerce(e, t, &a.ty)?);
        }
        for a in inputs.iter().skip(args.len()) {
            let text = a
                .default
                .as_deref()
                .ok_or_else(|| PgError::internal("missing default argument"))?;
            let ast = crate::parser::parse_expr(text)?;
            let scope = Scope::default();
            let mut cx = ExprCtx::new(&scope, "DEFAULT expressions");
            let (e, t) = self.bind_expr(&ast, &mut cx)?;
            args.push(self.coerce(e, &t, &a.ty)?);
        }
        self.need(ObjectRef::Function(f.oid), Privilege::Execute);
        Ok(Some((f.clone(), args)))
    }
}
