//! CREATE / ALTER / DROP POLICY (row-level security policies).

use sqlparser::ast;

use rampart_catalog::{Catalog, Policy, PolicyCmd, Relation};
use rampart_types::{PgError, PgResult, SqlState};

use crate::bind::expr::ExprCtx;
use crate::bind::{ident, Binder, Scope};
use crate::ddl::with_catalog_mut;
use crate::session::{QueryResult, Session};

fn target<'a>(cat: &'a Catalog, s: &Session, name: &ast::ObjectName) -> PgResult<&'a Relation> {
    let mut b = Binder::new(cat, s.state.search_path(), vec![]);
    b.resolve_relation(name)
}

/// Only the table's owner may manage its policies. PostgreSQL names the
/// object "table" for CREATE/ALTER POLICY and "relation" for DROP POLICY.
fn must_own(cat: &Catalog, s: &Session, rel: &Relation, noun: &str) -> PgResult<()> {
    crate::ddl::check_owner(cat, s, rel.owner, noun, &rel.name)
}

fn roles_of(cat: &Catalog, s: &Session, to: &Option<Vec<ast::Owner>>) -> PgResult<Vec<u32>> {
    let mut out = Vec::new();
    for o in to.iter().flatten() {
        let Some(name) = crate::rolespec::RoleSpec::from_owner(o).grantee(s)? else {
            return Ok(vec![]);
        };
        let r = cat.role(&name).ok_or_else(|| {
            PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("role \"{name}\" does not exist"),
            )
        })?;
        out.push(r.oid);
    }
    Ok(out)
}

/// Binds a policy expression against the table to validate it.
/// Binds a policy expression (so errors surface at CREATE/ALTER POLICY);
/// returns its text and PostgreSQL's rendering of it when available.
fn validate(
    cat: &Catalog,
    s: &Session,
    rel: &Relation,
    e: &ast::Expr,
) -> PgResult<(String, Option<String>)> {
    let mut b = Binder::new(cat, s.state.search_path(), vec![]).with_source(&s.current_sql);
    let scope = Scope::for_relation(rel, &rel.name);
    let mut cx = ExprCtx::new(&scope, "policy expressions");
    let bound = b.bind_bool(e, &mut cx, "POLICY")?;
    let text = e.to_string();
    let shown = crate::deparse::deparse(&bound, &rel.columns).or_else(|| {
        crate::deparse_query::QueryDeparser::new(cat, &s.state.search_path(), false)
            .policy_expression(rel, &text)
    });
    Ok((text, shown))
}

/// The other relations a policy's expressions read.
fn dependencies(cat: &Catalog, s: &Session, rel: &Relation, p: &Policy) -> Vec<u32> {
    let mut out = Vec::new();
    for text in [&p.using, &p.with_check].into_iter().flatten() {
        let Ok(e) = crate::parser::parse_expr(text) else {
            continue;
        };
        let mut b = Binder::new(cat, s.state.search_path(), vec![]);
        let scope = Scope::for_relation(rel, &rel.name);
        let mut cx = ExprCtx::new(&scope, "policy expressions");
        if b.bind_bool(&e, &mut cx, "POLICY").is_err() {
            continue;
        }
        // Direct references only: what a view in the expression reads is the view's dependency.
        for n in b.needs.iter().filter(|n| n.as_role.is_none()) {
            if let rampart_security::ObjectRef::Relation(oid) = n.object {
                if oid != rel.oid && !out.contains(&oid) && cat.relation_by_oid(oid).is_some() {
                    out.push(oid);
                }
            }
        }
    }
    out
}

/// (text, display) of an optional validated expression.
fn split(v: Option<(String, Option<String>)>) -> (Option<String>, Option<String>) {
    match v {
        Some((text, shown)) => (Some(text), shown),
        None => (None, None),
    }
}

/// CREATE POLICY.
pub fn create(s: &mut Session, cp: &ast::CreatePolicy) -> PgResult<QueryResult> {
    with_catalog_mut(s, |cat, _txn, s| {
        let rel = target(cat, s, &cp.table_name)?.clone();
        must_own(cat, s, &rel, "table")?;
        let name = ident(&cp.name);
        if rel.policies.iter().any(|p| p.name == name) {
            return Err(PgError::new(
                SqlState::DUPLICATE_OBJECT,
                format!(
                    "policy \"{name}\" for table \"{}\" already exists",
                    rel.name
                ),
            ));
        }
        let cmd = match cp.command {
            None | Some(ast::CreatePolicyCommand::All) => PolicyCmd::All,
            Some(ast::CreatePolicyCommand::Select) => PolicyCmd::Select,
            Some(ast::CreatePolicyCommand::Insert) => PolicyCmd::Insert,
            Some(ast::CreatePolicyCommand::Update) => PolicyCmd::Update,
            Some(ast::CreatePolicyCommand::Delete) => PolicyCmd::Delete,
        };
        if cmd == PolicyCmd::Insert && cp.using.is_some() {
            return Err(PgError::syntax(
                "only WITH CHECK expression allowed for INSERT",
            ));
        }
        if matches!(cmd, PolicyCmd::Select | PolicyCmd::Delete) && cp.with_check.is_some() {
            return Err(PgError::syntax(
                "WITH CHECK cannot be applied to SELECT or DELETE",
            ));
        }
        let roles = roles_of(cat, s, &cp.to)?;
        let using = cp
            .using
            .as_ref()
            .map(|e| validate(cat, s, &rel, e))
            .transpose()?;
        let with_check = cp
            .with_check
            .as_ref()
            .map(|e| validate(cat, s, &rel, e))
            .transpose()?;
        let (using, using_display) = split(using);
        let (with_check, with_check_display) = split(with_check);
        let oid = cat.alloc_oid();
        let permissive = !matches!(cp.policy_type, Some(ast::CreatePolicyType::Restrictive));
        let mut policy = Policy {
            oid,
            name,
            permissive,
            cmd,
            roles,
            using,
            with_check,
            using_display,
            with_check_display,
            depends_on: vec![],
        };
        policy.depends_on = dependencies(cat, s, &rel, &policy);
        let r = cat
            .relations
            .get_mut(&rel.oid)
            .ok_or_else(|| PgError::internal("relation vanished"))?;
        r.policies.push(policy);
        Ok(QueryResult::Command {
            tag: "CREATE POLICY".into(),
        })
    })
}

/// ALTER POLICY.
pub fn alter(s: &mut Session, ap: &ast::AlterPolicy) -> PgResult<QueryResult> {
    with_catalog_mut(s, |cat, _txn, s| {
        let rel = target(cat, s, &ap.table_name)?.clone();
        must_own(cat, s, &rel, "table")?;
        let name = ident(&ap.name);
        let Some(pos) = rel.policies.iter().position(|p| p.name == name) else {
            return Err(PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!(
                    "policy \"{name}\" for table \"{}\" does not exist",
                    rel.name
                ),
            ));
        };
        let mut p = rel.policies[pos].clone();
        match &ap.operation {
            ast::AlterPolicyOperation::Rename { new_name } => {
                let n = ident(new_name);
                if rel.policies.iter().any(|q| q.name == n) {
                    return Err(PgError::new(
                        SqlState::DUPLICATE_OBJECT,
                        format!("policy \"{n}\" for table \"{}\" already exists", rel.name),
                    ));
                }
                p.name = n;
            }
            ast::AlterPolicyOperation::Apply {
                to,
                using,
                with_check,
            } => {
                if to.is_some() {
                    p.roles = roles_of(cat, s, to)?;
                }
                if let Some(e) = using {
                    if p.cmd == PolicyCmd::Insert {
                        return Err(PgError::syntax(
                            "only WITH CHECK expression allowed for INSERT",
                        ));
                    }
                    let (text, shown) = validate(cat, s, &rel, e)?;
                    p.using = Some(text);
                    p.using_display = shown;
                }
                if let Some(e) = with_check {
                    if matches!(p.cmd, PolicyCmd::Select | PolicyCmd::Delete) {
                        return Err(PgError::syntax(
                            "WITH CHECK cannot be applied to SELECT or DELETE",
                        ));
                    }
                    let (text, shown) = validate(cat, s, &rel, e)?;
                    p.with_check = Some(text);
                    p.with_check_display = shown;
                }
                p.depends_on = dependencies(cat, s, &rel, &p);
            }
        }
        let r = cat
            .relations
            .get_mut(&rel.oid)
            .ok_or_else(|| PgError::internal("relation vanished"))?;
        r.policies[pos] = p;
        Ok(QueryResult::Command {
            tag: "ALTER POLICY".into(),
        })
    })
}

/// DROP POLICY.
pub fn drop(s: &mut Session, dp: &ast::DropPolicy) -> PgResult<QueryResult> {
    with_catalog_mut(s, |cat, _txn, s| {
        let rel = target(cat, s, &dp.table_name)?.clone();
        let name = ident(&dp.name);
        let Some(pos) = rel.policies.iter().position(|p| p.name == name) else {
            if dp.if_exists {
                s.state.notice(format!(
                    "policy \"{name}\" for relation \"{}\" does not exist, skipping",
                    crate::bind::display_name(&dp.table_name)
                ));
                return Ok(QueryResult::Command {
                    tag: "DROP POLICY".into(),
                });
            }
            return Err(PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!(
                    "policy \"{name}\" for table \"{}\" does not exist",
                    rel.name
                ),
            ));
        };
        must_own(cat, s, &rel, "relation")?;
        let r = cat
            .relations
            .get_mut(&rel.oid)
            .ok_or_else(|| PgError::internal("relation vanished"))?;
        r.policies.remove(pos);
        Ok(QueryResult::Command {
            tag: "DROP POLICY".into(),
        })
    })
}
