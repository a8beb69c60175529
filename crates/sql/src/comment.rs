//! COMMENT ON TABLE / VIEW / INDEX / SEQUENCE / COLUMN / SCHEMA: stored in
//! the database's catalog ([`rampart_catalog::Description`]), shown by
//! `pg_description`, `obj_description`, `col_description` and psql's `+`
//! listings. COMMENT ON ROLE / DATABASE: stored in the shared record,
//! shown by `pg_shdescription` and `shobj_description` (`\du+`, `\l+`). Only the object's owner (or a member of the owning role, or a
//! superuser) may comment, as in PostgreSQL.

use sqlparser::ast::{CommentObject, ObjectName};

use rampart_catalog::{Catalog, PG_CLASS_OID, PG_NAMESPACE_OID};
use rampart_types::{PgError, PgResult, SqlState};

use crate::bind::ident;
use crate::ddl::with_catalog_mut;
use crate::session::{QueryResult, Session};

/// Runs `COMMENT ON kind name IS 'text' | NULL`.
pub fn run(
    s: &mut Session,
    kind: &CommentObject,
    name: &ObjectName,
    text: Option<String>,
) -> PgResult<QueryResult> {
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident())
        .map(ident)
        .collect();
    if matches!(kind, CommentObject::Role | CommentObject::User) {
        // A role's name, never a keyword such as CURRENT_USER.
        if let [part] = name.0.as_slice() {
            if let Some(i) = part.as_ident() {
                crate::roles::role_name_not_keyword(s, i)?;
            }
        }
    }
    if matches!(
        kind,
        CommentObject::Role | CommentObject::User | CommentObject::Database
    ) {
        return comment_shared(s, kind, &parts.join("."), text);
    }
    let search_path = s.state.search_path();
    with_catalog_mut(s, |cat, _txn, s| {
        let (classoid, objoid, subid, owner, noun, label) =
            target(cat, kind, &parts, &search_path)?;
        crate::ddl::check_owner(cat, s, owner, noun, &label)?;
        cat.set_description(classoid, objoid, subid, text);
        Ok(())
    })?;
    Ok(QueryResult::Command {
        tag: "COMMENT".into(),
    })
}

/// COMMENT ON ROLE / DATABASE: kept in the shared catalog record. Roles are
/// "owned" by CREATEROLE holders (superuser roles by superusers), databases
/// by their owner; a missing database is only a WARNING, as in PostgreSQL
/// (so restoring a dump into a differently named database works).
fn comment_shared(
    s: &mut Session,
    kind: &CommentObject,
    name: &str,
    text: Option<String>,
) -> PgResult<QueryResult> {
    let database = matches!(kind, CommentObject::Database);
    let done = QueryResult::Command {
        tag: "COMMENT".into(),
    };
    if database && !s.catalog()?.databases.contains_key(name) {
        let mut w = PgError::new(
            SqlState("3D000"),
            format!("database \"{name}\" does not exist"),
        );
        w.severity = "WARNING";
        s.state.notices.push(w);
        return Ok(done);
    }
    with_catalog_mut(s, |cat, _txn, s| {
        let me = cat
            .role(&s.state.current_user())
            .cloned()
            .ok_or_else(|| PgError::internal("current role vanished"))?;
        let (classoid, oid) = if database {
            let db = cat.databases.get(name).cloned().ok_or_else(|| {
                PgError::new(
                    SqlState("3D000"),
                    format!("database \"{name}\" does not exist"),
                )
            })?;
            crate::ddl::check_owner(cat, s, db.owner, "database", name)?;
            (rampart_catalog::PG_DATABASE_OID, db.oid)
        } else {
            let role = cat.role(name).cloned().ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("role \"{name}\" does not exist"),
                )
            })?;
            let denied = |m: &str| PgError::new(SqlState::INSUFFICIENT_PRIVILEGE, m.to_string());
            if role.superuser && !me.superuser {
                return Err(denied("must be superuser"));
            }
            if !me.superuser && !me.createrole {
                return Err(denied("must have CREATEROLE privilege"));
            }
            (rampart_catalog::PG_AUTHID_OID, role.oid)
        };
        cat.set_shared_description(classoid, oid, text);
        Ok(())
    })?;
    Ok(done)
}

/// What a comment attaches to: (classoid, objoid, objsubid, owner, noun of
/// the ownership error, name in it).
type Target = (u32, u32, i32, u32, &'static str, String);

fn target(
    cat: &Catalog,
    kind: &CommentObject,
    parts: &[String],
    search_path: &[String],
) -> PgResult<Target> {
    let split = |parts: &[String]| -> PgResult<(Option<String>, String)> {
        match parts {
            [n] => Ok((None, n.clone())),
            [sch, n] => Ok((Some(sch.clone()), n.clone())),
            _ => Err(PgError::syntax(format!(
                "improper qualified name (too many dotted names): {}",
                parts.join(".")
            ))),
        }
    };
    let schemas = |schema: &Option<String>| -> PgResult<Vec<u32>> {
        match schema {
            Some(n) => cat.schema(n).map(|s| vec![s.oid]).ok_or_else(|| {
                PgError::new(
                    SqlState::INVALID_SCHEMA_NAME,
                    format!("schema \"{n}\" does not exist"),
                )
            }),
            None => Ok(search_path
                .iter()
                .filter_map(|n| cat.schema(n).map(|s| s.oid))
                .collect()),
        }
    };
    let missing = |n: &str| {
        PgError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{n}\" does not exist"),
        )
    };
    match kind {
        CommentObject::Schema => {
            let n = parts.join(".");
            let sch = cat.schema(&n).ok_or_else(|| {
                PgError::new(
                    SqlState::INVALID_SCHEMA_NAME,
                    format!("schema \"{n}\" does not exist"),
                )
            })?;
            Ok((PG_NAMESPACE_OID, sch.oid, 0, sch.owner, "schema", n))
        }
        CommentObject::Table | CommentObject::View => {
            let (schema, n) = split(parts)?;
            let rel = cat
                .resolve_relation(schema.as_deref(), &n, search_path)
                .ok_or_else(|| missing(&n))?;
            let is_view = matches!(rel.kind, rampart_catalog::RelationKind::View { .. });
            let want_view = matches!(kind, CommentObject::View);
            if is_view != want_view {
                return Err(PgError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    format!(
                        "\"{n}\" is not a {}",
                        if want_view { "view" } else { "table" }
                    ),
                ));
            }
            let noun = if is_view { "view" } else { "table" };
            Ok((PG_CLASS_OID, rel.oid, 0, rel.owner, noun, rel.name.clone()))
        }
        CommentObject::Index => {
            let (schema, n) = split(parts)?;
            for sch in schemas(&schema)? {
                for rel in cat.relations.values().filter(|r| r.schema == sch) {
                    if let Some(idx) = rel.indexes.iter().find(|i| i.name == n) {
                        return Ok((PG_CLASS_OID, idx.oid, 0, rel.owner, "index", n));
                    }
                }
            }
            Err(missing(&n))
        }
        CommentObject::Sequence => {
            let (schema, n) = split(parts)?;
            for sch in schemas(&schema)? {
                if let Some(seq) = cat
                    .sequences
                    .values()
                    .find(|q| q.schema == sch && q.name == n)
                {
                    return Ok((PG_CLASS_OID, seq.oid, 0, seq.owner, "sequence", n));
                }
            }
            Err(missing(&n))
        }
        CommentObject::Column => {
            let (rel_parts, column) = match parts {
                [] | [_] => return Err(PgError::syntax("column name must be qualified")),
                [rest @ .., c] => (rest, c.clone()),
            };
            let (schema, n) = split(rel_parts)?;
            let rel = cat
                .resolve_relation(schema.as_deref(), &n, search_path)
                .ok_or_else(|| missing(&n))?;
            let attnum = rel.column_index(&column).ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{column}\" of relation \"{n}\" does not exist"),
                )
            })?;
            Ok((
                PG_CLASS_OID,
                rel.oid,
                attnum as i32 + 1,
                rel.owner,
                "relation",
                rel.name.clone(),
            ))
        }
        other => Err(PgError::unsupported(format!(
            "COMMENT ON {other} is not supported yet"
        ))),
    }
}
