//! The engine: one per server, shared by all sessions.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use rampart_catalog::{Catalog, Role};
use rampart_storage::{IsolationLevel, Store};
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
    catalog_cache: Mutex<Option<Arc<Catalog>>>,
    next_pid: AtomicI32,
    /// Name of the one database this server serves.
    pub database: String,
}

impl Engine {
    /// Opens an engine over a store; `bootstrap` creates the catalog on first start.
    pub fn new(store: Store, database: &str) -> Engine {
        Engine {
            store,
            sequences: Sequences::default(),
            rowids: Mutex::new((0, 0)),
            catalog_cache: Mutex::new(None),
            next_pid: AtomicI32::new(std::process::id() as i32 * 100 % 1_000_000 + 1000),
            database: database.to_string(),
        }
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether the catalog has been created.
    pub fn is_initialized(&self) -> PgResult<bool> {
        let txn = self.store.begin(IsolationLevel::ReadCommitted);
        Ok(txn.get(keys::CATALOG_KEY).map_err(storage_err)?.is_some())
    }

    /// Creates the catalog with its bootstrap superuser (initdb).
    pub fn bootstrap(&self, superuser: &str, password_verifier: Option<String>) -> PgResult<()> {
        let mut txn = self.store.begin(IsolationLevel::ReadCommitted);
        if txn.get(keys::CATALOG_KEY).map_err(storage_err)?.is_some() {
            return Err(PgError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                "the catalog already exists",
            ));
        }
        let mut cat = Catalog::bootstrap(Role {
            superuser: true,
            login: true,
            password: password_verifier,
            createrole: true,
            createdb: true,
            replication: true,
            bypassrls: true,
            ..Role::new(rampart_catalog::BOOTSTRAP_SUPERUSER_OID, superuser)
        });

        cat.version = 1;
        self.store_catalog(&mut txn, &cat)?;
        txn.commit().map_err(storage_err)?;
        Ok(())
    }

    /// The catalog as `txn` sees it: the cached copy when its version matches
    /// (one 8-byte read), else the full record.
    pub fn load_catalog(&self, txn: &rampart_storage::Transaction) -> PgResult<Arc<Catalog>> {
        if let Some(v) = txn.get(keys::CATALOG_VERSION_KEY).map_err(storage_err)? {
            if let Ok(bytes) = <[u8; 8]>::try_from(v.as_slice()) {
                let version = u64::from_be_bytes(bytes);
                if let Some(c) = self.catalog_cache.lock().as_ref() {
                    if c.version == version {
                        return Ok(c.clone());
                    }
                }
            }
        }
        let bytes = txn
            .get(keys::CATALOG_KEY)
            .map_err(storage_err)?
            .ok_or_else(|| PgError::internal("catalog missing: data directory not initialized"))?;
        self.decode_catalog(&bytes)
    }

    /// Stores a catalog (record and version key) in a transaction.
    pub fn store_catalog(
        &self,
        txn: &mut rampart_storage::Transaction,
        cat: &Catalog,
    ) -> PgResult<()> {
        txn.set(keys::CATALOG_KEY, cat.encode())
            .map_err(storage_err)?;
        txn.set(
            keys::CATALOG_VERSION_KEY,
            cat.version.to_be_bytes().to_vec(),
        )
        .map_err(storage_err)
    }

    /// Decodes a catalog record, reusing the cached copy when versions match.
    pub fn decode_catalog(&self, bytes: &[u8]) -> PgResult<Arc<Catalog>> {
        let version = Catalog::encoded_version(bytes);
        {
            let cache = self.catalog_cache.lock();
            if let Some(c) = cache.as_ref() {
                if Some(c.version) == version {
                    return Ok(c.clone());
                }
            }
        }
        let cat = Arc::new(
            Catalog::decode(bytes).map_err(|e| PgError::new(SqlState::DATA_CORRUPTED, e))?,
        );
        *self.catalog_cache.lock() = Some(cat.clone());
        Ok(cat)
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
        let Ok(cat) = self.load_catalog(&txn) else {
            return Ok(None);
        };
        let now = chrono::Utc::now().timestamp_micros();
        // An expired password (VALID UNTIL in the past) authenticates nobody, as in PostgreSQL.
        Ok(cat
            .role(name)
            .filter(|r| r.valid_until.is_none_or(|v| v > now))
            .and_then(|r| r.password.clone()))
    }

    /// A process id for a new session (reported as pg_backend_pid and in BackendKeyData).
    pub fn next_pid(&self) -> i32 {
        self.next_pid.fetch_add(1, Ordering::Relaxed)
    }
}
