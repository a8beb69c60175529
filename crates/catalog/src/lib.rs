//! The catalog model.
//!
//! The whole catalog of a cluster is one [`Catalog`] value. The SQL layer
//! stores it, serialized with [`Catalog::encode`], under one key of the
//! transactional store, so DDL commits and rolls back with the data and a
//! transaction sees its own DDL. DDL takes a row lock on that key, which
//! serializes concurrent DDL (PostgreSQL takes AccessExclusive locks).

mod lookup;
mod model;

pub use model::{
    Catalog, Column, FkAction, ForeignKey, Index, Relation, RelationKind, Role, Schema, Sequence,
};

/// OID of the `pg_catalog` schema (as PostgreSQL).
pub const PG_CATALOG_OID: u32 = 11;
/// OID of the `public` schema (as PostgreSQL).
pub const PUBLIC_SCHEMA_OID: u32 = 2200;
/// OID of the bootstrap superuser (as PostgreSQL).
pub const BOOTSTRAP_SUPERUSER_OID: u32 = 10;
/// First OID handed to user objects (as PostgreSQL's FirstNormalObjectId).
pub const FIRST_USER_OID: u32 = 16384;
