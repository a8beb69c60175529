//! The `information_schema` privilege views people use to review access:
//! table_privileges, role_table_grants, column_privileges,
//! role_column_grants, usage_privileges, role_usage_grants,
//! routine_privileges, role_routine_grants,
//! applicable_roles and enabled_roles, computed from
//! the ACLs (an unset ACL counts as the owner's default, as PostgreSQL's
//! `acldefault`). Rows are limited to what the viewer may see, as in
//! PostgreSQL: grants made by or to a role the viewer is a member of, or to
//! PUBLIC.
//!
//! Partial: the columns are `name`/`text` rather than PostgreSQL's
//! `sql_identifier`/`character_data`/`yes_or_no` domains (same text output);
//! usage_privileges covers domains and sequences (PostgreSQL also lists
//! collations and foreign servers, which Rampart does not have).

use rampart_catalog::{acl, AclItem, Catalog, Relation, RelationKind};
use rampart_security::acl::{default_acl, AclKind};
use rampart_security::roles as graph;
use rampart_types::{DataType, Value};

/// An object usage_privileges lists: (owner, schema, name, ACL, kind,
/// object_type).
type UsageObject<'a> = (
    u32,
    u32,
    &'a str,
    &'a Option<Vec<AclItem>>,
    AclKind,
    &'static str,
);

use super::{t, SysView, Viewer};
use crate::exec::Row;
use DataType::{Name, Text};

const TABLE_PRIVILEGE_COLS: &[(&str, super::Col)] = &[
    ("grantor", t(Name)),
    ("grantee", t(Name)),
    ("table_catalog", t(Name)),
    ("table_schema", t(Name)),
    ("table_name", t(Name)),
    ("privilege_type", t(Text)),
    ("is_grantable", t(Text)),
    ("with_hierarchy", t(Text)),
];

/// The information_schema views.
pub const VIEWS: &[SysView] = &[
    SysView {
        name: "table_privileges",
        oid: 13400,
        columns: TABLE_PRIVILEGE_COLS,
        superuser_only: false,
    },
    SysView {
        name: "role_table_grants",
        oid: 13401,
        columns: TABLE_PRIVILEGE_COLS,
        superuser_only: false,
    },
    SysView {
        name: "role_column_grants",
        oid: 13403,
        columns: COLUMN_PRIVILEGE_COLS,
        superuser_only: false,
    },
    SysView {
        name: "usage_privileges",
        oid: 13404,
        columns: USAGE_PRIVILEGE_COLS,
        superuser_only: false,
    },
    SysView {
        name: "role_usage_grants",
        oid: 13405,
        columns: USAGE_PRIVILEGE_COLS,
        superuser_only: false,
    },
    SysView {
        name: "applicable_roles",
        oid: 13406,
        columns: &[
            ("grantee", t(Name)),
            ("role_name", t(Name)),
            ("is_grantable", t(Text)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "enabled_roles",
        oid: 13407,
        columns: &[("role_name", t(Name))],
        superuser_only: false,
    },
    SysView {
        name: "column_privileges",
        oid: 13402,
        columns: COLUMN_PRIVILEGE_COLS,
        superuser_only: false,
    },
    SysView {
        name: "routine_privileges",
        oid: 13408,
        columns: ROUTINE_PRIVILEGE_COLS,
        superuser_only: false,
    },
    SysView {
        name: "role_routine_grants",
        oid: 13409,
        columns: ROUTINE_PRIVILEGE_COLS,
        superuser_only: false,
    },
];

/// Partial: only user-defined routines are listed (PostgreSQL also lists
/// every built-in function, EXECUTE for PUBLIC).
const ROUTINE_PRIVILEGE_COLS: &[(&str, super::Col)] = &[
    ("grantor", t(Name)),
    ("grantee", t(Name)),
    ("specific_catalog", t(Name)),
    ("specific_schema", t(Name)),
    ("specific_name", t(Name)),
    ("routine_catalog", t(Name)),
    ("routine_schema", t(Name)),
    ("routine_name", t(Name)),
    ("privilege_type", t(Text)),
    ("is_grantable", t(Text)),
];

const COLUMN_PRIVILEGE_COLS: &[(&str, super::Col)] = &[
    ("grantor", t(Name)),
    ("grantee", t(Name)),
    ("table_catalog", t(Name)),
    ("table_schema", t(Name)),
    ("table_name", t(Name)),
    ("column_name", t(Name)),
    ("privilege_type", t(Text)),
    ("is_grantable", t(Text)),
];

const USAGE_PRIVILEGE_COLS: &[(&str, super::Col)] = &[
    ("grantor", t(Name)),
    ("grantee", t(Name)),
    ("object_catalog", t(Name)),
    ("object_schema", t(Name)),
    ("object_name", t(Name)),
    ("object_type", t(Text)),
    ("privilege_type", t(Text)),
    ("is_grantable", t(Text)),
];

/// Table privileges in PostgreSQL's information_schema order of bits.
const TABLE_PRIVS: &[(u16, &str)] = acl::NAMES.split_at(7).0;

/// One exploded ACL entry: (grantor, grantee, privilege, grantable).
type Grant = (u32, u32, &'static str, bool);

fn explode(items: &[AclItem]) -> Vec<Grant> {
    let mut out = Vec::new();
    for i in items {
        for (bit, name) in TABLE_PRIVS {
            if i.privs & bit != 0 {
                out.push((i.grantor, i.grantee, *name, i.grant_options & bit != 0));
            }
        }
    }
    out
}

fn role_name(cat: &Catalog, oid: u32) -> String {
    if oid == 0 {
        return "PUBLIC".into();
    }
    cat.role_by_oid(oid)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| oid.to_string())
}

/// `pg_has_role(member, role, 'USAGE')` between role OIDs; PUBLIC (0) is nobody's role.
fn uses(cat: &Catalog, member: u32, role: u32) -> bool {
    role != 0 && member != 0 && graph::has_privs_of(cat, member, role)
}

fn tables(cat: &Catalog) -> Vec<&Relation> {
    let mut v: Vec<&Relation> = cat
        .relations
        .values()
        .filter(|r| matches!(r.kind, RelationKind::Table | RelationKind::View { .. }))
        .collect();
    v.sort_by_key(|r| r.oid);
    v
}

fn schema_name(cat: &Catalog, oid: u32) -> String {
    cat.schema_by_oid(oid)
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

/// The rows of one information_schema view.
pub fn rows(view: &SysView, cat: &Catalog, viewer: &Viewer) -> Vec<Row> {
    let text = |s: &str| Value::Text(s.to_string());
    let yes_no = |b: bool| text(if b { "YES" } else { "NO" });
    let mut out = Vec::new();
    // The viewer's OID once; 0 (nobody) if the role vanished.
    let me = cat.role(&viewer.user).map(|r| r.oid).unwrap_or(0);
    let viewer_uses = |role: u32| uses(cat, me, role);
    match view.name {
        "enabled_roles" => {
            let mut roles: Vec<_> = cat.roles.values().collect();
            roles.sort_by_key(|r| r.oid);
            return roles
                .into_iter()
                .filter(|r| viewer_uses(r.oid))
                .map(|r| vec![Value::Text(r.name.clone())])
                .collect();
        }
        "applicable_roles" => {
            // The database owner's implicit membership in pg_database_owner
            // counts, as in PostgreSQL's view definition.
            let implicit = graph::implicit_database_owner_membership(cat)
                .map(|(member, role)| (member, role, false));
            let mut pairs: Vec<(u32, u32, bool)> = cat
                .memberships
                .iter()
                .map(|m| (m.member, m.role, m.admin_option))
                .collect();
            if let Some(p) = implicit {
                if !pairs.contains(&p) {
                    pairs.push(p);
                }
            }
            return pairs
                .into_iter()
                .filter(|(member, _, _)| viewer_uses(*member))
                .map(|(member, role, admin)| {
                    vec![
                        Value::Text(role_name(cat, member)),
                        Value::Text(role_name(cat, role)),
                        yes_no(admin),
                    ]
                })
                .collect();
        }
        "routine_privileges" | "role_routine_grants" => {
            for f in cat.functions.values() {
                let acl = f
                    .acl
                    .clone()
                    .unwrap_or_else(|| default_acl(AclKind::Function, f.owner));
                for i in acl.iter().filter(|i| i.privs & acl::EXECUTE != 0) {
                    let visible = viewer_uses(i.grantor)
                        || viewer_uses(i.grantee)
                        || (i.grantee == 0 && view.name == "routine_privileges");
                    if !visible {
                        continue;
                    }
                    let grantable =
                        i.grant_options & acl::EXECUTE != 0 || uses(cat, i.grantee, f.owner);
                    let schema = schema_name(cat, f.schema);
                    out.push(vec![
                        Value::Text(role_name(cat, i.grantor)),
                        Value::Text(role_name(cat, i.grantee)),
                        Value::Text(viewer.database.clone()),
                        Value::Text(schema.clone()),
                        Value::Text(format!("{}_{}", f.name, f.oid)),
                        Value::Text(viewer.database.clone()),
                        Value::Text(schema),
                        Value::Text(f.name.clone()),
                        text("EXECUTE"),
                        yes_no(grantable),
                    ]);
                }
            }
            return out;
        }
        "usage_privileges" | "role_usage_grants" => {
            // Domains first, then sequences, as PostgreSQL's UNION ALL.
            // (owner, schema, name, ACL, kind, object_type)
            let mut objects: Vec<UsageObject> = cat
                .domains
                .values()
                .map(|d| {
                    (
                        d.owner,
                        d.schema,
                        d.name.as_str(),
                        &d.acl,
                        AclKind::Type,
                        "DOMAIN",
                    )
                })
                .collect();
            let mut seqs: Vec<_> = cat.sequences.values().collect();
            seqs.sort_by_key(|q| q.oid);
            objects.extend(seqs.into_iter().map(|q| {
                (
                    q.owner,
                    q.schema,
                    q.name.as_str(),
                    &q.acl,
                    AclKind::Sequence,
                    "SEQUENCE",
                )
            }));
            for (owner, schema, name, acl, kind, object_type) in objects {
                let acl = acl.clone().unwrap_or_else(|| default_acl(kind, owner));
                for i in acl.iter().filter(|i| i.privs & acl::USAGE != 0) {
                    let visible = viewer_uses(i.grantor)
                        || viewer_uses(i.grantee)
                        || (i.grantee == 0 && view.name == "usage_privileges");
                    if !visible {
                        continue;
                    }
                    let grantable =
                        i.grant_options & acl::USAGE != 0 || uses(cat, i.grantee, owner);
                    out.push(vec![
                        Value::Text(role_name(cat, i.grantor)),
                        Value::Text(role_name(cat, i.grantee)),
                        Value::Text(viewer.database.clone()),
                        Value::Text(schema_name(cat, schema)),
                        Value::Text(name.to_string()),
                        text(object_type),
                        text("USAGE"),
                        yes_no(grantable),
                    ]);
                }
            }
            return out;
        }
        _ => {}
    }
    for rel in tables(cat) {
        let table_acl = rel
            .acl
            .clone()
            .unwrap_or_else(|| default_acl(AclKind::Relation, rel.owner));
        let schema = schema_name(cat, rel.schema);
        let visible = |grantor: u32, grantee: u32| match view.name {
            "role_table_grants" | "role_column_grants" => {
                viewer_uses(grantor) || viewer_uses(grantee)
            }
            _ => viewer_uses(grantor) || viewer_uses(grantee) || grantee == 0,
        };
        let grantable = |grantee: u32, option: bool| option || uses(cat, grantee, rel.owner);
        if matches!(view.name, "column_privileges" | "role_column_grants") {
            for col in &rel.columns {
                // Table-level grants apply to every column; UNION removes duplicates.
                let mut grants = explode(&table_acl);
                if let Some(c) = &col.acl {
                    grants.extend(explode(c));
                }
                let mut seen = std::collections::HashSet::new();
                for (grantor, grantee, privilege, option) in grants {
                    if !matches!(privilege, "INSERT" | "SELECT" | "UPDATE" | "REFERENCES")
                        || !visible(grantor, grantee)
                    {
                        continue;
                    }
                    let row = vec![
                        Value::Text(role_name(cat, grantor)),
                        Value::Text(role_name(cat, grantee)),
                        Value::Text(viewer.database.clone()),
                        Value::Text(schema.clone()),
                        Value::Text(rel.name.clone()),
                        Value::Text(col.name.clone()),
                        text(privilege),
                        yes_no(grantable(grantee, option)),
                    ];
                    let key: Vec<u8> = row.iter().flat_map(|v| v.group_key()).collect();
                    if seen.insert(key) {
                        out.push(row);
                    }
                }
            }
            continue;
        }
        for (grantor, grantee, privilege, option) in explode(&table_acl) {
            if !visible(grantor, grantee) {
                continue;
            }
            out.push(vec![
                Value::Text(role_name(cat, grantor)),
                Value::Text(role_name(cat, grantee)),
                Value::Text(viewer.database.clone()),
                Value::Text(schema.clone()),
                Value::Text(rel.name.clone()),
                text(privilege),
                yes_no(grantable(grantee, option)),
                yes_no(privilege == "SELECT"),
            ]);
        }
    }
    out
}
