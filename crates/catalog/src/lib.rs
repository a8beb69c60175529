//! The catalog model.
//!
//! The whole catalog of a cluster is one [`Catalog`] value. The SQL layer
//! stores it, serialized with [`Catalog::encode`], under one key of the
//! transactional store, so DDL commits and rolls back with the data and a
//! transaction sees its own DDL. DDL takes a row lock on that key, which
//! serializes concurrent DDL (PostgreSQL takes AccessExclusive locks).

pub mod acl;
mod cluster;
mod lookup;
mod model;
mod relation_map;

pub use model::{
    default_function_cost, AclItem, AggStep, AggregateDef, ArgMode, Catalog, Check, Column,
    ColumnStatistics, DatabaseInfo, DefaultAcl, Description, Domain, FkAction, ForeignKey, FuncArg,
    FuncReturn, Function, Index, Membership, PartitionBound, PartitionKey, Policy, PolicyCmd,
    RangeDatum, Relation, RelationKind, Role, Schema, Sequence, TableStatistics, PG_CLASS_OID,
    PG_NAMESPACE_OID,
};

/// OID of the `pg_catalog` schema (as PostgreSQL).
pub const PG_CATALOG_OID: u32 = 11;
/// OID of `pg_type` (the classoid of type comments and dependencies).
pub const PG_TYPE_OID: u32 = 1247;
/// OID of `pg_authid` (the classoid of role comments).
pub const PG_AUTHID_OID: u32 = 1260;
/// OID of `pg_database` (the classoid of database comments).
pub const PG_DATABASE_OID: u32 = 1262;
/// OID of the `public` schema (as PostgreSQL).
pub const PUBLIC_SCHEMA_OID: u32 = 2200;
pub use cluster::{merged_version, SharedCatalog};
pub use relation_map::RelationMap;

/// OID of the database initdb creates for sessions (`postgres`, as PostgreSQL).
pub const POSTGRES_DATABASE_OID: u32 = 5;
/// OID of `template1`.
pub const TEMPLATE1_OID: u32 = 1;
/// OID of `template0`.
pub const TEMPLATE0_OID: u32 = 4;

/// OID of the bootstrap superuser (as PostgreSQL).
pub const BOOTSTRAP_SUPERUSER_OID: u32 = 10;
/// First OID handed to user objects (as PostgreSQL's FirstNormalObjectId).
pub const FIRST_USER_OID: u32 = 16384;

/// PostgreSQL 15's predefined roles (OID, name).
pub const PREDEFINED_ROLES: &[(u32, &str)] = &[
    (3373, "pg_monitor"),
    (3374, "pg_read_all_settings"),
    (3375, "pg_read_all_stats"),
    (3377, "pg_stat_scan_tables"),
    (4200, "pg_signal_backend"),
    (4544, "pg_checkpoint"),
    (4569, "pg_read_server_files"),
    (4570, "pg_write_server_files"),
    (4571, "pg_execute_server_program"),
    (6171, "pg_database_owner"),
    (6181, "pg_read_all_data"),
    (6182, "pg_write_all_data"),
];

/// System views PostgreSQL 15's initdb grants SELECT on to a predefined
/// role instead of PUBLIC: (view OID, role OID). Superusers and members of
/// that role may read them; everyone else is refused.
pub const SYSTEM_VIEW_READERS: &[(u32, u32)] = &[
    (12134, 3375), // pg_shmem_allocations: pg_read_all_stats
    (12138, 3375), // pg_backend_memory_contexts: pg_read_all_stats
];

/// The predefined role granted SELECT on a restricted system view, if any.
pub fn system_view_reader(view_oid: u32) -> Option<u32> {
    SYSTEM_VIEW_READERS
        .iter()
        .find(|(v, _)| *v == view_oid)
        .map(|(_, r)| *r)
}

/// System relations Rampart computes from the catalog: (OID, name, kind as
/// PostgreSQL names it in messages).
pub const SYSTEM_RELATIONS: &[(u32, &str, &str)] = &[
    (12001, "pg_roles", "view"),
    (1260, "pg_authid", "table"),
    (1261, "pg_auth_members", "table"),
    (12010, "pg_user", "view"),
    (12006, "pg_shadow", "view"),
    (12014, "pg_group", "view"),
    (2964, "pg_db_role_setting", "table"),
    (12100, "pg_policies", "view"),
    (12114, "pg_hba_file_rules", "view"),
    (12500, "rampart_auth_failures", "view"),
    (12134, "pg_shmem_allocations", "view"),
    (12138, "pg_backend_memory_contexts", "view"),
];

/// The procedural languages (`pg_language`): OID, name, trusted (any
/// user may be granted USAGE) — as PostgreSQL 15's initdb creates them.
pub const LANGUAGES: &[(u32, &str, bool)] = &[
    (12, "internal", false),
    (13, "c", false),
    (14, "sql", true),
    (13563, "plpgsql", true),
];

/// A language's (OID, name, trusted) by name.
pub fn language_by_name(name: &str) -> Option<(u32, &'static str, bool)> {
    LANGUAGES.iter().copied().find(|(_, n, _)| *n == name)
}

/// A language's name by OID.
pub fn language_name(oid: u32) -> Option<&'static str> {
    LANGUAGES
        .iter()
        .find(|(o, _, _)| *o == oid)
        .map(|(_, n, _)| *n)
}
