//! Table-level locks: PostgreSQL's eight lock modes and their conflict
//! table, held until the transaction ends. `LOCK TABLE` takes them
//! explicitly; queries take ACCESS SHARE and INSERT/UPDATE/DELETE take ROW
//! EXCLUSIVE on the tables they use, so `LOCK TABLE t IN EXCLUSIVE MODE`
//! holds off writers and `ACCESS EXCLUSIVE` holds off readers too.
//!
//! A waiter records which transactions it waits for; a request that would
//! close a cycle fails with "deadlock detected" at once. Waiting is in
//! short slices so a cancel request ends it.
//!
//! DDL takes its lock implicitly too ([`lock_for_ddl`]): DROP TABLE waits
//! for a transaction still reading the table, and a reader for the DROP.
//! Waits for table locks and for row locks share one wait-for graph (the
//! store's), so a deadlock through both kinds is detected.
//!
//! Partial: ROLLBACK TO SAVEPOINT keeps the locks taken since the savepoint
//! until the transaction ends; ALTER TABLE always takes ACCESS EXCLUSIVE
//! (PostgreSQL takes less for a few subcommands); DDL statements also
//! serialize on the database's catalog record, so two transactions changing
//! different tables' definitions still run one after the other.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use rampart_storage::lock::WaitGraph;

/// A table lock mode, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockMode {
    /// SELECT.
    AccessShare,
    /// SELECT FOR UPDATE/SHARE.
    RowShare,
    /// INSERT, UPDATE, DELETE.
    RowExclusive,
    /// VACUUM, CREATE INDEX CONCURRENTLY.
    ShareUpdateExclusive,
    /// CREATE INDEX.
    Share,
    /// CREATE TRIGGER, some ALTER TABLE forms.
    ShareRowExclusive,
    /// REFRESH MATERIALIZED VIEW CONCURRENTLY.
    Exclusive,
    /// DROP TABLE, TRUNCATE, most ALTER TABLE forms; LOCK TABLE's default.
    AccessExclusive,
}

impl LockMode {
    /// Whether holding `self` blocks a request for `other` (PostgreSQL's
    /// "Conflicting Lock Modes" table; it is symmetric).
    pub fn conflicts_with(self, other: LockMode) -> bool {
        use LockMode::*;
        let blocked: &[LockMode] = match self {
            AccessShare => &[AccessExclusive],
            RowShare => &[Exclusive, AccessExclusive],
            RowExclusive => &[Share, ShareRowExclusive, Exclusive, AccessExclusive],
            ShareUpdateExclusive => &[
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            Share => &[
                RowExclusive,
                ShareUpdateExclusive,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            ShareRowExclusive => &[
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            Exclusive => &[
                RowShare,
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            AccessExclusive => &[
                AccessShare,
                RowShare,
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
        };
        blocked.contains(&other)
    }
}

/// Why a lock was not granted.
#[derive(Debug, PartialEq, Eq)]
pub enum LockError {
    /// NOWAIT and another transaction holds a conflicting lock.
    WouldBlock,
    /// Waiting would close a cycle of waiting transactions.
    Deadlock,
    /// A cancel request arrived while waiting.
    Canceled,
}

#[derive(Default)]
struct State {
    /// Per table: (transaction, mode) of every granted lock.
    granted: HashMap<u32, Vec<(u64, LockMode)>>,
    /// Per transaction: the tables it holds locks on.
    held: HashMap<u64, Vec<u32>>,
}

impl State {
    /// Transactions other than `txn` holding a lock on `table` that conflicts with `mode`.
    fn blockers(&self, txn: u64, table: u32, mode: LockMode) -> Vec<u64> {
        let mut out: Vec<u64> = self
            .granted
            .get(&table)
            .into_iter()
            .flatten()
            .filter(|(t, m)| *t != txn && m.conflicts_with(mode))
            .map(|(t, _)| *t)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Runs a blocking wait through the storage layer's hook (see
/// [`rampart_storage::wait`]): a table-lock wait hands the async worker off
/// as a row-lock wait does.
fn blocking_wait(wait: &mut dyn FnMut()) {
    rampart_storage::wait::blocking_wait(wait)
}

/// The table lock manager shared by all sessions of an engine.
pub struct TableLocks {
    state: Mutex<State>,
    released: Condvar,
    /// Shared with the storage's row locks, so that a cycle through table
    /// and row locks is a deadlock too.
    waits: Arc<WaitGraph>,
}

impl TableLocks {
    /// A lock manager recording its waits in `waits` (the store's graph).
    pub fn new(waits: Arc<WaitGraph>) -> TableLocks {
        TableLocks {
            state: Mutex::default(),
            released: Condvar::new(),
            waits,
        }
    }

    /// Grants `mode` on `table` to `txn`, waiting while other transactions
    /// hold conflicting locks (unless `nowait`). Returns whether it waited.
    pub fn acquire(
        &self,
        txn: u64,
        table: u32,
        mode: LockMode,
        nowait: bool,
        cancel: &AtomicBool,
    ) -> Result<bool, LockError> {
        let mut s = self.state.lock();
        // Already held in this mode (or a stronger one that covers it)?
        if s.granted
            .get(&table)
            .is_some_and(|g| g.iter().any(|(t, m)| *t == txn && covers(*m, mode)))
        {
            return Ok(false);
        }
        if s.blockers(txn, table, mode).is_empty() {
            s.granted.entry(table).or_default().push((txn, mode));
            s.held.entry(txn).or_default().push(table);
            return Ok(false);
        }
        if nowait {
            return Err(LockError::WouldBlock);
        }
        drop(s);
        let mut result = Err(LockError::Canceled);
        blocking_wait(&mut || result = self.wait_for_grant(txn, table, mode, cancel));
        result
    }

    /// The waiting part of [`TableLocks::acquire`]: sleeps in slices until
    /// no other transaction holds a conflicting lock, then grants it.
    fn wait_for_grant(
        &self,
        txn: u64,
        table: u32,
        mode: LockMode,
        cancel: &AtomicBool,
    ) -> Result<bool, LockError> {
        let mut s = self.state.lock();
        loop {
            let blockers = s.blockers(txn, table, mode);
            if blockers.is_empty() {
                self.waits.done(txn);
                s.granted.entry(table).or_default().push((txn, mode));
                s.held.entry(txn).or_default().push(table);
                return Ok(true);
            }
            if !self.waits.wait(txn, blockers) {
                return Err(LockError::Deadlock);
            }
            // Re-checked every slice: a cycle may close through a row lock.
            self.released.wait_for(&mut s, Duration::from_millis(100));
            if cancel.load(Ordering::Relaxed) {
                self.waits.done(txn);
                return Err(LockError::Canceled);
            }
        }
    }

    /// Releases every table lock of `txn` (transaction end).
    pub fn release_all(&self, txn: u64) {
        let mut s = self.state.lock();
        self.waits.done(txn);
        let Some(tables) = s.held.remove(&txn) else {
            return;
        };
        for t in tables {
            if let Some(g) = s.granted.get_mut(&t) {
                g.retain(|(holder, _)| *holder != txn);
                if g.is_empty() {
                    s.granted.remove(&t);
                }
            }
        }
        drop(s);
        self.released.notify_all();
    }

    /// The modes `txn` holds on `table` (for tests and pg_locks).
    pub fn held(&self, txn: u64, table: u32) -> Vec<LockMode> {
        self.state
            .lock()
            .granted
            .get(&table)
            .into_iter()
            .flatten()
            .filter(|(t, _)| *t == txn)
            .map(|(_, m)| *m)
            .collect()
    }
}

/// Whether holding `held` makes a request for `wanted` redundant: every
/// request `wanted` conflicts with, `held` conflicts with too.
fn covers(held: LockMode, wanted: LockMode) -> bool {
    use LockMode::*;
    [
        AccessShare,
        RowShare,
        RowExclusive,
        ShareUpdateExclusive,
        Share,
        ShareRowExclusive,
        Exclusive,
        AccessExclusive,
    ]
    .iter()
    .all(|m| !wanted.conflicts_with(*m) || held.conflicts_with(*m))
}

/// `LOCK [TABLE] [ONLY] name [, …] [IN mode MODE] [NOWAIT]`: checks the
/// privileges PostgreSQL 15 requires for the mode (ACCESS SHARE: SELECT;
/// ROW EXCLUSIVE: INSERT, UPDATE, DELETE or TRUNCATE; the others: UPDATE,
/// DELETE or TRUNCATE), then takes the locks until the transaction ends.
pub fn lock_table(
    s: &mut crate::Session,
    stmt: &sqlparser::ast::Lock,
) -> rampart_types::PgResult<crate::QueryResult> {
    use rampart_security::{Need, ObjectRef, Privilege};
    use rampart_types::{PgError, SqlState};
    use sqlparser::ast::LockTableMode as M;
    if !s.in_block() {
        return Err(PgError::new(
            SqlState("25P01"),
            "LOCK TABLE can only be used in transaction blocks",
        ));
    }
    let mode = match stmt.lock_mode.as_ref().unwrap_or(&M::AccessExclusive) {
        M::AccessShare => LockMode::AccessShare,
        M::RowShare => LockMode::RowShare,
        M::RowExclusive => LockMode::RowExclusive,
        M::ShareUpdateExclusive => LockMode::ShareUpdateExclusive,
        M::Share => LockMode::Share,
        M::ShareRowExclusive => LockMode::ShareRowExclusive,
        M::Exclusive => LockMode::Exclusive,
        M::AccessExclusive => LockMode::AccessExclusive,
    };
    let acceptable: &[Privilege] = match mode {
        LockMode::AccessShare => &[Privilege::Select],
        LockMode::RowExclusive => &[
            Privilege::Insert,
            Privilege::Update,
            Privilege::Delete,
            Privilege::Truncate,
        ],
        _ => &[Privilege::Update, Privilege::Delete, Privilege::Truncate],
    };
    let cat = s.catalog()?;
    let mut tables = Vec::new();
    {
        let mut binder = crate::bind::Binder::new(&cat, s.state.search_path(), vec![]);
        for target in &stmt.tables {
            let rel = binder.resolve_relation(&target.name)?;
            tables.push((rel.oid, rel.name.clone()));
        }
    }
    for (oid, _) in &tables {
        let mut first_error = None;
        let allowed = acceptable.iter().any(|p| {
            let need = Need {
                object: ObjectRef::Relation(*oid),
                privilege: *p,
                columns: vec![],
                as_role: None,
                position: None,
            };
            match s.authorize((), &[need], &cat) {
                Ok(_) => true,
                Err(e) => {
                    first_error.get_or_insert(e);
                    false
                }
            }
        });
        if !allowed {
            return Err(first_error.unwrap_or_else(|| PgError::internal("no privilege checked")));
        }
    }
    // Without ONLY the tables inheriting from a target are locked too
    // (their own privileges are not checked, as PostgreSQL).
    for (target, (oid, _)) in stmt.tables.iter().zip(tables.clone()) {
        if target.only {
            continue;
        }
        for child in cat.inheritors(oid) {
            if let Some(r) = cat.relation_by_oid(child) {
                if !tables.iter().any(|(o, _)| *o == child) {
                    tables.push((child, r.name.clone()));
                }
            }
        }
    }
    let txn = s.txn_mut()?.id();
    let engine = s.engine();
    let cancel = s.cancel.clone();
    for (oid, name) in &tables {
        engine
            .table_locks
            .acquire(txn, *oid, mode, stmt.nowait, &cancel)
            .map_err(|e| lock_error(e, name))?;
    }
    Ok(crate::QueryResult::Command {
        tag: "LOCK TABLE".into(),
    })
}

/// Takes the table lock a DDL statement implies, as PostgreSQL: ACCESS
/// EXCLUSIVE for DROP TABLE/VIEW/INDEX, TRUNCATE, ALTER TABLE and
/// CREATE/ALTER/DROP POLICY; SHARE for CREATE INDEX. The catalog lock comes
/// first (every DDL statement takes it anyway), so two DDL statements never
/// wait for each other's table locks in opposite orders. As PostgreSQL's
/// RangeVarGetRelidExtended callbacks, a role that may not run the
/// statement on a table (not its owner; for TRUNCATE, without the
/// privilege) takes no lock: it cannot make others wait, and the statement
/// then fails with its own permission error. Names that do not resolve are
/// left to the statement too.
pub fn lock_for_ddl(
    s: &mut crate::Session,
    stmt: &sqlparser::ast::Statement,
    cat: &rampart_catalog::Catalog,
) -> rampart_types::PgResult<()> {
    use rampart_security::{roles, Need, ObjectRef, Privilege};
    use sqlparser::ast::{ObjectType, Statement};
    let mut indexes = false;
    let (names, mode, privilege): (
        Vec<&sqlparser::ast::ObjectName>,
        LockMode,
        Option<Privilege>,
    ) = match stmt {
        Statement::Drop {
            object_type: ObjectType::Table | ObjectType::View,
            names,
            ..
        } => (names.iter().collect(), LockMode::AccessExclusive, None),
        Statement::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        } => {
            indexes = true;
            (names.iter().collect(), LockMode::AccessExclusive, None)
        }
        Statement::Truncate(t) => (
            t.table_names.iter().map(|t| &t.name).collect(),
            LockMode::AccessExclusive,
            Some(Privilege::Truncate),
        ),
        Statement::AlterTable(a) => (vec![&a.name], LockMode::AccessExclusive, None),
        Statement::CreateIndex(c) => (vec![&c.table_name], LockMode::Share, None),
        Statement::CreatePolicy(p) => (vec![&p.table_name], LockMode::AccessExclusive, None),
        Statement::AlterPolicy(p) => (vec![&p.table_name], LockMode::AccessExclusive, None),
        Statement::DropPolicy(p) => (vec![&p.table_name], LockMode::AccessExclusive, None),
        _ => return Ok(()),
    };
    let mut tables = Vec::new();
    {
        let mut binder = crate::bind::Binder::new(cat, s.state.search_path(), vec![]);
        for n in names {
            let rel = if indexes {
                crate::bind::split_name(n).ok().and_then(|(schema, name)| {
                    let search = crate::ddl::searched_schemas(cat, s, schema.as_deref());
                    let (table, _) = crate::ddl::find_index(cat, &search, &name)?;
                    cat.relation_by_oid(table)
                })
            } else {
                binder.resolve_relation(n).ok()
            };
            if let Some(rel) = rel {
                tables.push((rel.oid, rel.name.clone(), rel.owner));
            }
        }
    }
    let principal = s.principal(cat)?;
    tables.retain(|(oid, _, owner)| {
        principal.superuser
            || roles::has_privs_of(cat, principal.role_oid, *owner)
            || privilege.is_some_and(|p| {
                let need = Need {
                    object: ObjectRef::Relation(*oid),
                    privilege: p,
                    columns: vec![],
                    as_role: None,
                    position: None,
                };
                s.authorize((), &[need], cat).is_ok()
            })
    });
    if tables.is_empty() {
        return Ok(());
    }
    let engine = s.engine().clone();
    let db = s.state.database_oid;
    let cancel = s.cancel.clone();
    let txn = s.txn_mut()?;
    engine.lock_catalog(txn, db)?;
    let id = txn.id();
    for (oid, name, _) in &tables {
        engine
            .table_locks
            .acquire(id, *oid, mode, false, &cancel)
            .map_err(|e| lock_error(e, name))?;
    }
    Ok(())
}

/// The error a refused lock reports.
pub fn lock_error(e: LockError, table: &str) -> rampart_types::PgError {
    use rampart_types::{PgError, SqlState};
    match e {
        LockError::WouldBlock => PgError::new(
            SqlState("55P03"),
            format!("could not obtain lock on relation \"{table}\""),
        ),
        LockError::Deadlock => PgError::new(SqlState::DEADLOCK_DETECTED, "deadlock detected"),
        LockError::Canceled => {
            PgError::new(SqlState("57014"), "canceling statement due to user request")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_table_is_symmetric() {
        use LockMode::*;
        let all = [
            AccessShare,
            RowShare,
            RowExclusive,
            ShareUpdateExclusive,
            Share,
            ShareRowExclusive,
            Exclusive,
            AccessExclusive,
        ];
        for a in all {
            for b in all {
                assert_eq!(a.conflicts_with(b), b.conflicts_with(a), "{a:?} / {b:?}");
            }
        }
        assert!(!RowExclusive.conflicts_with(RowExclusive));
        assert!(Share.conflicts_with(RowExclusive));
        assert!(!AccessShare.conflicts_with(Exclusive));
    }

    #[test]
    fn nowait_and_deadlock_are_reported() {
        let locks = TableLocks::new(Default::default());
        let no = AtomicBool::new(false);
        locks
            .acquire(1, 10, LockMode::Exclusive, false, &no)
            .unwrap();
        // Readers pass an EXCLUSIVE lock; writers do not.
        locks
            .acquire(2, 10, LockMode::AccessShare, true, &no)
            .unwrap();
        assert_eq!(
            locks.acquire(2, 10, LockMode::RowExclusive, true, &no),
            Err(LockError::WouldBlock)
        );
        // 2 holds table 20; 1 waiting for 20 while 2 waits for 10 is a cycle.
        locks
            .acquire(2, 20, LockMode::AccessExclusive, false, &no)
            .unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| locks.acquire(1, 20, LockMode::AccessShare, false, &no));
            while !locks.waits.is_waiting(1) {
                std::thread::sleep(Duration::from_millis(5));
            }
            assert_eq!(
                locks.acquire(2, 10, LockMode::RowExclusive, false, &no),
                Err(LockError::Deadlock)
            );
            locks.release_all(2);
            assert_eq!(waiter.join().unwrap(), Ok(true));
        });
        assert_eq!(locks.held(1, 20), vec![LockMode::AccessShare]);
    }

    /// Transaction 1 holds a row lock and waits for a table lock of 2, which
    /// then asks for the row: the cycle runs through both lock managers.
    #[test]
    fn deadlock_through_row_and_table_locks_is_found() {
        let store = rampart_storage::Store::in_memory();
        let locks = TableLocks::new(store.wait_graph());
        let no = AtomicBool::new(false);
        let mut t1 = store.begin(rampart_storage::IsolationLevel::ReadCommitted);
        let mut t2 = store.begin(rampart_storage::IsolationLevel::ReadCommitted);
        t1.lock_key(b"row").unwrap();
        locks
            .acquire(t2.id(), 10, LockMode::AccessExclusive, false, &no)
            .unwrap();
        let t1_id = t1.id();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| locks.acquire(t1_id, 10, LockMode::AccessShare, false, &no));
            while !locks.waits.is_waiting(t1_id) {
                std::thread::sleep(Duration::from_millis(5));
            }
            assert!(matches!(
                t2.lock_key(b"row"),
                Err(rampart_storage::StorageError::Deadlock)
            ));
            locks.release_all(t2.id());
            t2.rollback();
            assert_eq!(waiter.join().unwrap(), Ok(true));
        });
        locks.release_all(t1_id);
        t1.rollback();
    }
}
