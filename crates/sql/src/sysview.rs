//! System catalog views computed from the catalog: pg_roles, pg_authid,
//! pg_auth_members, pg_user, pg_shadow, pg_group, pg_db_role_setting.
//! They live in `pg_catalog`, which name lookup searches first (as PostgreSQL).
//!
//! Partial: array columns (`rolconfig`, `useconfig`, `grolist`, `setconfig`)
//! are returned as text in array-literal form until arrays arrive.

use rampart_catalog::{Catalog, Role};
use rampart_types::{DataType, Value};

use crate::exec::Row;

/// A system view's shape.
pub struct SysView {
    /// Name in pg_catalog.
    pub name: &'static str,
    /// OID (used for privilege needs).
    pub oid: u32,
    /// Columns.
    pub columns: &'static [(&'static str, DataType)],
    /// Readable by superusers only (pg_authid, pg_shadow).
    pub superuser_only: bool,
}

use DataType::{Bool, Int4, Name, Oid, Text, Timestamptz};

const ROLE_COLS: &[(&str, DataType)] = &[
    ("rolname", Name),
    ("rolsuper", Bool),
    ("rolinherit", Bool),
    ("rolcreaterole", Bool),
    ("rolcreatedb", Bool),
    ("rolcanlogin", Bool),
    ("rolreplication", Bool),
    ("rolconnlimit", Int4),
    ("rolpassword", Text),
    ("rolvaliduntil", Timestamptz),
    ("rolbypassrls", Bool),
    ("rolconfig", Text),
    ("oid", Oid),
];

const AUTHID_COLS: &[(&str, DataType)] = &[
    ("oid", Oid),
    ("rolname", Name),
    ("rolsuper", Bool),
    ("rolinherit", Bool),
    ("rolcreaterole", Bool),
    ("rolcreatedb", Bool),
    ("rolcanlogin", Bool),
    ("rolreplication", Bool),
    ("rolbypassrls", Bool),
    ("rolconnlimit", Int4),
    ("rolpassword", Text),
    ("rolvaliduntil", Timestamptz),
];

const USER_COLS: &[(&str, DataType)] = &[
    ("usename", Name),
    ("usesysid", Oid),
    ("usecreatedb", Bool),
    ("usesuper", Bool),
    ("userepl", Bool),
    ("usebypassrls", Bool),
    ("passwd", Text),
    ("valuntil", Timestamptz),
    ("useconfig", Text),
];

/// Every system view.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "pg_roles",
        oid: 12001,
        columns: ROLE_COLS,
        superuser_only: false,
    },
    SysView {
        name: "pg_authid",
        oid: 1260,
        columns: AUTHID_COLS,
        superuser_only: true,
    },
    SysView {
        name: "pg_auth_members",
        oid: 1261,
        columns: &[
            ("roleid", Oid),
            ("member", Oid),
            ("grantor", Oid),
            ("admin_option", Bool),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_user",
        oid: 12010,
        columns: USER_COLS,
        superuser_only: false,
    },
    SysView {
        name: "pg_shadow",
        oid: 12006,
        columns: USER_COLS,
        superuser_only: true,
    },
    SysView {
        name: "pg_group",
        oid: 12014,
        columns: &[("groname", Name), ("grosysid", Oid), ("grolist", Text)],
        superuser_only: false,
    },
    SysView {
        name: "pg_policies",
        oid: 12100,
        columns: &[
            ("schemaname", Name),
            ("tablename", Name),
            ("policyname", Name),
            ("permissive", Text),
            ("roles", Text),
            ("cmd", Text),
            ("qual", Text),
            ("with_check", Text),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_db_role_setting",
        oid: 2964,
        columns: &[("setdatabase", Oid), ("setrole", Oid), ("setconfig", Text)],
        superuser_only: false,
    },
];

/// Looks a view up by name.
pub fn lookup(name: &str) -> Option<&'static SysView> {
    VIEWS.iter().find(|v| v.name == name)
}

/// Looks a view up by OID.
pub fn by_oid(oid: u32) -> Option<&'static SysView> {
    VIEWS.iter().find(|v| v.oid == oid)
}

fn valid_until(r: &Role) -> Value {
    r.valid_until
        .and_then(chrono::DateTime::from_timestamp_micros)
        .map(Value::Timestamptz)
        .unwrap_or(Value::Null)
}

fn config(r: &Role) -> Value {
    if r.config.is_empty() {
        return Value::Null;
    }
    let items: Vec<String> = r.config.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Value::Text(format!("{{{}}}", items.join(",")))
}

fn roles_by_oid(cat: &Catalog) -> Vec<&Role> {
    let mut v: Vec<&Role> = cat.roles.values().collect();
    v.sort_by_key(|r| r.oid);
    v
}

/// The rows of a view.
pub fn rows(view: &SysView, cat: &Catalog) -> Vec<Row> {
    let b = Value::Bool;
    let masked = |_: &Role| Value::Text("********".into());
    match view.name {
        "pg_roles" => roles_by_oid(cat)
            .into_iter()
            .map(|r| {
                vec![
                    Value::Text(r.name.clone()),
                    b(r.superuser),
                    b(r.inherit),
                    b(r.createrole),
                    b(r.createdb),
                    b(r.login),
                    b(r.replication),
                    Value::Int4(r.connection_limit),
                    masked(r),
                    valid_until(r),
                    b(r.bypassrls),
                    config(r),
                    Value::Oid(r.oid),
                ]
            })
            .collect(),
        "pg_authid" => roles_by_oid(cat)
            .into_iter()
            .map(|r| {
                vec![
                    Value::Oid(r.oid),
                    Value::Text(r.name.clone()),
                    b(r.superuser),
                    b(r.inherit),
                    b(r.createrole),
                    b(r.createdb),
                    b(r.login),
                    b(r.replication),
                    b(r.bypassrls),
                    Value::Int4(r.connection_limit),
                    r.password.clone().map(Value::Text).unwrap_or(Value::Null),
                    valid_until(r),
                ]
            })
            .collect(),
        "pg_auth_members" => cat
            .memberships
            .iter()
            .map(|m| {
                vec![
                    Value::Oid(m.role),
                    Value::Oid(m.member),
                    Value::Oid(m.grantor),
                    b(m.admin_option),
                ]
            })
            .collect(),
        "pg_user" | "pg_shadow" => roles_by_oid(cat)
            .into_iter()
            .filter(|r| r.login)
            .map(|r| {
                let passwd = if view.name == "pg_shadow" {
                    r.password.clone().map(Value::Text).unwrap_or(Value::Null)
                } else {
                    Value::Text("********".into())
                };
                vec![
                    Value::Text(r.name.clone()),
                    Value::Oid(r.oid),
                    b(r.createdb),
                    b(r.superuser),
                    b(r.replication),
                    b(r.bypassrls),
                    passwd,
                    valid_until(r),
                    config(r),
                ]
            })
            .collect(),
        "pg_group" => roles_by_oid(cat)
            .into_iter()
            .filter(|r| !r.login)
            .map(|r| {
                let members: Vec<String> = cat
                    .memberships
                    .iter()
                    .filter(|m| m.role == r.oid)
                    .map(|m| m.member.to_string())
                    .collect();
                vec![
                    Value::Text(r.name.clone()),
                    Value::Oid(r.oid),
                    Value::Text(format!("{{{}}}", members.join(","))),
                ]
            })
            .collect(),
        "pg_policies" => {
            let mut rels: Vec<&rampart_catalog::Relation> = cat
                .relations
                .values()
                .filter(|r| !r.policies.is_empty())
                .collect();
            rels.sort_by(|a, b| (a.schema, &a.name).cmp(&(b.schema, &b.name)));
            let mut out = Vec::new();
            for r in rels {
                let schema = cat
                    .schema_by_oid(r.schema)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                for p in &r.policies {
                    let roles = if p.roles.is_empty() {
                        "{public}".to_string()
                    } else {
                        let names: Vec<String> = p
                            .roles
                            .iter()
                            .map(|o| {
                                cat.role_by_oid(*o)
                                    .map(|r| r.name.clone())
                                    .unwrap_or_else(|| o.to_string())
                            })
                            .collect();
                        format!("{{{}}}", names.join(","))
                    };
                    let text =
                        |t: &Option<String>| t.clone().map(Value::Text).unwrap_or(Value::Null);
                    out.push(vec![
                        Value::Text(schema.clone()),
                        Value::Text(r.name.clone()),
                        Value::Text(p.name.clone()),
                        Value::Text(
                            if p.permissive {
                                "PERMISSIVE"
                            } else {
                                "RESTRICTIVE"
                            }
                            .into(),
                        ),
                        Value::Text(roles),
                        Value::Text(p.cmd.name().into()),
                        text(&p.using),
                        text(&p.with_check),
                    ]);
                }
            }
            out
        }
        "pg_db_role_setting" => roles_by_oid(cat)
            .into_iter()
            .filter(|r| !r.config.is_empty())
            .map(|r| vec![Value::Oid(0), Value::Oid(r.oid), config(r)])
            .collect(),
        _ => vec![],
    }
}
