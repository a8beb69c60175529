//! Run-time settings (GUCs) with PostgreSQL's transactional semantics:
//! `SET` lasts for the session unless its transaction rolls back, `SET LOCAL`
//! and `set_config(..., true)` last until the end of the transaction, and a
//! custom (dotted) setting once defined stays defined (as '') after RESET.

use std::collections::{BTreeMap, BTreeSet};

use rampart_types::{PgError, PgResult, SqlState};

// (name, default, settable by a session)
const BUILTINS: &[(&str, &str, bool)] = &[
    ("application_name", "", true),
    ("bytea_output", "hex", true),
    ("client_encoding", "UTF8", true),
    ("client_min_messages", "notice", true),
    ("datestyle", "ISO, MDY", true),
    ("default_transaction_isolation", "read committed", true),
    ("default_transaction_read_only", "off", true),
    ("extra_float_digits", "1", true),
    ("geqo", "on", true),
    ("integer_datetimes", "on", false),
    ("intervalstyle", "postgres", true),
    ("is_superuser", "off", false),
    ("lc_collate", "C", false),
    ("lc_ctype", "C", false),
    ("lc_messages", "C", true),
    ("lc_monetary", "C", true),
    ("lc_numeric", "C", true),
    ("lc_time", "C", true),
    ("lock_timeout", "0", true),
    ("log_connections", "off", false),
    ("log_disconnections", "off", false),
    ("log_min_error_statement", "error", true),
    ("log_statement", "none", true),
    // Session audit logging in pgAudit's format (see `crate::audit`).
    ("pgaudit.log", "none", true),
    ("pgaudit.log_parameter", "off", true),
    ("pgaudit.role", "", true),
    ("max_connections", "100", false),
    ("max_identifier_length", "63", false),
    ("superuser_reserved_connections", "3", false),
    ("password_encryption", "scram-sha-256", true),
    ("role", "none", false),
    ("row_security", "on", true),
    ("search_path", "\"$user\", public", true),
    ("server_encoding", "UTF8", false),
    ("server_version", crate::SERVER_VERSION, false),
    ("server_version_num", crate::SERVER_VERSION_NUM, false),
    ("session_authorization", "", false),
    ("standard_conforming_strings", "on", true),
    ("statement_timeout", "0", true),
    ("synchronous_commit", "on", true),
    ("timezone", "UTC", true),
    ("timezone_abbreviations", "Default", true),
    ("transaction_isolation", "read committed", true),
    ("transaction_read_only", "off", true),
    ("work_mem", "4MB", true),
    ("force_parallel_mode", "off", true),
    ("constraint_exclusion", "partition", true),
    ("default_statistics_target", "100", true),
    ("enable_seqscan", "on", true),
    ("enable_indexscan", "on", true),
    ("enable_bitmapscan", "on", true),
    ("enable_indexonlyscan", "on", true),
    ("enable_hashjoin", "on", true),
    ("enable_mergejoin", "on", true),
    ("enable_nestloop", "on", true),
    ("enable_sort", "on", true),
    ("enable_hashagg", "on", true),
    ("enable_material", "on", true),
    ("enable_partition_pruning", "on", true),
    ("jit", "off", true),
    // Accepted for what pg_dump sets and what its scripts contain; Rampart
    // has no behaviour behind them (no idle-in-transaction timeout, no
    // synchronized scans, function bodies are checked when created, one
    // table access method).
    ("idle_in_transaction_session_timeout", "0", true),
    ("synchronize_seqscans", "on", true),
    ("quote_all_identifiers", "off", true),
    ("check_function_bodies", "on", true),
    ("xmloption", "content", true),
    ("default_tablespace", "", true),
    ("default_table_access_method", "heap", true),
    ("escape_string_warning", "on", true),
    ("lo_compat_privileges", "off", true),
    // File locations (from the server's configuration; readable only with
    // pg_read_all_settings, see READ_RESTRICTED).
    ("data_directory", "", false),
    ("config_file", "", false),
    ("hba_file", "", false),
    ("ident_file", "", false),
    ("unix_socket_directories", "/tmp", false),
    ("shared_preload_libraries", "", false),
    ("session_preload_libraries", "", true),
];

/// Settings whose values only superusers and members of
/// pg_read_all_settings may read (PostgreSQL's `GUC_SUPERUSER_ONLY`): they
/// tell where the server's files are.
const READ_RESTRICTED: &[&str] = &[
    "data_directory",
    "config_file",
    "hba_file",
    "ident_file",
    "unix_socket_directories",
    "shared_preload_libraries",
    "session_preload_libraries",
];

/// True when reading `name` (any case) needs superuser or the privileges
/// of pg_read_all_settings.
pub fn read_restricted(name: &str) -> bool {
    READ_RESTRICTED.iter().any(|r| r.eq_ignore_ascii_case(name))
}

/// PostgreSQL's refusal to show a read-restricted setting.
pub fn read_denied(name: &str) -> PgError {
    PgError::new(
        SqlState::INSUFFICIENT_PRIVILEGE,
        format!(
            "must be superuser or have privileges of pg_read_all_settings to examine \"{name}\""
        ),
    )
}

/// Settings only superusers may change (PostgreSQL's `superuser` context).
const SUPERUSER_ONLY: &[&str] = &[
    "session_preload_libraries",
    "log_statement",
    "log_min_error_statement",
    "pgaudit.log",
    "pgaudit.log_parameter",
    "pgaudit.role",
];

/// A built-in setting.
struct Builtin {
    /// The compiled-in default.
    boot: &'static str,
    /// The default in force: the configuration file's, else `boot`.
    default: &'static str,
    settable: bool,
}

/// Values the server's configuration file gives to settings a session
/// cannot change (`max_connections`), set once at server start.
static SERVER_VALUES: std::sync::OnceLock<std::collections::HashMap<String, String>> =
    std::sync::OnceLock::new();

/// Records the configuration file's values for server-wide settings, so
/// `SHOW` and `current_setting` report what the server enforces rather
/// than the built-in default. Only the first call counts (one server per
/// process).
pub fn set_server_values(values: &[(&str, String)]) {
    let _ = SERVER_VALUES.set(
        values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    );
}

/// The configuration file's value of a server-wide setting, if it gave one.
pub fn server_value(name: &str) -> Option<&'static str> {
    SERVER_VALUES.get()?.get(name).map(String::as_str)
}

/// (boot value, value RESET returns to) of a built-in setting: the
/// compiled-in default and the one in force for sessions (the
/// configuration file's, where it sets one).
pub fn defaults(name: &str) -> (&'static str, &'static str) {
    builtin(name).map_or(("", ""), |b| (b.boot, b.default))
}

fn builtin(name: &str) -> Option<Builtin> {
    // Looked up on every statement (several times): index the table once.
    static INDEX: std::sync::LazyLock<std::collections::HashMap<&'static str, usize>> =
        std::sync::LazyLock::new(|| BUILTINS.iter().enumerate().map(|(i, b)| (b.0, i)).collect());
    INDEX.get(name).map(|&i| Builtin {
        boot: BUILTINS[i].1,
        default: SERVER_VALUES
            .get()
            .and_then(|m| m.get(name))
            .map_or(BUILTINS[i].1, String::as_str),
        settable: BUILTINS[i].2,
    })
}

/// `name` in lower case, copied only when it has upper-case letters.
fn lower(name: &str) -> std::borrow::Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(name.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(name)
    }
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

/// The settings [`Settings::style`] is computed from.
const STYLE_SETTINGS: [&str; 3] = ["datestyle", "intervalstyle", "timezone"];

/// A set of values, shared copy-on-write: every transaction start and
/// savepoint keeps the values of that moment, and most transactions change
/// nothing, so they share one map instead of copying it.
type Values = std::sync::Arc<BTreeMap<String, String>>;

/// Settings saved at a savepoint: (values, session-level SETs).
type SavedSettings = (Values, BTreeMap<String, Option<String>>);

/// One session's settings.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Effective values that differ from defaults.
    values: Values,
    /// [`Settings::style`] computed from `values` (emptied when they change):
    /// every statement and every result row's date/time text needs it.
    style: std::sync::OnceLock<rampart_types::Style>,
    /// Values at the end of connection start (database and role defaults,
    /// the client's startup parameters): what RESET goes back to.
    reset_values: Values,
    /// Session-level values as of transaction start (restored on ROLLBACK).
    txn_start: Option<Values>,
    /// Values set with plain SET during the transaction (kept at COMMIT).
    txn_session_sets: BTreeMap<String, Option<String>>,
    /// Custom placeholders ever defined in this session.
    defined_custom: BTreeSet<String>,
    /// Savepoint snapshots: (values, session sets).
    savepoints: Vec<SavedSettings>,
}

impl Settings {
    /// Whether this session gave the setting a value (SET, SET LOCAL,
    /// set_config or a startup parameter) that is in force now.
    pub fn is_set(&self, name: &str) -> bool {
        self.values.contains_key(lower(name).as_ref())
    }

    /// Current value, or None if the parameter is unknown.
    pub fn get(&self, name: &str) -> Option<String> {
        let name = lower(name);
        if let Some(v) = self.values.get(name.as_ref()) {
            return Some(v.clone());
        }
        if let Some(b) = builtin(&name) {
            return Some(b.default.to_string());
        }
        if self.defined_custom.contains(name.as_ref()) {
            return Some(String::new());
        }
        None
    }

    /// [`Settings::get`] without copying, for built-in settings named in
    /// lower case (checked on every statement: `transaction_read_only`,
    /// `log_statement`).
    pub fn get_builtin(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(v) => Some(v.as_str()),
            None => builtin(name).map(|b| b.default),
        }
    }

    /// The value set for `name` (lower case) in this session, if any, without
    /// copying it (defaults are not looked up).
    pub fn value_set(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Sets a value for the session (`local = false`) or the transaction.
    pub fn set(&mut self, name: &str, value: &str, local: bool) -> PgResult<()> {
        let name = name.to_ascii_lowercase();
        self.validate(&name, value)?;
        let value = normalize(&name, value)?;
        if name.contains('.') {
            self.defined_custom.insert(name.clone());
        }
        self.store(name, value, local);
        Ok(())
    }

    /// Sets a server-controlled parameter (role, session_authorization,
    /// is_superuser) with the same transactional behaviour as SET.
    pub fn set_privileged(&mut self, name: &str, value: &str, local: bool) {
        self.store(name.to_string(), value.to_string(), local);
    }

    fn store(&mut self, name: String, value: String, local: bool) {
        // Outside any transaction (session start) values are session defaults.
        if !local && self.txn_start.is_some() {
            self.txn_session_sets
                .insert(name.clone(), Some(value.clone()));
        }
        self.values_mut(&name).insert(name, value);
    }

    /// The values, to change `name`: copied first when a transaction start
    /// or savepoint shares them; the cached style goes when `name` shapes it.
    fn values_mut(&mut self, name: &str) -> &mut BTreeMap<String, String> {
        if STYLE_SETTINGS.contains(&name) {
            self.style = std::sync::OnceLock::new();
        }
        std::sync::Arc::make_mut(&mut self.values)
    }

    /// Replaces the values (COMMIT, ROLLBACK, ROLLBACK TO), keeping the cached
    /// style when the settings that shape it are unchanged.
    fn replace_values(&mut self, values: Values) {
        if std::sync::Arc::ptr_eq(&self.values, &values) {
            return;
        }
        if STYLE_SETTINGS
            .iter()
            .any(|n| self.values.get(*n) != values.get(*n))
        {
            self.style = std::sync::OnceLock::new();
        }
        self.values = values;
    }

    /// The stored value of a parameter (None: at its default), for
    /// [`Settings::restore_raw`] after a function's `SET` clause.
    pub fn raw(&self, name: &str) -> Option<String> {
        self.values.get(&name.to_ascii_lowercase()).cloned()
    }

    /// Puts back a value saved with [`Settings::raw`].
    pub fn restore_raw(&mut self, name: &str, value: Option<String>) {
        let name = name.to_ascii_lowercase();
        match value {
            Some(v) => self.values_mut(&name).insert(name, v),
            None => self.values_mut(&name).remove(&name),
        };
    }

    /// Applies a function's `SET name = value` for the duration of a call.
    pub fn set_for_call(&mut self, name: &str, value: &str) -> PgResult<()> {
        let name = name.to_ascii_lowercase();
        self.validate(&name, value)?;
        let value = normalize(&name, value)?;
        self.values_mut(&name).insert(name, value);
        Ok(())
    }

    /// Internal (server-set) session value, e.g. is_superuser.
    pub fn set_internal(&mut self, name: &str, value: &str) {
        // Set on every transaction, mostly to the value it has (or to its
        // default, which needs no entry): the values stay shared then.
        let current = match self.values.get(name) {
            Some(v) => Some(v.as_str()),
            None => builtin(name).map(|b| b.default),
        };
        if current != Some(value) {
            self.values_mut(name)
                .insert(name.to_string(), value.to_string());
        }
    }

    /// Records the values now in force as those RESET returns to (called
    /// once the connection's startup parameters are applied).
    pub fn keep_as_reset_values(&mut self) {
        self.reset_values = self.values.clone();
    }

    /// `RESET name` (to the value at connection start, else the default).
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
        let reset = self.reset_values.get(&name).cloned();
        if !local && self.txn_start.is_some() {
            self.txn_session_sets.insert(name.clone(), reset.clone());
        }
        if self.values.get(&name) != reset.as_ref() {
            match reset {
                Some(v) => self.values_mut(&name).insert(name, v),
                None => self.values_mut(&name).remove(&name),
            };
        }
        Ok(())
    }

    /// `RESET ALL`.
    pub fn reset_all(&mut self) {
        let names: BTreeSet<String> = self
            .values
            .keys()
            .chain(self.reset_values.keys())
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
            // Superuser-context settings (what the server logs about everyone).
            Some(_)
                if SUPERUSER_ONLY.contains(&name)
                    && self.values.get("is_superuser").map(String::as_str) != Some("on") =>
            {
                Err(PgError::new(
                    SqlState::INSUFFICIENT_PRIVILEGE,
                    format!("permission denied to set parameter \"{name}\""),
                ))
            }
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
            let sets = std::mem::take(&mut self.txn_session_sets);
            if !sets.is_empty() {
                let map = std::sync::Arc::make_mut(&mut base);
                for (k, v) in sets {
                    match v {
                        Some(v) => map.insert(k, v),
                        None => map.remove(&k),
                    };
                }
            }
            self.replace_values(base);
        }
        self.savepoints.clear();
    }

    /// Called at ROLLBACK: everything reverts.
    pub fn rollback(&mut self) {
        if let Some(base) = self.txn_start.take() {
            self.replace_values(base);
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
            self.replace_values(v);
            self.txn_session_sets = s;
            self.savepoints.truncate(depth + 1);
        }
    }

    /// RELEASE SAVEPOINT `depth`.
    pub fn release(&mut self, depth: usize) {
        self.savepoints.truncate(depth);
    }

    /// The DateStyle/IntervalStyle/TimeZone in effect.
    pub fn style(&self) -> rampart_types::Style {
        *self.style.get_or_init(|| self.compute_style())
    }

    fn compute_style(&self) -> rampart_types::Style {
        use rampart_types::style;
        let (date, order) = self
            .get("datestyle")
            .and_then(|d| style::parse_datestyle(&d))
            .unwrap_or_default();
        let interval = match self.get("intervalstyle").as_deref() {
            Some("postgres_verbose") => style::IntervalFormat::PostgresVerbose,
            _ => style::IntervalFormat::Postgres,
        };
        let zone = self
            .get("timezone")
            .and_then(|z| style::parse_zone(&z))
            .unwrap_or(chrono_tz::Tz::UTC);
        rampart_types::Style {
            date,
            order,
            interval,
            zone,
        }
    }

    /// All settings for `SHOW ALL`: (name, value).
    pub fn all(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = BUILTINS
            .iter()
            .map(|&(name, _, _)| {
                (
                    display_name(name).to_string(),
                    self.get(name).unwrap_or_default(),
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

/// An enum setting's value in lower case, or PostgreSQL's error listing the choices.
fn one_of(name: &str, value: &str, choices: &[&str]) -> PgResult<String> {
    let v = value.trim().to_ascii_lowercase();
    if choices.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("invalid value for parameter \"{name}\": \"{value}\""),
        )
        .with_hint(format!("Available values: {}.", choices.join(", "))))
    }
}

fn normalize(name: &str, value: &str) -> PgResult<String> {
    Ok(match name {
        "row_security"
        | "standard_conforming_strings"
        | "transaction_read_only"
        | "default_transaction_read_only"
        | "synchronize_seqscans"
        | "quote_all_identifiers"
        | "check_function_bodies"
        | "escape_string_warning"
        | "lo_compat_privileges"
        | "pgaudit.log_parameter"
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
        "log_statement" => one_of(name, value, &["none", "ddl", "mod", "all"])?,
        // Lists of names, each kept as an identifier (PostgreSQL's
        // GUC_LIST_QUOTE: `'a-b'` is shown as `"a-b"`).
        "session_preload_libraries" | "shared_preload_libraries" => value
            .split(',')
            .map(|v| crate::functions::quote_ident(v.trim().trim_matches('"')))
            .collect::<Vec<_>>()
            .join(", "),
        "pgaudit.log" => {
            if crate::audit::AuditClasses::parse(value).is_none() {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid value for parameter \"{name}\": \"{value}\""),
                ));
            }
            value.to_string()
        }
        "xmloption" => one_of(name, &value.to_ascii_lowercase(), &["content", "document"])?,
        "default_table_access_method" if value != "heap" => {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("invalid value for parameter \"default_table_access_method\": \"{value}\""),
            )
            .with_detail(format!("Table access method \"{value}\" does not exist.")))
        }
        "idle_in_transaction_session_timeout" => {
            match value.trim_end_matches("ms").parse::<i32>() {
                Ok(v) if v >= 0 => v.to_string(),
                _ => {
                    return Err(PgError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("invalid value for parameter \"{name}\": \"{value}\""),
                    ))
                }
            }
        }
        "log_min_error_statement" => one_of(
            name,
            value,
            &[
                "debug5", "debug4", "debug3", "debug2", "debug1", "info", "notice", "warning",
                "error", "log", "fatal", "panic",
            ],
        )?,
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
        "timezone" => match rampart_types::style::parse_zone(value) {
            Some(_) => value.to_string(),
            None => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid value for parameter \"TimeZone\": \"{value}\""),
                ))
            }
        },
        "datestyle" => match rampart_types::style::parse_datestyle(value) {
            Some((f, o)) => rampart_types::style::datestyle_text(f, o),
            None => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid value for parameter \"DateStyle\": \"{value}\""),
                ))
            }
        },
        "intervalstyle" => match value.to_ascii_lowercase().as_str() {
            v @ ("postgres" | "postgres_verbose") => v.to_string(),
            v @ ("sql_standard" | "iso_8601") => {
                return Err(PgError::unsupported(format!(
                    "IntervalStyle {v} is not supported yet"
                )))
            }
            other => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid value for parameter \"IntervalStyle\": \"{other}\""),
                )
                .with_hint(
                    "Available values: postgres, postgres_verbose, sql_standard, iso_8601.",
                ))
            }
        },

        _ => typed_value(name, value)?,
    })
}

/// Checks a value against the setting's type from pg_settings' metadata
/// (Boolean, integer with PostgreSQL's unit suffixes and bounds, enum), as
/// PostgreSQL's parse_and_validate_value does. Returns the value to keep:
/// as written, except an integer with a unit, shown as SHOW shows it (in
/// the largest unit that divides it: `1.5min` is `90s`).
fn typed_value(name: &str, value: &str) -> PgResult<String> {
    let Some(meta) = crate::guc_meta::find(name) else {
        return Ok(value.to_string());
    };
    let invalid = || {
        PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("invalid value for parameter \"{}\": \"{value}\"", meta.name),
        )
    };
    match meta.vartype {
        "bool" if rampart_types::parse_bool(value).is_err() => Err(PgError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("parameter \"{}\" requires a Boolean value", meta.name),
        )),
        "enum" => {
            let v = value.trim().to_ascii_lowercase();
            // Enum settings also take hidden Boolean spellings (on/off, …)
            // where they list on or off.
            let listed = meta.enumvals.split(',').any(|c| c == v);
            let boolean = meta.enumvals.split(',').any(|c| c == "on" || c == "off")
                && rampart_types::parse_bool(&v).is_ok();
            if listed || boolean {
                return Ok(value.to_string());
            }
            Err(invalid().with_hint(format!(
                "Available values: {}.",
                meta.enumvals.replace(',', ", ")
            )))
        }
        "integer" => {
            let (number, unit) = split_number(value.trim()).ok_or_else(invalid)?;
            if !number.is_finite() {
                return Err(invalid());
            }
            let scale = unit_scale(meta.unit, unit).ok_or_else(|| match meta.unit {
                "kB" => invalid().with_hint("Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\"."),
                "ms" => invalid().with_hint("Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\"."),
                _ => invalid(),
            })?;
            let v = (number * scale).round();
            if v > f64::from(i32::MAX) || v < f64::from(i32::MIN) {
                return Err(invalid().with_hint("Value exceeds integer range."));
            }
            let (min, max) = (
                meta.min_val.parse::<f64>().unwrap_or(f64::MIN),
                meta.max_val.parse::<f64>().unwrap_or(f64::MAX),
            );
            if v < min || v > max {
                let unit = if meta.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", meta.unit)
                };
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!(
                        "{v}{unit} is outside the valid range for parameter \"{}\" ({} .. {})",
                        meta.name, meta.min_val, meta.max_val
                    ),
                ));
            }
            Ok(shown_with_unit(v as i64, meta.unit).unwrap_or_else(|| (v as i64).to_string()))
        }
        _ => Ok(value.to_string()),
    }
}

/// PostgreSQL's units of memory settings, in kB (their base unit),
/// smallest first.
const MEMORY_UNITS: &[(&str, f64)] = &[
    ("B", 1.0 / 1024.0),
    ("kB", 1.0),
    ("MB", 1024.0),
    ("GB", 1048576.0),
    ("TB", 1073741824.0),
];

/// PostgreSQL's units of time settings, in ms (their base unit), smallest
/// first.
const TIME_UNITS: &[(&str, f64)] = &[
    ("us", 0.001),
    ("ms", 1.0),
    ("s", 1000.0),
    ("min", 60000.0),
    ("h", 3600000.0),
    ("d", 86400000.0),
];

/// The units a setting whose base unit is `base` (`kB` or `ms`, as
/// pg_settings lists them) accepts.
fn units_of(base: &str) -> Option<&'static [(&'static str, f64)]> {
    match base {
        "kB" => Some(MEMORY_UNITS),
        "ms" => Some(TIME_UNITS),
        _ => None,
    }
}

/// A positive amount of `base` units in the largest unit that divides it
/// (`4096` kB is `4MB`); None for settings without a unit.
fn shown_with_unit(v: i64, base: &str) -> Option<String> {
    let units = units_of(base)?;
    if v <= 0 {
        return Some(v.to_string());
    }
    units
        .iter()
        .rev()
        .filter(|(_, f)| *f >= 1.0)
        .map(|&(u, f)| (u, f as i64))
        .find(|(_, n)| v % n == 0)
        .map(|(u, n)| format!("{}{u}", v / n))
}

/// A value with an optional unit suffix as an amount of `base` units,
/// rounded (`'1.5MB'` in kB is 1536); None when it does not read as one.
pub(crate) fn amount_in_unit(value: &str, base: &str) -> Option<i64> {
    let (number, unit) = split_number(value.trim())?;
    let scale = unit_scale(base, unit)?;
    number.is_finite().then(|| (number * scale).round() as i64)
}

/// `"250ms"` → (250, "ms"): a number (sign, digits, fraction, exponent)
/// then, after optional blanks, a unit; None when there is no number.
fn split_number(v: &str) -> Option<(f64, &str)> {
    // strtod also reads hexadecimal (`0x10`).
    let (sign, digits) = match v.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, v.strip_prefix('+').unwrap_or(v)),
    };
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        let end = hex
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(hex.len());
        let n = i64::from_str_radix(&hex[..end], 16).ok()?;
        return Some((sign * n as f64, hex[end..].trim()));
    }
    let end = v
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || ((c == '-' || c == '+') && (i == 0 || v[..i].ends_with(['e', 'E'])))
                || ((c == 'e' || c == 'E')
                    && i > 0
                    && v[i + 1..]
                        .starts_with(|d: char| d.is_ascii_digit() || d == '-' || d == '+')))
        })
        .map_or(v.len(), |(i, _)| i);
    let number = v[..end].parse::<f64>().ok()?;
    Some((number, v[end..].trim()))
}

/// How many of the setting's base `unit` one `given` unit is (1 for none).
fn unit_scale(base: &str, given: &str) -> Option<f64> {
    if given.is_empty() {
        return Some(1.0);
    }
    units_of(base)?
        .iter()
        .find(|(u, _)| *u == given)
        .map(|(_, f)| *f)
}

fn unknown(name: &str) -> PgError {
    PgError::new(
        SqlState::UNDEFINED_OBJECT,
        format!("unrecognized configuration parameter \"{name}\""),
    )
}

/// PostgreSQL's refusal for a setting a session cannot change, worded by
/// the setting's context.
fn cant_change(name: &str) -> PgError {
    let context = crate::guc_meta::find(name).map_or("internal", |m| m.context);
    let why = match context {
        "postmaster" => "cannot be changed without restarting the server",
        "backend" | "superuser-backend" => "cannot be set after connection start",
        "sighup" => "cannot be changed now",
        _ => "cannot be changed",
    };
    PgError::new(
        SqlState::CANT_CHANGE_RUNTIME_PARAM,
        format!("parameter \"{name}\" {why}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_settings_are_checked_and_shown_as_postgres_shows_them() {
        assert_eq!(typed_value("statement_timeout", "1.5min").unwrap(), "90s");
        assert_eq!(typed_value("work_mem", "4096").unwrap(), "4MB");
        assert_eq!(typed_value("lock_timeout", "0").unwrap(), "0");
        let e = typed_value("work_mem", "4mb").unwrap_err();
        assert_eq!(
            e.message,
            "invalid value for parameter \"work_mem\": \"4mb\""
        );
        assert!(e.hint.as_deref().unwrap_or("").contains("\"MB\""));
        let e = typed_value("extra_float_digits", "10").unwrap_err();
        assert_eq!(
            e.message,
            "10 is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)"
        );
        let e = typed_value("statement_timeout", "-5").unwrap_err();
        assert_eq!(e.message, "-5 ms is outside the valid range for parameter \"statement_timeout\" (0 .. 2147483647)");
        assert!(typed_value("check_function_bodies", "maybe").is_err());
        assert!(typed_value("constraint_exclusion", "true").is_ok());
        assert!(typed_value("client_min_messages", "loud").is_err());
    }

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
