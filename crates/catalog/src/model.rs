//! Catalog records.

use std::collections::BTreeMap;

use crate::relation_map::RelationMap;

use rampart_types::DataType;
use serde::{Deserialize, Serialize};

/// Everything the cluster knows about its objects.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// Changes with every committed or pending catalog write; used as a cache key.
    pub version: u64,
    /// Next OID to hand out.
    pub next_oid: u32,
    /// Schemas by name.
    pub schemas: BTreeMap<String, Schema>,
    /// Relations (tables, views, indexes are kept inside tables) by OID.
    pub relations: RelationMap,
    /// Sequences by OID.
    pub sequences: BTreeMap<u32, Sequence>,
    /// Roles by name.
    pub roles: BTreeMap<String, Role>,
    /// Role memberships.
    #[serde(default)]
    pub memberships: Vec<Membership>,
    /// The database's ACL (`datacl`); None = the default.
    #[serde(default)]
    pub database_acl: Option<Vec<AclItem>>,
    /// ACLs of the procedural languages (`pg_language.lanacl`) by
    /// language name; a language not here has the default (PUBLIC USAGE).
    #[serde(default)]
    pub language_acls: BTreeMap<String, Vec<AclItem>>,
    /// ALTER DEFAULT PRIVILEGES entries (`pg_default_acl`).
    #[serde(default)]
    pub default_acls: Vec<DefaultAcl>,
    /// Functions and procedures (`pg_proc`) by OID.
    #[serde(default)]
    pub functions: BTreeMap<u32, Function>,
    /// Every database of the cluster by name (shared, like roles).
    #[serde(default)]
    pub databases: BTreeMap<String, DatabaseInfo>,
    /// OID of the database this catalog view belongs to.
    #[serde(default)]
    pub database: u32,
    /// How the database's record is stored: false = relations and sequences
    /// inside the record (data directories before this field), true = one
    /// storage record per relation and per sequence beside it, so DDL rewrites
    /// only what it changed.
    #[serde(default)]
    pub split_records: bool,
    /// COMMENT ON texts of this database's objects (`pg_description`).
    #[serde(default)]
    pub descriptions: Vec<Description>,
    /// COMMENT ON ROLE / DATABASE texts, shared by the cluster
    /// (`pg_shdescription`; stored in the shared record).
    #[serde(default)]
    pub shared_descriptions: Vec<Description>,
    /// `ALTER ROLE ALL SET` defaults, shared by the cluster (stored in the
    /// shared record).
    #[serde(default)]
    pub all_roles_config: Vec<(String, String)>,
    /// Domains (`CREATE DOMAIN`, `pg_type` rows of type `d`) by OID.
    #[serde(default)]
    pub domains: BTreeMap<u32, Domain>,
}

/// A domain: a base type with NOT NULL, CHECK constraints and a default,
/// usable wherever a type is (`pg_type.typtype = 'd'`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Domain {
    /// OID (`pg_type.oid`).
    pub oid: u32,
    /// Schema OID.
    pub schema: u32,
    /// Name.
    pub name: String,
    /// The underlying built-in type with its modifiers (a domain over a
    /// domain has the innermost base type here).
    pub base: DataType,
    /// The domain this one was declared over, if any (`typbasetype`).
    pub parent: Option<u32>,
    /// NOT NULL (`typnotnull`).
    pub not_null: bool,
    /// DEFAULT expression as SQL text.
    pub default: Option<String>,
    /// CHECK constraints; their expressions read the value as `VALUE`.
    pub checks: Vec<Check>,
    /// COLLATE given (`C` or `POSIX`); None = the base type's.
    pub collation: Option<String>,
    /// Owning role OID.
    pub owner: u32,
    /// ACL (`typacl`); None = the default (USAGE for PUBLIC).
    pub acl: Option<Vec<AclItem>>,
}

/// A comment on an object (`pg_description`): relations and their columns
/// (`classoid` 1259, `objsubid` = attnum for a column) and schemas (2615).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    /// Catalog the object belongs to (`pg_class`, `pg_namespace`, … OID).
    pub classoid: u32,
    /// The object's OID.
    pub objoid: u32,
    /// Column number for a column comment, else 0.
    pub objsubid: i32,
    /// The text.
    pub description: String,
}

/// `pg_class`'s OID, the `classoid` of relation comments.
pub const PG_CLASS_OID: u32 = 1259;
/// `pg_namespace`'s OID, the `classoid` of schema comments.
pub const PG_NAMESPACE_OID: u32 = 2615;

/// A database (`pg_database`). Its ACL and settings live here, shared by the
/// cluster; while a session's catalog is loaded, the current database's
/// ACL is also [`Catalog::database_acl`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatabaseInfo {
    /// OID.
    pub oid: u32,
    /// Name.
    pub name: String,
    /// Owning role OID.
    pub owner: u32,
    /// ACL; None = the default (CONNECT and TEMPORARY for PUBLIC).
    #[serde(default)]
    pub acl: Option<Vec<AclItem>>,
    /// `ALTER DATABASE … SET name = value` defaults applied at connection.
    #[serde(default)]
    pub config: Vec<(String, String)>,
    /// `datistemplate`.
    #[serde(default)]
    pub is_template: bool,
    /// `datallowconn`.
    #[serde(default = "yes")]
    pub allow_connections: bool,
    /// `datconnlimit` (-1 = none).
    #[serde(default = "minus_one")]
    pub connection_limit: i32,
}

/// One `pg_default_acl` entry: privileges objects of a kind get when `role`
/// creates them (in `schema`, or anywhere when `schema` is 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultAcl {
    /// OID of the entry.
    pub oid: u32,
    /// The creating role the entry applies to.
    pub role: u32,
    /// Schema OID, or 0 for the role's global entry.
    pub schema: u32,
    /// Object kind: `r` tables, `S` sequences, `n` schemas (PostgreSQL's letters).
    pub objtype: char,
    /// The ACL.
    pub acl: Vec<AclItem>,
}

/// A namespace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// OID.
    pub oid: u32,
    /// Name.
    pub name: String,
    /// Owning role OID.
    pub owner: u32,
    /// ACL; None = the default for the object kind.
    #[serde(default)]
    pub acl: Option<Vec<AclItem>>,
}

/// One ACL entry: `grantee=privs/grantor`, PostgreSQL's aclitem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclItem {
    /// Grantee role OID; 0 is PUBLIC.
    pub grantee: u32,
    /// Grantor role OID.
    pub grantor: u32,
    /// Privilege bits (see `rampart_security::acl`).
    pub privs: u16,
    /// Bits held WITH GRANT OPTION.
    pub grant_options: u16,
}

/// Kind of relation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelationKind {
    /// An ordinary table (`relkind = 'r'`).
    Table,
    /// A view (`relkind = 'v'`) and its defining query text.
    View {
        /// The SELECT text.
        query: String,
    },
}

/// A table or view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// OID.
    pub oid: u32,
    /// Schema OID.
    pub schema: u32,
    /// Name.
    pub name: String,
    /// Table or view.
    pub kind: RelationKind,
    /// Columns in attnum order (dropped columns are removed, not hidden).
    pub columns: Vec<Column>,
    /// Indexes, including the primary key's and unique constraints'.
    pub indexes: Vec<Index>,
    /// CHECK constraints.
    pub checks: Vec<Check>,
    /// FOREIGN KEY constraints of this table (as the referencing side).
    #[serde(default)]
    pub foreign_keys: Vec<ForeignKey>,
    /// ROW LEVEL SECURITY enabled (`relrowsecurity`).
    #[serde(default)]
    pub rls_enabled: bool,
    /// FORCE ROW LEVEL SECURITY: policies apply to the owner too (`relforcerowsecurity`).
    #[serde(default)]
    pub rls_forced: bool,
    /// Row-level security policies, in creation order.
    #[serde(default)]
    pub policies: Vec<Policy>,
    /// Owning role OID.
    pub owner: u32,
    /// ACL; None = the default for the object kind.
    #[serde(default)]
    pub acl: Option<Vec<AclItem>>,
    /// Storage/view options (`reloptions`), e.g. `security_invoker=true`.
    #[serde(default)]
    pub options: Vec<(String, String)>,
    /// Parent tables (`CREATE TABLE … INHERITS`, `ALTER TABLE … INHERIT`),
    /// in `pg_inherits.inhseqno` order; empty for most tables.
    #[serde(default)]
    pub inherits: Vec<u32>,
    /// `PARTITION BY`: a partitioned table (relkind `p`) keeps no rows of
    /// its own; they go to its partitions.
    #[serde(default)]
    pub partition_key: Option<PartitionKey>,
    /// `PARTITION OF … FOR VALUES`: this table is a partition of its
    /// (only) parent.
    #[serde(default)]
    pub partition_bound: Option<PartitionBound>,
    /// Column privileges on system columns (`GRANT SELECT (tableoid)`),
    /// by column name; empty for most tables.
    #[serde(default)]
    pub system_column_acl: Vec<(String, Vec<AclItem>)>,
    /// What the last ANALYZE found (pg_statistic, pg_class.reltuples and
    /// relpages); empty before the first.
    #[serde(default)]
    pub statistics: TableStatistics,
}

/// What ANALYZE found about a table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableStatistics {
    /// Rows (`reltuples`); None before the first ANALYZE (PostgreSQL's -1).
    pub tuples: Option<f32>,
    /// Pages the rows would fill in a PostgreSQL heap (`relpages`).
    pub pages: i32,
    /// Per-column statistics, in column order.
    pub columns: Vec<ColumnStatistics>,
}

/// What ANALYZE found about one column, as pg_stats shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnStatistics {
    /// The column's name.
    pub column: String,
    /// Fraction of NULLs (`null_frac`).
    pub null_frac: f32,
    /// Average stored width in bytes (`avg_width`).
    pub avg_width: i32,
    /// Distinct values: positive a count, negative a fraction of the rows,
    /// 0 unknown (`n_distinct`).
    pub n_distinct: f32,
    /// Most common values (their text forms) and their frequencies.
    pub most_common: Option<(Vec<String>, Vec<f32>)>,
    /// Histogram bounds over the other values (text forms).
    pub histogram_bounds: Option<Vec<String>>,
    /// Correlation between physical order and value order.
    pub correlation: Option<f32>,
}

/// How a partitioned table sends rows to its partitions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartitionKey {
    /// `l` LIST or `r` RANGE (`pg_partitioned_table.partstrat`).
    pub strategy: char,
    /// Key column positions.
    pub columns: Vec<usize>,
}

/// A partition's `FOR VALUES …`; values in their text form, read with the
/// key column's type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PartitionBound {
    /// `IN (…)`; None is NULL.
    List(Vec<Option<String>>),
    /// `FROM (…) TO (…)`: one datum per key column, lower bound included,
    /// upper excluded.
    Range {
        /// Lower bound.
        from: Vec<RangeDatum>,
        /// Upper bound.
        to: Vec<RangeDatum>,
    },
    /// `DEFAULT`: rows no other partition takes.
    Default,
}

/// One column of a range bound.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RangeDatum {
    /// `MINVALUE`: below every value.
    MinValue,
    /// `MAXVALUE`: above every value.
    MaxValue,
    /// A value (text form).
    Value(String),
}

impl Relation {
    /// Whether a boolean option is set to true.
    pub fn option_on(&self, name: &str) -> bool {
        self.options
            .iter()
            .any(|(k, v)| k == name && matches!(v.as_str(), "true" | "on" | "1" | "yes"))
    }
}

/// The command a policy applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyCmd {
    /// FOR ALL
    All,
    /// FOR SELECT
    Select,
    /// FOR INSERT
    Insert,
    /// FOR UPDATE
    Update,
    /// FOR DELETE
    Delete,
}

impl PolicyCmd {
    /// The name pg_policies shows.
    pub fn name(self) -> &'static str {
        match self {
            PolicyCmd::All => "ALL",
            PolicyCmd::Select => "SELECT",
            PolicyCmd::Insert => "INSERT",
            PolicyCmd::Update => "UPDATE",
            PolicyCmd::Delete => "DELETE",
        }
    }
}

/// A row-level security policy (pg_policy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// OID.
    pub oid: u32,
    /// Name (unique per table).
    pub name: String,
    /// PERMISSIVE (true) or RESTRICTIVE.
    pub permissive: bool,
    /// Command.
    pub cmd: PolicyCmd,
    /// Roles it applies to; empty = PUBLIC.
    pub roles: Vec<u32>,
    /// USING expression text.
    pub using: Option<String>,
    /// WITH CHECK expression text.
    pub with_check: Option<String>,
    /// USING as PostgreSQL displays it (`pg_get_expr`), when it could be rendered.
    #[serde(default)]
    pub using_display: Option<String>,
    /// WITH CHECK as PostgreSQL displays it, when it could be rendered.
    #[serde(default)]
    pub with_check_display: Option<String>,
    /// Other relations the expressions read (dropping one needs CASCADE,
    /// which drops the policy too).
    #[serde(default)]
    pub depends_on: Vec<u32>,
}

impl Policy {
    /// USING for display: PostgreSQL's rendering, else the text as written.
    pub fn shown_using(&self) -> Option<String> {
        self.using_display.clone().or_else(|| self.using.clone())
    }

    /// WITH CHECK for display: PostgreSQL's rendering, else the text as written.
    pub fn shown_with_check(&self) -> Option<String> {
        self.with_check_display
            .clone()
            .or_else(|| self.with_check.clone())
    }
}

/// What a foreign key does when the referenced row is deleted or its key updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FkAction {
    /// NO ACTION (the default): fail if referenced.
    NoAction,
    /// RESTRICT: fail if referenced.
    Restrict,
    /// CASCADE: delete or update the referencing rows.
    Cascade,
    /// SET NULL on the referencing columns.
    SetNull,
    /// SET DEFAULT on the referencing columns.
    SetDefault,
}

/// A FOREIGN KEY constraint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint OID (`pg_constraint.oid`; 0 in catalogs written before it existed).
    #[serde(default)]
    pub oid: u32,
    /// Constraint name.
    pub name: String,
    /// Referencing column positions in this table.
    pub columns: Vec<usize>,
    /// Referenced table OID.
    pub ref_table: u32,
    /// Referenced column positions (a unique key of the referenced table).
    pub ref_columns: Vec<usize>,
    /// ON DELETE.
    pub on_delete: FkAction,
    /// ON UPDATE.
    pub on_update: FkAction,
}

/// A column.

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Name.
    pub name: String,
    /// Type with modifiers.
    pub ty: DataType,
    /// NOT NULL.
    pub not_null: bool,
    /// DEFAULT expression as SQL text.
    pub default: Option<String>,
    /// Column privileges (`attacl`); None = none.
    #[serde(default)]
    pub acl: Option<Vec<AclItem>>,
    /// The domain the column was declared with (`atttypid`); `ty` is its
    /// base type. None for a built-in type.
    #[serde(default)]
    pub domain: Option<u32>,
    /// Collation given with COLLATE (`C` or `POSIX`); None = the default.
    /// Text compares bytewise either way: Rampart's only collation is C.
    #[serde(default)]
    pub collation: Option<String>,
    /// How many parent tables this column comes from (`attinhcount`).
    #[serde(default)]
    pub inherited: u16,
    /// Defined by this table itself, not only inherited (`attislocal`).
    #[serde(default = "defined_locally")]
    pub local: bool,
    /// OID of the default's `pg_attrdef` row; 0 without a default (and for
    /// defaults stored before it existed, until their table next changes).
    /// Kept by [`Catalog::number_defaults`].
    #[serde(default)]
    pub default_oid: u32,
}

impl Column {
    /// A plain column: nullable, no default, privileges or collation,
    /// defined by its own table.
    pub fn named(name: impl Into<String>, ty: DataType) -> Column {
        Column {
            name: name.into(),
            ty,
            not_null: false,
            default: None,
            acl: None,
            collation: None,
            inherited: 0,
            local: true,
            default_oid: 0,
            domain: None,
        }
    }
}

fn defined_locally() -> bool {
    true
}

/// An index (unique or not) over columns of its table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// OID.
    pub oid: u32,
    /// Name.
    pub name: String,
    /// Column positions (0-based).
    pub columns: Vec<usize>,
    /// UNIQUE.
    pub unique: bool,
    /// PRIMARY KEY.
    pub primary: bool,
    /// The OID of the PRIMARY KEY or UNIQUE constraint this index implements
    /// (`pg_constraint.conindid`); None for a plain (unique) index.
    #[serde(default)]
    pub constraint_oid: Option<u32>,
}

/// A CHECK constraint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "CheckRecord")]
pub struct Check {
    /// Constraint OID (`pg_constraint.oid`; 0 in catalogs written before it existed).
    pub oid: u32,
    /// Constraint name.
    pub name: String,
    /// The expression as SQL text.
    pub expr: String,
}

/// How a CHECK constraint is stored: catalogs written before constraints
/// had OIDs hold `[name, expr]` pairs.
#[derive(Deserialize)]
#[serde(untagged)]
enum CheckRecord {
    Full {
        oid: u32,
        name: String,
        expr: String,
    },
    Pair(String, String),
}

impl From<CheckRecord> for Check {
    fn from(r: CheckRecord) -> Check {
        match r {
            CheckRecord::Full { oid, name, expr } => Check { oid, name, expr },
            CheckRecord::Pair(name, expr) => Check { oid: 0, name, expr },
        }
    }
}

/// A sequence's definition (its current value lives in the store).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    /// OID.
    pub oid: u32,
    /// Schema OID.
    pub schema: u32,
    /// Name.
    pub name: String,
    /// INCREMENT BY.
    pub increment: i64,
    /// MINVALUE.
    pub min: i64,
    /// MAXVALUE.
    pub max: i64,
    /// START WITH.
    pub start: i64,
    /// CYCLE.
    pub cycle: bool,
    /// Owning role OID.
    pub owner: u32,
    /// ACL; None = the default for the object kind.
    #[serde(default)]
    pub acl: Option<Vec<AclItem>>,
    /// The table whose serial column created this sequence; dropped with it.
    #[serde(default)]
    pub owned_by: Option<u32>,
    /// The column of `owned_by` (ALTER SEQUENCE … OWNED BY t.c); None when
    /// the sequence came from a serial column, whose default names it.
    #[serde(default)]
    pub owned_by_column: Option<String>,
}

/// A role with PostgreSQL's attributes (pg_authid).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// OID.
    pub oid: u32,
    /// Name.
    pub name: String,
    /// SUPERUSER.
    pub superuser: bool,
    /// LOGIN.
    pub login: bool,
    /// SCRAM-SHA-256 verifier in PostgreSQL's format, never a clear password.
    pub password: Option<String>,
    /// INHERIT (default true).
    #[serde(default = "yes")]
    pub inherit: bool,
    /// CREATEROLE.
    #[serde(default)]
    pub createrole: bool,
    /// CREATEDB.
    #[serde(default)]
    pub createdb: bool,
    /// REPLICATION.
    #[serde(default)]
    pub replication: bool,
    /// BYPASSRLS.
    #[serde(default)]
    pub bypassrls: bool,
    /// CONNECTION LIMIT (-1 = none).
    #[serde(default = "minus_one")]
    pub connection_limit: i32,
    /// VALID UNTIL, as microseconds since the Unix epoch.
    #[serde(default)]
    pub valid_until: Option<i64>,
    /// `ALTER ROLE … SET name = value` defaults applied at login.
    #[serde(default)]
    pub config: Vec<(String, String)>,
    /// `ALTER ROLE … IN DATABASE d SET`: defaults for logins to one
    /// database, by database OID (they override [`Role::config`]).
    #[serde(default)]
    pub database_config: Vec<(u32, Vec<(String, String)>)>,
}

fn yes() -> bool {
    true
}

fn minus_one() -> i32 {
    -1
}

impl Role {
    /// A role with PostgreSQL's CREATE ROLE defaults (NOLOGIN, INHERIT, no limits).
    pub fn new(oid: u32, name: &str) -> Role {
        Role {
            oid,
            name: name.to_string(),
            superuser: false,
            login: false,
            password: None,
            inherit: true,
            createrole: false,
            createdb: false,
            replication: false,
            bypassrls: false,
            connection_limit: -1,
            valid_until: None,
            config: vec![],
            database_config: vec![],
        }
    }
}

/// Membership of `member` in `role` (pg_auth_members).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The role granted.
    pub role: u32,
    /// The role it was granted to.
    pub member: u32,
    /// Who granted it.
    pub grantor: u32,
    /// WITH ADMIN OPTION.
    pub admin_option: bool,
}

/// How an argument is passed (`proargmodes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArgMode {
    /// IN (the default).
    In,
    /// OUT: part of the result, not of the call signature.
    Out,
    /// INOUT.
    InOut,
    /// VARIADIC.
    Variadic,
}

impl ArgMode {
    /// Whether the argument is part of the call signature.
    pub fn is_input(self) -> bool {
        !matches!(self, ArgMode::Out)
    }
}

/// One declared argument of a function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FuncArg {
    /// The argument's name, if it has one.
    pub name: Option<String>,
    /// Its type.
    pub ty: DataType,
    /// IN, OUT, INOUT or VARIADIC.
    pub mode: ArgMode,
    /// DEFAULT expression text.
    pub default: Option<String>,
}

/// What a function returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FuncReturn {
    /// A single value of a type (`void` for none).
    Scalar(DataType),
    /// `SETOF type`: zero or more values.
    SetOf(DataType),
    /// `TABLE (name type, ...)`: rows.
    Table(Vec<(String, DataType)>),
}

/// `procost` of a function declared without COST (SQL and PL/pgSQL).
pub fn default_function_cost() -> f64 {
    100.0
}

/// A function or procedure (`pg_proc`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// OID.
    pub oid: u32,
    /// Schema OID.
    pub schema: u32,
    /// Name (overloaded names differ in their input types).
    pub name: String,
    /// `f` function or `p` procedure (`prokind`).
    pub kind: char,
    /// Declared arguments, in order.
    pub args: Vec<FuncArg>,
    /// The result.
    pub returns: FuncReturn,
    /// `sql` or `plpgsql`.
    pub language: String,
    /// The body text (`prosrc`).
    pub body: String,
    /// `i` IMMUTABLE, `s` STABLE, `v` VOLATILE.
    pub volatility: char,
    /// STRICT: NULL in, NULL out without running the body.
    pub strict: bool,
    /// SECURITY DEFINER: runs with the owner's privileges.
    pub security_definer: bool,
    /// LEAKPROOF (only superusers may set it).
    pub leakproof: bool,
    /// COST: estimated execution cost in units of cpu_operator_cost
    /// (`procost`; 100 unless declared). Orders a scan's predicates.
    #[serde(default = "default_function_cost")]
    pub cost: f64,
    /// `SET name = value` applied while the function runs.
    pub config: Vec<(String, String)>,
    /// Owning role OID.
    pub owner: u32,
    /// ACL; None = the default (EXECUTE for PUBLIC).
    pub acl: Option<Vec<AclItem>>,
    /// How an aggregate (`kind` `a`, `CREATE AGGREGATE`) computes.
    #[serde(default)]
    pub aggregate: Option<AggregateDef>,
}

/// A user-defined aggregate's definition (`pg_aggregate`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AggregateDef {
    /// The state transition function (`SFUNC`): state and inputs to state.
    pub transition: AggStep,
    /// The state's type (`STYPE`).
    pub state_type: DataType,
    /// The initial state as text (`INITCOND`); None = NULL.
    pub initial: Option<String>,
    /// The final function (`FINALFUNC`): state to result; None = the state.
    pub finish: Option<AggStep>,
}

/// A function an aggregate calls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AggStep {
    /// A built-in function by its `pg_proc` name (`int4pl`).
    Builtin(String),
    /// A user-defined function (`pg_proc` OID).
    Function(u32),
}

impl Function {
    /// The types of the input arguments (the call signature).
    pub fn input_types(&self) -> Vec<DataType> {
        self.args
            .iter()
            .filter(|a| a.mode.is_input())
            .map(|a| a.ty.clone())
            .collect()
    }

    /// The input arguments as parameters `$1…$n`: names (empty when
    /// unnamed) and types.
    pub fn input_params(&self) -> (Vec<String>, Vec<DataType>) {
        self.args
            .iter()
            .filter(|a| a.mode.is_input())
            .map(|a| (a.name.clone().unwrap_or_default(), a.ty.clone()))
            .unzip()
    }

    /// `name(type, type)` as PostgreSQL prints a function in messages.
    pub fn signature(&self) -> String {
        let types: Vec<String> = self
            .input_types()
            .iter()
            .map(|t| t.display_name())
            .collect();
        format!("{}({})", self.name, types.join(", "))
    }
}
