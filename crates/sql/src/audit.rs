//! Session audit logging in pgAudit's format, built in: with
//! `pgaudit.log` naming classes (read, write, function, role, ddl, misc,
//! misc_set, all; `-class` removes one), every top-level statement of those
//! classes writes
//! `AUDIT: SESSION,<statement id>,<substatement id>,<class>,<command>,<object type>,<object name>,<statement>,<parameter>`
//! to the server log, whether it succeeds or fails (a denied attempt is
//! what an audit most needs to show). Only superusers may change the
//! settings (as pgAudit's), so a session cannot switch its own audit off.
//!
//! Object audit logging as pgAudit's: with `pgaudit.role` naming a role,
//! every relation a statement is checked for a privilege on, where that role
//! holds the privilege (SELECT for reads; INSERT, UPDATE, DELETE, TRUNCATE
//! for writes), adds `AUDIT: OBJECT,…,TABLE,schema.name,…` with the same
//! statement ID.
//!
//! Differences from pgAudit: password literals in the statement are
//! redacted as in the statement log; object type and name in SESSION lines
//! are filled for DDL on tables, views, indexes, sequences and functions
//! only (pgAudit asks its event triggers); `pgaudit.log_relation`,
//! `pgaudit.log_catalog = off`, `pgaudit.log_client` and substatements
//! (statements inside functions) are not implemented.

use sqlparser::ast::{ObjectType, Statement};

use rampart_security::Need;
use rampart_types::{PgResult, Value};

use crate::parser::Stmt;
use crate::session::QueryResult;

/// One pgAudit statement class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditClass {
    /// SELECT, COPY TO.
    Read,
    /// INSERT, UPDATE, DELETE, MERGE, TRUNCATE, COPY FROM.
    Write,
    /// DO and CALL.
    Function,
    /// GRANT, REVOKE, CREATE/ALTER/DROP ROLE.
    Role,
    /// Other DDL.
    Ddl,
    /// SET and RESET.
    MiscSet,
    /// Everything else (transaction control, VACUUM, CHECKPOINT, …).
    Misc,
}

impl AuditClass {
    const ALL: [AuditClass; 7] = [
        AuditClass::Read,
        AuditClass::Write,
        AuditClass::Function,
        AuditClass::Role,
        AuditClass::Ddl,
        AuditClass::MiscSet,
        AuditClass::Misc,
    ];

    /// The name pgAudit prints.
    pub fn name(self) -> &'static str {
        match self {
            AuditClass::Read => "READ",
            AuditClass::Write => "WRITE",
            AuditClass::Function => "FUNCTION",
            AuditClass::Role => "ROLE",
            AuditClass::Ddl => "DDL",
            AuditClass::MiscSet => "MISC_SET",
            AuditClass::Misc => "MISC",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The classes a `pgaudit.log` value turns on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuditClasses(u8);

impl AuditClasses {
    /// Parses `pgaudit.log` (case-insensitive, comma-separated, `-class`
    /// subtracts); None for an unknown class (PostgreSQL's "invalid value").
    pub fn parse(value: &str) -> Option<AuditClasses> {
        let mut bits = 0u8;
        for item in value.split(',') {
            let item = item.trim().to_ascii_lowercase();
            if item.is_empty() {
                continue;
            }
            let (subtract, name) = match item.strip_prefix('-') {
                Some(rest) => (true, rest.trim().to_string()),
                None => (false, item),
            };
            let mask = match name.as_str() {
                "none" => 0,
                "all" => AuditClass::ALL.iter().fold(0, |m, c| m | c.bit()),
                "misc" => AuditClass::Misc.bit(),
                other => AuditClass::ALL
                    .iter()
                    .find(|c| c.name().eq_ignore_ascii_case(other))?
                    .bit(),
            };
            if name == "none" && !subtract {
                bits = 0;
            } else if subtract {
                bits &= !mask;
            } else {
                bits |= mask;
            }
        }
        Some(AuditClasses(bits))
    }

    /// Whether statements of `class` are logged.
    pub fn includes(self, class: AuditClass) -> bool {
        self.0 & class.bit() != 0
    }

    /// True when nothing is logged.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// A statement's audit class.
pub fn class_of(stmt: &Stmt) -> AuditClass {
    use crate::statement_log::LogClass;
    match stmt {
        Stmt::Maintenance(_) | Stmt::Fetch(_) => AuditClass::Misc,
        Stmt::Function(crate::func::FuncStmt::Do { .. }) => AuditClass::Function,
        Stmt::Sql(s) => match s.as_ref() {
            Statement::Query(q) if crate::parser::modifying_body(q).is_none() => {
                match crate::statement_log::classify(stmt) {
                    LogClass::Ddl => AuditClass::Ddl,
                    _ => AuditClass::Read,
                }
            }
            Statement::Copy { to: true, .. } => AuditClass::Read,
            Statement::Call(_) => AuditClass::Function,
            Statement::Grant(_)
            | Statement::Revoke(_)
            | Statement::CreateRole(_)
            | Statement::AlterRole { .. } => AuditClass::Role,
            Statement::Drop {
                object_type: ObjectType::Role | ObjectType::User,
                ..
            } => AuditClass::Role,
            Statement::Set(_) | Statement::ShowVariable { .. } => match s.as_ref() {
                Statement::Set(_) => AuditClass::MiscSet,
                _ => AuditClass::Misc,
            },
            _ => match crate::statement_log::classify(stmt) {
                LogClass::Mod => AuditClass::Write,
                LogClass::Ddl => AuditClass::Ddl,
                LogClass::All => AuditClass::Misc,
            },
        },
        other => match crate::statement_log::classify(other) {
            LogClass::Mod => AuditClass::Write,
            LogClass::Ddl if is_role_statement(other) => AuditClass::Role,
            LogClass::Ddl => AuditClass::Ddl,
            LogClass::All => AuditClass::Misc,
        },
    }
}

/// The front's role statements (GRANT role, CREATE USER, ALTER/DROP ROLE forms
/// sqlparser lacks).
fn is_role_statement(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Role(_))
}

/// The command as pgAudit names it: the command tag's words (`INSERT 0 1`
/// is `INSERT`).
pub fn command_name(tag: &str) -> String {
    tag.split_whitespace()
        .take_while(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The command of a statement that failed (no tag): its leading keywords.
pub fn command_of_text(sql: &str) -> String {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(5)
        .map(|w| {
            w.chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .collect();
    let two_word = ["CREATE", "ALTER", "DROP", "COMMENT", "SECURITY", "REASSIGN"];
    // CREATE OR REPLACE FUNCTION → CREATE FUNCTION; CREATE UNIQUE INDEX → CREATE INDEX.
    let modifiers = ["OR", "REPLACE", "UNIQUE", "TEMP", "TEMPORARY"];
    match words.split_first() {
        Some((first, rest)) if two_word.contains(&first.as_str()) => {
            match rest.iter().find(|w| !modifiers.contains(&w.as_str())) {
                Some(object) => format!("{first} {object}"),
                None => first.clone(),
            }
        }
        Some((first, _)) => first.clone(),
        None => String::new(),
    }
}

/// pgAudit's CSV field: quoted (inner quotes doubled) when it holds a comma,
/// a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The object type and name (its parts as written) pgAudit shows for DDL
/// on common objects; None otherwise.
pub fn object_of(stmt: &Stmt) -> Option<(&'static str, Vec<String>)> {
    let parts = |name: &sqlparser::ast::ObjectName| -> Vec<String> {
        name.0
            .iter()
            .filter_map(|p| p.as_ident())
            .map(crate::bind::ident)
            .collect()
    };
    let Stmt::Sql(s) = stmt else {
        return None;
    };
    Some(match s.as_ref() {
        Statement::CreateTable(t) => ("TABLE", parts(&t.name)),
        Statement::CreateView(v) => ("VIEW", parts(&v.name)),
        Statement::CreateIndex(i) => ("INDEX", parts(i.name.as_ref()?)),
        Statement::CreateSequence { name, .. } => ("SEQUENCE", parts(name)),
        Statement::CreateFunction(f) => ("FUNCTION", parts(&f.name)),
        Statement::AlterTable(t) => ("TABLE", parts(&t.name)),
        Statement::Drop {
            object_type, names, ..
        } if names.len() == 1 => {
            let kind = match object_type {
                ObjectType::Table => "TABLE",
                ObjectType::View => "VIEW",
                ObjectType::Index => "INDEX",
                ObjectType::Sequence => "SEQUENCE",
                _ => return None,
            };
            (kind, parts(&names[0]))
        }
        _ => return None,
    })
}

impl crate::session::Session {
    /// pgAudit session logging (`pgaudit.log`) of a statement that ran or
    /// failed; see [`crate::audit`].
    pub(crate) fn audit(
        &mut self,
        stmt: &Stmt,
        sql: &str,
        params: Option<&[Value]>,
        r: &PgResult<QueryResult>,
    ) {
        let touched = std::mem::take(&mut *self.audit_needs.borrow_mut());
        let setting = self
            .state
            .settings
            .get_builtin("pgaudit.log")
            .unwrap_or("none");
        let classes = AuditClasses::parse(setting).unwrap_or_default();
        // The common case costs two lookups: nothing to audit.
        if classes.is_empty() && touched.is_empty() {
            return;
        }
        // The catalog lookups below must see what this statement committed.
        self.finish_commit_in_call();
        let class = class_of(stmt);
        let session = classes.includes(class);
        let objects = self.audited_objects(&touched);
        if !session && objects.is_empty() {
            return;
        }
        self.audit_statement_id += 1;
        let command = match r {
            Ok(QueryResult::Command { tag }) | Ok(QueryResult::Rows { tag, .. }) => {
                command_name(tag)
            }
            _ => command_of_text(sql),
        };
        let (object_type, object_name) = match object_of(stmt) {
            Some((kind, parts)) => {
                let name = match parts.as_slice() {
                    // Unqualified names are created in the first schema of
                    // the path that exists (the catalog is read only here).
                    [one] => format!("{}.{one}", self.creation_schema()),
                    more => more.join("."),
                };
                (kind.to_string(), name)
            }
            None => (String::new(), String::new()),
        };
        let log_parameter = self
            .state
            .settings
            .get_builtin("pgaudit.log_parameter")
            .is_some_and(|v| v == "on");
        let parameter = match params {
            _ if !log_parameter => "<not logged>".to_string(),
            None | Some([]) => "<none>".to_string(),
            Some(values) => values
                .iter()
                .map(|v| csv_field(&v.to_pg_text().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(","),
        };
        // Who did it comes first, as a log_line_prefix with %u would show it.
        let _who = tracing::info_span!(
            "session",
            user = %self.state.session_user(),
            role = %self.state.current_user(),
            db = %self.state.database,
        )
        .entered();
        let statement = csv_field(&crate::statement_log::redact(sql));
        if session {
            tracing::info!(
                "AUDIT: SESSION,{},1,{},{},{},{},{},{}",
                self.audit_statement_id,
                class.name(),
                command,
                object_type,
                object_name,
                statement,
                parameter
            );
        }
        for (object_class, name) in objects {
            tracing::info!(
                "AUDIT: OBJECT,{},1,{},{},TABLE,{},{},{}",
                self.audit_statement_id,
                object_class.name(),
                command,
                name,
                statement,
                parameter
            );
        }
    }

    /// The schema an unqualified CREATE puts its object in.
    fn creation_schema(&mut self) -> String {
        self.catalog_for_describe()
            .ok()
            .and_then(|cat| {
                self.state
                    .search_path()
                    .into_iter()
                    .find(|s| cat.schema(s).is_some())
            })
            .unwrap_or_else(|| "public".into())
    }

    /// Object audit: the relations among `touched` whose privilege the
    /// audit role (`pgaudit.role`) holds, as (class, schema-qualified
    /// name), each relation and class once.
    fn audited_objects(&mut self, touched: &[Need]) -> Vec<(AuditClass, String)> {
        let role = self
            .state
            .settings
            .get_builtin("pgaudit.role")
            .unwrap_or("")
            .to_string();
        if role.is_empty() || touched.is_empty() {
            return vec![];
        }
        let Ok(cat) = self.catalog_for_describe() else {
            return vec![];
        };
        let Some(auditor) = cat.role(&role) else {
            return vec![];
        };
        let auditor = rampart_security::Principal {
            role_oid: auditor.oid,
            role_name: auditor.name.clone(),
            superuser: auditor.superuser,
        };
        let mut out: Vec<(AuditClass, String)> = Vec::new();
        for need in touched {
            let rampart_security::ObjectRef::Relation(oid) = need.object else {
                continue;
            };
            let class = match need.privilege {
                rampart_security::Privilege::Select => AuditClass::Read,
                rampart_security::Privilege::Insert
                | rampart_security::Privilege::Update
                | rampart_security::Privilege::Delete
                | rampart_security::Privilege::Truncate => AuditClass::Write,
                _ => continue,
            };
            let as_auditor = Need {
                as_role: None,
                position: None,
                ..need.clone()
            };
            if !rampart_security::allowed(&as_auditor, &auditor, &cat) {
                continue;
            }
            let Some(rel) = cat.relation_by_oid(oid) else {
                continue;
            };
            let schema = cat
                .schema_by_oid(rel.schema)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            let name = format!("{schema}.{}", rel.name);
            if !out.iter().any(|(c, n)| *c == class && *n == name) {
                out.push((class, name));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_parse_as_pgaudit_reads_them() {
        let c = AuditClasses::parse("read, DDL").unwrap();
        assert!(c.includes(AuditClass::Read) && c.includes(AuditClass::Ddl));
        assert!(!c.includes(AuditClass::Write));
        let c = AuditClasses::parse("all, -misc").unwrap();
        assert!(c.includes(AuditClass::Write) && c.includes(AuditClass::MiscSet));
        assert!(!c.includes(AuditClass::Misc));
        assert!(AuditClasses::parse("none").unwrap().is_empty());
        assert!(AuditClasses::parse("").unwrap().is_empty());
        assert_eq!(AuditClasses::parse("reads"), None);
    }

    #[test]
    fn commands_and_fields_read_as_pgaudit_prints_them() {
        assert_eq!(command_name("INSERT 0 1"), "INSERT");
        assert_eq!(command_name("CREATE TABLE"), "CREATE TABLE");
        assert_eq!(command_name("SELECT 3"), "SELECT");
        assert_eq!(
            command_of_text("create or replace function f()"),
            "CREATE FUNCTION"
        );
        assert_eq!(command_of_text("select * from t"), "SELECT");
        assert_eq!(csv_field("select 1"), "select 1");
        assert_eq!(csv_field("select 1, 'a\"b'"), "\"select 1, 'a\"\"b'\"");
    }
}
