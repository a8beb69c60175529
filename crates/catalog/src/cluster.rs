//! Cluster-wide and per-database parts of the catalog.
//!
//! Roles, memberships, the database list and the OID counter are shared by
//! every database; schemas, relations, sequences, routines and default ACLs
//! belong to one. They are stored as separate records ([`SharedCatalog`] and
//! the per-database [`Catalog`] with the shared fields emptied); a session
//! sees them merged into one [`Catalog`] for its database.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Catalog, DatabaseInfo, Description, Membership, Role};

/// The shared record.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SharedCatalog {
    /// Changes with every catalog write.
    pub version: u64,
    /// Next OID (cluster-wide, so objects of different databases never collide).
    pub next_oid: u32,
    /// Roles by name.
    pub roles: BTreeMap<String, Role>,
    /// Role memberships.
    pub memberships: Vec<Membership>,
    /// Databases by name.
    pub databases: BTreeMap<String, DatabaseInfo>,
    /// COMMENT ON ROLE / DATABASE texts (`pg_shdescription`).
    #[serde(default)]
    pub descriptions: Vec<Description>,
    /// `ALTER ROLE ALL SET`: defaults for every role in every database.
    #[serde(default)]
    pub all_roles_config: Vec<(String, String)>,
}

impl SharedCatalog {
    /// Serializes (8-byte version prefix, then JSON).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.version.to_be_bytes().to_vec();
        out.extend(serde_json::to_vec(self).unwrap_or_default());
        out
    }

    /// Deserializes a record made by [`SharedCatalog::encode`].
    pub fn decode(bytes: &[u8]) -> Result<SharedCatalog, String> {
        let body = bytes.get(8..).ok_or("shared catalog record too short")?;
        serde_json::from_slice(body).map_err(|e| format!("shared catalog record corrupted: {e}"))
    }

    /// The database with this OID.
    pub fn database_by_oid(&self, oid: u32) -> Option<&DatabaseInfo> {
        self.databases.values().find(|d| d.oid == oid)
    }
}

/// Combines the two records' versions into the merged catalog's version
/// (a cache key: it changes whenever either record does).
pub fn merged_version(local: u64, shared: u64) -> u64 {
    local ^ shared.rotate_left(29)
}

impl Catalog {
    /// Splits a session's catalog into the shared record and its database's
    /// record; `version` is the new version of both.
    pub fn split(self, version: u64) -> (SharedCatalog, Catalog) {
        let mut databases = self.databases.clone();
        if let Some(d) = databases.values_mut().find(|d| d.oid == self.database) {
            d.acl = self.database_acl.clone();
        }
        let shared = SharedCatalog {
            version,
            next_oid: self.next_oid,
            roles: self.roles.clone(),
            memberships: self.memberships.clone(),
            databases,
            descriptions: self.shared_descriptions.clone(),
            all_roles_config: self.all_roles_config.clone(),
        };
        let mut local = self;
        local.version = version;
        local.roles.clear();
        local.memberships.clear();
        local.databases.clear();
        local.shared_descriptions.clear();
        local.all_roles_config.clear();
        local.database_acl = None;
        (shared, local)
    }

    /// Merges the shared record into a database's record.
    pub fn merge(mut local: Catalog, shared: &SharedCatalog, database: u32) -> Catalog {
        local.version = merged_version(local.version, shared.version);
        local.next_oid = shared.next_oid.max(local.next_oid);
        local.roles = shared.roles.clone();
        local.memberships = shared.memberships.clone();
        local.databases = shared.databases.clone();
        local.shared_descriptions = shared.descriptions.clone();
        local.all_roles_config = shared.all_roles_config.clone();
        local.database = database;
        local.database_acl = shared.database_by_oid(database).and_then(|d| d.acl.clone());
        local
    }

    /// A fresh database's own catalog: `pg_catalog` and `public`, as initdb makes them.
    pub fn new_database(owner_superuser: u32) -> Catalog {
        let mut c = Catalog::bootstrap(Role::new(owner_superuser, "_"));
        c.roles.clear();
        c.memberships.clear();
        c.set_description(
            crate::PG_NAMESPACE_OID,
            crate::PUBLIC_SCHEMA_OID,
            0,
            Some("standard public schema".into()),
        );
        c
    }

    /// The current database's record in the database list.
    pub fn current_database(&self) -> Option<&DatabaseInfo> {
        self.databases.values().find(|d| d.oid == self.database)
    }
}
