//! pg_type and pg_collation for the built-in types Rampart has, and the
//! catalogs of features Rampart does not have (triggers, inheritance and
//! partitioning, extended statistics, publications), which exist so that
//! psql's and tools' queries over them run and correctly find nothing.

use rampart_catalog::{Catalog, PG_CATALOG_OID};
use rampart_types::{DataType, RegKind, Value};

use super::{t, Col, SysView};
use crate::exec::Row;
use DataType::{Bool, Int2, Int4, InternalChar as Char1, Name, Oid, PgNodeTree as NodeTree, Text};

/// `regproc`, the type of pg_type's support function columns.
const REGPROC: DataType = DataType::Reg(RegKind::Proc);

/// OID of the database's default collation.
pub const DEFAULT_COLLATION: u32 = 100;
/// OID of the "C" collation.
pub(super) const C_COLLATION: u32 = 950;
/// OID of the "POSIX" collation.
const POSIX_COLLATION: u32 = 951;

/// The type and collation catalogs and the always-empty ones.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "pg_type",
        oid: 1247,
        columns: &[
            ("oid", t(Oid)),
            ("typname", t(Name)),
            ("typnamespace", t(Oid)),
            ("typowner", t(Oid)),
            ("typlen", t(Int2)),
            ("typbyval", t(Bool)),
            ("typtype", t(Char1)),
            ("typcategory", t(Char1)),
            ("typispreferred", t(Bool)),
            ("typisdefined", t(Bool)),
            ("typdelim", t(Char1)),
            ("typrelid", t(Oid)),
            ("typsubscript", t(REGPROC)),
            ("typelem", t(Oid)),
            ("typarray", t(Oid)),
            ("typinput", t(REGPROC)),
            ("typoutput", t(REGPROC)),
            ("typreceive", t(REGPROC)),
            ("typsend", t(REGPROC)),
            ("typmodin", t(REGPROC)),
            ("typmodout", t(REGPROC)),
            ("typanalyze", t(REGPROC)),
            ("typalign", t(Char1)),
            ("typstorage", t(Char1)),
            ("typnotnull", t(Bool)),
            ("typbasetype", t(Oid)),
            ("typtypmod", t(Int4)),
            ("typndims", t(Int4)),
            ("typcollation", t(Oid)),
            ("typdefaultbin", t(NodeTree)),
            ("typdefault", t(Text)),
            ("typacl", Col::ArrayOf(DataType::AclItem)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_collation",
        oid: 3456,
        columns: &[
            ("oid", t(Oid)),
            ("collname", t(Name)),
            ("collnamespace", t(Oid)),
            ("collowner", t(Oid)),
            ("collprovider", t(Char1)),
            ("collisdeterministic", t(Bool)),
            ("collencoding", t(Int4)),
            ("collcollate", t(Text)),
            ("collctype", t(Text)),
            ("colliculocale", t(Text)),
            ("collversion", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_trigger",
        oid: 2620,
        columns: &[
            ("oid", t(Oid)),
            ("tgrelid", t(Oid)),
            ("tgparentid", t(Oid)),
            ("tgname", t(Name)),
            ("tgfoid", t(Oid)),
            ("tgtype", t(Int2)),
            ("tgenabled", t(Char1)),
            ("tgisinternal", t(Bool)),
            ("tgconstrrelid", t(Oid)),
            ("tgconstrindid", t(Oid)),
            ("tgconstraint", t(Oid)),
            ("tgdeferrable", t(Bool)),
            ("tginitdeferred", t(Bool)),
            ("tgnargs", t(Int2)),
            ("tgattr", t(DataType::Int2Vector)),
            ("tgargs", t(DataType::Bytea)),
            ("tgqual", t(NodeTree)),
            ("tgoldtable", t(Name)),
            ("tgnewtable", t(Name)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_description",
        oid: 2609,
        columns: &[
            ("objoid", t(Oid)),
            ("classoid", t(Oid)),
            ("objsubid", t(Int4)),
            ("description", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_inherits",
        oid: 2611,
        columns: &[
            ("inhrelid", t(Oid)),
            ("inhparent", t(Oid)),
            ("inhseqno", t(Int4)),
            ("inhdetachpending", t(Bool)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_partitioned_table",
        oid: 3350,
        columns: &[
            ("partrelid", t(Oid)),
            ("partstrat", t(Char1)),
            ("partnatts", t(Int2)),
            ("partdefid", t(Oid)),
            ("partattrs", t(DataType::Int2Vector)),
            ("partclass", t(DataType::OidVector)),
            ("partcollation", t(DataType::OidVector)),
            ("partexprs", t(NodeTree)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_statistic_ext",
        oid: 3381,
        columns: &[
            ("oid", t(Oid)),
            ("stxrelid", t(Oid)),
            ("stxname", t(Name)),
            ("stxnamespace", t(Oid)),
            ("stxowner", t(Oid)),
            ("stxstattarget", t(Int4)),
            ("stxkeys", t(DataType::Int2Vector)),
            ("stxkind", Col::ArrayOf(Char1)),
            ("stxexprs", t(NodeTree)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_publication",
        oid: 6104,
        columns: &[
            ("oid", t(Oid)),
            ("pubname", t(Name)),
            ("pubowner", t(Oid)),
            ("puballtables", t(Bool)),
            ("pubinsert", t(Bool)),
            ("pubupdate", t(Bool)),
            ("pubdelete", t(Bool)),
            ("pubtruncate", t(Bool)),
            ("pubviaroot", t(Bool)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_shdescription",
        oid: 2396,
        columns: &[
            ("objoid", t(Oid)),
            ("classoid", t(Oid)),
            ("description", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_extension",
        oid: PG_EXTENSION_OID,
        columns: &[
            ("oid", t(Oid)),
            ("extname", t(Name)),
            ("extowner", t(Oid)),
            ("extnamespace", t(Oid)),
            ("extrelocatable", t(Bool)),
            ("extversion", t(Text)),
            ("extconfig", Col::ArrayOf(Oid)),
            ("extcondition", Col::ArrayOf(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_publication_namespace",
        oid: 6237,
        columns: &[("oid", t(Oid)), ("pnpubid", t(Oid)), ("pnnspid", t(Oid))],
        superuser_only: false,
    },
    SysView {
        name: "pg_publication_rel",
        oid: 6106,
        columns: &[
            ("oid", t(Oid)),
            ("prpubid", t(Oid)),
            ("prrelid", t(Oid)),
            ("prqual", t(NodeTree)),
            ("prattrs", t(DataType::Int2Vector)),
        ],
        superuser_only: false,
    },
];

/// Every built-in type pg_type lists: (type, typname, category).
fn builtin_types() -> Vec<(DataType, &'static str, char)> {
    use DataType as T;
    let mut out = vec![
        (T::Bool, "bool", 'B'),
        (T::Bytea, "bytea", 'U'),
        (T::Name, "name", 'S'),
        (T::Int8, "int8", 'N'),
        (T::Int2, "int2", 'N'),
        (T::Int4, "int4", 'N'),
        (T::Text, "text", 'S'),
        (T::Oid, "oid", 'N'),
        (T::Json, "json", 'U'),
        (T::Float4, "float4", 'N'),
        (T::Float8, "float8", 'N'),
        (T::Unknown, "unknown", 'X'),
        (T::Void, "void", 'P'),
        (T::Char(None), "bpchar", 'S'),
        (T::Varchar(None), "varchar", 'S'),
        (T::Date, "date", 'D'),
        (T::Time, "time", 'D'),
        (T::Timestamp, "timestamp", 'D'),
        (T::Timestamptz, "timestamptz", 'D'),
        (T::Interval, "interval", 'T'),
        (T::Numeric(None), "numeric", 'N'),
        (T::Uuid, "uuid", 'U'),
        (T::Jsonb, "jsonb", 'U'),
        (T::InternalChar, "char", 'Z'),
        (T::PgNodeTree, "pg_node_tree", 'Z'),
        (T::Int2Vector, "int2vector", 'A'),
        (T::OidVector, "oidvector", 'A'),
        (T::Xid, "xid", 'U'),
        (T::AclItem, "aclitem", 'U'),
        (T::AnyArray, "anyarray", 'P'),
    ];
    for k in [
        RegKind::Class,
        RegKind::Type,
        RegKind::Role,
        RegKind::Namespace,
        RegKind::Proc,
    ] {
        out.push((T::Reg(k), k.name(), 'N'));
    }
    out
}

/// A type's `pg_type.typname` (`int4`, `varchar`, `_text`, …).
pub fn type_name(t: &DataType) -> String {
    let base = |t: &DataType| -> String {
        let plain = crate::functions::normalize_string_type(t);
        builtin_types()
            .into_iter()
            .find(|(ty, _, _)| *ty == plain)
            .map(|(_, n, _)| n.to_string())
            .unwrap_or_else(|| plain.display_name())
    };
    match t {
        DataType::Array(e) => format!("_{}", base(e)),
        other => base(other),
    }
}

/// The collation a type's values carry (`typcollation`).
pub fn type_collation(t: &DataType) -> u32 {
    match t {
        DataType::Name => C_COLLATION,
        DataType::Array(e) => type_collation(e),
        DataType::InternalChar | DataType::Int2Vector | DataType::OidVector => 0,
        t if t.is_string() => DEFAULT_COLLATION,
        _ => 0,
    }
}

/// `pg_attribute.attcollation` of a column: its COLLATE, else its type's.
pub fn column_collation(c: &rampart_catalog::Column) -> u32 {
    match c.collation.as_deref() {
        Some("C") => C_COLLATION,
        Some("POSIX") => POSIX_COLLATION,
        _ => type_collation(&c.ty),
    }
}

/// The array type of a base type, where Rampart has one.
fn array_of(t: &DataType) -> Option<u32> {
    let oid = DataType::Array(Box::new(t.clone())).oid();
    // Unlisted element types fall back to text[]'s OID: no array type of their own.
    (oid != 1009 || *t == DataType::Text).then_some(oid)
}

fn type_row(oid: u32, name: &str, t: &DataType, cat: char, elem: u32, array: u32) -> Row {
    let owner = 10;
    let support = super::type_support::TYPE_SUPPORT
        .iter()
        .find(|s| s.oid == oid);
    let support_fn =
        |pick: fn(&super::type_support::TypeSupport) -> u32| Value::Oid(support.map_or(0, pick));
    let (align, storage) = match support {
        Some(s) => (s.align, s.storage),
        None => (t.typalign(), 'p'),
    };
    // An array type's row names its element; int2vector and oidvector
    // (not array types) name theirs too, being subscriptable from 0.
    let array_type = elem != 0;
    let elem = match t {
        DataType::Int2Vector if !array_type => DataType::Int2.oid(),
        DataType::OidVector if !array_type => DataType::Oid.oid(),
        _ => elem,
    };
    vec![
        Value::Oid(oid),
        Value::Text(name.to_string()),
        Value::Oid(PG_CATALOG_OID),
        Value::Oid(owner),
        Value::Int2(if array_type { -1 } else { t.typlen() }),
        Value::Bool(!array_type && t.typbyval()),
        Value::Text(if cat == 'P' { "p" } else { "b" }.into()),
        Value::Text(cat.to_string()),
        Value::Bool(
            !array_type
                && matches!(
                    t,
                    DataType::Text
                        | DataType::Float8
                        | DataType::Oid
                        | DataType::Bool
                        | DataType::Timestamptz
                        | DataType::Interval
                ),
        ),
        Value::Bool(true),
        Value::Text(",".into()),
        Value::Oid(0),
        support_fn(|s| s.subscript),
        Value::Oid(elem),
        Value::Oid(array),
        support_fn(|s| s.input),
        support_fn(|s| s.output),
        support_fn(|s| s.receive),
        support_fn(|s| s.send),
        support_fn(|s| s.modin),
        support_fn(|s| s.modout),
        support_fn(|s| s.analyze),
        Value::Text(align.to_string()),
        Value::Text(storage.to_string()),
        Value::Bool(false),
        Value::Oid(0),
        Value::Int4(-1),
        Value::Int4(0),
        Value::Oid(type_collation(t)),
        Value::Null,
        Value::Null,
        Value::Null,
    ]
}

/// A domain's pg_type row: its base type's row, as a domain (`typtype`
/// `d`) in its schema, with its owner, NOT NULL, base type, default and ACL.
fn domain_row(cat: &Catalog, d: &rampart_catalog::Domain) -> Row {
    let category = builtin_types()
        .into_iter()
        .find(|(t, _, _)| t.oid() == d.base.oid())
        .map_or('U', |(_, _, c)| c);
    // The base type's row (alignment, storage, support functions), renamed.
    let mut row = type_row(d.base.oid(), &d.name, &d.base, category, 0, 0);
    let shown_default = d
        .default
        .as_ref()
        .map(|text| super::constraints::domain_default_expr(cat, d, text));
    let default = || match &shown_default {
        Some(text) => Value::Text(text.clone()),
        None => Value::Null,
    };
    row[0] = Value::Oid(d.oid);
    row[2] = Value::Oid(d.schema);
    row[3] = Value::Oid(d.owner);
    row[6] = Value::Text("d".into());
    row[8] = Value::Bool(false);
    row[24] = Value::Bool(d.not_null);
    row[25] = Value::Oid(d.parent.unwrap_or_else(|| d.base.oid()));
    row[26] = Value::Int4(if d.parent.is_some() {
        -1
    } else {
        d.base.typmod()
    });
    row[28] = Value::Oid(domain_collation(d));
    row[29] = default();
    row[30] = default();
    row[31] = super::relations::acl_value(cat, &d.acl);
    row
}

/// A domain's collation (`typcollation`): its COLLATE, else its base type's.
pub fn domain_collation(d: &rampart_catalog::Domain) -> u32 {
    match d.collation.as_deref() {
        Some("C") => C_COLLATION,
        Some("POSIX") => POSIX_COLLATION,
        _ => type_collation(&d.base),
    }
}

/// The rows of a catalog of this module (empty for the feature catalogs).
/// OID of `pg_extension` (as PostgreSQL).
pub const PG_EXTENSION_OID: u32 = 3079;
/// OID of the `plpgsql` extension row (as PostgreSQL 15's initdb assigns it).
const PLPGSQL_EXTENSION_OID: u32 = 13559;

/// Comments on built-in objects, as initdb leaves them (only the PL/pgSQL
/// extension's so far; built-in functions and types carry none yet).
pub fn builtin_descriptions() -> std::slice::Iter<'static, rampart_catalog::Description> {
    static BUILTIN: std::sync::LazyLock<Vec<rampart_catalog::Description>> =
        std::sync::LazyLock::new(|| {
            vec![rampart_catalog::Description {
                classoid: PG_EXTENSION_OID,
                objoid: PLPGSQL_EXTENSION_OID,
                objsubid: 0,
                description: "PL/pgSQL procedural language".into(),
            }]
        });
    BUILTIN.iter()
}

pub fn rows(view: &SysView, cat: &Catalog) -> Vec<Row> {
    match view.name {
        // Comments of objects that still exist (a dropped object's comment
        // goes with it, as in PostgreSQL).
        "pg_description" => cat
            .descriptions
            .iter()
            .filter(|d| description_target_exists(cat, d))
            .chain(builtin_descriptions())
            .map(|d| {
                vec![
                    Value::Oid(d.objoid),
                    Value::Oid(d.classoid),
                    Value::Int4(d.objsubid),
                    Value::Text(d.description.clone()),
                ]
            })
            .collect(),
        "pg_partitioned_table" => cat
            .relations
            .values()
            .filter_map(|r| {
                let key = r.partition_key.as_ref()?;
                let default = cat.inheritors(r.oid).into_iter().find(|c| {
                    cat.relation_by_oid(*c).is_some_and(|p| {
                        matches!(
                            p.partition_bound,
                            Some(rampart_catalog::PartitionBound::Default)
                        )
                    })
                });
                let vectors = super::KeyVectors::of(
                    &key.columns,
                    |c| type_collation(&r.columns[c].ty),
                    |c| Some(r.columns[c].ty.clone()),
                );
                Some(vec![
                    Value::Oid(r.oid),
                    Value::Text(key.strategy.to_string()),
                    Value::Int2(key.columns.len() as i16),
                    Value::Oid(default.unwrap_or(0)),
                    Value::Text(vectors.attnums),
                    Value::Text(vectors.opclasses),
                    Value::Text(vectors.collations),
                    Value::Null,
                ])
            })
            .collect(),
        "pg_inherits" => cat
            .relations
            .values()
            .flat_map(|r| {
                r.inherits.iter().enumerate().map(|(i, parent)| {
                    vec![
                        Value::Oid(r.oid),
                        Value::Oid(*parent),
                        Value::Int4(i as i32 + 1),
                        Value::Bool(false),
                    ]
                })
            })
            .collect(),
        "pg_shdescription" => cat
            .shared_descriptions
            .iter()
            .filter(|d| cat.shared_description(d.classoid, d.objoid).is_some())
            .map(|d| {
                vec![
                    Value::Oid(d.objoid),
                    Value::Oid(d.classoid),
                    Value::Text(d.description.clone()),
                ]
            })
            .collect(),
        // PL/pgSQL is built in (crate::plpgsql), as initdb installs it.
        "pg_extension" => vec![vec![
            Value::Oid(PLPGSQL_EXTENSION_OID),
            Value::Text("plpgsql".into()),
            Value::Oid(rampart_catalog::BOOTSTRAP_SUPERUSER_OID),
            Value::Oid(PG_CATALOG_OID),
            Value::Bool(false),
            Value::Text("1.0".into()),
            Value::Null,
            Value::Null,
        ]],
        "pg_type" => {
            let mut out = Vec::new();
            for (ty, name, cat) in builtin_types() {
                let array = array_of(&ty);
                out.push(type_row(ty.oid(), name, &ty, cat, 0, array.unwrap_or(0)));
                if let Some(aoid) = array {
                    out.push(type_row(aoid, &format!("_{name}"), &ty, 'A', ty.oid(), 0));
                }
            }
            out.extend(cat.domains.values().map(|d| domain_row(cat, d)));
            out
        }
        "pg_collation" => [
            (DEFAULT_COLLATION, "default", "d", ""),
            (C_COLLATION, "C", "c", "C"),
            (POSIX_COLLATION, "POSIX", "c", "POSIX"),
        ]
        .into_iter()
        .map(|(oid, name, provider, locale)| {
            let locale = if locale.is_empty() {
                Value::Null
            } else {
                Value::Text(locale.into())
            };
            vec![
                Value::Oid(oid),
                Value::Text(name.into()),
                Value::Oid(PG_CATALOG_OID),
                Value::Oid(10),
                Value::Text(provider.into()),
                Value::Bool(true),
                Value::Int4(-1),
                locale.clone(),
                locale,
                Value::Null,
                Value::Null,
            ]
        })
        .collect(),
        _ => vec![],
    }
}

/// Whether the object a comment is attached to still exists.
pub fn description_target_exists(cat: &Catalog, d: &rampart_catalog::Description) -> bool {
    match d.classoid {
        rampart_catalog::PG_NAMESPACE_OID => cat.schema_by_oid(d.objoid).is_some(),
        rampart_catalog::PG_CLASS_OID => {
            cat.relation_by_oid(d.objoid)
                .is_some_and(|r| d.objsubid == 0 || (d.objsubid as usize) <= r.columns.len())
                || (d.objsubid == 0
                    && (cat.sequences.contains_key(&d.objoid)
                        || cat
                            .relations
                            .values()
                            .any(|r| r.indexes.iter().any(|i| i.oid == d.objoid))))
        }
        _ => false,
    }
}

/// The OID of a type's default btree operator class (`pg_opclass`), as
/// PostgreSQL 15 numbers them (varchar uses text_ops); 0 when unknown.
pub(super) fn default_btree_opclass(ty: &DataType) -> u32 {
    match ty.oid() {
        21 => 1979,
        23 => 1978,
        20 => 3124,
        25 | 1043 => 3126,
        1042 => 10004,
        1700 => 3125,
        1082 => 3122,
        1114 => 3128,
        1184 => 3127,
        16 => 10003,
        700 => 10012,
        701 => 3123,
        2950 => 10065,
        26 => 1981,
        19 => 10028,
        17 => 10006,
        1186 => 10022,
        1083 => 10038,
        _ => 0,
    }
}
