//! CREATE / DROP / ALTER DATABASE. Each database has its own catalog record
//! (schemas, tables, routines …); roles and the database list are shared
//! (see `rampart_catalog::SharedCatalog`). A new database starts as initdb's
//! `template1` does (`pg_catalog` and `public`); objects a template database
//! holds are not copied (partial: templates are always empty here).

use sqlparser::tokenizer::{Token, TokenWithSpan};

use rampart_catalog::{Catalog, DatabaseInfo};
use rampart_security::roles as graph;
use rampart_types::{PgError, PgResult, SqlState};

use crate::ddl::with_catalog_mut;
use crate::exec::table::storage_err;
use crate::keys;
use crate::session::{QueryResult, Session};

/// A database statement.
#[derive(Clone, Debug, PartialEq)]
pub enum DatabaseStmt {
    /// CREATE DATABASE.
    Create {
        /// Name.
        name: String,
        /// OWNER.
        owner: Option<crate::rolespec::RoleSpec>,
        /// TEMPLATE.
        template: Option<String>,
        /// ALLOW_CONNECTIONS.
        allow_connections: Option<bool>,
        /// CONNECTION LIMIT.
        connection_limit: Option<i32>,
        /// IS_TEMPLATE.
        is_template: Option<bool>,
    },
    /// DROP DATABASE.
    Drop {
        /// Name.
        name: String,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// ALTER DATABASE.
    Alter {
        /// Name.
        name: String,
        /// What changes.
        action: AlterDatabase,
    },
}

/// ALTER DATABASE actions.
#[derive(Clone, Debug, PartialEq)]
pub enum AlterDatabase {
    /// RENAME TO.
    Rename(String),
    /// OWNER TO.
    Owner(crate::rolespec::RoleSpec),
    /// SET name TO value (None value: RESET name; name "all": RESET ALL).
    Set(String, Option<String>),
    /// ALLOW_CONNECTIONS / CONNECTION LIMIT / IS_TEMPLATE.
    Options {
        /// ALLOW_CONNECTIONS.
        allow_connections: Option<bool>,
        /// CONNECTION LIMIT.
        connection_limit: Option<i32>,
        /// IS_TEMPLATE.
        is_template: Option<bool>,
    },
}

fn upper(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// Whether a statement is CREATE/DROP/ALTER DATABASE.
pub fn is_database_statement(sig: &[&Token]) -> bool {
    matches!(
        (
            sig.first().and_then(|t| upper(t)).as_deref(),
            sig.get(1).and_then(|t| upper(t)).as_deref()
        ),
        (Some("CREATE" | "DROP" | "ALTER"), Some("DATABASE"))
    )
}

struct P<'t> {
    t: Vec<&'t Token>,
    i: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<&Token> {
        self.t.get(self.i).copied()
    }
    fn kw(&mut self, k: &str) -> bool {
        if self.peek().and_then(upper).as_deref() == Some(k) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn err(&self) -> PgError {
        match self.peek() {
            Some(Token::Word(w)) => {
                PgError::syntax(format!("syntax error at or near \"{}\"", w.value))
            }
            Some(t) => PgError::syntax(format!("syntax error at or near \"{t}\"")),
            None => PgError::syntax("syntax error at end of input"),
        }
    }
    fn name(&mut self) -> PgResult<String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let n = if w.quote_style.is_some() {
                    w.value.clone()
                } else {
                    w.value.to_lowercase()
                };
                self.i += 1;
                Ok(n)
            }
            Some(Token::SingleQuotedString(s)) => {
                let s = s.clone();
                self.i += 1;
                Ok(s)
            }
            _ => Err(self.err()),
        }
    }
    /// A role specifier (`OWNER [=] CURRENT_USER`, a name, …).
    fn role(&mut self) -> PgResult<crate::rolespec::RoleSpec> {
        self.eat_eq();
        match self.peek().and_then(crate::rolespec::RoleSpec::from_token) {
            Some(r) => {
                self.i += 1;
                Ok(r)
            }
            None => self.name().map(crate::rolespec::RoleSpec::Name),
        }
    }
    fn value(&mut self) -> PgResult<String> {
        self.eat_eq();
        match self.peek() {
            Some(Token::Number(n, _)) => {
                let n = n.clone();
                self.i += 1;
                Ok(n)
            }
            Some(Token::Minus) => {
                self.i += 1;
                Ok(format!("-{}", self.value()?))
            }
            _ => self.name(),
        }
    }
    fn eat_eq(&mut self) {
        if self.peek() == Some(&Token::Eq) {
            self.i += 1;
        }
    }
    fn boolean(&mut self) -> PgResult<bool> {
        let v = self.value()?;
        match v.to_ascii_lowercase().as_str() {
            "true" | "on" | "1" | "yes" => Ok(true),
            "false" | "off" | "0" | "no" => Ok(false),
            _ => Err(PgError::syntax(format!("syntax error at or near \"{v}\""))),
        }
    }
    fn int(&mut self) -> PgResult<i32> {
        let v = self.value()?;
        v.parse()
            .map_err(|_| PgError::syntax(format!("syntax error at or near \"{v}\"")))
    }
}

/// Parses a database statement (the caller checked [`is_database_statement`]).
pub fn parse(tokens: &[TokenWithSpan]) -> PgResult<DatabaseStmt> {
    let t: Vec<&Token> = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut p = P { t, i: 0 };
    let verb = p.peek().and_then(upper).unwrap_or_default();
    p.i = 2;
    let stmt = match verb.as_str() {
        "DROP" => {
            let if_exists = p.kw("IF");
            if if_exists && !p.kw("EXISTS") {
                return Err(p.err());
            }
            let name = p.name()?;
            if p.kw("WITH") || p.peek() == Some(&Token::LParen) {
                return Err(PgError::unsupported(
                    "DROP DATABASE … WITH (FORCE) is not supported yet",
                ));
            }
            DatabaseStmt::Drop { name, if_exists }
        }
        "CREATE" => {
            let name = p.name()?;
            p.kw("WITH");
            let (mut owner, mut template, mut allow, mut limit, mut is_template) =
                (None, None, None, None, None);
            while let Some(w) = p.peek().and_then(upper) {
                p.i += 1;
                match w.as_str() {
                    "OWNER" => owner = Some(p.role()?),
                    "TEMPLATE" => template = Some(p.value()?),
                    "ALLOW_CONNECTIONS" => allow = Some(p.boolean()?),
                    "IS_TEMPLATE" => is_template = Some(p.boolean()?),
                    "CONNECTION" => {
                        if !p.kw("LIMIT") {
                            return Err(p.err());
                        }
                        limit = Some(p.int()?);
                    }
                    "ENCODING" | "LOCALE" | "LC_COLLATE" | "LC_CTYPE" | "ICU_LOCALE"
                    | "LOCALE_PROVIDER" | "COLLATION_VERSION" | "TABLESPACE" | "STRATEGY"
                    | "OID" => {
                        // Rampart databases are UTF8 with C collation; the rest does not apply.
                        p.value()?;
                    }
                    _ => {
                        p.i -= 1;
                        return Err(p.err());
                    }
                }
            }
            DatabaseStmt::Create {
                name,
                owner,
                template,
                allow_connections: allow,
                connection_limit: limit,
                is_template,
            }
        }
        _ => {
            let name = p.name()?;
            let action = if p.kw("RENAME") {
                if !p.kw("TO") {
                    return Err(p.err());
                }
                AlterDatabase::Rename(p.name()?)
            } else if p.kw("OWNER") {
                if !p.kw("TO") {
                    return Err(p.err());
                }
                AlterDatabase::Owner(p.role()?)
            } else if p.kw("SET") {
                let mut param = p.name()?;
                while p.peek() == Some(&Token::Period) {
                    p.i += 1;
                    param = format!("{param}.{}", p.name()?);
                }
                if !p.kw("TO") && p.peek() != Some(&Token::Eq) {
                    return Err(p.err());
                }
                let mut parts = vec![p.value()?];
                while p.peek() == Some(&Token::Comma) {
                    p.i += 1;
                    parts.push(p.value()?);
                }
                AlterDatabase::Set(param, Some(parts.join(", ")))
            } else if p.kw("RESET") {
                let param = if p.kw("ALL") { "all".into() } else { p.name()? };
                AlterDatabase::Set(param, None)
            } else {
                p.kw("WITH");
                let (mut allow, mut limit, mut is_template) = (None, None, None);
                while let Some(w) = p.peek().and_then(upper) {
                    p.i += 1;
                    match w.as_str() {
                        "ALLOW_CONNECTIONS" => allow = Some(p.boolean()?),
                        "IS_TEMPLATE" => is_template = Some(p.boolean()?),
                        "CONNECTION" => {
                            if !p.kw("LIMIT") {
                                return Err(p.err());
                            }
                            limit = Some(p.int()?);
                        }
                        _ => {
                            p.i -= 1;
                            return Err(p.err());
                        }
                    }
                }
                if allow.is_none() && limit.is_none() && is_template.is_none() {
                    return Err(p.err());
                }
                AlterDatabase::Options {
                    allow_connections: allow,
                    connection_limit: limit,
                    is_template,
                }
            };
            DatabaseStmt::Alter { name, action }
        }
    };
    if p.peek().is_some() {
        return Err(p.err());
    }
    Ok(stmt)
}

fn cmd(tag: &str) -> PgResult<QueryResult> {
    Ok(QueryResult::Command {
        tag: tag.to_string(),
    })
}

fn no_such(name: &str) -> PgError {
    PgError::new(
        SqlState("3D000"),
        format!("database \"{name}\" does not exist"),
    )
}

fn not_in_block(s: &Session, what: &str) -> PgResult<()> {
    if s.in_block() {
        return Err(PgError::new(
            SqlState::ACTIVE_SQL_TRANSACTION,
            format!("{what} cannot run inside a transaction block"),
        ));
    }
    Ok(())
}

fn must_own(cat: &Catalog, s: &Session, d: &DatabaseInfo) -> PgResult<()> {
    let me = crate::privileges::principal_for(cat, &s.state.current_user())?;
    if me.superuser || graph::has_privs_of(cat, me.role_oid, d.owner) {
        return Ok(());
    }
    Err(PgError::new(
        SqlState::INSUFFICIENT_PRIVILEGE,
        format!("must be owner of database {}", d.name),
    ))
}

/// Runs a database statement.
pub fn run(s: &mut Session, stmt: &DatabaseStmt) -> PgResult<QueryResult> {
    match stmt {
        DatabaseStmt::Create {
            name,
            owner,
            template,
            allow_connections,
            connection_limit,
            is_template,
        } => {
            not_in_block(s, "CREATE DATABASE")?;
            let owner = owner.as_ref().map(|o| o.role_name(s)).transpose()?;
            let engine = s.engine().clone();
            with_catalog_mut(s, |cat, txn, s| {
                let me = crate::privileges::principal_for(cat, &s.state.current_user())?;
                let my_role = cat.role(&me.role_name).cloned();
                if !me.superuser && !my_role.is_some_and(|r| r.createdb) {
                    return Err(PgError::new(
                        SqlState::INSUFFICIENT_PRIVILEGE,
                        "permission denied to create database",
                    ));
                }
                let owner_oid = match owner.as_deref() {
                    None | Some("default") => me.role_oid,
                    Some(o) => {
                        let r = crate::roles::role_by_name(cat, o)?;
                        if !me.superuser && !graph::is_member_of(cat, me.role_oid, r.oid) {
                            return Err(PgError::new(
                                SqlState::INSUFFICIENT_PRIVILEGE,
                                format!("must be member of role \"{}\"", r.name),
                            ));
                        }
                        r.oid
                    }
                };
                if let Some(t) = template.as_deref().filter(|t| *t != "default") {
                    let Some(tpl) = cat.databases.get(t) else {
                        return Err(PgError::new(
                            SqlState("3D000"),
                            format!("template database \"{t}\" does not exist"),
                        ));
                    };
                    if !tpl.is_template
                        && !me.superuser
                        && !graph::has_privs_of(cat, me.role_oid, tpl.owner)
                    {
                        return Err(PgError::new(
                            SqlState::INSUFFICIENT_PRIVILEGE,
                            format!("permission denied to copy database \"{t}\""),
                        ));
                    }
                }
                if cat.databases.contains_key(name) {
                    return Err(PgError::new(
                        SqlState("42P04"),
                        format!("database \"{name}\" already exists"),
                    ));
                }
                let oid = cat.alloc_oid();
                cat.databases.insert(
                    name.clone(),
                    DatabaseInfo {
                        oid,
                        name: name.clone(),
                        owner: owner_oid,
                        acl: None,
                        config: vec![],
                        is_template: is_template.unwrap_or(false),
                        allow_connections: allow_connections.unwrap_or(true),
                        connection_limit: connection_limit.unwrap_or(-1),
                    },
                );
                engine.create_database_record(txn, oid, cat.version.wrapping_add(1))?;
                cmd("CREATE DATABASE")
            })
        }
        DatabaseStmt::Drop { name, if_exists } => {
            not_in_block(s, "DROP DATABASE")?;
            let engine = s.engine().clone();
            with_catalog_mut(s, |cat, txn, s| {
                let Some(d) = cat.databases.get(name).cloned() else {
                    if *if_exists {
                        s.state
                            .notice(format!("database \"{name}\" does not exist, skipping"));
                        return cmd("DROP DATABASE");
                    }
                    return Err(no_such(name));
                };
                must_own(cat, s, &d)?;
                if d.oid == cat.database {
                    return Err(PgError::new(
                        SqlState("55006"),
                        "cannot drop the currently open database",
                    ));
                }
                if d.is_template {
                    return Err(PgError::new(
                        SqlState::WRONG_OBJECT_TYPE,
                        "cannot drop a template database",
                    ));
                }
                let others = engine.activity.count_in(d.oid);
                if others > 0 {
                    return Err(PgError::new(
                        SqlState("55006"),
                        format!("database \"{name}\" is being accessed by other users"),
                    )
                    .with_detail(if others == 1 {
                        "There is 1 other session using the database.".to_string()
                    } else {
                        format!("There are {others} other sessions using the database.")
                    }));
                }
                txn.lock_key(&keys::database_catalog_key(d.oid))
                    .map_err(storage_err)?;
                let victim = engine.read_catalog(txn, d.oid, true)?;
                let mut prefixes = Vec::new();
                for r in victim.relations.values() {
                    prefixes.push(keys::table_prefix(r.oid));
                    for i in &r.indexes {
                        prefixes.push(keys::index_prefix(i.oid));
                    }
                }
                for q in victim.sequences.keys() {
                    prefixes.push(keys::sequence_key(*q));
                }
                for p in prefixes {
                    let doomed: Vec<Vec<u8>> = txn
                        .scan_prefix(&p)
                        .map_err(storage_err)?
                        .map(|r| r.map(|(k, _)| k).map_err(storage_err))
                        .collect::<PgResult<_>>()?;
                    for k in doomed {
                        txn.delete(&k).map_err(storage_err)?;
                    }
                }
                engine.delete_database_record(txn, d.oid)?;
                cat.databases.remove(name);
                // ALTER ROLE … IN DATABASE settings go with it.
                for r in cat.roles.values_mut() {
                    r.database_config.retain(|(db, _)| *db != d.oid);
                }
                cmd("DROP DATABASE")
            })
        }
        DatabaseStmt::Alter { name, action } => {
            let action = action.clone();
            let owner_spec = match &action {
                AlterDatabase::Owner(o) => Some(o.role_name(s)?),
                _ => None,
            };
            with_catalog_mut(s, |cat, _txn, s| {
                let mut d = cat
                    .databases
                    .get(name)
                    .cloned()
                    .ok_or_else(|| no_such(name))?;
                match action {
                    AlterDatabase::Rename(new) => {
                        must_own(cat, s, &d)?;
                        let me = crate::privileges::principal_for(cat, &s.state.current_user())?;
                        if !me.superuser && !cat.role(&me.role_name).is_some_and(|r| r.createdb) {
                            return Err(PgError::new(
                                SqlState::INSUFFICIENT_PRIVILEGE,
                                "permission denied to rename database",
                            ));
                        }
                        if d.oid == cat.database {
                            return Err(PgError::new(
                                SqlState::FEATURE_NOT_SUPPORTED,
                                "current database cannot be renamed",
                            ));
                        }
                        if cat.databases.contains_key(&new) {
                            return Err(PgError::new(
                                SqlState("42P04"),
                                format!("database \"{new}\" already exists"),
                            ));
                        }
                        cat.databases.remove(name);
                        d.name = new.clone();
                        cat.databases.insert(new, d);
                        return cmd("ALTER DATABASE");
                    }
                    AlterDatabase::Owner(_) => {
                        let new =
                            crate::roles::role_by_name(cat, owner_spec.as_deref().unwrap_or(""))?
                                .clone();
                        let me = crate::privileges::principal_for(cat, &s.state.current_user())?;
                        if !me.superuser {
                            must_own(cat, s, &d)?;
                            if !graph::is_member_of(cat, me.role_oid, new.oid) {
                                return Err(PgError::new(
                                    SqlState::INSUFFICIENT_PRIVILEGE,
                                    format!("must be member of role \"{}\"", new.name),
                                ));
                            }
                            if !cat.role(&me.role_name).is_some_and(|r| r.createdb) {
                                return Err(PgError::new(
                                    SqlState::INSUFFICIENT_PRIVILEGE,
                                    "permission denied to change owner of database",
                                ));
                            }
                        }
                        crate::owned::acl_new_owner(&mut d.acl, d.owner, new.oid);
                        if d.oid == cat.database {
                            crate::owned::acl_new_owner(&mut cat.database_acl, d.owner, new.oid);
                        }
                        d.owner = new.oid;
                    }
                    AlterDatabase::Set(param, value) => {
                        must_own(cat, s, &d)?;
                        match value {
                            Some(v) => {
                                crate::guc::Settings::default().set(&param, &v, false)?;
                                d.config.retain(|(k, _)| *k != param);
                                d.config.push((param, v));
                            }
                            None if param == "all" => d.config.clear(),
                            None => d.config.retain(|(k, _)| *k != param),
                        }
                    }
                    AlterDatabase::Options {
                        allow_connections,
                        connection_limit,
                        is_template,
                    } => {
                        must_own(cat, s, &d)?;
                        if let Some(v) = allow_connections {
                            d.allow_connections = v;
                        }
                        if let Some(v) = connection_limit {
                            d.connection_limit = v;
                        }
                        if let Some(v) = is_template {
                            d.is_template = v;
                        }
                    }
                }
                cat.databases.insert(name.clone(), d);
                cmd("ALTER DATABASE")
            })
        }
    }
}
