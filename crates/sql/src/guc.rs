//! Run-time settings (GUCs) with PostgreSQL's transactional semantics:
//! `SET` lasts for the session unless its transaction rolls back, `SET LOCAL`
//! and `set_config(..., true)` last until the end of the transaction, and a
//! custom (dotted) setting once defined stays defined (as '') after RESET.

use std::collections::{BTreeMap, BTreeSet};

use rampart_types::{PgError, PgResult, SqlState};

/// A built-in setting: name, default, whether a session may change it.
struct Builtin {
    name: &'static str,
    default: &'static str,
    settable: bool,
}

const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "application_name",
        default: "",
        settable: true,
    },
    Builtin {
        name: "client_encoding",
        default: "UTF8",
        settable: true,
    },
    Builtin {
        name: "client_min_messages",
        default: "notice",
        settable: true,
    },
    Builtin {
        name: "datestyle",
        default: "ISO, MDY",
        settable: true,
    },
    Builtin {
        name: "default_transaction_isolation",
        default: "read committed",
        settable: true,
    },
    Builtin {
        name: "default_transaction_read_only",
        default: "off",
        settable: true,
    },
    Builtin {
        name: "extra_float_digits",
        default: "1",
        settable: true,
    },
    Builtin {
        name: "integer_datetimes",
        default: "on",
        settable: false,
    },
    Builtin {
        name: "intervalstyle",
        default: "postgres",
        settable: true,
    },
    Builtin {
        name: "is_superuser",
        default: "off",
        settable: false,
    },
    Builtin {
        name: "lc_messages",
        default: "C",
        settable: true,
    },
    Builtin {
        name: "lock_timeout",
        default: "0",
        settable: true,
    },
    Builtin {
        name: "max_connections",
        default: "100",
        settable: false,
    },
    Builtin {
        name: "max_identifier_length",
        default: "63",
        settable: false,
    },
    Builtin {
        name: "password_encryption",
        default: "scram-sha-256",
        settable: true,
    },
    Builtin {
        name: "row_security",
        default: "on",
        settable: true,
    },
    Builtin {
        name: "search_path",
        default: "\"$user\", public",
        settable: true,
    },
    Builtin {
        name: "server_encoding",
        default: "UTF8",
        settable: false,
    },
    Builtin {
        name: "server_version",
        default: crate::SERVER_VERSION,
        settable: false,
    },
    Builtin {
        name: "server_version_num",
        default: crate::SERVER_VERSION_NUM,
        settable: false,
    },
    Builtin {
        name: "session_authorization",
        default: "",
        settable: false,
    },
    Builtin {
        name: "standard_conforming_strings",
        default: "on",
        settable: true,
    },
    Builtin {
        name: "statement_timeout",
        default: "0",
        settable: true,
    },
    Builtin {
        name: "synchronous_commit",
        default: "on",
        settable: true,
    },
    Builtin {
        name: "timezone",
        default: "UTC",
        settable: true,
    },
    Builtin {
        name: "transaction_isolation",
        default: "read committed",
        settable: true,
    },
    Builtin {
        name: "transaction_read_only",
        default: "off",
        settable: true,
    },
    Builtin {
        name: "work_mem",
        default: "4MB",
        settable: true,
    },
];

fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Canonical spelling of a few parameters PostgreSQL shows in mixed case.
pub fn display_name(name: &str) -> &str {
    match name {
        "datestyle" => "DateStyle",
        "timezone" => "TimeZone",
        "intervalstyle" => "IntervalStyle",
        other => other,
    }
}

/// One session's settings.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Effective values that differ from defaults.
    values: BTreeMap<String, String>,
    /// Session-level values as of transaction start (restored on ROLLBACK).
    txn_start: Option<BTreeMap<String, String>>,
    /// Values set with plain SET during the transaction (kept at COMMIT).
    txn_session_sets: BTreeMap<String, Option<String>>,
    /// Custom placeholders ever defined in this session.
    defined_custom: BTreeSet<String>,
    /// Savepoint snapshots: (values, session sets).
    savepoints: Vec<(BTreeMap<String, String>, BTreeMap<String, Option<String>>)>,
}

impl Settings {
    /// Current value, or None if the parameter is unknown.
    pub fn get(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        if let Some(v) = self.values.get(&name) {
            return Some(v.clone());
        }
        if let Some(b) = builtin(&name) {
            return Some(b.default.to_string());
        }
        if self.defined_custom.contains(&name) {
            return Some(String::new());
        }
        None
    }

    /// Sets a value for the session (`local = false`) or the transaction.
    pub fn set(&mut self, name: &str, value: &str, local: bool) -> PgResult<()> {
        let name = name.to_ascii_lowercase();
        self.validate(&name, value)?;
        let value = normalize(&name, value)?;
        if !name.contains('.') {
            // fine: built-in
        } else {
            self.defined_custom.insert(name.clone());
        }
        if !local && self.txn_start.is_some() {
            self.txn_session_sets
                .insert(name.clone(), Some(value.clone()));
        } else if !local {
            // Outside a transaction block there is always an implicit transaction;
            // callers begin one before running statements, so this is only reached
            // by internal callers setting session defaults.
        }
        self.values.insert(name, value);
        Ok(())
    }

    /// Internal (server-set) session value, e.g. is_superuser.
    pub fn set_internal(&mut self, name: &str, value: &str) {
        self.values.insert(name.to_string(), value.to_string());
    }

    /// `RESET name` (to the default).
    pub fn reset(&mut self, name: &str, local: bool) -> PgResult<()> {
        let name = name.to_ascii_lowercase();
        if builtin(&name).is_none() && !name.contains('.') {
            return Err(unknown(&name));
        }
        if let Some(b) = builtin(&name) {
            if !b.settable {
                return Err(cant_change(&name));
            }
        }
        if !local && self.txn_start.is_some() {
            self.txn_session_sets.insert(name.clone(), None);
        }
        self.values.remove(&name);
        Ok(())
    }

    /// `RESET ALL`.
    pub fn reset_all(&mut self) {
        let names: Vec<String> = self
            .values
            .keys()
            .filter(|n| builtin(n).is_none_or(|b| b.settable))
            .cloned()
            .collect();
        for n in names {
            let _ = self.reset(&n, false);
        }
    }

    fn validate(&self, name: &str, value: &str) -> PgResult<()> {
        match builtin(name) {
            Some(b) if !b.settable => Err(cant_change(name)),
            Some(_) => Ok(()),
            None if name.contains('.') => {
                if name.starts_with('.') || name.ends_with('.') {
                    return Err(PgError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("invalid configuration parameter name \"{name}\""),
                    ));
                }
                let _ = value;
                Ok(())
            }
            None => Err(unknown(name)),
        }
    }

    /// Called at BEGIN (explicit or implicit).
    pub fn begin(&mut self) {
        self.txn_start = Some(self.values.clone());
        self.txn_session_sets.clear();
        self.savepoints.clear();
    }

    /// Called at COMMIT: SET values persist, SET LOCAL values revert.
    pub fn commit(&mut self) {
        if let Some(mut base) = self.txn_start.take() {
            for (k, v) in std::mem::take(&mut self.txn_session_sets) {
                match v {
                    Some(v) => base.insert(k, v),
                    None => base.remove(&k),
                };
            }
            self.values = base;
        }
        self.savepoints.clear();
    }

    /// Called at ROLLBACK: everything reverts.
    pub fn rollback(&mut self) {
        if let Some(base) = self.txn_start.take() {
            self.values = base;
        }
        self.txn_session_sets.clear();
        self.savepoints.clear();
    }

    /// SAVEPOINT.
    pub fn savepoint(&mut self) {
        self.savepoints
            .push((self.values.clone(), self.txn_session_sets.clone()));
    }

    /// ROLLBACK TO SAVEPOINT `depth` (0-based index of the savepoint, which stays).
    pub fn rollback_to(&mut self, depth: usize) {
        if let Some((v, s)) = self.savepoints.get(depth).cloned() {
            self.values = v;
            self.txn_session_sets = s;
            self.savepoints.truncate(depth + 1);
        }
    }

    /// RELEASE SAVEPOINT `depth`.
    pub fn release(&mut self, depth: usize) {
        self.savepoints.truncate(depth);
    }

    /// All settings for `SHOW ALL`: (name, value).
    pub fn all(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = BUILTINS
            .iter()
            .map(|b| {
                (
                    display_name(b.name).to_string(),
                    self.get(b.name).unwrap_or_default(),
                )
            })
            .collect();
        for c in &self.defined_custom {
            out.push((c.clone(), self.get(c).unwrap_or_default()));
        }
        out.sort();
        out
    }
}

fn normalize(name: &str, value: &str) -> PgResult<String> {
    Ok(match name {
        "row_security"
        | "standard_conforming_strings"
        | "transaction_read_only"
        | "default_transaction_read_only"
        | "synchronous_commit" => match rampart_types::parse_bool(value) {
            Ok(true) => "on".into(),
            Ok(false) => "off".into(),
            Err(_) => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("parameter \"{name}\" requires a Boolean value"),
                ));
            }
        },
        "password_encryption" => match value.to_ascii_lowercase().as_str() {
            "scram-sha-256" => "scram-sha-256".into(),
            "md5" => {
                return Err(PgError::new(SqlState::INVALID_PARAMETER_VALUE, "invalid value for parameter \"password_encryption\": \"md5\"")
                    .with_detail("Rampart stores passwords only as SCRAM-SHA-256 verifiers; MD5 password hashes are not supported.")
                    .with_hint("Available values: scram-sha-256."));
            }
            other => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid value for parameter \"password_encryption\": \"{other}\""),
                )
                .with_hint("Available values: scram-sha-256."));
            }
        },
        "transaction_isolation" | "default_transaction_isolation" => {
            match value.to_ascii_lowercase().as_str() {
                v @ ("read committed" | "repeatable read" | "serializable") => v.to_string(),
                "read uncommitted" => "read committed".into(),
                other => {
                    return Err(PgError::new(SqlState::INVALID_PARAMETER_VALUE, format!("invalid value for parameter \"{name}\": \"{other}\""))
                    .with_hint("Available values: serializable, repeatable read, read committed, read uncommitted."));
                }
            }
        }
        "timezone" => match value.to_ascii_lowercase().as_str() {
            "utc" | "etc/utc" | "gmt" | "z" | "zulu" | "0" => value.to_string(),
            _ => {
                return Err(PgError::unsupported(format!(
                    "time zone \"{value}\" is not supported yet (only UTC)"
                )));
            }
        },
        _ => value.to_string(),
    })
}

fn unknown(name: &str) -> PgError {
    PgError::new(
        SqlState::UNDEFINED_OBJECT,
        format!("unrecognized configuration parameter \"{name}\""),
    )
}

fn cant_change(name: &str) -> PgError {
    PgError::new(
        SqlState::CANT_CHANGE_RUNTIME_PARAM,
        format!("parameter \"{name}\" cannot be changed"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_local_reverts_at_commit_and_custom_stays_defined() {
        let mut s = Settings::default();
        s.begin();
        s.set("app.tenant_id", "42", true).unwrap();
        assert_eq!(s.get("app.tenant_id").as_deref(), Some("42"));
        s.commit();
        assert_eq!(s.get("app.tenant_id").as_deref(), Some(""));
        assert_eq!(s.get("app.other"), None);
    }

    #[test]
    fn set_is_undone_by_rollback_but_kept_by_commit() {
        let mut s = Settings::default();
        s.begin();
        s.set("app.x", "1", false).unwrap();
        s.rollback();
        assert_eq!(s.get("app.x").as_deref(), Some(""));
        s.begin();
        s.set("app.x", "2", false).unwrap();
        s.commit();
        assert_eq!(s.get("app.x").as_deref(), Some("2"));
    }

    #[test]
    fn md5_password_encryption_is_refused_with_hint() {
        let mut s = Settings::default();
        let e = s.set("password_encryption", "md5", false).unwrap_err();
        assert_eq!(e.code, SqlState::INVALID_PARAMETER_VALUE);
        assert!(e.hint.unwrap().contains("scram-sha-256"));
    }

    #[test]
    fn unknown_and_readonly_parameters() {
        let mut s = Settings::default();
        assert_eq!(
            s.set("nope", "1", false).unwrap_err().message,
            "unrecognized configuration parameter \"nope\""
        );
        assert_eq!(
            s.set("server_version", "1", false).unwrap_err().code,
            SqlState::CANT_CHANGE_RUNTIME_PARAM
        );
    }
}
