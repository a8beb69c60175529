//! Domains: `CREATE DOMAIN name [AS] type [COLLATE c] [DEFAULT e]
//! [[CONSTRAINT n] NOT NULL | NULL | CHECK (e)] …`, `DROP DOMAIN`, and what
//! using one means: a column or cast of a domain holds values of the base
//! type, and coercing a value to the domain checks its NOT NULL and CHECK
//! constraints (`Expr::Domain`), as PostgreSQL's CoerceToDomain.
//!
//! Privileges: a domain has an ACL (USAGE, for PUBLIC by default); a table
//! column, a domain over it and `ALTER TABLE … ADD COLUMN` need USAGE
//! (`permission denied for type d`). GRANT/REVOKE … ON DOMAIN | TYPE and
//! has_type_privilege live with the other privileges.
//!
//! ALTER DOMAIN (`alter`) changes the default, NOT NULL and CHECK
//! constraints, checking new ones against the stored values.
//!
//! Partial: ALTER DOMAIN SET SCHEMA and NOT VALID constraints; domains in function
//! signatures, arrays of domains and domains over composite types; DROP
//! DOMAIN … CASCADE with dependent columns (PostgreSQL drops the columns);
//! `pg_typeof` of a domain-typed expression names the base type (the value
//! travels as its base type, which is also what PostgreSQL sends clients).

use std::sync::Arc;

use sqlparser::ast;

use rampart_catalog::{Catalog, Check, Domain};
use rampart_security::{Need, ObjectRef, Privilege};
use rampart_types::{DataType, PgError, PgResult, SqlState};

use crate::bind::expr::ExprCtx;
use crate::bind::{display_name, ident, split_name, Binder, Scope, ScopeColumn};
use crate::ddl::{cmd, with_catalog_mut};
use crate::expr::{DomainCheck, Expr};
use crate::session::{QueryResult, Session};

/// Constraint name the front parser gives a domain's `NOT NULL` (sqlparser
/// reads only CHECK constraints there); see `crate::front`.
pub const NOT_NULL_PLACEHOLDER: &str = "__rampart_not_null__";

/// First name of a `DROP TYPE` the front parser made of a `DROP DOMAIN`
/// (sqlparser's DROP DOMAIN takes one name).
pub const DROP_DOMAIN_PLACEHOLDER: &str = "__rampart_drop_domain__";

/// A type name resolved: the built-in type that holds the values, and the
/// domain when the name is one. An unqualified built-in name wins over a
/// domain of the same name (pg_catalog is searched first, as PostgreSQL).
pub fn resolve(
    cat: &Catalog,
    search_path: &[String],
    t: &ast::DataType,
) -> PgResult<(DataType, Option<u32>)> {
    if let ast::DataType::Custom(name, mods) = t {
        let (schema, n) = split_name(name)?;
        let builtin_first = schema.is_none() || schema.as_deref() == Some("pg_catalog");
        if builtin_first {
            if let Ok(ty) = crate::bind::types::convert_type(t) {
                return Ok((ty, None));
            }
        }
        if let Some(d) = cat.resolve_domain(schema.as_deref(), &n, search_path) {
            if !mods.is_empty() {
                return Err(PgError::new(
                    SqlState::SYNTAX_ERROR,
                    format!("type modifier is not allowed for type \"{}\"", d.name),
                ));
            }
            return Ok((d.base.clone(), Some(d.oid)));
        }
    }
    Ok((crate::bind::types::convert_type(t)?, None))
}

/// A domain's name as PostgreSQL's format_type_be shows it in messages:
/// bare when the search path finds it, schema-qualified otherwise.
pub fn shown_name(cat: &Catalog, search_path: &[String], d: &Domain) -> String {
    match cat.schema_by_oid(d.schema) {
        Some(sc) if !is_visible(cat, search_path, d) => format!("{}.{}", sc.name, d.name),
        _ => d.name.clone(),
    }
}

/// Whether the search path finds `d` by its bare name (pg_type_is_visible).
pub fn is_visible(cat: &Catalog, search_path: &[String], d: &Domain) -> bool {
    cat.resolve_domain(None, &d.name, search_path)
        .is_some_and(|x| x.oid == d.oid)
}

/// Domain `oid` and every domain declared over it, at any depth.
fn with_descendants(cat: &Catalog, oid: u32) -> Vec<u32> {
    let mut out = vec![oid];
    let mut i = 0;
    while i < out.len() {
        let under = out[i];
        for x in cat.domains.values() {
            if x.parent == Some(under) && !out.contains(&x.oid) {
                out.push(x.oid);
            }
        }
        i += 1;
    }
    out
}

/// USAGE on a domain, needed to declare a column, a domain or a table of it
/// (PostgreSQL's aclcheck on the type).
pub fn require_usage(s: &Session, cat: &Catalog, domain: u32) -> PgResult<()> {
    let need = Need {
        object: ObjectRef::Type(domain),
        privilege: Privilege::Usage,
        columns: vec![],
        as_role: None,
        position: None,
    };
    s.authorize((), &[need], cat).map(|_| ()).map_err(|mut e| {
        if let Some(d) = cat.domains.get(&domain) {
            let shown = shown_name(cat, &s.state.search_path(), d);
            e.message = format!("permission denied for type {shown}");
        }
        e
    })
}

/// The bound constraints of a domain (with those of the domains it is
/// declared over), as [`Expr::Domain`] runs them. Their expressions read
/// the value as column 0.
pub fn check_of(b: &mut Binder, oid: u32) -> PgResult<Arc<DomainCheck>> {
    let cat = b.catalog;
    let d = cat
        .domains
        .get(&oid)
        .ok_or_else(|| PgError::internal("domain vanished"))?;
    let mut chain = vec![d];
    while let Some(p) = chain.last().and_then(|x| x.parent) {
        match cat.domains.get(&p) {
            Some(parent) if chain.len() < 64 => chain.push(parent),
            _ => break,
        }
    }
    chain.reverse();
    let scope = value_scope(&d.base);
    let saved = b.needs.len();
    let mut checks = Vec::new();
    let mut not_null = false;
    for x in chain {
        not_null |= x.not_null;
        for c in &x.checks {
            let e = crate::parser::parse_expr(&c.expr)?;
            let mut cx = ExprCtx::new(&scope, "check constraints");
            let bound = b.bind_bool(&e, &mut cx, "CHECK")?;
            // `reads_only` answers false exactly when a subquery is there.
            if !bound.reads_only(&|_| true) {
                return Err(PgError::new(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "cannot use subquery in check constraint",
                ));
            }
            checks.push((c.name.clone(), bound));
        }
    }
    // Constraint expressions are not the user's reads: no privileges needed.
    b.needs.truncate(saved);
    Ok(Arc::new(DomainCheck {
        name: shown_name(cat, &b.search_path, d),
        not_null,
        checks: checks.into(),
        context: None,
    }))
}

/// `e` coerced to `domain` (unchanged without one).
pub fn coerce(b: &mut Binder, e: Expr, domain: Option<u32>) -> PgResult<Expr> {
    match domain {
        None => Ok(e),
        Some(oid) => Ok(Expr::Domain(Box::new(e), check_of(b, oid)?)),
    }
}

/// The scope a domain constraint is bound in: one column, `VALUE`.
fn value_scope(base: &DataType) -> Scope {
    Scope {
        columns: vec![ScopeColumn {
            table: None,
            name: "value".into(),
            ty: base.clone(),
            source: None,
            hidden: false,
        }],
    }
}

/// Whether a type named `name` exists in schema `schema`: a domain, or
/// the row type of a table or view.
fn type_exists(cat: &Catalog, schema: u32, name: &str) -> bool {
    cat.domain(schema, name).is_some() || cat.relation(schema, name).is_some()
}

/// CREATE DOMAIN.
pub fn create(s: &mut Session, cd: &ast::CreateDomain) -> PgResult<QueryResult> {
    let (schema_name, name) = split_name(&cd.name)?;
    let search_path = s.state.search_path();
    with_catalog_mut(s, |cat, _txn, s| {
        let schema = crate::ddl::creation_schema(cat, s, schema_name)?;
        crate::ddl::check_create(s, cat, &schema, &cd.name)?;
        if type_exists(cat, schema.oid, &name) {
            return Err(PgError::new(
                SqlState::DUPLICATE_OBJECT,
                format!("type \"{name}\" already exists"),
            ));
        }
        let (base, parent) = resolve(cat, &search_path, &cd.data_type)?;
        if parent.is_none() && matches!(base, DataType::Unknown | DataType::Void) {
            return Err(PgError::new(
                SqlState::DATATYPE_MISMATCH,
                format!("\"{}\" is not a valid base type for a domain", cd.data_type),
            ));
        }
        if let Some(p) = parent {
            require_usage(s, cat, p)?;
        }
        let collation = match &cd.collation {
            None => None,
            Some(c) => {
                let c = ident(c);
                if !base.is_string() {
                    return Err(PgError::new(
                        SqlState::DATATYPE_MISMATCH,
                        format!(
                            "collations are not supported by type {}",
                            base.display_name()
                        ),
                    ));
                }
                match c.as_str() {
                    "C" | "POSIX" => Some(c),
                    "default" => None,
                    _ => {
                        return Err(PgError::new(
                            SqlState::UNDEFINED_OBJECT,
                            format!("collation \"{c}\" for encoding \"UTF8\" does not exist"),
                        ))
                    }
                }
            }
        };
        let mut not_null = false;
        let mut checks: Vec<Check> = Vec::new();
        for c in &cd.constraints {
            let ast::TableConstraint::Check(ck) = c else {
                return Err(PgError::new(
                    SqlState::SYNTAX_ERROR,
                    "only NOT NULL, NULL and CHECK constraints are possible for domains",
                ));
            };
            let given = ck.name.as_ref().map(ident);
            if given.as_deref() == Some(NOT_NULL_PLACEHOLDER) {
                not_null = true;
                continue;
            }
            let cname = match given {
                Some(n) => {
                    if checks.iter().any(|x| x.name == n) {
                        return Err(PgError::new(
                            SqlState::DUPLICATE_OBJECT,
                            format!("constraint \"{n}\" for domain \"{name}\" already exists"),
                        ));
                    }
                    n
                }
                None => unused_check_name(&name, &checks),
            };
            checks.push(Check {
                oid: cat.alloc_oid(),
                name: cname,
                expr: ck.expr.to_string(),
            });
        }
        let owner = crate::ddl::owner_oid(cat, s);
        let oid = cat.alloc_oid();
        let domain = Domain {
            oid,
            schema: schema.oid,
            name: name.clone(),
            base: base.clone(),
            parent,
            not_null,
            default: cd.default.as_ref().map(|e| e.to_string()),
            checks,
            collation,
            owner,
            acl: crate::default_privs::initial_acl(cat, owner, schema.oid, 'T'),
        };
        cat.domains.insert(oid, domain);
        // Bind the constraints and the default now, so that a bad one fails
        // CREATE DOMAIN rather than every later use.
        let snapshot = cat.clone();
        let mut b = Binder::new(&snapshot, search_path.clone(), vec![]);
        check_of(&mut b, oid)?;
        if let Some(d) = &cd.default {
            let empty = Scope::default();
            let mut cx = ExprCtx::new(&empty, "DEFAULT expressions");
            let (e, ty) = b.bind_expr(d, &mut cx)?;
            b.coerce_assign(e, &ty, &base, &name)?;
        }
        cmd("CREATE DOMAIN")
    })
}

/// PostgreSQL's name for an unnamed domain CHECK: `<domain>_check`, then
/// `<domain>_check1`, ….
fn unused_check_name(domain: &str, taken: &[Check]) -> String {
    let base = format!("{domain}_check");
    let mut name = base.clone();
    let mut n = 1;
    while taken.iter().any(|c| c.name == name) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// DROP DOMAIN (and DROP TYPE naming a domain): `names` in order; columns
/// and domains over it block the drop (CASCADE drops dependent domains;
/// partial: not dependent columns).
pub fn drop(
    s: &mut Session,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> PgResult<QueryResult> {
    let is_placeholder =
        |n: &ast::ObjectName| split_name(n).is_ok_and(|(_, x)| x == DROP_DOMAIN_PLACEHOLDER);
    let (names, tag) = match names.first() {
        Some(first) if is_placeholder(first) => (&names[1..], "DROP DOMAIN"),
        _ => (names, "DROP TYPE"),
    };
    let search_path = s.state.search_path();
    with_catalog_mut(s, |cat, _txn, s| {
        for n in names {
            let (schema, name) = split_name(n)?;
            let Some(d) = cat
                .resolve_domain(schema.as_deref(), &name, &search_path)
                .cloned()
            else {
                if if_exists {
                    s.state.notice(format!(
                        "type \"{}\" does not exist, skipping",
                        display_name(n)
                    ));
                    continue;
                }
                if crate::bind::types::convert_type_name(&display_name(n)).is_ok() {
                    return Err(PgError::new(
                        SqlState::WRONG_OBJECT_TYPE,
                        format!("\"{}\" is not a domain", display_name(n)),
                    ));
                }
                return Err(PgError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("type \"{}\" does not exist", display_name(n)),
                ));
            };
            let shown = shown_name(cat, &search_path, &d);
            crate::ddl::check_owner(cat, s, d.owner, "type", &shown)?;
            let mut lines = Vec::new();
            let blocked_by_columns = dependent_lines(cat, &search_path, &d, &mut lines);
            if !lines.is_empty() && (!cascade || blocked_by_columns) {
                if cascade {
                    return Err(PgError::unsupported(
                        "DROP DOMAIN … CASCADE with dependent columns is not supported yet",
                    ));
                }
                return Err(PgError::new(
                    SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                    format!("cannot drop type {shown} because other objects depend on it"),
                )
                .with_detail(lines.join("\n"))
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
            let doomed = with_descendants(cat, d.oid);
            let cascaded: Vec<String> = doomed[1..]
                .iter()
                .filter_map(|oid| cat.domains.get(oid))
                .map(|x| format!("drop cascades to type {}", shown_name(cat, &search_path, x)))
                .collect();
            crate::ddl::cascade_notice(s, cascaded);
            for oid in doomed {
                cat.domains.remove(&oid);
                cat.descriptions
                    .retain(|c| !(c.classoid == rampart_catalog::PG_TYPE_OID && c.objoid == oid));
            }
        }
        cmd(tag)
    })
}

/// PostgreSQL's DETAIL lines for what depends on domain `d` (columns of it
/// and domains over it, in creation order, each domain followed by what
/// depends on it); true when a column is among them.
fn dependent_lines(
    cat: &Catalog,
    search_path: &[String],
    d: &Domain,
    out: &mut Vec<String>,
) -> bool {
    let shown = shown_name(cat, search_path, d);
    let mut found: Vec<(u32, Option<&Domain>, String)> = Vec::new();
    for r in cat.relations.values() {
        for c in r.columns.iter().filter(|c| c.domain == Some(d.oid)) {
            let table = cat.describe_name(r.schema, &r.name, search_path);
            found.push((
                r.oid,
                None,
                format!("column {} of table {table} depends on type {shown}", c.name),
            ));
        }
    }
    for x in cat.domains.values().filter(|x| x.parent == Some(d.oid)) {
        let line = format!(
            "type {} depends on type {shown}",
            shown_name(cat, search_path, x)
        );
        found.push((x.oid, Some(x), line));
    }
    found.sort_by_key(|(oid, _, _)| *oid);
    let mut columns = false;
    for (_, domain, line) in found {
        out.push(line);
        match domain {
            Some(x) => columns |= dependent_lines(cat, search_path, x, out),
            None => columns = true,
        }
    }
    columns
}

/// The domain a statement names (`[schema, name]` parts), or PostgreSQL's
/// `type "x" does not exist`.
pub fn named(cat: &Catalog, search_path: &[String], parts: &[String]) -> PgResult<Domain> {
    let (schema, name) = match parts {
        [n] => (None, n.as_str()),
        [sc, n] => (Some(sc.as_str()), n.as_str()),
        _ => return Err(PgError::syntax("improper qualified name")),
    };
    cat.resolve_domain(schema, name, search_path)
        .cloned()
        .ok_or_else(|| {
            PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type \"{}\" does not exist", parts.join(".")),
            )
        })
}

/// `ALTER DOMAIN name …` other than OWNER TO (sqlparser has no ALTER
/// DOMAIN; the front parser reads it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterDomainStmt {
    /// The domain's (possibly qualified) name.
    pub name: Vec<String>,
    /// What changes.
    pub action: AlterDomainAction,
}

/// One ALTER DOMAIN action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlterDomainAction {
    /// `SET DEFAULT expr` (the expression as SQL text).
    SetDefault(String),
    /// `DROP DEFAULT`.
    DropDefault,
    /// `SET NOT NULL` / `ADD [CONSTRAINT n] NOT NULL`.
    SetNotNull,
    /// `DROP NOT NULL`.
    DropNotNull,
    /// `ADD [CONSTRAINT name] CHECK (expr) [NOT VALID]`.
    AddCheck {
        /// The constraint's name, if given.
        name: Option<String>,
        /// The expression as SQL text.
        expr: String,
        /// NOT VALID: existing values are not checked.
        not_valid: bool,
    },
    /// `DROP CONSTRAINT [IF EXISTS] name`.
    DropConstraint {
        /// The constraint.
        name: String,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// `RENAME CONSTRAINT a TO b`.
    RenameConstraint {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `VALIDATE CONSTRAINT name` (every constraint here is validated).
    ValidateConstraint(String),
    /// `RENAME TO name`.
    Rename(String),
}

/// ALTER DOMAIN: the owner changes the default, NOT NULL and CHECK
/// constraints (new ones checked against the values stored in columns of
/// the domain and of domains over it, as PostgreSQL's validateDomain*), or
/// the name.
pub fn alter(s: &mut Session, a: &AlterDomainStmt) -> PgResult<QueryResult> {
    let search_path = s.state.search_path();
    with_catalog_mut(s, |cat, txn, s| {
        let d = named(cat, &search_path, &a.name)?;
        let shown = shown_name(cat, &search_path, &d);
        crate::ddl::check_owner(cat, s, d.owner, "type", &shown)?;
        let missing = |c: &str| {
            PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("constraint \"{c}\" of domain \"{}\" does not exist", d.name),
            )
        };
        let mut new = d.clone();
        match &a.action {
            AlterDomainAction::SetDefault(text) => {
                let e = crate::parser::parse_expr(text)?;
                let mut b = Binder::new(cat, search_path.clone(), vec![]);
                let empty = Scope::default();
                let mut cx = ExprCtx::new(&empty, "DEFAULT expressions");
                let (bound, ty) = b.bind_expr(&e, &mut cx)?;
                b.coerce_assign(bound, &ty, &d.base, &d.name)?;
                new.default = Some(e.to_string());
            }
            AlterDomainAction::DropDefault => new.default = None,
            AlterDomainAction::DropNotNull => new.not_null = false,
            AlterDomainAction::SetNotNull => {
                if !d.not_null {
                    for (table, column, value) in stored_values(cat, txn, d.oid)? {
                        if value.is_null() {
                            return Err(PgError::new(
                                SqlState::NOT_NULL_VIOLATION,
                                format!(
                                    "column \"{column}\" of table \"{table}\" contains null values"
                                ),
                            ));
                        }
                    }
                }
                new.not_null = true;
            }
            AlterDomainAction::AddCheck {
                name: given,
                expr,
                not_valid,
            } => {
                if *not_valid {
                    return Err(PgError::unsupported(
                        "ALTER DOMAIN … ADD CONSTRAINT … NOT VALID is not supported yet",
                    ));
                }
                let cname = match given {
                    Some(n) if d.checks.iter().any(|c| &c.name == n) => {
                        return Err(PgError::new(
                            SqlState::DUPLICATE_OBJECT,
                            format!(
                                "constraint \"{n}\" for domain \"{}\" already exists",
                                d.name
                            ),
                        ))
                    }
                    Some(n) => n.clone(),
                    None => unused_check_name(&d.name, &d.checks),
                };
                let parsed = crate::parser::parse_expr(expr)?;
                let check = Check {
                    oid: cat.alloc_oid(),
                    name: cname.clone(),
                    expr: parsed.to_string(),
                };
                // Bind the new constraint alone, then test the stored values.
                let mut alone = d.clone();
                alone.checks = vec![check.clone()];
                alone.not_null = false;
                alone.parent = None;
                let mut probe = cat.clone();
                probe.domains.insert(alone.oid, alone);
                let bound = {
                    let mut b = Binder::new(&probe, search_path.clone(), vec![]);
                    check_of(&mut b, d.oid)?
                };
                let values = stored_values(cat, txn, d.oid)?;
                let engine = s.engine().clone();
                let mut exec = crate::exec::Exec::new(txn, &probe, &mut s.state, &engine, &[]);
                for (table, column, value) in values {
                    let (_, pred) = &bound.checks[0];
                    if exec.eval(pred, std::slice::from_ref(&value))?
                        == rampart_types::Value::Bool(false)
                    {
                        return Err(PgError::new(
                            SqlState::CHECK_VIOLATION,
                            format!(
                                "column \"{column}\" of table \"{table}\" contains values that violate the new constraint"
                            ),
                        ));
                    }
                }
                new.checks.push(check);
            }
            AlterDomainAction::DropConstraint { name: c, if_exists } => {
                let before = new.checks.len();
                new.checks.retain(|x| &x.name != c);
                if new.checks.len() == before {
                    if !*if_exists {
                        return Err(missing(c));
                    }
                    s.state.notice(format!(
                        "constraint \"{c}\" of domain \"{}\" does not exist, skipping",
                        d.name
                    ));
                }
            }
            AlterDomainAction::RenameConstraint { from, to } => {
                // PostgreSQL's RenameConstraint words these two its own way.
                if !new.checks.iter().any(|x| &x.name == from) {
                    return Err(PgError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("constraint \"{from}\" for domain {shown} does not exist"),
                    ));
                }
                if new.checks.iter().any(|x| &x.name == to) {
                    return Err(PgError::new(
                        SqlState::DUPLICATE_OBJECT,
                        format!("constraint \"{to}\" for domain {shown} already exists"),
                    ));
                }
                let c = new
                    .checks
                    .iter_mut()
                    .find(|x| &x.name == from)
                    .ok_or_else(|| missing(from))?;
                c.name = to.clone();
            }
            AlterDomainAction::ValidateConstraint(c) => {
                if !d.checks.iter().any(|x| &x.name == c) {
                    return Err(missing(c));
                }
            }
            AlterDomainAction::Rename(to) => {
                if type_exists(cat, d.schema, to) {
                    return Err(PgError::new(
                        SqlState::DUPLICATE_OBJECT,
                        format!("type \"{to}\" already exists"),
                    ));
                }
                new.name = to.clone();
            }
        }
        cat.domains.insert(new.oid, new);
        cmd("ALTER DOMAIN")
    })
}

/// The values stored in columns of domain `oid` and of the domains over
/// it: (table, column, value) for every row.
fn stored_values(
    cat: &Catalog,
    txn: &rampart_storage::Transaction,
    oid: u32,
) -> PgResult<Vec<(String, String, rampart_types::Value)>> {
    let domains = with_descendants(cat, oid);
    let mut out = Vec::new();
    for r in cat.relations.values() {
        let cols: Vec<usize> = (0..r.columns.len())
            .filter(|&i| r.columns[i].domain.is_some_and(|d| domains.contains(&d)))
            .collect();
        if cols.is_empty() || r.partition_key.is_some() {
            continue;
        }
        for (_, row) in crate::exec::table::scan_all(txn, r.oid)? {
            for &c in &cols {
                if let Some(v) = row.get(c) {
                    out.push((r.name.clone(), r.columns[c].name.clone(), v.clone()));
                }
            }
        }
    }
    Ok(out)
}
