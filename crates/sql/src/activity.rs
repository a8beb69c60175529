//! Who is connected and what they run: the registry behind `pg_stat_activity`.
//! Sessions register at start, update their state around every statement and
//! leave when dropped. As in PostgreSQL, a reader sees the details (client
//! address, state, query text) of its own sessions' roles only, unless it is a
//! superuser or a member of `pg_read_all_stats`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use rampart_catalog::Catalog;
use rampart_types::{DataType, Value};

use crate::exec::Row;
use crate::sysview::{Col, SysView};

/// OID of `pg_read_all_stats`.
const READ_ALL_STATS: u32 = 3375;

/// One session's entry.
#[derive(Clone, Debug)]
pub struct Activity {
    /// Database OID.
    pub datid: u32,
    /// Database name.
    pub datname: String,
    /// Role OID of the session user.
    pub usesysid: u32,
    /// Session user.
    pub usename: String,
    /// application_name.
    pub application_name: String,
    /// Client address (None for unix sockets).
    pub client_addr: Option<String>,
    /// Client port (-1 for unix sockets).
    pub client_port: i32,
    /// Connection start.
    pub backend_start: DateTime<Utc>,
    /// Start of the open transaction.
    pub xact_start: Option<DateTime<Utc>>,
    /// Start of the running (or last) statement.
    pub query_start: Option<DateTime<Utc>>,
    /// When `state` last changed.
    pub state_change: DateTime<Utc>,
    /// `active`, `idle`, `idle in transaction`, `idle in transaction (aborted)`.
    pub state: String,
    /// Text of the running (or last) statement.
    pub query: String,
}

/// All sessions' entries by pid.
#[derive(Default)]
pub struct Registry(Mutex<BTreeMap<i32, Activity>>);

impl Registry {
    /// Adds a session's entry unless its database already has `limit`
    /// sessions (the database's CONNECTION LIMIT); false if refused.
    pub fn try_register(&self, pid: i32, a: Activity, limit: Option<usize>) -> bool {
        let mut all = self.0.lock();
        if let Some(limit) = limit {
            if all.values().filter(|x| x.datid == a.datid).count() >= limit {
                return false;
            }
        }
        all.insert(pid, a);
        true
    }

    /// Sessions connected to a database.
    pub fn count_in(&self, datid: u32) -> usize {
        self.0.lock().values().filter(|a| a.datid == datid).count()
    }

    /// Removes a session's entry.
    pub fn remove(&self, pid: i32) {
        self.0.lock().remove(&pid);
    }

    /// Changes a session's entry in place.
    pub fn update(&self, pid: i32, f: impl FnOnce(&mut Activity)) {
        if let Some(a) = self.0.lock().get_mut(&pid) {
            f(a);
        }
    }

    /// A copy of every entry.
    pub fn snapshot(&self) -> Vec<(i32, Activity)> {
        self.0.lock().iter().map(|(p, a)| (*p, a.clone())).collect()
    }
}

use DataType::{Int4, Int8, Name, Oid, Text, Timestamptz};

/// `pg_stat_activity` (the columns PostgreSQL 15 has that Rampart can fill).
pub const VIEW: SysView = SysView {
    name: "pg_stat_activity",
    oid: 12222,
    columns: &[
        ("datid", Col::T(Oid)),
        ("datname", Col::T(Name)),
        ("pid", Col::T(Int4)),
        ("leader_pid", Col::T(Int4)),
        ("usesysid", Col::T(Oid)),
        ("usename", Col::T(Name)),
        ("application_name", Col::T(Text)),
        ("client_addr", Col::T(Text)),
        ("client_hostname", Col::T(Text)),
        ("client_port", Col::T(Int4)),
        ("backend_start", Col::T(Timestamptz)),
        ("xact_start", Col::T(Timestamptz)),
        ("query_start", Col::T(Timestamptz)),
        ("state_change", Col::T(Timestamptz)),
        ("wait_event_type", Col::T(Text)),
        ("wait_event", Col::T(Text)),
        ("state", Col::T(Text)),
        ("backend_xid", Col::T(DataType::Xid)),
        ("backend_xmin", Col::T(DataType::Xid)),
        ("query_id", Col::T(Int8)),
        ("query", Col::T(Text)),
        ("backend_type", Col::T(Text)),
    ],
    superuser_only: false,
};

/// The view's rows for `reader` (a role name).
pub fn rows(registry: &Registry, cat: &Catalog, reader: &str) -> Vec<Row> {
    let me = cat.role(reader);
    let full_access = |owner: u32| {
        me.is_some_and(|r| {
            r.superuser
                || rampart_security::roles::has_privs_of(cat, r.oid, owner)
                || rampart_security::roles::has_privs_of(cat, r.oid, READ_ALL_STATS)
        })
    };
    let ts = |t: Option<DateTime<Utc>>| t.map(Value::Timestamptz).unwrap_or(Value::Null);
    registry
        .snapshot()
        .into_iter()
        .map(|(pid, a)| {
            let visible = full_access(a.usesysid);
            let shown = |v: Value| if visible { v } else { Value::Null };
            vec![
                Value::Oid(a.datid),
                Value::Text(a.datname.clone()),
                Value::Int4(pid),
                Value::Null,
                Value::Oid(a.usesysid),
                Value::Text(a.usename.clone()),
                Value::Text(a.application_name.clone()),
                shown(
                    a.client_addr
                        .clone()
                        .map(Value::Text)
                        .unwrap_or(Value::Null),
                ),
                Value::Null,
                shown(Value::Int4(a.client_port)),
                shown(Value::Timestamptz(a.backend_start)),
                shown(ts(a.xact_start)),
                shown(ts(a.query_start)),
                shown(Value::Timestamptz(a.state_change)),
                Value::Null,
                Value::Null,
                shown(Value::Text(a.state.clone())),
                Value::Null,
                Value::Null,
                Value::Null,
                if visible {
                    Value::Text(a.query.clone())
                } else {
                    Value::Text("<insufficient privilege>".into())
                },
                Value::Text("client backend".into()),
            ]
        })
        .collect()
}
