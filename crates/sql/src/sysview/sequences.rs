//! pg_sequence (sequence parameters) and pg_depend.
//!
//! Partial: pg_depend lists only what psql reads from it, the automatic
//! dependency of a serial column's sequence on its column (`\d seq`'s
//! "Owned by"); Rampart tracks its other dependencies in the catalog
//! structures themselves.

use rampart_catalog::{Catalog, Sequence};
use rampart_types::Value;

use super::{t, SysView};
use crate::exec::Row;
use rampart_types::DataType::{Bool, Int4, Int8, Oid, Text};

/// OID of pg_class (the class of relations in pg_depend).
const PG_CLASS: u32 = 1259;

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
            ("deptype", t(Text)),
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
    let quoted = format!("{}'::regclass", crate::functions::quote_ident(&s.name));
    rel.columns
        .iter()
        .position(|c| {
            c.default
                .as_deref()
                .is_some_and(|d| d.contains("nextval(") && d.contains(&quoted))
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
        "pg_depend" => cat
            .sequences
            .values()
            .filter_map(|s| {
                let table = s.owned_by?;
                Some(vec![
                    Value::Oid(PG_CLASS),
                    Value::Oid(s.oid),
                    Value::Int4(0),
                    Value::Oid(PG_CLASS),
                    Value::Oid(table),
                    Value::Int4(owning_column(cat, s, table)),
                    Value::Text("a".into()),
                ])
            })
            .collect(),
        _ => vec![],
    }
}
