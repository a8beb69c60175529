//! The `information_schema` views tools use to discover a database:
//! schemata, tables, columns, views, table_constraints, key_column_usage,
//! referential_constraints and sequences, with PostgreSQL 15's visibility
//! rules (an object is listed when the viewer owns it, through membership,
//! or holds some privilege on it).
//!
//! Partial: only user schemas are listed (PostgreSQL also lists its own
//! catalogs in tables/columns); columns are `name`/
//! `text`/`int4` rather than the information_schema domains (same output).

use std::collections::BTreeSet;

use rampart_catalog::{acl, Catalog, Relation, RelationKind};
use rampart_security::acl::{effective, mask, AclKind};
use rampart_security::roles as graph;
use rampart_types::{DataType, Value};

use super::{t, SysView, Viewer};
use crate::exec::Row;
use DataType::{Int4, Name, Text};

/// The discovery views.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "schemata",
        oid: 13100,
        columns: &[
            ("catalog_name", t(Name)),
            ("schema_name", t(Name)),
            ("schema_owner", t(Name)),
            ("default_character_set_catalog", t(Name)),
            ("default_character_set_schema", t(Name)),
            ("default_character_set_name", t(Name)),
            ("sql_path", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "tables",
        oid: 13101,
        columns: &[
            ("table_catalog", t(Name)),
            ("table_schema", t(Name)),
            ("table_name", t(Name)),
            ("table_type", t(Text)),
            ("self_referencing_column_name", t(Name)),
            ("reference_generation", t(Text)),
            ("user_defined_type_catalog", t(Name)),
            ("user_defined_type_schema", t(Name)),
            ("user_defined_type_name", t(Name)),
            ("is_insertable_into", t(Text)),
            ("is_typed", t(Text)),
            ("commit_action", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "columns",
        oid: 13102,
        columns: &[
            ("table_catalog", t(Name)),
            ("table_schema", t(Name)),
            ("table_name", t(Name)),
            ("column_name", t(Name)),
            ("ordinal_position", t(Int4)),
            ("column_default", t(Text)),
            ("is_nullable", t(Text)),
            ("data_type", t(Text)),
            ("character_maximum_length", t(Int4)),
            ("character_octet_length", t(Int4)),
            ("numeric_precision", t(Int4)),
            ("numeric_precision_radix", t(Int4)),
            ("numeric_scale", t(Int4)),
            ("datetime_precision", t(Int4)),
            ("udt_catalog", t(Name)),
            ("udt_schema", t(Name)),
            ("udt_name", t(Name)),
            ("dtd_identifier", t(Name)),
            ("is_self_referencing", t(Text)),
            ("is_identity", t(Text)),
            ("is_generated", t(Text)),
            ("is_updatable", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "views",
        oid: 13103,
        columns: &[
            ("table_catalog", t(Name)),
            ("table_schema", t(Name)),
            ("table_name", t(Name)),
            ("view_definition", t(Text)),
            ("check_option", t(Text)),
            ("is_updatable", t(Text)),
            ("is_insertable_into", t(Text)),
            ("is_trigger_updatable", t(Text)),
            ("is_trigger_deletable", t(Text)),
            ("is_trigger_insertable_into", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "table_constraints",
        oid: 13104,
        columns: &[
            ("constraint_catalog", t(Name)),
            ("constraint_schema", t(Name)),
            ("constraint_name", t(Name)),
            ("table_catalog", t(Name)),
            ("table_schema", t(Name)),
            ("table_name", t(Name)),
            ("constraint_type", t(Text)),
            ("is_deferrable", t(Text)),
            ("initially_deferred", t(Text)),
            ("enforced", t(Text)),
            ("nulls_distinct", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "key_column_usage",
        oid: 13105,
        columns: &[
            ("constraint_catalog", t(Name)),
            ("constraint_schema", t(Name)),
            ("constraint_name", t(Name)),
            ("table_catalog", t(Name)),
            ("table_schema", t(Name)),
            ("table_name", t(Name)),
            ("column_name", t(Name)),
            ("ordinal_position", t(Int4)),
            ("position_in_unique_constraint", t(Int4)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "referential_constraints",
        oid: 13106,
        columns: &[
            ("constraint_catalog", t(Name)),
            ("constraint_schema", t(Name)),
            ("constraint_name", t(Name)),
            ("unique_constraint_catalog", t(Name)),
            ("unique_constraint_schema", t(Name)),
            ("unique_constraint_name", t(Name)),
            ("match_option", t(Text)),
            ("update_rule", t(Text)),
            ("delete_rule", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "sequences",
        oid: 13107,
        columns: &[
            ("sequence_catalog", t(Name)),
            ("sequence_schema", t(Name)),
            ("sequence_name", t(Name)),
            ("data_type", t(Text)),
            ("numeric_precision", t(Int4)),
            ("numeric_precision_radix", t(Int4)),
            ("numeric_scale", t(Int4)),
            ("start_value", t(Text)),
            ("minimum_value", t(Text)),
            ("maximum_value", t(Text)),
            ("increment", t(Text)),
            ("cycle_option", t(Text)),
        ],
        superuser_only: false,
    },
];

/// Who is looking: superuser, and the roles whose privileges they hold.
struct Looker {
    oid: u32,
    superuser: bool,
    roles: BTreeSet<u32>,
}

impl Looker {
    fn new(cat: &Catalog, viewer: &Viewer) -> Looker {
        let role = cat.role(&viewer.user);
        let oid = role.map(|r| r.oid).unwrap_or(0);
        Looker {
            oid,
            superuser: role.is_some_and(|r| r.superuser),
            roles: graph::effective_roles(cat, oid),
        }
    }

    fn owns(&self, cat: &Catalog, owner: u32) -> bool {
        self.superuser || graph::has_privs_of(cat, self.oid, owner)
    }

    /// Owner, or any of `table_privs` on the table, or any of `column_privs`
    /// on one of its columns.
    fn sees(&self, cat: &Catalog, rel: &Relation, table_privs: u16, column_privs: u16) -> bool {
        if self.owns(cat, rel.owner) {
            return true;
        }
        let table = effective(&rel.acl, AclKind::Relation, rel.owner);
        mask(&table, &self.roles) & (table_privs | column_privs) != 0
            || rel.columns.iter().any(|c| {
                c.acl
                    .as_ref()
                    .is_some_and(|a| mask(a, &self.roles) & column_privs != 0)
            })
    }

    fn sees_column(&self, cat: &Catalog, rel: &Relation, column: usize, privs: u16) -> bool {
        if self.owns(cat, rel.owner) {
            return true;
        }
        let table = effective(&rel.acl, AclKind::Relation, rel.owner);
        mask(&table, &self.roles) & privs != 0
            || rel.columns[column]
                .acl
                .as_ref()
                .is_some_and(|a| mask(a, &self.roles) & privs != 0)
    }
}

const ALL_TABLE: u16 = acl::ALL_TABLE;
const COLUMN_ANY: u16 = acl::SELECT | acl::INSERT | acl::UPDATE | acl::REFERENCES;
const MODIFY: u16 =
    acl::INSERT | acl::UPDATE | acl::DELETE | acl::TRUNCATE | acl::REFERENCES | acl::TRIGGER;

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn yes_no(b: bool) -> Value {
    text(if b { "YES" } else { "NO" })
}

fn opt_int(v: Option<i32>) -> Value {
    v.map(Value::Int4).unwrap_or(Value::Null)
}

/// User relations ordered by OID (schemas pg_catalog and information_schema excluded).
fn relations(cat: &Catalog) -> Vec<&Relation> {
    let mut v: Vec<&Relation> = cat.relations.values().collect();
    v.sort_by_key(|r| r.oid);
    v
}

/// The information_schema `data_type` of a column type.
fn data_type_name(t: &DataType) -> String {
    match t {
        DataType::Array(_) => "ARRAY".into(),
        DataType::Varchar(_) => "character varying".into(),
        DataType::Char(_) => "character".into(),
        DataType::Numeric(_) => "numeric".into(),
        other => other.display_name(),
    }
}

/// (numeric_precision, radix, scale) as information_schema reports them.
fn numeric_facts(t: &DataType) -> (Option<i32>, Option<i32>, Option<i32>) {
    match t {
        DataType::Int2 => (Some(16), Some(2), Some(0)),
        DataType::Int4 => (Some(32), Some(2), Some(0)),
        DataType::Int8 => (Some(64), Some(2), Some(0)),
        DataType::Float4 => (Some(24), Some(2), None),
        DataType::Float8 => (Some(53), Some(2), None),
        DataType::Numeric(Some((p, s))) => (Some(*p as i32), Some(10), Some(*s as i32)),
        DataType::Numeric(None) => (None, Some(10), None),
        _ => (None, None, None),
    }
}

/// (character_maximum_length, character_octet_length).
fn char_facts(t: &DataType) -> (Option<i32>, Option<i32>) {
    match t {
        DataType::Varchar(Some(n)) | DataType::Char(Some(n)) => {
            (Some(*n as i32), Some(*n as i32 * 4))
        }
        DataType::Varchar(None) | DataType::Char(None) | DataType::Text => {
            (None, Some(1_073_741_824))
        }
        _ => (None, None),
    }
}

fn datetime_precision(t: &DataType) -> Option<i32> {
    match t {
        DataType::Date => Some(0),
        DataType::Time | DataType::Timestamp | DataType::Timestamptz | DataType::Interval => {
            Some(6)
        }
        _ => None,
    }
}

/// The rows of one discovery view.
pub fn rows(view: &SysView, cat: &Catalog, viewer: &Viewer) -> Vec<Row> {
    let me = Looker::new(cat, viewer);
    let db = || Value::Text(viewer.database.clone());
    let schema_of = |oid: u32| {
        Value::Text(
            cat.schema_by_oid(oid)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
        )
    };
    let mut out = Vec::new();
    match view.name {
        "schemata" => {
            let mut schemas: Vec<_> = cat.schemas.values().collect();
            schemas.sort_by_key(|s| s.oid);
            for s in schemas {
                let privileged = s
                    .acl
                    .as_ref()
                    .is_some_and(|a| mask(a, &me.roles) & (acl::USAGE | acl::CREATE) != 0);
                if !(me.owns(cat, s.owner) || privileged) {
                    continue;
                }
                out.push(vec![
                    db(),
                    text(&s.name),
                    text(
                        &cat.role_by_oid(s.owner)
                            .map(|r| r.name.clone())
                            .unwrap_or_default(),
                    ),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                ]);
            }
        }
        "tables" => {
            for r in relations(cat) {
                if !me.sees(cat, r, ALL_TABLE, COLUMN_ANY) {
                    continue;
                }
                let is_view = matches!(r.kind, RelationKind::View { .. });
                out.push(vec![
                    db(),
                    schema_of(r.schema),
                    text(&r.name),
                    text(if is_view { "VIEW" } else { "BASE TABLE" }),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    // Partial: views are not updatable in Rampart.
                    yes_no(!is_view),
                    text("NO"),
                    Value::Null,
                ]);
            }
        }
        "columns" => {
            for r in relations(cat) {
                let is_view = matches!(r.kind, RelationKind::View { .. });
                for (i, c) in r.columns.iter().enumerate() {
                    if !me.sees_column(cat, r, i, COLUMN_ANY) {
                        continue;
                    }
                    let (precision, radix, scale) = numeric_facts(&c.ty);
                    let (max_len, octets) = char_facts(&c.ty);
                    let udt = super::types::type_name(&c.ty);
                    out.push(vec![
                        db(),
                        schema_of(r.schema),
                        text(&r.name),
                        text(&c.name),
                        Value::Int4(i as i32 + 1),
                        super::default_def(cat, &viewer.search_path, r, c, false)
                            .map(Value::Text)
                            .unwrap_or(Value::Null),
                        yes_no(!c.not_null),
                        text(&data_type_name(&c.ty)),
                        opt_int(max_len),
                        opt_int(octets),
                        opt_int(precision),
                        opt_int(radix),
                        opt_int(scale),
                        opt_int(datetime_precision(&c.ty)),
                        db(),
                        text("pg_catalog"),
                        text(&udt),
                        text(&(i + 1).to_string()),
                        text("NO"),
                        text("NO"),
                        text("NEVER"),
                        yes_no(!is_view),
                    ]);
                }
            }
        }
        "views" => {
            for r in relations(cat) {
                let RelationKind::View { query } = &r.kind else {
                    continue;
                };
                if !me.sees(cat, r, ALL_TABLE, COLUMN_ANY) {
                    continue;
                }
                // PostgreSQL shows the definition to the owner only.
                let definition = if me.owns(cat, r.owner) {
                    text(&super::views::definition(cat, &viewer.search_path, query))
                } else {
                    Value::Null
                };
                out.push(vec![
                    db(),
                    schema_of(r.schema),
                    text(&r.name),
                    definition,
                    text("NONE"),
                    text("NO"),
                    text("NO"),
                    text("NO"),
                    text("NO"),
                    text("NO"),
                ]);
            }
        }
        "table_constraints" => {
            for r in relations(cat) {
                if !matches!(r.kind, RelationKind::Table)
                    || !me.sees(cat, r, MODIFY, COLUMN_ANY & !acl::SELECT)
                {
                    continue;
                }
                let mut push = |name: String, kind: &str, nulls_distinct: Value| {
                    out.push(vec![
                        db(),
                        schema_of(r.schema),
                        text(&name),
                        db(),
                        schema_of(r.schema),
                        text(&r.name),
                        text(kind),
                        text("NO"),
                        text("NO"),
                        text("YES"),
                        nulls_distinct,
                    ]);
                };
                for c in &r.checks {
                    push(c.name.clone(), "CHECK", Value::Null);
                }
                for fk in &r.foreign_keys {
                    push(fk.name.clone(), "FOREIGN KEY", Value::Null);
                }
                for ix in r.indexes.iter().filter(|i| i.constraint_oid.is_some()) {
                    if ix.primary {
                        push(ix.name.clone(), "PRIMARY KEY", Value::Null);
                    } else {
                        push(ix.name.clone(), "UNIQUE", text("YES"));
                    }
                }
                // NOT NULL columns appear as CHECK constraints named after
                // the schema, table and column OIDs, as in PostgreSQL.
                for (i, c) in r.columns.iter().enumerate() {
                    if c.not_null {
                        push(
                            format!("{}_{}_{}_not_null", r.schema, r.oid, i + 1),
                            "CHECK",
                            Value::Null,
                        );
                    }
                }
            }
        }
        "key_column_usage" => {
            for r in relations(cat) {
                let mut push = |name: &str, cols: &[usize], positions: Option<Vec<i32>>| {
                    for (k, c) in cols.iter().enumerate() {
                        if !me.sees_column(cat, r, *c, COLUMN_ANY) {
                            continue;
                        }
                        out.push(vec![
                            db(),
                            schema_of(r.schema),
                            text(name),
                            db(),
                            schema_of(r.schema),
                            text(&r.name),
                            text(&r.columns[*c].name),
                            Value::Int4(k as i32 + 1),
                            opt_int(positions.as_ref().and_then(|p| p.get(k).copied())),
                        ]);
                    }
                };
                for ix in r.indexes.iter().filter(|i| i.constraint_oid.is_some()) {
                    push(&ix.name, &ix.columns, None);
                }
                for fk in &r.foreign_keys {
                    // Each referenced column's position in the referenced key.
                    let key = cat.relation_by_oid(fk.ref_table).and_then(|t| {
                        t.indexes.iter().find(|i| {
                            i.unique && {
                                let mut a = i.columns.clone();
                                let mut b = fk.ref_columns.clone();
                                a.sort_unstable();
                                b.sort_unstable();
                                a == b
                            }
                        })
                    });
                    let positions = key.map(|k| {
                        fk.ref_columns
                            .iter()
                            .map(|rc| {
                                k.columns
                                    .iter()
                                    .position(|c| c == rc)
                                    .map(|p| p as i32 + 1)
                                    .unwrap_or(0)
                            })
                            .collect()
                    });
                    push(&fk.name, &fk.columns, positions);
                }
            }
        }
        "referential_constraints" => {
            for r in relations(cat) {
                if !me.sees(cat, r, MODIFY, COLUMN_ANY & !acl::SELECT) {
                    continue;
                }
                for fk in &r.foreign_keys {
                    let target = cat.relation_by_oid(fk.ref_table);
                    let unique = target.and_then(|t| {
                        t.indexes
                            .iter()
                            .find(|i| {
                                i.unique
                                    && i.constraint_oid.is_some()
                                    && i.columns == fk.ref_columns
                            })
                            .map(|i| (t.schema, i.name.clone()))
                    });
                    out.push(vec![
                        db(),
                        schema_of(r.schema),
                        text(&fk.name),
                        unique.as_ref().map(|_| db()).unwrap_or(Value::Null),
                        unique
                            .as_ref()
                            .map(|(s, _)| schema_of(*s))
                            .unwrap_or(Value::Null),
                        unique.map(|(_, n)| Value::Text(n)).unwrap_or(Value::Null),
                        text("NONE"),
                        text(super::constraints::fk_action_words(&fk.on_update)),
                        text(super::constraints::fk_action_words(&fk.on_delete)),
                    ]);
                }
            }
        }
        "sequences" => {
            let mut seqs: Vec<_> = cat.sequences.values().collect();
            seqs.sort_by_key(|s| s.oid);
            for s in seqs {
                let acl = effective(&s.acl, AclKind::Sequence, s.owner);
                if !(me.owns(cat, s.owner) || mask(&acl, &me.roles) != 0) {
                    continue;
                }
                let ty = super::sequences::sequence_data_type(s);
                let precision = match ty {
                    DataType::Int2 => 16,
                    DataType::Int4 => 32,
                    _ => 64,
                };
                out.push(vec![
                    db(),
                    schema_of(s.schema),
                    text(&s.name),
                    text(&ty.display_name()),
                    Value::Int4(precision),
                    Value::Int4(2),
                    Value::Int4(0),
                    text(&s.start.to_string()),
                    text(&s.min.to_string()),
                    text(&s.max.to_string()),
                    text(&s.increment.to_string()),
                    yes_no(s.cycle),
                ]);
            }
        }
        _ => {}
    }
    out
}
