//! Roles: CREATE/ALTER/DROP ROLE, GRANT/REVOKE membership, SET ROLE and
//! SET SESSION AUTHORIZATION, with PostgreSQL 15's permission rules and
//! messages.

use sqlparser::ast::{self, Statement};

use crate::rolespec::RoleSpec;
use rampart_catalog::{Catalog, Membership, Role};
use rampart_security::roles as graph;
use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use crate::bind::ident;
use crate::ddl::with_catalog_mut;
use crate::front::RoleStmt;
use crate::session::{QueryResult, Session};

fn cmd(tag: &str) -> PgResult<Option<QueryResult>> {
    Ok(Some(QueryResult::Command {
        tag: tag.to_string(),
    }))
}

fn denied(msg: impl Into<String>) -> PgError {
    PgError::new(SqlState::INSUFFICIENT_PRIVILEGE, msg)
}

fn no_such_role(name: &str) -> PgError {
    PgError::new(
        SqlState::UNDEFINED_OBJECT,
        format!("role \"{name}\" does not exist"),
    )
}

/// A role by name, or PostgreSQL's `role "x" does not exist`.
pub(crate) fn role_by_name<'c>(cat: &'c Catalog, name: &str) -> PgResult<&'c Role> {
    cat.role(name).ok_or_else(|| no_such_role(name))
}

fn acting(cat: &Catalog, s: &Session) -> PgResult<Role> {
    let me = s.state.current_user();
    cat.role(&me).cloned().ok_or_else(|| no_such_role(&me))
}

/// PostgreSQL's checks before `me` changes the members of `r` (GRANT/REVOKE
/// role, CREATE ROLE … IN ROLE / ROLE / ADMIN): superuser roles only by
/// superusers, others with CREATEROLE or ADMIN OPTION; pg_database_owner
/// never has explicit members.
/// PostgreSQL 15's checks on granting (`grant`) or revoking membership in
/// `r`, in AddRoleMems/DelRoleMems order: superuser roles need a superuser;
/// others the current role's CREATEROLE or the grantor's ADMIN OPTION;
/// pg_database_owner takes no explicit members; only superusers name
/// another grantor. (Two of these errors carry no SQLSTATE in PostgreSQL,
/// hence XX000.)
fn check_membership_change(
    cat: &Catalog,
    me: &Role,
    grantor: u32,
    r: &Role,
    grant: bool,
) -> PgResult<()> {
    if r.superuser {
        if !me.superuser {
            return Err(denied("must be superuser to alter superusers"));
        }
    } else if !(graph::can_admin(cat, me.oid, r.oid)
        || (grant && grantor != me.oid && graph::can_admin(cat, grantor, r.oid)))
    {
        return Err(denied(format!(
            "must have admin option on role \"{}\"",
            r.name
        )));
    }
    if grant && r.name == "pg_database_owner" {
        return Err(PgError::new(
            SqlState::INTERNAL_ERROR,
            format!("role \"{}\" cannot have explicit members", r.name),
        ));
    }
    if grant && grantor != me.oid && !me.superuser {
        return Err(denied("must be superuser to set grantor"));
    }
    Ok(())
}

/// Checks a name for CREATE ROLE / RENAME.
fn check_reserved(name: &str) -> PgResult<()> {
    if name == "public" || name == "none" {
        return Err(PgError::new(
            SqlState("42939"),
            format!("role name \"{name}\" is reserved"),
        ));
    }
    if name.starts_with("pg_") {
        return Err(PgError::new(
            SqlState("42939"),
            format!("role name \"{name}\" is reserved"),
        )
        .with_detail("Role names starting with \"pg_\" are reserved."));
    }
    Ok(())
}

/// The verifier to store for a PASSWORD clause (a given verifier is kept as is).
fn password_verifier(s: &mut Session, p: &ast::Password) -> PgResult<Option<String>> {
    match p {
        ast::Password::NullPassword => Ok(None),
        ast::Password::Password(e) => {
            let text = match e {
                ast::Expr::Value(v) => crate::bind::expr::value_string(&v.value),
                _ => None,
            }
            .ok_or_else(|| PgError::syntax(format!("syntax error at or near \"{e}\"")))?;
            if text.is_empty() {
                s.state
                    .notice("empty string is not a valid password, clearing password");
                return Ok(None);
            }
            if is_md5_hash(&text) {
                return Err(PgError::new(SqlState::INVALID_PARAMETER_VALUE, "MD5 password hashes are not supported")
                    .with_hint("Set the password in clear text (it is stored as a SCRAM-SHA-256 verifier) or give a SCRAM-SHA-256 verifier."));
            }
            if let Some(v) = rampart_auth::scram::parse_verifier(&text) {
                // A verifier of the empty password is refused like the empty
                // password itself (PostgreSQL checks the same). Checked only
                // for sane iteration counts, so a crafted verifier cannot make
                // the statement spin for minutes.
                if v.iterations <= 100_000 && rampart_auth::scram::verifies(&v, "") {
                    s.state
                        .notice("empty string is not a valid password, clearing password");
                    return Ok(None);
                }
                return Ok(Some(text));
            }
            Ok(Some(rampart_auth::scram::make_verifier(&text)))
        }
    }
}

/// An MD5 hash as PostgreSQL stores them (`md5` + 32 hex digits).
fn is_md5_hash(s: &str) -> bool {
    s.len() == 35 && s.starts_with("md5") && s[3..].chars().all(|c| c.is_ascii_hexdigit())
}

fn valid_until(s: &Session, e: &ast::Expr) -> PgResult<Option<i64>> {
    let text = match e {
        ast::Expr::Value(v) => crate::bind::expr::value_string(&v.value),
        _ => None,
    }
    .ok_or_else(|| PgError::syntax(format!("syntax error at or near \"{e}\"")))?;
    if text.eq_ignore_ascii_case("infinity") {
        return Ok(None);
    }
    match Value::from_pg_text_styled(&DataType::Timestamptz, &text, &s.state.settings.style())? {
        Value::Timestamptz(t) => Ok(Some(t.timestamp_micros())),
        _ => Err(PgError::internal("timestamptz parse")),
    }
}

fn conn_limit(e: &ast::Expr) -> PgResult<i32> {
    let n: i64 = e
        .to_string()
        .replace(' ', "")
        .parse()
        .map_err(|_| PgError::syntax(format!("syntax error at or near \"{e}\"")))?;
    if n < -1 || n > i32::MAX as i64 {
        return Err(PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("invalid connection limit: {n}"),
        ));
    }
    Ok(n as i32)
}

/// Handles role-related statements parsed by sqlparser; None for anything else.
pub fn run_sql(s: &mut Session, stmt: &Statement) -> PgResult<Option<QueryResult>> {
    match stmt {
        Statement::CreateRole(cr) => create_role(s, cr),
        Statement::AlterRole { name, operation } => alter_role(s, name, operation),
        Statement::Drop {
            object_type: ast::ObjectType::Role | ast::ObjectType::User,
            if_exists,
            names,
            ..
        } => drop_roles(s, names, *if_exists),
        Statement::Set(ast::Set::SetRole {
            context_modifier,
            role_name,
        }) => {
            let local = matches!(context_modifier, Some(ast::ContextModifier::Local));
            // 'none' in any spelling is SET ROLE NONE (PostgreSQL's check_role).
            let role = match role_name {
                Some(i) => Some(role_name_not_keyword(s, i)?).filter(|r| r != "none"),
                None => None,
            };
            set_role(s, role, local)
        }
        Statement::Set(ast::Set::SetSessionAuthorization(p)) => {
            let local = matches!(p.scope, ast::ContextModifier::Local);
            match &p.kind {
                ast::SetSessionAuthorizationParamKind::Default => {
                    set_session_authorization(s, None, local)
                }
                ast::SetSessionAuthorizationParamKind::User(u) => {
                    let user = role_name_not_keyword(s, u)?;
                    set_session_authorization(s, Some(user), local)
                }
            }
        }
        Statement::Reset(r) => match &r.reset {
            ast::Reset::SessionAuthorization => {
                set_session_authorization(s, None, false)?;
                cmd("RESET")
            }
            ast::Reset::ConfigurationParameter(n) if n.to_string().eq_ignore_ascii_case("role") => {
                set_role(s, None, false)?;
                cmd("RESET")
            }
            _ => Ok(None),
        },
        Statement::Set(ast::Set::SingleAssignment {
            variable,
            scope,
            values,
            ..
        }) if variable.to_string().eq_ignore_ascii_case("role") => {
            let local = matches!(scope, Some(ast::ContextModifier::Local));
            let v = values.first().map(|v| match v {
                ast::Expr::Value(x) => {
                    crate::bind::expr::value_string(&x.value).unwrap_or_default()
                }
                ast::Expr::Identifier(i) => ident(i),
                other => other.to_string(),
            });
            set_role(s, v.filter(|v| v != "none"), local)
        }
        _ => Ok(None),
    }
}

fn create_role(s: &mut Session, cr: &ast::CreateRole) -> PgResult<Option<QueryResult>> {
    for n in &cr.names {
        let span = n.0.first().and_then(|p| p.as_ident()).map(|i| i.span);
        let name = RoleSpec::from_name(n).and_then(|r| r.new_role_name());
        name.and_then(|name| check_reserved(&name)).map_err(|e| {
            match (span, e.detail.is_none()) {
                (Some(sp), true) => crate::bind::Binder::new(&Catalog::default(), vec![], vec![])
                    .with_source(&s.current_sql)
                    .at(e, sp),
                _ => e,
            }
        })?;
    }
    let password = match &cr.password {
        Some(p) => password_verifier(s, p)?,
        None => None,
    };
    let valid = match &cr.valid_until {
        Some(e) => valid_until(s, e)?,
        None => None,
    };
    let limit = match &cr.connection_limit {
        Some(e) => conn_limit(e)?,
        None => -1,
    };
    with_catalog_mut(s, |cat, _txn, s| {
        let me = acting(cat, s)?;
        if cr.superuser == Some(true) && !me.superuser {
            return Err(denied("must be superuser to create superusers"));
        }
        if cr.replication == Some(true) && !me.superuser {
            return Err(denied("must be superuser to create replication users"));
        }
        if cr.bypassrls == Some(true) && !me.superuser {
            return Err(denied("must be superuser to create bypassrls users"));
        }
        if !me.superuser && !me.createrole {
            return Err(denied("permission denied to create role"));
        }
        for n in &cr.names {
            let name = crate::bind::split_name(n)?.1;
            if cat.role(&name).is_some() {
                if cr.if_not_exists {
                    s.state
                        .notice(format!("role \"{name}\" already exists, skipping"));
                    continue;
                }
                return Err(PgError::new(
                    SqlState::DUPLICATE_OBJECT,
                    format!("role \"{name}\" already exists"),
                ));
            }
            let oid = cat.alloc_oid();
            let role = Role {
                superuser: cr.superuser.unwrap_or(false),
                login: cr.login.unwrap_or(false),
                inherit: cr.inherit.unwrap_or(true),
                createrole: cr.create_role.unwrap_or(false),
                createdb: cr.create_db.unwrap_or(false),
                replication: cr.replication.unwrap_or(false),
                bypassrls: cr.bypassrls.unwrap_or(false),
                connection_limit: limit,
                valid_until: valid,
                password: password.clone(),
                ..Role::new(oid, &name)
            };
            cat.roles.insert(name.clone(), role);
            // IN ROLE, ROLE and ADMIN take role specifiers
            // (`ADMIN CURRENT_USER` is the caller, `"current_user"` a role).
            for r in cr.in_role.iter().chain(&cr.in_group) {
                let group = RoleSpec::from_ident(r).role_name(s)?;
                let target = cat
                    .role(&group)
                    .cloned()
                    .ok_or_else(|| no_such_role(&group))?;
                check_membership_change(cat, &me, me.oid, &target, true)?;
                add_member(cat, s, &group, &name, false, me.oid)?;
            }
            for m in cr.role.iter().chain(&cr.user) {
                let member = RoleSpec::from_ident(m).role_name(s)?;
                add_member(cat, s, &name, &member, false, me.oid)?;
            }
            for m in &cr.admin {
                let member = RoleSpec::from_ident(m).role_name(s)?;
                add_member(cat, s, &name, &member, true, me.oid)?;
            }
        }
        Ok(())
    })?;
    cmd("CREATE ROLE")
}

/// Adds (or upgrades to ADMIN) a membership; NOTICE if already there.
fn add_member(
    cat: &mut Catalog,
    s: &mut Session,
    role: &str,
    member: &str,
    admin: bool,
    grantor: u32,
) -> PgResult<()> {
    let r = cat.role(role).cloned().ok_or_else(|| no_such_role(role))?;
    let m = cat
        .role(member)
        .cloned()
        .ok_or_else(|| no_such_role(member))?;
    if graph::would_cycle(cat, r.oid, m.oid) {
        return Err(PgError::new(
            SqlState("0LP01"),
            format!("role \"{role}\" is a member of role \"{member}\""),
        ));
    }
    if let Some(existing) = cat
        .memberships
        .iter_mut()
        .find(|x| x.role == r.oid && x.member == m.oid)
    {
        if admin && !existing.admin_option {
            existing.admin_option = true;
        } else {
            s.state.notice(format!(
                "role \"{member}\" is already a member of role \"{role}\""
            ));
        }
        return Ok(());
    }
    cat.memberships.push(Membership {
        role: r.oid,
        member: m.oid,
        grantor,
        admin_option: admin,
    });
    Ok(())
}

fn alter_role(
    s: &mut Session,
    name: &ast::Ident,
    op: &ast::AlterRoleOperation,
) -> PgResult<Option<QueryResult>> {
    let spec = RoleSpec::from_ident(name);
    if name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all") {
        // ALTER ROLE ALL only takes SET/RESET: defaults for every role.
        if !matches!(
            op,
            ast::AlterRoleOperation::Set { .. } | ast::AlterRoleOperation::Reset { .. }
        ) {
            // PostgreSQL's parser stops at the word after ALL.
            let start = crate::bind::span_position(&s.current_sql, name.span);
            return Err(
                match start.and_then(|p| word_after(&s.current_sql, p, &name.value)) {
                    Some((p, w)) => {
                        PgError::syntax(format!("syntax error at or near \"{w}\"")).with_position(p)
                    }
                    None => PgError::syntax("syntax error at or near \"WITH\""),
                },
            );
        }
        let (change, database) = ConfigChange::of(s, op)?;
        return with_catalog_mut(s, |cat, _txn, s| {
            let me = acting(cat, s)?;
            match database {
                // The same defaults as ALTER DATABASE … SET, and the same
                // rule: the database's owner (or a superuser) only.
                Some(db) => {
                    let owner = cat
                        .databases
                        .get(&db)
                        .ok_or_else(|| no_such_database(&db))?
                        .owner;
                    if !me.superuser && !graph::has_privs_of(cat, me.oid, owner) {
                        return Err(denied(format!("must be owner of database {db}")));
                    }
                    if let Some(d) = cat.databases.get_mut(&db) {
                        change.apply(&mut d.config);
                    }
                }
                None if !me.superuser => {
                    return Err(denied("must be superuser to alter settings globally"))
                }
                None => change.apply(&mut cat.all_roles_config),
            }
            Ok(Some(QueryResult::Command {
                tag: "ALTER ROLE".into(),
            }))
        });
    }
    let target_name = spec.role_name(s)?;
    // Password options need the session before the catalog closure.
    let mut password = None;
    let mut valid = None;
    let mut limit = None;
    if let ast::AlterRoleOperation::WithOptions { options } = op {
        for o in options {
            match o {
                ast::RoleOption::Password(p) => password = Some(password_verifier(s, p)?),
                ast::RoleOption::ValidUntil(e) => valid = Some(valid_until(s, e)?),
                ast::RoleOption::ConnectionLimit(e) => limit = Some(conn_limit(e)?),
                _ => {}
            }
        }
    }
    let session_user = s.state.session_user();
    let current_user = s.state.current_user();
    with_catalog_mut(s, |cat, _txn, s| {
        let me = acting(cat, s)?;
        let target = cat.role(&target_name).cloned().ok_or_else(|| no_such_role(&target_name))?;
        match op {
            ast::AlterRoleOperation::RenameRole { role_name } => {
                let new_name = RoleSpec::from_ident(role_name).new_role_name().map_err(|e| {
                    match crate::bind::span_position(&s.current_sql, role_name.span) {
                        Some(p) if e.position.is_none() => e.with_position(p),
                        _ => e,
                    }
                })?;
                if target.name == session_user {
                    return Err(PgError::new(SqlState::FEATURE_NOT_SUPPORTED, "session user cannot be renamed"));
                }
                if target.name == current_user {
                    return Err(PgError::new(SqlState::FEATURE_NOT_SUPPORTED, "current user cannot be renamed"));
                }
                if target.name.starts_with("pg_") {
                    return Err(PgError::new(SqlState("42939"), format!("role name \"{}\" is reserved", target.name))
                        .with_detail("Role names starting with \"pg_\" are reserved."));
                }
                check_reserved(&new_name)?;
                if cat.role(&new_name).is_some() {
                    return Err(PgError::new(SqlState::DUPLICATE_OBJECT, format!("role \"{new_name}\" already exists")));
                }
                if target.superuser && !me.superuser {
                    return Err(denied("must be superuser to rename superusers"));
                }
                if !me.superuser && !me.createrole {
                    return Err(denied("permission denied to rename role"));
                }
                let mut r = cat.roles.remove(&target.name).ok_or_else(|| no_such_role(&target.name))?;
                r.name = new_name.clone();
                cat.roles.insert(new_name, r);
                Ok(QueryResult::Command { tag: "ALTER ROLE".into() })
            }
            ast::AlterRoleOperation::WithOptions { options } => {
                let mut r = target.clone();
                let mut only_password = true;
                for o in options {
                    match o {
                        ast::RoleOption::SuperUser(b) => {
                            r.superuser = *b;
                            only_password = false;
                        }
                        ast::RoleOption::Login(b) => {
                            r.login = *b;
                            only_password = false;
                        }
                        ast::RoleOption::Inherit(b) => {
                            r.inherit = *b;
                            only_password = false;
                        }
                        ast::RoleOption::CreateRole(b) => {
                            r.createrole = *b;
                            only_password = false;
                        }
                        ast::RoleOption::CreateDB(b) => {
                            r.createdb = *b;
                            only_password = false;
                        }
                        ast::RoleOption::Replication(b) => {
                            r.replication = *b;
                            only_password = false;
                        }
                        ast::RoleOption::BypassRLS(b) => {
                            r.bypassrls = *b;
                            only_password = false;
                        }
                        ast::RoleOption::Password(_) => r.password = password.clone().flatten(),
                        ast::RoleOption::ValidUntil(_) => {
                            r.valid_until = valid.flatten();
                            only_password = false;
                        }
                        ast::RoleOption::ConnectionLimit(_) => {
                            r.connection_limit = limit.unwrap_or(-1);
                            only_password = false;
                        }
                    }
                }
                if !me.superuser {
                    if target.superuser || r.superuser != target.superuser {
                        return Err(denied("must be superuser to alter superuser roles or change superuser attribute"));
                    }
                    if r.replication != target.replication {
                        return Err(denied("must be superuser to alter replication roles or change replication attribute"));
                    }
                    if r.bypassrls != target.bypassrls {
                        return Err(denied("must be superuser to change bypassrls attribute"));
                    }
                    if !me.createrole && (!only_password || me.oid != target.oid) {
                        return Err(denied("permission denied"));
                    }
                }
                cat.roles.insert(r.name.clone(), r);
                Ok(QueryResult::Command { tag: "ALTER ROLE".into() })
            }
            ast::AlterRoleOperation::Set { .. } | ast::AlterRoleOperation::Reset { .. } => {
                check_config_permission(&me, &target)?;
                let (change, database) = ConfigChange::of(s, op)?;
                let database = match database {
                    Some(db) => Some(cat.databases.get(&db).map(|d| d.oid).ok_or_else(|| no_such_database(&db))?),
                    None => None,
                };
                let r = cat.roles.get_mut(&target.name).ok_or_else(|| no_such_role(&target.name))?;
                match database {
                    Some(oid) => {
                        let i = match r.database_config.iter().position(|(d, _)| *d == oid) {
                            Some(i) => i,
                            None => {
                                r.database_config.push((oid, vec![]));
                                r.database_config.len() - 1
                            }
                        };
                        change.apply(&mut r.database_config[i].1);
                        r.database_config.retain(|(_, c)| !c.is_empty());
                    }
                    None => change.apply(&mut r.config),
                }
                Ok(QueryResult::Command { tag: "ALTER ROLE".into() })
            }
            other => Err(PgError::syntax(format!("syntax error at or near \"{other}\""))),
        }
    })
    .map(Some)
}

fn check_config_permission(me: &Role, target: &Role) -> PgResult<()> {
    // PostgreSQL 15's AlterRoleSet: superusers' settings are for superusers.
    if target.superuser && !me.superuser {
        return Err(denied("must be superuser to alter superusers"));
    }
    if me.superuser || me.oid == target.oid || me.createrole {
        return Ok(());
    }
    Err(denied("permission denied"))
}

/// The word after `word` (written at 1-based character `at` of `src`) and
/// its position.
fn word_after(src: &str, at: u32, word: &str) -> Option<(u32, String)> {
    let skip = at as usize - 1 + word.chars().count();
    let rest: Vec<char> = src.chars().skip(skip).collect();
    let blank = rest.iter().take_while(|c| c.is_whitespace()).count();
    let next: String = rest[blank..]
        .iter()
        .take_while(|c| c.is_alphanumeric() || **c == '_')
        .collect();
    (!next.is_empty()).then(|| ((skip + blank + 1) as u32, next))
}

/// What an `ALTER ROLE … SET/RESET` does to a stored list of defaults.
enum ConfigChange {
    /// SET name TO value (validated as SET would).
    Set(String, String),
    /// RESET name, or SET name TO DEFAULT.
    Reset(String),
    /// RESET ALL.
    ResetAll,
}

impl ConfigChange {
    /// The change and the database of `IN DATABASE`, if any.
    fn of(s: &Session, op: &ast::AlterRoleOperation) -> PgResult<(ConfigChange, Option<String>)> {
        let database = match op {
            ast::AlterRoleOperation::Set { in_database, .. }
            | ast::AlterRoleOperation::Reset { in_database, .. } => in_database
                .as_ref()
                .map(|d| crate::bind::split_name(d).map(|(_, n)| n))
                .transpose()?,
            _ => None,
        };
        Ok((ConfigChange::change_of(s, op)?, database))
    }

    fn change_of(s: &Session, op: &ast::AlterRoleOperation) -> PgResult<ConfigChange> {
        match op {
            ast::AlterRoleOperation::Set {
                config_name,
                config_value,
                ..
            } => {
                let key = config_name.to_string().to_lowercase();
                let value = match config_value {
                    ast::SetConfigValue::Value(e) => match e {
                        ast::Expr::Value(v) => {
                            crate::bind::expr::value_string(&v.value).unwrap_or_default()
                        }
                        other => other.to_string(),
                    },
                    _ => return Ok(ConfigChange::Reset(key)),
                };
                // Validate the value as SET would.
                let mut probe = s.state.settings.clone();
                probe.set(&key, &value, false)?;
                Ok(ConfigChange::Set(key, value))
            }
            ast::AlterRoleOperation::Reset { config_name, .. } => Ok(match config_name {
                ast::ResetConfig::ALL => ConfigChange::ResetAll,
                ast::ResetConfig::ConfigName(n) => {
                    ConfigChange::Reset(n.to_string().to_lowercase())
                }
            }),
            other => Err(PgError::syntax(format!(
                "syntax error at or near \"{other}\""
            ))),
        }
    }

    fn apply(self, config: &mut Vec<(String, String)>) {
        match self {
            // Replaced in place, else added last (PostgreSQL's GUCArrayAdd).
            ConfigChange::Set(key, value) => match config.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => config.push((key, value)),
            },
            ConfigChange::Reset(key) => config.retain(|(k, _)| *k != key),
            ConfigChange::ResetAll => config.clear(),
        }
    }
}

fn drop_roles(
    s: &mut Session,
    names: &[ast::ObjectName],
    if_exists: bool,
) -> PgResult<Option<QueryResult>> {
    let session_user = s.state.session_user();
    let search_path = s.state.search_path();
    let current_user = s.state.current_user();
    with_catalog_mut(s, |cat, _txn, s| {
        let me = acting(cat, s)?;
        if !me.superuser && !me.createrole {
            return Err(denied("permission denied to drop role"));
        }
        for n in names {
            let name = match RoleSpec::from_name(n)? {
                RoleSpec::Name(name) => name,
                spec @ (RoleSpec::Reserved(_) | RoleSpec::Misplaced(..)) => {
                    return Err(spec.refusal(Some(s)))
                }
                _ => {
                    return Err(PgError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        "cannot use special role specifier in DROP ROLE",
                    ))
                }
            };
            let Some(target) = cat.role(&name).cloned() else {
                if if_exists {
                    s.state
                        .notice(format!("role \"{name}\" does not exist, skipping"));
                    continue;
                }
                return Err(no_such_role(&name));
            };
            if target.name == current_user {
                return Err(PgError::new(
                    SqlState("55006"),
                    "current user cannot be dropped",
                ));
            }
            if target.name == session_user {
                return Err(PgError::new(
                    SqlState("55006"),
                    "session user cannot be dropped",
                ));
            }
            if target.superuser && !me.superuser {
                return Err(denied("must be superuser to drop superusers"));
            }
            if rampart_catalog::PREDEFINED_ROLES
                .iter()
                .any(|(o, _)| *o == target.oid)
                || target.oid == rampart_catalog::BOOTSTRAP_SUPERUSER_OID
            {
                return Err(PgError::new(
                    SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                    format!(
                        "cannot drop role {} because it is required by the database system",
                        target.name
                    ),
                ));
            }
            // PostgreSQL lists dependencies in the order they arose (pg_shdepend);
            // object OIDs approximate that, with a serial column's sequence just
            // before its table (PostgreSQL creates it first).
            let mut keyed: Vec<(u64, String)> = Vec::new();
            keyed.extend(
                cat.databases
                    .values()
                    .filter(|d| d.owner == target.oid)
                    .map(|d| {
                        (
                            object_key(cat, d.oid),
                            format!("owner of database {}", d.name),
                        )
                    }),
            );
            keyed.extend(
                cat.schemas
                    .values()
                    .filter(|x| x.owner == target.oid)
                    .map(|x| {
                        (
                            object_key(cat, x.oid),
                            format!("owner of schema {}", x.name),
                        )
                    }),
            );
            keyed.extend(
                cat.relations
                    .values()
                    .filter(|x| x.owner == target.oid)
                    .map(|x| {
                        let kind = if matches!(x.kind, rampart_catalog::RelationKind::View { .. }) {
                            "view"
                        } else {
                            "table"
                        };
                        let name = cat.describe_name(x.schema, &x.name, &search_path);
                        (object_key(cat, x.oid), format!("owner of {kind} {name}"))
                    }),
            );
            keyed.extend(
                cat.sequences
                    .values()
                    .filter(|x| x.owner == target.oid)
                    .map(|x| {
                        let name = cat.describe_name(x.schema, &x.name, &search_path);
                        (object_key(cat, x.oid), format!("owner of sequence {name}"))
                    }),
            );
            keyed.extend(
                cat.functions
                    .values()
                    .filter(|f| f.owner == target.oid)
                    .map(|f| {
                        (
                            object_key(cat, f.oid),
                            format!("owner of {}", function_display(cat, f, &search_path)),
                        )
                    }),
            );
            keyed.extend(
                cat.domains
                    .values()
                    .filter(|d| d.owner == target.oid)
                    .map(|d| {
                        let name = crate::domain::shown_name(cat, &search_path, d);
                        (object_key(cat, d.oid), format!("owner of type {name}"))
                    }),
            );
            keyed.extend(acl_dependencies(cat, target.oid, &search_path));
            keyed.extend(default_acl_dependencies(cat, target.oid));
            keyed.extend(policy_dependencies(cat, target.oid, &search_path));
            keyed.sort_by_key(|(k, _)| *k);
            let owned: Vec<String> = keyed.into_iter().map(|(_, l)| l).collect();
            if !owned.is_empty() {
                return Err(PgError::new(
                    SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                    format!(
                        "role \"{}\" cannot be dropped because some objects depend on it",
                        target.name
                    ),
                )
                .with_detail(owned.join("\n")));
            }
            cat.roles.remove(&target.name);
            cat.memberships
                .retain(|m| m.role != target.oid && m.member != target.oid);
        }
        Ok(QueryResult::Command {
            tag: "DROP ROLE".into(),
        })
    })
    .map(Some)
}

/// "owner of default privileges on new relations belonging to role r" lines
/// (and "privileges for ..." when `role` is a grantee), as PostgreSQL's DETAIL.
fn default_acl_dependencies(cat: &Catalog, role: u32) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for d in &cat.default_acls {
        let what = match d.objtype {
            'S' => "sequences",
            'f' => "functions",
            'T' => "types",
            'n' => "schemas",
            _ => "relations",
        };
        let owner = cat
            .role_by_oid(d.role)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let place = match cat.schema_by_oid(d.schema) {
            Some(sc) if d.schema != 0 => format!(" in schema {}", sc.name),
            _ => String::new(),
        };
        let text = format!("default privileges on new {what} belonging to role {owner}{place}");
        let key = object_key(cat, d.oid);
        if d.role == role {
            out.push((key, format!("owner of {text}")));
        } else if d.acl.iter().any(|i| i.grantee == role) {
            out.push((key, format!("privileges for {text}")));
        }
    }
    out
}

/// "target of policy p on table t" for every policy that names `role` in TO.
fn policy_dependencies(cat: &Catalog, role: u32, search_path: &[String]) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for r in cat.relations.values() {
        for p in r.policies.iter().filter(|p| p.roles.contains(&role)) {
            let table = cat.describe_name(r.schema, &r.name, search_path);
            out.push((
                object_key(cat, p.oid),
                format!("target of policy {} on table {table}", p.name),
            ));
        }
    }
    out
}

/// `function f(integer)` / `procedure p()` as dependency listings name routines.
fn function_display(
    cat: &Catalog,
    f: &rampart_catalog::Function,
    search_path: &[String],
) -> String {
    let kind = if f.kind == 'p' {
        "procedure"
    } else {
        "function"
    };
    let types: Vec<String> = f.input_types().iter().map(|t| t.display_name()).collect();
    let schema = cat
        .schema_by_oid(f.schema)
        .map(|x| x.name.clone())
        .unwrap_or_default();
    let name = if search_path.contains(&schema) {
        f.name.clone()
    } else {
        format!("{schema}.{}", f.name)
    };
    format!("{kind} {name}({})", types.join(", "))
}

/// Sort key of an object in dependency listings (see DROP ROLE).
fn object_key(cat: &Catalog, oid: u32) -> u64 {
    match cat.sequences.get(&oid).and_then(|q| q.owned_by) {
        Some(table) => (table as u64) * 2,
        None => (oid as u64) * 2 + 1,
    }
}

/// "privileges for table t" lines for every ACL that mentions `role`.
fn acl_dependencies(cat: &Catalog, role: u32, search_path: &[String]) -> Vec<(u64, String)> {
    let mentions = |acl: &Option<Vec<rampart_catalog::AclItem>>| {
        acl.as_ref()
            .is_some_and(|a| a.iter().any(|i| i.grantee == role || i.grantor == role))
    };
    let mut out = Vec::new();
    if mentions(&cat.database_acl) {
        if let Some(d) = cat.current_database().filter(|d| d.owner != role) {
            out.push((
                object_key(cat, d.oid),
                format!("privileges for database {}", d.name),
            ));
        }
    }
    for d in cat
        .databases
        .values()
        .filter(|d| d.oid != cat.database && d.owner != role)
    {
        if mentions(&d.acl) {
            out.push((
                object_key(cat, d.oid),
                format!("privileges for database {}", d.name),
            ));
        }
    }
    out.extend(cat.schemas.values().filter(|s| mentions(&s.acl)).map(|s| {
        (
            object_key(cat, s.oid),
            format!("privileges for schema {}", s.name),
        )
    }));
    for r in cat.relations.values() {
        let kind = if matches!(r.kind, rampart_catalog::RelationKind::View { .. }) {
            "view"
        } else {
            "table"
        };
        let name = cat.describe_name(r.schema, &r.name, search_path);
        let key = object_key(cat, r.oid);
        // An owner's own entries are covered by "owner of" (PostgreSQL records no ACL dependency for them).
        if r.owner == role {
            continue;
        }
        if mentions(&r.acl) {
            out.push((key, format!("privileges for {kind} {name}")));
        }
        for c in &r.columns {
            if mentions(&c.acl) {
                out.push((
                    key,
                    format!("privileges for column {} of {kind} {name}", c.name),
                ));
            }
        }
    }
    out.extend(
        cat.functions
            .values()
            .filter(|f| f.owner != role && mentions(&f.acl))
            .map(|f| {
                (
                    object_key(cat, f.oid),
                    format!("privileges for {}", function_display(cat, f, search_path)),
                )
            }),
    );
    out.extend(
        cat.domains
            .values()
            .filter(|d| d.owner != role && mentions(&d.acl))
            .map(|d| {
                (
                    object_key(cat, d.oid),
                    format!(
                        "privileges for type {}",
                        crate::domain::shown_name(cat, search_path, d)
                    ),
                )
            }),
    );
    out.extend(
        cat.sequences
            .values()
            .filter(|q| mentions(&q.acl))
            .map(|q| {
                (
                    object_key(cat, q.oid),
                    format!(
                        "privileges for sequence {}",
                        cat.describe_name(q.schema, &q.name, search_path)
                    ),
                )
            }),
    );
    out
}

/// GRANT/REVOKE role membership.
pub fn run(s: &mut Session, stmt: &RoleStmt) -> PgResult<QueryResult> {
    let members: Vec<String> = stmt
        .members
        .iter()
        .map(|m| m.role_name(s))
        .collect::<PgResult<_>>()?;
    // PostgreSQL 15's grammar drops GRANTED BY from REVOKE of a role: it is
    // not even looked up there.
    let granted_by = match stmt.revoke {
        true => None,
        false => stmt
            .granted_by
            .as_ref()
            .map(|g| g.role_name(s))
            .transpose()?,
    };
    with_catalog_mut(s, |cat, _txn, s| {
        let me = acting(cat, s)?;
        let grantor = match &granted_by {
            Some(g) => cat.role(g).map(|r| r.oid).ok_or_else(|| no_such_role(g))?,
            None => me.oid,
        };
        for role in &stmt.roles {
            let r = cat.role(role).cloned().ok_or_else(|| no_such_role(role))?;
            check_membership_change(cat, &me, grantor, &r, !stmt.revoke)?;
            for member in &members {
                let m = cat
                    .role(member)
                    .cloned()
                    .ok_or_else(|| no_such_role(member))?;
                if !stmt.revoke && m.name == "pg_database_owner" {
                    return Err(PgError::new(
                        SqlState::INTERNAL_ERROR,
                        "role \"pg_database_owner\" cannot be a member of any role",
                    ));
                }
                if !stmt.revoke {
                    add_member(cat, s, &r.name, &m.name, stmt.admin_option, grantor)?;
                    continue;
                }
                match cat
                    .memberships
                    .iter()
                    .position(|x| x.role == r.oid && x.member == m.oid)
                {
                    None => {
                        let mut w = PgError::new(
                            SqlState::WARNING,
                            format!("role \"{}\" is not a member of role \"{}\"", m.name, r.name),
                        );
                        w.severity = "WARNING";
                        s.state.notices.push(w);
                    }
                    Some(i) if stmt.admin_option => cat.memberships[i].admin_option = false,
                    Some(i) => {
                        cat.memberships.remove(i);
                    }
                }
            }
        }
        Ok(QueryResult::Command {
            tag: if stmt.revoke {
                if stmt.alter_group {
                    "ALTER ROLE".into()
                } else {
                    "REVOKE ROLE".into()
                }
            } else {
                if stmt.alter_group {
                    "ALTER ROLE".into()
                } else {
                    "GRANT ROLE".into()
                }
            },
        })
    })
}

/// The role named by SET ROLE / SET SESSION AUTHORIZATION / COMMENT ON
/// ROLE: a name or a string, never a reserved keyword (`SET ROLE
/// current_user` is a syntax error in PostgreSQL, not the role called
/// current_user).
pub(crate) fn role_name_not_keyword(s: &Session, i: &ast::Ident) -> PgResult<String> {
    if i.quote_style.is_none() && crate::keywords::is_reserved(&i.value.to_lowercase()) {
        let e = PgError::syntax(format!("syntax error at or near \"{}\"", i.value));
        return Err(match crate::bind::span_position(&s.current_sql, i.span) {
            Some(p) => e.with_position(p),
            None => e,
        });
    }
    Ok(ident(i))
}

fn set_role(s: &mut Session, role: Option<String>, local: bool) -> PgResult<Option<QueryResult>> {
    let cat = s.catalog()?;
    let session_user = s.state.session_user();
    let me = cat
        .role(&session_user)
        .cloned()
        .ok_or_else(|| no_such_role(&session_user))?;
    let (value, superuser) = match role {
        None => ("none".to_string(), me.superuser),
        Some(name) => {
            let r = cat
                .role(&name)
                .cloned()
                .ok_or_else(|| no_such_role(&name))?;
            if !graph::is_member_of(&cat, me.oid, r.oid) {
                return Err(denied(format!("permission denied to set role \"{name}\"")));
            }
            (r.name.clone(), r.superuser)
        }
    };
    s.state.settings.set_privileged("role", &value, local);
    s.state
        .settings
        .set_privileged("is_superuser", if superuser { "on" } else { "off" }, local);
    cmd("SET")
}

fn set_session_authorization(
    s: &mut Session,
    user: Option<String>,
    local: bool,
) -> PgResult<Option<QueryResult>> {
    let cat = s.catalog()?;
    let auth = s.state.authenticated_user.clone();
    let auth_role = cat
        .role(&auth)
        .cloned()
        .ok_or_else(|| no_such_role(&auth))?;
    let target = match user {
        None => auth_role.clone(),
        Some(u) => cat.role(&u).cloned().ok_or_else(|| no_such_role(&u))?,
    };
    if target.oid != auth_role.oid && !auth_role.superuser {
        return Err(denied("permission denied to set session authorization"));
    }
    s.state
        .settings
        .set_privileged("session_authorization", &target.name, local);
    s.state.settings.set_privileged("role", "none", local);
    s.state.settings.set_privileged(
        "is_superuser",
        if target.superuser { "on" } else { "off" },
        local,
    );
    cmd("SET")
}

/// `pg_has_role(user, role, mode)`.
pub fn pg_has_role(cat: &Catalog, user: &str, role: &str, mode: &str) -> PgResult<bool> {
    let u = cat.role(user).ok_or_else(|| no_such_role(user))?;
    let r = cat.role(role).ok_or_else(|| no_such_role(role))?;
    let mode_l = mode.trim().to_ascii_lowercase();
    let (base, admin) = match mode_l
        .strip_suffix(" with admin option")
        .or_else(|| mode_l.strip_suffix(" with grant option"))
    {
        Some(b) => (b.trim().to_string(), true),
        None => (mode_l.clone(), false),
    };
    if admin {
        return Ok(graph::can_admin(cat, u.oid, r.oid) && (base == "member" || base == "usage"));
    }
    match base.as_str() {
        "member" => Ok(graph::is_member_of(cat, u.oid, r.oid)),
        "usage" => Ok(graph::has_privs_of(cat, u.oid, r.oid)),
        _ => Err(PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("unrecognized privilege type: \"{mode}\""),
        )),
    }
}

/// Per-role settings applied when a session starts (ALTER ROLE … SET).
pub fn login_settings(cat: &Catalog, user: &str) -> Vec<(String, String)> {
    cat.role(user).map(|r| r.config.clone()).unwrap_or_default()
}

/// `ALTER ROLE … IN DATABASE` defaults of `user` for database `database`
/// (applied last at login: they override every other default).
pub fn login_database_settings(cat: &Catalog, user: &str, database: u32) -> Vec<(String, String)> {
    cat.role(user)
        .and_then(|r| r.database_config.iter().find(|(d, _)| *d == database))
        .map(|(_, c)| c.clone())
        .unwrap_or_default()
}

fn no_such_database(name: &str) -> PgError {
    PgError::new(
        SqlState("3D000"),
        format!("database \"{name}\" does not exist"),
    )
}

/// `ALTER ROLE ALL SET` defaults, applied at login before the database's
/// and the role's own (PostgreSQL's lowest-priority `PGC_S_GLOBAL`).
pub fn global_settings(cat: &Catalog) -> Vec<(String, String)> {
    cat.all_roles_config.clone()
}
