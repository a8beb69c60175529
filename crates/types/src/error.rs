//! PostgreSQL-style errors: SQLSTATE, message, DETAIL, HINT, position.

use std::fmt;

/// A five-character SQLSTATE code, e.g. `42P01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SqlState(pub &'static str);

#[allow(missing_docs)]
impl SqlState {
    pub const SUCCESSFUL_COMPLETION: SqlState = SqlState("00000");
    pub const WARNING: SqlState = SqlState("01000");
    pub const FEATURE_NOT_SUPPORTED: SqlState = SqlState("0A000");
    pub const READ_ONLY_SQL_TRANSACTION: SqlState = SqlState("25006");
    pub const INVALID_AUTHORIZATION: SqlState = SqlState("28000");
    pub const INVALID_PASSWORD: SqlState = SqlState("28P01");
    pub const CARDINALITY_VIOLATION: SqlState = SqlState("21000");
    pub const WITH_CHECK_OPTION_VIOLATION: SqlState = SqlState("44000");
    pub const INVALID_OBJECT_DEFINITION: SqlState = SqlState("42P17");
    pub const DATA_EXCEPTION: SqlState = SqlState("22000");
    pub const STRING_DATA_RIGHT_TRUNCATION: SqlState = SqlState("22001");
    pub const NUMERIC_VALUE_OUT_OF_RANGE: SqlState = SqlState("22003");
    pub const DATETIME_FIELD_OVERFLOW: SqlState = SqlState("22008");
    pub const DIVISION_BY_ZERO: SqlState = SqlState("22012");
    pub const INVALID_PARAMETER_VALUE: SqlState = SqlState("22023");
    pub const INVALID_PRECEDING_OR_FOLLOWING_SIZE: SqlState = SqlState("22013");
    pub const INVALID_ARGUMENT_FOR_NTILE: SqlState = SqlState("22014");
    pub const INVALID_ARGUMENT_FOR_NTH_VALUE: SqlState = SqlState("22016");
    pub const CHARACTER_NOT_IN_REPERTOIRE: SqlState = SqlState("22021");
    pub const INVALID_DATETIME_FORMAT: SqlState = SqlState("22007");
    pub const INVALID_TEXT_REPRESENTATION: SqlState = SqlState("22P02");
    pub const INVALID_ESCAPE_SEQUENCE: SqlState = SqlState("22025");
    pub const INVALID_REGULAR_EXPRESSION: SqlState = SqlState("2201B");
    pub const INVALID_ROW_COUNT: SqlState = SqlState("2201W");
    pub const NOT_NULL_VIOLATION: SqlState = SqlState("23502");
    /// null_value_not_allowed: a NULL where a function needs a value.
    pub const NULL_VALUE_NOT_ALLOWED: SqlState = SqlState("22004");
    pub const FOREIGN_KEY_VIOLATION: SqlState = SqlState("23503");
    pub const UNIQUE_VIOLATION: SqlState = SqlState("23505");
    pub const CHECK_VIOLATION: SqlState = SqlState("23514");
    pub const ACTIVE_SQL_TRANSACTION: SqlState = SqlState("25001");
    pub const NO_ACTIVE_SQL_TRANSACTION: SqlState = SqlState("25P01");
    pub const IN_FAILED_SQL_TRANSACTION: SqlState = SqlState("25P02");
    pub const INVALID_TRANSACTION_STATE: SqlState = SqlState("25000");
    pub const INVALID_SQL_STATEMENT_NAME: SqlState = SqlState("26000");
    pub const INVALID_CURSOR_NAME: SqlState = SqlState("34000");
    /// invalid_cursor_state
    pub const INVALID_CURSOR_STATE: SqlState = SqlState("24000");
    pub const INVALID_SCHEMA_NAME: SqlState = SqlState("3F000");
    pub const INVALID_SAVEPOINT_SPECIFICATION: SqlState = SqlState("3B001");
    pub const SERIALIZATION_FAILURE: SqlState = SqlState("40001");
    pub const DEADLOCK_DETECTED: SqlState = SqlState("40P01");
    pub const SYNTAX_ERROR: SqlState = SqlState("42601");
    pub const INVALID_NAME: SqlState = SqlState("42602");
    pub const INSUFFICIENT_PRIVILEGE: SqlState = SqlState("42501");
    pub const UNDEFINED_COLUMN: SqlState = SqlState("42703");
    pub const UNDEFINED_FUNCTION: SqlState = SqlState("42883");
    pub const UNDEFINED_TABLE: SqlState = SqlState("42P01");
    pub const UNDEFINED_OBJECT: SqlState = SqlState("42704");
    pub const UNDEFINED_PARAMETER: SqlState = SqlState("42P02");
    pub const DUPLICATE_COLUMN: SqlState = SqlState("42701");
    pub const DUPLICATE_ALIAS: SqlState = SqlState("42712");
    pub const DUPLICATE_TABLE: SqlState = SqlState("42P07");
    pub const DUPLICATE_SCHEMA: SqlState = SqlState("42P06");
    pub const DUPLICATE_OBJECT: SqlState = SqlState("42710");
    pub const AMBIGUOUS_COLUMN: SqlState = SqlState("42702");
    pub const DATATYPE_MISMATCH: SqlState = SqlState("42804");
    pub const GROUPING_ERROR: SqlState = SqlState("42803");
    pub const INVALID_COLUMN_REFERENCE: SqlState = SqlState("42P10");
    pub const UNDEFINED_PSTATEMENT: SqlState = SqlState("26000");
    pub const CANNOT_COERCE: SqlState = SqlState("42846");
    pub const WRONG_OBJECT_TYPE: SqlState = SqlState("42809");
    /// invalid_grant_operation
    pub const INVALID_GRANT_OPERATION: SqlState = SqlState("0LP01");
    pub const WINDOWING_ERROR: SqlState = SqlState("42P20");
    /// indeterminate_datatype
    pub const INDETERMINATE_DATATYPE: SqlState = SqlState("42P18");
    pub const DEPENDENT_OBJECTS_STILL_EXIST: SqlState = SqlState("2BP01");
    pub const INVALID_TABLE_DEFINITION: SqlState = SqlState("42P16");
    pub const PROGRAM_LIMIT_EXCEEDED: SqlState = SqlState("54000");
    pub const STATEMENT_TOO_COMPLEX: SqlState = SqlState("54001");
    pub const QUERY_CANCELED: SqlState = SqlState("57014");
    pub const ADMIN_SHUTDOWN: SqlState = SqlState("57P01");
    pub const CANT_CHANGE_RUNTIME_PARAM: SqlState = SqlState("55P02");
    pub const OBJECT_NOT_IN_PREREQUISITE_STATE: SqlState = SqlState("55000");
    pub const PROTOCOL_VIOLATION: SqlState = SqlState("08P01");
    pub const IO_ERROR: SqlState = SqlState("58030");
    pub const INTERNAL_ERROR: SqlState = SqlState("XX000");
    pub const DATA_CORRUPTED: SqlState = SqlState("XX001");
    pub const INVALID_FUNCTION_DEFINITION: SqlState = SqlState("42P13");
    pub const DUPLICATE_FUNCTION: SqlState = SqlState("42723");
    pub const AMBIGUOUS_FUNCTION: SqlState = SqlState("42725");
    pub const RAISE_EXCEPTION: SqlState = SqlState("P0001");
    pub const NO_DATA_FOUND: SqlState = SqlState("P0002");
    pub const TOO_MANY_ROWS: SqlState = SqlState("P0003");
    pub const CASE_NOT_FOUND: SqlState = SqlState("20000");
}

/// An error as PostgreSQL reports it to a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgError {
    /// `ERROR`, `FATAL`, ...
    pub severity: &'static str,
    /// SQLSTATE.
    pub code: SqlState,
    /// Primary message, PostgreSQL's wording where PostgreSQL has one.
    pub message: String,
    /// Optional DETAIL line.
    pub detail: Option<String>,
    /// Optional HINT line.
    pub hint: Option<String>,
    /// 1-based character position in the statement text (psql's `LINE 1: ^`).
    pub position: Option<u32>,
    /// CONTEXT line (where the error happened: a COPY line, a function).
    pub context: Option<String>,
    /// The internal query an error position refers to (psql's `QUERY:` line),
    /// for statements run inside functions.
    pub internal_query: Option<String>,
    /// 1-based character position in `internal_query`.
    pub internal_position: Option<u32>,
}

/// Result alias used across layers.
pub type PgResult<T> = Result<T, PgError>;

impl PgError {
    /// Adds one CONTEXT line below the existing ones (innermost first, as PostgreSQL).
    pub fn add_context(mut self, line: impl Into<String>) -> Self {
        let line = line.into();
        self.context = Some(match self.context.take() {
            Some(c) => format!("{c}\n{line}"),
            None => line,
        });
        self
    }

    /// An `ERROR` with the given SQLSTATE and message.
    pub fn new(code: SqlState, message: impl Into<String>) -> Self {
        PgError {
            severity: "ERROR",
            code,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
            context: None,
            internal_query: None,
            internal_position: None,
        }
    }

    /// Adds a CONTEXT line (kept if one is already set).
    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        if self.context.is_none() {
            self.context = Some(context.into());
        }
        self
    }

    /// Adds a DETAIL line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a HINT line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the cursor position (1-based, in characters) if not already set.
    pub fn with_position(mut self, position: u32) -> Self {
        if self.position.is_none() {
            self.position = Some(position);
        }
        self
    }

    /// Marks the error FATAL (the session ends).
    pub fn fatal(mut self) -> Self {
        self.severity = "FATAL";
        self
    }

    /// 42601 syntax error.
    pub fn syntax(message: impl Into<String>) -> Self {
        Self::new(SqlState::SYNTAX_ERROR, message)
    }

    /// 0A000 feature not supported.
    pub fn unsupported(what: impl Into<String>) -> Self {
        Self::new(SqlState::FEATURE_NOT_SUPPORTED, what)
    }

    /// XX000 internal error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(SqlState::INTERNAL_ERROR, message)
    }

    /// 22012 division by zero.
    pub fn division_by_zero() -> Self {
        Self::new(SqlState::DIVISION_BY_ZERO, "division by zero")
    }

    /// 22P02 `invalid input syntax for type T: "V"`.
    pub fn invalid_input(type_name: &str, input: &str) -> Self {
        Self::new(
            SqlState::INVALID_TEXT_REPRESENTATION,
            format!("invalid input syntax for type {type_name}: \"{input}\""),
        )
    }

    /// 22003 `T out of range`.
    pub fn out_of_range(type_name: &str) -> Self {
        Self::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            format!("{type_name} out of range"),
        )
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:  {}", self.severity, self.message)
    }
}

impl std::error::Error for PgError {}
