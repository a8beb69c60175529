//! Expression evaluation with SQL's three-valued logic.

use rampart_types::{PgError, PgResult, SqlState, Value};

use super::{ops, Exec};
use crate::expr::{BinOp, Expr};
use crate::functions::{self, Func};

impl Exec<'_> {
    /// Evaluates `e` over `row`.
    pub fn eval(&mut self, e: &Expr, row: &[Value]) -> PgResult<Value> {
        Ok(match e {
            Expr::Column(i) => row
                .get(*i)
                .cloned()
                .ok_or_else(|| PgError::internal(format!("column {i} out of range")))?,
            Expr::Outer { depth, index } => self
                .outer_row(*depth)
                .and_then(|r| r.get(*index))
                .cloned()
                .ok_or_else(|| PgError::internal("outer column out of range"))?,
            Expr::Literal(v) => v.clone(),
            Expr::Param(i) => self.params.get(*i).cloned().ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_PARAMETER,
                    format!("there is no parameter ${}", i + 1),
                )
            })?,
            Expr::Neg(x) => match self.eval(x, row)? {
                Value::Null => Value::Null,
                Value::Int2(v) => Value::Int2(
                    v.checked_neg()
                        .ok_or_else(|| PgError::out_of_range("smallint"))?,
                ),
                Value::Int4(v) => Value::Int4(
                    v.checked_neg()
                        .ok_or_else(|| PgError::out_of_range("integer"))?,
                ),
                Value::Int8(v) => Value::Int8(
                    v.checked_neg()
                        .ok_or_else(|| PgError::out_of_range("bigint"))?,
                ),
                Value::Float4(v) => Value::Float4(-v),
                Value::Float8(v) => Value::Float8(-v),
                Value::Numeric(d) => Value::Numeric(-d),
                Value::Interval(i) => Value::Interval(rampart_types::Interval {
                    months: -i.months,
                    days: -i.days,
                    micros: -i.micros,
                }),
                other => return Err(PgError::internal(format!("cannot negate {other:?}"))),
            },
            Expr::Not(x) => match self.eval(x, row)? {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Null,
            },
            Expr::Binary(BinOp::And, a, b) => {
                let l = self.eval(a, row)?;
                if l == Value::Bool(false) {
                    return Ok(Value::Bool(false));
                }
                let r = self.eval(b, row)?;
                match (l, r) {
                    (_, Value::Bool(false)) => Value::Bool(false),
                    (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                    _ => Value::Null,
                }
            }
            Expr::Binary(BinOp::Or, a, b) => {
                let l = self.eval(a, row)?;
                if l == Value::Bool(true) {
                    return Ok(Value::Bool(true));
                }
                let r = self.eval(b, row)?;
                match (l, r) {
                    (_, Value::Bool(true)) => Value::Bool(true),
                    (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                    _ => Value::Null,
                }
            }
            Expr::Binary(BinOp::Concat, a, b) => {
                let l = self.eval(a, row)?;
                let r = self.eval(b, row)?;
                match (
                    l.to_pg_text_styled(&self.style),
                    r.to_pg_text_styled(&self.style),
                ) {
                    (Some(x), Some(y)) => Value::Text(x + &y),
                    _ => Value::Null,
                }
            }
            Expr::Binary(op, a, b) => {
                let l = self.eval(a, row)?;
                let r = self.eval(b, row)?;
                binary(*op, &l, &r)?
            }
            Expr::IsNull(x, negated) => Value::Bool(self.eval(x, row)?.is_null() != *negated),
            Expr::IsBool(x, value, negated) => {
                let v = self.eval(x, row)?;
                Value::Bool((v == Value::Bool(*value)) != *negated)
            }
            Expr::IsDistinct(a, b, negated) => {
                let l = self.eval(a, row)?;
                let r = self.eval(b, row)?;
                let distinct = match (l.is_null(), r.is_null()) {
                    (true, true) => false,
                    (true, false) | (false, true) => true,
                    _ => !l.total_cmp(&r).is_eq(),
                };
                Value::Bool(distinct != *negated)
            }
            Expr::Cast(x, ty) => {
                let v = self.eval(x, row)?;
                let from = v.data_type();
                super::cast::cast_value(v, &from, ty, &self.style)?
            }
            Expr::Domain(x, d) => {
                let v = self.eval(x, row)?;
                self.check_domain(d, v)?
            }
            Expr::Func(f, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, row)?);
                }
                self.call(*f, vals)?
            }
            Expr::Call { oid, args } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, row)?);
                }
                crate::func::call::call_scalar(
                    self,
                    *oid,
                    vals,
                    args.iter().all(Expr::is_constant),
                )?
            }
            Expr::Case {
                operand,
                whens,
                else_,
            } => {
                let op = match operand {
                    Some(o) => Some(self.eval(o, row)?),
                    None => None,
                };
                for (w, t) in whens {
                    let hit = match &op {
                        Some(o) => {
                            let v = self.eval(w, row)?;
                            !o.is_null() && !v.is_null() && o.total_cmp(&v).is_eq()
                        }
                        None => self.eval(w, row)? == Value::Bool(true),
                    };
                    if hit {
                        return self.eval(t, row);
                    }
                }
                match else_ {
                    Some(e) => self.eval(e, row)?,
                    None => Value::Null,
                }
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let x = self.eval(expr, row)?;
                if x.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let v = self.eval(item, row)?;
                    if v.is_null() {
                        saw_null = true;
                    } else if x.total_cmp(&v).is_eq() {
                        return Ok(Value::Bool(!negated));
                    }
                }
                if saw_null {
                    Value::Null
                } else {
                    Value::Bool(*negated)
                }
            }
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => {
                let x = self.eval(expr, row)?;
                let p = self.eval(pattern, row)?;
                match (x.as_str(), p.as_str()) {
                    (Some(x), Some(p)) => {
                        Value::Bool(ops::like(x, p, *case_insensitive) != *negated)
                    }
                    _ => Value::Null,
                }
            }
            Expr::ScalarSubquery(plan) => {
                let rows = self.run_subquery(plan, row)?;
                match rows.len() {
                    0 => Value::Null,
                    1 => rows[0].first().cloned().unwrap_or(Value::Null),
                    _ => {
                        return Err(PgError::new(
                            SqlState::CARDINALITY_VIOLATION,
                            "more than one row returned by a subquery used as an expression",
                        ))
                    }
                }
            }
            Expr::Exists(plan, negated) => {
                let rows = self.run_subquery(plan, row)?;
                Value::Bool(rows.is_empty() == *negated)
            }
            Expr::InSubquery {
                expr,
                plan,
                negated,
            } => {
                let x = self.eval(expr, row)?;
                let rows = self.run_subquery(plan, row)?;
                if rows.is_empty() {
                    return Ok(Value::Bool(*negated));
                }
                if x.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for r in rows.iter() {
                    let v = r.first().cloned().unwrap_or(Value::Null);
                    if v.is_null() {
                        saw_null = true;
                    } else if x.total_cmp(&v).is_eq() {
                        return Ok(Value::Bool(!negated));
                    }
                }
                if saw_null {
                    Value::Null
                } else {
                    Value::Bool(*negated)
                }
            }
            Expr::ArraySubquery(plan) => {
                let rows = self.run_subquery(plan, row)?;
                Value::Array(
                    rows.iter()
                        .map(|r| r.first().cloned().unwrap_or(Value::Null))
                        .collect(),
                )
            }
            Expr::ArrayLit(items) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    out.push(self.eval(x, row)?);
                }
                Value::Array(out)
            }
            Expr::QuantifiedArray {
                expr,
                op,
                array,
                all,
            } => {
                let x = self.eval(expr, row)?;
                let Value::Array(items) = self.eval(array, row)? else {
                    return Ok(Value::Null);
                };
                let mut saw_null = false;
                for v in &items {
                    match binary(*op, &x, v)? {
                        Value::Bool(true) if !all => return Ok(Value::Bool(true)),
                        Value::Bool(false) if *all => return Ok(Value::Bool(false)),
                        Value::Null => saw_null = true,
                        _ => {}
                    }
                }
                if saw_null {
                    Value::Null
                } else {
                    Value::Bool(*all)
                }
            }
            Expr::QuantifiedSubquery {
                expr,
                op,
                plan,
                all,
            } => {
                let x = self.eval(expr, row)?;
                let rows = self.run_subquery(plan, row)?;
                let mut saw_null = false;
                for r in rows.iter() {
                    let v = r.first().cloned().unwrap_or(Value::Null);
                    match binary(*op, &x, &v)? {
                        Value::Bool(true) if !all => return Ok(Value::Bool(true)),
                        Value::Bool(false) if *all => return Ok(Value::Bool(false)),
                        Value::Null => saw_null = true,
                        _ => {}
                    }
                }
                if saw_null {
                    Value::Null
                } else {
                    Value::Bool(*all)
                }
            }
        })
    }

    /// pg_table_is_visible: the relation (table, view, index or sequence) is the
    /// one its bare name finds on the search path. NULL for an unknown OID.
    fn relation_is_visible(&self, oid: u32) -> Value {
        use crate::sysview::system_relations;
        let cat = self.catalog;
        let path = self.session.search_path();
        if crate::sysview::catalog_index(oid).is_some() {
            return Value::Bool(true);
        }
        if let Some(sys) = system_relations::by_oid(oid) {
            // pg_catalog is searched first; information_schema only when
            // the path names it (and nothing earlier has the name).
            if sys.schema == system_relations::PG_CATALOG_OID {
                return Value::Bool(true);
            }
            let mut shadowed = crate::sysview::lookup(sys.view.name).is_some();
            for s in &path {
                if s == "information_schema" {
                    return Value::Bool(!shadowed);
                }
                shadowed |= cat
                    .schema(s)
                    .is_some_and(|sch| cat.relation(sch.oid, sys.view.name).is_some());
            }
            return Value::Bool(false);
        }
        let found = cat
            .relation_by_oid(oid)
            .map(|r| (r.schema, r.name.clone()))
            .or_else(|| {
                cat.relations.values().find_map(|r| {
                    r.indexes
                        .iter()
                        .find(|i| i.oid == oid)
                        .map(|i| (r.schema, i.name.clone()))
                })
            })
            .or_else(|| cat.sequences.get(&oid).map(|s| (s.schema, s.name.clone())));
        let Some((schema, name)) = found else {
            return Value::Null;
        };
        // A system relation of that name in pg_catalog (searched first)
        // hides it.
        if crate::sysview::lookup(&name).is_some() {
            return Value::Bool(false);
        }
        for s in std::iter::once("pg_catalog".to_string()).chain(path) {
            let Some(sch) = cat.schema(&s) else { continue };
            let hit = cat.relation(sch.oid, &name).is_some()
                || cat.relations.index_owner(sch.oid, &name).is_some()
                || cat
                    .sequences
                    .values()
                    .any(|q| q.schema == sch.oid && q.name == name);
            if hit {
                return Value::Bool(sch.oid == schema);
            }
        }
        Value::Bool(false)
    }

    /// Evaluates a predicate: only TRUE passes.
    pub fn eval_bool(&mut self, e: &Expr, row: &[Value]) -> PgResult<bool> {
        Ok(self.eval(e, row)? == Value::Bool(true))
    }

    fn call(&mut self, f: Func, args: Vec<Value>) -> PgResult<Value> {
        let s = self.session.clone_identity();
        Ok(match f {
            Func::PgTypeIsVisible if self.domain_arg(&args).is_some() => {
                match self.domain_arg(&args) {
                    Some(d) => Value::Bool(crate::domain::is_visible(
                        self.catalog,
                        &self.existing_search_path(),
                        d,
                    )),
                    None => Value::Null,
                }
            }
            Func::FormatType if self.domain_arg(&args).is_some() => match self.domain_arg(&args) {
                Some(d) => Value::Text(self.type_name_shown(d)),
                None => Value::Null,
            },
            Func::CurrentUser => Value::Text(s.current_user),
            Func::TargetTableOid => self.target_table.map(Value::Oid).unwrap_or(Value::Null),
            Func::SessionUser => Value::Text(s.session_user),
            Func::CurrentDatabase => Value::Text(s.database),
            Func::CurrentSchema => Value::Text(self.current_schema()),
            Func::CurrentSchemas if args.first().is_none_or(Value::is_null) => Value::Null,
            Func::CurrentSchemas => {
                let mut schemas = self.existing_search_path();
                // pg_catalog is searched first unless the path names it.
                if args.first() == Some(&Value::Bool(true))
                    && !schemas.iter().any(|s| s == "pg_catalog")
                {
                    schemas.insert(0, "pg_catalog".into());
                }
                Value::Array(schemas.into_iter().map(Value::Text).collect())
            }
            Func::Version => Value::Text(crate::VERSION_STRING.to_string()),
            Func::PgBackendPid => Value::Int4(self.session.backend_pid),
            Func::PgReloadConf => {
                // EXECUTE is revoked from PUBLIC in PostgreSQL: superusers only.
                let me = self.session.current_user();
                if !self.catalog.role(&me).is_some_and(|r| r.superuser) {
                    return Err(PgError::new(
                        SqlState::INSUFFICIENT_PRIVILEGE,
                        "permission denied for function pg_reload_conf",
                    ));
                }
                // False when embedded without a server (nothing to reload).
                Value::Bool(self.engine.request_reload())
            }
            Func::HasTablePrivilege
            | Func::HasColumnPrivilege
            | Func::HasAnyColumnPrivilege
            | Func::HasSchemaPrivilege
            | Func::HasSequencePrivilege
            | Func::HasFunctionPrivilege
            | Func::HasTypePrivilege
            | Func::HasDatabasePrivilege => {
                if args.iter().any(Value::is_null) {
                    return Ok(Value::Null);
                }
                let (kind, base) = match f {
                    Func::HasTablePrivilege => ("table", 2),
                    Func::HasColumnPrivilege => ("column", 3),
                    Func::HasAnyColumnPrivilege => ("any_column", 2),
                    Func::HasSchemaPrivilege => ("schema", 2),
                    Func::HasSequencePrivilege => ("sequence", 2),
                    Func::HasFunctionPrivilege => ("function", 2),
                    Func::HasTypePrivilege => ("type", 2),
                    _ => ("database", 2),
                };
                let has_role = args.len() > base;
                // PostgreSQL's OID forms: an unknown role OID holds no
                // privileges; an unknown object OID (or column number) gives NULL.
                let oid_of = |v: &Value| match v {
                    Value::Text(_) => None,
                    v => v.as_i64(),
                };
                let user = if has_role {
                    match oid_of(&args[0]) {
                        Some(oid) => match u32::try_from(oid)
                            .ok()
                            .and_then(|o| self.catalog.role_by_oid(o))
                        {
                            Some(r) => r.name.clone(),
                            None => return Ok(Value::Bool(false)),
                        },
                        None => args[0].as_str().unwrap_or_default().to_string(),
                    }
                } else {
                    s.current_user.clone()
                };
                let objects = &args[usize::from(has_role)..];
                let mut rest: Vec<String> = Vec::with_capacity(objects.len());
                let table_kind = matches!(kind, "table" | "column" | "any_column");
                for (i, v) in objects.iter().enumerate() {
                    let text = match oid_of(v) {
                        Some(oid) if i == 0 && table_kind => {
                            // NULL for an OID naming no relation (system
                            // catalogs and views included), as PostgreSQL.
                            let known = u32::try_from(oid).ok().is_some_and(|o| {
                                self.catalog.relation_by_oid(o).is_some()
                                    || crate::sysview::by_oid(o).is_some()
                            });
                            if !known {
                                return Ok(Value::Null);
                            }
                            oid.to_string()
                        }
                        // An OID naming no type gives NULL, as PostgreSQL.
                        Some(oid) if i == 0 && kind == "type" => {
                            let known = u32::try_from(oid).ok().is_some_and(|o| {
                                self.catalog.domains.contains_key(&o)
                                    || rampart_types::DataType::from_oid(o).is_some()
                            });
                            if !known {
                                return Ok(Value::Null);
                            }
                            oid.to_string()
                        }
                        Some(attnum) if i == 1 && kind == "column" => {
                            let rel = match &rest[0].parse::<u32>() {
                                Ok(o) => self.catalog.relation_by_oid(*o).cloned(),
                                Err(_) => None,
                            };
                            let rel = match rel {
                                Some(r) => Some(r),
                                None => {
                                    crate::parser::parse_relation_name(&rest[0]).and_then(|n| {
                                        crate::bind::Binder::new(
                                            self.catalog,
                                            self.session.search_path(),
                                            vec![],
                                        )
                                        .resolve_relation(&n)
                                        .ok()
                                        .cloned()
                                    })
                                }
                            };
                            match rel.and_then(|r| {
                                usize::try_from(attnum - 1)
                                    .ok()
                                    .and_then(|i| r.columns.get(i).map(|c| c.name.clone()))
                            }) {
                                Some(name) => name,
                                None => return Ok(Value::Null),
                            }
                        }
                        _ => v.to_pg_text().unwrap_or_default(),
                    };
                    rest.push(text);
                }
                let rest = &rest[..];
                let path = self.session.search_path();
                Value::Bool(crate::privileges::has_privilege(
                    self.catalog,
                    &path,
                    kind,
                    &user,
                    rest,
                )?)
            }
            Func::RowSecurityActive => {
                let rel = match &args[0] {
                    Value::Null => return Ok(Value::Null),
                    Value::Text(name) => {
                        let path = self.session.search_path();
                        crate::privileges::relation_named(self.catalog, &path, name)?
                    }
                    v => {
                        let oid = v.as_i64().and_then(|o| u32::try_from(o).ok());
                        match oid.and_then(|o| self.catalog.relation_by_oid(o)) {
                            Some(rel) => rel,
                            // PostgreSQL: an unknown OID is not under RLS.
                            None => return Ok(Value::Bool(false)),
                        }
                    }
                };
                // As PostgreSQL, `row_security = off` does not change the
                // answer (the query would fail instead of being filtered).
                let ctx = self.session.rls_context(self.catalog)?;
                Value::Bool(rampart_security::rls::applies(self.catalog, rel, ctx.user))
            }
            Func::PgHasRole => {
                if args.iter().any(Value::is_null) {
                    return Ok(Value::Null);
                }
                let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
                let (user, role, mode) = if args.len() == 3 {
                    (text(&args[0]), text(&args[1]), text(&args[2]))
                } else {
                    (s.current_user.clone(), text(&args[0]), text(&args[1]))
                };
                Value::Bool(crate::roles::pg_has_role(
                    self.catalog,
                    &user,
                    &role,
                    &mode,
                )?)
            }
            Func::ObjDescription => match args[0] {
                Value::Oid(oid) => {
                    let classoid = match args.get(1) {
                        None => None,
                        Some(Value::Text(c)) => Some(match c.as_str() {
                            "pg_class" => rampart_catalog::PG_CLASS_OID,
                            "pg_namespace" => rampart_catalog::PG_NAMESPACE_OID,
                            "pg_extension" => crate::sysview::PG_EXTENSION_OID,
                            _ => 0,
                        }),
                        Some(_) => return Ok(Value::Null),
                    };
                    self.catalog
                        .descriptions
                        .iter()
                        .find(|d| {
                            d.objoid == oid
                                && d.objsubid == 0
                                && classoid.is_none_or(|c| c == d.classoid)
                                && crate::sysview::description_target_exists(self.catalog, d)
                        })
                        .or_else(|| {
                            crate::sysview::builtin_descriptions().find(|d| {
                                d.objoid == oid && classoid.is_none_or(|c| c == d.classoid)
                            })
                        })
                        .map_or(Value::Null, |d| Value::Text(d.description.clone()))
                }
                _ => Value::Null,
            },
            Func::ColDescription => match (&args[0], &args[1]) {
                (Value::Oid(table), Value::Int4(attnum)) if *attnum > 0 => self
                    .catalog
                    .relation_by_oid(*table)
                    .filter(|r| (*attnum as usize) <= r.columns.len())
                    .and_then(|_| {
                        self.catalog
                            .description(rampart_catalog::PG_CLASS_OID, *table, *attnum)
                    })
                    .map_or(Value::Null, |d| Value::Text(d.to_string())),
                _ => Value::Null,
            },
            Func::ShobjDescription => match (&args[0], args.get(1)) {
                (Value::Oid(oid), Some(Value::Text(c))) => {
                    let classoid = match c.as_str() {
                        "pg_authid" => rampart_catalog::PG_AUTHID_OID,
                        "pg_database" => rampart_catalog::PG_DATABASE_OID,
                        _ => return Ok(Value::Null),
                    };
                    self.catalog
                        .shared_description(classoid, *oid)
                        .map_or(Value::Null, |d| Value::Text(d.to_string()))
                }
                _ => Value::Null,
            },
            Func::AclItemIn => match &args[0] {
                Value::Null => Value::Null,
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|v| match v {
                            Value::Text(t) => {
                                Ok(Value::Text(crate::aclitem::input(self.catalog, t)?.0))
                            }
                            other => Ok(other.clone()),
                        })
                        .collect::<PgResult<_>>()?,
                ),
                v => {
                    let text = v.to_pg_text().unwrap_or_default();
                    Value::Text(crate::aclitem::input(self.catalog, &text)?.0)
                }
            },
            Func::MakeAclItem => match (&args[0], &args[1], &args[2], &args[3]) {
                (Value::Oid(grantee), Value::Oid(grantor), Value::Text(p), Value::Bool(g)) => {
                    Value::Text(crate::aclitem::make(
                        self.catalog,
                        *grantee,
                        *grantor,
                        p,
                        *g,
                    )?)
                }
                _ => Value::Null,
            },
            Func::ArrayContains | Func::ArrayOverlap => match (&args[0], &args[1]) {
                (Value::Array(a), Value::Array(b)) => {
                    // NULL elements equal nothing (PostgreSQL's array_contain_compare).
                    let member = |x: &Value, set: &[Value]| -> PgResult<bool> {
                        for y in set {
                            if binary(BinOp::Eq, x, y)? == Value::Bool(true) {
                                return Ok(true);
                            }
                        }
                        Ok(false)
                    };
                    let mut result = f == Func::ArrayContains;
                    for x in b {
                        let hit = member(x, a)?;
                        if f == Func::ArrayContains && !hit {
                            result = false;
                            break;
                        }
                        if f == Func::ArrayOverlap && hit {
                            result = true;
                            break;
                        }
                    }
                    Value::Bool(result)
                }
                _ => Value::Null,
            },
            Func::AclContains => match (&args[0], &args[1]) {
                (acl @ Value::Array(_), Value::Text(item)) => {
                    Value::Bool(crate::aclitem::contains(self.catalog, acl, item)?)
                }
                _ => Value::Null,
            },
            Func::AclDefault => match (&args[0], &args[1]) {
                (Value::Text(kind), Value::Oid(owner)) => acl_default(self.catalog, kind, *owner)?,
                _ => Value::Null,
            },
            Func::PgTablespaceLocation => match args[0] {
                Value::Oid(
                    crate::sysview::system_relations::PG_DEFAULT_TABLESPACE
                    | crate::sysview::system_relations::PG_GLOBAL_TABLESPACE,
                ) => Value::Text(String::new()),
                _ => Value::Null,
            },
            Func::PgGetPartkeydef => match args[0] {
                Value::Oid(oid) => self
                    .catalog
                    .relation_by_oid(oid)
                    .and_then(crate::partition::key_text)
                    .map(Value::Text)
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            },
            Func::PgGetPartitionConstraintdef => match args[0] {
                Value::Oid(oid) => self
                    .catalog
                    .relation_by_oid(oid)
                    .and_then(|r| crate::partition::constraint_text(self.catalog, r))
                    .map(Value::Text)
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            },
            Func::PgGetUserById => match args[0] {
                Value::Oid(oid) => Value::Text(
                    self.catalog
                        .role_by_oid(oid)
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| format!("unknown (OID={oid})")),
                ),
                _ => Value::Null,
            },
            Func::PgGetFunctionResult
            | Func::PgGetFunctionArguments
            | Func::PgGetFunctionIdentityArguments
            | Func::PgFunctionIsVisible => {
                let Value::Oid(oid) = args[0] else {
                    return Ok(Value::Null);
                };
                let Some(func) = self.catalog.functions.get(&oid) else {
                    return Ok(Value::Null);
                };
                match f {
                    Func::PgGetFunctionResult => crate::func::describe::result(func)
                        .map(Value::Text)
                        .unwrap_or(Value::Null),
                    Func::PgGetFunctionArguments => {
                        Value::Text(crate::func::describe::arguments(func, true))
                    }
                    Func::PgGetFunctionIdentityArguments => {
                        Value::Text(crate::func::describe::arguments(func, false))
                    }
                    _ => {
                        let path = self.session.search_path();
                        Value::Bool(crate::func::describe::is_visible(self.catalog, func, &path))
                    }
                }
            }
            Func::PgGetViewDef => {
                let Value::Oid(oid) = args[0] else {
                    return Ok(Value::Null);
                };
                // A wrap column (int) also selects the pretty form.
                let pretty = matches!(args.get(1), Some(Value::Bool(true) | Value::Int4(_)));
                let path = self.session.search_path();
                match self.catalog.relation_by_oid(oid) {
                    Some(r) => match &r.kind {
                        rampart_catalog::RelationKind::View { query } => Value::Text(
                            crate::deparse_query::QueryDeparser::new(self.catalog, &path, pretty)
                                .view_definition(query)
                                .unwrap_or_else(|| format!("{query};")),
                        ),
                        _ => Value::Null,
                    },
                    None => Value::Null,
                }
            }
            Func::PgGetConstraintDef | Func::PgGetIndexDef => {
                let Value::Oid(oid) = args[0] else {
                    return Ok(Value::Null);
                };
                let path = self.session.search_path();
                let pretty = args.last() == Some(&Value::Bool(true)) && args.len() > 1;
                let def = if f == Func::PgGetConstraintDef {
                    crate::sysview::constraint_def(self.catalog, &path, oid, pretty)
                } else {
                    let column = match args.get(1) {
                        Some(Value::Int4(c)) => *c,
                        _ => 0,
                    };
                    crate::sysview::index_def(self.catalog, &path, oid, column, pretty)
                };
                def.map(Value::Text).unwrap_or(Value::Null)
            }
            Func::PgGetExpr if args.get(2) == Some(&Value::Bool(true)) => {
                let (Value::Text(text), Value::Oid(rel)) = (&args[0], &args[1]) else {
                    return Ok(args[0].clone());
                };
                let path = self.session.search_path();
                match self.catalog.relation_by_oid(*rel) {
                    Some(r) => {
                        Value::Text(crate::sysview::pretty_expr(self.catalog, &path, r, text))
                    }
                    None => args[0].clone(),
                }
            }
            Func::PgRelationSize
            | Func::PgTableSize
            | Func::PgIndexesSize
            | Func::PgTotalRelationSize => {
                use crate::exec::sizes::{relation_size, SizeOf};
                let Value::Oid(oid) = args[0] else {
                    return Ok(Value::Null);
                };
                // Only the main fork has data (the fsm/vm/init forks are empty).
                if let Some(Value::Text(fork)) = args.get(1) {
                    if fork != "main" {
                        return Ok(match fork.as_str() {
                            "fsm" | "vm" | "init" => Value::Int8(0),
                            _ => {
                                return Err(PgError::new(
                                    rampart_types::SqlState::INVALID_PARAMETER_VALUE,
                                    "invalid fork name",
                                )
                                .with_hint(
                                    "Valid fork names are \"main\", \"fsm\", \"vm\", and \"init\".",
                                ))
                            }
                        });
                    }
                }
                let what = match f {
                    Func::PgIndexesSize => SizeOf::Indexes,
                    Func::PgTotalRelationSize => SizeOf::Total,
                    _ => SizeOf::Relation,
                };
                relation_size(self.txn, self.catalog, oid, what)?
                    .map(Value::Int8)
                    .unwrap_or(Value::Null)
            }
            Func::PgDatabaseSize => {
                let wanted = match &args[0] {
                    Value::Oid(o) => *o == self.catalog.database,
                    Value::Text(n) => *n == self.session.database,
                    _ => return Ok(Value::Null),
                };
                if let (false, Value::Text(n)) = (wanted, &args[0]) {
                    if !self.catalog.databases.contains_key(n) {
                        return Err(PgError::new(
                            rampart_types::SqlState("3D000"),
                            format!("database \"{n}\" does not exist"),
                        ));
                    }
                }
                if !wanted {
                    // Partial: other databases' sizes need their catalogs.
                    return Err(PgError::unsupported(
                        "pg_database_size of another database is not supported yet",
                    ));
                }
                Value::Int8(crate::exec::sizes::database_size(self.txn, self.catalog)?)
            }
            Func::PgRelationIsPublishable => match args[0] {
                Value::Oid(oid) => {
                    Value::Bool(self.catalog.relation_by_oid(oid).is_some_and(|r| {
                        matches!(r.kind, rampart_catalog::RelationKind::Table)
                            && r.schema != rampart_catalog::PG_CATALOG_OID
                    }))
                }
                _ => Value::Null,
            },
            Func::RegIn(kind) => match &args[0] {
                Value::Null => Value::Null,
                v => {
                    let text = v.to_pg_text().unwrap_or_default();
                    let path = self.session.search_path();
                    Value::Oid(crate::regtypes::input(self.catalog, &path, kind, &text)?)
                }
            },
            Func::RegOut(kind) => match args[0] {
                Value::Oid(oid) => {
                    let path = self.session.search_path();
                    Value::Text(crate::regtypes::output(self.catalog, &path, kind, oid))
                }
                _ => Value::Null,
            },
            Func::PgTableIsVisible => match args[0] {
                Value::Oid(oid) => self.relation_is_visible(oid),
                _ => Value::Null,
            },
            Func::TxidCurrent => Value::Int8(self.txn.id() as i64),
            Func::Now => Value::Timestamptz(self.session.txn_start),
            Func::ClockTimestamp => Value::Timestamptz(chrono::Utc::now()),
            Func::LocalTimestamp => Value::Timestamp(
                self.session
                    .txn_start
                    .with_timezone(&self.style.zone)
                    .naive_local(),
            ),
            Func::CurrentDate => Value::Date(
                self.session
                    .txn_start
                    .with_timezone(&self.style.zone)
                    .date_naive(),
            ),
            Func::Random => Value::Float8(rand_f64()),
            Func::GenRandomUuid => {
                let mut b = [0u8; 16];
                for chunk in b.chunks_mut(8) {
                    chunk.copy_from_slice(&rand_u64().to_le_bytes());
                }
                b[6] = (b[6] & 0x0f) | 0x40;
                b[8] = (b[8] & 0x3f) | 0x80;
                Value::Uuid(b)
            }
            // Folded to the argument's bound type name by the binder.
            Func::PgTypeof => return Err(PgError::internal("pg_typeof reached the executor")),
            Func::CurrentSetting => {
                let Some(name) = args[0].as_str() else {
                    return Ok(Value::Null);
                };
                let missing_ok = args.get(1) == Some(&Value::Bool(true));
                if crate::guc::read_restricted(name)
                    && !crate::privileges::may_read_all_settings(
                        self.catalog,
                        &self.session.current_user(),
                    )
                {
                    return Err(crate::guc::read_denied(name));
                }
                match self.session.settings.get(name) {
                    Some(v) => Value::Text(v),
                    None if missing_ok => Value::Null,
                    None => return Err(unrecognized_setting(name)),
                }
            }
            Func::SetConfig => {
                let (Some(name), value) = (args[0].as_str(), args[1].to_pg_text()) else {
                    return Err(PgError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        "SET requires parameter name",
                    ));
                };
                let local = args[2] == Value::Bool(true);
                let value = value.unwrap_or_default();
                self.session.settings.set(name, &value, local)?;
                Value::Text(self.session.settings.get(name).unwrap_or(value))
            }
            Func::NextVal | Func::CurrVal | Func::SetVal => {
                if args[0].is_null() {
                    return Ok(Value::Null);
                }
                if f != Func::CurrVal && self.session.read_only_transaction() {
                    return Err(PgError::new(
                        SqlState("25006"),
                        format!(
                            "cannot execute {}() in a read-only transaction",
                            if f == Func::NextVal {
                                "nextval"
                            } else {
                                "setval"
                            }
                        ),
                    ));
                }
                let name = args[0].as_str().unwrap_or_default().to_string();
                let seq =
                    crate::sequence::resolve(self.catalog, &name, &self.session.search_path())?;
                self.check_sequence(&seq, f)?;
                match f {
                    Func::NextVal => Value::Int8(self.engine.sequences.nextval(
                        self.engine.store(),
                        &seq,
                        self.session,
                    )?),
                    Func::CurrVal => Value::Int8(self.session.currval(seq.oid, &seq.name)?),
                    _ => {
                        let v = args[1].as_i64().unwrap_or(0);
                        let called = args.get(2).map(|b| *b == Value::Bool(true)).unwrap_or(true);
                        self.engine.sequences.setval(
                            self.engine.store(),
                            &seq,
                            v,
                            called,
                            self.session,
                        )?;
                        Value::Int8(v)
                    }
                }
            }
            f => functions::eval_pure(f, &args)?,
        })
    }

    fn current_schema(&self) -> String {
        self.existing_search_path()
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// The search path's schemas that exist, in order.
    fn existing_search_path(&self) -> Vec<String> {
        self.session
            .search_path()
            .into_iter()
            .filter(|s| self.catalog.schema(s).is_some())
            .collect()
    }
}

impl Exec<'_> {
    /// Sequence privileges, checked when the sequence name is known (nextval's
    /// argument is a run-time value): nextval needs USAGE or UPDATE, currval
    /// SELECT or USAGE, setval UPDATE.
    fn check_sequence(&self, seq: &rampart_catalog::Sequence, f: Func) -> PgResult<()> {
        use rampart_security::{Need, ObjectRef, Principal, Privilege};
        let me = self.session.current_user();
        let role = self.catalog.role(&me).ok_or_else(|| {
            PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("role \"{me}\" does not exist"),
            )
        })?;
        let who = Principal {
            role_oid: role.oid,
            role_name: role.name.clone(),
            superuser: role.superuser,
        };
        let any_of: &[Privilege] = match f {
            Func::NextVal => &[Privilege::Usage, Privilege::Update],
            Func::CurrVal => &[Privilege::Select, Privilege::Usage],
            _ => &[Privilege::Update],
        };
        if any_of.iter().any(|p| {
            rampart_security::allowed(
                &Need::on(ObjectRef::Sequence(seq.oid), *p),
                &who,
                self.catalog,
            )
        }) {
            return Ok(());
        }
        Err(PgError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            format!("permission denied for sequence {}", seq.name),
        ))
    }
}

/// PostgreSQL's error for an unknown setting.
pub fn unrecognized_setting(name: &str) -> PgError {
    PgError::new(
        SqlState::UNDEFINED_OBJECT,
        format!("unrecognized configuration parameter \"{name}\""),
    )
}

/// A binary operator over evaluated operands (NULL in → NULL out).
pub fn binary(op: BinOp, l: &Value, r: &Value) -> PgResult<Value> {
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    Ok(match op {
        BinOp::Eq => Value::Bool(l.total_cmp(r).is_eq()),
        BinOp::NotEq => Value::Bool(!l.total_cmp(r).is_eq()),
        BinOp::Lt => Value::Bool(l.total_cmp(r).is_lt()),
        BinOp::LtEq => Value::Bool(l.total_cmp(r).is_le()),
        BinOp::Gt => Value::Bool(l.total_cmp(r).is_gt()),
        BinOp::GtEq => Value::Bool(l.total_cmp(r).is_ge()),
        BinOp::Concat => Value::Text(format!(
            "{}{}",
            l.to_pg_text().unwrap_or_default(),
            r.to_pg_text().unwrap_or_default()
        )),
        BinOp::RegexMatch | BinOp::RegexIMatch => {
            let pattern = r.as_str().unwrap_or_default();
            let pattern = if op == BinOp::RegexIMatch {
                format!("(?i){pattern}")
            } else {
                pattern.to_string()
            };
            let re = functions::compiled_regex(&pattern)?;
            Value::Bool(re.is_match(l.as_str().unwrap_or_default()))
        }
        BinOp::And | BinOp::Or => {
            return Err(PgError::internal("logical operator in arithmetic path"))
        }
        _ => ops::arithmetic(op, l, r)?,
    })
}

pub(crate) fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

fn rand_f64() -> f64 {
    (rand_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// acldefault(objtype, owner) as PostgreSQL 15 prints it: the built-in ACL
/// of an object kind for an owner, as `aclitem[]` text (an empty array for
/// columns, which have none).
fn acl_default(cat: &rampart_catalog::Catalog, kind: &str, owner: u32) -> PgResult<Value> {
    use rampart_catalog::acl::*;
    let name = |oid: u32| {
        cat.role_by_oid(oid)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| oid.to_string())
    };
    if kind == "p" {
        // Parameters: SET and ALTER SYSTEM, privileges Rampart has no bits for.
        let o = name(owner);
        return Ok(Value::Array(vec![Value::Text(format!("{o}=sA/{o}"))]));
    }
    let (public, own): (u16, u16) = match kind {
        "c" => (0, 0),
        "r" => (0, ALL_TABLE),
        "s" => (0, ALL_SEQUENCE),
        "d" => (TEMPORARY | CONNECT, ALL_DATABASE),
        "f" => (EXECUTE, EXECUTE),
        "l" | "T" => (USAGE, USAGE),
        "L" => (0, SELECT | UPDATE),
        "n" => (0, ALL_SCHEMA),
        "t" => (0, CREATE),
        "F" | "S" => (0, USAGE),
        other => {
            return Err(PgError::new(
                SqlState::INTERNAL_ERROR,
                format!("unrecognized objtype abbreviation: {other}"),
            ))
        }
    };
    let item = |grantee: u32, privs: u16| rampart_catalog::AclItem {
        grantee,
        grantor: owner,
        privs,
        grant_options: 0,
    };
    let mut items = Vec::new();
    if public != 0 {
        items.push(item(0, public));
    }
    if own != 0 {
        items.push(item(owner, own));
    }
    Ok(Value::Array(
        items
            .iter()
            .map(|i| Value::Text(format_item(i, &name)))
            .collect(),
    ))
}

impl Exec<'_> {
    /// PostgreSQL's CoerceToDomain: `v` if the domain's NOT NULL and CHECK
    /// constraints accept it (a CHECK that is NULL accepts), else their
    /// error, naming the domain coerced to.
    fn check_domain(&mut self, d: &crate::expr::DomainCheck, v: Value) -> PgResult<Value> {
        let fail = |e: PgError| match &d.context {
            Some(c) => Err(e.with_context(c.clone())),
            None => Err(e),
        };
        if d.not_null && v.is_null() {
            return fail(PgError::new(
                SqlState::NOT_NULL_VIOLATION,
                format!("domain {} does not allow null values", d.name),
            ));
        }
        for (name, pred) in d.checks.iter() {
            if self.eval(pred, std::slice::from_ref(&v))? == Value::Bool(false) {
                return fail(PgError::new(
                    SqlState::CHECK_VIOLATION,
                    format!(
                        "value for domain {} violates check constraint \"{name}\"",
                        d.name
                    ),
                ));
            }
        }
        Ok(v)
    }
}

impl Exec<'_> {
    /// The domain whose OID is the first argument, if it names one.
    fn domain_arg(&self, args: &[Value]) -> Option<&rampart_catalog::Domain> {
        let oid = args.first().and_then(Value::as_i64)?;
        self.catalog.domains.get(&u32::try_from(oid).ok()?)
    }

    /// A domain's name as format_type prints it: bare when the search path
    /// finds it, schema-qualified otherwise.
    pub(crate) fn type_name_shown(&self, d: &rampart_catalog::Domain) -> String {
        let name = crate::functions::quote_ident(&d.name);
        if crate::domain::is_visible(self.catalog, &self.existing_search_path(), d) {
            return name;
        }
        let schema = self
            .catalog
            .schema_by_oid(d.schema)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        format!("{}.{name}", crate::functions::quote_ident(&schema))
    }
}
