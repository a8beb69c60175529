//! SQL types and values shared by every Rampart layer.
//!
//! * [`DataType`]: a SQL type with its PostgreSQL OID and modifiers.
//! * [`Value`]: one datum, with PostgreSQL's text output ([`Value::to_pg_text`]).
//! * [`PgError`]: an error carrying SQLSTATE, message, DETAIL, HINT and cursor
//!   position, which the server turns into an `ErrorResponse`.
//! * [`row`]: the compact binary encoding rows are stored in.

mod datatype;
mod error;
mod parse;
pub mod row;
pub mod style;
mod value;

pub use datatype::{DataType, RegKind};
pub use error::{PgError, PgResult, SqlState};
pub use parse::{parse_bool, parse_date, parse_interval, parse_timestamp};
pub use style::Style;
pub use value::{Interval, Value};
