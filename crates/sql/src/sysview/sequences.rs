//! pg_sequence (sequence parameters), pg_depend and pg_shdepend.
//!
//! Partial: pg_depend lists the automatic dependency of a serial column's
//! sequence on its column (`\d seq`'s "Owned by") and those of policies (on
//! their table, and on the other relations their expressions read — as one
//! row per relation, where PostgreSQL lists each column read); pg_shdepend
//! lists owners (other than the bootstrap superuser), roles in ACLs and
//! policy roles of relations, sequences, schemas and functions. Rampart
//! tracks its dependencies in the catalog structures themselves; these
//! views show them, they do not drive them.

use rampart_catalog::{AclItem, Catalog, Sequence};
use rampart_types::Value;

use super::{t, SysView};
use crate::exec::Row;
use rampart_types::DataType::{Bool, Int4, Int8, InternalChar, Oid};

/// OID of pg_class (the class of relations in pg_depend).
const PG_CLASS: u32 = 1259;
/// pg_attrdef's OID.
const PG_ATTRDEF: u32 = 2604;
/// OID of pg_policy.
const PG_POLICY: u32 = 3256;
/// OID of pg_constraint.
const PG_CONSTRAINT: u32 = 2606;
/// OID of pg_authid (the class of roles in pg_shdepend).
const PG_AUTHID: u32 = 1260;
/// OID of pg_namespace.
const PG_NAMESPACE: u32 = 2615;
/// OID of pg_proc.
const PG_PROC: u32 = 1255;
/// The first OID of objects made after initdb.
const FIRST_NORMAL_OID: u32 = 16384;
/// The bootstrap superuser, whose ownership PostgreSQL does not record.
const BOOTSTRAP_SUPERUSER: u32 = 10;

/// The sequence and dependency catalogs.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "pg_sequence",
        oid: 2224,
        columns: &[
            ("seqrelid", t(Oid)),
            ("seqtypid", t(Oid)),
            ("seqstart", t(Int8)),
            ("seqincrement", t(Int8)),
            ("seqmax", t(Int8)),
            ("seqmin", t(Int8)),
            ("seqcache", t(Int8)),
            ("seqcycle", t(Bool)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_depend",
        oid: 2608,
        columns: &[
            ("classid", t(Oid)),
            ("objid", t(Oid)),
            ("objsubid", t(Int4)),
            ("refclassid", t(Oid)),
            ("refobjid", t(Oid)),
            ("refobjsubid", t(Int4)),
            ("deptype", t(InternalChar)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_shdepend",
        oid: 1214,
        columns: &[
            ("dbid", t(Oid)),
            ("classid", t(Oid)),
            ("objid", t(Oid)),
            ("objsubid", t(Int4)),
            ("refclassid", t(Oid)),
            ("refobjid", t(Oid)),
            ("deptype", t(InternalChar)),
        ],
        superuser_only: false,
    },
];

/// The data type a sequence was created for, judged by its range: the
/// catalog keeps the bounds, which for `AS smallint`/`AS integer` (and
/// smallserial/serial) default to that type's limits. Partial: explicit
/// bounds inside a smaller type's range still report bigint.
fn sequence_type(s: &Sequence) -> u32 {
    sequence_data_type(s).oid()
}

/// The data type of a sequence (see [`sequence_type`]).
pub fn sequence_data_type(s: &Sequence) -> rampart_types::DataType {
    use rampart_types::DataType;
    if s.max == i16::MAX as i64 || s.min == i16::MIN as i64 {
        DataType::Int2
    } else if s.max == i32::MAX as i64 || s.min == i32::MIN as i64 {
        DataType::Int4
    } else {
        DataType::Int8
    }
}

/// The column (attnum) of `table` whose default draws from sequence `s`.
fn owning_column(cat: &Catalog, s: &Sequence, table: u32) -> i32 {
    let Some(rel) = cat.relation_by_oid(table) else {
        return 0;
    };
    if let Some(i) = s.owned_by_column.as_ref().and_then(|c| rel.column_index(c)) {
        return i as i32 + 1;
    }
    // A serial column: the one whose default calls nextval on it.
    rel.columns
        .iter()
        .position(|c| {
            c.default
                .as_deref()
                .is_some_and(|d| nextval_sequences(cat, rel.schema, d).contains(&s.oid))
        })
        .map(|i| i as i32 + 1)
        .unwrap_or(0)
}

/// The rows of a catalog of this module.
pub fn rows(view: &SysView, cat: &Catalog) -> Vec<Row> {
    match view.name {
        "pg_sequence" => cat
            .sequences
            .values()
            .map(|s| {
                vec![
                    Value::Oid(s.oid),
                    Value::Oid(sequence_type(s)),
                    Value::Int8(s.start),
                    Value::Int8(s.increment),
                    Value::Int8(s.max),
                    Value::Int8(s.min),
                    Value::Int8(1),
                    Value::Bool(s.cycle),
                ]
            })
            .collect(),
        "pg_depend" => {
            let dep = |class: u32, obj: u32, refobj: u32, refsub: i32, kind: &str| {
                vec![
                    Value::Oid(class),
                    Value::Oid(obj),
                    Value::Int4(0),
                    Value::Oid(PG_CLASS),
                    Value::Oid(refobj),
                    Value::Int4(refsub),
                    Value::Text(kind.into()),
                ]
            };
            let mut out: Vec<Row> = cat
                .sequences
                .values()
                .filter_map(|s| {
                    let table = s.owned_by?;
                    Some(dep(
                        PG_CLASS,
                        s.oid,
                        table,
                        owning_column(cat, s, table),
                        "a",
                    ))
                })
                .collect();
            for r in cat.relations.values() {
                for (i, c) in r.columns.iter().enumerate() {
                    // (Defaults from catalogs older than attrdef OIDs have none.)
                    let Some(default) = c.default.as_ref().filter(|_| c.default_oid != 0) else {
                        continue;
                    };
                    // A column default belongs to its column and depends
                    // on the sequences its nextval() calls name (pg_dump
                    // sets a serial's default after creating the sequence).
                    out.push(dep(PG_ATTRDEF, c.default_oid, r.oid, i as i32 + 1, "a"));
                    for seq in nextval_sequences(cat, r.schema, default) {
                        out.push(dep(PG_ATTRDEF, c.default_oid, seq, 0, "n"));
                    }
                }
                if let rampart_catalog::RelationKind::View { query } = &r.kind {
                    for used in view_relations(cat, r.oid, query) {
                        out.push(dep(PG_CLASS, r.oid, used, 0, "n"));
                    }
                }
                // A key constraint's index is part of the constraint
                // (pg_dump makes what depends on the index wait for it).
                for ix in &r.indexes {
                    if let Some(con) = ix.constraint_oid {
                        out.push(vec![
                            Value::Oid(PG_CLASS),
                            Value::Oid(ix.oid),
                            Value::Int4(0),
                            Value::Oid(PG_CONSTRAINT),
                            Value::Oid(con),
                            Value::Int4(0),
                            Value::Text("i".into()),
                        ]);
                    }
                }
                // A foreign key belongs to its columns and depends on the
                // referenced ones: pg_restore -j adds it only after the
                // referenced table's data is in.
                for fk in &r.foreign_keys {
                    for c in &fk.columns {
                        out.push(dep(PG_CONSTRAINT, fk.oid, r.oid, *c as i32 + 1, "a"));
                    }
                    for c in &fk.ref_columns {
                        out.push(dep(PG_CONSTRAINT, fk.oid, fk.ref_table, *c as i32 + 1, "n"));
                    }
                    let index = super::constraints::fk_index(cat, fk);
                    if index != 0 {
                        out.push(dep(PG_CONSTRAINT, fk.oid, index, 0, "n"));
                    }
                }
                for p in &r.policies {
                    out.push(dep(PG_POLICY, p.oid, r.oid, 0, "a"));
                    for d in p.depends_on.iter().filter(|d| **d != r.oid) {
                        out.push(dep(PG_POLICY, p.oid, *d, 0, "n"));
                    }
                }
            }
            out
        }
        "pg_shdepend" => shared_dependencies(cat),
        _ => vec![],
    }
}

/// The sequences a default's `nextval('name'::regclass)` calls name: a
/// qualified name in its schema, a bare one in the table's schema or else
/// any schema.
fn nextval_sequences(cat: &Catalog, table_schema: u32, default: &str) -> Vec<u32> {
    let mut out = Vec::new();
    // Searched case-insensitively (the name inside the quotes keeps its case).
    let lower = default.to_ascii_lowercase();
    let starts = lower.match_indices("nextval('").map(|(i, m)| i + m.len());
    for part in starts.map(|i| &default[i..]) {
        let Some(name) = part.split('\'').next() else {
            continue;
        };
        let parts: Vec<String> = name
            .split('.')
            .map(|p| p.trim_matches('"').to_string())
            .collect();
        let found = match parts.as_slice() {
            [schema, seq] => cat.schema(schema).and_then(|sc| {
                cat.sequences
                    .values()
                    .find(|q| q.schema == sc.oid && q.name == *seq)
            }),
            [seq] => cat
                .sequences
                .values()
                .find(|q| q.schema == table_schema && q.name == *seq)
                .or_else(|| cat.sequences.values().find(|q| q.name == *seq)),
            _ => None,
        };
        out.extend(found.map(|q| q.oid));
    }
    out
}

/// The relations a view's query names (PostgreSQL records them through
/// the view's rule). Partial: found by name in the query text, as a whole
/// word, not by binding it.
fn view_relations(cat: &Catalog, view: u32, query: &str) -> Vec<u32> {
    let text = query.to_lowercase();
    let words: std::collections::HashSet<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .collect();
    cat.relations
        .values()
        .filter(|r| r.oid != view && words.contains(r.name.to_lowercase().as_str()))
        .map(|r| r.oid)
        .collect()
}

/// pg_shdepend rows: owners ('o'), roles in ACLs ('a') and policy roles
/// ('r') of this database's relations, sequences, schemas and functions.
fn shared_dependencies(cat: &Catalog) -> Vec<Row> {
    let mut out = Vec::new();
    let mut add = |class: u32, obj: u32, sub: i32, role: u32, kind: &str| {
        // Objects made at initdb (the public schema) are pinned: no rows.
        if obj < FIRST_NORMAL_OID {
            return;
        }
        out.push(vec![
            Value::Oid(cat.database),
            Value::Oid(class),
            Value::Oid(obj),
            Value::Int4(sub),
            Value::Oid(PG_AUTHID),
            Value::Oid(role),
            Value::Text(kind.into()),
        ]);
    };
    // The owner (unless the bootstrap superuser), then one 'a' row per role
    // an ACL names besides the owner (PostgreSQL's updateAclDependencies).
    let mut owned = |class: u32, obj: u32, owner: u32, acls: &[(i32, &Option<Vec<AclItem>>)]| {
        if owner != BOOTSTRAP_SUPERUSER {
            add(class, obj, 0, owner, "o");
        }
        for (sub, acl) in acls {
            let mut roles: Vec<u32> = acl
                .iter()
                .flatten()
                .flat_map(|i| [i.grantee, i.grantor])
                .filter(|r| *r != 0 && *r != owner)
                .collect();
            roles.sort_unstable();
            roles.dedup();
            for role in roles {
                add(class, obj, *sub, role, "a");
            }
        }
    };
    let mut policy_roles = Vec::new();
    for r in cat.relations.values() {
        let mut acls = vec![(0, &r.acl)];
        acls.extend(
            r.columns
                .iter()
                .enumerate()
                .map(|(i, c)| (i as i32 + 1, &c.acl)),
        );
        owned(PG_CLASS, r.oid, r.owner, &acls);
        for p in &r.policies {
            let mut roles = p.roles.clone();
            roles.sort_unstable();
            roles.dedup();
            policy_roles.extend(roles.into_iter().map(|role| (p.oid, role)));
        }
    }
    for q in cat.sequences.values() {
        owned(PG_CLASS, q.oid, q.owner, &[(0, &q.acl)]);
    }
    for sc in cat.schemas.values() {
        owned(PG_NAMESPACE, sc.oid, sc.owner, &[(0, &sc.acl)]);
    }
    for f in cat.functions.values() {
        owned(PG_PROC, f.oid, f.owner, &[(0, &f.acl)]);
    }
    for d in cat.domains.values() {
        owned(rampart_catalog::PG_TYPE_OID, d.oid, d.owner, &[(0, &d.acl)]);
    }
    // ALTER DEFAULT PRIVILEGES entries (pg_default_acl, OID 826).
    for d in &cat.default_acls {
        owned(826, d.oid, d.role, &[(0, &Some(d.acl.clone()))]);
    }
    for (policy, role) in policy_roles {
        add(PG_POLICY, policy, 0, role, "r");
    }
    out
}
