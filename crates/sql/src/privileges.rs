//! GRANT and REVOKE of object privileges, and the has_*_privilege functions.
//! ACL arithmetic lives in `rampart_security::acl`; this module resolves
//! names and applies PostgreSQL's rules for grantors and warnings.

use sqlparser::ast::{self, Action, GrantObjects, Privileges, Statement};

use rampart_catalog::acl::{self as bits, ALL_COLUMN};
use rampart_catalog::{AclItem, Catalog, RelationKind};
use rampart_security::acl::{self, AclKind};
use rampart_security::{roles as graph, Need, ObjectRef, Principal, Privilege};
use rampart_types::{PgError, PgResult, SqlState};

use crate::bind::{display_name, ident, split_name, Binder};
use crate::ddl::with_catalog_mut;
use crate::session::{QueryResult, Session};

/// A table's system columns in attnum order (-6 to -1), as PostgreSQL's
/// table-wide REVOKE visits them.
const SYSTEM_COLUMNS: [&str; 6] = ["tableoid", "cmax", "xmax", "cmin", "xmin", "ctid"];

/// One object a GRANT/REVOKE names.
enum Target {
    Relation(u32),
    Sequence(u32),
    Schema(String),
    Database(String),
    Function(u32),
    /// A procedural language by name (`ON LANGUAGE plpgsql`).
    Language(&'static str),
    /// A domain by OID (`ON DOMAIN d` / `ON TYPE d`).
    Type(u32),
}

/// Whether a schema list is `ON LANGUAGE …` as the front parser rewrote it
/// (its placeholder first, see [`crate::front::LANGUAGE_PLACEHOLDER`]).
fn names_languages(names: &[ast::ObjectName]) -> bool {
    names
        .first()
        .and_then(|n| split_name(n).ok())
        .is_some_and(|(_, n)| n == crate::front::LANGUAGE_PLACEHOLDER)
}

/// Whether a schema list is `ON TYPE …` (`Some(false)`) or `ON DOMAIN …`
/// (`Some(true)`) as the front parser rewrote it.
fn names_types(names: &[ast::ObjectName]) -> Option<bool> {
    let first = names.first().and_then(|n| split_name(n).ok())?.1;
    match first.as_str() {
        crate::front::TYPE_PLACEHOLDER => Some(false),
        crate::front::DOMAIN_PLACEHOLDER => Some(true),
        _ => None,
    }
}

/// Handles GRANT/REVOKE on objects; None for other statements.
pub fn run(s: &mut Session, stmt: &Statement) -> PgResult<Option<QueryResult>> {
    match stmt {
        Statement::Grant(g) => {
            apply(
                s,
                false,
                &g.privileges,
                g.objects.as_ref(),
                &g.grantees,
                g.with_grant_option,
                g.granted_by.as_ref(),
                false,
            )?;
            Ok(Some(QueryResult::Command {
                tag: "GRANT".into(),
            }))
        }
        Statement::Revoke(r) => {
            let cascade = matches!(r.cascade, Some(ast::CascadeOption::Cascade));
            apply(
                s,
                true,
                &r.privileges,
                r.objects.as_ref(),
                &r.grantees,
                r.grant_option_for,
                r.granted_by.as_ref(),
                cascade,
            )?;
            Ok(Some(QueryResult::Command {
                tag: "REVOKE".into(),
            }))
        }
        _ => Ok(None),
    }
}

/// Column-level parts of a privilege list: (privilege bit, columns).
type ColumnGrants = Vec<(u16, Vec<String>)>;

/// (privilege bits, per-privilege column lists) of a privilege list.
fn privilege_bits(p: &Privileges, kind: AclKind) -> PgResult<(u16, ColumnGrants)> {
    let kind_name = acl_kind_name(kind);
    let actions = match p {
        Privileges::All { .. } => return Ok((kind.all(), vec![])),
        Privileges::Actions(a) => a,
    };
    let mut table_bits = 0;
    let mut cols = Vec::new();
    for a in actions {
        let (bit, columns, name) = action_bit(a)?;
        check_privilege_kind(bit, kind.all(), name, kind_name)?;
        match columns {
            Some(c) if !c.is_empty() => cols.push((bit, c.iter().map(ident).collect())),
            _ => table_bits |= bit,
        }
    }
    Ok((table_bits, cols))
}

/// The word PostgreSQL's "invalid privilege type" error uses for a kind.
fn acl_kind_name(kind: AclKind) -> &'static str {
    match kind {
        AclKind::Relation => "relation",
        AclKind::Sequence => "sequence",
        AclKind::Schema => "schema",
        AclKind::Database => "database",
        AclKind::Function => "function",
        AclKind::Language => "language",
        AclKind::Type => "type",
    }
}

/// The ACL kind and error word of the objects as the statement names them
/// (`ON PROCEDURE p` says "procedure" even before `p` is found).
fn named_kind(objects: &GrantObjects) -> Option<(AclKind, &'static str)> {
    Some(match objects {
        GrantObjects::Tables(_)
        | GrantObjects::Views(_)
        | GrantObjects::AllTablesInSchema { .. } => (AclKind::Relation, "relation"),
        GrantObjects::Sequences(_) | GrantObjects::AllSequencesInSchema { .. } => {
            (AclKind::Sequence, "sequence")
        }
        GrantObjects::Schemas(names) if names_languages(names) => (AclKind::Language, "language"),
        GrantObjects::Schemas(names) if names_types(names) == Some(true) => {
            (AclKind::Type, "domain")
        }
        GrantObjects::Schemas(names) if names_types(names).is_some() => (AclKind::Type, "type"),
        GrantObjects::Schemas(_) => (AclKind::Schema, "schema"),
        GrantObjects::Databases(_) => (AclKind::Database, "database"),
        GrantObjects::Function { name, .. } => {
            let routine = name.0.first().and_then(|p| p.as_ident()).map(ident);
            let listed = routine
                .as_deref()
                .and_then(|r| r.strip_prefix(crate::front::ROUTINE_LIST_PLACEHOLDER));
            match (routine.as_deref(), listed) {
                (_, Some("p")) => (AclKind::Function, "procedure"),
                (_, Some("r")) => (AclKind::Function, "routine"),
                (Some(crate::front::ROUTINE_PLACEHOLDER), _) => (AclKind::Function, "routine"),
                _ => (AclKind::Function, "function"),
            }
        }
        GrantObjects::Procedure { .. } => (AclKind::Function, "procedure"),
        GrantObjects::AllFunctionsInSchema { schemas } => {
            let marker = schemas
                .first()
                .and_then(|n| split_name(n).ok())
                .map(|n| n.1);
            let word = match marker.as_deref() {
                Some(crate::front::ALL_PROCEDURES_PLACEHOLDER) => "procedure",
                Some(crate::front::ALL_ROUTINES_PLACEHOLDER) => "routine",
                _ => "function",
            };
            (AclKind::Function, word)
        }
        _ => return None,
    })
}

/// One privilege keyword of a GRANT/REVOKE list: (bit, column list, name).
pub(crate) fn action_bit(a: &Action) -> PgResult<(u16, Option<&Vec<ast::Ident>>, &'static str)> {
    Ok(match a {
        Action::Select { columns } => (bits::SELECT, columns.as_ref(), "SELECT"),
        Action::Insert { columns } => (bits::INSERT, columns.as_ref(), "INSERT"),
        Action::Update { columns } => (bits::UPDATE, columns.as_ref(), "UPDATE"),
        Action::References { columns } => (bits::REFERENCES, columns.as_ref(), "REFERENCES"),
        Action::Delete => (bits::DELETE, None, "DELETE"),
        Action::Truncate => (bits::TRUNCATE, None, "TRUNCATE"),
        Action::Trigger => (bits::TRIGGER, None, "TRIGGER"),
        Action::Usage => (bits::USAGE, None, "USAGE"),
        Action::Create { .. } => (bits::CREATE, None, "CREATE"),
        Action::Connect => (bits::CONNECT, None, "CONNECT"),
        Action::Temporary => (bits::TEMPORARY, None, "TEMPORARY"),
        Action::Execute { .. } => (bits::EXECUTE, None, "EXECUTE"),
        other => {
            return Err(PgError::syntax(format!(
                "syntax error at or near \"{other}\""
            )))
        }
    })
}

/// PostgreSQL's `invalid privilege type X for relation` when `bit` is not in `all`.
pub(crate) fn check_privilege_kind(
    bit: u16,
    all: u16,
    name: &str,
    kind_name: &str,
) -> PgResult<()> {
    if bit & all == 0 {
        return Err(PgError::new(
            SqlState("0LP01"),
            format!("invalid privilege type {name} for {kind_name}"),
        ));
    }
    Ok(())
}

/// Grantee names of a GRANT/REVOKE (None = PUBLIC, CURRENT_USER and friends
/// resolved), refusing grant options for PUBLIC as PostgreSQL does.
pub(crate) fn grantee_names(
    s: &Session,
    grantees: &[ast::Grantee],
    revoke: bool,
    grant_option: bool,
) -> PgResult<Vec<Option<String>>> {
    let names = grantees
        .iter()
        .map(|g| match (&g.grantee_type, &g.name) {
            (ast::GranteesType::Public, _) => Ok(None),
            (_, Some(ast::GranteeName::ObjectName(n))) => {
                crate::rolespec::RoleSpec::from_name(n)?.grantee(s)
            }
            _ => Err(PgError::syntax("syntax error in grantee")),
        })
        .collect::<PgResult<Vec<_>>>()?;
    if !revoke && grant_option && names.iter().any(Option::is_none) {
        return Err(PgError::new(
            SqlState("0LP01"),
            "grant options can only be granted to roles",
        ));
    }
    Ok(names)
}

#[allow(clippy::too_many_arguments)]
fn apply(
    s: &mut Session,
    revoke: bool,
    privileges: &Privileges,
    objects: Option<&GrantObjects>,
    grantees: &[ast::Grantee],
    grant_option: bool,
    granted_by: Option<&ast::Ident>,
    cascade: bool,
) -> PgResult<()> {
    let objects = objects.ok_or_else(|| PgError::syntax("syntax error at end of input"))?;
    if let Some(g) = granted_by {
        // PostgreSQL 15 accepts GRANTED BY for SQL compatibility only: the
        // grantor must be the current user.
        let name = crate::rolespec::RoleSpec::from_ident(g).role_name(s)?;
        let catalog = s.catalog()?;
        let grantor = crate::roles::role_by_name(&catalog, &name)?;
        if grantor.oid != s.principal(&catalog)?.role_oid {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "grantor must be current user",
            ));
        }
    }
    // Grant options for PUBLIC are refused per object, after the privilege check.
    let grantee_names = grantee_names(s, grantees, revoke, false)?;
    let search_path = s.state.search_path();
    with_catalog_mut(s, |cat, _txn, s| {
        let me = cat
            .role(&s.state.current_user())
            .cloned()
            .ok_or_else(|| PgError::new(SqlState::UNDEFINED_OBJECT, "current role vanished"))?;
        let grantee_oids: Vec<u32> = grantee_names
            .iter()
            .map(|g| match g {
                None => Ok(0),
                Some(n) => cat.role(n).map(|r| r.oid).ok_or_else(|| {
                    PgError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("role \"{n}\" does not exist"),
                    )
                }),
            })
            .collect::<PgResult<_>>()?;
        let targets = resolve_targets(cat, objects, &search_path, &s.current_sql)?;
        authorize_schema_lookups(cat, s, objects, &targets)?;
        // PostgreSQL checks the privilege list against the object kind
        // once, after finding the objects (so also when there are none).
        if let Some((kind, word)) = named_kind(objects) {
            if let Privileges::Actions(actions) = privileges {
                // `ON [TABLE] name` may name a sequence: PostgreSQL allows
                // sequence privileges there and checks each object later.
                let allowed = match objects {
                    GrantObjects::Tables(_) => kind.all() | AclKind::Sequence.all(),
                    _ => kind.all(),
                };
                for a in actions {
                    let (bit, _, name) = action_bit(a)?;
                    check_privilege_kind(bit, allowed, name, word)?;
                }
            }
        }
        for t in targets {
            apply_one(
                cat,
                s,
                &me,
                &t,
                revoke,
                privileges,
                &grantee_oids,
                grant_option,
                cascade,
            )?;
        }
        Ok(())
    })
}

/// Naming an object in a schema needs USAGE on it, as in PostgreSQL (whose
/// name lookup fails with "permission denied for schema"): the schemas of
/// the objects found and those an `ALL … IN SCHEMA` lists, even when empty.
/// Partial: an unqualified name PostgreSQL would not find through a schema
/// without USAGE gets this error here instead of "does not exist".
fn authorize_schema_lookups(
    cat: &Catalog,
    s: &mut Session,
    objects: &GrantObjects,
    targets: &[Target],
) -> PgResult<()> {
    let mut schemas: Vec<u32> = Vec::new();
    if let GrantObjects::AllTablesInSchema { schemas: names }
    | GrantObjects::AllSequencesInSchema { schemas: names }
    | GrantObjects::AllFunctionsInSchema { schemas: names } = objects
    {
        for n in names {
            let name = split_name(n)?.1;
            schemas.extend(cat.schema(&name).map(|sc| sc.oid));
        }
    }
    for t in targets {
        schemas.extend(match t {
            Target::Relation(oid) => cat.relation_by_oid(*oid).map(|r| r.schema),
            Target::Sequence(oid) => cat.sequences.get(oid).map(|q| q.schema),
            Target::Function(oid) => cat.functions.get(oid).map(|f| f.schema),
            Target::Type(oid) => cat.domains.get(oid).map(|d| d.schema),
            Target::Schema(_) | Target::Database(_) | Target::Language(_) => None,
        });
    }
    let mut needs: Vec<Need> = Vec::new();
    for oid in schemas {
        if oid == rampart_catalog::PG_CATALOG_OID
            || needs.iter().any(|n| n.object == ObjectRef::Schema(oid))
        {
            continue;
        }
        needs.push(Need {
            object: ObjectRef::Schema(oid),
            privilege: Privilege::Usage,
            columns: vec![],
            as_role: None,
            position: None,
        });
    }
    s.authorize((), &needs, cat).map(|_| ())
}

/// The routine a GRANT/REVOKE names (`kind` as written: `f`, `p`, `r`).
fn routine_target(
    cat: &Catalog,
    r: &crate::func::parse::RoutineRef,
    search_path: &[String],
    kind: char,
) -> PgResult<Target> {
    let Some(f) = crate::func::find_routine(cat, r, search_path, kind)? else {
        // A routine of the other kind named with its arguments is
        // "not a function"; anything else is not found (ROUTINE
        // says "function", as PostgreSQL's LookupFuncWithArgs).
        if r.args.is_some() {
            if let Some(other) = crate::func::find_routine(cat, r, search_path, 'r')? {
                let what = if kind == 'p' { "procedure" } else { "function" };
                return Err(PgError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    format!("{} is not a {what}", other.signature()),
                ));
            }
        }
        return Err(crate::func::not_found(
            r,
            if kind == 'r' { 'f' } else { kind },
        ));
    };
    Ok(Target::Function(f.oid))
}

fn resolve_targets(
    cat: &Catalog,
    objects: &GrantObjects,
    search_path: &[String],
    sql: &str,
) -> PgResult<Vec<Target>> {
    let schema_oid = |n: &ast::ObjectName| -> PgResult<u32> {
        let name = split_name(n)?.1;
        cat.schema(&name).map(|s| s.oid).ok_or_else(|| {
            PgError::new(
                SqlState::INVALID_SCHEMA_NAME,
                format!("schema \"{name}\" does not exist"),
            )
        })
    };
    Ok(match objects {
        GrantObjects::Tables(names) | GrantObjects::Views(names) => {
            let mut out = Vec::new();
            for n in names {
                let mut b = Binder::new(cat, search_path.to_vec(), vec![]);
                match b.resolve_relation(n) {
                    Ok(rel) => out.push(Target::Relation(rel.oid)),
                    Err(e) => {
                        // GRANT … ON TABLE also names sequences, as in PostgreSQL.
                        let (schema, name) = split_name(n)?;
                        match crate::sequence::find(cat, schema.as_deref(), &name, search_path) {
                            Some(seq) => out.push(Target::Sequence(seq.oid)),
                            None => return Err(e),
                        }
                    }
                }
            }
            out
        }
        GrantObjects::Sequences(names) => names
            .iter()
            .map(|n| {
                let (schema, name) = split_name(n)?;
                crate::sequence::find(cat, schema.as_deref(), &name, search_path)
                    .map(|q| Target::Sequence(q.oid))
                    .ok_or_else(|| {
                        PgError::new(
                            SqlState::UNDEFINED_TABLE,
                            format!("relation \"{}\" does not exist", display_name(n)),
                        )
                    })
            })
            .collect::<PgResult<_>>()?,
        GrantObjects::Schemas(names) if names_languages(names) => {
            let mut out = Vec::new();
            for n in &names[1..] {
                let name = split_name(n)?.1;
                let Some((_, lang, trusted)) = rampart_catalog::language_by_name(&name) else {
                    return Err(PgError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("language \"{name}\" does not exist"),
                    ));
                };
                if !trusted {
                    return Err(PgError::new(
                        SqlState::WRONG_OBJECT_TYPE,
                        format!("language \"{lang}\" is not trusted"),
                    )
                    .with_detail(
                        "GRANT and REVOKE are not allowed on untrusted languages, because only superusers can use untrusted languages.",
                    ));
                }
                out.push(Target::Language(lang));
            }
            out
        }
        GrantObjects::Schemas(names) if names_types(names).is_some() => {
            let only_domains = names_types(names) == Some(true);
            let mut out = Vec::new();
            for n in &names[1..] {
                out.push(Target::Type(type_target(
                    cat,
                    n,
                    search_path,
                    only_domains,
                )?));
            }
            out
        }
        GrantObjects::Schemas(names) => names
            .iter()
            .map(|n| split_name(n).map(|(_, n)| Target::Schema(n)))
            .collect::<PgResult<Vec<_>>>()?
            .into_iter()
            .map(|t| match &t {
                Target::Schema(n) if cat.schema(n).is_none() => Err(PgError::new(
                    SqlState::INVALID_SCHEMA_NAME,
                    format!("schema \"{n}\" does not exist"),
                )),
                _ => Ok(t),
            })
            .collect::<PgResult<_>>()?,
        GrantObjects::Databases(names) => {
            let mut out = Vec::new();
            for n in names {
                let name = split_name(n)?.1;
                if !cat.databases.contains_key(&name) {
                    return Err(PgError::new(
                        SqlState("3D000"),
                        format!("database \"{name}\" does not exist"),
                    ));
                }
                out.push(Target::Database(name));
            }
            out
        }
        GrantObjects::AllTablesInSchema { schemas } => {
            let mut out = Vec::new();
            for sc in schemas {
                let oid = schema_oid(sc)?;
                out.extend(
                    cat.relations
                        .values()
                        .filter(|r| r.schema == oid)
                        .map(|r| Target::Relation(r.oid)),
                );
            }
            out
        }
        GrantObjects::AllSequencesInSchema { schemas } => {
            let mut out = Vec::new();
            for sc in schemas {
                let oid = schema_oid(sc)?;
                out.extend(
                    cat.sequences
                        .values()
                        .filter(|q| q.schema == oid)
                        .map(|q| Target::Sequence(q.oid)),
                );
            }
            out
        }
        GrantObjects::Function { name, arg_types }
        | GrantObjects::Procedure { name, arg_types } => {
            let mut parts: Vec<String> = name
                .0
                .iter()
                .filter_map(|p| p.as_ident())
                .map(ident)
                .collect();
            // `ON FUNCTION f(int), g(int)`: the list as the front parser passed it.
            if let [marker, list] = parts.as_slice() {
                if let Some(kind) = marker.strip_prefix(crate::front::ROUTINE_LIST_PLACEHOLDER) {
                    let kind = kind.chars().next().unwrap_or('f');
                    let mut out = Vec::new();
                    for r in crate::func::parse::parse_routine_list(list)? {
                        out.push(routine_target(cat, &r, search_path, kind)?);
                    }
                    return Ok(out);
                }
            }
            let kind = if matches!(objects, GrantObjects::Procedure { .. }) {
                'p'
            } else if parts.first().map(String::as_str) == Some(crate::front::ROUTINE_PLACEHOLDER) {
                parts.remove(0);
                'r'
            } else {
                'f'
            };
            let types = arg_types
                .iter()
                .map(crate::bind::types::convert_type)
                .collect::<PgResult<Vec<_>>>()?;
            let r = crate::func::parse::RoutineRef {
                name: parts,
                // sqlparser yields an empty list for both `f` and `f()`:
                // the statement text tells them apart.
                args: if arg_types.is_empty() && !written_with_empty_parens(sql, name) {
                    None
                } else {
                    Some(types)
                },
            };
            vec![routine_target(cat, &r, search_path, kind)?]
        }
        GrantObjects::AllFunctionsInSchema { schemas } => {
            // ALL FUNCTIONS leaves procedures alone, ALL PROCEDURES takes
            // only them, ALL ROUTINES both (the front parser marks the
            // latter two with a placeholder schema).
            let marker = schemas
                .first()
                .and_then(|n| split_name(n).ok())
                .map(|n| n.1);
            let (kinds, schemas): (&[char], &[ast::ObjectName]) = match marker.as_deref() {
                Some(crate::front::ALL_PROCEDURES_PLACEHOLDER) => (&['p'], &schemas[1..]),
                Some(crate::front::ALL_ROUTINES_PLACEHOLDER) => (&['f', 'p', 'a'], &schemas[1..]),
                // ALL FUNCTIONS includes aggregates (PostgreSQL: prokind <> 'p').
                _ => (&['f', 'a'], &schemas[..]),
            };
            let mut out = Vec::new();
            for sc in schemas {
                let oid = schema_oid(sc)?;
                out.extend(
                    cat.functions
                        .values()
                        .filter(|f| f.schema == oid && kinds.contains(&f.kind))
                        .map(|f| Target::Function(f.oid)),
                );
            }
            out
        }
        other => {
            return Err(PgError::unsupported(format!(
                "GRANT on {other} is not supported yet"
            )))
        }
    })
}

/// Whether `sql` writes the routine `name` as `name()` (sqlparser keeps no
/// trace of the empty argument list).
fn written_with_empty_parens(sql: &str, name: &ast::ObjectName) -> bool {
    let Some(last) = name.0.last().and_then(|p| p.as_ident()) else {
        return false;
    };
    let lower = sql.to_ascii_lowercase();
    let word = last.value.to_ascii_lowercase();
    lower.match_indices(&word).any(|(i, _)| {
        let rest = lower[i + word.len()..].trim_start();
        let before = lower[..i].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && rest.starts_with('(')
            && rest[1..].trim_start().starts_with(')')
    })
}

#[allow(clippy::too_many_arguments)]
fn apply_one(
    cat: &mut Catalog,
    s: &mut Session,
    me: &rampart_catalog::Role,
    target: &Target,
    revoke: bool,
    privileges: &Privileges,
    grantees: &[u32],
    grant_option: bool,
    cascade: bool,
) -> PgResult<()> {
    let (kind, owner, name, kind_word, current): (
        AclKind,
        u32,
        String,
        &str,
        Option<Vec<AclItem>>,
    ) = match target {
        Target::Relation(oid) => {
            let r = cat
                .relation_by_oid(*oid)
                .ok_or_else(|| PgError::internal("relation vanished"))?;
            let w = if matches!(r.kind, rampart_catalog::RelationKind::View { .. }) {
                "view"
            } else {
                "table"
            };
            (AclKind::Relation, r.owner, r.name.clone(), w, r.acl.clone())
        }
        Target::Sequence(oid) => {
            let q = cat
                .sequences
                .get(oid)
                .ok_or_else(|| PgError::internal("sequence vanished"))?;
            (
                AclKind::Sequence,
                q.owner,
                q.name.clone(),
                "sequence",
                q.acl.clone(),
            )
        }
        Target::Schema(n) => {
            let sc = cat
                .schema(n)
                .ok_or_else(|| PgError::internal("schema vanished"))?;
            (
                AclKind::Schema,
                sc.owner,
                sc.name.clone(),
                "schema",
                sc.acl.clone(),
            )
        }
        Target::Function(oid) => {
            let f = cat
                .functions
                .get(oid)
                .ok_or_else(|| PgError::internal("function vanished"))?;
            let w = if f.kind == 'p' {
                "procedure"
            } else {
                "function"
            };
            (AclKind::Function, f.owner, f.name.clone(), w, f.acl.clone())
        }
        Target::Language(name) => (
            AclKind::Language,
            rampart_catalog::BOOTSTRAP_SUPERUSER_OID,
            name.to_string(),
            "language",
            cat.language_acls.get(*name).cloned(),
        ),
        Target::Type(oid) => {
            let d = cat
                .domains
                .get(oid)
                .ok_or_else(|| PgError::internal("domain vanished"))?;
            (
                AclKind::Type,
                d.owner,
                d.name.clone(),
                "type",
                d.acl.clone(),
            )
        }
        Target::Database(n) => {
            let d = cat
                .databases
                .get(n)
                .ok_or_else(|| PgError::internal("database vanished"))?;
            let acl = if d.oid == cat.database {
                cat.database_acl.clone()
            } else {
                d.acl.clone()
            };
            (AclKind::Database, d.owner, d.name.clone(), "database", acl)
        }
    };
    let (table_bits, column_grants) = privilege_bits(privileges, kind)?;
    let all_privs = matches!(privileges, Privileges::All { .. });
    let old_acl = acl::effective(&current, kind, owner);
    let change = Change {
        revoke,
        grant_option,
        cascade,
        grantees,
    };
    // Object-level privileges. A relation GRANT naming only columns skips
    // this step (and leaves relacl alone), as PostgreSQL's ExecGrant_Relation.
    let mut new_acl = old_acl.clone();
    // Whether the user holds any privilege at all in `items` (or owns the
    // object): without one, PostgreSQL refuses instead of warning.
    let roles = graph::effective_roles(cat, me.oid);
    let owns = me.superuser || graph::has_privs_of(cat, me.oid, owner);
    let holds_any = |items: &[AclItem]| owns || acl::mask(items, &roles) != 0;
    let object_level = table_bits != 0 || !matches!(target, Target::Relation(_));
    if object_level {
        let (grantor, avail) = acl::best_grantor(cat, &old_acl, me.oid, owner, table_bits);
        let holds_any = holds_any(&old_acl);
        let what = Object::Whole {
            kind_word,
            name: &name,
        };
        let bits = restrict_and_check(s, &change, avail, all_privs, table_bits, holds_any, &what)?;
        merge(cat, owner, &mut new_acl, &change, bits, grantor)?;
    }
    match target {
        Target::Relation(oid) => {
            let rel = cat
                .relations
                .get(oid)
                .ok_or_else(|| PgError::internal("relation vanished"))?;
            // Per-column privileges, indexed like the columns: those named,
            // plus (for REVOKE) the column privileges revoked on the whole table.
            let mut per_column = vec![0u16; rel.columns.len()];
            if revoke {
                per_column.fill(table_bits & ALL_COLUMN);
            }
            // System columns (tableoid, ctid, …) named in a column list.
            let mut system_wanted: Vec<(&str, u16)> = Vec::new();
            for (bit, cols) in &column_grants {
                for c in cols {
                    if let Some(sys) = SYSTEM_COLUMNS.iter().find(|s| **s == c.as_str()) {
                        if rel.kind == RelationKind::Table {
                            match system_wanted.iter_mut().find(|(n, _)| n == sys) {
                                Some((_, b)) => *b |= bit,
                                None => system_wanted.push((sys, *bit)),
                            }
                            continue;
                        }
                    }
                    let i = rel
                        .columns
                        .iter()
                        .position(|x| x.name == *c)
                        .ok_or_else(|| {
                            PgError::new(
                                SqlState::UNDEFINED_COLUMN,
                                format!("column \"{c}\" of relation \"{name}\" does not exist"),
                            )
                        })?;
                    per_column[i] |= bit;
                }
            }
            let mut columns = rel.columns.clone();
            // A table-wide REVOKE also goes through a table's system columns
            // (which never hold privileges here): only their warnings remain.
            if revoke && table_bits & ALL_COLUMN != 0 && rel.kind == RelationKind::Table {
                let (_, avail) = acl::best_grantor(cat, &old_acl, me.oid, owner, table_bits);
                let wanted = table_bits & ALL_COLUMN;
                let all = wanted == ALL_COLUMN;
                for column in SYSTEM_COLUMNS {
                    let what = Object::Column {
                        column,
                        relation: &name,
                    };
                    restrict_and_check(s, &change, avail, all, wanted, holds_any(&old_acl), &what)?;
                }
            }
            for (col, &wanted) in columns.iter_mut().zip(&per_column) {
                if wanted == 0 {
                    continue;
                }
                let old_col = col.acl.clone().unwrap_or_default();
                // PostgreSQL picks the grantor from table and column ACL together.
                let merged: Vec<AclItem> = old_acl.iter().chain(&old_col).cloned().collect();
                let (grantor, avail) = acl::best_grantor(cat, &merged, me.oid, owner, wanted);
                let holds_any = holds_any(&merged);
                let what = Object::Column {
                    column: &col.name,
                    relation: &name,
                };
                let all = wanted == ALL_COLUMN;
                let bits = restrict_and_check(s, &change, avail, all, wanted, holds_any, &what)?;
                let mut cacl = old_col;
                merge(cat, owner, &mut cacl, &change, bits, grantor)?;
                col.acl = if cacl.is_empty() { None } else { Some(cacl) };
            }
            let mut system_acl = rel.system_column_acl.clone();
            // A table-wide REVOKE of column privileges takes them off the
            // system columns too (its warnings were given above).
            if revoke && table_bits & ALL_COLUMN != 0 {
                let (grantor, avail) =
                    acl::best_grantor(cat, &old_acl, me.oid, owner, table_bits & ALL_COLUMN);
                for (_, cacl) in system_acl.iter_mut() {
                    merge(cat, owner, cacl, &change, avail & table_bits, grantor)?;
                }
            }
            for (column, wanted) in system_wanted {
                let slot = match system_acl.iter().position(|(c, _)| c == column) {
                    Some(i) => i,
                    None => {
                        system_acl.push((column.to_string(), vec![]));
                        system_acl.len() - 1
                    }
                };
                let old_col = system_acl[slot].1.clone();
                let merged: Vec<AclItem> = old_acl.iter().chain(&old_col).cloned().collect();
                let (grantor, avail) = acl::best_grantor(cat, &merged, me.oid, owner, wanted);
                let holds_any = holds_any(&merged);
                let what = Object::Column {
                    column,
                    relation: &name,
                };
                let all = wanted == ALL_COLUMN;
                let bits = restrict_and_check(s, &change, avail, all, wanted, holds_any, &what)?;
                let mut cacl = old_col;
                merge(cat, owner, &mut cacl, &change, bits, grantor)?;
                system_acl[slot].1 = cacl;
            }
            system_acl.retain(|(_, a)| !a.is_empty());
            let r = cat
                .relations
                .get_mut(oid)
                .ok_or_else(|| PgError::internal("relation vanished"))?;
            if object_level {
                r.acl = Some(new_acl);
            }
            r.columns = columns;
            r.system_column_acl = system_acl;
        }
        Target::Sequence(oid) => {
            if let Some(q) = cat.sequences.get_mut(oid) {
                q.acl = Some(new_acl);
            }
        }
        Target::Schema(n) => {
            if let Some(sc) = cat.schemas.get_mut(n) {
                sc.acl = Some(new_acl);
            }
        }
        Target::Database(n) => {
            let current = cat.database;
            if let Some(d) = cat.databases.get_mut(n) {
                if d.oid == current {
                    cat.database_acl = Some(new_acl);
                } else {
                    d.acl = Some(new_acl);
                }
            }
        }
        Target::Function(oid) => {
            if let Some(f) = cat.functions.get_mut(oid) {
                f.acl = Some(new_acl);
            }
        }
        Target::Language(name) => {
            cat.language_acls.insert(name.to_string(), new_acl);
        }
        Target::Type(oid) => {
            if let Some(d) = cat.domains.get_mut(oid) {
                d.acl = Some(new_acl);
            }
        }
    }
    Ok(())
}

/// The domain a `GRANT … ON TYPE|DOMAIN name` names, with PostgreSQL's
/// errors for array types, non-domains after `ON DOMAIN`, and built-in
/// types (whose ACL Rampart keeps fixed: partial).
fn type_target(
    cat: &Catalog,
    n: &ast::ObjectName,
    search_path: &[String],
    only_domains: bool,
) -> PgResult<u32> {
    let (schema, name) = split_name(n)?;
    if let Some(d) = cat.resolve_domain(schema.as_deref(), &name, search_path) {
        return Ok(d.oid);
    }
    let element = name.strip_prefix('_').unwrap_or(&name);
    let is_array = name.starts_with('_')
        && (cat
            .resolve_domain(schema.as_deref(), element, search_path)
            .is_some()
            || crate::bind::types::convert_type_name(element).is_ok());
    if is_array || name.ends_with("[]") {
        return Err(PgError::new(
            SqlState::INVALID_GRANT_OPERATION,
            "cannot set privileges of array types",
        )
        .with_hint("Set the privileges of the element type instead."));
    }
    match crate::bind::types::convert_type_name(&display_name(n)) {
        Ok(_) if only_domains => Err(PgError::new(
            SqlState::WRONG_OBJECT_TYPE,
            format!("\"{}\" is not a domain", display_name(n)),
        )),
        Ok(_) => Err(PgError::unsupported(
            "privileges of built-in types cannot be changed yet",
        )),
        Err(_) => Err(PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("type \"{}\" does not exist", display_name(n)),
        )),
    }
}

/// The parts of a GRANT/REVOKE that are the same for every object it names.
struct Change<'a> {
    revoke: bool,
    grant_option: bool,
    cascade: bool,
    grantees: &'a [u32],
}

/// What a GRANT/REVOKE step works on, for its errors and warnings.
enum Object<'a> {
    /// A whole object: `table orders`, `schema s`, ...
    Whole { kind_word: &'a str, name: &'a str },
    /// One column of a table or view.
    Column { column: &'a str, relation: &'a str },
}

/// PostgreSQL's restrict_and_check_grant: refuses the statement when the
/// user holds no privilege at all on the object (`holds_any`), otherwise
/// narrows `wanted` to the grant options available and warns when that
/// drops some (not for ALL) or all of them. Returns the privileges to change.
fn restrict_and_check(
    s: &mut Session,
    change: &Change,
    avail: u16,
    all_privs: bool,
    wanted: u16,
    holds_any: bool,
    what: &Object,
) -> PgResult<u16> {
    if avail == 0 && !holds_any {
        let msg = match what {
            Object::Whole { kind_word, name } => {
                format!("permission denied for {kind_word} {name}")
            }
            Object::Column { column, relation } => {
                format!("permission denied for column \"{column}\" of relation \"{relation}\"")
            }
        };
        return Err(PgError::new(SqlState::INSUFFICIENT_PRIVILEGE, msg));
    }
    let bits = wanted & avail;
    let subject = match what {
        Object::Whole { name, .. } => format!("\"{name}\""),
        Object::Column { column, relation } => {
            format!("column \"{column}\" of relation \"{relation}\"")
        }
    };
    let (verb_none, verb_some) = if change.revoke {
        (
            "no privileges could be revoked",
            "not all privileges could be revoked",
        )
    } else {
        (
            "no privileges were granted",
            "not all privileges were granted",
        )
    };
    if bits == 0 {
        warn(s, change.revoke, format!("{verb_none} for {subject}"));
    } else if !all_privs && bits != wanted {
        warn(s, change.revoke, format!("{verb_some} for {subject}"));
    }
    Ok(bits)
}

/// PostgreSQL's merge_acl_with_grant: applies the change of `bits` from
/// `grantor` to every grantee of `change`, refusing grant options for PUBLIC
/// (even when nothing is left to grant, as PostgreSQL).
fn merge(
    cat: &Catalog,
    owner: u32,
    acl_items: &mut Vec<AclItem>,
    change: &Change,
    bits: u16,
    grantor: u32,
) -> PgResult<()> {
    for &g in change.grantees {
        if !change.revoke && change.grant_option && g == 0 {
            return Err(PgError::new(
                SqlState("0LP01"),
                "grant options can only be granted to roles",
            ));
        }
        if bits == 0 {
            continue;
        }
        if change.revoke {
            acl::revoke(
                cat,
                owner,
                acl_items,
                g,
                grantor,
                bits,
                change.grant_option,
                change.cascade,
            )
            .map_err(|_| dependent())?;
        } else {
            if change.grant_option {
                acl::check_circularity(cat, acl_items, g, grantor, bits, owner)
                    .map_err(|_| circular())?;
            }
            acl::grant(acl_items, g, grantor, bits, change.grant_option);
        }
    }
    Ok(())
}

fn circular() -> PgError {
    PgError::new(
        SqlState("0LP01"),
        "grant options cannot be granted back to your own grantor",
    )
}

fn dependent() -> PgError {
    PgError::new(
        SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
        "dependent privileges exist",
    )
    .with_hint("Use CASCADE to revoke them too.")
}

/// A GRANT (01007 privilege_not_granted) or REVOKE (01006 privilege_not_revoked) warning.
fn warn(s: &mut Session, revoke: bool, msg: String) {
    let code = if revoke { "01006" } else { "01007" };
    let mut w = PgError::new(SqlState(code), msg);
    w.severity = "WARNING";
    s.state.notices.push(w);
}

/// Parses a privilege-list argument of has_*_privilege (`'SELECT, UPDATE WITH GRANT OPTION'`).
fn parse_modes(text: &str, allowed: &[(&str, Privilege)]) -> PgResult<Vec<(Privilege, bool)>> {
    let mut out = Vec::new();
    for part in text.split(',') {
        let p = part.trim().to_ascii_lowercase();
        let (base, grant) = match p.strip_suffix("with grant option") {
            Some(b) => (b.trim().to_string(), true),
            None => (p.clone(), false),
        };
        // PostgreSQL still accepts the table privilege RULE (gone since
        // 8.2): it is never held, by superusers neither.
        if base == "rule" && allowed.iter().any(|(n, _)| *n == "trigger") {
            continue;
        }
        let privilege = allowed
            .iter()
            .find(|(n, _)| *n == base)
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("unrecognized privilege type: \"{}\"", part.trim()),
                )
            })?;
        out.push((privilege, grant));
    }
    Ok(out)
}

/// has_table/column_privilege on a system catalog or view: superusers hold
/// everything; others SELECT only, through PUBLIC, except on the
/// superuser-only catalogs (pg_authid, pg_shadow) and the views granted to
/// a predefined role only (pg_read_all_stats), as PostgreSQL's grants.
fn system_view_privilege(
    cat: &Catalog,
    view: &crate::sysview::SysView,
    who: &Principal,
    kind: &str,
    args: &[String],
    table_privs: &[(&str, Privilege)],
) -> PgResult<bool> {
    let modes_arg = if kind == "column" {
        let col = &args[1];
        if !view.columns.iter().any(|(n, _)| n == col) {
            return Err(PgError::new(
                SqlState::UNDEFINED_COLUMN,
                format!(
                    "column \"{col}\" of relation \"{}\" does not exist",
                    view.name
                ),
            ));
        }
        &args[2]
    } else {
        &args[1]
    };
    let allowed: &[(&str, Privilege)] = if kind == "table" {
        table_privs
    } else {
        &[
            ("select", Privilege::Select),
            ("insert", Privilege::Insert),
            ("update", Privilege::Update),
            ("references", Privilege::References),
        ]
    };
    let modes = parse_modes(modes_arg, allowed)?;
    if modes.is_empty() {
        return Ok(false);
    }
    let select = modes
        .iter()
        .any(|(p, grant)| *p == Privilege::Select && !grant);
    let readable = !view.superuser_only
        || rampart_catalog::system_view_reader(view.oid)
            .is_some_and(|reader| rampart_security::roles::has_privs_of(cat, who.role_oid, reader));
    Ok(who.superuser || (readable && select))
}

/// The relation a name written as text denotes (`'s.t'`, resolved on the
/// search path), with PostgreSQL's errors for a bad or unknown name.
pub(crate) fn relation_named<'a>(
    cat: &'a Catalog,
    search_path: &[String],
    text: &str,
) -> PgResult<&'a rampart_catalog::Relation> {
    let name = crate::parser::parse_relation_name(text)
        .ok_or_else(|| PgError::invalid_input("regclass", text))?;
    Binder::new(cat, search_path.to_vec(), vec![]).resolve_relation(&name)
}

/// The `pg_type` OID of a type written as text (a name, or an OID in
/// digits), a domain or a built-in type.
fn type_named(cat: &Catalog, search_path: &[String], text: &str) -> PgResult<u32> {
    if let Ok(oid) = text.parse::<u32>() {
        return Ok(oid);
    }
    let parsed = crate::bind::types::parse_type_name(text)?;
    match crate::domain::resolve(cat, search_path, &parsed) {
        Ok((_, Some(domain))) => Ok(domain),
        Ok((ty, None)) => Ok(ty.oid()),
        Err(_) => Err(PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("type \"{text}\" does not exist"),
        )),
    }
}

pub(crate) fn principal_for(cat: &Catalog, user: &str) -> PgResult<Principal> {
    let r = crate::roles::role_by_name(cat, user)?;
    Ok(Principal {
        role_oid: r.oid,
        role_name: r.name.clone(),
        superuser: r.superuser,
    })
}

/// `has_{table,column,schema,sequence,database}_privilege`; `args` excludes the optional user.
pub fn has_privilege(
    cat: &Catalog,
    search_path: &[String],
    kind: &str,
    user: &str,
    args: &[String],
) -> PgResult<bool> {
    use Privilege as P;
    // "public" asks what PUBLIC holds (PostgreSQL's get_role_oid_or_public).
    let who = if user == "public" {
        Principal {
            role_oid: 0,
            role_name: "public".into(),
            superuser: false,
        }
    } else {
        principal_for(cat, user)?
    };
    let table_privs: &[(&str, Privilege)] = &[
        ("select", P::Select),
        ("insert", P::Insert),
        ("update", P::Update),
        ("delete", P::Delete),
        ("truncate", P::Truncate),
        ("references", P::References),
        ("trigger", P::Trigger),
    ];
    let (object, modes, columns): (ObjectRef, Vec<(Privilege, bool)>, Vec<String>) = match kind {
        "table" | "column" | "any_column" if args[0].parse::<u32>().is_ok() => {
            // A regclass OID instead of a name.
            let oid: u32 = args[0].parse().unwrap_or(0);
            if let Some(view) =
                crate::sysview::by_oid(oid).filter(|_| cat.relation_by_oid(oid).is_none())
            {
                return system_view_privilege(cat, view, &who, kind, args, table_privs);
            }
            let rel = cat.relation_by_oid(oid).ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_TABLE,
                    format!("relation with OID {oid} does not exist"),
                )
            })?;
            let mut named = args.to_vec();
            named[0] = format!(
                "{}.{}",
                crate::functions::quote_ident(
                    &cat.schema_by_oid(rel.schema)
                        .map(|s| s.name.clone())
                        .unwrap_or_default()
                ),
                crate::functions::quote_ident(&rel.name)
            );
            return has_privilege(cat, search_path, kind, user, &named);
        }
        "table" | "column" | "any_column" => {
            let name = crate::parser::parse_relation_name(&args[0])
                .ok_or_else(|| PgError::invalid_input("regclass", &args[0]))?;
            let mut b = Binder::new(cat, search_path.to_vec(), vec![]);
            let rel = match b.resolve_relation(&name) {
                Ok(rel) => rel,
                Err(e) => {
                    let (schema, rel_name) = split_name(&name)?;
                    let view = match schema.as_deref() {
                        None | Some("pg_catalog") => crate::sysview::lookup(&rel_name),
                        Some("information_schema") => {
                            crate::sysview::lookup_information_schema(&rel_name)
                        }
                        _ => None,
                    };
                    return match view {
                        Some(v) => system_view_privilege(cat, v, &who, kind, args, table_privs),
                        None => Err(e),
                    };
                }
            };
            if kind == "column" {
                let col = args[1].clone();
                if rel.column_index(&col).is_none() {
                    return Err(PgError::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{col}\" of relation \"{}\" does not exist",
                            rel.name
                        ),
                    ));
                }
                let allowed: &[(&str, Privilege)] = &[
                    ("select", P::Select),
                    ("insert", P::Insert),
                    ("update", P::Update),
                    ("references", P::References),
                ];
                (
                    ObjectRef::Relation(rel.oid),
                    parse_modes(&args[2], allowed)?,
                    vec![col],
                )
            } else if kind == "any_column" {
                let allowed: &[(&str, Privilege)] = &[
                    ("select", P::Select),
                    ("insert", P::Insert),
                    ("update", P::Update),
                    ("references", P::References),
                ];
                // Every column is a candidate: any one of them with the privilege is enough.
                (
                    ObjectRef::Relation(rel.oid),
                    parse_modes(&args[1], allowed)?,
                    rel.columns.iter().map(|c| c.name.clone()).collect(),
                )
            } else {
                (
                    ObjectRef::Relation(rel.oid),
                    parse_modes(&args[1], table_privs)?,
                    vec![],
                )
            }
        }
        "schema" => {
            let sc = cat.schema(&args[0]).ok_or_else(|| {
                PgError::new(
                    SqlState::INVALID_SCHEMA_NAME,
                    format!("schema \"{}\" does not exist", args[0]),
                )
            })?;
            (
                ObjectRef::Schema(sc.oid),
                parse_modes(&args[1], &[("usage", P::Usage), ("create", P::Create)])?,
                vec![],
            )
        }
        "sequence" => {
            let q = crate::sequence::resolve(cat, &args[0], search_path).map_err(|e| {
                let mut b = Binder::new(cat, search_path.to_vec(), vec![]);
                let is_relation = crate::parser::parse_relation_name(&args[0])
                    .is_some_and(|n| b.resolve_relation(&n).is_ok());
                if is_relation {
                    PgError::new(
                        SqlState::WRONG_OBJECT_TYPE,
                        format!("\"{}\" is not a sequence", args[0]),
                    )
                } else {
                    e
                }
            })?;
            (
                ObjectRef::Sequence(q.oid),
                parse_modes(
                    &args[1],
                    &[
                        ("usage", P::Usage),
                        ("select", P::Select),
                        ("update", P::Update),
                    ],
                )?,
                vec![],
            )
        }
        "function" => {
            let f = crate::func::describe::regprocedure(cat, search_path, &args[0])?;
            (
                ObjectRef::Function(f.oid),
                parse_modes(&args[1], &[("execute", P::Execute)])?,
                vec![],
            )
        }
        "type" => (
            ObjectRef::Type(type_named(cat, search_path, &args[0])?),
            parse_modes(&args[1], &[("usage", P::Usage)])?,
            vec![],
        ),
        "database" => {
            let Some(d) = cat.databases.get(&args[0]) else {
                return Err(PgError::new(
                    SqlState("3D000"),
                    format!("database \"{}\" does not exist", args[0]),
                ));
            };
            if d.oid != cat.database {
                // Another database: evaluate against its own ACL and owner.
                let mut other = cat.clone();
                other.database = d.oid;
                other.database_acl = d.acl.clone();
                return has_privilege(&other, search_path, kind, user, args);
            }
            (
                ObjectRef::Database,
                parse_modes(
                    &args[1],
                    &[
                        ("create", P::Create),
                        ("connect", P::Connect),
                        ("temporary", P::Temporary),
                        ("temp", P::Temporary),
                    ],
                )?,
                vec![],
            )
        }
        _ => return Err(PgError::internal("unknown privilege function")),
    };
    if kind == "any_column" {
        for (p, with_grant) in modes {
            for c in &columns {
                let need = Need {
                    object: object.clone(),
                    privilege: p,
                    columns: vec![c.clone()],
                    as_role: None,
                    position: None,
                };
                let ok = if with_grant {
                    grant_option_held(cat, &who, &need)
                } else {
                    rampart_security::allowed(&need, &who, cat)
                };
                if ok {
                    return Ok(true);
                }
            }
        }
        return Ok(false);
    }
    for (p, with_grant) in modes {
        let need = Need {
            object: object.clone(),
            privilege: p,
            columns: columns.clone(),
            as_role: None,
            position: None,
        };
        if with_grant {
            if grant_option_held(cat, &who, &need) {
                return Ok(true);
            }
        } else if kind == "table" {
            if let ObjectRef::Relation(oid) = object {
                if rampart_security::allowed_on_table(oid, p, &who, cat) {
                    return Ok(true);
                }
            }
        } else if rampart_security::allowed(&need, &who, cat) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn grant_option_held(cat: &Catalog, who: &Principal, need: &Need) -> bool {
    if who.superuser {
        return true;
    }
    let bit = acl::bit(need.privilege);
    let roles = graph::effective_roles(cat, who.role_oid);
    let (acl_opt, kind, owner) = match &need.object {
        ObjectRef::Relation(oid) => match cat.relation_by_oid(*oid) {
            Some(r) => (r.acl.clone(), AclKind::Relation, r.owner),
            None => return false,
        },
        ObjectRef::Schema(oid) => match cat.schema_by_oid(*oid) {
            Some(s) => (s.acl.clone(), AclKind::Schema, s.owner),
            None => return false,
        },
        ObjectRef::Sequence(oid) => match cat.sequences.get(oid) {
            Some(q) => (q.acl.clone(), AclKind::Sequence, q.owner),
            None => return false,
        },
        ObjectRef::Database => (
            cat.database_acl.clone(),
            AclKind::Database,
            cat.current_database()
                .map(|d| d.owner)
                .unwrap_or(rampart_catalog::BOOTSTRAP_SUPERUSER_OID),
        ),
        ObjectRef::Function(oid) => match cat.functions.get(oid) {
            Some(f) => (f.acl.clone(), AclKind::Function, f.owner),
            None => return false,
        },
        ObjectRef::Language(oid) => match rampart_catalog::language_name(*oid) {
            Some(name) => (
                cat.language_acls.get(name).cloned(),
                AclKind::Language,
                rampart_catalog::BOOTSTRAP_SUPERUSER_OID,
            ),
            None => return false,
        },
        ObjectRef::Type(oid) => match cat.domains.get(oid) {
            Some(d) => (d.acl.clone(), AclKind::Type, d.owner),
            None => return false,
        },
    };
    // The owner (and whoever has its privileges) holds every grant option.
    graph::has_privs_of(cat, who.role_oid, owner)
        || acl::grant_option_mask(&acl::effective(&acl_opt, kind, owner), &roles) & bit != 0
}

/// Whether `user` may read every setting (superuser, or the privileges of
/// pg_read_all_settings): see [`crate::guc::read_restricted`].
pub fn may_read_all_settings(cat: &Catalog, user: &str) -> bool {
    let Some(me) = cat.role(user) else {
        return false;
    };
    me.superuser
        || cat
            .role("pg_read_all_settings")
            .is_some_and(|r| rampart_security::roles::has_privs_of(cat, me.oid, r.oid))
}
