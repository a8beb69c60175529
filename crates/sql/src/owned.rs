//! Ownership statements: DROP OWNED BY and REASSIGN OWNED BY (which empty a
//! role before DROP ROLE) and ALTER … OWNER TO with PostgreSQL's rules on who
//! may. All act on the current (only) database and run inside the
//! statement's transaction, so a failure part way leaves nothing changed.

use sqlparser::ast::{Ident, ObjectName, ObjectType};

use rampart_catalog::{AclItem, Catalog, RelationKind};
use rampart_security::roles as graph;
use rampart_types::{PgError, PgResult, SqlState};

use crate::ddl::with_catalog_mut;
use crate::front::OwnedStmt;
use crate::roles::role_by_name;
use crate::rolespec::RoleSpec;
use crate::session::{QueryResult, Session};

/// Resolves the named roles, checking the current user holds each one's privileges.
fn roles(cat: &Catalog, s: &Session, names: &[RoleSpec], denied: &str) -> PgResult<Vec<u32>> {
    let me = cat
        .role(&s.state.current_user())
        .map(|r| r.oid)
        .ok_or_else(|| PgError::internal("current role vanished"))?;
    names
        .iter()
        .map(|n| {
            let r = role_by_name(cat, &n.role_name(s)?)?;
            if !graph::has_privs_of(cat, me, r.oid) {
                return Err(PgError::new(SqlState::INSUFFICIENT_PRIVILEGE, denied));
            }
            Ok(r.oid)
        })
        .collect()
}

/// Runs DROP OWNED or REASSIGN OWNED.
pub fn run(s: &mut Session, stmt: &OwnedStmt) -> PgResult<QueryResult> {
    match &stmt.reassign_to {
        Some(to) => reassign(s, stmt, to),
        None => drop_owned(s, stmt),
    }
}

/// Replaces `from` by `to` in an ACL (grantee and grantor), merging entries
/// that become the same pair, as PostgreSQL's aclnewowner.
pub(crate) fn acl_new_owner(acl: &mut Option<Vec<AclItem>>, from: u32, to: u32) {
    let Some(items) = acl.as_mut() else { return };
    let mut out: Vec<AclItem> = Vec::new();
    for mut i in items.drain(..) {
        if i.grantee == from {
            i.grantee = to;
        }
        if i.grantor == from {
            i.grantor = to;
        }
        match out
            .iter_mut()
            .find(|o| o.grantee == i.grantee && o.grantor == i.grantor)
        {
            Some(o) => {
                o.privs |= i.privs;
                o.grant_options |= i.grant_options;
            }
            None => out.push(i),
        }
    }
    *items = out;
}

fn reassign(s: &mut Session, stmt: &OwnedStmt, to: &RoleSpec) -> PgResult<QueryResult> {
    with_catalog_mut(s, |cat, _txn, s| {
        let denied = "permission denied to reassign objects";
        let from = roles(cat, s, &stmt.roles, denied)?;
        let to = roles(cat, s, std::slice::from_ref(to), denied)?[0];
        for old in from {
            if old == to {
                continue;
            }
            for sc in cat.schemas.values_mut().filter(|x| x.owner == old) {
                sc.owner = to;
                acl_new_owner(&mut sc.acl, old, to);
            }
            cat.relations.update_where(
                |x| x.owner == old,
                |r| {
                    r.owner = to;
                    acl_new_owner(&mut r.acl, old, to);
                    for c in r.columns.iter_mut() {
                        acl_new_owner(&mut c.acl, old, to);
                    }
                },
            );
            for q in cat.sequences.values_mut().filter(|x| x.owner == old) {
                q.owner = to;
                acl_new_owner(&mut q.acl, old, to);
            }
            for f in cat.functions.values_mut().filter(|x| x.owner == old) {
                f.owner = to;
                acl_new_owner(&mut f.acl, old, to);
            }
            for d in cat.domains.values_mut().filter(|x| x.owner == old) {
                d.owner = to;
                acl_new_owner(&mut d.acl, old, to);
            }
            let current = cat.database;
            for d in cat.databases.values_mut().filter(|x| x.owner == old) {
                d.owner = to;
                acl_new_owner(&mut d.acl, old, to);
                if d.oid == current {
                    acl_new_owner(&mut cat.database_acl, old, to);
                }
            }
        }
        Ok(QueryResult::Command {
            tag: "REASSIGN OWNED".into(),
        })
    })
}

/// Removes every grant to `role` (and what it granted onward) from an ACL.
fn revoke_all(acl: &mut Option<Vec<AclItem>>, role: u32) {
    if let Some(items) = acl.as_mut() {
        items.retain(|i| i.grantee != role && i.grantor != role);
    }
}

fn drop_owned(s: &mut Session, stmt: &OwnedStmt) -> PgResult<QueryResult> {
    // First the privileges and default privileges, collecting what to drop.
    let owned = with_catalog_mut(s, |cat, _txn, s| {
        let targets = roles(cat, s, &stmt.roles, "permission denied to drop objects")?;
        let mut owned: Vec<(ObjectType, ObjectName, u8)> = Vec::new();
        let qualified = |cat: &Catalog, schema: u32, name: &str| {
            let sch = cat
                .schema_by_oid(schema)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            ObjectName::from(vec![Ident::new(sch), Ident::new(name)])
        };
        for &role in &targets {
            revoke_all(&mut cat.database_acl, role);
            for d in cat.databases.values_mut() {
                revoke_all(&mut d.acl, role);
            }
            for sc in cat.schemas.values_mut() {
                revoke_all(&mut sc.acl, role);
            }
            let mentions = |acl: &Option<Vec<AclItem>>| {
                acl.as_ref().is_some_and(|items| {
                    items.is_empty() || items.iter().any(|i| i.grantee == role || i.grantor == role)
                })
            };
            cat.relations.update_where(
                |r| {
                    mentions(&r.acl)
                        || r.columns.iter().any(|c| mentions(&c.acl))
                        || r.policies.iter().any(|p| p.roles.contains(&role))
                },
                |r| {
                    // A policy loses the role; one that named only it goes
                    // (empty roles would mean PUBLIC), as in PostgreSQL.
                    r.policies.retain_mut(|p| {
                        if !p.roles.contains(&role) {
                            return true;
                        }
                        p.roles.retain(|&x| x != role);
                        !p.roles.is_empty()
                    });
                    revoke_all(&mut r.acl, role);
                    for c in r.columns.iter_mut() {
                        revoke_all(&mut c.acl, role);
                        if c.acl.as_ref().is_some_and(Vec::is_empty) {
                            c.acl = None;
                        }
                    }
                },
            );
            for q in cat.sequences.values_mut() {
                revoke_all(&mut q.acl, role);
            }
            for f in cat.functions.values_mut() {
                revoke_all(&mut f.acl, role);
            }
            for d in cat.domains.values_mut() {
                revoke_all(&mut d.acl, role);
            }
            // Routines have no dependents Rampart tracks: they go first.
            cat.functions.retain(|_, f| f.owner != role);
            cat.default_acls.retain(|d| d.role != role);
            for d in cat.default_acls.iter_mut() {
                d.acl.retain(|i| i.grantee != role);
            }
            // An entry left equal to the built-in default goes, as
            // PostgreSQL's SetDefaultACL removes it.
            cat.default_acls
                .retain(|d| !crate::default_privs::is_redundant(d));
            for r in cat.relations.values().filter(|r| r.owner == role) {
                let (kind, order) = match r.kind {
                    RelationKind::View { .. } => (ObjectType::View, 0),
                    RelationKind::Table => (ObjectType::Table, 1),
                };
                owned.push((kind, qualified(cat, r.schema, &r.name), order));
            }
            for q in cat.sequences.values().filter(|q| q.owner == role) {
                if q.owned_by.is_none() {
                    owned.push((ObjectType::Sequence, qualified(cat, q.schema, &q.name), 2));
                }
            }
            for d in cat.domains.values().filter(|d| d.owner == role) {
                owned.push((ObjectType::Type, qualified(cat, d.schema, &d.name), 2));
            }
            for sc in cat.schemas.values().filter(|x| x.owner == role) {
                owned.push((
                    ObjectType::Schema,
                    ObjectName::from(vec![Ident::new(sc.name.clone())]),
                    3,
                ));
            }
        }
        owned.sort_by_key(|(_, _, order)| *order);
        Ok(owned)
    })?;
    // Then the objects, views before tables before sequences before schemas.
    for (kind, name, _) in owned {
        crate::ddl::drop(s, &kind, &[name], true, stmt.cascade)?;
    }
    Ok(QueryResult::Command {
        tag: "DROP OWNED".into(),
    })
}

/// What an object whose owner changes lives in (the new owner needs CREATE there).
pub(crate) enum Container {
    /// A schema (relations, sequences).
    Schema(u32),
    /// The database (schemas).
    Database,
}

/// PostgreSQL's rules for `ALTER … OWNER TO`: superusers may do anything;
/// others must own the object, be a member of the new owner, and the new
/// owner needs CREATE on the containing schema (database for a schema).
/// Returns the new owner's OID (the old one when nothing changes).
pub(crate) fn check_owner_change(
    cat: &Catalog,
    s: &Session,
    kind: &str,
    name: &str,
    old_owner: u32,
    new_owner: &RoleSpec,
    container: Container,
) -> PgResult<u32> {
    let new = role_by_name(cat, &new_owner.role_name(s)?)?;
    if new.oid == old_owner {
        return Ok(old_owner);
    }
    let me = crate::privileges::principal_for(cat, &s.state.current_user())?;
    if me.superuser {
        return Ok(new.oid);
    }
    if !graph::has_privs_of(cat, me.role_oid, old_owner) {
        return Err(PgError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            format!("must be owner of {kind} {name}"),
        ));
    }
    if !graph::is_member_of(cat, me.role_oid, new.oid) {
        return Err(PgError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            format!("must be member of role \"{}\"", new.name),
        ));
    }
    let who = crate::privileges::principal_for(cat, &new.name)?;
    let (object, what) = match container {
        Container::Schema(oid) => (
            rampart_security::ObjectRef::Schema(oid),
            format!(
                "schema {}",
                cat.schema_by_oid(oid)
                    .map(|x| x.name.clone())
                    .unwrap_or_default()
            ),
        ),
        Container::Database => (
            rampart_security::ObjectRef::Database,
            format!("database {}", s.state.database),
        ),
    };
    let need = rampart_security::Need {
        object,
        privilege: rampart_security::Privilege::Create,
        columns: vec![],
        as_role: None,
        position: None,
    };
    if !rampart_security::allowed(&need, &who, cat) {
        return Err(PgError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            format!("permission denied for {what}"),
        ));
    }
    Ok(new.oid)
}

/// A name of one or two parts as (schema, name).
fn qualified(parts: &[String]) -> PgResult<(Option<String>, String)> {
    match parts {
        [n] => Ok((None, n.clone())),
        [sc, n] => Ok((Some(sc.clone()), n.clone())),
        _ => Err(PgError::syntax("improper qualified name")),
    }
}

/// ALTER SEQUENCE … OWNED BY table.column | NONE, with PostgreSQL's
/// checks: the sequence's owner runs it, and the table has the same owner
/// and schema.
pub fn sequence_owned_by(
    s: &mut Session,
    o: &crate::front::SequenceOwnedByStmt,
) -> PgResult<QueryResult> {
    let search_path = s.state.search_path();
    with_catalog_mut(s, |cat, _txn, s| {
        let (schema, name) = qualified(&o.name)?;
        let Some(q) = crate::sequence::find(cat, schema.as_deref(), &name, &search_path) else {
            if o.if_exists {
                s.state.notice(format!(
                    "relation \"{}\" does not exist, skipping",
                    o.name.join(".")
                ));
                return Ok(QueryResult::Command {
                    tag: "ALTER SEQUENCE".into(),
                });
            }
            return Err(PgError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{}\" does not exist", o.name.join(".")),
            ));
        };
        crate::ddl::check_owner(cat, s, q.owner, "sequence", &q.name)?;
        let owned_by = match &o.owned_by {
            None => None,
            Some((table, _)) if table.is_empty() => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "invalid OWNED BY option",
                )
                .with_hint("Specify OWNED BY table.column or OWNED BY NONE."));
            }
            Some((table, column)) => {
                let (tschema, tname) = qualified(table)?;
                let rel = cat
                    .resolve_relation(tschema.as_deref(), &tname, &search_path)
                    .ok_or_else(|| {
                        PgError::new(
                            SqlState::UNDEFINED_TABLE,
                            format!("relation \"{}\" does not exist", table.join(".")),
                        )
                    })?;
                if rel.owner != q.owner {
                    return Err(PgError::new(
                        SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "sequence must have same owner as table it is linked to",
                    ));
                }
                if rel.schema != q.schema {
                    return Err(PgError::new(
                        SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "sequence must be in same schema as table it is linked to",
                    ));
                }
                if rel.column_index(column).is_none() {
                    return Err(PgError::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{column}\" of relation \"{}\" does not exist",
                            rel.name
                        ),
                    ));
                }
                Some((rel.oid, column.clone()))
            }
        };
        if let Some(x) = cat.sequences.get_mut(&q.oid) {
            x.owned_by = owned_by.as_ref().map(|(t, _)| *t);
            x.owned_by_column = owned_by.map(|(_, c)| c);
        }
        Ok(QueryResult::Command {
            tag: "ALTER SEQUENCE".into(),
        })
    })
}

/// ALTER SEQUENCE / VIEW / SCHEMA / DOMAIN … OWNER TO.
pub fn alter_owner(s: &mut Session, a: &crate::front::AlterOwnerStmt) -> PgResult<QueryResult> {
    let search_path = s.state.search_path();
    with_catalog_mut(s, |cat, _txn, s| {
        let (schema, name) = qualified(&a.name)?;
        let undefined_relation = || {
            PgError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{}\" does not exist", a.name.join(".")),
            )
        };
        match a.kind {
            'n' => {
                let sc = cat.schema(&name).cloned().ok_or_else(|| {
                    PgError::new(
                        SqlState::INVALID_SCHEMA_NAME,
                        format!("schema \"{name}\" does not exist"),
                    )
                })?;
                let new = check_owner_change(
                    cat,
                    s,
                    "schema",
                    &name,
                    sc.owner,
                    &a.owner,
                    Container::Database,
                )?;
                if let Some(x) = cat.schemas.get_mut(&name) {
                    acl_new_owner(&mut x.acl, sc.owner, new);
                    x.owner = new;
                }
                Ok(QueryResult::Command {
                    tag: "ALTER SCHEMA".into(),
                })
            }
            'd' => {
                let d = crate::domain::named(cat, &search_path, &a.name)?;
                let new = check_owner_change(
                    cat,
                    s,
                    "type",
                    &d.name,
                    d.owner,
                    &a.owner,
                    Container::Schema(d.schema),
                )?;
                if let Some(x) = cat.domains.get_mut(&d.oid) {
                    acl_new_owner(&mut x.acl, d.owner, new);
                    x.owner = new;
                }
                Ok(QueryResult::Command {
                    tag: "ALTER DOMAIN".into(),
                })
            }
            'S' => {
                if let Some(sc) = &schema {
                    if cat.schema(sc).is_none() {
                        return Err(PgError::new(
                            SqlState::INVALID_SCHEMA_NAME,
                            format!("schema \"{sc}\" does not exist"),
                        ));
                    }
                }
                let q = crate::sequence::find(cat, schema.as_deref(), &name, &search_path)
                    .ok_or_else(undefined_relation)?;
                let new = check_owner_change(
                    cat,
                    s,
                    "sequence",
                    &q.name,
                    q.owner,
                    &a.owner,
                    Container::Schema(q.schema),
                )?;
                if let Some(x) = cat.sequences.get_mut(&q.oid) {
                    acl_new_owner(&mut x.acl, q.owner, new);
                    x.owner = new;
                }
                Ok(QueryResult::Command {
                    tag: "ALTER SEQUENCE".into(),
                })
            }
            _ => {
                let rel = cat
                    .resolve_relation(schema.as_deref(), &name, &search_path)
                    .cloned()
                    .ok_or_else(undefined_relation)?;
                if !matches!(rel.kind, RelationKind::View { .. }) {
                    return Err(PgError::new(
                        SqlState::WRONG_OBJECT_TYPE,
                        format!("\"{}\" is not a view", rel.name),
                    ));
                }
                let new = check_owner_change(
                    cat,
                    s,
                    "view",
                    &rel.name,
                    rel.owner,
                    &a.owner,
                    Container::Schema(rel.schema),
                )?;
                if let Some(x) = cat.relations.get_mut(&rel.oid) {
                    acl_new_owner(&mut x.acl, rel.owner, new);
                    x.owner = new;
                }
                Ok(QueryResult::Command {
                    tag: "ALTER VIEW".into(),
                })
            }
        }
    })
}
