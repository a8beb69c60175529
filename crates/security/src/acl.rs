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
        }
    }
}

/// PostgreSQL's default ACL for an owner (acldefault): the owner holds
/// everything with grant option; PUBLIC gets CONNECT and TEMPORARY on
/// databases and EXECUTE on functions.
pub fn default_acl(kind: AclKind, owner: u32) -> Vec<AclItem> {
    let owner_item = AclItem {
        grantee: owner,
        grantor: owner,
        privs: kind.all(),
        grant_options: kind.all(),
    };
    // PostgreSQL lists the PUBLIC entry first.
    let public = match kind {
        AclKind::Database => TEMPORARY | CONNECT,
        AclKind::Function => EXECUTE,
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

/// Chooses the grantor for `user` granting `wanted` (PostgreSQL's
/// select_best_grantor): the owner if the user holds the owner's privileges,
/// else the role (among those whose privileges the user holds) with the most
/// of the wanted grant options, preferring the user itself.
pub fn best_grantor(
    cat: &Catalog,
    acl: &[AclItem],
    user: u32,
    owner: u32,
    wanted: u16,
) -> (u32, u16) {
    let superuser = cat.role_by_oid(user).is_some_and(|r| r.superuser);
    if superuser || crate::roles::has_privs_of(cat, user, owner) {
        return (owner, u16::MAX);
    }
    let roles = crate::roles::effective_roles(cat, user);
    let mut best = (
        user,
        grant_option_mask(acl, &BTreeSet::from([user])) & wanted,
    );
    for r in roles {
        let held = acl
            .iter()
            .filter(|i| i.grantee == r)
            .fold(0, |m, i| m | i.grant_options)
            & wanted;
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

/// A REVOKE that would leave grants made through the revoked grant option.
#[derive(Debug, PartialEq, Eq)]
pub struct DependentPrivileges;

/// Revokes `privs` (or only their grant options) from `grantee` as granted by
/// `grantor`; with `cascade`, also what the grantee granted through the lost
/// grant options (PostgreSQL's recursive_revoke).
pub fn revoke(
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
    let lost_options = acl[pos].grant_options & privs;
    if lost_options != 0 && grantee != 0 {
        // Does the grantee still hold these options from another grantor?
        let kept = acl
            .iter()
            .filter(|i| i.grantee == grantee && i.grantor != grantor)
            .fold(0, |m, i| m | i.grant_options);
        let really_lost = lost_options & !kept;
        let dependents = acl
            .iter()
            .any(|i| i.grantor == grantee && i.grantee != grantee && i.privs & really_lost != 0);
        if dependents {
            if !cascade {
                return Err(DependentPrivileges);
            }
            let targets: Vec<u32> = acl
                .iter()
                .filter(|i| {
                    i.grantor == grantee && i.grantee != grantee && i.privs & really_lost != 0
                })
                .map(|i| i.grantee)
                .collect();
            for t in targets {
                revoke(acl, t, grantee, really_lost, false, true)?;
            }
        }
    }
    if let Some(pos) = acl
        .iter()
        .position(|i| i.grantee == grantee && i.grantor == grantor)
    {
        let item = &mut acl[pos];
        item.grant_options &= !privs;
        if !grant_option_only {
            item.privs &= !privs;
        }
        if item.privs == 0 {
            acl.remove(pos);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            revoke(&mut acl.clone(), 20, 10, SELECT, false, false),
            Err(DependentPrivileges)
        );
        revoke(&mut acl, 20, 10, SELECT, false, true).unwrap();
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
        revoke(&mut acl, 20, 10, SELECT, true, false).unwrap();
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
}
