//! Name resolution and OID allocation over a [`Catalog`].

use crate::{Catalog, Relation, Schema, FIRST_USER_OID, PG_CATALOG_OID, PUBLIC_SCHEMA_OID};

impl Catalog {
    /// A fresh catalog with `pg_catalog` and `public`, owned by the bootstrap superuser.
    pub fn bootstrap(superuser: crate::Role) -> Catalog {
        let mut c = Catalog {
            next_oid: FIRST_USER_OID,
            ..Default::default()
        };
        // As PostgreSQL 15: `public` belongs to pg_database_owner (so the
        // database's owner controls it), which holds USAGE and CREATE; PUBLIC
        // gets USAGE only.
        const DATABASE_OWNER: u32 = 6171;
        for (oid, name, owner) in [
            (PG_CATALOG_OID, "pg_catalog", superuser.oid),
            (PUBLIC_SCHEMA_OID, "public", DATABASE_OWNER),
        ] {
            c.schemas.insert(
                name.into(),
                Schema {
                    oid,
                    name: name.into(),
                    owner,
                    acl: Some(vec![
                        crate::AclItem {
                            grantee: owner,
                            grantor: owner,
                            privs: crate::acl::ALL_SCHEMA,
                            grant_options: 0,
                        },
                        crate::AclItem {
                            grantee: 0,
                            grantor: owner,
                            privs: crate::acl::USAGE,
                            grant_options: 0,
                        },
                    ]),
                },
            );
        }
        c.roles.insert(superuser.name.clone(), superuser);
        // PostgreSQL 15's predefined roles, with their OIDs and memberships.
        for (oid, name) in crate::PREDEFINED_ROLES {
            c.roles
                .insert(name.to_string(), crate::Role::new(*oid, name));
        }
        for (role, member) in [(3374, 3373), (3375, 3373), (3377, 3373)] {
            c.memberships.push(crate::Membership {
                role,
                member,
                grantor: crate::BOOTSTRAP_SUPERUSER_OID,
                admin_option: false,
            });
        }
        c
    }

    /// Hands out the next OID.
    pub fn alloc_oid(&mut self) -> u32 {
        let oid = self.next_oid;
        self.next_oid += 1;
        oid
    }

    /// Gives each column default of the `changed` relations (those that
    /// differ from `before`, see `RelationMap::changes_since`) a
    /// `pg_attrdef` OID and takes it from columns whose default is gone. A
    /// default keeps its OID only when the same column of the same relation
    /// had it before: one copied from another table (inheritance, LIKE)
    /// gets its own.
    pub fn number_defaults(&mut self, before: &Catalog, changed: &[u32]) {
        for &oid in changed {
            let kept = |name: &str, default_oid: u32| {
                default_oid != 0
                    && before.relations.get(&oid).is_some_and(|b| {
                        b.columns
                            .iter()
                            .any(|bc| bc.name == name && bc.default_oid == default_oid)
                    })
            };
            let renumber: Vec<usize> = match self.relations.get(&oid) {
                Some(rel) => rel
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| match c.default {
                        Some(_) => !kept(&c.name, c.default_oid),
                        None => c.default_oid != 0,
                    })
                    .map(|(i, _)| i)
                    .collect(),
                None => continue,
            };
            if renumber.is_empty() {
                continue;
            }
            let mut next = self.next_oid;
            if let Some(rel) = self.relations.get_mut(&oid) {
                for i in renumber {
                    let c = &mut rel.columns[i];
                    c.default_oid = if c.default.is_some() {
                        next += 1;
                        next - 1
                    } else {
                        0
                    };
                }
            }
            self.next_oid = next;
        }
    }

    /// Serializes the catalog (8-byte version prefix, then JSON).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.version.to_be_bytes().to_vec();
        // Serializing plain data structures cannot fail.
        out.extend(serde_json::to_vec(self).unwrap_or_default());
        out
    }

    /// Serializes one catalog entry stored as its own record (a relation or
    /// a sequence of a split database record).
    pub fn encode_entry<T: serde::Serialize>(entry: &T) -> Vec<u8> {
        // Serializing plain data structures cannot fail.
        serde_json::to_vec(entry).unwrap_or_default()
    }

    /// Deserializes a record made by [`Catalog::encode_entry`].
    pub fn decode_entry<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("catalog record corrupted: {e}"))
    }

    /// The version prefix of an encoded catalog.
    pub fn encoded_version(bytes: &[u8]) -> Option<u64> {
        bytes
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
    }

    /// Deserializes an encoded catalog.
    pub fn decode(bytes: &[u8]) -> Result<Catalog, String> {
        let body = bytes.get(8..).ok_or("catalog record too short")?;
        serde_json::from_slice(body).map_err(|e| format!("catalog record corrupted: {e}"))
    }

    /// The comment on an object, if any.
    pub fn description(&self, classoid: u32, objoid: u32, objsubid: i32) -> Option<&str> {
        self.descriptions
            .iter()
            .find(|d| d.classoid == classoid && d.objoid == objoid && d.objsubid == objsubid)
            .map(|d| d.description.as_str())
    }

    /// Sets (Some, non-empty) or removes (None or empty, as PostgreSQL) a comment.
    pub fn set_description(
        &mut self,
        classoid: u32,
        objoid: u32,
        objsubid: i32,
        text: Option<String>,
    ) {
        self.descriptions
            .retain(|d| !(d.classoid == classoid && d.objoid == objoid && d.objsubid == objsubid));
        if let Some(description) = text.filter(|t| !t.is_empty()) {
            self.descriptions.push(crate::Description {
                classoid,
                objoid,
                objsubid,
                description,
            });
        }
    }

    /// Sets (or with None or '' removes) the comment on a role or database
    /// (`classoid` 1260 or 1262).
    pub fn set_shared_description(&mut self, classoid: u32, objoid: u32, text: Option<String>) {
        self.shared_descriptions
            .retain(|d| !(d.classoid == classoid && d.objoid == objoid));
        if let Some(description) = text.filter(|t| !t.is_empty()) {
            self.shared_descriptions.push(crate::Description {
                classoid,
                objoid,
                objsubid: 0,
                description,
            });
        }
    }

    /// The comment on a role or database that still exists.
    pub fn shared_description(&self, classoid: u32, objoid: u32) -> Option<&str> {
        let exists = match classoid {
            crate::PG_AUTHID_OID => self.roles.values().any(|r| r.oid == objoid),
            crate::PG_DATABASE_OID => self.databases.values().any(|d| d.oid == objoid),
            _ => false,
        };
        self.shared_descriptions
            .iter()
            .find(|d| exists && d.classoid == classoid && d.objoid == objoid)
            .map(|d| d.description.as_str())
    }

    /// Schema by name.
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.get(name)
    }

    /// Schema by OID.
    pub fn schema_by_oid(&self, oid: u32) -> Option<&Schema> {
        self.schemas.values().find(|s| s.oid == oid)
    }

    /// Relation by schema OID and name.
    pub fn relation(&self, schema: u32, name: &str) -> Option<&Relation> {
        self.relations.by_name(schema, name)
    }

    /// Relation by OID.
    pub fn relation_by_oid(&self, oid: u32) -> Option<&Relation> {
        self.relations.get(&oid)
    }

    /// Every table inheriting from `oid`, directly or not, breadth first and
    /// each level in OID order, without repeats (PostgreSQL's
    /// find_all_inheritors, without `oid` itself).
    pub fn inheritors(&self, oid: u32) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        let mut next = 0;
        let mut level = self.relations.children_of(oid);
        loop {
            for c in level {
                if c != oid && !out.contains(&c) {
                    out.push(c);
                }
            }
            let Some(&parent) = out.get(next) else {
                return out;
            };
            next += 1;
            level = self.relations.children_of(parent);
        }
    }

    /// Resolves an unqualified or qualified relation name through `search_path`.
    pub fn resolve_relation(
        &self,
        schema: Option<&str>,
        name: &str,
        search_path: &[String],
    ) -> Option<&Relation> {
        self.resolve_on_path(schema, search_path, |oid| self.relation(oid, name))
    }

    /// `find` in the named schema, or in the first schema of `search_path`
    /// where it finds something.
    fn resolve_on_path<'c, T>(
        &'c self,
        schema: Option<&str>,
        search_path: &[String],
        find: impl Fn(u32) -> Option<&'c T>,
    ) -> Option<&'c T> {
        match schema {
            Some(s) => self.schema(s).and_then(|s| find(s.oid)),
            None => search_path
                .iter()
                .filter_map(|s| self.schema(s))
                .find_map(|s| find(s.oid)),
        }
    }

    /// The domain `name` in schema `schema`.
    pub fn domain(&self, schema: u32, name: &str) -> Option<&crate::Domain> {
        self.domains
            .values()
            .find(|d| d.schema == schema && d.name == name)
    }

    /// Resolves an unqualified or qualified domain name through
    /// `search_path` (pg_catalog holds no domains).
    pub fn resolve_domain(
        &self,
        schema: Option<&str>,
        name: &str,
        search_path: &[String],
    ) -> Option<&crate::Domain> {
        self.resolve_on_path(schema, search_path, |oid| self.domain(oid, name))
    }

    /// A relation's name as PostgreSQL describes it: bare when the search path
    /// finds it, schema-qualified otherwise.
    pub fn describe_name(&self, schema: u32, name: &str, search_path: &[String]) -> String {
        let visible = std::iter::once("pg_catalog".to_string())
            .chain(search_path.iter().cloned())
            .filter_map(|s| self.schema(&s))
            .find(|s| {
                self.relation(s.oid, name).is_some()
                    || self
                        .sequences
                        .values()
                        .any(|q| q.schema == s.oid && q.name == name)
            })
            .is_some_and(|s| s.oid == schema);
        if visible {
            name.to_string()
        } else {
            let sname = self
                .schema_by_oid(schema)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            format!("{sname}.{name}")
        }
    }

    /// Role by name.
    pub fn role(&self, name: &str) -> Option<&crate::Role> {
        self.roles.get(name)
    }

    /// Role by OID.
    pub fn role_by_oid(&self, oid: u32) -> Option<&crate::Role> {
        self.roles.values().find(|r| r.oid == oid)
    }
}

impl Relation {
    /// Column position by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The primary key index, if any.
    pub fn primary_key(&self) -> Option<&crate::Index> {
        self.indexes.iter().find(|i| i.primary)
    }
}
