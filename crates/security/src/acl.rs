//! ACL evaluation and modification (PostgreSQL's acl.c, in small).

use std::collections::BTreeSet;

use rampart_catalog::acl::*;
use rampart_catalog::{AclItem, Catalog};

use crate::Privilege;

/// The object kinds ACLs exist for, with their default ACLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclKind {
    /// Tables and views.
    Relation,
    /// Sequences.
    Sequence,
    /// Schemas.
    Schema,
    /// The database.
    Database,
    /// Functions and procedures.
    Function,
    /// Procedural languages.
    Language,
    /// Types (domains).
    Type,
}

impl AclKind {
    /// Every privilege an object of this kind has.
    pub fn all(self) -> u16 {
        match self {
            AclKind::Relation => ALL_TABLE,
            AclKind::Sequence => ALL_SEQUENCE,
            AclKind::Schema => ALL_SCHEMA,
            AclKind::Database => ALL_DATABASE,
            AclKind::Function => ALL_FUNCTION,
            AclKind::Language | AclKind::Type => USAGE,
        }
    }
}

/// PostgreSQL's default ACL for an owner (acldefault): the owner holds
/// everything; PUBLIC gets CONNECT and TEMPORARY on databases and EXECUTE on
/// functions. The owner's item carries no grant options: an owner's grant
/// options come from ownership ([`grant_options_of`]), and only those it
/// grants itself explicitly are stored (and printed, `o=ar*wdDxt/o`).
pub fn default_acl(kind: AclKind, owner: u32) -> Vec<AclItem> {
    let owner_item = AclItem {
        grantee: owner,
        grantor: owner,
        privs: kind.all(),
        grant_options: 0,
    };
    // PostgreSQL lists the PUBLIC entry first.
    let public = match kind {
        AclKind::Database => TEMPORARY | CONNECT,
        AclKind::Function => EXECUTE,
        AclKind::Language | AclKind::Type => USAGE,
        _ => 0,
    };
    if public == 0 {
        return vec![owner_item];
    }
    vec![
        AclItem {
            grantee: 0,
            grantor: owner,
            privs: public,
            grant_options: 0,
        },
        owner_item,
    ]
}

/// The effective ACL: the stored one, or the default.
pub fn effective(acl: &Option<Vec<AclItem>>, kind: AclKind, owner: u32) -> Vec<AclItem> {
    acl.clone().unwrap_or_else(|| default_acl(kind, owner))
}

/// [`effective`] without copying a stored ACL (the privilege check's path).
pub fn effective_ref(
    acl: &Option<Vec<AclItem>>,
    kind: AclKind,
    owner: u32,
) -> std::borrow::Cow<'_, [AclItem]> {
    match acl {
        Some(items) => std::borrow::Cow::Borrowed(items),
        None => std::borrow::Cow::Owned(default_acl(kind, owner)),
    }
}

/// The bit for a privilege (0 for Ownership, which is not grantable).
pub fn bit(p: Privilege) -> u16 {
    match p {
        Privilege::Select => SELECT,
        Privilege::Insert => INSERT,
        Privilege::Update => UPDATE,
        Privilege::Delete => DELETE,
        Privilege::Truncate => TRUNCATE,
        Privilege::References => REFERENCES,
        Privilege::Trigger => TRIGGER,
        Privilege::Usage => USAGE,
        Privilege::Create => CREATE,
        Privilege::Connect => CONNECT,
        Privilege::Temporary => TEMPORARY,
        Privilege::Execute => EXECUTE,
        Privilege::Ownership => 0,
    }
}

/// Privileges the given roles (plus PUBLIC) hold in `acl`.
pub fn mask(acl: &[AclItem], roles: &BTreeSet<u32>) -> u16 {
    acl.iter()
        .filter(|i| i.grantee == 0 || roles.contains(&i.grantee))
        .fold(0, |m, i| m | i.privs)
}

/// Grant options the given roles hold in `acl` (PUBLIC's count too).
pub fn grant_option_mask(acl: &[AclItem], roles: &BTreeSet<u32>) -> u16 {
    acl.iter()
        .filter(|i| i.grantee == 0 || roles.contains(&i.grantee))
        .fold(0, |m, i| m | i.grant_options)
}

/// Grant options `role` holds in `acl`, as PostgreSQL's aclmask computes them:
/// all of them when it has the privileges of the owner ("the object owner is
/// always treated as having all grant options"), otherwise those granted to it
/// or to a role whose privileges it has (PUBLIC never holds grant options).
pub fn grant_options_of(cat: &Catalog, acl: &[AclItem], role: u32, owner: u32) -> u16 {
    if crate::roles::has_privs_of(cat, role, owner) {
        return u16::MAX;
    }
    let roles = crate::roles::effective_roles(cat, role);
    acl.iter()
        .filter(|i| i.grantee != 0 && roles.contains(&i.grantee))
        .fold(0, |m, i| m | i.grant_options)
}

/// Chooses the grantor for `user` granting `wanted` (PostgreSQL 15's
/// select_best_grantor): the owner when the user is the owner or a superuser;
/// otherwise the first role, in [`crate::roles::privilege_order`], whose own
/// grant options cover `wanted` (the owner covers everything), else the role
/// covering most of it, else the user itself with none.
pub fn best_grantor(
    cat: &Catalog,
    acl: &[AclItem],
    user: u32,
    owner: u32,
    wanted: u16,
) -> (u32, u16) {
    let superuser = cat.role_by_oid(user).is_some_and(|r| r.superuser);
    if superuser || user == owner {
        return (owner, u16::MAX);
    }
    let mut best = (user, 0u16);
    for r in crate::roles::privilege_order(cat, user) {
        let held = if r == owner {
            wanted
        } else {
            acl.iter()
                .filter(|i| i.grantee == r)
                .fold(0, |m, i| m | i.grant_options)
                & wanted
        };
        if held == wanted {
            return (r, held);
        }
        if held.count_ones() > best.1.count_ones() {
            best = (r, held);
        }
    }
    best
}

/// Adds privileges (and optionally their grant options) for `grantee` from `grantor`.
pub fn grant(
    acl: &mut Vec<AclItem>,
    grantee: u32,
    grantor: u32,
    privs: u16,
    with_grant_option: bool,
) {
    match acl
        .iter_mut()
        .find(|i| i.grantee == grantee && i.grantor == grantor)
    {
        Some(i) => {
            i.privs |= privs;
            if with_grant_option {
                i.grant_options |= privs;
            }
        }
        None => acl.push(AclItem {
            grantee,
            grantor,
            privs,
            grant_options: if with_grant_option { privs } else { 0 },
        }),
    }
}

/// A GRANT ... WITH GRANT OPTION that would make a grant option depend on itself.
#[derive(Debug, PartialEq, Eq)]
pub struct CircularGrant;

/// Refuses to let `grantor` give `grantee` the grant options `options` when the
/// grantor holds them only thanks to the grantee (PostgreSQL's
/// check_circularity): take away every grant option of the grantee, with
/// everything granted through it, and see whether the grantor keeps them.
pub fn check_circularity(
    cat: &Catalog,
    acl: &[AclItem],
    grantee: u32,
    grantor: u32,
    options: u16,
    owner: u32,
) -> Result<(), CircularGrant> {
    if grantor == owner || options == 0 {
        return Ok(());
    }
    let mut without = acl.to_vec();
    while let Some(i) = without
        .iter()
        .position(|i| i.grantee == grantee && i.grant_options != 0)
    {
        let item = without[i].clone();
        // With CASCADE this cannot fail.
        let _ = revoke(
            cat,
            owner,
            &mut without,
            item.grantee,
            item.grantor,
            item.privs,
            false,
            true,
        );
    }
    if options & !grant_options_of(cat, &without, grantor, owner) != 0 {
        return Err(CircularGrant);
    }
    Ok(())
}

/// A REVOKE that would leave grants made through the revoked grant option.
#[derive(Debug, PartialEq, Eq)]
pub struct DependentPrivileges;

/// Revokes `privs` (or only their grant options) from `grantee` as granted by
/// `grantor` on an object owned by `owner` (PostgreSQL's aclupdate). Grant
/// options the grantee thereby really loses — it holds them neither from
/// another grantor nor through a role whose privileges it has, and it is not
/// the owner — take along what it granted through them: with `cascade`
/// recursively, without it the REVOKE fails (recursive_revoke). On error `acl`
/// is left half-changed; callers work on a copy.
#[allow(clippy::too_many_arguments)]
pub fn revoke(
    cat: &Catalog,
    owner: u32,
    acl: &mut Vec<AclItem>,
    grantee: u32,
    grantor: u32,
    privs: u16,
    grant_option_only: bool,
    cascade: bool,
) -> Result<(), DependentPrivileges> {
    let Some(pos) = acl
        .iter()
        .position(|i| i.grantee == grantee && i.grantor == grantor)
    else {
        return Ok(());
    };
    let item = &mut acl[pos];
    let before = item.grant_options;
    item.grant_options &= !privs;
    if !grant_option_only {
        item.privs &= !privs;
    }
    let lost = before & !item.grant_options;
    if item.privs == 0 {
        acl.remove(pos);
    }
    if lost == 0 || grantee == 0 || grantee == owner {
        return Ok(());
    }
    let lost = lost & !grant_options_of(cat, acl, grantee, owner);
    if lost == 0 {
        return Ok(());
    }
    while let Some(i) = acl
        .iter()
        .position(|i| i.grantor == grantee && i.privs & lost != 0)
    {
        if !cascade {
            return Err(DependentPrivileges);
        }
        let dependent = acl[i].grantee;
        revoke(cat, owner, acl, dependent, grantee, lost, false, true)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_catalog::{Membership, Role};

    /// Roles 20, 30 and 40 (INHERIT), 40 a member of 20; nobody owns anything yet.
    fn cat() -> Catalog {
        let mut c = Catalog::bootstrap(Role {
            superuser: true,
            ..Role::new(1, "boot")
        });
        for (oid, name) in [(10, "owner"), (20, "a"), (30, "b"), (40, "c")] {
            c.roles.insert(name.into(), Role::new(oid, name));
        }
        c.memberships.push(Membership {
            role: 20,
            member: 40,
            grantor: 1,
            admin_option: false,
        });
        c
    }

    #[test]
    fn default_acls_match_postgres() {
        let t = default_acl(AclKind::Relation, 10);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].privs, ALL_TABLE);
        let d = default_acl(AclKind::Database, 10);
        assert!(d
            .iter()
            .any(|i| i.grantee == 0 && i.privs == TEMPORARY | CONNECT));
    }

    #[test]
    fn revoke_needs_cascade_for_dependent_grants() {
        // owner 10 grants SELECT WITH GRANT OPTION to 20, who grants SELECT to 30.
        let mut acl = default_acl(AclKind::Relation, 10);
        grant(&mut acl, 20, 10, SELECT, true);
        grant(&mut acl, 30, 20, SELECT, false);
        let c = cat();
        assert_eq!(
            revoke(&c, 10, &mut acl.clone(), 20, 10, SELECT, false, false),
            Err(DependentPrivileges)
        );
        revoke(&c, 10, &mut acl, 20, 10, SELECT, false, true).unwrap();
        let roles30 = BTreeSet::from([30]);
        assert_eq!(
            mask(&acl, &roles30) & SELECT,
            0,
            "cascade removed the dependent grant"
        );
        assert_eq!(mask(&acl, &BTreeSet::from([20])) & SELECT, 0);
    }

    #[test]
    fn grant_option_only_keeps_the_privilege() {
        let mut acl = default_acl(AclKind::Relation, 10);
        grant(&mut acl, 20, 10, SELECT | UPDATE, true);
        revoke(&cat(), 10, &mut acl, 20, 10, SELECT, true, false).unwrap();
        let r = BTreeSet::from([20]);
        assert_eq!(mask(&acl, &r), SELECT | UPDATE);
        assert_eq!(grant_option_mask(&acl, &r), UPDATE);
    }

    #[test]
    fn public_counts_for_everyone() {
        let mut acl = default_acl(AclKind::Relation, 10);
        grant(&mut acl, 0, 10, SELECT, false);
        assert_eq!(mask(&acl, &BTreeSet::from([99])), SELECT);
    }

    #[test]
    fn grant_options_held_elsewhere_keep_dependent_grants() {
        let c = cat();
        // 40 holds SELECT WITH GRANT OPTION itself and through 20, and granted SELECT to 30.
        let mut acl = default_acl(AclKind::Relation, 10);
        grant(&mut acl, 40, 10, SELECT, true);
        grant(&mut acl, 20, 10, SELECT, true);
        grant(&mut acl, 30, 40, SELECT, false);
        revoke(&c, 10, &mut acl, 40, 10, SELECT, false, false).unwrap();
        assert_eq!(mask(&acl, &BTreeSet::from([30])), SELECT);
        // The owner never loses grant options: revoking its own SELECT keeps 20's.
        grant(&mut acl, 30, 20, SELECT, false);
        revoke(&c, 10, &mut acl, 10, 10, SELECT, false, false).unwrap();
        assert_eq!(mask(&acl, &BTreeSet::from([30])), SELECT);
    }

    #[test]
    fn grant_options_cannot_go_back_to_their_source() {
        let c = cat();
        let mut acl = default_acl(AclKind::Relation, 10);
        grant(&mut acl, 20, 10, SELECT, true);
        grant(&mut acl, 30, 20, SELECT, true);
        assert_eq!(
            check_circularity(&c, &acl, 20, 30, SELECT, 10),
            Err(CircularGrant)
        );
        assert_eq!(
            check_circularity(&c, &acl, 30, 30, SELECT, 10),
            Err(CircularGrant)
        );
        assert_eq!(check_circularity(&c, &acl, 40, 30, SELECT, 10), Ok(()));
        assert_eq!(check_circularity(&c, &acl, 20, 10, SELECT, 10), Ok(()));
    }

    #[test]
    fn the_grantor_is_the_first_role_covering_the_request() {
        let c = cat();
        let mut acl = default_acl(AclKind::Relation, 10);
        grant(&mut acl, 20, 10, SELECT | UPDATE, true);
        grant(&mut acl, 40, 10, SELECT, true);
        assert_eq!(best_grantor(&c, &acl, 40, 10, SELECT), (40, SELECT));
        assert_eq!(
            best_grantor(&c, &acl, 40, 10, SELECT | UPDATE),
            (20, SELECT | UPDATE)
        );
        assert_eq!(best_grantor(&c, &acl, 30, 10, SELECT), (30, 0));
        assert_eq!(best_grantor(&c, &acl, 10, 10, SELECT), (10, u16::MAX));
    }
}
