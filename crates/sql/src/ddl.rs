//! DDL: CREATE/DROP/ALTER of schemas, tables, indexes, views and sequences,
//! and TRUNCATE. The catalog is changed inside the session's transaction.

use sqlparser::ast::{self, ColumnOption, ObjectType, TableConstraint};

use rampart_catalog::{Catalog, Check, Column, Index, Relation, RelationKind, Schema, Sequence};
use rampart_security::{Need, ObjectRef, Privilege};
use rampart_storage::Transaction;
use rampart_types::{DataType, PgError, PgResult, SqlState};

use crate::bind::{ident, split_name, Binder};
use crate::exec::table::{self, storage_err};
use crate::keys;
use crate::session::{QueryResult, Session};

/// A change applied to every stored row of a table (ALTER TABLE ADD COLUMN).
type RowRewrite = Box<dyn Fn(&mut Vec<rampart_types::Value>)>;

pub(crate) fn cmd(tag: &str) -> PgResult<QueryResult> {
    Ok(QueryResult::Command {
        tag: tag.to_string(),
    })
}

/// Runs `f` on a private copy of the latest catalog, under the catalog lock, and stores it.
pub fn with_catalog_mut<T>(
    s: &mut Session,
    f: impl FnOnce(&mut Catalog, &mut Transaction, &mut Session) -> PgResult<T>,
) -> PgResult<T> {
    let engine = s.engine().clone();
    let db = s.state.database_oid;
    let before = {
        let txn = s.txn_mut()?;
        engine.lock_catalog(txn, db)?;
        // DDL works on the newest committed catalog, as in PostgreSQL: under
        // READ COMMITTED a fresh snapshot after the lock sees every change
        // committed before it (and the cached catalog usually matches it);
        // REPEATABLE READ keeps its snapshot for data, so the catalog is
        // read as of now.
        if txn.isolation() == rampart_storage::IsolationLevel::ReadCommitted {
            txn.refresh_snapshot();
            engine.load_catalog(txn, db)?
        } else {
            std::sync::Arc::new(engine.read_catalog(txn, db, true)?)
        }
    };
    let mut cat = (*before).clone();
    // The closure needs the session (notices, identity) and the transaction; take the
    // transaction out for the call and put it back whatever happens.
    let mut txn = s.take_txn()?;
    let r = f(&mut cat, &mut txn, s);
    let r = r.and_then(|v| {
        cat.version = engine.new_catalog_version(cat.version);
        let stored = engine.store_catalog(&mut txn, &before, cat)?;
        engine.remember_stored_catalog(stored);
        Ok(v)
    });
    s.put_txn(txn);
    r
}

/// The schemas a possibly qualified name is looked up in: the named one
/// (none when it does not exist), else those of search_path.
pub(crate) fn searched_schemas(cat: &Catalog, s: &Session, schema: Option<&str>) -> Vec<u32> {
    match schema {
        Some(n) => cat.schema(n).map(|s| vec![s.oid]).unwrap_or_default(),
        None => s
            .state
            .search_path()
            .iter()
            .filter_map(|n| cat.schema(n))
            .map(|s| s.oid)
            .collect(),
    }
}

/// Removes a sequence: its catalog entry, its stored value and the engine's cached values.
pub(crate) fn remove_sequence(
    cat: &mut Catalog,
    txn: &mut Transaction,
    s: &Session,
    oid: u32,
) -> PgResult<()> {
    cat.sequences.remove(&oid);
    txn.delete(&keys::sequence_key(oid)).map_err(storage_err)?;
    s.engine().sequences.forget(oid);
    Ok(())
}

/// The table holding the index `name` among the `search` schemas, and its position there.
pub(crate) fn find_index(cat: &Catalog, search: &[u32], name: &str) -> Option<(u32, usize)> {
    cat.relations.values().find_map(|r| {
        if !search.contains(&r.schema) {
            return None;
        }
        r.indexes
            .iter()
            .position(|i| i.name == name)
            .map(|p| (r.oid, p))
    })
}

pub(crate) fn owner_oid(cat: &Catalog, s: &Session) -> u32 {
    cat.role(&s.state.current_user())
        .map(|r| r.oid)
        .unwrap_or(rampart_catalog::BOOTSTRAP_SUPERUSER_OID)
}

/// The schema a new object goes to: explicit, or the first existing one in search_path.
pub(crate) fn creation_schema(
    cat: &Catalog,
    s: &Session,
    schema: Option<String>,
) -> PgResult<Schema> {
    match schema {
        Some(n) => cat.schema(&n).cloned().ok_or_else(|| {
            PgError::new(
                SqlState::INVALID_SCHEMA_NAME,
                format!("schema \"{n}\" does not exist"),
            )
        }),
        None => s
            .state
            .search_path()
            .iter()
            .find_map(|n| cat.schema(n).cloned())
            .ok_or_else(|| {
                PgError::new(
                    SqlState::INVALID_SCHEMA_NAME,
                    "no schema has been selected to create in",
                )
            }),
    }
}

/// CREATE on the schema a new object goes to; a denial points at the object's name.
pub(crate) fn check_create(
    s: &Session,
    cat: &Catalog,
    schema: &Schema,
    name: &ast::ObjectName,
) -> PgResult<()> {
    let position = name.0.first().and_then(|p| p.as_ident()).and_then(|id| {
        Binder::new(cat, vec![], vec![])
            .with_source(&s.current_sql)
            .position(id.span)
    });
    let need = Need {
        object: ObjectRef::Schema(schema.oid),
        privilege: Privilege::Create,
        columns: vec![],
        as_role: None,
        position,
    };
    s.authorize((), &[need], cat).map(|_| ())
}

fn relation_exists(cat: &Catalog, schema: u32, name: &str) -> bool {
    cat.relation(schema, name).is_some()
        || cat
            .sequences
            .values()
            .any(|q| q.schema == schema && q.name == name)
        || cat.relations.index_owner(schema, name).is_some()
}

/// CREATE TABLE.
pub fn create_table(s: &mut Session, ct: &ast::CreateTable) -> PgResult<QueryResult> {
    if let Some(q) = &ct.query {
        return create_table_as(s, ct, q);
    }
    let (schema_name, name) = split_name(&ct.name)?;
    with_catalog_mut(s, |cat, _txn, s| {
        let schema = creation_schema(cat, s, schema_name)?;
        check_create(s, cat, &schema, &ct.name)?;
        if relation_exists(cat, schema.oid, &name) {
            if ct.if_not_exists {
                s.state
                    .notice(format!("relation \"{name}\" already exists, skipping"));
                return cmd("CREATE TABLE");
            }
            return Err(PgError::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{name}\" already exists"),
            ));
        }
        let owner = owner_oid(cat, s);
        let oid = cat.alloc_oid();
        let mut rel = Relation {
            oid,
            schema: schema.oid,
            name: name.clone(),
            kind: RelationKind::Table,
            columns: vec![],
            indexes: vec![],
            checks: vec![],
            foreign_keys: vec![],
            owner,
            acl: crate::default_privs::initial_acl(cat, owner, schema.oid, 'r'),
            policies: vec![],
            rls_enabled: false,
            rls_forced: false,
            inherits: vec![],
            partition_key: None,
            partition_bound: None,
            system_column_acl: vec![],
            statistics: Default::default(),
            options: vec![],
        };
        let mut pk: Option<Vec<String>> = None;
        let mut uniques: Vec<(Option<String>, Vec<String>)> = Vec::new();
        let mut pending_fks: Vec<ast::ForeignKeyConstraint> = Vec::new();
        let partition_of = ct.partition_of.as_ref().map(std::slice::from_ref);
        if let Some(parents) = partition_of.or(ct.inherits.as_deref().filter(|p| !p.is_empty())) {
            let inherited = crate::inherit::from_parents(cat, s, parents, partition_of.is_some())?;
            if partition_of.is_some() {
                let parent = cat
                    .relation_by_oid(inherited.parents[0])
                    .cloned()
                    .ok_or_else(|| PgError::internal("relation vanished"))?;
                rel.partition_bound = Some(crate::partition::bound_from(
                    cat,
                    &parent,
                    &name,
                    ct.for_values.as_ref(),
                    &s.current_sql,
                )?);
                crate::partition::copy_indexes(cat, &parent, &mut rel);
            }
            rel.inherits = inherited.parents;
            rel.columns = inherited.columns;
            for check in inherited.checks {
                rel.checks.push(Check {
                    oid: cat.alloc_oid(),
                    ..check
                });
            }
        }
        for (own_position, col) in ct.columns.iter().enumerate() {
            let cname = ident(&col.name);
            // A column of the same name from a parent takes this definition
            // (merged once; a second declaration is a duplicate).
            let merge_into = rel.column_index(&cname).filter(|p| !rel.columns[*p].local);
            if rel.column_index(&cname).is_some() && merge_into.is_none() {
                return Err(PgError::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!("column \"{cname}\" specified more than once"),
                ));
            }
            let serial = crate::bind::types::serial_type(&col.data_type);
            let (ty, domain) = match &serial {
                Some(t) => (t.clone(), None),
                None => crate::domain::resolve(cat, &s.state.search_path(), &col.data_type)?,
            };
            if let Some(d) = domain {
                crate::domain::require_usage(s, cat, d)?;
            }
            let mut column = Column::named(cname.clone(), ty.clone());
            column.domain = domain;
            let mut identity = false;
            for opt in &col.options {
                match &opt.option {
                    ColumnOption::NotNull => column.not_null = true,
                    ColumnOption::Null => {}
                    ColumnOption::Default(e) => column.default = Some(e.to_string()),
                    ColumnOption::PrimaryKey(_) => {
                        if pk.is_some() {
                            return Err(multiple_pk(&name));
                        }
                        pk = Some(vec![cname.clone()]);
                    }
                    ColumnOption::Unique(_) => {
                        uniques.push((opt.name.as_ref().map(ident), vec![cname.clone()]))
                    }
                    ColumnOption::Check(c) => {
                        let cname2 = opt
                            .name
                            .as_ref()
                            .map(ident)
                            .unwrap_or_else(|| format!("{name}_{cname}_check"));
                        rel.checks.push(Check {
                            oid: cat.alloc_oid(),
                            name: cname2,
                            expr: c.expr.to_string(),
                        });
                    }
                    ColumnOption::Collation(c) => {
                        column.collation = column_collation(&column.ty, c, &s.current_sql)?
                    }
                    ColumnOption::Generated { .. } | ColumnOption::Identity(_) => identity = true,
                    ColumnOption::ForeignKey(fk) => {
                        let mut fk = fk.clone();
                        fk.columns = vec![col.name.clone()];
                        if fk.name.is_none() {
                            fk.name = opt.name.clone();
                        }
                        pending_fks.push(fk);
                    }
                    other => {
                        return Err(PgError::unsupported(format!(
                            "column option not supported yet: {other}"
                        )))
                    }
                }
            }
            if serial.is_some() || identity {
                let seq_name = format!("{name}_{cname}_seq");
                let seq_oid = cat.alloc_oid();
                let max = match ty {
                    DataType::Int2 => i16::MAX as i64,
                    DataType::Int4 => i32::MAX as i64,
                    _ => i64::MAX,
                };
                cat.sequences.insert(
                    seq_oid,
                    Sequence {
                        oid: seq_oid,
                        schema: schema.oid,
                        name: seq_name.clone(),
                        increment: 1,
                        min: 1,
                        max,
                        start: 1,
                        cycle: false,
                        owner,
                        acl: crate::default_privs::initial_acl(cat, owner, schema.oid, 'S'),
                        owned_by: Some(oid),
                        owned_by_column: None,
                    },
                );
                // Qualified, so the default finds its sequence whatever the
                // search path; it prints unqualified where the path finds it.
                let qualified = format!(
                    "{}.{}",
                    crate::functions::quote_ident(&schema.name),
                    crate::functions::quote_ident(&seq_name)
                );
                column.default = Some(format!(
                    "nextval('{}'::regclass)",
                    qualified.replace('\'', "''")
                ));
                column.not_null = true;
            }
            match merge_into {
                Some(pos) => crate::inherit::merge_local_column(
                    s,
                    &mut rel.columns[pos],
                    column,
                    pos,
                    own_position,
                )?,
                None => rel.columns.push(column),
            }
        }
        for c in &ct.constraints {
            match c {
                TableConstraint::PrimaryKey(p) => {
                    if pk.is_some() {
                        return Err(multiple_pk(&name));
                    }
                    pk = Some(
                        p.columns
                            .iter()
                            .map(|c| ident_of_index_col(&c.column.expr))
                            .collect::<PgResult<_>>()?,
                    );
                }
                TableConstraint::Unique(u) => uniques.push((
                    u.name.as_ref().map(ident),
                    u.columns
                        .iter()
                        .map(|c| ident_of_index_col(&c.column.expr))
                        .collect::<PgResult<_>>()?,
                )),
                TableConstraint::Check(c) => {
                    let n = c
                        .name
                        .as_ref()
                        .map(ident)
                        .unwrap_or_else(|| check_name(&name, &c.expr));
                    rel.checks.push(Check {
                        oid: cat.alloc_oid(),
                        name: n,
                        expr: c.expr.to_string(),
                    });
                }
                TableConstraint::ForeignKey(fk) => pending_fks.push(fk.clone()),
                other => {
                    return Err(PgError::unsupported(format!(
                        "constraint not supported yet: {other}"
                    )))
                }
            }
        }
        if let Some(cols) = pk {
            let positions = positions(&rel, &cols)?;
            for p in &positions {
                rel.columns[*p].not_null = true;
            }
            let idx_oid = cat.alloc_oid();
            rel.indexes.push(Index {
                oid: idx_oid,
                name: format!("{name}_pkey"),
                columns: positions,
                unique: true,
                primary: true,
                constraint_oid: Some(cat.alloc_oid()),
            });
        }
        for (cname, cols) in uniques {
            let positions = positions(&rel, &cols)?;
            let idx_oid = cat.alloc_oid();
            let iname = cname.unwrap_or_else(|| format!("{name}_{}_key", cols.join("_")));
            rel.indexes.push(Index {
                oid: idx_oid,
                name: iname,
                columns: positions,
                unique: true,
                primary: false,
                constraint_oid: Some(cat.alloc_oid()),
            });
        }
        if let Some(by) = &ct.partition_by {
            rel.partition_key = Some(crate::partition::key_from(&rel, by, &s.current_sql)?);
            crate::partition::check_unique_keys(&rel)?;
        }
        // Validate DEFAULT and CHECK expressions by binding them now.
        let mut binder = Binder::new(cat, s.state.search_path(), vec![]);
        binder.bind_defaults(&rel)?;
        for fk in &pending_fks {
            let mut resolved = crate::fk::resolve_definition(cat, s, &rel, fk)?;
            resolved.oid = cat.alloc_oid();
            rel.foreign_keys.push(resolved);
        }
        cat.relations.insert(oid, rel);

        cmd("CREATE TABLE")
    })
}

/// PostgreSQL's 2BP01 for a DROP that other objects block: `object` (`table
/// t`) and one DETAIL line per dependent (`table c depends on table t`).
pub(crate) fn dependents_block_drop(object: &str, detail: &[String]) -> PgError {
    PgError::new(
        SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
        format!("cannot drop {object} because other objects depend on it"),
    )
    .with_detail(detail.join("\n"))
    .with_hint("Use DROP ... CASCADE to drop the dependent objects too.")
}

fn multiple_pk(table: &str) -> PgError {
    PgError::new(
        SqlState::INVALID_TABLE_DEFINITION,
        format!("multiple primary keys for table \"{table}\" are not allowed"),
    )
}

fn ident_of_index_col(e: &ast::Expr) -> PgResult<String> {
    match e {
        ast::Expr::Identifier(id) => Ok(ident(id)),
        other => Err(PgError::unsupported(format!(
            "expression indexes are not supported yet: {other}"
        ))),
    }
}

/// The relation a front-parsed (possibly schema-qualified) name names
/// through the search path, or PostgreSQL's 42P01.
pub(crate) fn relation_named(cat: &Catalog, s: &Session, name: &[String]) -> PgResult<Relation> {
    let (schema, rel) = match name {
        [sch, rel] => (Some(sch.as_str()), rel.as_str()),
        _ => (None, name.last().map(String::as_str).unwrap_or("")),
    };
    cat.resolve_relation(schema, rel, &s.state.search_path())
        .cloned()
        .ok_or_else(|| {
            PgError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{rel}\" does not exist"),
            )
        })
}

/// PostgreSQL's generated CHECK constraint name: `table_column_check` after
/// the first column the expression reads, else `table_check`.
pub(crate) fn check_name(table: &str, expr: &ast::Expr) -> String {
    match first_column(expr) {
        Some(col) => format!("{table}_{col}_check"),
        None => format!("{table}_check"),
    }
}

fn first_column(e: &ast::Expr) -> Option<String> {
    let mut found = None;
    let _ = ast::visit_expressions(e, |x| {
        if let ast::Expr::Identifier(id) = x {
            found = Some(ident(id));
            return std::ops::ControlFlow::Break(());
        }
        std::ops::ControlFlow::Continue(())
    });
    found
}

fn positions(rel: &Relation, cols: &[String]) -> PgResult<Vec<usize>> {
    cols.iter()
        .map(|c| {
            rel.column_index(c).ok_or_else(|| {
                PgError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{c}\" named in key does not exist"),
                )
            })
        })
        .collect()
}

/// CREATE INDEX.
pub fn create_index(s: &mut Session, ci: &ast::CreateIndex) -> PgResult<QueryResult> {
    if ci.predicate.is_some() {
        return Err(PgError::unsupported(
            "partial indexes are not supported yet",
        ));
    }
    with_catalog_mut(s, |cat, txn, s| {
        let mut binder = Binder::new(cat, s.state.search_path(), vec![]);
        let rel = binder.resolve_relation(&ci.table_name)?.clone();
        if !matches!(rel.kind, RelationKind::Table) {
            return Err(PgError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("\"{}\" is not a table", rel.name),
            ));
        }
        check_owner(cat, s, rel.owner, "table", &rel.name)?;
        let cols: Vec<String> = ci
            .columns
            .iter()
            .map(|c| ident_of_index_col(&c.column.expr))
            .collect::<PgResult<_>>()?;
        let positions = positions(&rel, &cols)?;
        let name = match &ci.name {
            Some(n) => split_name(n)?.1,
            None => format!("{}_{}_idx", rel.name, cols.join("_")),
        };
        if relation_exists(cat, rel.schema, &name) {
            if ci.if_not_exists {
                s.state
                    .notice(format!("relation \"{name}\" already exists, skipping"));
                return cmd("CREATE INDEX");
            }
            return Err(PgError::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{name}\" already exists"),
            ));
        }
        let idx = Index {
            oid: cat.alloc_oid(),
            name,
            columns: positions,
            unique: ci.unique,
            primary: false,
            constraint_oid: None,
        };
        table::build_index(txn, &rel, &idx)?;
        if let Some(r) = cat.relations.get_mut(&rel.oid) {
            r.indexes.push(idx);
        }
        cmd("CREATE INDEX")
    })
}

/// CREATE VIEW.
pub fn create_view(s: &mut Session, cv: &ast::CreateView) -> PgResult<QueryResult> {
    if cv.materialized {
        return Err(PgError::unsupported(
            "materialized views are not supported yet",
        ));
    }
    let (schema_name, name) = split_name(&cv.name)?;
    let query_text = if cv.columns.is_empty() {
        cv.query.to_string()
    } else {
        let cols: Vec<String> = cv
            .columns
            .iter()
            .map(|c| crate::functions::quote_ident(&ident(&c.name)))
            .collect();
        format!(
            "SELECT * FROM ({}) AS {}({})",
            cv.query,
            crate::functions::quote_ident(&name),
            cols.join(", ")
        )
    };
    let options = view_options(&cv.options)?;
    with_catalog_mut(s, |cat, _txn, s| {
        let schema = creation_schema(cat, s, schema_name)?;
        check_create(s, cat, &schema, &cv.name)?;
        let mut binder = Binder::new(cat, s.state.search_path(), vec![]);
        let q = crate::parser::parse_one_query(&query_text)?;
        let (_, outputs) = binder.bind_query(&q)?;
        // The output columns are recorded for pg_attribute and column
        // privileges; reading the view binds its query afresh.
        // A column read straight from a table keeps its COLLATE (partial:
        // PostgreSQL also carries collations through expressions).
        let columns: Vec<Column> = outputs
            .into_iter()
            .map(|o| Column {
                collation: o.source.and_then(|(table, attnum)| {
                    let index = usize::try_from(attnum).ok()?.checked_sub(1)?;
                    let column = cat.relation_by_oid(table)?.columns.get(index)?;
                    column.collation.clone()
                }),
                name: o.name,
                ty: if o.ty == rampart_types::DataType::Unknown {
                    rampart_types::DataType::Text
                } else {
                    o.ty
                },
                not_null: false,
                default: None,
                acl: None,
                inherited: 0,
                local: true,
                default_oid: 0,
                domain: None,
            })
            .collect();
        let owner = owner_oid(cat, s);
        if let Some(existing) = cat.relation(schema.oid, &name).cloned() {
            if cv.or_replace && matches!(existing.kind, RelationKind::View { .. }) {
                if let Some(r) = cat.relations.get_mut(&existing.oid) {
                    r.kind = RelationKind::View { query: query_text };
                    r.options = options;
                    r.columns = columns;
                }
                return cmd("CREATE VIEW");
            }
            return Err(PgError::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{name}\" already exists"),
            ));
        }
        let oid = cat.alloc_oid();
        cat.relations.insert(
            oid,
            Relation {
                oid,
                schema: schema.oid,
                name,
                kind: RelationKind::View { query: query_text },
                columns,
                indexes: vec![],
                checks: vec![],
                foreign_keys: vec![],
                owner,
                acl: crate::default_privs::initial_acl(cat, owner, schema.oid, 'r'),
                policies: vec![],
                rls_enabled: false,
                rls_forced: false,
                inherits: vec![],
                partition_key: None,
                partition_bound: None,
                system_column_acl: vec![],
                statistics: Default::default(),
                options,
            },
        );
        cmd("CREATE VIEW")
    })
}

/// `SELECT … INTO t FROM …` as the `CREATE TABLE t AS SELECT …` it means
/// (None when the query has no INTO).
pub fn select_into(q: &ast::Query) -> Option<ast::CreateTable> {
    let ast::SetExpr::Select(sel) = q.body.as_ref() else {
        return None;
    };
    let into = sel.into.as_ref()?;
    let name = match into.targets.as_slice() {
        [ast::Expr::Identifier(id)] => ast::ObjectName::from(vec![id.clone()]),
        [ast::Expr::CompoundIdentifier(ids)] => ast::ObjectName::from(ids.clone()),
        _ => return None,
    };
    let mut query = q.clone();
    if let ast::SetExpr::Select(sel) = query.body.as_mut() {
        sel.into = None;
    }
    Some(
        ast::helpers::stmt_create_table::CreateTableBuilder::new(name)
            .temporary(into.temporary)
            .query(Some(Box::new(query)))
            .build(),
    )
}

/// CREATE TABLE … AS query: a table shaped like the query's result, filled
/// with its rows (tag `SELECT n`, as PostgreSQL).
fn create_table_as(
    s: &mut Session,
    ct: &ast::CreateTable,
    q: &ast::Query,
) -> PgResult<QueryResult> {
    let catalog = s.catalog()?;
    let cols = {
        let mut b = Binder::new(&catalog, s.state.search_path(), vec![])
            .with_style(s.state.settings.style())
            .with_rls(s.rls_context(&catalog)?);
        b.bind_query(q)?.1
    };
    if ct.columns.len() > cols.len() {
        return Err(PgError::syntax("too many column names were specified"));
    }
    let defs: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = ct
                .columns
                .get(i)
                .map(|d| ident(&d.name))
                .unwrap_or_else(|| c.name.clone());
            let ty = match &c.ty {
                DataType::Unknown => DataType::Text,
                t => t.clone(),
            };
            format!(
                "{} {}",
                crate::functions::quote_ident(&name),
                ty.display_name()
            )
        })
        .collect();
    let create = format!(
        "CREATE TABLE {}{} ({})",
        if ct.if_not_exists {
            "IF NOT EXISTS "
        } else {
            ""
        },
        ct.name,
        defs.join(", ")
    );
    let stmt = crate::parser::parse_sql(&create)?
        .pop()
        .ok_or_else(|| PgError::internal("CREATE TABLE AS rewrite"))?;
    let ast::Statement::CreateTable(inner) = stmt else {
        return Err(PgError::internal("CREATE TABLE AS rewrite"));
    };
    let notices_before = s.state.notices.len();
    create_table(s, &inner)?;
    if ct.if_not_exists && s.state.notices.len() > notices_before {
        return cmd("CREATE TABLE AS");
    }
    let insert = format!("INSERT INTO {} SELECT * FROM ({q}) AS q", ct.name);
    let vars = crate::func::spi::Vars {
        names: &[],
        types: &[],
    };
    let r = <Session as crate::func::spi::Spi>::run(s, &insert, &vars, &[])?;
    cmd(&format!("SELECT {}", r.processed))
}

/// The options CREATE VIEW … WITH (…) accepts, as PostgreSQL validates them.
fn view_options(opts: &ast::CreateTableOptions) -> PgResult<Vec<(String, String)>> {
    let list = match opts {
        ast::CreateTableOptions::With(l) => l,
        ast::CreateTableOptions::None => return Ok(vec![]),
        _ => return Err(PgError::syntax("syntax error at or near \"OPTIONS\"")),
    };
    let mut out = Vec::new();
    for o in list {
        let ast::SqlOption::KeyValue { key, value } = o else {
            return Err(PgError::unsupported(format!("view option {o}")));
        };
        let name = ident(key).to_lowercase();
        let raw = value.to_string().trim_matches('\'').to_lowercase();
        let v = match name.as_str() {
            "security_barrier" | "security_invoker" => match raw.as_str() {
                "true" | "on" | "yes" | "1" => "true",
                "false" | "off" | "no" | "0" => "false",
                _ => {
                    return Err(PgError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("invalid value for boolean option \"{name}\": {raw}"),
                    ))
                }
            },
            "check_option" => match raw.as_str() {
                "local" => "local",
                "cascaded" => "cascaded",
                _ => {
                    return Err(PgError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        "invalid value for enum option \"check_option\": ".to_string() + &raw,
                    )
                    .with_detail("Valid values are \"local\" and \"cascaded\"."))
                }
            },
            _ => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("unrecognized parameter \"{name}\""),
                ))
            }
        };
        out.push((name, v.to_string()));
    }
    Ok(out)
}

/// CREATE SCHEMA.
pub fn create_schema(
    s: &mut Session,
    name: &ast::SchemaName,
    if_not_exists: bool,
) -> PgResult<QueryResult> {
    let role = |a: &ast::Ident| crate::rolespec::RoleSpec::from_ident(a).role_name(s);
    let (schema_name, auth) = match name {
        ast::SchemaName::Simple(n) => (split_name(n)?.1, None),
        ast::SchemaName::UnnamedAuthorization(a) => {
            let owner = role(a)?;
            (owner.clone(), Some(owner))
        }
        ast::SchemaName::NamedAuthorization(n, a) => (split_name(n)?.1, Some(role(a)?)),
    };
    with_catalog_mut(s, |cat, _txn, s| {
        // PostgreSQL checks the role first: it must exist, and the current
        // user must be a member of it.
        let owner = match &auth {
            Some(a) => {
                let r = crate::roles::role_by_name(cat, a)?;
                let me = crate::privileges::principal_for(cat, &s.state.current_user())?;
                if !me.superuser && !rampart_security::roles::is_member_of(cat, me.role_oid, r.oid)
                {
                    return Err(PgError::new(
                        SqlState::INSUFFICIENT_PRIVILEGE,
                        format!("must be member of role \"{}\"", r.name),
                    ));
                }
                r.oid
            }
            None => owner_oid(cat, s),
        };
        s.authorize(
            (),
            &[Need {
                object: ObjectRef::Database,
                privilege: Privilege::Create,
                columns: vec![],
                as_role: None,
                position: None,
            }],
            cat,
        )?;
        if schema_name.starts_with("pg_") {
            return Err(PgError::new(
                SqlState("42939"),
                format!("unacceptable schema name \"{schema_name}\""),
            )
            .with_detail("The prefix \"pg_\" is reserved for system schemas."));
        }
        if cat.schema(&schema_name).is_some() {
            if if_not_exists {
                s.state
                    .notice(format!("schema \"{schema_name}\" already exists, skipping"));
                return cmd("CREATE SCHEMA");
            }
            return Err(PgError::new(
                SqlState::DUPLICATE_SCHEMA,
                format!("schema \"{schema_name}\" already exists"),
            ));
        }
        let oid = cat.alloc_oid();
        cat.schemas.insert(
            schema_name.clone(),
            Schema {
                oid,
                name: schema_name,
                owner,
                acl: crate::default_privs::initial_acl(cat, owner, 0, 'n'),
            },
        );
        cmd("CREATE SCHEMA")
    })
}

/// CREATE SEQUENCE.
pub fn create_sequence(
    s: &mut Session,
    name: &ast::ObjectName,
    if_not_exists: bool,
    options: &[ast::SequenceOptions],
) -> PgResult<QueryResult> {
    let (schema_name, seq_name) = split_name(name)?;
    let num = |e: &ast::Expr| -> PgResult<i64> {
        let t = e.to_string().replace(' ', "");
        t.parse::<i64>()
            .map_err(|_| PgError::syntax(format!("syntax error at or near \"{t}\"")))
    };
    let mut seq = Sequence {
        oid: 0,
        schema: 0,
        name: seq_name.clone(),
        increment: 1,
        min: 1,
        max: i64::MAX,
        start: 1,
        cycle: false,
        owner: 0,
        acl: None,
        owned_by: None,
        owned_by_column: None,
    };
    let mut min_set = false;
    let mut max_set = false;
    let mut start_set = false;
    for o in options {
        match o {
            ast::SequenceOptions::IncrementBy(e, _) => seq.increment = num(e)?,
            ast::SequenceOptions::MinValue(Some(e)) => {
                seq.min = num(e)?;
                min_set = true;
            }
            ast::SequenceOptions::MaxValue(Some(e)) => {
                seq.max = num(e)?;
                max_set = true;
            }
            ast::SequenceOptions::StartWith(e, _) => {
                seq.start = num(e)?;
                start_set = true;
            }
            ast::SequenceOptions::Cycle(c) => seq.cycle = !*c,
            _ => {}
        }
    }
    if seq.increment == 0 {
        return Err(PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            "INCREMENT must not be zero",
        ));
    }
    if seq.increment < 0 {
        if !min_set {
            seq.min = i64::MIN;
        }
        if !max_set {
            seq.max = -1;
        }
    }
    if !start_set {
        seq.start = if seq.increment > 0 { seq.min } else { seq.max };
    }
    if seq.start < seq.min {
        return Err(PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!(
                "START value ({}) cannot be less than MINVALUE ({})",
                seq.start, seq.min
            ),
        ));
    }
    if seq.start > seq.max {
        return Err(PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!(
                "START value ({}) cannot be greater than MAXVALUE ({})",
                seq.start, seq.max
            ),
        ));
    }
    with_catalog_mut(s, |cat, _txn, s| {
        let schema = creation_schema(cat, s, schema_name)?;
        check_create(s, cat, &schema, name)?;
        if relation_exists(cat, schema.oid, &seq_name) {
            if if_not_exists {
                s.state
                    .notice(format!("relation \"{seq_name}\" already exists, skipping"));
                return cmd("CREATE SEQUENCE");
            }
            return Err(PgError::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{seq_name}\" already exists"),
            ));
        }
        seq.oid = cat.alloc_oid();
        seq.schema = schema.oid;
        seq.owner = owner_oid(cat, s);
        seq.acl = crate::default_privs::initial_acl(cat, seq.owner, schema.oid, 'S');
        cat.sequences.insert(seq.oid, seq);
        cmd("CREATE SEQUENCE")
    })
}

/// DROP TABLE/VIEW/INDEX/SCHEMA/SEQUENCE.
pub fn drop(
    s: &mut Session,
    object_type: &ObjectType,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> PgResult<QueryResult> {
    let (kind_word, tag) = match object_type {
        ObjectType::Table => ("table", "DROP TABLE"),
        ObjectType::View => ("view", "DROP VIEW"),
        ObjectType::Index => ("index", "DROP INDEX"),
        ObjectType::Schema => ("schema", "DROP SCHEMA"),
        ObjectType::Sequence => ("sequence", "DROP SEQUENCE"),
        ObjectType::Type => return crate::domain::drop(s, names, if_exists, cascade),
        other => {
            return Err(PgError::unsupported(format!(
                "DROP {other} is not supported yet"
            )))
        }
    };
    with_catalog_mut(s, |cat, txn, s| {
        // Objects dropped by CASCADE across the whole statement, reported
        // in one NOTICE (ordered by OID: the order they were created).
        let mut cascaded: Vec<(u32, String)> = Vec::new();
        // Relations this statement drops: what depends on them among
        // themselves does not block the drop (`DROP TABLE a, b` where b's
        // policy or foreign key reads a).
        let drops_relations = matches!(object_type, ObjectType::Table | ObjectType::View);
        let dropping: Vec<u32> = names
            .iter()
            .filter(|_| drops_relations)
            .filter_map(|n| {
                let (schema_name, obj) = split_name(n).ok()?;
                searched_schemas(cat, s, schema_name.as_deref())
                    .iter()
                    .find_map(|sc| cat.relation(*sc, &obj))
                    .map(|r| r.oid)
            })
            .collect();
        for name in names {
            let (schema_name, obj) = split_name(name)?;
            let search = searched_schemas(cat, s, schema_name.as_deref());
            let display = crate::bind::display_name(name);
            let missing = |s: &mut Session| -> PgResult<()> {
                if if_exists {
                    s.state.notice(format!(
                        "{kind_word} \"{display}\" does not exist, skipping"
                    ));
                    Ok(())
                } else {
                    let code = if kind_word == "schema" {
                        SqlState::INVALID_SCHEMA_NAME
                    } else if kind_word == "index"
                        || kind_word == "sequence"
                        || kind_word == "view"
                        || kind_word == "table"
                    {
                        SqlState::UNDEFINED_TABLE
                    } else {
                        SqlState::UNDEFINED_OBJECT
                    };
                    Err(PgError::new(
                        code,
                        format!("{kind_word} \"{display}\" does not exist"),
                    ))
                }
            };
            match object_type {
                ObjectType::Table | ObjectType::View => {
                    let Some(rel) = search
                        .iter()
                        .find_map(|sc| cat.relation(*sc, &obj))
                        .cloned()
                    else {
                        missing(s)?;
                        continue;
                    };
                    let is_view = matches!(rel.kind, RelationKind::View { .. });
                    if is_view != matches!(object_type, ObjectType::View) {
                        let (what, hint) = if is_view {
                            ("table", "Use DROP VIEW to remove a view.")
                        } else {
                            ("view", "Use DROP TABLE to remove a table.")
                        };
                        return Err(PgError::new(
                            SqlState::WRONG_OBJECT_TYPE,
                            format!("\"{}\" is not a {what}", rel.name),
                        )
                        .with_hint(hint));
                    }
                    s.authorize(
                        (),
                        &[Need {
                            object: ObjectRef::Relation(rel.oid),
                            privilege: Privilege::Ownership,
                            columns: vec![],
                            as_role: None,
                            position: None,
                        }],
                        cat,
                    )
                    .map_err(|_| {
                        must_be_owner(if is_view { "view" } else { "table" }, &rel.name)
                    })?;
                    let kind_word = if is_view { "view" } else { "table" };
                    crate::inherit::drop_inheritors(
                        cat,
                        txn,
                        s,
                        &rel,
                        &dropping,
                        cascade,
                        &mut cascaded,
                    )?;
                    // Views reading the relation go with it only under CASCADE.
                    if crate::view_deps::any_view_mentions(cat, &rel.name) {
                        let mut after = cat.clone();
                        after.relations.remove(&rel.oid);
                        let object = format!("{kind_word} {}", rel.name);
                        let views =
                            crate::view_deps::break_views(&mut after, s, &object, &rel.name);
                        if !views.is_empty() && !cascade {
                            return Err(PgError::new(
                                SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                                format!("cannot drop {object} because other objects depend on it"),
                            )
                            .with_detail(crate::view_deps::detail_lines(&views).join("\n"))
                            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
                        }
                        for v in &views {
                            cascaded.push((v.oid, format!("drop cascades to view {}", v.name)));
                            cat.relations.remove(&v.oid);
                        }
                    }
                    let refs = crate::fk::referencing(cat, rel.oid, &dropping);
                    // Policies of other tables whose expressions read this relation.
                    let mut policy_deps: Vec<(u32, String, String, u32)> = cat
                        .relations
                        .values()
                        .filter(|r| r.oid != rel.oid && !dropping.contains(&r.oid))
                        .flat_map(|r| {
                            r.policies
                                .iter()
                                .filter(|p| p.depends_on.contains(&rel.oid))
                                .map(|p| (r.oid, p.name.clone(), r.name.clone(), p.oid))
                        })
                        .collect();
                    // In the order the dependencies arose (PostgreSQL's pg_depend order).
                    policy_deps.sort_by_key(|d| d.3);
                    if !policy_deps.is_empty() && refs.is_empty() {
                        let lines = |verb: &str| -> Vec<String> {
                            policy_deps
                                .iter()
                                .map(|(_, p, t, _)| match verb {
                                    "depends" => format!(
                                        "policy {p} on table {t} depends on {kind_word} {}",
                                        rel.name
                                    ),
                                    _ => format!("drop cascades to policy {p} on table {t}"),
                                })
                                .collect()
                        };
                        if !cascade {
                            return Err(dependents_block_drop(
                                &format!("{kind_word} {}", rel.name),
                                &lines("depends"),
                            ));
                        }
                        cascaded.extend(policy_deps.iter().map(|d| d.3).zip(lines("cascades")));
                        for (t, p, _, _) in &policy_deps {
                            if let Some(r) = cat.relations.get_mut(t) {
                                r.policies.retain(|x| &x.name != p);
                            }
                        }
                    }
                    if !refs.is_empty() {
                        if !cascade {
                            let detail: Vec<String> = refs
                                .iter()
                                .map(|(c, t)| {
                                    format!(
                                        "constraint {c} on table {t} depends on table {}",
                                        rel.name
                                    )
                                })
                                .chain(policy_deps.iter().map(|(_, p, t, _)| {
                                    format!(
                                        "policy {p} on table {t} depends on {kind_word} {}",
                                        rel.name
                                    )
                                }))
                                .collect();
                            return Err(dependents_block_drop(
                                &format!("table {}", rel.name),
                                &detail,
                            ));
                        }
                        let fk_oid = |c: &str, t: &str| {
                            cat.relations
                                .values()
                                .find(|r| r.name == t)
                                .and_then(|r| r.foreign_keys.iter().find(|f| f.name == c))
                                .map(|f| f.oid)
                                .unwrap_or(0)
                        };
                        cascaded.extend(
                            refs.iter()
                                .map(|(c, t)| {
                                    (
                                        fk_oid(c, t),
                                        format!("drop cascades to constraint {c} on table {t}"),
                                    )
                                })
                                .chain(policy_deps.iter().map(|(_, p, t, o)| {
                                    (*o, format!("drop cascades to policy {p} on table {t}"))
                                })),
                        );
                        for (t, p, _, _) in &policy_deps {
                            if let Some(r) = cat.relations.get_mut(t) {
                                r.policies.retain(|x| &x.name != p);
                            }
                        }
                        let dropped = rel.oid;
                        cat.relations.update_where(
                            |r| {
                                r.oid != dropped
                                    && r.foreign_keys.iter().any(|f| f.ref_table == dropped)
                            },
                            |r| r.foreign_keys.retain(|f| f.ref_table != dropped),
                        );
                    }
                    table::clear(txn, &rel)?;
                    cat.relations.remove(&rel.oid);
                    // Sequences owned by serial columns go with the table.
                    let owned: Vec<u32> = cat
                        .sequences
                        .values()
                        .filter(|q| q.owned_by == Some(rel.oid))
                        .map(|q| q.oid)
                        .collect();
                    for o in owned {
                        remove_sequence(cat, txn, s, o)?;
                    }
                }
                ObjectType::Index => {
                    let Some((rel_oid, pos)) = find_index(cat, &search, &obj) else {
                        missing(s)?;
                        continue;
                    };
                    let rel = cat
                        .relations
                        .get(&rel_oid)
                        .cloned()
                        .ok_or_else(|| PgError::internal("index owner vanished"))?;
                    let idx = rel.indexes[pos].clone();
                    // An index belongs to its table's owner.
                    check_owner(cat, s, rel.owner, "index", &idx.name)?;
                    if idx.primary || (idx.unique && idx.name.ends_with("_key")) {
                        return Err(PgError::new(SqlState::DEPENDENT_OBJECTS_STILL_EXIST, format!("cannot drop index {} because constraint {} on table {} requires it", idx.name, idx.name, rel.name))
                            .with_hint(format!("You can drop constraint {} on table {} instead.", idx.name, rel.name)));
                    }
                    table::delete_prefix(txn, &keys::index_prefix(idx.oid))?;
                    if let Some(r) = cat.relations.get_mut(&rel_oid) {
                        r.indexes.remove(pos);
                    }
                }
                ObjectType::Sequence => {
                    let Some(seq) = cat
                        .sequences
                        .values()
                        .find(|q| search.contains(&q.schema) && q.name == obj)
                        .cloned()
                    else {
                        missing(s)?;
                        continue;
                    };
                    remove_sequence(cat, txn, s, seq.oid)?;
                }
                ObjectType::Schema => {
                    let Some(schema) = cat.schema(&obj).cloned() else {
                        missing(s)?;
                        continue;
                    };
                    if schema.oid == rampart_catalog::PG_CATALOG_OID {
                        return Err(PgError::new(SqlState::DEPENDENT_OBJECTS_STILL_EXIST, "cannot drop schema pg_catalog because it is required by the database system"));
                    }
                    let contents: Vec<Relation> = cat
                        .relations
                        .values()
                        .filter(|r| r.schema == schema.oid)
                        .cloned()
                        .collect();
                    let seqs: Vec<u32> = cat
                        .sequences
                        .values()
                        .filter(|q| q.schema == schema.oid)
                        .map(|q| q.oid)
                        .collect();
                    let search_path = s.state.search_path();
                    let funcs: Vec<(u32, String)> = cat
                        .functions
                        .values()
                        .filter(|f| f.schema == schema.oid)
                        .map(|f| {
                            // PostgreSQL's getObjectDescription: "function"
                            // for procedures too, types without spaces.
                            let types: Vec<String> =
                                f.input_types().iter().map(|t| t.display_name()).collect();
                            // Qualified only when not visible (format_procedure).
                            let name = if search_path.contains(&schema.name) {
                                f.name.clone()
                            } else {
                                format!("{}.{}", schema.name, f.name)
                            };
                            (f.oid, format!("function {name}({})", types.join(",")))
                        })
                        .collect();
                    // Listed in creation (OID) order, as PostgreSQL does.
                    // Partitions go silently with their partitioned table
                    // (an automatic dependency in PostgreSQL); names are
                    // qualified only when the search path does not find them.
                    let mut dependents: Vec<(u32, String)> = contents
                        .iter()
                        .filter(|r| {
                            r.partition_bound.is_none()
                                || !r
                                    .inherits
                                    .iter()
                                    .any(|p| contents.iter().any(|c| c.oid == *p))
                        })
                        .map(|r| {
                            let kind = if matches!(r.kind, RelationKind::View { .. }) {
                                "view"
                            } else {
                                "table"
                            };
                            let name = cat.describe_name(schema.oid, &r.name, &search_path);
                            (r.oid, format!("{kind} {name}"))
                        })
                        .collect();
                    // Sequences owned by serial columns go silently with their table, as in PostgreSQL.
                    dependents.extend(
                        cat.sequences
                            .values()
                            .filter(|q| {
                                q.schema == schema.oid
                                    && !contents.iter().any(|r| q.owned_by == Some(r.oid))
                            })
                            .map(|q| {
                                let name = cat.describe_name(schema.oid, &q.name, &search_path);
                                (q.oid, format!("sequence {name}"))
                            }),
                    );
                    dependents.extend(funcs.iter().cloned());
                    let domains: Vec<u32> = cat
                        .domains
                        .values()
                        .filter(|d| d.schema == schema.oid)
                        .map(|d| d.oid)
                        .collect();
                    // Partial: a domain used outside the schema would take
                    // those columns with it (PostgreSQL drops them).
                    let used_outside = cat.relations.values().any(|r| {
                        r.schema != schema.oid
                            && r.columns
                                .iter()
                                .any(|c| c.domain.is_some_and(|d| domains.contains(&d)))
                    }) || cat.domains.values().any(|d| {
                        d.schema != schema.oid && d.parent.is_some_and(|p| domains.contains(&p))
                    });
                    if used_outside && cascade {
                        return Err(PgError::unsupported(
                            "DROP SCHEMA … CASCADE of a domain used outside the schema is not supported yet",
                        ));
                    }
                    dependents.extend(domains.iter().filter_map(|oid| {
                        let d = cat.domains.get(oid)?;
                        let name = if search_path.contains(&schema.name) {
                            d.name.clone()
                        } else {
                            format!("{}.{}", schema.name, d.name)
                        };
                        Some((*oid, format!("type {name}")))
                    }));
                    dependents.sort();
                    if !dependents.is_empty() && !cascade {
                        let detail: Vec<String> = dependents
                            .iter()
                            .map(|(_, d)| format!("{d} depends on schema {}", schema.name))
                            .collect();
                        return Err(PgError::new(
                            SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                            format!(
                                "cannot drop schema {} because other objects depend on it",
                                schema.name
                            ),
                        )
                        .with_detail(detail.join("\n"))
                        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
                    }
                    let dropped: Vec<String> = dependents
                        .into_iter()
                        .map(|(_, d)| format!("drop cascades to {d}"))
                        .collect();
                    cascade_notice(s, dropped);
                    for r in contents {
                        table::clear(txn, &r)?;
                        cat.relations.remove(&r.oid);
                    }
                    for q in seqs {
                        cat.sequences.remove(&q);
                        txn.delete(&keys::sequence_key(q)).map_err(storage_err)?;
                    }
                    for (oid, _) in funcs {
                        cat.functions.remove(&oid);
                    }
                    for oid in domains {
                        cat.domains.remove(&oid);
                    }
                    cat.schemas.remove(&schema.name);
                    // Per-schema default privileges go with the schema.
                    cat.default_acls.retain(|d| d.schema != schema.oid);
                }
                _ => unreachable!("filtered above"),
            }
        }
        cascaded.sort_by_key(|(oid, _)| *oid);
        cascade_notice(s, cascaded.into_iter().map(|(_, line)| line).collect());
        cmd(tag)
    })
}

/// PostgreSQL's NOTICE for objects dropped by CASCADE: one line, or a count with the list in DETAIL.
pub(crate) fn cascade_notice(s: &mut Session, dropped: Vec<String>) {
    match dropped.len() {
        0 => {}
        1 => s.state.notice(dropped[0].clone()),
        n => {
            let mut notice = PgError::new(
                SqlState::SUCCESSFUL_COMPLETION,
                format!("drop cascades to {n} other objects"),
            )
            .with_detail(dropped.join("\n"));
            notice.severity = "NOTICE";
            s.state.notices.push(notice);
        }
    }
}

/// Succeeds when the current user is a superuser or has the privileges of
/// `owner`; else PostgreSQL's `must be owner of {kind} {name}` (42501).
pub(crate) fn check_owner(
    cat: &Catalog,
    s: &Session,
    owner: u32,
    kind: &str,
    name: &str,
) -> PgResult<()> {
    let me = cat
        .role(&s.state.current_user())
        .ok_or_else(|| PgError::internal("current role vanished"))?;
    if me.superuser || rampart_security::roles::has_privs_of(cat, me.oid, owner) {
        Ok(())
    } else {
        Err(must_be_owner(kind, name))
    }
}

fn must_be_owner(kind: &str, name: &str) -> PgError {
    PgError::new(
        SqlState::INSUFFICIENT_PRIVILEGE,
        format!("must be owner of {kind} {name}"),
    )
}

/// TRUNCATE.
pub fn truncate(s: &mut Session, t: &ast::Truncate) -> PgResult<QueryResult> {
    let cat = s.catalog()?;
    let mut rels = Vec::new();
    let mut recurse_from = Vec::new();
    {
        let mut binder = Binder::new(&cat, s.state.search_path(), vec![]);
        for target in &t.table_names {
            let rel = binder.resolve_relation(&target.name)?;
            if !matches!(rel.kind, RelationKind::Table) {
                return Err(PgError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    format!("\"{}\" is not a table", rel.name),
                ));
            }
            rels.push(rel.clone());
            if !target.only {
                recurse_from.push(rel.oid);
            }
        }
    }
    let needs: Vec<Need> = rels
        .iter()
        .map(|r| Need {
            object: ObjectRef::Relation(r.oid),
            privilege: Privilege::Truncate,
            columns: vec![],
            as_role: None,
            position: None,
        })
        .collect();
    s.authorize((), &needs, &cat)?;
    // Without ONLY the tables inheriting from a target are emptied too;
    // as PostgreSQL, only the named tables' privileges are checked.
    for parent in recurse_from {
        for oid in cat.inheritors(parent) {
            if let Some(child) = cat.relation_by_oid(oid) {
                if !rels.iter().any(|r| r.oid == oid) {
                    rels.push(child.clone());
                }
            }
        }
    }
    let targets: Vec<u32> = rels.iter().map(|r| r.oid).collect();
    for rel in &rels {
        let blocking = crate::fk::referencing(&cat, rel.oid, &targets);
        if let Some((_, t)) = blocking.first() {
            return Err(PgError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "cannot truncate a table referenced in a foreign key constraint",
            )
            .with_detail(format!("Table \"{t}\" references \"{}\".", rel.name))
            .with_hint(format!(
                "Truncate table \"{t}\" at the same time, or use TRUNCATE ... CASCADE."
            )));
        }
    }
    let txn = s.txn_mut()?;
    for rel in &rels {
        table::clear(txn, rel)?;
    }

    cmd("TRUNCATE TABLE")
}

/// `ALTER TABLE seq OWNER TO role` on a sequence (PostgreSQL accepts
/// ALTER TABLE for sequences; pg_dump writes it): the same change as
/// ALTER SEQUENCE … OWNER TO.
fn sequence_owner_through_alter_table(
    s: &mut Session,
    at: &ast::AlterTable,
) -> PgResult<Option<crate::front::AlterOwnerStmt>> {
    let [ast::AlterTableOperation::OwnerTo { new_owner }] = at.operations.as_slice() else {
        return Ok(None);
    };
    let cat = s.catalog()?;
    let search_path = s.state.search_path();
    let (schema, name) = crate::bind::split_name(&at.name)?;
    if cat
        .resolve_relation(schema.as_deref(), &name, &search_path)
        .is_some()
        || crate::sequence::find(&cat, schema.as_deref(), &name, &search_path).is_none()
    {
        return Ok(None);
    }
    Ok(Some(crate::front::AlterOwnerStmt {
        kind: 'S',
        name: schema.into_iter().chain(std::iter::once(name)).collect(),
        owner: crate::rolespec::RoleSpec::from_owner(new_owner),
    }))
}

/// ALTER TABLE (a subset: ADD/DROP/RENAME COLUMN, RENAME TO, column DEFAULT and NOT NULL, OWNER TO).
pub fn alter_table(s: &mut Session, at: &ast::AlterTable) -> PgResult<QueryResult> {
    if let Some(owner_change) = sequence_owner_through_alter_table(s, at)? {
        crate::owned::alter_owner(s, &owner_change)?;
        return cmd("ALTER TABLE");
    }
    with_catalog_mut(s, |cat, txn, s| {
        let mut binder = Binder::new(cat, s.state.search_path(), vec![]);
        let rel = match binder.resolve_relation(&at.name) {
            Ok(r) => r.clone(),
            Err(_) if at.if_exists => {
                s.state.notice(format!(
                    "relation \"{}\" does not exist, skipping",
                    crate::bind::display_name(&at.name)
                ));
                return cmd("ALTER TABLE");
            }
            Err(e) => return Err(e),
        };
        s.authorize(
            (),
            &[Need {
                object: ObjectRef::Relation(rel.oid),
                privilege: Privilege::Ownership,
                columns: vec![],
                as_role: None,
                position: None,
            }],
            cat,
        )
        .map_err(|_| must_be_owner("table", &rel.name))?;
        let mut new = rel.clone();
        let mut rewrite: Option<RowRewrite> = None;
        for op in &at.operations {
            match op {
                ast::AlterTableOperation::AddColumn {
                    column_def,
                    if_not_exists,
                    ..
                } => {
                    let cname = ident(&column_def.name);
                    if new.column_index(&cname).is_some() {
                        if *if_not_exists {
                            s.state.notice(format!(
                                "column \"{cname}\" of relation \"{}\" already exists, skipping",
                                rel.name
                            ));
                            continue;
                        }
                        return Err(PgError::new(
                            SqlState::DUPLICATE_COLUMN,
                            format!(
                                "column \"{cname}\" of relation \"{}\" already exists",
                                rel.name
                            ),
                        ));
                    }
                    let (ty, domain) =
                        crate::domain::resolve(cat, &s.state.search_path(), &column_def.data_type)?;
                    if let Some(d) = domain {
                        crate::domain::require_usage(s, cat, d)?;
                    }
                    let mut col = Column::named(cname, ty);
                    col.domain = domain;
                    for o in &column_def.options {
                        match &o.option {
                            ColumnOption::NotNull => col.not_null = true,
                            ColumnOption::Null => {}
                            ColumnOption::Default(e) => col.default = Some(e.to_string()),
                            other => {
                                return Err(PgError::unsupported(format!(
                                    "ADD COLUMN option not supported yet: {other}"
                                )))
                            }
                        }
                    }
                    new.columns.push(col);
                    let pos = new.columns.len() - 1;
                    let mut b = Binder::new(cat, s.state.search_path(), vec![]);
                    let defaults = b.bind_defaults(&new)?;
                    // A domain column's default is checked against the
                    // domain only when there are rows to fill, as PostgreSQL.
                    let fill = match &defaults[pos] {
                        Some(crate::expr::Expr::Domain(..)) if !table::has_rows(txn, rel.oid)? => {
                            rampart_types::Value::Null
                        }
                        Some(e) => {
                            let engine = s.engine().clone();
                            let mut st =
                                crate::exec::Exec::new(txn, cat, &mut s.state, &engine, &[]);
                            st.eval(e, &[])?
                        }
                        None => rampart_types::Value::Null,
                    };
                    if fill.is_null() && new.columns[pos].not_null && table::has_rows(txn, rel.oid)?
                    {
                        return Err(PgError::new(
                            SqlState::NOT_NULL_VIOLATION,
                            format!(
                                "column \"{}\" of relation \"{}\" contains null values",
                                new.columns[pos].name, rel.name
                            ),
                        ));
                    }
                    if !at.only {
                        let column = new.columns[pos].clone();
                        crate::inherit::add_to_inheritors(cat, txn, s, rel.oid, &column, &fill)?;
                    }
                    let prev = rewrite.take();
                    rewrite = Some(Box::new(move |row: &mut Vec<rampart_types::Value>| {
                        if let Some(p) = &prev {
                            p(row);
                        }
                        row.push(fill.clone());
                    }));
                }
                ast::AlterTableOperation::DropColumn {
                    column_names,
                    if_exists,
                    drop_behavior,
                    ..
                } => {
                    let cascade = matches!(drop_behavior, Some(ast::DropBehavior::Cascade));
                    for c in column_names {
                        crate::inherit::refuse_inherited_column(&new, &ident(c), "drop")?;
                        let dropped = crate::drop_column::drop_column(
                            cat,
                            txn,
                            s,
                            &mut new,
                            &ident(c),
                            *if_exists,
                            cascade,
                        )?;
                        if dropped.is_some() && !at.only {
                            crate::inherit::drop_from_children(
                                cat,
                                txn,
                                s,
                                rel.oid,
                                &ident(c),
                                cascade,
                            )?;
                        }
                        if let Some(pos) = dropped {
                            let prev = rewrite.take();
                            rewrite = Some(Box::new(move |row: &mut Vec<rampart_types::Value>| {
                                if let Some(p) = &prev {
                                    p(row);
                                }
                                if pos < row.len() {
                                    row.remove(pos);
                                }
                            }));
                        }
                    }
                }
                ast::AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    let (o, n) = (ident(old_column_name), ident(new_column_name));
                    let pos = new.column_index(&o).ok_or_else(|| {
                        PgError::new(
                            SqlState::UNDEFINED_COLUMN,
                            format!("column \"{o}\" does not exist"),
                        )
                    })?;
                    if new.column_index(&n).is_some() {
                        return Err(PgError::new(
                            SqlState::DUPLICATE_COLUMN,
                            format!("column \"{n}\" of relation \"{}\" already exists", rel.name),
                        ));
                    }
                    crate::inherit::refuse_inherited_column(&new, &o, "rename")?;
                    new.columns[pos].name = n.clone();
                    // Statistics stay with the column (PostgreSQL keys them by attnum).
                    for st in new
                        .statistics
                        .columns
                        .iter_mut()
                        .filter(|st| st.column == o)
                    {
                        st.column = n.clone();
                    }
                    crate::inherit::rename_in_inheritors(cat, rel.oid, &o, &n);
                }
                ast::AlterTableOperation::RenameTable { table_name } => {
                    let n = match table_name {
                        ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => {
                            split_name(n)?.1
                        }
                    };
                    if relation_exists(cat, rel.schema, &n) {
                        return Err(PgError::new(
                            SqlState::DUPLICATE_TABLE,
                            format!("relation \"{n}\" already exists"),
                        ));
                    }
                    new.name = n;
                }
                ast::AlterTableOperation::AlterColumn { column_name, op } => {
                    let c = ident(column_name);
                    let pos = new.column_index(&c).ok_or_else(|| {
                        PgError::new(
                            SqlState::UNDEFINED_COLUMN,
                            format!("column \"{c}\" of relation \"{}\" does not exist", rel.name),
                        )
                    })?;
                    match op {
                        ast::AlterColumnOperation::SetNotNull => {
                            if table::scan_all(txn, rel.oid)?
                                .iter()
                                .any(|(_, r)| r.get(pos).is_none_or(|v| v.is_null()))
                            {
                                return Err(PgError::new(
                                    SqlState::NOT_NULL_VIOLATION,
                                    format!(
                                        "column \"{c}\" of relation \"{}\" contains null values",
                                        rel.name
                                    ),
                                ));
                            }
                            new.columns[pos].not_null = true;
                        }
                        ast::AlterColumnOperation::DropNotNull => {
                            if new
                                .primary_key()
                                .is_some_and(|pk| pk.columns.contains(&pos))
                            {
                                return Err(PgError::new(
                                    SqlState::INVALID_TABLE_DEFINITION,
                                    format!("column \"{c}\" is in a primary key"),
                                ));
                            }
                            new.columns[pos].not_null = false;
                        }
                        ast::AlterColumnOperation::SetDefault { value } => {
                            new.columns[pos].default = Some(value.to_string())
                        }
                        ast::AlterColumnOperation::DropDefault => new.columns[pos].default = None,
                        other => {
                            return Err(PgError::unsupported(format!(
                                "ALTER COLUMN {other} is not supported yet"
                            )))
                        }
                    }
                }
                ast::AlterTableOperation::OwnerTo { new_owner } => {
                    let n = crate::rolespec::RoleSpec::from_owner(new_owner);
                    let to = crate::owned::check_owner_change(
                        cat,
                        s,
                        "table",
                        &rel.name,
                        new.owner,
                        &n,
                        crate::owned::Container::Schema(rel.schema),
                    )?;
                    crate::owned::acl_new_owner(&mut new.acl, new.owner, to);
                    for c in new.columns.iter_mut() {
                        crate::owned::acl_new_owner(&mut c.acl, new.owner, to);
                    }
                    new.owner = to;
                }
                ast::AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::Check(c),
                    ..
                } => crate::check_constraint::add(cat, txn, s, &mut new, c, !at.only)?,
                ast::AlterTableOperation::DropConstraint {
                    if_exists,
                    name,
                    drop_behavior,
                } => crate::drop_constraint::drop(
                    cat,
                    txn,
                    s,
                    &mut new,
                    &ident(name),
                    *if_exists,
                    matches!(drop_behavior, Some(ast::DropBehavior::Cascade)),
                )?,
                ast::AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::ForeignKey(fk),
                    ..
                } => {
                    let mut resolved = crate::fk::resolve_definition(cat, s, &new, fk)?;
                    if new.foreign_keys.iter().any(|f| f.name == resolved.name) {
                        return Err(PgError::new(
                            SqlState::DUPLICATE_OBJECT,
                            format!(
                                "constraint \"{}\" for relation \"{}\" already exists",
                                resolved.name, new.name
                            ),
                        ));
                    }
                    resolved.oid = cat.alloc_oid();
                    crate::fk::validate_existing(cat, txn, s, &new, &resolved)?;
                    new.foreign_keys.push(resolved);
                }
                ast::AlterTableOperation::AddConstraint { constraint, .. } => {
                    let (cname, columns, primary) = match constraint {
                        TableConstraint::PrimaryKey(p) => (p.name.as_ref(), &p.columns, true),
                        TableConstraint::Unique(u) => (u.name.as_ref(), &u.columns, false),
                        other => {
                            return Err(PgError::unsupported(format!(
                                "ALTER TABLE ADD {other} is not supported yet"
                            )))
                        }
                    };
                    if primary && new.indexes.iter().any(|i| i.primary) {
                        return Err(multiple_pk(&new.name));
                    }
                    let cols: Vec<String> = columns
                        .iter()
                        .map(|c| ident_of_index_col(&c.column.expr))
                        .collect::<PgResult<_>>()?;
                    let pos = positions(&new, &cols)?;
                    if primary {
                        for (_, row) in table::scan_all(txn, rel.oid)? {
                            if let Some(&c) = pos.iter().find(|&&c| row[c].is_null()) {
                                return Err(PgError::new(
                                    SqlState::NOT_NULL_VIOLATION,
                                    format!(
                                        "column \"{}\" of relation \"{}\" contains null values",
                                        new.columns[c].name, new.name
                                    ),
                                ));
                            }
                        }
                        for &c in &pos {
                            new.columns[c].not_null = true;
                        }
                    }
                    let iname = match cname {
                        Some(n) => ident(n),
                        None if primary => format!("{}_pkey", new.name),
                        None => format!("{}_{}_key", new.name, cols.join("_")),
                    };
                    if relation_exists(cat, new.schema, &iname)
                        || new.indexes.iter().any(|i| i.name == iname)
                    {
                        return Err(PgError::new(
                            SqlState::DUPLICATE_TABLE,
                            format!("relation \"{iname}\" already exists"),
                        ));
                    }
                    let idx = Index {
                        oid: cat.alloc_oid(),
                        name: iname,
                        columns: pos,
                        unique: true,
                        primary,
                        constraint_oid: Some(cat.alloc_oid()),
                    };
                    table::build_index(txn, &new, &idx)?;
                    new.indexes.push(idx);
                }
                ast::AlterTableOperation::EnableRowLevelSecurity => new.rls_enabled = true,
                ast::AlterTableOperation::DisableRowLevelSecurity => new.rls_enabled = false,
                ast::AlterTableOperation::ForceRowLevelSecurity => new.rls_forced = true,
                ast::AlterTableOperation::NoForceRowLevelSecurity => new.rls_forced = false,
                other => {
                    return Err(PgError::unsupported(format!(
                        "ALTER TABLE {other} is not supported yet"
                    )))
                }
            }
        }
        if let Some(f) = rewrite {
            table::rewrite_all(txn, rel.oid, f)?;
        }
        cat.relations.insert(rel.oid, new);
        cmd("ALTER TABLE")
    })
}

/// The collation a COLLATE clause names, checked as PostgreSQL does (only
/// collatable types; the collation must exist). Rampart compares text
/// bytewise, which is the C collation, so it knows C, POSIX and default
/// (`ucs_basic` sorts the same in UTF8); None means the type's default.
fn column_collation(ty: &DataType, name: &ast::ObjectName, sql: &str) -> PgResult<Option<String>> {
    // PostgreSQL's cursor points at the COLLATE keyword before the name.
    let position = name
        .0
        .first()
        .and_then(|p| p.as_ident())
        .and_then(|id| crate::front::span_position(id.span, sql))
        .and_then(|p| {
            let before: String = sql.chars().take((p as usize).saturating_sub(1)).collect();
            let at = before.to_ascii_uppercase().rfind("COLLATE")?;
            Some(before[..at].chars().count() as u32 + 1)
        });
    let with_position = |e: PgError| match position {
        Some(p) => e.with_position(p),
        None => e,
    };
    let raw = name.to_string();
    let unquoted = raw.trim_start_matches("pg_catalog.").trim_matches('"');
    if !ty.is_string() {
        return Err(with_position(PgError::new(
            SqlState::DATATYPE_MISMATCH,
            format!("collations are not supported by type {}", ty.display_name()),
        )));
    }
    match unquoted {
        "C" | "ucs_basic" => Ok(Some("C".into())),
        "POSIX" => Ok(Some("POSIX".into())),
        "default" => Ok(None),
        other => Err(with_position(PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("collation \"{other}\" for encoding \"UTF8\" does not exist"),
        ))),
    }
}
