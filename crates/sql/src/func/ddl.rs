//! CREATE / DROP / ALTER FUNCTION and PROCEDURE, DO and CALL.

use rampart_catalog::{ArgMode, Catalog, FuncArg, FuncReturn, Function};
use rampart_security::{Need, ObjectRef, Privilege};
use rampart_types::{DataType, PgError, PgResult, SqlState};

use super::parse::{
    AlterAction, AlterFunction, CreateFunction, DropFunction, FuncOptions, FuncStmt,
};
use super::spi::{self, Vars};
use crate::ddl::with_catalog_mut;
use crate::session::{QueryResult, Session};

fn cmd(tag: &str) -> PgResult<QueryResult> {
    Ok(QueryResult::Command {
        tag: tag.to_string(),
    })
}

fn kind_word(kind: char) -> &'static str {
    match kind {
        'p' => "procedure",
        'a' => "aggregate",
        'r' => "routine",
        _ => "function",
    }
}

fn tag_word(kind: char) -> &'static str {
    match kind {
        'p' => "PROCEDURE",
        'a' => "AGGREGATE",
        'r' => "ROUTINE",
        _ => "FUNCTION",
    }
}

/// Runs a routine statement.
pub fn run(s: &mut Session, stmt: &FuncStmt) -> PgResult<QueryResult> {
    match stmt {
        FuncStmt::Create(c) => create(s, c),
        FuncStmt::Drop(d) => drop(s, d),
        FuncStmt::Alter(a) => alter(s, a),
        FuncStmt::CreateAggregate(c) => super::aggregate::create(s, c),
        FuncStmt::Do {
            language,
            body,
            body_offset,
        } => run_do(s, language, body, *body_offset),
    }
}

fn must_own(s: &Session, cat: &Catalog, f: &Function) -> PgResult<()> {
    let me = crate::privileges::principal_for(cat, &s.state.current_user())?;
    if me.superuser || rampart_security::roles::has_privs_of(cat, me.role_oid, f.owner) {
        return Ok(());
    }
    Err(PgError::new(
        SqlState::INSUFFICIENT_PRIVILEGE,
        format!("must be owner of {} {}", kind_word(f.kind), f.name),
    ))
}

fn leakproof_allowed(s: &Session, cat: &Catalog, o: &FuncOptions) -> PgResult<()> {
    if o.leakproof == Some(true)
        && !crate::privileges::principal_for(cat, &s.state.current_user())?.superuser
    {
        return Err(PgError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            "only superuser can define a leakproof function",
        ));
    }
    Ok(())
}

/// Moves an error position found in a body to the CREATE statement's text.
fn shift(mut e: PgError, body_offset: u32) -> PgError {
    if let Some(p) = e.position {
        e.position = Some(p + body_offset.saturating_sub(1));
    }
    e
}

fn create(s: &mut Session, c: &CreateFunction) -> PgResult<QueryResult> {
    let kind = if c.procedure { 'p' } else { 'f' };
    let language = c.language.clone().unwrap_or_else(|| "sql".into());
    if !matches!(language.as_str(), "sql" | "plpgsql" | "internal") {
        return Err(PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("language \"{language}\" does not exist"),
        ));
    }
    // `internal` is an untrusted language: superusers only, as in PostgreSQL.
    if language == "internal" {
        let cat = s.catalog()?;
        if !crate::privileges::principal_for(&cat, &s.state.current_user())?.superuser {
            return Err(PgError::new(
                SqlState::INSUFFICIENT_PRIVILEGE,
                "permission denied for language internal",
            ));
        }
    }
    let body = c.body.clone().ok_or_else(|| {
        PgError::new(
            SqlState::INVALID_FUNCTION_DEFINITION,
            "no function body specified",
        )
    })?;
    let outs: Vec<&super::parse::ArgDecl> = c
        .args
        .iter()
        .filter(|a| a.mode != ArgMode::In && a.mode != ArgMode::Variadic)
        .collect();
    let returns =
        match (&c.returns, kind) {
            (_, 'p') => FuncReturn::Scalar(DataType::Void),
            (Some(r), _) => r.clone(),
            (None, _) => match outs.as_slice() {
                [] => {
                    return Err(PgError::new(
                        SqlState::INVALID_FUNCTION_DEFINITION,
                        "function result type must be specified",
                    ))
                }
                [one] => FuncReturn::Scalar(one.ty.clone()),
                _ => return Err(PgError::unsupported(
                    "functions with several OUT arguments (returning record) are not supported yet",
                )),
            },
        };
    let args: Vec<FuncArg> = c
        .args
        .iter()
        .map(|a| FuncArg {
            name: a.name.clone(),
            ty: a.ty.clone(),
            mode: a.mode,
            default: a.default.clone(),
        })
        .collect();
    let (schema_name, name) = match c.name.as_slice() {
        [s, n] => (Some(s.clone()), n.clone()),
        [n] => (None, n.clone()),
        _ => return Err(PgError::syntax("improper qualified name")),
    };
    let mut f = Function {
        oid: 0,
        schema: 0,
        name: name.clone(),
        kind,
        args,
        returns,
        language,
        body,
        volatility: c.options.volatility.unwrap_or('v'),
        strict: c.options.strict.unwrap_or(false),
        security_definer: c.options.security_definer.unwrap_or(false),
        leakproof: c.options.leakproof.unwrap_or(false),
        cost: c
            .options
            .cost
            .unwrap_or_else(rampart_catalog::default_function_cost),
        config: c
            .options
            .config
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
            .collect(),
        owner: 0,
        acl: None,
        aggregate: None,
    };
    for (k, v) in &f.config {
        crate::guc::Settings::default().set(k, v, false)?;
    }
    let catalog = s.catalog()?;
    leakproof_allowed(s, &catalog, &c.options)?;
    // Defaults are checked against their argument's type and kept as PostgreSQL shows them.
    for a in f.args.iter_mut() {
        if let Some(d) = &a.default {
            let ast = crate::parser::parse_expr(d)?;
            let mut b = crate::bind::Binder::new(&catalog, s.state.search_path(), vec![]);
            let scope = crate::bind::Scope::default();
            let mut cx = crate::bind::expr::ExprCtx::new(&scope, "DEFAULT expressions");
            let (e, t) = b.bind_expr(&ast, &mut cx)?;
            let e = b.coerce(e, &t, &a.ty)?;
            if let Some(shown) = crate::deparse::deparse(&e, &[]) {
                a.default = Some(shown);
            }
        }
    }
    validate(s, &catalog, &f).map_err(|e| shift(e, c.body_offset))?;
    install(s, f, schema_name, c.or_replace)
}

/// USAGE on a trusted language, which creating a function in it needs
/// (PUBLIC has it unless revoked); untrusted ones are checked apart.
fn language_need(language: &str) -> Option<Need> {
    let (oid, _, trusted) = rampart_catalog::language_by_name(language)?;
    trusted.then_some(Need {
        object: ObjectRef::Language(oid),
        privilege: Privilege::Usage,
        columns: vec![],
        as_role: None,
        position: None,
    })
}

/// Stores a new routine (or replaces one, `or_replace`) in its schema:
/// CREATE on the schema, ownership, the default privileges.
pub(super) fn install(
    s: &mut Session,
    mut f: Function,
    schema_name: Option<String>,
    or_replace: bool,
) -> PgResult<QueryResult> {
    let tag = format!("CREATE {}", tag_word(f.kind));
    with_catalog_mut(s, |cat, _txn, s| {
        let schema = crate::ddl::creation_schema(cat, s, schema_name)?;
        let need = Need {
            object: ObjectRef::Schema(schema.oid),
            privilege: Privilege::Create,
            columns: vec![],
            as_role: None,
            position: None,
        };
        s.authorize((), &[need], cat)?;
        // After the schema, as PostgreSQL's CreateFunction checks them.
        if f.kind != 'a' {
            if let Some(need) = language_need(&f.language) {
                s.authorize((), &[need], cat)?;
            }
        }
        f.schema = schema.oid;
        f.owner = cat
            .role(&s.state.current_user())
            .map(|r| r.oid)
            .unwrap_or(rampart_catalog::BOOTSTRAP_SUPERUSER_OID);
        let inputs = f.input_types();
        let existing = cat
            .functions
            .values()
            .find(|g| g.schema == schema.oid && g.name == f.name && g.input_types() == inputs)
            .cloned();
        match existing {
            Some(old) if !or_replace => Err(PgError::new(
                SqlState::DUPLICATE_FUNCTION,
                format!(
                    "function \"{}\" already exists with same argument types",
                    old.name
                ),
            )),
            Some(old) => {
                must_own(s, cat, &old)?;
                if old.kind != f.kind {
                    return Err(PgError::new(
                        SqlState::WRONG_OBJECT_TYPE,
                        "cannot change routine kind",
                    )
                    .with_detail(format!(
                        "\"{}\" is a {}.",
                        old.name,
                        kind_word(old.kind)
                    )));
                }
                if old.returns != f.returns {
                    return Err(PgError::new(
                        SqlState::INVALID_FUNCTION_DEFINITION,
                        "cannot change return type of existing function",
                    )
                    .with_hint(format!(
                        "Use DROP {} {} first.",
                        tag_word(old.kind),
                        old.signature()
                    )));
                }
                f.oid = old.oid;
                f.owner = old.owner;
                f.acl = old.acl.clone();
                cat.functions.insert(f.oid, f);
                cmd(&tag)
            }
            None => {
                f.oid = cat.alloc_oid();
                f.acl = crate::default_privs::initial_acl(cat, f.owner, schema.oid, 'f');
                cat.functions.insert(f.oid, f);
                cmd(&tag)
            }
        }
    })
}

/// Checks a body the way PostgreSQL does with check_function_bodies = on.
fn validate(s: &Session, catalog: &Catalog, f: &Function) -> PgResult<()> {
    match f.language.as_str() {
        "internal" => super::internal::check(&f.body),
        "plpgsql" => {
            let mut names: Vec<String> = f.args.iter().filter_map(|a| a.name.clone()).collect();
            if let FuncReturn::Table(cols) = &f.returns {
                names.extend(cols.iter().map(|(n, _)| n.clone()));
            }
            crate::plpgsql::parse::parse_body(&f.body, &names, &f.name).map(|_| ())
        }
        _ => {
            let stmts: Vec<crate::parser::Stmt> = crate::parser::parse(&f.body)?;
            let (names, types) = f.input_params();
            let vars = Vars {
                names: &names,
                types: &types,
            };
            let mut last_cols = None;
            let mut all_data = true;
            for st in &stmts {
                match st {
                    crate::parser::Stmt::Sql(st) if spi::is_data(st) => {
                        if all_data {
                            let (_, cols, _) =
                                spi::bind_statement(catalog, &s.state, st, &f.body, &vars)?;
                            last_cols = Some(cols);
                        }
                    }
                    _ => {
                        // Later statements may use what this one creates.
                        all_data = false;
                        last_cols = None;
                    }
                }
            }
            let want = match &f.returns {
                FuncReturn::Scalar(DataType::Void) => return Ok(()),
                FuncReturn::Scalar(t) | FuncReturn::SetOf(t) => t.clone(),
                FuncReturn::Table(_) => return Ok(()),
            };
            if !all_data {
                return Ok(());
            }
            let mismatch = |detail: String| {
                PgError::new(
                    SqlState::INVALID_FUNCTION_DEFINITION,
                    format!(
                        "return type mismatch in function declared to return {}",
                        want.display_name()
                    ),
                )
                .with_detail(detail)
                .add_context(format!("SQL function \"{}\"", f.name))
            };
            match last_cols {
                Some(cols) if !cols.is_empty() => {
                    if cols.len() > 1 {
                        return Err(mismatch(
                            "Final statement must return exactly one column.".into(),
                        ));
                    }
                    if !super::implicit_cast(&cols[0].ty, &want) {
                        return Err(mismatch(format!(
                            "Actual return type is {}.",
                            cols[0].ty.display_name()
                        )));
                    }
                    Ok(())
                }
                _ => Err(mismatch(
                    "Function's final statement must be SELECT or INSERT/UPDATE/DELETE RETURNING."
                        .into(),
                )),
            }
        }
    }
}

fn drop(s: &mut Session, d: &DropFunction) -> PgResult<QueryResult> {
    let search_path = s.state.search_path();
    let tag = format!("DROP {}", tag_word(d.kind));
    with_catalog_mut(s, |cat, _txn, s| {
        for item in &d.items {
            let found = super::find_routine(cat, item, &search_path, d.kind)?.cloned();
            let Some(f) = found else {
                if d.if_exists {
                    s.state.notice(format!(
                        "{} {} does not exist, skipping",
                        kind_word(d.kind),
                        super::ref_display_parsed(item)
                    ));
                    continue;
                }
                // DROP FUNCTION naming a procedure (and the reverse) says what it is.
                if let Some(other) = super::find_routine(cat, item, &search_path, 'r')? {
                    let message = if d.kind == 'a' {
                        format!("function {} is not an aggregate", other.signature())
                    } else {
                        format!("{} is not a {}", other.signature(), kind_word(d.kind))
                    };
                    return Err(PgError::new(SqlState::WRONG_OBJECT_TYPE, message));
                }
                return Err(super::not_found(item, d.kind));
            };
            if f.kind == 'a' && d.kind != 'a' {
                return Err(PgError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    format!("\"{}\" is an aggregate function", f.name),
                )
                .with_hint("Use DROP AGGREGATE to drop aggregate functions."));
            }
            must_own(s, cat, &f)?;
            cat.functions.remove(&f.oid);
        }
        cmd(&tag)
    })
}

fn alter(s: &mut Session, a: &AlterFunction) -> PgResult<QueryResult> {
    let search_path = s.state.search_path();
    let tag = format!("ALTER {}", tag_word(a.kind));
    with_catalog_mut(s, |cat, _txn, s| {
        let f = super::find_routine(cat, &a.routine, &search_path, a.kind)?
            .cloned()
            .ok_or_else(|| super::not_found(&a.routine, a.kind))?;
        let mut g = f.clone();
        match &a.action {
            AlterAction::OwnerTo(owner) => {
                let new = crate::owned::check_owner_change(
                    cat,
                    s,
                    kind_word(f.kind),
                    &f.name,
                    f.owner,
                    owner,
                    crate::owned::Container::Schema(f.schema),
                )?;
                crate::owned::acl_new_owner(&mut g.acl, f.owner, new);
                g.owner = new;
            }
            AlterAction::RenameTo(name) => {
                must_own(s, cat, &f)?;
                let inputs = f.input_types();
                if cat
                    .functions
                    .values()
                    .any(|h| h.schema == f.schema && &h.name == name && h.input_types() == inputs)
                {
                    let schema = cat
                        .schema_by_oid(f.schema)
                        .map(|x| x.name.clone())
                        .unwrap_or_default();
                    g.name = name.clone();
                    return Err(PgError::new(
                        SqlState::DUPLICATE_FUNCTION,
                        format!(
                            "function {} already exists in schema \"{schema}\"",
                            g.signature()
                        ),
                    ));
                }
                g.name = name.clone();
            }
            AlterAction::SetSchema(schema) => {
                must_own(s, cat, &f)?;
                let sc = cat.schema(schema).cloned().ok_or_else(|| {
                    PgError::new(
                        SqlState::INVALID_SCHEMA_NAME,
                        format!("schema \"{schema}\" does not exist"),
                    )
                })?;
                g.schema = sc.oid;
            }
            AlterAction::Options(o) => {
                must_own(s, cat, &f)?;
                leakproof_allowed(s, cat, o)?;
                if let Some(v) = o.volatility {
                    g.volatility = v;
                }
                if let Some(v) = o.strict {
                    g.strict = v;
                }
                if let Some(v) = o.security_definer {
                    g.security_definer = v;
                }
                if let Some(v) = o.leakproof {
                    g.leakproof = v;
                }
                if let Some(v) = o.cost {
                    g.cost = v;
                }
                for (k, v) in &o.config {
                    match v {
                        Some(v) => {
                            crate::guc::Settings::default().set(k, v, false)?;
                            g.config.retain(|(n, _)| n != k);
                            g.config.push((k.clone(), v.clone()));
                        }
                        None if k == "all" => g.config.clear(),
                        None => g.config.retain(|(n, _)| n != k),
                    }
                }
            }
        }
        cat.functions.insert(g.oid, g);
        cmd(&tag)
    })
}

/// DO: runs an anonymous PL/pgSQL block in the session's transaction.
fn run_do(s: &mut Session, language: &str, body: &str, body_offset: u32) -> PgResult<QueryResult> {
    match language {
        "plpgsql" => {}
        "sql" => {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "language \"sql\" does not support inline code execution",
            ))
        }
        other => {
            return Err(PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("language \"{other}\" does not exist"),
            ))
        }
    }
    let cat = s.catalog()?;
    if let Some(need) = language_need("plpgsql") {
        s.authorize((), &[need], &cat)?;
    }
    let block = crate::plpgsql::compile(body, &[], "inline_code_block")
        .map_err(|e| shift(e, body_offset))?;
    crate::plpgsql::exec::run(
        s,
        &block,
        "PL/pgSQL function inline_code_block".into(),
        vec![],
        vec![],
        None,
    )?;
    cmd("DO")
}

/// CALL procedure(args).
pub fn run_call(s: &mut Session, call: &sqlparser::ast::Function) -> PgResult<QueryResult> {
    let catalog = s.catalog()?;
    let name: Vec<String> = call
        .name
        .0
        .iter()
        .filter_map(|p| p.as_ident())
        .map(crate::bind::ident)
        .collect();
    let mut arg_exprs = Vec::new();
    if let sqlparser::ast::FunctionArguments::List(list) = &call.args {
        for a in &list.args {
            match a {
                sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) => {
                    arg_exprs.push(e.to_string())
                }
                _ => {
                    return Err(PgError::unsupported(
                        "named arguments in CALL are not supported yet",
                    ))
                }
            }
        }
    }
    let vars = Vars {
        names: &[],
        types: &[],
    };
    let mut bound = Vec::new();
    for e in &arg_exprs {
        bound.push(spi::bind_expr_text(&catalog, &s.state, e, &vars)?);
    }
    let types: Vec<DataType> = bound.iter().map(|b| b.ty.clone()).collect();
    let (schema, pname) = match name.as_slice() {
        [s, n] => (Some(s.as_str()), n.as_str()),
        [n] => (None, n.as_str()),
        _ => return Err(PgError::syntax("improper qualified name")),
    };
    let schema_need = match schema {
        Some(sc) => {
            let position = call
                .name
                .0
                .first()
                .and_then(|p| p.as_ident())
                .and_then(|id| {
                    crate::bind::Binder::new(&catalog, vec![], vec![])
                        .with_source(&s.current_sql)
                        .position(id.span)
                });
            super::routine_schema_usage(&catalog, sc, position)?
        }
        None => None,
    };
    let search_path = s.state.search_path();
    let procs: Vec<&Function> = super::candidates(&catalog, schema, pname, &search_path)
        .into_iter()
        .filter(|f| f.kind == 'p')
        .filter(|f| {
            let inputs = f.input_types();
            inputs.len() >= types.len()
                && types
                    .iter()
                    .zip(&inputs)
                    .all(|(t, i)| super::implicit_cast(t, i))
        })
        .collect();
    let f = procs.first().copied().cloned().ok_or_else(|| {
        let sig: Vec<String> = types.iter().map(|t| t.display_name()).collect();
        let position = call.name.0.first().and_then(|p| p.as_ident()).and_then(|id| {
            crate::bind::Binder::new(&catalog, vec![], vec![])
                .with_source(&s.current_sql)
                .position(id.span)
        });
        let e = PgError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("procedure {}({}) does not exist", name.join("."), sig.join(", ")),
        )
        .with_hint("No procedure matches the given name and argument types. You might need to add explicit type casts.");
        match position {
            Some(p) => e.with_position(p),
            None => e,
        }
    })?;
    let need = Need {
        object: ObjectRef::Function(f.oid),
        privilege: Privilege::Execute,
        columns: vec![],
        as_role: None,
        position: None,
    };
    let mut needs: Vec<Need> = schema_need.into_iter().collect();
    needs.push(need);
    s.authorize((), &needs, &catalog)?;
    let mut values = Vec::new();
    for (b, want) in bound.iter().zip(f.input_types()) {
        let v = <Session as spi::Spi>::eval(s, b, &[])?;
        let v = if v.is_null() || b.ty == want {
            v
        } else {
            crate::exec::cast::cast_value(v, &b.ty, &want, &s.state.settings.style())?
        };
        values.push(v);
    }
    let inputs: Vec<&FuncArg> = f.args.iter().filter(|a| a.mode.is_input()).collect();
    for a in inputs.iter().skip(values.len()) {
        let Some(d) = &a.default else {
            return Err(PgError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("procedure {} does not exist", f.signature()),
            ));
        };
        let b = spi::bind_expr_text(&catalog, &s.state, d, &vars)?;
        let v = <Session as spi::Spi>::eval(s, &b, &[])?;
        values.push(if v.is_null() || b.ty == a.ty {
            v
        } else {
            crate::exec::cast::cast_value(v, &b.ty, &a.ty, &s.state.settings.style())?
        });
    }
    super::call::invoke(s, &catalog, &f, values)?;
    cmd("CALL")
}
