//! Statistics views PostgreSQL 15 does not show to PUBLIC: initdb grants
//! SELECT on them to `pg_read_all_stats` only
//! (`rampart_catalog::SYSTEM_VIEW_READERS`), which is what the privilege
//! checks, `has_table_privilege` and pg_class.relacl here enforce.
//!
//! Their rows: Rampart has no shared memory segments (one process, no
//! `shared_buffers`) and no memory contexts (Rust's allocator), so both
//! views have PostgreSQL's columns and no rows — the truth for this server,
//! not an estimate.

use rampart_types::DataType::{Int4, Int8, Text};

use super::{t, SysView};

/// pg_shmem_allocations and pg_backend_memory_contexts.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "pg_shmem_allocations",
        oid: 12134,
        columns: &[
            ("name", t(Text)),
            ("off", t(Int8)),
            ("size", t(Int8)),
            ("allocated_size", t(Int8)),
        ],
        superuser_only: true,
    },
    SysView {
        name: "pg_backend_memory_contexts",
        oid: 12138,
        columns: &[
            ("name", t(Text)),
            ("ident", t(Text)),
            ("parent", t(Text)),
            ("level", t(Int4)),
            ("total_bytes", t(Int8)),
            ("total_nblocks", t(Int8)),
            ("free_bytes", t(Int8)),
            ("free_chunks", t(Int8)),
            ("used_bytes", t(Int8)),
        ],
        superuser_only: true,
    },
];
