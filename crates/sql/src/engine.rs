//! The engine: one per server, shared by all sessions.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use rampart_catalog::{Catalog, DatabaseInfo, Role, SharedCatalog};
use rampart_storage::{IsolationLevel, Store, Transaction};
use rampart_types::{PgError, PgResult, SqlState};

use crate::exec::table::storage_err;
use crate::keys;
use crate::sequence::Sequences;

/// Row ids are handed out from blocks reserved durably, so a restart never reuses one.
const ROWID_BLOCK: u64 = 100_000;

/// Shared state: the store, the catalog cache, sequences, row ids.
pub struct Engine {
    store: Store,
    /// Sequence caches.
    pub sequences: Sequences,
    rowids: Mutex<(u64, u64)>,
    catalog_cache: Mutex<std::collections::HashMap<u32, Arc<Catalog>>>,
    shared_cache: Mutex<Option<Arc<SharedCatalog>>>,
    /// Who is connected and what they run (`pg_stat_activity`).
    pub activity: crate::activity::Registry,
    /// Table-level locks (LOCK TABLE and the implicit ones statements take).
    pub table_locks: crate::locks::TableLocks,
    next_pid: AtomicI32,
    /// Name initdb gives the database sessions connect to by default (`postgres`).
    pub database: String,
    /// The server's configuration files (None when embedded without a server).
    pub server_files: parking_lot::RwLock<Option<ServerFiles>>,
    /// What `pg_reload_conf()` runs (the server's SIGHUP handling).
    reload_hook: Mutex<Option<ReloadHook>>,
    /// Where `rampart_auth_failures` reads the server's login failures.
    auth_failures: Mutex<Option<AuthFailureSource>>,
}

/// One (user, address) with recent failed logins or a lockout.
#[derive(Clone, Debug)]
pub struct AuthFailure {
    /// Role name tried.
    pub user: String,
    /// Client address (None: unix socket).
    pub client_addr: Option<String>,
    /// Failures inside `login_failure_window`.
    pub recent_failures: i32,
    /// Last failure.
    pub last_failure: Option<chrono::DateTime<chrono::Utc>>,
    /// End of the lockout in force, if any.
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// A callback listing the server's current login failures.
pub type AuthFailureSource = Arc<dyn Fn() -> Vec<AuthFailure> + Send + Sync>;

/// A callback re-reading the server's configuration files.
pub type ReloadHook = Arc<dyn Fn() + Send + Sync>;

/// Where the server's configuration lives, for `pg_hba_file_rules`.
#[derive(Clone, Debug)]
pub struct ServerFiles {
    /// Path of pg_hba.conf.
    pub hba_file: std::path::PathBuf,
    /// Whether TLS is on (a `hostssl` line can match).
    pub ssl: bool,
}

impl Engine {
    /// Opens an engine over a store; `bootstrap` creates the catalog on first start.
    pub fn new(store: Store, database: &str) -> Engine {
        let table_locks = crate::locks::TableLocks::new(store.wait_graph());
        Engine {
            store,
            sequences: Sequences::default(),
            rowids: Mutex::new((0, 0)),
            catalog_cache: Mutex::new(Default::default()),
            shared_cache: Mutex::new(None),
            activity: Default::default(),
            table_locks,
            next_pid: AtomicI32::new(std::process::id() as i32 * 100 % 1_000_000 + 1000),
            database: database.to_string(),
            server_files: Default::default(),
            reload_hook: Mutex::new(None),
            auth_failures: Mutex::new(None),
        }
    }

    /// Installs where `rampart_auth_failures` reads login failures.
    pub fn set_auth_failure_source(&self, source: AuthFailureSource) {
        *self.auth_failures.lock() = Some(source);
    }

    /// The server's current login failures (empty without a server).
    pub fn auth_failures(&self) -> Vec<AuthFailure> {
        let source = self.auth_failures.lock().clone();
        source.map(|f| f()).unwrap_or_default()
    }

    /// Installs what `pg_reload_conf()` runs.
    pub fn set_reload_hook(&self, hook: ReloadHook) {
        *self.reload_hook.lock() = Some(hook);
    }

    /// Asks the server to re-read its configuration files (false: no server).
    pub fn request_reload(&self) -> bool {
        let hook = self.reload_hook.lock().clone();
        match hook {
            Some(h) => {
                h();
                true
            }
            None => false,
        }
    }

    /// pg_hba.conf's `+group` and `samerole`: whether `user` is `role` or a
    /// member of it through any chain of memberships (INHERIT or not;
    /// superuser status does not count, as in PostgreSQL).
    pub fn role_in_group(&self, user: &str, role: &str) -> bool {
        let txn = self.store.begin(IsolationLevel::ReadCommitted);
        let Ok(cat) = self.load_shared(&txn, false) else {
            return false;
        };
        let (Some(u), Some(g)) = (cat.roles.get(user), cat.roles.get(role)) else {
            return false;
        };
        let mut seen = std::collections::BTreeSet::from([u.oid]);
        let mut queue = vec![u.oid];
        while let Some(r) = queue.pop() {
            if r == g.oid {
                return true;
            }
            for m in cat.memberships.iter().filter(|m| m.member == r) {
                if seen.insert(m.role) {
                    queue.push(m.role);
                }
            }
        }
        false
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether the catalog has been created.
    pub fn is_initialized(&self) -> PgResult<bool> {
        let txn = self.store.begin(IsolationLevel::ReadCommitted);
        Ok(txn
            .get(keys::SHARED_CATALOG_KEY)
            .map_err(storage_err)?
            .is_some()
            || txn
                .get(keys::LEGACY_CATALOG_KEY)
                .map_err(storage_err)?
                .is_some())
    }

    /// Creates the catalog (initdb): the bootstrap superuser, the predefined
    /// roles, and the databases `template1`, `template0` and `postgres`.
    pub fn bootstrap(&self, superuser: &str, password_verifier: Option<String>) -> PgResult<()> {
        let mut txn = self.store.begin(IsolationLevel::ReadCommitted);
        if self.is_initialized()? {
            return Err(PgError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                "the catalog already exists",
            ));
        }
        let boot = Catalog::bootstrap(Role {
            superuser: true,
            login: true,
            password: password_verifier,
            createrole: true,
            createdb: true,
            replication: true,
            bypassrls: true,
            ..Role::new(rampart_catalog::BOOTSTRAP_SUPERUSER_OID, superuser)
        });
        let owner = rampart_catalog::BOOTSTRAP_SUPERUSER_OID;
        let mut shared = SharedCatalog {
            version: 1,
            next_oid: boot.next_oid,
            roles: boot.roles.clone(),
            memberships: boot.memberships.clone(),
            databases: Default::default(),
            descriptions: Vec::new(),
            all_roles_config: Vec::new(),
        };
        for (oid, name, template) in [
            (rampart_catalog::TEMPLATE1_OID, "template1", true),
            (rampart_catalog::TEMPLATE0_OID, "template0", true),
            (
                rampart_catalog::POSTGRES_DATABASE_OID,
                self.database.as_str(),
                false,
            ),
        ] {
            // initdb leaves the templates' ACLs explicit: CONNECT for PUBLIC,
            // everything for the owner (`\l` shows them).
            let acl = template.then(|| {
                vec![
                    rampart_catalog::AclItem {
                        grantee: 0,
                        grantor: owner,
                        privs: rampart_catalog::acl::CONNECT,
                        grant_options: 0,
                    },
                    rampart_catalog::AclItem {
                        grantee: owner,
                        grantor: owner,
                        privs: rampart_catalog::acl::ALL_DATABASE,
                        grant_options: 0,
                    },
                ]
            });
            shared.databases.insert(
                name.to_string(),
                DatabaseInfo {
                    oid,
                    name: name.to_string(),
                    owner,
                    acl: acl.clone(),
                    config: vec![],
                    is_template: template,
                    allow_connections: oid != rampart_catalog::TEMPLATE0_OID,
                    connection_limit: -1,
                },
            );
            let mut local = Catalog::new_database(owner);
            local.version = 1;
            local.database = oid;
            local.database_acl = acl;
            self.put_local(&mut txn, oid, &local)?;
        }
        self.put_shared(&mut txn, &shared)?;
        txn.commit().map_err(storage_err)?;
        Ok(())
    }

    fn put_shared(&self, txn: &mut Transaction, shared: &SharedCatalog) -> PgResult<()> {
        txn.set(keys::SHARED_CATALOG_KEY, shared.encode())
            .map_err(storage_err)?;
        txn.set(
            keys::SHARED_VERSION_KEY,
            shared.version.to_be_bytes().to_vec(),
        )
        .map_err(storage_err)
    }

    fn put_local(&self, txn: &mut Transaction, db: u32, local: &Catalog) -> PgResult<()> {
        txn.set(&keys::database_catalog_key(db), local.encode())
            .map_err(storage_err)?;
        txn.set(
            &keys::database_version_key(db),
            local.version.to_be_bytes().to_vec(),
        )
        .map_err(storage_err)
    }

    /// Creates a new database's own catalog record (CREATE DATABASE).
    pub fn create_database_record(
        &self,
        txn: &mut Transaction,
        db: u32,
        version: u64,
    ) -> PgResult<()> {
        let mut local = Catalog::new_database(rampart_catalog::BOOTSTRAP_SUPERUSER_OID);
        local.version = version;
        local.database = db;
        self.put_local(txn, db, &local)
    }

    /// Deletes a database's own catalog record (DROP DATABASE).
    pub fn delete_database_record(&self, txn: &mut Transaction, db: u32) -> PgResult<()> {
        for kind in [RELATION_RECORD, SEQUENCE_RECORD] {
            let keys: Vec<Vec<u8>> = txn
                .scan_prefix(&keys::catalog_object_prefix(db, kind))
                .map_err(storage_err)?
                .map(|r| r.map(|(k, _)| k))
                .collect::<Result<_, _>>()
                .map_err(storage_err)?;
            for k in keys {
                txn.delete(&k).map_err(storage_err)?;
            }
        }
        txn.delete(&keys::database_catalog_key(db))
            .map_err(storage_err)?;
        txn.delete(&keys::database_version_key(db))
            .map_err(storage_err)
    }

    fn version_at(txn: &Transaction, key: &[u8]) -> PgResult<Option<u64>> {
        Ok(txn
            .get_hot(key)
            .map_err(storage_err)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map(u64::from_be_bytes))
    }

    /// The shared record as `txn` sees it (`latest`: the newest committed, for DDL under lock).
    pub fn load_shared(&self, txn: &Transaction, latest: bool) -> PgResult<Arc<SharedCatalog>> {
        if !latest {
            if let Some(v) = Self::version_at(txn, keys::SHARED_VERSION_KEY)? {
                if let Some(c) = self.shared_cache.lock().as_ref() {
                    if c.version == v {
                        return Ok(c.clone());
                    }
                }
            }
        }
        let get = |k: &[u8]| {
            if latest {
                txn.get_latest(k)
            } else {
                txn.get(k)
            }
        };
        let Some(bytes) = get(keys::SHARED_CATALOG_KEY).map_err(storage_err)? else {
            // A data directory from before databases were separate: one record holds everything.
            let legacy = get(keys::LEGACY_CATALOG_KEY)
                .map_err(storage_err)?
                .ok_or_else(|| {
                    PgError::internal("catalog missing: data directory not initialized")
                })?;
            let cat =
                Catalog::decode(&legacy).map_err(|e| PgError::new(SqlState::DATA_CORRUPTED, e))?;
            let mut shared = SharedCatalog {
                version: cat.version,
                next_oid: cat.next_oid,
                roles: cat.roles.clone(),
                memberships: cat.memberships.clone(),
                databases: Default::default(),
                descriptions: Vec::new(),
                all_roles_config: Vec::new(),
            };
            shared.databases.insert(
                self.database.clone(),
                DatabaseInfo {
                    oid: rampart_catalog::POSTGRES_DATABASE_OID,
                    name: self.database.clone(),
                    owner: rampart_catalog::BOOTSTRAP_SUPERUSER_OID,
                    acl: cat.database_acl.clone(),
                    config: vec![],
                    is_template: false,
                    allow_connections: true,
                    connection_limit: -1,
                },
            );
            return Ok(Arc::new(shared));
        };
        let shared = Arc::new(
            SharedCatalog::decode(&bytes).map_err(|e| PgError::new(SqlState::DATA_CORRUPTED, e))?,
        );
        if !latest {
            *self.shared_cache.lock() = Some(shared.clone());
        }
        Ok(shared)
    }

    /// Database `db`'s catalog as `txn` sees it, merged with the shared
    /// record: the cached copy when both versions match (two 8-byte reads).
    pub fn load_catalog(&self, txn: &Transaction, db: u32) -> PgResult<Arc<Catalog>> {
        if let (Some(lv), Some(sv)) = (
            Self::version_at(txn, &keys::database_version_key(db))?,
            Self::version_at(txn, keys::SHARED_VERSION_KEY)?,
        ) {
            let want = rampart_catalog::merged_version(lv, sv);
            if let Some(c) = self.catalog_cache.lock().get(&db) {
                if c.version == want {
                    return Ok(c.clone());
                }
            }
        }
        let cat = Arc::new(self.read_catalog(txn, db, false)?);
        self.catalog_cache.lock().insert(db, cat.clone());
        Ok(cat)
    }

    /// Reads and merges the records (`latest`: newest committed, for DDL under lock).
    pub fn read_catalog(&self, txn: &Transaction, db: u32, latest: bool) -> PgResult<Catalog> {
        let shared = self.load_shared(txn, latest)?;
        let key = keys::database_catalog_key(db);
        let bytes = if latest {
            txn.get_latest(&key)
        } else {
            txn.get(&key)
        }
        .map_err(storage_err)?;
        let local = match bytes {
            Some(b) => {
                Catalog::decode(&b).map_err(|e| PgError::new(SqlState::DATA_CORRUPTED, e))?
            }
            None if db == rampart_catalog::POSTGRES_DATABASE_OID => {
                let legacy = txn
                    .get_latest(keys::LEGACY_CATALOG_KEY)
                    .map_err(storage_err)?
                    .ok_or_else(|| {
                        PgError::internal("catalog missing: data directory not initialized")
                    })?;
                Catalog::decode(&legacy).map_err(|e| PgError::new(SqlState::DATA_CORRUPTED, e))?
            }
            None => {
                return Err(PgError::new(
                    SqlState("3D000"),
                    format!("database with OID {db} does not exist"),
                ))
            }
        };
        let mut local = local;
        if local.split_records {
            self.read_object_records(txn, db, latest, &mut local)?;
        }
        Ok(Catalog::merge(local, &shared, db))
    }

    /// Loads the per-relation and per-sequence records of a split database record.
    fn read_object_records(
        &self,
        txn: &Transaction,
        db: u32,
        latest: bool,
        local: &mut Catalog,
    ) -> PgResult<()> {
        let scan = |kind: u8| {
            let prefix = keys::catalog_object_prefix(db, kind);
            if latest {
                txn.scan_prefix_latest(&prefix)
            } else {
                txn.scan_prefix(&prefix)
            }
            .map_err(storage_err)
        };
        let corrupt = |e: String| PgError::new(SqlState::DATA_CORRUPTED, e);
        for item in scan(RELATION_RECORD)? {
            let (_, v) = item.map_err(storage_err)?;
            let rel: rampart_catalog::Relation = Catalog::decode_entry(&v).map_err(corrupt)?;
            local.relations.insert(rel.oid, rel);
        }
        for item in scan(SEQUENCE_RECORD)? {
            let (_, v) = item.map_err(storage_err)?;
            let seq: rampart_catalog::Sequence = Catalog::decode_entry(&v).map_err(corrupt)?;
            local.sequences.insert(seq.oid, seq);
        }
        Ok(())
    }

    /// Locks the catalog records DDL rewrites (shared first, then the database's).
    pub fn lock_catalog(&self, txn: &mut Transaction, db: u32) -> PgResult<()> {
        txn.lock_key(keys::SHARED_CATALOG_KEY)
            .map_err(storage_err)?;
        txn.lock_key(&keys::database_catalog_key(db))
            .map_err(storage_err)
    }

    /// Stores a session's catalog: the shared part and its database's part,
    /// both at `cat.version`. Relations and sequences are one record each
    /// and only those that differ from `before` (the catalog the change
    /// started from) are written, so a DDL statement costs the same with ten
    /// tables as with ten thousand. A record still in the old one-piece form
    /// is split on its first change. Returns the catalog as it reads back.
    pub fn store_catalog(
        &self,
        txn: &mut Transaction,
        before: &Catalog,
        mut cat: Catalog,
    ) -> PgResult<Catalog> {
        // One pass finds the changed relations, for their defaults' OIDs
        // and for the records to write (splitting keeps relations as they are).
        let changes = cat.relations.changes_since(&before.relations);
        cat.number_defaults(before, &changes.0);
        let version = cat.version;
        let (shared, mut local) = cat.split(version);
        self.put_shared(txn, &shared)?;
        let db = local.database;
        let rewrite_all = !before.split_records;
        let (changed, removed) = if rewrite_all {
            (local.relations.keys().copied().collect(), Vec::new())
        } else {
            changes
        };
        for oid in changed {
            let key = keys::catalog_object_key(db, RELATION_RECORD, oid);
            txn.set(&key, Catalog::encode_entry(&local.relations[&oid]))
                .map_err(storage_err)?;
        }
        for oid in removed {
            let key = keys::catalog_object_key(db, RELATION_RECORD, oid);
            txn.delete(&key).map_err(storage_err)?;
        }
        for (oid, seq) in &local.sequences {
            if rewrite_all || before.sequences.get(oid) != Some(seq) {
                let key = keys::catalog_object_key(db, SEQUENCE_RECORD, *oid);
                txn.set(&key, Catalog::encode_entry(seq))
                    .map_err(storage_err)?;
            }
        }
        for oid in before.sequences.keys() {
            if !local.sequences.contains_key(oid) {
                let key = keys::catalog_object_key(db, SEQUENCE_RECORD, *oid);
                txn.delete(&key).map_err(storage_err)?;
            }
        }
        local.split_records = true;
        let relations = std::mem::take(&mut local.relations);
        let sequences = std::mem::take(&mut local.sequences);
        self.put_local(txn, db, &local)?;
        local.relations = relations;
        local.sequences = sequences;
        // What reading the records back will give.
        Ok(Catalog::merge(local, &shared, db))
    }

    /// Caches the catalog a DDL statement just stored (as
    /// [`Engine::store_catalog`] returned it), so the next statement (this
    /// session's, or anyone's once the transaction commits) does not decode
    /// every relation again. A transaction that rolls back leaves an entry
    /// whose version no snapshot will ever ask for.
    pub fn remember_stored_catalog(&self, cat: Catalog) {
        self.catalog_cache
            .lock()
            .insert(cat.database, Arc::new(cat));
    }

    /// A fresh catalog version number (unique across the server's life).
    pub fn new_catalog_version(&self, current: u64) -> u64 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        nanos.max(current + 1)
    }

    /// Next row id (from a durably reserved block).
    pub fn next_rowid(&self) -> PgResult<u64> {
        let mut ids = self.rowids.lock();
        if ids.0 >= ids.1 {
            let key = keys::meta_key("rowid_hwm");
            let mut txn = self.store.begin(IsolationLevel::ReadCommitted);
            txn.lock_key(&key).map_err(storage_err)?;
            let hwm = txn
                .get_latest(&key)
                .map_err(storage_err)?
                .and_then(|b| b.as_slice().try_into().ok().map(u64::from_be_bytes))
                .unwrap_or(1);
            let new_hwm = hwm + ROWID_BLOCK;
            txn.set(&key, new_hwm.to_be_bytes().to_vec())
                .map_err(storage_err)?;
            txn.commit().map_err(storage_err)?;
            *ids = (hwm, new_hwm);
        }
        let id = ids.0;
        ids.0 += 1;
        Ok(id)
    }

    /// The stored SCRAM verifier of a role (None: unknown, expired or no password).
    /// NOLOGIN is checked after authentication, as PostgreSQL does, so the
    /// right password gets `role "x" is not permitted to log in`.
    pub fn role_verifier(&self, name: &str) -> PgResult<Option<String>> {
        let txn = self.store.begin(IsolationLevel::ReadCommitted);
        let Ok(cat) = self.load_shared(&txn, false) else {
            return Ok(None);
        };
        let now = chrono::Utc::now().timestamp_micros();
        // An expired password (VALID UNTIL in the past) authenticates nobody, as in PostgreSQL.
        Ok(cat
            .roles
            .get(name)
            .filter(|r| r.valid_until.is_none_or(|v| v > now))
            .and_then(|r| r.password.clone()))
    }

    /// Why a password did not authenticate `name`, in PostgreSQL's log
    /// DETAIL words (for the server log only).
    pub fn password_failure_detail(&self, name: &str) -> String {
        let txn = self.store.begin(IsolationLevel::ReadCommitted);
        let Ok(cat) = self.load_shared(&txn, false) else {
            return format!("Password does not match for user \"{name}\".");
        };
        let now = chrono::Utc::now().timestamp_micros();
        match cat.roles.get(name) {
            None => format!("Role \"{name}\" does not exist."),
            Some(r) if r.password.is_none() => format!("User \"{name}\" has no password assigned."),
            Some(r) if r.valid_until.is_some_and(|v| v <= now) => {
                format!("User \"{name}\" has an expired password.")
            }
            Some(_) => format!("Password does not match for user \"{name}\"."),
        }
    }

    /// A process id for a new session (reported as pg_backend_pid and in BackendKeyData).
    pub fn next_pid(&self) -> i32 {
        self.next_pid.fetch_add(1, Ordering::Relaxed)
    }
}

/// Kind byte of relation records (see [`keys::catalog_object_key`]).
const RELATION_RECORD: u8 = b'R';
/// Kind byte of sequence records.
const SEQUENCE_RECORD: u8 = b'S';

#[cfg(test)]
mod tests {
    use super::*;

    /// A catalog record stored in one piece (before split records) is split
    /// on its first change without losing the relations it did not touch,
    /// and later changes write only the entries they change.
    #[test]
    fn one_piece_record_is_split_on_first_change() {
        let engine = Engine::new(Store::in_memory(), "postgres");
        engine.bootstrap("postgres", None).unwrap();
        let db = rampart_catalog::POSTGRES_DATABASE_OID;
        // Write the database record the old way: relations inside it.
        let mut txn = engine.store().begin(IsolationLevel::ReadCommitted);
        let mut cat = engine.read_catalog(&txn, db, true).unwrap();
        let table = |oid: u32, name: &str| rampart_catalog::Relation {
            oid,
            schema: rampart_catalog::PUBLIC_SCHEMA_OID,
            name: name.into(),
            kind: rampart_catalog::RelationKind::Table,
            columns: vec![],
            indexes: vec![],
            checks: vec![],
            foreign_keys: vec![],
            owner: rampart_catalog::BOOTSTRAP_SUPERUSER_OID,
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
        };
        cat.relations.insert(50001, table(50001, "old_a"));
        cat.relations.insert(50002, table(50002, "old_b"));
        let version = cat.version + 1;
        let (_, mut local) = cat.split(version);
        local.split_records = false;
        engine.put_local(&mut txn, db, &local).unwrap();
        txn.commit().unwrap();

        // First change through store_catalog: rename old_b.
        let mut txn = engine.store().begin(IsolationLevel::ReadCommitted);
        let before = engine.read_catalog(&txn, db, true).unwrap();
        assert!(!before.split_records);
        let mut after = before.clone();
        after.relations.get_mut(&50002).unwrap().name = "renamed_b".into();
        after.version += 1;
        engine.store_catalog(&mut txn, &before, after).unwrap();
        txn.commit().unwrap();

        let txn = engine.store().begin(IsolationLevel::ReadCommitted);
        let now = engine.read_catalog(&txn, db, true).unwrap();
        assert!(now.split_records);
        assert_eq!(now.relations[&50001].name, "old_a");
        assert_eq!(now.relations[&50002].name, "renamed_b");
        let header = txn.get(&keys::database_catalog_key(db)).unwrap().unwrap();
        assert!(Catalog::decode(&header).unwrap().relations.is_empty());

        // A later change writes only what changed: drop old_a.
        let mut txn = engine.store().begin(IsolationLevel::ReadCommitted);
        let mut after = now.clone();
        after.relations.remove(&50001);
        after.version += 1;
        engine.store_catalog(&mut txn, &now, after).unwrap();
        let untouched = keys::catalog_object_key(db, RELATION_RECORD, 50002);
        let dropped = keys::catalog_object_key(db, RELATION_RECORD, 50001);
        txn.commit().unwrap();
        let txn = engine.store().begin(IsolationLevel::ReadCommitted);
        let last = engine.read_catalog(&txn, db, true).unwrap();
        assert!(!last.relations.contains_key(&50001));
        assert_eq!(last.relations[&50002].name, "renamed_b");
        assert!(txn.get(&dropped).unwrap().is_none());
        assert!(txn.get(&untouched).unwrap().is_some());
    }
}
