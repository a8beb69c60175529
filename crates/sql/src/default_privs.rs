//! ALTER DEFAULT PRIVILEGES: per-role (and per-schema) privileges that new
//! tables, views, sequences and schemas receive when created, as
//! PostgreSQL's `pg_default_acl`.
//!
//! A role's global entry replaces the built-in default (owner holds
//! everything); per-schema entries add to it. An entry that ends up equal to
//! the built-in default (global) or empty (per schema) is removed. Entries for
//! FUNCTIONS apply to new functions, TYPES to new domains.

use sqlparser::ast::{self, Privileges, Statement};

use rampart_catalog::acl as bits;
use rampart_catalog::{AclItem, Catalog, DefaultAcl};
use rampart_security::acl::{self, default_acl, AclKind};
use rampart_security::roles as graph;
use rampart_types::{PgError, PgResult, SqlState};

use crate::ddl::with_catalog_mut;
use crate::front::DefaultPrivStmt;
use crate::session::{QueryResult, Session};

/// The privileges each object kind can carry, and the built-in default ACL
/// for an owner (PostgreSQL's `acldefault`).
fn hardwired(objtype: char, owner: u32) -> (u16, Vec<AclItem>) {
    let public = |privs: u16| AclItem {
        grantee: 0,
        grantor: owner,
        privs,
        grant_options: 0,
    };
    match objtype {
        'S' => (bits::ALL_SEQUENCE, default_acl(AclKind::Sequence, owner)),
        'n' => (bits::ALL_SCHEMA, default_acl(AclKind::Schema, owner)),
        'f' => {
            // acldefault lists PUBLIC first for functions and types.
            let d = vec![
                public(bits::EXECUTE),
                AclItem {
                    grantee: owner,
                    grantor: owner,
                    privs: bits::EXECUTE,
                    grant_options: 0,
                },
            ];
            (bits::EXECUTE, d)
        }
        'T' => {
            // acldefault lists PUBLIC first for functions and types.
            let d = vec![
                public(bits::USAGE),
                AclItem {
                    grantee: owner,
                    grantor: owner,
                    privs: bits::USAGE,
                    grant_options: 0,
                },
            ];
            (bits::USAGE, d)
        }
        _ => (bits::ALL_TABLE, default_acl(AclKind::Relation, owner)),
    }
}

fn kind_name(objtype: char) -> &'static str {
    match objtype {
        'S' => "sequence",
        'n' => "schema",
        'f' => "function",
        'T' => "type",
        _ => "relation",
    }
}

/// Privilege bits named by a GRANT/REVOKE list, checked against the kind.
fn privilege_bits(p: &Privileges, objtype: char) -> PgResult<u16> {
    let (all, _) = hardwired(objtype, 0);
    let actions = match p {
        Privileges::All { .. } => return Ok(all),
        Privileges::Actions(a) => a,
    };
    let mut out = 0;
    for a in actions {
        let (bit, columns, name) = crate::privileges::action_bit(a)?;
        if columns.is_some() {
            return Err(PgError::syntax(format!("syntax error at or near \"{a}\"")));
        }
        crate::privileges::check_privilege_kind(bit, all, name, kind_name(objtype))?;
        out |= bit;
    }
    Ok(out)
}

/// What the inner GRANT/REVOKE says.
struct Change {
    revoke: bool,
    privs: u16,
    grantees: Vec<Option<String>>,
    grant_option: bool,
    cascade: bool,
}

fn parse_change(d: &DefaultPrivStmt, s: &Session) -> PgResult<Change> {
    let stmt = crate::parser::parse_sql(&d.inner)?
        .into_iter()
        .next()
        .ok_or_else(|| PgError::syntax("syntax error at end of input"))?;
    let (revoke, privileges, grantees, grant_option, cascade) = match &stmt {
        Statement::Grant(g) => (
            false,
            &g.privileges,
            &g.grantees,
            g.with_grant_option,
            false,
        ),
        Statement::Revoke(r) => (
            true,
            &r.privileges,
            &r.grantees,
            r.grant_option_for,
            matches!(r.cascade, Some(ast::CascadeOption::Cascade)),
        ),
        _ => return Err(PgError::syntax("syntax error in ALTER DEFAULT PRIVILEGES")),
    };
    let grantees = crate::privileges::grantee_names(s, grantees, revoke, grant_option)?;
    Ok(Change {
        revoke,
        privs: privilege_bits(privileges, d.objtype)?,
        grantees,
        grant_option,
        cascade,
    })
}

fn role_oid(cat: &Catalog, name: &str) -> PgResult<u32> {
    crate::roles::role_by_name(cat, name).map(|r| r.oid)
}

/// Runs ALTER DEFAULT PRIVILEGES.
pub fn run(s: &mut Session, d: &DefaultPrivStmt) -> PgResult<QueryResult> {
    if d.objtype == 'n' && !d.schemas.is_empty() {
        return Err(PgError::new(
            SqlState("0LP01"),
            "cannot use IN SCHEMA clause when using GRANT/REVOKE ON SCHEMAS",
        ));
    }
    let change = parse_change(d, s)?;
    with_catalog_mut(s, |cat, _txn, s| {
        let me = role_oid(cat, &s.state.current_user())?;
        let mut roles = Vec::new();
        if d.roles.is_empty() {
            roles.push(me);
        }
        for r in &d.roles {
            let r = r.role_name(s)?;
            let oid = role_oid(cat, &r)?;
            if !graph::is_member_of(cat, me, oid) {
                return Err(PgError::new(
                    SqlState::INSUFFICIENT_PRIVILEGE,
                    format!("must be member of role \"{r}\""),
                ));
            }
            roles.push(oid);
        }
        let mut schemas = Vec::new();
        for n in &d.schemas {
            let sc = cat.schema(n).ok_or_else(|| {
                PgError::new(
                    SqlState::INVALID_SCHEMA_NAME,
                    format!("schema \"{n}\" does not exist"),
                )
            })?;
            schemas.push(sc.oid);
        }
        if schemas.is_empty() {
            schemas.push(0);
        }
        let grantees = change
            .grantees
            .iter()
            .map(|g| g.as_deref().map_or(Ok(0), |n| role_oid(cat, n)))
            .collect::<PgResult<Vec<u32>>>()?;
        for &role in &roles {
            for &schema in &schemas {
                update_entry(cat, role, schema, d.objtype, &change, &grantees)?;
            }
        }
        Ok(QueryResult::Command {
            tag: "ALTER DEFAULT PRIVILEGES".into(),
        })
    })
}

fn update_entry(
    cat: &mut Catalog,
    role: u32,
    schema: u32,
    objtype: char,
    change: &Change,
    grantees: &[u32],
) -> PgResult<()> {
    let (_, builtin) = hardwired(objtype, role);
    let pos = cat
        .default_acls
        .iter()
        .position(|e| e.role == role && e.schema == schema && e.objtype == objtype);
    let mut current = match pos {
        Some(i) => cat.default_acls[i].acl.clone(),
        None if schema == 0 => builtin.clone(),
        None => vec![],
    };
    for &g in grantees {
        if change.revoke {
            acl::revoke(
                cat,
                role,
                &mut current,
                g,
                role,
                change.privs,
                change.grant_option,
                change.cascade,
            )
            .map_err(|_| {
                PgError::new(
                    SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                    "dependent privileges exist",
                )
                .with_hint("Use CASCADE to revoke them too.")
            })?;
        } else {
            acl::grant(&mut current, g, role, change.privs, change.grant_option);
        }
    }
    current.retain(|i| i.privs != 0);
    // PostgreSQL stores the entry sorted (aclitemsort, by grantee and
    // grantor OID; one item per pair), which is the order psql shows.
    current.sort_by_key(|i| (i.grantee, i.grantor));
    let unchanged = redundant(role, schema, objtype, &current);
    match (pos, unchanged) {
        (Some(i), true) => {
            cat.default_acls.remove(i);
        }
        (Some(i), false) => cat.default_acls[i].acl = current,
        (None, true) => {}
        (None, false) => {
            let oid = cat.alloc_oid();
            cat.default_acls.push(DefaultAcl {
                oid,
                role,
                schema,
                objtype,
                acl: current,
            });
        }
    }
    Ok(())
}

/// True when a default privileges entry grants nothing beyond what the
/// built-in defaults do (a global entry equal to them, an empty per-schema
/// one), so it need not be stored.
pub fn is_redundant(d: &DefaultAcl) -> bool {
    redundant(d.role, d.schema, d.objtype, &d.acl)
}

fn redundant(role: u32, schema: u32, objtype: char, acl: &[AclItem]) -> bool {
    if schema == 0 {
        same_acl(acl, &hardwired(objtype, role).1)
    } else {
        acl.is_empty()
    }
}

fn same_acl(a: &[AclItem], b: &[AclItem]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// The ACL a new object gets: `None` (the built-in default) unless a default
/// privileges entry applies to `owner` (globally or in `schema`).
pub fn initial_acl(cat: &Catalog, owner: u32, schema: u32, objtype: char) -> Option<Vec<AclItem>> {
    let find = |sch: u32| {
        cat.default_acls
            .iter()
            .find(|e| e.role == owner && e.schema == sch && e.objtype == objtype)
    };
    let global = find(0);
    let local = if schema == 0 { None } else { find(schema) };
    if global.is_none() && local.is_none() {
        return None;
    }
    let (_, builtin) = hardwired(objtype, owner);
    let mut acl = global.map(|e| e.acl.clone()).unwrap_or(builtin.clone());
    if let Some(l) = local {
        for i in &l.acl {
            acl::grant(&mut acl, i.grantee, i.grantor, i.privs, false);
            if let Some(x) = acl
                .iter_mut()
                .find(|x| x.grantee == i.grantee && x.grantor == i.grantor)
            {
                x.grant_options |= i.grant_options;
            }
        }
    }
    if same_acl(&acl, &builtin) {
        None
    } else {
        Some(acl)
    }
}
