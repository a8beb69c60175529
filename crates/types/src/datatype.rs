//! SQL data types with PostgreSQL OIDs and display names.

use serde::{Deserialize, Serialize};

/// A SQL type as the catalog records it (with its modifier where it has one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataType {
    /// `boolean`
    Bool,
    /// `smallint`
    Int2,
    /// `integer`
    Int4,
    /// `bigint`
    Int8,
    /// `real`
    Float4,
    /// `double precision`
    Float8,
    /// `numeric(p, s)`; `None` is unconstrained.
    Numeric(Option<(u32, u32)>),
    /// `text`
    Text,
    /// `character varying(n)`
    Varchar(Option<u32>),
    /// `character(n)` (blank-padded)
    Char(Option<u32>),
    /// `name`
    Name,
    /// `bytea`
    Bytea,
    /// `date`
    Date,
    /// `time without time zone`
    Time,
    /// `timestamp without time zone`
    Timestamp,
    /// `timestamp with time zone`
    Timestamptz,
    /// `interval`
    Interval,
    /// `oid`
    Oid,
    /// `uuid`
    Uuid,
    /// `json` (stored as text)
    Json,
    /// `jsonb` (stored as normalized text)
    Jsonb,
    /// The type of an untyped string literal or NULL until context decides.
    Unknown,
    /// `void`: what a function without a result returns (its value is an empty string).
    Void,
    /// A one-dimensional array of the element type.
    Array(Box<DataType>),
    /// An object-identifier alias type (`regclass`, `regtype`, …): an OID
    /// that prints as the object's name.
    Reg(RegKind),
    /// `aclitem`: one ACL entry, held in its canonical text form
    /// (`grantee=privs/grantor`; input resolves role names, so text →
    /// aclitem is a cast the SQL layer performs with the catalog).
    AclItem,
    /// `"char"`: a single byte (PostgreSQL's internal one-character type,
    /// used for catalog codes such as `relkind`), held as a text of at most
    /// one character.
    InternalChar,
    /// `pg_node_tree`: a stored expression; Rampart holds PostgreSQL's
    /// deparsed text of it (see `pg_get_expr`), not the node tree itself.
    PgNodeTree,
    /// `int2vector`: column numbers (`pg_index.indkey`), held in its text
    /// form (`1 2`).
    Int2Vector,
    /// `oidvector`: OIDs (`pg_proc.proargtypes`), held in its text form.
    OidVector,
    /// `xid`: a 32-bit transaction ID, held as an unsigned number.
    Xid,
    /// `anyarray`: the pseudo-type of catalog columns holding arrays of any
    /// type (`pg_attribute.attmissingval`); Rampart's are always NULL.
    AnyArray,
}

/// The object-identifier alias types: the catalog an OID of this type names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegKind {
    /// `regclass`: a relation in pg_class.
    Class,
    /// `regtype`: a type in pg_type.
    Type,
    /// `regrole`: a role in pg_authid.
    Role,
    /// `regnamespace`: a schema in pg_namespace.
    Namespace,
    /// `regproc`: a function in pg_proc, by name.
    Proc,
}

impl RegKind {
    /// The SQL type name (`regclass`, …).
    pub fn name(self) -> &'static str {
        match self {
            RegKind::Class => "regclass",
            RegKind::Type => "regtype",
            RegKind::Role => "regrole",
            RegKind::Namespace => "regnamespace",
            RegKind::Proc => "regproc",
        }
    }

    /// The type OID.
    pub fn oid(self) -> u32 {
        match self {
            RegKind::Class => 2205,
            RegKind::Type => 2206,
            RegKind::Role => 4096,
            RegKind::Namespace => 4089,
            RegKind::Proc => 24,
        }
    }
}

impl DataType {
    /// The PostgreSQL type OID.
    pub fn oid(&self) -> u32 {
        match self {
            DataType::Bool => 16,
            DataType::Bytea => 17,
            DataType::Name => 19,
            DataType::Int8 => 20,
            DataType::Int2 => 21,
            DataType::Int4 => 23,
            DataType::Text => 25,
            DataType::Oid => 26,
            DataType::Json => 114,
            DataType::Float4 => 700,
            DataType::Float8 => 701,
            DataType::Unknown => 705,
            DataType::Void => 2278,
            DataType::Char(_) => 1042,
            DataType::Varchar(_) => 1043,
            DataType::Date => 1082,
            DataType::Time => 1083,
            DataType::Timestamp => 1114,
            DataType::Timestamptz => 1184,
            DataType::Interval => 1186,
            DataType::Numeric(_) => 1700,
            DataType::Uuid => 2950,
            DataType::Jsonb => 3802,
            DataType::Reg(k) => k.oid(),
            DataType::AclItem => 1033,
            DataType::InternalChar => 18,
            DataType::PgNodeTree => 194,
            DataType::Int2Vector => 22,
            DataType::OidVector => 30,
            DataType::Xid => 28,
            DataType::AnyArray => 2277,
            DataType::Array(e) => match e.as_ref() {
                DataType::AclItem => 1034,
                DataType::InternalChar => 1002,
                DataType::Int2Vector => 1006,
                DataType::OidVector => 1013,
                DataType::Xid => 1011,
                DataType::Reg(RegKind::Class) => 2210,
                DataType::Reg(RegKind::Type) => 2211,
                DataType::Reg(RegKind::Role) => 4097,
                DataType::Reg(RegKind::Namespace) => 4090,
                DataType::Reg(RegKind::Proc) => 1008,
                DataType::Bool => 1000,
                DataType::Name => 1003,
                DataType::Int2 => 1005,
                DataType::Int4 => 1007,
                DataType::Int8 => 1016,
                DataType::Float8 => 1022,
                DataType::Oid => 1028,
                DataType::Varchar(_) => 1015,
                DataType::Numeric(_) => 1231,
                _ => 1009,
            },
        }
    }

    /// Looks a type up by OID (modifiers unknown).
    pub fn from_oid(oid: u32) -> Option<DataType> {
        Some(match oid {
            16 => DataType::Bool,
            17 => DataType::Bytea,
            19 => DataType::Name,
            20 => DataType::Int8,
            21 => DataType::Int2,
            23 => DataType::Int4,
            25 => DataType::Text,
            26 => DataType::Oid,
            114 => DataType::Json,
            700 => DataType::Float4,
            701 => DataType::Float8,
            705 => DataType::Unknown,
            2278 => DataType::Void,
            1042 => DataType::Char(None),
            1043 => DataType::Varchar(None),
            1082 => DataType::Date,
            1083 => DataType::Time,
            1114 => DataType::Timestamp,
            1184 => DataType::Timestamptz,
            1186 => DataType::Interval,
            1700 => DataType::Numeric(None),
            2950 => DataType::Uuid,
            3802 => DataType::Jsonb,
            1000 => DataType::Array(Box::new(DataType::Bool)),
            1003 => DataType::Array(Box::new(DataType::Name)),
            1005 => DataType::Array(Box::new(DataType::Int2)),
            1007 => DataType::Array(Box::new(DataType::Int4)),
            1009 => DataType::Array(Box::new(DataType::Text)),
            1016 => DataType::Array(Box::new(DataType::Int8)),
            1022 => DataType::Array(Box::new(DataType::Float8)),
            1028 => DataType::Array(Box::new(DataType::Oid)),
            2205 => DataType::Reg(RegKind::Class),
            2206 => DataType::Reg(RegKind::Type),
            4096 => DataType::Reg(RegKind::Role),
            4089 => DataType::Reg(RegKind::Namespace),
            1033 => DataType::AclItem,
            1034 => DataType::Array(Box::new(DataType::AclItem)),
            24 => DataType::Reg(RegKind::Proc),
            18 => DataType::InternalChar,
            194 => DataType::PgNodeTree,
            22 => DataType::Int2Vector,
            30 => DataType::OidVector,
            28 => DataType::Xid,
            2277 => DataType::AnyArray,
            1002 => DataType::Array(Box::new(DataType::InternalChar)),
            1006 => DataType::Array(Box::new(DataType::Int2Vector)),
            1013 => DataType::Array(Box::new(DataType::OidVector)),
            1011 => DataType::Array(Box::new(DataType::Xid)),
            1015 => DataType::Array(Box::new(DataType::Varchar(None))),
            1231 => DataType::Array(Box::new(DataType::Numeric(None))),
            2210 => DataType::Array(Box::new(DataType::Reg(RegKind::Class))),
            2211 => DataType::Array(Box::new(DataType::Reg(RegKind::Type))),
            4097 => DataType::Array(Box::new(DataType::Reg(RegKind::Role))),
            4090 => DataType::Array(Box::new(DataType::Reg(RegKind::Namespace))),
            1008 => DataType::Array(Box::new(DataType::Reg(RegKind::Proc))),
            _ => return None,
        })
    }

    /// The wire length (`typlen`): -1 for variable length.
    pub fn typlen(&self) -> i16 {
        match self {
            DataType::Bool => 1,
            DataType::Int2 => 2,
            DataType::InternalChar => 1,
            DataType::Int4
            | DataType::Float4
            | DataType::Date
            | DataType::Oid
            | DataType::Xid
            | DataType::Reg(_) => 4,
            DataType::Int8
            | DataType::Float8
            | DataType::Time
            | DataType::Timestamp
            | DataType::Timestamptz => 8,
            DataType::Interval | DataType::Uuid => 16,
            DataType::AclItem => 12,
            DataType::Name => 64,
            DataType::Unknown => -2,
            DataType::Void => 4,
            _ => -1,
        }
    }

    /// Whether values are passed by value (`typbyval`): the fixed-width
    /// types of at most 8 bytes.
    pub fn typbyval(&self) -> bool {
        (1..=8).contains(&self.typlen())
    }

    /// The storage alignment (`typalign`): `c`har, `s`hort, `i`nt or
    /// `d`ouble, as PostgreSQL's pg_type.
    pub fn typalign(&self) -> char {
        match self {
            DataType::Bool
            | DataType::Name
            | DataType::InternalChar
            | DataType::Uuid
            | DataType::Unknown => 'c',
            DataType::Int2 => 's',
            DataType::Int8
            | DataType::Float8
            | DataType::Time
            | DataType::Timestamp
            | DataType::Timestamptz
            | DataType::Interval
            | DataType::AnyArray => 'd',
            DataType::Array(e) if e.typalign() == 'd' => 'd',
            _ => 'i',
        }
    }

    /// The `atttypmod` PostgreSQL reports (-1 when there is none).
    pub fn typmod(&self) -> i32 {
        match self {
            DataType::Varchar(Some(n)) | DataType::Char(Some(n)) => *n as i32 + 4,
            DataType::Numeric(Some((p, s))) => (((*p << 16) | *s) + 4) as i32,
            _ => -1,
        }
    }

    /// The name `format_type` prints, e.g. `character varying(10)`.
    pub fn display_name(&self) -> String {
        match self {
            DataType::Bool => "boolean".into(),
            DataType::Int2 => "smallint".into(),
            DataType::Int4 => "integer".into(),
            DataType::Int8 => "bigint".into(),
            DataType::Float4 => "real".into(),
            DataType::Float8 => "double precision".into(),
            DataType::Numeric(None) => "numeric".into(),
            DataType::Numeric(Some((p, s))) => format!("numeric({p},{s})"),
            DataType::Text => "text".into(),
            DataType::Varchar(None) => "character varying".into(),
            DataType::Varchar(Some(n)) => format!("character varying({n})"),
            DataType::Char(None) => "character".into(),
            DataType::Char(Some(n)) => format!("character({n})"),
            DataType::Name => "name".into(),
            DataType::Bytea => "bytea".into(),
            DataType::Date => "date".into(),
            DataType::Time => "time without time zone".into(),
            DataType::Timestamp => "timestamp without time zone".into(),
            DataType::Timestamptz => "timestamp with time zone".into(),
            DataType::Interval => "interval".into(),
            DataType::Oid => "oid".into(),
            DataType::Uuid => "uuid".into(),
            DataType::Json => "json".into(),
            DataType::Jsonb => "jsonb".into(),
            DataType::Array(e) => format!("{}[]", e.display_name()),
            DataType::Unknown => "unknown".into(),
            DataType::Void => "void".into(),
            DataType::Reg(k) => k.name().into(),
            DataType::AclItem => "aclitem".into(),
            other => other.short_name().into(),
        }
    }

    /// The short name used in messages such as `invalid input syntax for type integer`.
    pub fn short_name(&self) -> &'static str {
        match self {
            DataType::Bool => "boolean",
            DataType::Int2 => "smallint",
            DataType::Int4 => "integer",
            DataType::Int8 => "bigint",
            DataType::Float4 => "real",
            DataType::Float8 => "double precision",
            DataType::Numeric(_) => "numeric",
            DataType::Text => "text",
            DataType::Varchar(_) => "character varying",
            DataType::Char(_) => "character",
            DataType::Name => "name",
            DataType::Bytea => "bytea",
            DataType::Date => "date",
            DataType::Time => "time without time zone",
            DataType::Timestamp => "timestamp without time zone",
            DataType::Timestamptz => "timestamp with time zone",
            DataType::Interval => "interval",
            DataType::Oid => "oid",
            DataType::Uuid => "uuid",
            DataType::Json => "json",
            DataType::Jsonb => "jsonb",
            DataType::Array(_) => "array",
            DataType::Unknown => "unknown",
            DataType::Void => "void",
            DataType::Reg(k) => k.name(),
            DataType::AclItem => "aclitem",
            DataType::InternalChar => "\"char\"",
            DataType::PgNodeTree => "pg_node_tree",
            DataType::Int2Vector => "int2vector",
            DataType::OidVector => "oidvector",
            DataType::Xid => "xid",
            DataType::AnyArray => "anyarray",
        }
    }

    /// Resolves a type name as written in SQL (`int4`, `varchar`, ...), without modifiers.
    pub fn from_sql_name(name: &str) -> Option<DataType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "bool" | "boolean" => DataType::Bool,
            "int2" | "smallint" => DataType::Int2,
            "int" | "int4" | "integer" | "serial" | "serial4" => DataType::Int4,
            "int8" | "bigint" | "bigserial" | "serial8" => DataType::Int8,
            "smallserial" | "serial2" => DataType::Int2,
            "float4" | "real" => DataType::Float4,
            "float8" | "double precision" | "float" => DataType::Float8,
            "numeric" | "decimal" => DataType::Numeric(None),
            "text" => DataType::Text,
            "varchar" | "character varying" => DataType::Varchar(None),
            "char" | "character" | "bpchar" => DataType::Char(None),
            "name" => DataType::Name,
            "bytea" => DataType::Bytea,
            "date" => DataType::Date,
            "time" | "time without time zone" => DataType::Time,
            "timestamp" | "timestamp without time zone" => DataType::Timestamp,
            "timestamptz" | "timestamp with time zone" => DataType::Timestamptz,
            "interval" => DataType::Interval,
            "regclass" => DataType::Reg(RegKind::Class),
            "regtype" => DataType::Reg(RegKind::Type),
            "regrole" => DataType::Reg(RegKind::Role),
            "regnamespace" => DataType::Reg(RegKind::Namespace),
            "regproc" => DataType::Reg(RegKind::Proc),
            "oid" => DataType::Oid,
            "uuid" => DataType::Uuid,
            "void" => DataType::Void,
            "json" => DataType::Json,
            "jsonb" => DataType::Jsonb,
            "aclitem" => DataType::AclItem,
            "\"char\"" => DataType::InternalChar,
            "pg_node_tree" => DataType::PgNodeTree,
            "int2vector" => DataType::Int2Vector,
            "oidvector" => DataType::OidVector,
            "xid" => DataType::Xid,
            "anyarray" => DataType::AnyArray,
            _ => return None,
        })
    }

    /// True for the integer and floating/numeric types.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            DataType::Int2
                | DataType::Int4
                | DataType::Int8
                | DataType::Float4
                | DataType::Float8
                | DataType::Numeric(_)
                | DataType::Oid
        )
    }

    /// True for the string types (text, varchar, char, name) and the
    /// catalog types Rampart holds as text (`"char"`, `pg_node_tree`,
    /// `int2vector`, `oidvector`), which compare and cast as text.
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            DataType::Text
                | DataType::Varchar(_)
                | DataType::Char(_)
                | DataType::Name
                | DataType::InternalChar
                | DataType::PgNodeTree
                | DataType::Int2Vector
                | DataType::OidVector
        )
    }

    /// Numeric promotion rank used to pick the result type of arithmetic.
    pub fn numeric_rank(&self) -> Option<u8> {
        Some(match self {
            DataType::Int2 => 1,
            DataType::Int4 | DataType::Oid | DataType::Reg(_) => 2,
            DataType::Int8 => 3,
            DataType::Numeric(_) => 4,
            DataType::Float4 => 5,
            DataType::Float8 => 6,
            _ => return None,
        })
    }
}
