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

mod need;
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

/// Decides whether `principal` may run a plan with these needs.
pub fn authorize<P>(
    plan: P,
    needs: &[Need],
    principal: &Principal,
    catalog: &rampart_catalog::Catalog,
) -> PgResult<Authorized<P>> {
    for need in needs {
        check(need, principal, catalog)?;
    }
    Ok(Authorized { plan })
}

fn check(need: &Need, principal: &Principal, catalog: &rampart_catalog::Catalog) -> PgResult<()> {
    if principal.superuser {
        return Ok(());
    }
    // Owners hold every privilege on their objects (PostgreSQL's implicit owner ACL).
    let owner = match &need.object {
        ObjectRef::Relation(oid) => catalog.relation_by_oid(*oid).map(|r| r.owner),
        ObjectRef::Schema(oid) => catalog.schema_by_oid(*oid).map(|s| s.owner),
        ObjectRef::Sequence(oid) => catalog.sequences.get(oid).map(|s| s.owner),
        ObjectRef::Database => None,
    };
    if owner.is_some_and(|o| roles::has_privs_of(catalog, principal.role_oid, o)) {
        return Ok(());
    }

    Err(denied(need, catalog))
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
        ObjectRef::Database => "database".into(),
    };
    PgError::new(
        SqlState::INSUFFICIENT_PRIVILEGE,
        format!("permission denied for {what}"),
    )
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
