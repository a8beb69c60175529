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
//! Partial: DDL does not take ACCESS EXCLUSIVE implicitly (catalog changes
//! are serialized by the catalog record instead), and ROLLBACK TO SAVEPOINT
//! keeps the locks taken since the savepoint until the transaction ends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

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
    /// Per waiting transaction: the transactions it waits for.
    waits_for: HashMap<u64, Vec<u64>>,
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

    /// Whether `from` (transitively) waits for `target`.
    fn reaches(&self, from: u64, target: u64) -> bool {
        let mut stack = vec![from];
        let mut seen = std::collections::HashSet::new();
        while let Some(t) = stack.pop() {
            if t == target {
                return true;
            }
            if seen.insert(t) {
                stack.extend(self.waits_for.get(&t).into_iter().flatten().copied());
            }
        }
        false
    }
}

/// The table lock manager shared by all sessions of an engine.
#[derive(Default)]
pub struct TableLocks {
    state: Mutex<State>,
    released: Condvar,
}

impl TableLocks {
    /// Grants `mode` on `table` to `txn`, waiting while other transactions
    /// hold conflicting locks (unless `nowait`).
    pub fn acquire(
        &self,
        txn: u64,
        table: u32,
        mode: LockMode,
        nowait: bool,
        cancel: &AtomicBool,
    ) -> Result<(), LockError> {
        let mut s = self.state.lock();
        // Already held in this mode (or a stronger one that covers it)?
        if s.granted
            .get(&table)
            .is_some_and(|g| g.iter().any(|(t, m)| *t == txn && covers(*m, mode)))
        {
            return Ok(());
        }
        loop {
            let blockers = s.blockers(txn, table, mode);
            if blockers.is_empty() {
                s.waits_for.remove(&txn);
                s.granted.entry(table).or_default().push((txn, mode));
                s.held.entry(txn).or_default().push(table);
                return Ok(());
            }
            if nowait {
                return Err(LockError::WouldBlock);
            }
            if blockers.iter().any(|b| s.reaches(*b, txn)) {
                s.waits_for.remove(&txn);
                return Err(LockError::Deadlock);
            }
            s.waits_for.insert(txn, blockers);
            self.released.wait_for(&mut s, Duration::from_millis(100));
            if cancel.load(Ordering::Relaxed) {
                s.waits_for.remove(&txn);
                return Err(LockError::Canceled);
            }
        }
    }

    /// Releases every table lock of `txn` (transaction end).
    pub fn release_all(&self, txn: u64) {
        let mut s = self.state.lock();
        s.waits_for.remove(&txn);
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
        let locks = TableLocks::default();
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
            while !locks.state.lock().waits_for.contains_key(&1) {
                std::thread::sleep(Duration::from_millis(5));
            }
            assert_eq!(
                locks.acquire(2, 10, LockMode::RowExclusive, false, &no),
                Err(LockError::Deadlock)
            );
            locks.release_all(2);
            assert_eq!(waiter.join().unwrap(), Ok(()));
        });
        assert_eq!(locks.held(1, 20), vec![LockMode::AccessShare]);
    }
}
