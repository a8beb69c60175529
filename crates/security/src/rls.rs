//! Row-level security: whether policies apply, and which ones (DESIGN §3.2).
//!
//! * Superusers and BYPASSRLS roles bypass; the table owner bypasses unless
//!   FORCE ROW LEVEL SECURITY.
//! * With RLS on and no applicable permissive policy, no row qualifies.
//! * `row_security = off` makes a query that RLS would affect fail instead of
//!   silently filtering.

use rampart_catalog::{Catalog, Policy, PolicyCmd, Relation};
use rampart_types::{PgError, PgResult, SqlState};

use crate::roles;

/// The command a table is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RlsCmd {
    /// Reading rows (SELECT, and reads by UPDATE/DELETE/RETURNING).
    Select,
    /// New rows of INSERT.
    Insert,
    /// Rows changed by UPDATE.
    Update,
    /// Rows removed by DELETE.
    Delete,
}

/// The policies that govern one use of a table.
#[derive(Debug, Default)]
pub struct Applicable<'a> {
    /// Permissive policies (ORed); none means no row qualifies.
    pub permissive: Vec<&'a Policy>,
    /// Restrictive policies (ANDed on top).
    pub restrictive: Vec<&'a Policy>,
}

/// Whether RLS applies to `user` on `rel` (before looking at policies).
pub fn applies(cat: &Catalog, rel: &Relation, user: u32) -> bool {
    if !rel.rls_enabled {
        return false;
    }
    let Some(role) = cat.role_by_oid(user) else {
        return true;
    };
    if role.superuser || role.bypassrls {
        return false;
    }
    if !rel.rls_forced && roles::has_privs_of(cat, user, rel.owner) {
        return false;
    }
    true
}

/// The policies for `cmd`, or None when RLS does not apply. Errors when
/// `row_security` is off and RLS would apply.
pub fn policies_for<'a>(
    cat: &Catalog,
    rel: &'a Relation,
    user: u32,
    row_security: bool,
    cmd: RlsCmd,
) -> PgResult<Option<Applicable<'a>>> {
    if !applies(cat, rel, user) {
        return Ok(None);
    }
    if !row_security {
        let e = PgError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            format!(
                "query would be affected by row-level security policy for table \"{}\"",
                rel.name
            ),
        );
        // The owner is subject only because of FORCE: say how to undo it (as PostgreSQL).
        return Err(if roles::has_privs_of(cat, user, rel.owner) {
            e.with_hint("To disable the policy for the table's owner, use ALTER TABLE NO FORCE ROW LEVEL SECURITY.")
        } else {
            e
        });
    }
    let wanted = match cmd {
        RlsCmd::Select => PolicyCmd::Select,
        RlsCmd::Insert => PolicyCmd::Insert,
        RlsCmd::Update => PolicyCmd::Update,
        RlsCmd::Delete => PolicyCmd::Delete,
    };
    let mut out = Applicable::default();
    for p in &rel.policies {
        if p.cmd != PolicyCmd::All && p.cmd != wanted {
            continue;
        }
        let for_user =
            p.roles.is_empty() || p.roles.iter().any(|r| roles::has_privs_of(cat, user, *r));
        if !for_user {
            continue;
        }
        if p.permissive {
            out.permissive.push(p);
        } else {
            out.restrictive.push(p);
        }
    }
    // PostgreSQL's order: restrictive policies by name (so the first to fail
    // is reported deterministically), permissive ones in reverse name order
    // (how its relcache lists them); it shows in EXPLAIN and in the order a
    // leaky function in a policy sees rows.
    out.permissive.sort_by(|a, b| b.name.cmp(&a.name));
    out.restrictive.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_catalog::{Membership, Role};

    fn cat(forced: bool) -> Catalog {
        let mut c = Catalog::bootstrap(Role {
            superuser: true,
            login: true,
            ..Role::new(10, "admin")
        });
        c.roles.insert("owner".into(), Role::new(100, "owner"));
        c.roles.insert("alice".into(), Role::new(101, "alice"));
        c.roles.insert(
            "bypass".into(),
            Role {
                bypassrls: true,
                ..Role::new(102, "bypass")
            },
        );
        c.roles
            .insert("managers".into(), Role::new(103, "managers"));
        c.memberships.push(Membership {
            role: 103,
            member: 101,
            grantor: 10,
            admin_option: false,
        });
        let pol = |name: &str, permissive, cmd, roles: Vec<u32>| Policy {
            oid: 1,
            name: name.into(),
            permissive,
            cmd,
            roles,
            using: Some("true".into()),
            with_check: None,
            using_display: None,
            with_check_display: None,
            depends_on: vec![],
        };
        c.relations.insert(
            500,
            Relation {
                oid: 500,
                schema: 2200,
                name: "docs".into(),
                kind: rampart_catalog::RelationKind::Table,
                columns: vec![],
                indexes: vec![],
                checks: vec![],
                foreign_keys: vec![],
                rls_enabled: true,
                rls_forced: forced,
                inherits: vec![],
                partition_key: None,
                partition_bound: None,
                system_column_acl: vec![],
                statistics: Default::default(),
                options: vec![],
                policies: vec![
                    pol("everyone_reads", true, PolicyCmd::Select, vec![]),
                    pol("managers_all", true, PolicyCmd::All, vec![103]),
                    pol("not_archived", false, PolicyCmd::All, vec![]),
                ],
                owner: 100,
                acl: None,
            },
        );
        c
    }

    #[test]
    fn bypass_rules() {
        let c = cat(false);
        let rel = c.relation_by_oid(500).unwrap();
        assert!(!applies(&c, rel, 10), "superuser bypasses");
        assert!(!applies(&c, rel, 102), "BYPASSRLS bypasses");
        assert!(!applies(&c, rel, 100), "owner bypasses without FORCE");
        assert!(applies(&c, rel, 101));
        let forced = cat(true);
        assert!(
            applies(&forced, forced.relation_by_oid(500).unwrap(), 100),
            "FORCE applies to the owner"
        );
    }

    #[test]
    fn policies_are_selected_by_command_and_role() {
        let c = cat(false);
        let rel = c.relation_by_oid(500).unwrap();
        let sel = policies_for(&c, rel, 101, true, RlsCmd::Select)
            .unwrap()
            .unwrap();
        assert_eq!(
            sel.permissive
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
            // permissive policies come in reverse name order, as PostgreSQL lists them
            ["managers_all", "everyone_reads"]
        );
        assert_eq!(sel.restrictive.len(), 1);
        let del = policies_for(&c, rel, 101, true, RlsCmd::Delete)
            .unwrap()
            .unwrap();
        assert_eq!(
            del.permissive.len(),
            1,
            "only the managers policy covers DELETE"
        );
        c.roles.get("alice").unwrap();
    }

    #[test]
    fn row_security_off_is_an_error_not_a_filter() {
        let c = cat(false);
        let rel = c.relation_by_oid(500).unwrap();
        let err = policies_for(&c, rel, 101, false, RlsCmd::Select).unwrap_err();
        assert_eq!(err.code, SqlState::INSUFFICIENT_PRIVILEGE);
        assert_eq!(
            err.message,
            "query would be affected by row-level security policy for table \"docs\""
        );
        assert!(
            policies_for(&c, rel, 10, false, RlsCmd::Select)
                .unwrap()
                .is_none(),
            "superuser unaffected"
        );
    }
}
