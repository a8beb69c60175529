//! The role membership graph: membership, inheritance, ADMIN OPTION, cycles.
//!
//! PostgreSQL 15 semantics: a role *is a member* of another through any chain
//! of grants (what SET ROLE needs); it *has the privileges* of another only
//! through a chain where every member along the way has INHERIT (what
//! privilege checks use). Superusers are members of everything.

use std::collections::{BTreeSet, VecDeque};

use rampart_catalog::Catalog;

fn superuser(cat: &Catalog, oid: u32) -> bool {
    cat.role_by_oid(oid).is_some_and(|r| r.superuser)
}

/// OID of `pg_database_owner`.
const DATABASE_OWNER: u32 = 6171;

/// The current database's owner, implicitly a member of
/// `pg_database_owner` (PostgreSQL 15): (member, role).
pub fn implicit_database_owner_membership(cat: &Catalog) -> Option<(u32, u32)> {
    cat.current_database().map(|d| (d.owner, DATABASE_OWNER))
}

/// Roles directly granted to `member`, the implicit membership included.
fn granted_to(cat: &Catalog, member: u32) -> impl Iterator<Item = u32> + '_ {
    let implicit = implicit_database_owner_membership(cat)
        .filter(|(m, _)| *m == member)
        .map(|(_, role)| role);
    cat.memberships
        .iter()
        .filter(move |m| m.member == member)
        .map(|m| m.role)
        .chain(implicit)
}

/// All roles reachable from `member`; `inherit_only` stops at NOINHERIT members.
fn reachable(cat: &Catalog, member: u32, inherit_only: bool) -> BTreeSet<u32> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([member]);
    seen.insert(member);
    while let Some(r) = queue.pop_front() {
        if inherit_only && !cat.role_by_oid(r).is_some_and(|x| x.inherit) {
            continue;
        }
        for next in granted_to(cat, r) {
            if seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    seen
}

/// The roles whose privileges `member` holds, in PostgreSQL's order
/// (roles_is_member_of): `member` itself, then breadth first through INHERIT
/// members, each member's granted roles by OID. Choosing a grantor depends on
/// this order.
pub fn privilege_order(cat: &Catalog, member: u32) -> Vec<u32> {
    let mut list = vec![member];
    let mut i = 0;
    while let Some(&r) = list.get(i) {
        i += 1;
        if !cat.role_by_oid(r).is_some_and(|x| x.inherit) {
            continue;
        }
        let mut next: Vec<u32> = cat
            .memberships
            .iter()
            .filter(|m| m.member == r)
            .map(|m| m.role)
            .collect();
        next.sort_unstable();
        next.extend(granted_to(cat, r).filter(|&g| g == DATABASE_OWNER));
        for n in next {
            if !list.contains(&n) {
                list.push(n);
            }
        }
    }
    list
}

/// `pg_has_role(member, role, 'MEMBER')`: member through any chain (or superuser).
pub fn is_member_of(cat: &Catalog, member: u32, role: u32) -> bool {
    member == role || superuser(cat, member) || reachable(cat, member, false).contains(&role)
}

/// `pg_has_role(member, role, 'USAGE')`: holds the privileges of `role` (INHERIT chain).
pub fn has_privs_of(cat: &Catalog, member: u32, role: u32) -> bool {
    member == role || superuser(cat, member) || reachable(cat, member, true).contains(&role)
}

/// Roles whose privileges `member` holds (itself included), for ACL checks.
pub fn effective_roles(cat: &Catalog, member: u32) -> BTreeSet<u32> {
    reachable(cat, member, true)
}

/// Whether `member` may grant or revoke membership in `role`: superuser,
/// CREATEROLE (for non-superuser roles), or ADMIN OPTION through a chain.
pub fn can_admin(cat: &Catalog, member: u32, role: u32) -> bool {
    if superuser(cat, member) {
        return true;
    }
    if cat.role_by_oid(member).is_some_and(|r| r.createrole) && !superuser(cat, role) {
        return true;
    }
    reachable(cat, member, false).into_iter().any(|r| {
        cat.memberships
            .iter()
            .any(|m| m.member == r && m.role == role && m.admin_option)
    })
}

/// Granting `role` to `member` would close a cycle (member already contains role, or they are equal).
pub fn would_cycle(cat: &Catalog, role: u32, member: u32) -> bool {
    role == member || reachable(cat, role, false).contains(&member)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_catalog::{Membership, Role};

    fn cat() -> Catalog {
        let mut c = Catalog::bootstrap(Role {
            superuser: true,
            login: true,
            ..Role::new(10, "admin")
        });
        for (oid, name, inherit) in [
            (100, "alice", true),
            (101, "staff", true),
            (102, "admins", true),
            (103, "bob", false),
        ] {
            c.roles.insert(
                name.into(),
                Role {
                    inherit,
                    ..Role::new(oid, name)
                },
            );
        }
        let m = |role, member, admin| Membership {
            role,
            member,
            grantor: 10,
            admin_option: admin,
        };
        c.memberships
            .extend([m(101, 100, false), m(102, 101, true), m(101, 103, false)]);
        c
    }

    #[test]
    fn membership_is_transitive() {
        let c = cat();
        assert!(is_member_of(&c, 100, 102));
        assert!(!is_member_of(&c, 102, 100));
        assert!(
            is_member_of(&c, 10, 100),
            "superuser is a member of every role"
        );
    }

    #[test]
    fn noinherit_blocks_privileges_but_not_membership() {
        let c = cat();
        assert!(is_member_of(&c, 103, 101));
        assert!(!has_privs_of(&c, 103, 101), "bob is NOINHERIT");
        assert!(has_privs_of(&c, 100, 102));
    }

    #[test]
    fn cycles_are_detected() {
        let c = cat();
        assert!(would_cycle(&c, 100, 102), "alice is in staff is in admins");
        assert!(would_cycle(&c, 100, 100));
        assert!(!would_cycle(&c, 102, 103));
    }

    #[test]
    fn privilege_order_is_breadth_first_by_oid() {
        let mut c = cat();
        c.memberships.push(Membership {
            role: 103,
            member: 100,
            grantor: 10,
            admin_option: false,
        });
        // alice (100) is in bob (103) and staff (101), staff in admins (102).
        assert_eq!(privilege_order(&c, 100), vec![100, 101, 103, 102]);
        assert_eq!(privilege_order(&c, 103), vec![103], "bob is NOINHERIT");
    }

    #[test]
    fn admin_option_flows_down_the_chain() {
        let c = cat();
        assert!(can_admin(&c, 101, 102), "staff holds ADMIN on admins");
        assert!(can_admin(&c, 100, 102), "alice through staff");
        assert!(!can_admin(&c, 103, 100));
    }
}
