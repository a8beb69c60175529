//! Access control, decided in one place.
//!
//! The binder lists every [`Need`] a statement has (object, privilege,
//! columns — including columns read only in WHERE, ORDER BY or RETURNING).
//! [`authorize`] is the only way to obtain an [`Authorized`] plan, and the
//! executor only accepts `Authorized` plans, so no statement reaches data
//! without passing this checker (DESIGN §3.1).
//!
//! Today the only role is the bootstrap superuser, so every decision is
//! "allowed because superuser"; the privileges issue adds ACL checks here.

pub mod acl;
mod need;
pub mod rls;
pub mod roles;

pub use need::{Need, ObjectRef, Privilege};

use rampart_types::{PgError, PgResult, SqlState};

/// Who is asking: the effective role and its attributes.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Effective role OID (`current_user`).
    pub role_oid: u32,
    /// Effective role name.
    pub role_name: String,
    /// Whether the effective role is a superuser.
    pub superuser: bool,
}

/// A plan the security layer has approved. Only [`authorize`] builds one.
#[derive(Debug)]
pub struct Authorized<P> {
    plan: P,
}

impl<P> Authorized<P> {
    /// The approved plan.
    pub fn plan(&self) -> &P {
        &self.plan
    }

    /// Consumes the token, returning the plan.
    pub fn into_plan(self) -> P {
        self.plan
    }
}

/// Decides whether `principal` may run a plan with these needs. A need with
/// `as_role` (a view's body) is checked for that role instead (the view owner).
pub fn authorize<P>(
    plan: P,
    needs: &[Need],
    principal: &Principal,
    catalog: &rampart_catalog::Catalog,
) -> PgResult<Authorized<P>> {
    // The principal's roles, computed once for all its needs (the
    // membership walk is most of a check's cost).
    let mut own_roles = None;
    for need in needs {
        match need.as_role {
            Some(owner) if owner != principal.role_oid => {
                let role = catalog.role_by_oid(owner);
                let p = Principal {
                    role_oid: owner,
                    role_name: role.map(|r| r.name.clone()).unwrap_or_default(),
                    superuser: role.is_some_and(|r| r.superuser),
                };
                check(need, &p, None, catalog)?;
            }
            _ => {
                if principal.superuser {
                    continue;
                }
                let roles = own_roles
                    .get_or_insert_with(|| roles::effective_roles(catalog, principal.role_oid));
                check(need, principal, Some(roles), catalog)?
            }
        }
    }
    Ok(Authorized { plan })
}

/// Whether `principal` holds `privilege` on the table itself (not through
/// column privileges): has_table_privilege's question.
pub fn allowed_on_table(
    oid: u32,
    privilege: Privilege,
    principal: &Principal,
    catalog: &rampart_catalog::Catalog,
) -> bool {
    if principal.superuser {
        return true;
    }
    let Some(rel) = catalog.relation_by_oid(oid) else {
        return rampart_catalog::system_view_reader(oid).is_some()
            && system_view_granted(
                oid,
                acl::bit(privilege),
                &roles::effective_roles(catalog, principal.role_oid),
            );
    };
    let roles = roles::effective_roles(catalog, principal.role_oid);
    acl::mask(
        &acl::effective(&rel.acl, acl::AclKind::Relation, rel.owner),
        &roles,
    ) & acl::bit(privilege)
        != 0
}

/// SELECT on a system view PostgreSQL grants to a predefined role
/// (`rampart_catalog::SYSTEM_VIEW_READERS`), held through that role.
fn system_view_granted(oid: u32, bit: u16, roles: &std::collections::BTreeSet<u32>) -> bool {
    bit == rampart_catalog::acl::SELECT
        && rampart_catalog::system_view_reader(oid).is_some_and(|r| roles.contains(&r))
}

/// What PostgreSQL 15's predefined roles grant implicitly: pg_read_all_data
/// reads every table and sequence and uses every schema; pg_write_all_data
/// inserts, updates and deletes everywhere and uses every schema.
fn predefined_grants(
    roles: &std::collections::BTreeSet<u32>,
    object: &ObjectRef,
    bit: u16,
) -> bool {
    use rampart_catalog::acl::{DELETE, INSERT, SELECT, UPDATE, USAGE};
    const READ_ALL: u32 = 6181;
    const WRITE_ALL: u32 = 6182;
    let (read, write) = (roles.contains(&READ_ALL), roles.contains(&WRITE_ALL));
    match object {
        ObjectRef::Relation(_) | ObjectRef::Sequence(_) => {
            (read && bit == SELECT) || (write && bit & (INSERT | UPDATE | DELETE) != 0)
        }
        ObjectRef::Schema(_) => (read || write) && bit == USAGE,
        ObjectRef::Database
        | ObjectRef::Function(_)
        | ObjectRef::Language(_)
        | ObjectRef::Type(_) => false,
    }
}

/// Whether `principal` holds a need (no error text).
pub fn allowed(need: &Need, principal: &Principal, catalog: &rampart_catalog::Catalog) -> bool {
    check(need, principal, None, catalog).is_ok()
}

/// Checks one need; `roles` are the principal's effective roles when the
/// caller has them already.
fn check(
    need: &Need,
    principal: &Principal,
    roles: Option<&std::collections::BTreeSet<u32>>,
    catalog: &rampart_catalog::Catalog,
) -> PgResult<()> {
    use acl::AclKind;
    if principal.superuser {
        return Ok(());
    }
    let computed;
    let roles = match roles {
        Some(r) => r,
        None => {
            computed = roles::effective_roles(catalog, principal.role_oid);
            &computed
        }
    };
    let bit = acl::bit(need.privilege);
    if predefined_grants(roles, &need.object, bit) {
        return Ok(());
    }
    let ok = match &need.object {
        ObjectRef::Relation(oid) => match catalog.relation_by_oid(*oid) {
            // System relations not readable by PUBLIC: superusers only, or
            // the predefined role PostgreSQL grants SELECT on them to.
            None => system_view_granted(*oid, bit, roles),
            Some(rel) => {
                if need.privilege == Privilege::Ownership {
                    roles::has_privs_of(catalog, principal.role_oid, rel.owner)
                } else {
                    let table = acl::effective_ref(&rel.acl, AclKind::Relation, rel.owner);
                    if acl::mask(&table, roles) & bit != 0 {
                        true
                    } else if bit & rampart_catalog::acl::ALL_COLUMN != 0 {
                        // Column privileges: every needed column, or any column when none is named.
                        let col_ok = |c: &rampart_catalog::Column| {
                            c.acl
                                .as_ref()
                                .is_some_and(|a| acl::mask(a, roles) & bit != 0)
                        };
                        if need.columns.is_empty() {
                            rel.columns.iter().any(col_ok)
                        } else {
                            need.columns.iter().all(|n| {
                                rel.columns
                                    .iter()
                                    .find(|c| c.name == *n)
                                    .is_some_and(col_ok)
                                    || rel
                                        .system_column_acl
                                        .iter()
                                        .any(|(c, a)| c == n && acl::mask(a, roles) & bit != 0)
                            })
                        }
                    } else {
                        false
                    }
                }
            }
        },
        ObjectRef::Schema(oid) => match catalog.schema_by_oid(*oid) {
            None => false,
            Some(sc) if need.privilege == Privilege::Ownership => {
                roles::has_privs_of(catalog, principal.role_oid, sc.owner)
            }
            Some(sc) => {
                acl::mask(
                    &acl::effective_ref(&sc.acl, AclKind::Schema, sc.owner),
                    roles,
                ) & bit
                    != 0
            }
        },
        ObjectRef::Sequence(oid) => match catalog.sequences.get(oid) {
            None => false,
            Some(sq) if need.privilege == Privilege::Ownership => {
                roles::has_privs_of(catalog, principal.role_oid, sq.owner)
            }
            Some(sq) => {
                acl::mask(
                    &acl::effective_ref(&sq.acl, AclKind::Sequence, sq.owner),
                    roles,
                ) & bit
                    != 0
            }
        },
        ObjectRef::Language(oid) => match rampart_catalog::language_name(*oid) {
            None => false,
            // Languages belong to the bootstrap superuser.
            Some(_) if need.privilege == Privilege::Ownership => roles::has_privs_of(
                catalog,
                principal.role_oid,
                rampart_catalog::BOOTSTRAP_SUPERUSER_OID,
            ),
            Some(name) => {
                acl::mask(
                    &acl::effective_ref(
                        &catalog.language_acls.get(name).cloned(),
                        AclKind::Language,
                        rampart_catalog::BOOTSTRAP_SUPERUSER_OID,
                    ),
                    roles,
                ) & bit
                    != 0
            }
        },
        ObjectRef::Type(oid) => match catalog.domains.get(oid) {
            // A built-in type: owned by the bootstrap superuser, USAGE for
            // PUBLIC (its ACL cannot be changed).
            None if need.privilege == Privilege::Ownership => roles::has_privs_of(
                catalog,
                principal.role_oid,
                rampart_catalog::BOOTSTRAP_SUPERUSER_OID,
            ),
            None => bit == rampart_catalog::acl::USAGE,
            Some(d) if need.privilege == Privilege::Ownership => {
                roles::has_privs_of(catalog, principal.role_oid, d.owner)
            }
            Some(d) => {
                acl::mask(&acl::effective_ref(&d.acl, AclKind::Type, d.owner), roles) & bit != 0
            }
        },
        ObjectRef::Function(oid) => match catalog.functions.get(oid) {
            None => false,
            Some(f) if need.privilege == Privilege::Ownership => {
                roles::has_privs_of(catalog, principal.role_oid, f.owner)
            }
            Some(f) => {
                acl::mask(
                    &acl::effective_ref(&f.acl, AclKind::Function, f.owner),
                    roles,
                ) & bit
                    != 0
            }
        },
        ObjectRef::Database => {
            let owner = catalog
                .current_database()
                .map(|d| d.owner)
                .unwrap_or(rampart_catalog::BOOTSTRAP_SUPERUSER_OID);
            acl::mask(
                &acl::effective_ref(&catalog.database_acl, AclKind::Database, owner),
                roles,
            ) & bit
                != 0
        }
    };
    if ok {
        Ok(())
    } else {
        Err(denied(need, catalog))
    }
}

/// PostgreSQL's `permission denied for table t` error for a need.
pub fn denied(need: &Need, catalog: &rampart_catalog::Catalog) -> PgError {
    let what = match &need.object {
        ObjectRef::Relation(oid) => match catalog.relation_by_oid(*oid) {
            Some(r) if matches!(r.kind, rampart_catalog::RelationKind::View { .. }) => {
                format!("view {}", r.name)
            }
            Some(r) => format!("table {}", r.name),
            None => match rampart_catalog::SYSTEM_RELATIONS
                .iter()
                .find(|(o, _, _)| o == oid)
            {
                Some((_, name, kind)) => format!("{kind} {name}"),
                None => "relation".into(),
            },
        },
        ObjectRef::Schema(oid) => format!(
            "schema {}",
            catalog
                .schema_by_oid(*oid)
                .map(|s| s.name.as_str())
                .unwrap_or("?")
        ),
        ObjectRef::Sequence(oid) => format!(
            "sequence {}",
            catalog
                .sequences
                .get(oid)
                .map(|s| s.name.as_str())
                .unwrap_or("?")
        ),
        ObjectRef::Function(oid) => {
            let f = catalog.functions.get(oid);
            let kind = match f.map(|f| f.kind) {
                Some('p') => "procedure",
                Some('a') => "aggregate",
                _ => "function",
            };
            format!("{kind} {}", f.map(|f| f.name.as_str()).unwrap_or("?"))
        }
        ObjectRef::Database => "database".into(),
        ObjectRef::Type(oid) => format!(
            "type {}",
            catalog
                .domains
                .get(oid)
                .map(|d| d.name.clone())
                .or_else(|| rampart_types::DataType::from_oid(*oid).map(|t| t.display_name()))
                .unwrap_or_else(|| "?".into())
        ),
        ObjectRef::Language(oid) => format!(
            "language {}",
            rampart_catalog::language_name(*oid).unwrap_or("?")
        ),
    };
    let e = PgError::new(
        SqlState::INSUFFICIENT_PRIVILEGE,
        format!("permission denied for {what}"),
    );
    match need.position {
        Some(p) => e.with_position(p),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_catalog::{Catalog, Relation, RelationKind, Role};

    fn catalog_with_table(owner: u32) -> Catalog {
        let mut c = Catalog::bootstrap(Role {
            superuser: true,
            login: true,
            ..Role::new(10, "admin")
        });

        c.relations.insert(
            20000,
            Relation {
                oid: 20000,
                schema: 2200,
                name: "accounts".into(),
                kind: RelationKind::Table,
                columns: vec![],
                indexes: vec![],
                checks: vec![],
                foreign_keys: vec![],
                owner,
                acl: None,
                policies: vec![],
                rls_enabled: false,
                rls_forced: false,
                inherits: vec![],
                partition_key: None,
                partition_bound: None,
                system_column_acl: vec![],
                statistics: Default::default(),
                options: vec![],
            },
        );
        c
    }

    #[test]
    fn non_owner_without_grant_is_denied_with_postgres_message() {
        let catalog = catalog_with_table(10);
        let alice = Principal {
            role_oid: 30000,
            role_name: "alice".into(),
            superuser: false,
        };
        let need = Need::relation(20000, Privilege::Select, vec!["id".into()]);
        let err = authorize((), &[need], &alice, &catalog).unwrap_err();
        assert_eq!(err.code, SqlState::INSUFFICIENT_PRIVILEGE);
        assert_eq!(err.message, "permission denied for table accounts");
    }

    #[test]
    fn owner_and_superuser_are_allowed() {
        let catalog = catalog_with_table(30000);
        let alice = Principal {
            role_oid: 30000,
            role_name: "alice".into(),
            superuser: false,
        };
        let need = Need::relation(20000, Privilege::Delete, vec![]);
        assert!(authorize((), std::slice::from_ref(&need), &alice, &catalog).is_ok());
        let admin = Principal {
            role_oid: 10,
            role_name: "admin".into(),
            superuser: true,
        };
        assert!(authorize((), &[need], &admin, &catalog).is_ok());
    }
}

#[cfg(test)]
mod acl_tests {
    use super::*;
    use rampart_catalog::acl::{INSERT, SELECT};
    use rampart_catalog::{Catalog, Column, Membership, Relation, RelationKind, Role};
    use rampart_types::DataType;

    fn setup() -> Catalog {
        let mut c = Catalog::bootstrap(Role {
            superuser: true,
            login: true,
            ..Role::new(10, "admin")
        });
        for (oid, name) in [(100, "alice"), (101, "bob"), (102, "staff")] {
            c.roles.insert(
                name.into(),
                Role {
                    login: true,
                    ..Role::new(oid, name)
                },
            );
        }
        c.memberships.push(Membership {
            role: 102,
            member: 101,
            grantor: 10,
            admin_option: false,
        });
        let col = |n: &str| Column::named(n, DataType::Int4);
        let mut acl = acl::default_acl(acl::AclKind::Relation, 10);
        acl::grant(&mut acl, 100, 10, SELECT, false);
        acl::grant(&mut acl, 102, 10, INSERT, false);
        let mut secret = col("secret");
        secret.acl = None;
        let mut public_col = col("name");
        public_col.acl = Some(vec![rampart_catalog::AclItem {
            grantee: 101,
            grantor: 10,
            privs: SELECT,
            grant_options: 0,
        }]);
        c.relations.insert(
            500,
            Relation {
                oid: 500,
                schema: 2200,
                name: "people".into(),
                kind: RelationKind::Table,
                columns: vec![public_col, secret],
                indexes: vec![],
                checks: vec![],
                foreign_keys: vec![],
                owner: 10,
                acl: Some(acl),
                policies: vec![],
                rls_enabled: false,
                rls_forced: false,
                inherits: vec![],
                partition_key: None,
                partition_bound: None,
                system_column_acl: vec![],
                statistics: Default::default(),
                options: vec![],
            },
        );
        c
    }

    fn who(c: &Catalog, name: &str) -> Principal {
        let r = c.role(name).unwrap();
        Principal {
            role_oid: r.oid,
            role_name: r.name.clone(),
            superuser: r.superuser,
        }
    }

    #[test]
    fn granted_role_may_select_and_others_may_not() {
        let c = setup();
        let need = Need::relation(500, Privilege::Select, vec!["name".into(), "secret".into()]);
        assert!(authorize((), std::slice::from_ref(&need), &who(&c, "alice"), &c).is_ok());
        let err = authorize((), std::slice::from_ref(&need), &who(&c, "bob"), &c).unwrap_err();
        assert_eq!(err.code, SqlState::INSUFFICIENT_PRIVILEGE);
        assert_eq!(err.message, "permission denied for table people");
    }

    #[test]
    fn column_privileges_cover_only_their_columns() {
        let c = setup();
        let bob = who(&c, "bob");
        assert!(authorize(
            (),
            &[Need::relation(500, Privilege::Select, vec!["name".into()])],
            &bob,
            &c
        )
        .is_ok());
        assert!(authorize(
            (),
            &[Need::relation(
                500,
                Privilege::Select,
                vec!["secret".into()]
            )],
            &bob,
            &c
        )
        .is_err());
        assert!(
            authorize(
                (),
                &[Need::relation(500, Privilege::Select, vec![])],
                &bob,
                &c
            )
            .is_ok(),
            "count(*) needs some column"
        );
    }

    #[test]
    fn privileges_flow_through_group_membership() {
        let c = setup();
        assert!(authorize(
            (),
            &[Need::relation(500, Privilege::Insert, vec!["name".into()])],
            &who(&c, "bob"),
            &c
        )
        .is_ok());
        assert!(authorize(
            (),
            &[Need::relation(500, Privilege::Insert, vec!["name".into()])],
            &who(&c, "alice"),
            &c
        )
        .is_err());
        assert!(authorize(
            (),
            &[Need::relation(500, Privilege::Delete, vec![])],
            &who(&c, "bob"),
            &c
        )
        .is_err());
    }

    #[test]
    fn predefined_read_and_write_all_data() {
        let mut c = setup();
        c.memberships.push(Membership {
            role: 6181,
            member: 100,
            grantor: 10,
            admin_option: false,
        });
        let alice = who(&c, "alice");
        assert!(authorize(
            (),
            &[Need::relation(
                500,
                Privilege::Select,
                vec!["secret".into()]
            )],
            &alice,
            &c
        )
        .is_ok());
        assert!(
            authorize(
                (),
                &[Need::relation(500, Privilege::Delete, vec![])],
                &alice,
                &c
            )
            .is_err(),
            "read-all does not write"
        );
        c.memberships.push(Membership {
            role: 6182,
            member: 101,
            grantor: 10,
            admin_option: false,
        });
        let bob = who(&c, "bob");
        assert!(authorize(
            (),
            &[Need::relation(500, Privilege::Delete, vec![])],
            &bob,
            &c
        )
        .is_ok());
        assert!(
            authorize(
                (),
                &[Need::relation(
                    500,
                    Privilege::Select,
                    vec!["secret".into()]
                )],
                &bob,
                &c
            )
            .is_err(),
            "write-all does not read"
        );
    }

    #[test]
    fn view_needs_are_checked_as_the_view_owner() {
        let c = setup();
        let mut need = Need::relation(500, Privilege::Select, vec!["secret".into()]);
        need.as_role = Some(100); // owned by alice, who may read people
        assert!(authorize((), std::slice::from_ref(&need), &who(&c, "bob"), &c).is_ok());
        need.as_role = Some(101);
        assert!(authorize((), &[need], &who(&c, "alice"), &c).is_err());
    }
}
