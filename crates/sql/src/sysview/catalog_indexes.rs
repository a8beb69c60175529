//! The system catalogs' own indexes and the PRIMARY KEY / UNIQUE
//! constraints PostgreSQL 15 declares on them, as rows of pg_class,
//! pg_index, pg_constraint and pg_attribute, so that `\d pg_class` lists
//! them and `pg_get_indexdef` prints them. Names, OIDs and key columns are
//! PostgreSQL 15's (clients compare OIDs); Rampart computes catalogs from
//! its own catalog and does not search these indexes.

use rampart_types::Value;

use super::system_relations::{self, SystemRelation, PG_CATALOG_OID};
use crate::exec::Row;

/// What a catalog index implements.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// The catalog's PRIMARY KEY.
    Primary,
    /// A UNIQUE constraint.
    Unique,
    /// A plain, non-unique index.
    Plain,
}

/// One index of a system catalog.
pub struct CatalogIndex {
    /// The index's OID.
    pub oid: u32,
    /// Its name.
    pub name: &'static str,
    /// The catalog it indexes.
    pub table: &'static str,
    /// Its key columns.
    pub columns: &'static [&'static str],
    /// PRIMARY KEY, UNIQUE constraint or plain.
    pub kind: IndexKind,
    /// The OID of its constraint (0 for a plain index).
    pub constraint: u32,
}

const fn ci(
    oid: u32,
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    kind: IndexKind,
    constraint: u32,
) -> CatalogIndex {
    CatalogIndex {
        oid,
        name,
        table,
        columns,
        kind,
        constraint,
    }
}

use IndexKind as Kind;

/// The indexes of the catalogs Rampart has, as PostgreSQL 15's initdb
/// creates them.
pub const CATALOG_INDEXES: &[CatalogIndex] = &[
    ci(
        2652,
        "pg_am_oid_index",
        "pg_am",
        &["oid"],
        Kind::Primary,
        10136,
    ),
    ci(
        2651,
        "pg_am_name_index",
        "pg_am",
        &["amname"],
        Kind::Unique,
        10135,
    ),
    ci(
        2657,
        "pg_attrdef_oid_index",
        "pg_attrdef",
        &["oid"],
        Kind::Primary,
        10124,
    ),
    ci(
        2656,
        "pg_attrdef_adrelid_adnum_index",
        "pg_attrdef",
        &["adrelid", "adnum"],
        Kind::Unique,
        10123,
    ),
    ci(
        2659,
        "pg_attribute_relid_attnum_index",
        "pg_attribute",
        &["attrelid", "attnum"],
        Kind::Primary,
        10120,
    ),
    ci(
        2658,
        "pg_attribute_relid_attnam_index",
        "pg_attribute",
        &["attrelid", "attname"],
        Kind::Unique,
        10119,
    ),
    ci(
        2694,
        "pg_auth_members_role_member_index",
        "pg_auth_members",
        &["roleid", "member"],
        Kind::Primary,
        10175,
    ),
    ci(
        2695,
        "pg_auth_members_member_role_index",
        "pg_auth_members",
        &["member", "roleid"],
        Kind::Unique,
        10176,
    ),
    ci(
        2677,
        "pg_authid_oid_index",
        "pg_authid",
        &["oid"],
        Kind::Primary,
        10174,
    ),
    ci(
        2676,
        "pg_authid_rolname_index",
        "pg_authid",
        &["rolname"],
        Kind::Unique,
        10173,
    ),
    ci(
        2662,
        "pg_class_oid_index",
        "pg_class",
        &["oid"],
        Kind::Primary,
        10121,
    ),
    ci(
        2663,
        "pg_class_relname_nsp_index",
        "pg_class",
        &["relname", "relnamespace"],
        Kind::Unique,
        10122,
    ),
    ci(
        3455,
        "pg_class_tblspc_relfilenode_index",
        "pg_class",
        &["reltablespace", "relfilenode"],
        Kind::Plain,
        0,
    ),
    ci(
        3085,
        "pg_collation_oid_index",
        "pg_collation",
        &["oid"],
        Kind::Primary,
        10206,
    ),
    ci(
        3164,
        "pg_collation_name_enc_nsp_index",
        "pg_collation",
        &["collname", "collencoding", "collnamespace"],
        Kind::Unique,
        10205,
    ),
    ci(
        2667,
        "pg_constraint_oid_index",
        "pg_constraint",
        &["oid"],
        Kind::Primary,
        10126,
    ),
    ci(
        2664,
        "pg_constraint_conname_nsp_index",
        "pg_constraint",
        &["conname", "connamespace"],
        Kind::Plain,
        0,
    ),
    ci(
        2579,
        "pg_constraint_conparentid_index",
        "pg_constraint",
        &["conparentid"],
        Kind::Plain,
        0,
    ),
    ci(
        2665,
        "pg_constraint_conrelid_contypid_conname_index",
        "pg_constraint",
        &["conrelid", "contypid", "conname"],
        Kind::Unique,
        10125,
    ),
    ci(
        2666,
        "pg_constraint_contypid_index",
        "pg_constraint",
        &["contypid"],
        Kind::Plain,
        0,
    ),
    ci(
        2672,
        "pg_database_oid_index",
        "pg_database",
        &["oid"],
        Kind::Primary,
        10169,
    ),
    ci(
        2671,
        "pg_database_datname_index",
        "pg_database",
        &["datname"],
        Kind::Unique,
        10168,
    ),
    ci(
        2965,
        "pg_db_role_setting_databaseid_rol_index",
        "pg_db_role_setting",
        &["setdatabase", "setrole"],
        Kind::Primary,
        10170,
    ),
    ci(
        828,
        "pg_default_acl_oid_index",
        "pg_default_acl",
        &["oid"],
        Kind::Primary,
        10201,
    ),
    ci(
        827,
        "pg_default_acl_role_nsp_obj_index",
        "pg_default_acl",
        &["defaclrole", "defaclnamespace", "defaclobjtype"],
        Kind::Unique,
        10200,
    ),
    ci(
        2673,
        "pg_depend_depender_index",
        "pg_depend",
        &["classid", "objid", "objsubid"],
        Kind::Plain,
        0,
    ),
    ci(
        2674,
        "pg_depend_reference_index",
        "pg_depend",
        &["refclassid", "refobjid", "refobjsubid"],
        Kind::Plain,
        0,
    ),
    ci(
        2675,
        "pg_description_o_c_o_index",
        "pg_description",
        &["objoid", "classoid", "objsubid"],
        Kind::Primary,
        10157,
    ),
    ci(
        3080,
        "pg_extension_oid_index",
        "pg_extension",
        &["oid"],
        Kind::Primary,
        10187,
    ),
    ci(
        3081,
        "pg_extension_name_index",
        "pg_extension",
        &["extname"],
        Kind::Unique,
        10188,
    ),
    ci(
        2679,
        "pg_index_indexrelid_index",
        "pg_index",
        &["indexrelid"],
        Kind::Primary,
        10128,
    ),
    ci(
        2678,
        "pg_index_indrelid_index",
        "pg_index",
        &["indrelid"],
        Kind::Plain,
        0,
    ),
    ci(
        2680,
        "pg_inherits_relid_seqno_index",
        "pg_inherits",
        &["inhrelid", "inhseqno"],
        Kind::Primary,
        10127,
    ),
    ci(
        2187,
        "pg_inherits_parent_index",
        "pg_inherits",
        &["inhparent"],
        Kind::Plain,
        0,
    ),
    ci(
        2682,
        "pg_language_oid_index",
        "pg_language",
        &["oid"],
        Kind::Primary,
        10143,
    ),
    ci(
        2681,
        "pg_language_name_index",
        "pg_language",
        &["lanname"],
        Kind::Unique,
        10142,
    ),
    ci(
        2685,
        "pg_namespace_oid_index",
        "pg_namespace",
        &["oid"],
        Kind::Primary,
        10164,
    ),
    ci(
        2684,
        "pg_namespace_nspname_index",
        "pg_namespace",
        &["nspname"],
        Kind::Unique,
        10163,
    ),
    ci(
        3351,
        "pg_partitioned_table_partrelid_index",
        "pg_partitioned_table",
        &["partrelid"],
        Kind::Primary,
        10209,
    ),
    ci(
        3257,
        "pg_policy_oid_index",
        "pg_policy",
        &["oid"],
        Kind::Primary,
        10196,
    ),
    ci(
        3258,
        "pg_policy_polrelid_polname_index",
        "pg_policy",
        &["polrelid", "polname"],
        Kind::Unique,
        10197,
    ),
    ci(
        2690,
        "pg_proc_oid_index",
        "pg_proc",
        &["oid"],
        Kind::Primary,
        10115,
    ),
    ci(
        2691,
        "pg_proc_proname_args_nsp_index",
        "pg_proc",
        &["proname", "proargtypes", "pronamespace"],
        Kind::Unique,
        10116,
    ),
    ci(
        6110,
        "pg_publication_oid_index",
        "pg_publication",
        &["oid"],
        Kind::Primary,
        10215,
    ),
    ci(
        6111,
        "pg_publication_pubname_index",
        "pg_publication",
        &["pubname"],
        Kind::Unique,
        10216,
    ),
    ci(
        6238,
        "pg_publication_namespace_oid_index",
        "pg_publication_namespace",
        &["oid"],
        Kind::Primary,
        10217,
    ),
    ci(
        6239,
        "pg_publication_namespace_pnnspid_pnpubid_index",
        "pg_publication_namespace",
        &["pnnspid", "pnpubid"],
        Kind::Unique,
        10218,
    ),
    ci(
        6112,
        "pg_publication_rel_oid_index",
        "pg_publication_rel",
        &["oid"],
        Kind::Primary,
        10219,
    ),
    ci(
        6116,
        "pg_publication_rel_prpubid_index",
        "pg_publication_rel",
        &["prpubid"],
        Kind::Plain,
        0,
    ),
    ci(
        6113,
        "pg_publication_rel_prrelid_prpubid_index",
        "pg_publication_rel",
        &["prrelid", "prpubid"],
        Kind::Unique,
        10220,
    ),
    ci(
        5002,
        "pg_sequence_seqrelid_index",
        "pg_sequence",
        &["seqrelid"],
        Kind::Primary,
        10214,
    ),
    ci(
        1232,
        "pg_shdepend_depender_index",
        "pg_shdepend",
        &["dbid", "classid", "objid", "objsubid"],
        Kind::Plain,
        0,
    ),
    ci(
        1233,
        "pg_shdepend_reference_index",
        "pg_shdepend",
        &["refclassid", "refobjid"],
        Kind::Plain,
        0,
    ),
    ci(
        2397,
        "pg_shdescription_o_c_index",
        "pg_shdescription",
        &["objoid", "classoid"],
        Kind::Primary,
        10177,
    ),
    ci(
        3380,
        "pg_statistic_ext_oid_index",
        "pg_statistic_ext",
        &["oid"],
        Kind::Primary,
        10148,
    ),
    ci(
        3997,
        "pg_statistic_ext_name_index",
        "pg_statistic_ext",
        &["stxname", "stxnamespace"],
        Kind::Unique,
        10149,
    ),
    ci(
        3379,
        "pg_statistic_ext_relid_index",
        "pg_statistic_ext",
        &["stxrelid"],
        Kind::Plain,
        0,
    ),
    ci(
        2697,
        "pg_tablespace_oid_index",
        "pg_tablespace",
        &["oid"],
        Kind::Primary,
        10171,
    ),
    ci(
        2698,
        "pg_tablespace_spcname_index",
        "pg_tablespace",
        &["spcname"],
        Kind::Unique,
        10172,
    ),
    ci(
        2702,
        "pg_trigger_oid_index",
        "pg_trigger",
        &["oid"],
        Kind::Primary,
        10154,
    ),
    ci(
        2699,
        "pg_trigger_tgconstraint_index",
        "pg_trigger",
        &["tgconstraint"],
        Kind::Plain,
        0,
    ),
    ci(
        2701,
        "pg_trigger_tgrelid_tgname_index",
        "pg_trigger",
        &["tgrelid", "tgname"],
        Kind::Unique,
        10153,
    ),
    ci(
        2703,
        "pg_type_oid_index",
        "pg_type",
        &["oid"],
        Kind::Primary,
        10117,
    ),
    ci(
        2704,
        "pg_type_typname_nsp_index",
        "pg_type",
        &["typname", "typnamespace"],
        Kind::Unique,
        10118,
    ),
];

impl CatalogIndex {
    /// The catalog table it indexes.
    fn relation(&self) -> Option<SystemRelation> {
        system_relations::by_name(PG_CATALOG_OID, self.table)
    }

    /// Its key columns' numbers (attnum) in the catalog.
    fn attnums(&self, rel: &SystemRelation) -> Vec<usize> {
        self.columns
            .iter()
            .filter_map(|c| rel.view.columns.iter().position(|(name, _)| name == c))
            .collect()
    }
}

/// The catalog indexes a read limited to relation `only` covers (a
/// catalog table's, or those of the table one of its indexes belongs to;
/// see `relations_for`), with their tables. A read pinned to a user
/// relation covers none, without looking at any.
fn covered(only: Option<u32>) -> impl Iterator<Item = (&'static CatalogIndex, SystemRelation)> {
    let table: Option<Option<&str>> = only.map(|o| {
        CATALOG_INDEXES
            .iter()
            .find(|i| i.oid == o)
            .map(|i| i.table)
            .or_else(|| system_relations::by_oid(o).map(|r| r.view.name))
    });
    CATALOG_INDEXES
        .iter()
        .filter(move |ix| table.is_none_or(|t| t == Some(ix.table)))
        .filter_map(|ix| Some((ix, ix.relation()?)))
}

/// Whether a system catalog has indexes (`pg_class.relhasindex`).
pub fn has_indexes(table: &str) -> bool {
    CATALOG_INDEXES.iter().any(|i| i.table == table)
}

/// pg_class rows of the catalog indexes (only the one with OID `only`).
pub fn class_rows(only: Option<u32>) -> Vec<Row> {
    CATALOG_INDEXES
        .iter()
        .filter(|ix| only.is_none_or(|o| o == ix.oid))
        .filter_map(|ix| {
            let rel = ix.relation()?;
            let mut row = super::relations::class_row(
                ix.oid,
                ix.name,
                PG_CATALOG_OID,
                rampart_catalog::BOOTSTRAP_SUPERUSER_OID,
                super::relations::BTREE_AM,
                "i",
                ix.columns.len(),
                Value::Null,
            );
            use super::relations::class_col;
            if rel.mapped() {
                row[class_col::RELFILENODE] = Value::Oid(0);
            }
            if rel.shared() {
                row[class_col::RELTABLESPACE] = Value::Oid(system_relations::PG_GLOBAL_TABLESPACE);
                row[class_col::RELISSHARED] = Value::Bool(true);
            }
            Some(row)
        })
        .collect()
}

/// pg_index rows of the catalog indexes a read limited to `only` covers.
pub fn index_rows(only: Option<u32>) -> Vec<Row> {
    covered(only)
        .map(|(ix, rel)| {
            super::relations::index_row(super::relations::IndexRow {
                index: ix.oid,
                table: rel.view.oid,
                unique: ix.kind != IndexKind::Plain,
                primary: ix.kind == IndexKind::Primary,
                key: super::KeyVectors::of(
                    &ix.attnums(&rel),
                    |c| system_relations::catalog_column_collation(&rel, c),
                    |c| Some(rel.view.columns[c].1.data_type()),
                ),
            })
        })
        .collect()
}

/// pg_constraint rows of the catalogs' keys a read limited to `only` covers.
pub fn constraint_rows(only: Option<u32>) -> Vec<Row> {
    covered(only)
        .filter(|(ix, _)| ix.kind != IndexKind::Plain)
        .map(|(ix, rel)| {
            let cols = ix.attnums(&rel);
            super::constraints::constraint_row(super::constraints::ConstraintRow {
                oid: ix.constraint,
                name: ix.name,
                schema: PG_CATALOG_OID,
                table: rel.view.oid,
                contype: if ix.kind == IndexKind::Primary {
                    "p"
                } else {
                    "u"
                },
                index: ix.oid,
                fk: None,
                key: super::constraints::attnums(&cols),
                check: None,
            })
        })
        .collect()
}

/// pg_attribute rows of the catalog indexes' key columns (only the index
/// with OID `only`).
pub fn attribute_rows(only: Option<u32>) -> Vec<Row> {
    let mut out = Vec::new();
    for ix in CATALOG_INDEXES
        .iter()
        .filter(|ix| only.is_none_or(|o| o == ix.oid))
    {
        let Some(rel) = ix.relation() else { continue };
        for (i, c) in ix.attnums(&rel).into_iter().enumerate() {
            let (name, col) = &rel.view.columns[c];
            let ty = col.data_type();
            out.push(
                super::relations::AttrRow {
                    collation: system_relations::catalog_column_collation(&rel, c),
                    ..super::relations::AttrRow::of_type(ix.oid, name, i as i16 + 1, &ty)
                }
                .row(),
            );
        }
    }
    out
}

/// `pg_get_indexdef` of a catalog index: the CREATE INDEX statement (the
/// catalog unqualified when `pretty`: pg_catalog is always searched), or
/// the name of key column `column` (1-based) when it is positive.
pub fn index_def(oid: u32, column: i32, pretty: bool) -> Option<String> {
    let ix = CATALOG_INDEXES.iter().find(|i| i.oid == oid)?;
    if column > 0 {
        return ix.columns.get(column as usize - 1).map(|c| c.to_string());
    }
    Some(format!(
        "CREATE {}INDEX {} ON {}{} USING btree ({})",
        if ix.kind == IndexKind::Plain {
            ""
        } else {
            "UNIQUE "
        },
        ix.name,
        if pretty { "" } else { "pg_catalog." },
        ix.table,
        ix.columns.join(", ")
    ))
}

/// `pg_get_constraintdef` of a catalog's PRIMARY KEY or UNIQUE constraint.
pub fn constraint_def(oid: u32) -> Option<String> {
    let ix = CATALOG_INDEXES
        .iter()
        .find(|i| i.constraint == oid && i.kind != IndexKind::Plain)?;
    let kind = if ix.kind == IndexKind::Primary {
        "PRIMARY KEY"
    } else {
        "UNIQUE"
    };
    Some(format!("{kind} ({})", ix.columns.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_index_names_a_catalog_and_its_columns() {
        for ix in CATALOG_INDEXES {
            let rel = ix
                .relation()
                .unwrap_or_else(|| panic!("{}: no {}", ix.name, ix.table));
            assert_eq!(ix.attnums(&rel).len(), ix.columns.len(), "{}", ix.name);
            assert_eq!(
                ix.kind == IndexKind::Plain,
                ix.constraint == 0,
                "{}",
                ix.name
            );
        }
    }
}
