//! Built-in scalar and aggregate functions: resolution by name and argument
//! types, and evaluation.

use rampart_types::{DataType, PgError, PgResult, RegKind, SqlState, Value};
use rust_decimal::prelude::*;

mod arrays;

/// Scalar built-ins.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// A whole-row reference (`SELECT t FROM t`): the row's fields in
    /// PostgreSQL's record text form, `(1,"a b",)`. Partial: the value is
    /// text, not a composite that compares field by field.
    RecordOut,
    /// `pg_get_partkeydef(oid)`: `RANGE (a)` for a partitioned table.
    PgGetPartkeydef,
    /// `pg_get_partition_constraintdef(oid)`: what a partition's rows meet.
    PgGetPartitionConstraintdef,
    /// `tableoid` of the row an UPDATE or DELETE is changing (varies over
    /// the tables inheriting from the target); set by the executor.
    TargetTableOid,
    /// Text → OID of a reg* type, resolved at run time (`regclass_in`).
    RegIn(RegKind),
    /// OID of a reg* type → its name (`regclass_out`).
    RegOut(RegKind),
    /// Text (or text[]) → aclitem (aclitem[]), resolved at run time (`aclitemin`).
    AclItemIn,
    /// `makeaclitem(grantee, grantor, privilege, is_grantable)`.
    MakeAclItem,
    /// `aclcontains(aclitem[], aclitem)`.
    AclContains,
    /// `array @> array`: every element of the right is in the left.
    ArrayContains,
    /// `array && array`: some element is in both.
    ArrayOverlap,
    Lower,
    Upper,
    Length,
    OctetLength,
    Substr,
    Trim,
    LTrim,
    RTrim,
    Replace,
    Concat,
    ConcatWs,
    StrPos,
    Left,
    Right,
    Repeat,
    Reverse,
    SplitPart,
    StartsWith,
    Lpad,
    Rpad,
    Initcap,
    Md5,
    Abs,
    Round,
    Trunc,
    Ceil,
    Floor,
    Sqrt,
    Power,
    Mod,
    Sign,
    Random,
    Coalesce,
    NullIf,
    Greatest,
    Least,
    Now,
    ClockTimestamp,
    CurrentDate,
    CurrentUser,
    /// `col_description(table, attnum)`.
    ColDescription,
    /// `shobj_description(oid, catalog)`: comments on roles and databases
    /// (not stored yet: always NULL).
    ShobjDescription,
    SessionUser,
    CurrentDatabase,
    CurrentSchema,
    Version,
    CurrentSetting,
    SetConfig,
    NextVal,
    CurrVal,
    SetVal,
    PgBackendPid,
    /// `pg_is_in_recovery()`: always false (Rampart has no standby mode).
    PgIsInRecovery,
    /// `pg_get_function_sqlbody(oid)`: NULL, as for every function whose
    /// body is a string (Rampart has no BEGIN ATOMIC bodies).
    PgGetFunctionSqlbody,
    /// `current_schemas(include_implicit)`: the search path's existing schemas.
    CurrentSchemas,
    /// An oidvector (held as text `1 2`) as oid[] (for `= ANY(oidvector)`).
    OidVectorArray,
    /// An int2vector as int2[].
    Int2VectorArray,
    /// `name[i]`: the i-th byte (from 0) of a name, as "char" ('' past its end).
    NameElement,
    /// `array_remove(array, element)`.
    ArrayRemove,
    /// `array_replace(array, old, new)`.
    ArrayReplace,
    /// `array_position(array, element [, start])`.
    ArrayPosition,
    /// `array_positions(array, element)`.
    ArrayPositions,
    /// `string_to_array(text, delimiter [, null_string])`.
    StringToArray,
    /// `regexp_split_to_array(string, pattern [, flags])`.
    RegexpSplitToArray,
    /// `pg_reload_conf()`.
    PgReloadConf,
    /// `expr COLLATE name`: the first argument unchanged (Rampart has one,
    /// byte-order, collation); the second, the collation's name as written,
    /// is kept for deparsing.
    Collate,
    /// `hashtext(text)`: PostgreSQL's hash of the string's bytes.
    HashText,
    /// `hashfloat8(float8)`.
    HashFloat8,
    TxidCurrent,
    QuoteIdent,
    QuoteLiteral,
    QuoteNullable,
    ToHex,
    Chr,
    Ascii,
    GenRandomUuid,
    DatePart,
    DateTrunc,
    Age,
    PgTypeof,
    FormatType,
    Format,
    RegexpReplace,
    Translate,
    PgHasRole,
    RowSecurityActive,
    LocalTimestamp,
    HasTablePrivilege,
    HasColumnPrivilege,
    HasAnyColumnPrivilege,
    HasSchemaPrivilege,
    HasSequencePrivilege,
    HasDatabasePrivilege,
    HasFunctionPrivilege,
    /// has_type_privilege([user,] type, privilege).
    HasTypePrivilege,
    PgGetFunctionResult,
    PgGetFunctionArguments,
    PgGetFunctionIdentityArguments,
    PgFunctionIsVisible,
    ArrayToString,
    PgGetUserById,
    /// pg_tablespace_location(oid): where a tablespace lives ('' for the
    /// built-in ones, the only tablespaces).
    PgTablespaceLocation,
    /// acldefault(objtype, owner): the built-in ACL of an object kind.
    AclDefault,
    PgTableIsVisible,
    PgGetExpr,
    /// `array[i]` (1-based; NULL outside the bounds).
    ArrayElement,
    /// `vector[i]` of an `int2vector` (held as text `1 2`; 0-based, NULL
    /// outside the bounds), as smallint.
    Int2VectorElement,
    /// `vector[i]` of an `oidvector`, as oid.
    OidVectorElement,
    /// `array || array`.
    ArrayCat,
    /// `array || element`.
    ArrayAppend,
    /// `element || array`.
    ArrayPrepend,
    PgGetConstraintDef,
    PgGetIndexDef,
    PgGetViewDef,
    PgRelationSize,
    PgTableSize,
    PgIndexesSize,
    PgTotalRelationSize,
    PgDatabaseSize,
    PgSizePretty,
    PgTypeIsVisible,
    PgGetStatisticsObjDefColumns,
    PgGetTriggerDef,
    PgRelationIsPublishable,
    ObjDescription,
    PgEncodingToChar,
    ArrayLength,
    Cardinality,
    ArrayLower,
    ArrayUpper,
}

/// Aggregate built-ins.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFunc {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    BoolAnd,
    BoolOr,
    StringAgg,
    ArrayAgg,
    /// A user-defined aggregate (`pg_proc` OID, `CREATE AGGREGATE`).
    User(u32),
}

/// Is `name` an aggregate?
pub fn agg_by_name(name: &str) -> Option<AggFunc> {
    Some(match name {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "avg" => AggFunc::Avg,
        "min" => AggFunc::Min,
        "max" => AggFunc::Max,
        "bool_and" | "every" => AggFunc::BoolAnd,
        "bool_or" => AggFunc::BoolOr,
        "string_agg" => AggFunc::StringAgg,
        "array_agg" => AggFunc::ArrayAgg,
        _ => return None,
    })
}

/// The result type of an aggregate over an argument type.
pub fn agg_result_type(f: AggFunc, arg: Option<&DataType>) -> DataType {
    match (f, arg) {
        (AggFunc::CountStar | AggFunc::Count, _) => DataType::Int8,
        (AggFunc::Sum, Some(DataType::Int2 | DataType::Int4)) => DataType::Int8,
        (AggFunc::Sum, Some(DataType::Int8)) => DataType::Numeric(None),
        (AggFunc::Sum, Some(DataType::Float4)) => DataType::Float4,
        (AggFunc::Sum, Some(DataType::Interval)) => DataType::Interval,
        (AggFunc::Sum | AggFunc::Avg, Some(DataType::Float4 | DataType::Float8)) => {
            DataType::Float8
        }
        (AggFunc::Avg, Some(DataType::Interval)) => DataType::Interval,
        (AggFunc::Sum | AggFunc::Avg, _) => DataType::Numeric(None),
        (AggFunc::Min | AggFunc::Max, Some(t)) => normalize_string_type(t),
        (AggFunc::BoolAnd | AggFunc::BoolOr, _) => DataType::Bool,
        (AggFunc::StringAgg, _) => DataType::Text,
        (AggFunc::ArrayAgg, Some(t)) => DataType::Array(Box::new(normalize_string_type(t))),
        // (The binder takes a user aggregate's type from its definition.)
        (AggFunc::User(_), _) | (_, None) => DataType::Unknown,
    }
}

/// A type without its modifier (`varchar(10)` → `varchar`, `numeric(5,2)` → `numeric`).
pub fn normalize_string_type(t: &DataType) -> DataType {
    match t {
        DataType::Varchar(_) => DataType::Varchar(None),
        DataType::Char(_) => DataType::Char(None),
        DataType::Numeric(_) => DataType::Numeric(None),
        t => t.clone(),
    }
}

/// What a resolved call needs: the function, the type each argument is cast
/// to (None = as is), and the result type.
pub struct Resolved {
    /// The function.
    pub func: Func,
    /// Target type per argument.
    pub arg_types: Vec<Option<DataType>>,
    /// Result type.
    pub ret: DataType,
}

/// Resolves `name(args)`; `None` means no such function (42883).
pub fn resolve(name: &str, args: &[DataType]) -> Option<Resolved> {
    use DataType as T;
    let n = args.len();
    let text = Some(T::Text);
    let same = |ret: T| -> Vec<Option<T>> {
        vec![None; n]
            .into_iter()
            .map(|_: Option<T>| Some(ret.clone()))
            .collect()
    };
    let numeric_arg = args.first().cloned().unwrap_or(T::Unknown);
    // has_*_privilege: roles and objects given by OID (or attnum) keep their
    // type, so the OID forms can be told from the name forms; the rest is text.
    let privilege_args = || -> Vec<Option<T>> {
        args.iter()
            .enumerate()
            .map(|(i, t)| match t {
                T::Oid | T::Int2 | T::Int4 | T::Int8 | T::Reg(_) if i + 1 < n => Some(t.clone()),
                _ => Some(T::Text),
            })
            .collect()
    };
    if let Some((func, arg_types, ret)) = arrays::resolve(name, args) {
        return Some(Resolved {
            func,
            arg_types,
            ret,
        });
    }
    let (func, arg_types, ret) = match (name, n) {
        ("lower", 1) => (Func::Lower, vec![text.clone()], T::Text),
        ("upper", 1) => (Func::Upper, vec![text.clone()], T::Text),
        ("initcap", 1) => (Func::Initcap, vec![text.clone()], T::Text),
        ("length" | "char_length" | "character_length", 1) => {
            (Func::Length, vec![text.clone()], T::Int4)
        }
        ("octet_length", 1) => (Func::OctetLength, vec![text.clone()], T::Int4),
        ("substr" | "substring", 2) => (Func::Substr, vec![text.clone(), Some(T::Int4)], T::Text),
        ("substr" | "substring", 3) => (
            Func::Substr,
            vec![text.clone(), Some(T::Int4), Some(T::Int4)],
            T::Text,
        ),
        ("btrim", 1 | 2) => (Func::Trim, same(T::Text), T::Text),
        ("ltrim", 1 | 2) => (Func::LTrim, same(T::Text), T::Text),
        ("rtrim", 1 | 2) => (Func::RTrim, same(T::Text), T::Text),
        ("replace", 3) => (Func::Replace, same(T::Text), T::Text),
        ("translate", 3) => (Func::Translate, same(T::Text), T::Text),
        ("concat", _) => (Func::Concat, vec![None; n], T::Text),
        ("concat_ws", _) if n >= 1 => {
            let mut v = vec![None; n];
            v[0] = text.clone();
            (Func::ConcatWs, v, T::Text)
        }
        ("array_to_string", 2 | 3) if matches!(args[0], T::Array(_)) => {
            let mut v = vec![text.clone(); n];
            v[0] = None;
            (Func::ArrayToString, v, T::Text)
        }
        ("array_length", 2) if matches!(args[0], T::Array(_)) => {
            (Func::ArrayLength, vec![None, Some(T::Int4)], T::Int4)
        }
        ("array_lower", 2) if matches!(args[0], T::Array(_)) => {
            (Func::ArrayLower, vec![None, Some(T::Int4)], T::Int4)
        }
        ("array_upper", 2) if matches!(args[0], T::Array(_)) => {
            (Func::ArrayUpper, vec![None, Some(T::Int4)], T::Int4)
        }
        ("cardinality", 1) if matches!(args[0], T::Array(_)) => {
            (Func::Cardinality, vec![None], T::Int4)
        }
        ("strpos", 2) => (Func::StrPos, same(T::Text), T::Int4),
        ("left", 2) => (Func::Left, vec![text.clone(), Some(T::Int4)], T::Text),
        ("right", 2) => (Func::Right, vec![text.clone(), Some(T::Int4)], T::Text),
        ("repeat", 2) => (Func::Repeat, vec![text.clone(), Some(T::Int4)], T::Text),
        ("reverse", 1) => (Func::Reverse, vec![text.clone()], T::Text),
        ("split_part", 3) => (
            Func::SplitPart,
            vec![text.clone(), text.clone(), Some(T::Int4)],
            T::Text,
        ),
        ("starts_with", 2) => (Func::StartsWith, same(T::Text), T::Bool),
        ("lpad", 2 | 3) => (Func::Lpad, pad_args(n), T::Text),
        ("rpad", 2 | 3) => (Func::Rpad, pad_args(n), T::Text),
        ("md5", 1) => (Func::Md5, vec![text.clone()], T::Text),
        ("hashtext", 1) => (Func::HashText, vec![text.clone()], T::Int4),
        ("hashfloat8", 1) => (Func::HashFloat8, vec![Some(T::Float8)], T::Int4),
        ("to_hex", 1) => (Func::ToHex, vec![Some(T::Int8)], T::Text),
        ("chr", 1) => (Func::Chr, vec![Some(T::Int4)], T::Text),
        ("ascii", 1) => (Func::Ascii, vec![text.clone()], T::Int4),
        ("regexp_replace", 3 | 4) => (Func::RegexpReplace, same(T::Text), T::Text),
        ("regexp_split_to_array", 2 | 3) => (
            Func::RegexpSplitToArray,
            same(T::Text),
            T::Array(Box::new(T::Text)),
        ),
        ("quote_ident", 1) => (Func::QuoteIdent, vec![text.clone()], T::Text),
        ("quote_literal", 1) => (Func::QuoteLiteral, vec![text.clone()], T::Text),
        ("quote_nullable", 1) => (Func::QuoteNullable, vec![text.clone()], T::Text),
        ("format", _) if n >= 1 => {
            let mut v = vec![None; n];
            v[0] = text.clone();
            (Func::Format, v, T::Text)
        }
        ("abs", 1) => (Func::Abs, vec![None], numeric_or_int(&numeric_arg)),
        ("sign", 1) => (Func::Sign, vec![None], numeric_or_float(&numeric_arg)),
        ("round", 1) => (Func::Round, vec![None], numeric_or_float(&numeric_arg)),
        ("round", 2) => (
            Func::Round,
            vec![Some(T::Numeric(None)), Some(T::Int4)],
            T::Numeric(None),
        ),
        ("trunc", 1) => (Func::Trunc, vec![None], numeric_or_float(&numeric_arg)),
        ("trunc", 2) => (
            Func::Trunc,
            vec![Some(T::Numeric(None)), Some(T::Int4)],
            T::Numeric(None),
        ),
        ("ceil" | "ceiling", 1) => (Func::Ceil, vec![None], numeric_or_float(&numeric_arg)),
        ("floor", 1) => (Func::Floor, vec![None], numeric_or_float(&numeric_arg)),
        ("sqrt", 1) => (Func::Sqrt, vec![Some(T::Float8)], T::Float8),
        ("power" | "pow", 2) => {
            if matches!(numeric_arg, T::Numeric(_)) {
                (Func::Power, same(T::Numeric(None)), T::Numeric(None))
            } else {
                (Func::Power, same(T::Float8), T::Float8)
            }
        }
        ("mod", 2) => {
            let t = wider_int(&args[0], &args[1]);
            (Func::Mod, same(t.clone()), t)
        }
        ("random", 0) => (Func::Random, vec![], T::Float8),
        ("current_date", 0) => (Func::CurrentDate, vec![], T::Date),
        ("localtimestamp", 0) => (Func::LocalTimestamp, vec![], T::Timestamp),
        ("now" | "transaction_timestamp" | "statement_timestamp" | "current_timestamp", 0) => {
            (Func::Now, vec![], T::Timestamptz)
        }
        ("clock_timestamp", 0) => (Func::ClockTimestamp, vec![], T::Timestamptz),
        ("current_database" | "current_catalog", 0) => (Func::CurrentDatabase, vec![], T::Name),
        ("current_schema", 0) => (Func::CurrentSchema, vec![], T::Name),
        ("current_schemas", 1) => (
            Func::CurrentSchemas,
            vec![Some(T::Bool)],
            T::Array(Box::new(T::Name)),
        ),
        ("current_user" | "user" | "current_role", 0) => (Func::CurrentUser, vec![], T::Name),
        ("session_user", 0) => (Func::SessionUser, vec![], T::Name),
        ("version", 0) => (Func::Version, vec![], T::Text),
        ("current_setting", 1) => (Func::CurrentSetting, vec![text.clone()], T::Text),
        ("current_setting", 2) => (
            Func::CurrentSetting,
            vec![text.clone(), Some(T::Bool)],
            T::Text,
        ),
        ("set_config", 3) => (
            Func::SetConfig,
            vec![text.clone(), text.clone(), Some(T::Bool)],
            T::Text,
        ),
        ("nextval", 1) => (Func::NextVal, vec![text.clone()], T::Int8),
        ("currval", 1) => (Func::CurrVal, vec![text.clone()], T::Int8),
        ("setval", 2) => (Func::SetVal, vec![text.clone(), Some(T::Int8)], T::Int8),
        ("setval", 3) => (
            Func::SetVal,
            vec![text.clone(), Some(T::Int8), Some(T::Bool)],
            T::Int8,
        ),
        ("pg_backend_pid", 0) => (Func::PgBackendPid, vec![], T::Int4),
        ("pg_is_in_recovery", 0) => (Func::PgIsInRecovery, vec![], T::Bool),
        ("pg_get_function_sqlbody", 1) => (Func::PgGetFunctionSqlbody, vec![Some(T::Oid)], T::Text),
        ("pg_reload_conf", 0) => (Func::PgReloadConf, vec![], T::Bool),
        ("txid_current", 0) => (Func::TxidCurrent, vec![], T::Int8),
        ("gen_random_uuid", 0) => (Func::GenRandomUuid, vec![], T::Uuid),
        ("date_part", 2) => (Func::DatePart, vec![text.clone(), None], T::Float8),
        ("date_trunc", 2) => {
            let t = match args[1] {
                T::Timestamptz => T::Timestamptz,
                T::Interval => T::Interval,
                _ => T::Timestamp,
            };
            (Func::DateTrunc, vec![text.clone(), Some(t.clone())], t)
        }
        ("age", 2) => (Func::Age, same(T::Timestamp), T::Interval),
        ("has_table_privilege", 2 | 3) => (Func::HasTablePrivilege, privilege_args(), T::Bool),
        ("has_column_privilege", 3 | 4) => (Func::HasColumnPrivilege, privilege_args(), T::Bool),
        ("has_any_column_privilege", 2 | 3) => {
            (Func::HasAnyColumnPrivilege, privilege_args(), T::Bool)
        }
        ("has_schema_privilege", 2 | 3) => (Func::HasSchemaPrivilege, privilege_args(), T::Bool),
        ("has_sequence_privilege", 2 | 3) => {
            (Func::HasSequencePrivilege, privilege_args(), T::Bool)
        }
        ("has_database_privilege", 2 | 3) => {
            (Func::HasDatabasePrivilege, privilege_args(), T::Bool)
        }
        ("has_function_privilege", 2 | 3) => {
            (Func::HasFunctionPrivilege, privilege_args(), T::Bool)
        }
        ("has_type_privilege", 2 | 3) => (Func::HasTypePrivilege, privilege_args(), T::Bool),
        ("pg_get_function_result", 1) => (Func::PgGetFunctionResult, vec![Some(T::Oid)], T::Text),
        ("pg_get_function_arguments", 1) => {
            (Func::PgGetFunctionArguments, vec![Some(T::Oid)], T::Text)
        }
        ("pg_get_function_identity_arguments", 1) => (
            Func::PgGetFunctionIdentityArguments,
            vec![Some(T::Oid)],
            T::Text,
        ),
        ("pg_function_is_visible", 1) => (Func::PgFunctionIsVisible, vec![Some(T::Oid)], T::Bool),
        ("row_security_active", 1) => (
            Func::RowSecurityActive,
            match &args[0] {
                T::Oid | T::Int2 | T::Int4 | T::Int8 | T::Reg(_) => vec![Some(T::Oid)],
                _ => vec![text.clone()],
            },
            T::Bool,
        ),
        ("pg_has_role", 2) => (Func::PgHasRole, vec![text.clone(), text.clone()], T::Bool),
        ("pg_has_role", 3) => (
            Func::PgHasRole,
            vec![text.clone(), text.clone(), text.clone()],
            T::Bool,
        ),
        ("pg_get_userbyid", 1) => (Func::PgGetUserById, vec![Some(T::Oid)], T::Name),
        ("pg_tablespace_location", 1) => (Func::PgTablespaceLocation, vec![Some(T::Oid)], T::Text),
        ("acldefault", 2) => (
            Func::AclDefault,
            vec![text.clone(), Some(T::Oid)],
            T::Array(Box::new(T::AclItem)),
        ),
        ("makeaclitem", 4) => (
            Func::MakeAclItem,
            vec![Some(T::Oid), Some(T::Oid), text.clone(), Some(T::Bool)],
            T::AclItem,
        ),
        ("aclcontains", 2) => (
            Func::AclContains,
            vec![Some(T::Array(Box::new(T::AclItem))), Some(T::AclItem)],
            T::Bool,
        ),
        ("pg_table_is_visible", 1) => (Func::PgTableIsVisible, vec![Some(T::Oid)], T::Bool),
        ("pg_get_partkeydef", 1) => (Func::PgGetPartkeydef, vec![Some(T::Oid)], T::Text),
        ("pg_get_partition_constraintdef", 1) => (
            Func::PgGetPartitionConstraintdef,
            vec![Some(T::Oid)],
            T::Text,
        ),
        ("pg_get_expr", 2 | 3) => {
            let mut v = vec![text.clone(), Some(T::Oid)];
            if n == 3 {
                v.push(Some(T::Bool));
            }
            (Func::PgGetExpr, v, T::Text)
        }
        ("pg_get_viewdef", 1 | 2) => {
            let mut v = vec![Some(if args[0].is_string() || args[0] == T::Unknown {
                T::Reg(RegKind::Class)
            } else {
                T::Oid
            })];
            if n == 2 {
                v.push(Some(if args[1] == T::Bool { T::Bool } else { T::Int4 }));
            }
            (Func::PgGetViewDef, v, T::Text)
        }
        ("pg_get_constraintdef", 1 | 2) => {
            let mut v = vec![Some(T::Oid)];
            if n == 2 {
                v.push(Some(T::Bool));
            }
            (Func::PgGetConstraintDef, v, T::Text)
        }
        ("pg_get_indexdef", 1 | 3) => {
            let mut v = vec![Some(T::Oid)];
            if n == 3 {
                v.extend([Some(T::Int4), Some(T::Bool)]);
            }
            (Func::PgGetIndexDef, v, T::Text)
        }
        ("pg_relation_size", 1 | 2) => {
            let mut v = vec![Some(T::Reg(RegKind::Class))];
            if n == 2 {
                v.push(text.clone());
            }
            (Func::PgRelationSize, v, T::Int8)
        }
        ("pg_table_size", 1) => (
            Func::PgTableSize,
            vec![Some(T::Reg(RegKind::Class))],
            T::Int8,
        ),
        ("pg_indexes_size", 1) => (
            Func::PgIndexesSize,
            vec![Some(T::Reg(RegKind::Class))],
            T::Int8,
        ),
        ("pg_total_relation_size", 1) => (
            Func::PgTotalRelationSize,
            vec![Some(T::Reg(RegKind::Class))],
            T::Int8,
        ),
        ("pg_database_size", 1) => (
            Func::PgDatabaseSize,
            vec![Some(if args[0] == T::Oid { T::Oid } else { T::Name })],
            T::Int8,
        ),
        ("pg_size_pretty", 1) => (
            Func::PgSizePretty,
            vec![Some(if matches!(args[0], T::Numeric(_)) {
                T::Numeric(None)
            } else {
                T::Int8
            })],
            T::Text,
        ),
        ("pg_type_is_visible", 1) => (Func::PgTypeIsVisible, vec![Some(T::Oid)], T::Bool),
        ("pg_get_statisticsobjdef_columns", 1) => (
            Func::PgGetStatisticsObjDefColumns,
            vec![Some(T::Oid)],
            T::Text,
        ),
        ("pg_get_triggerdef", 1 | 2) => {
            let mut v = vec![Some(T::Oid)];
            if n == 2 {
                v.push(Some(T::Bool));
            }
            (Func::PgGetTriggerDef, v, T::Text)
        }
        ("pg_relation_is_publishable", 1) => (
            Func::PgRelationIsPublishable,
            vec![Some(T::Reg(RegKind::Class))],
            T::Bool,
        ),
        ("obj_description", 1) => (Func::ObjDescription, vec![Some(T::Oid)], T::Text),
        ("obj_description", 2) => (
            Func::ObjDescription,
            vec![Some(T::Oid), Some(T::Name)],
            T::Text,
        ),
        ("col_description", 2) => (
            Func::ColDescription,
            vec![Some(T::Oid), Some(T::Int4)],
            T::Text,
        ),
        ("shobj_description", 2) => (
            Func::ShobjDescription,
            vec![Some(T::Oid), Some(T::Name)],
            T::Text,
        ),
        ("pg_encoding_to_char", 1) => (Func::PgEncodingToChar, vec![Some(T::Int4)], T::Name),
        ("pg_typeof", 1) => (Func::PgTypeof, vec![None], T::Text),
        ("format_type", 2) => (Func::FormatType, vec![Some(T::Oid), Some(T::Int4)], T::Text),
        ("coalesce", _) if n >= 1 => {
            let t = common_type(args)?;
            (Func::Coalesce, same(t.clone()), t)
        }
        ("greatest", _) if n >= 1 => {
            let t = common_type(args)?;
            (Func::Greatest, same(t.clone()), t)
        }
        ("least", _) if n >= 1 => {
            let t = common_type(args)?;
            (Func::Least, same(t.clone()), t)
        }
        ("nullif", 2) => {
            let t = common_type(args)?;
            (Func::NullIf, same(t.clone()), t)
        }
        _ => return None,
    };
    Some(Resolved {
        func,
        arg_types,
        ret,
    })
}

fn pad_args(n: usize) -> Vec<Option<DataType>> {
    let mut v = vec![Some(DataType::Text), Some(DataType::Int4)];
    if n == 3 {
        v.push(Some(DataType::Text));
    }
    v
}

fn numeric_or_int(t: &DataType) -> DataType {
    match t {
        DataType::Unknown => DataType::Float8,
        t if t.is_numeric() => t.clone(),
        _ => DataType::Float8,
    }
}

fn numeric_or_float(t: &DataType) -> DataType {
    match t {
        DataType::Numeric(_) => DataType::Numeric(None),
        DataType::Int2 | DataType::Int4 | DataType::Int8 => DataType::Numeric(None),
        DataType::Float4 => DataType::Float8,
        _ => DataType::Float8,
    }
}

fn wider_int(a: &DataType, b: &DataType) -> DataType {
    match (a.numeric_rank(), b.numeric_rank()) {
        (Some(x), Some(y)) if x >= y => a.clone(),
        (Some(_), Some(_)) => b.clone(),
        _ => DataType::Numeric(None),
    }
}

/// PostgreSQL's UNION/CASE/COALESCE type resolution (simplified): unknowns
/// take the other type; numerics promote; strings become text.
pub fn common_type(types: &[DataType]) -> Option<DataType> {
    let mut result: Option<DataType> = None;
    for t in types {
        if *t == DataType::Unknown {
            continue;
        }
        result = Some(match result {
            None => t.clone(),
            Some(r) if r == *t => r,
            Some(r) => match (r.numeric_rank(), t.numeric_rank()) {
                (Some(x), Some(y)) => {
                    if x >= y {
                        r
                    } else {
                        t.clone()
                    }
                }
                _ if r.is_string() && t.is_string() => DataType::Text,
                _ if (r == DataType::Timestamptz || *t == DataType::Timestamptz)
                    && matches!(
                        r,
                        DataType::Timestamp | DataType::Date | DataType::Timestamptz
                    )
                    && matches!(
                        t,
                        DataType::Timestamp | DataType::Date | DataType::Timestamptz
                    ) =>
                {
                    DataType::Timestamptz
                }
                _ if r == DataType::Timestamptz || *t == DataType::Timestamptz => return None,

                _ if matches!(r, DataType::Timestamp | DataType::Date)
                    && matches!(t, DataType::Timestamp | DataType::Date) =>
                {
                    DataType::Timestamp
                }
                _ => return None,
            },
        });
    }
    Some(match result {
        None => DataType::Text,
        Some(DataType::Varchar(_)) => DataType::Varchar(None),
        Some(DataType::Numeric(_)) => DataType::Numeric(None),
        Some(t) => t,
    })
}

/// Compiles a regular expression, reusing recent compilations: a pattern
/// applied to every row of a scan (`relname ~ '^(t)$'`) is compiled once.
pub fn compiled_regex(pattern: &str) -> PgResult<regex::Regex> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<String, regex::Regex>> = RefCell::new(HashMap::new());
    }
    if let Some(re) = CACHE.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(re);
    }
    let re = regex::Regex::new(pattern).map_err(|e| {
        PgError::new(
            SqlState::INVALID_REGULAR_EXPRESSION,
            format!("invalid regular expression: {e}"),
        )
    })?;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 64 {
            c.clear();
        }
        c.insert(pattern.to_string(), re.clone());
    });
    Ok(re)
}

/// Evaluates a pure (session-independent) scalar function.
/// Session-dependent functions are handled by the executor before this.
pub fn eval_pure(func: Func, args: &[Value]) -> PgResult<Value> {
    // Strict functions return NULL on any NULL input.
    let strict = !matches!(
        func,
        Func::Concat
            | Func::ConcatWs
            | Func::Coalesce
            | Func::Greatest
            | Func::Least
            | Func::NullIf
            | Func::Format
            | Func::QuoteNullable
            | Func::PgTypeof
            | Func::ArrayToString
            | Func::ArrayCat
            | Func::ArrayAppend
            | Func::ArrayPrepend
            | Func::FormatType
            | Func::RecordOut
            | Func::ArrayRemove
            | Func::ArrayReplace
            | Func::ArrayPosition
            | Func::ArrayPositions
            | Func::StringToArray
    );
    if func == Func::FormatType && args.first().is_none_or(Value::is_null) {
        return Ok(Value::Null);
    }
    if strict && args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let s = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or("");
    let int = |i: usize| args.get(i).and_then(Value::as_i64).unwrap_or(0);
    Ok(match func {
        Func::Lower => Value::Text(s(0).to_lowercase()),
        Func::Collate => args[0].clone(),
        Func::Upper => Value::Text(s(0).to_uppercase()),
        Func::Initcap => Value::Text(initcap(s(0))),
        Func::Length => Value::Int4(s(0).chars().count() as i32),
        Func::OctetLength => Value::Int4(s(0).len() as i32),
        Func::Substr => {
            let chars: Vec<char> = s(0).chars().collect();
            let start = int(1);
            let (from, to) = if args.len() == 3 {
                let len = int(2);
                if len < 0 {
                    return Err(PgError::new(
                        SqlState::new_substring_error(),
                        "negative substring length not allowed",
                    ));
                }
                (start, start.saturating_add(len))
            } else {
                (start, i64::MAX)
            };
            let from = from.max(1) as usize - 1;
            let to = (to.max(1) as usize - 1).min(chars.len());
            Value::Text(if from >= to {
                String::new()
            } else {
                chars[from..to].iter().collect()
            })
        }
        Func::Trim | Func::LTrim | Func::RTrim => {
            let set: Vec<char> = if args.len() == 2 {
                s(1).chars().collect()
            } else {
                vec![' ']
            };
            let v = s(0);
            let out = match func {
                Func::LTrim => v.trim_start_matches(|c| set.contains(&c)),
                Func::RTrim => v.trim_end_matches(|c| set.contains(&c)),
                _ => v.trim_matches(|c| set.contains(&c)),
            };
            Value::Text(out.to_string())
        }
        Func::Replace => Value::Text(if s(1).is_empty() {
            s(0).to_string()
        } else {
            s(0).replace(s(1), s(2))
        }),
        Func::Translate => {
            let from: Vec<char> = s(1).chars().collect();
            let to: Vec<char> = s(2).chars().collect();
            Value::Text(
                s(0).chars()
                    .filter_map(|c| match from.iter().position(|f| *f == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        Func::Concat => Value::Text(args.iter().filter_map(Value::to_pg_text).collect()),
        Func::ConcatWs => {
            if args[0].is_null() {
                return Ok(Value::Null);
            }
            let sep = s(0).to_string();
            Value::Text(
                args[1..]
                    .iter()
                    .filter_map(Value::to_pg_text)
                    .collect::<Vec<_>>()
                    .join(&sep),
            )
        }
        Func::ArrayToString => {
            let (Value::Array(items), false) = (&args[0], args[1].is_null()) else {
                return Ok(Value::Null);
            };
            let null_text = args.get(2).and_then(Value::as_str);
            let parts: Vec<String> = items
                .iter()
                .filter_map(|v| match v {
                    Value::Null => null_text.map(str::to_string),
                    v => v.to_pg_text(),
                })
                .collect();
            Value::Text(parts.join(s(1)))
        }
        // Expression columns hold deparsed text already (see sysview::relations);
        // the executor re-renders them for the pretty form.
        Func::PgGetExpr => args[0].clone(),
        // Rampart has no extended statistics and no triggers (pg_statistic_ext
        // and pg_trigger are empty), so no OID names one.
        Func::PgGetStatisticsObjDefColumns | Func::PgGetTriggerDef => Value::Null,
        Func::PgEncodingToChar => Value::Text(if int(0) == 6 { "UTF8" } else { "" }.into()),
        Func::PgSizePretty => match &args[0] {
            Value::Int8(n) => Value::Text(crate::exec::sizes::size_pretty(*n)),
            v => match v.as_decimal().and_then(|d| d.round().to_i64()) {
                Some(n) => Value::Text(crate::exec::sizes::size_pretty(n)),
                None => Value::Null,
            },
        },
        // Every type Rampart has lives in pg_catalog, which is always searched.
        Func::PgTypeIsVisible => {
            Value::Bool(matches!(&args[0], Value::Oid(o) if DataType::from_oid(*o).is_some()))
        }
        Func::ArrayCat => match (&args[0], &args[1]) {
            (Value::Null, other) | (other, Value::Null) => other.clone(),
            (Value::Array(a), Value::Array(b)) => {
                Value::Array(a.iter().chain(b.iter()).cloned().collect())
            }
            _ => Value::Null,
        },
        Func::ArrayAppend => match &args[0] {
            Value::Array(a) => {
                let mut out = a.clone();
                out.push(args[1].clone());
                Value::Array(out)
            }
            _ => Value::Array(vec![args[1].clone()]),
        },
        Func::ArrayPrepend => match &args[1] {
            Value::Array(a) => {
                let mut out = vec![args[0].clone()];
                out.extend(a.iter().cloned());
                Value::Array(out)
            }
            _ => Value::Array(vec![args[0].clone()]),
        },
        Func::Int2VectorElement | Func::OidVectorElement => match (&args[0], &args[1]) {
            (Value::Text(items), Value::Int4(i)) if *i >= 0 => items
                .split_whitespace()
                .nth(*i as usize)
                .and_then(|n| {
                    if func == Func::Int2VectorElement {
                        n.parse().ok().map(Value::Int2)
                    } else {
                        n.parse().ok().map(Value::Oid)
                    }
                })
                .unwrap_or(Value::Null),
            _ => Value::Null,
        },
        Func::ArrayElement => match (&args[0], &args[1]) {
            (Value::Array(items), Value::Int4(i)) if *i >= 1 => {
                items.get(*i as usize - 1).cloned().unwrap_or(Value::Null)
            }
            _ => Value::Null,
        },
        Func::ArrayLength | Func::ArrayLower | Func::ArrayUpper | Func::Cardinality => {
            let Value::Array(items) = &args[0] else {
                return Ok(Value::Null);
            };
            // Arrays here are one-dimensional with lower bound 1.
            if func == Func::Cardinality {
                return Ok(Value::Int4(items.len() as i32));
            }
            if int(1) != 1 || items.is_empty() {
                return Ok(Value::Null);
            }
            Value::Int4(match func {
                Func::ArrayLower => 1,
                _ => items.len() as i32,
            })
        }
        Func::StrPos => Value::Int4(match s(0).find(s(1)) {
            Some(byte) => s(0)[..byte].chars().count() as i32 + 1,
            None => 0,
        }),
        Func::Left | Func::Right => {
            let chars: Vec<char> = s(0).chars().collect();
            let n = int(1);
            let len = chars.len() as i64;
            let keep = if n >= 0 { n.min(len) } else { (len + n).max(0) } as usize;
            Value::Text(if func == Func::Left {
                chars[..keep].iter().collect()
            } else {
                chars[chars.len() - keep..].iter().collect()
            })
        }
        Func::Repeat => {
            let n = int(1).max(0) as usize;
            if s(0).len().saturating_mul(n) > 1 << 30 {
                return Err(PgError::new(
                    SqlState::PROGRAM_LIMIT_EXCEEDED,
                    "requested length too large",
                ));
            }
            Value::Text(s(0).repeat(n))
        }
        Func::Reverse => Value::Text(s(0).chars().rev().collect()),
        Func::SplitPart => {
            let n = int(2);
            if n == 0 {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "field position must not be zero",
                ));
            }
            let parts: Vec<&str> = if s(1).is_empty() {
                vec![s(0)]
            } else {
                s(0).split(s(1)).collect()
            };
            let idx = if n > 0 { n - 1 } else { parts.len() as i64 + n };
            Value::Text(
                parts
                    .get(idx.max(0) as usize)
                    .filter(|_| idx >= 0)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            )
        }
        Func::StartsWith => Value::Bool(s(0).starts_with(s(1))),
        Func::Lpad | Func::Rpad => {
            let target = int(1).max(0) as usize;
            let fill: Vec<char> = if args.len() == 3 {
                s(2).chars().collect()
            } else {
                vec![' ']
            };
            let chars: Vec<char> = s(0).chars().collect();
            if chars.len() >= target || fill.is_empty() {
                Value::Text(chars[..target.min(chars.len())].iter().collect())
            } else {
                let pad: String = fill.iter().cycle().take(target - chars.len()).collect();
                Value::Text(if func == Func::Lpad {
                    format!("{pad}{}", s(0))
                } else {
                    format!("{}{pad}", s(0))
                })
            }
        }
        Func::PgIsInRecovery => Value::Bool(false),
        Func::OidVectorArray | Func::Int2VectorArray => Value::Array(
            s(0).split_whitespace()
                .map(|n| match func {
                    Func::OidVectorArray => n.parse().map(Value::Oid),
                    _ => n.parse().map(Value::Int2),
                })
                .collect::<Result<_, _>>()
                .map_err(|_| PgError::internal("malformed vector value"))?,
        ),
        Func::PgGetFunctionSqlbody => Value::Null,
        Func::NameElement => {
            let byte = usize::try_from(int(1))
                .ok()
                .and_then(|i| s(0).as_bytes().get(i).copied());
            Value::Text(byte.map_or(String::new(), |b| char::from(b).to_string()))
        }
        Func::ArrayRemove
        | Func::ArrayReplace
        | Func::ArrayPosition
        | Func::ArrayPositions
        | Func::StringToArray => arrays::eval(func, args)?,
        Func::Md5 => Value::Text(format!("{:x}", md5::compute(s(0).as_bytes()))),
        Func::HashText => Value::Int4(crate::pg_hash::hash_bytes(s(0).as_bytes()) as i32),
        Func::HashFloat8 => match &args[0] {
            Value::Float8(f) => Value::Int4(crate::pg_hash::hash_float8(*f) as i32),
            other => return Err(PgError::internal(format!("hashfloat8 of {other:?}"))),
        },
        Func::ToHex => Value::Text(format!("{:x}", int(0))),
        Func::Chr => {
            let c = u32::try_from(int(0))
                .ok()
                .and_then(char::from_u32)
                .filter(|c| *c != '\0');
            Value::Text(
                c.ok_or_else(|| {
                    PgError::new(
                        SqlState::PROGRAM_LIMIT_EXCEEDED,
                        "requested character too large for encoding",
                    )
                })?
                .to_string(),
            )
        }
        Func::Ascii => Value::Int4(s(0).chars().next().map(|c| c as i32).unwrap_or(0)),
        Func::QuoteIdent => Value::Text(quote_ident(s(0))),
        Func::QuoteLiteral => Value::Text(quote_literal(s(0))),
        Func::QuoteNullable => match args[0].to_pg_text() {
            None => Value::Text("NULL".into()),
            Some(t) => Value::Text(quote_literal(&t)),
        },
        Func::Format => Value::Text(format_fn(args)?),
        Func::RegexpSplitToArray => {
            let flags = if args.len() == 3 { s(2) } else { "" };
            let (re, _) =
                crate::builtin_srf::regex_with_flags(s(1), flags, "regexp_split_to_array")?;
            Value::Array(
                crate::builtin_srf::regexp_split(&re, s(0))
                    .into_iter()
                    .map(Value::Text)
                    .collect(),
            )
        }
        Func::RegexpReplace => {
            let flags = if args.len() == 4 { s(3) } else { "" };
            let pattern = if flags.contains('i') {
                format!("(?i){}", s(1))
            } else {
                s(1).to_string()
            };
            let re = compiled_regex(&pattern)?;
            let rep = pg_replacement(s(2));
            Value::Text(if flags.contains('g') {
                re.replace_all(s(0), rep.as_str()).into_owned()
            } else {
                re.replace(s(0), rep.as_str()).into_owned()
            })
        }
        Func::Abs => match &args[0] {
            Value::Int2(v) => Value::Int2(
                v.checked_abs()
                    .ok_or_else(|| PgError::out_of_range("smallint"))?,
            ),
            Value::Int4(v) => Value::Int4(
                v.checked_abs()
                    .ok_or_else(|| PgError::out_of_range("integer"))?,
            ),
            Value::Int8(v) => Value::Int8(
                v.checked_abs()
                    .ok_or_else(|| PgError::out_of_range("bigint"))?,
            ),
            Value::Numeric(d) => Value::Numeric(d.abs()),
            Value::Float4(f) => Value::Float4(f.abs()),
            v => Value::Float8(v.as_f64().unwrap_or(0.0).abs()),
        },
        Func::Sign => match &args[0] {
            Value::Numeric(d) => Value::Numeric(d.signum()),
            v => Value::Float8(sign_f64(v.as_f64().unwrap_or(0.0))),
        },
        Func::Round | Func::Trunc | Func::Ceil | Func::Floor => round_like(func, args)?,
        Func::Sqrt => {
            let v = args[0].as_f64().unwrap_or(0.0);
            if v < 0.0 {
                return Err(PgError::new(
                    SqlState("2201F"),
                    "cannot take square root of a negative number",
                ));
            }
            Value::Float8(v.sqrt())
        }
        Func::Power => match (&args[0], &args[1]) {
            (Value::Numeric(a), Value::Numeric(b)) => Value::Numeric(
                a.checked_powd(*b)
                    .ok_or_else(|| PgError::out_of_range("value"))?
                    .normalize(),
            ),
            (a, b) => Value::Float8(a.as_f64().unwrap_or(0.0).powf(b.as_f64().unwrap_or(0.0))),
        },
        Func::Mod => match (&args[0], &args[1]) {
            (a, b) if b.as_decimal().is_some_and(|d| d.is_zero()) => {
                let _ = a;
                return Err(PgError::division_by_zero());
            }
            (Value::Int2(a), Value::Int2(b)) => Value::Int2(a.wrapping_rem(*b)),
            (Value::Int4(a), Value::Int4(b)) => Value::Int4(a.wrapping_rem(*b)),
            (Value::Int8(a), Value::Int8(b)) => Value::Int8(a.wrapping_rem(*b)),
            (a, b) => Value::Numeric(
                a.as_decimal().unwrap_or_default() % b.as_decimal().unwrap_or(Decimal::ONE),
            ),
        },
        Func::Coalesce => args
            .iter()
            .find(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::Null),
        Func::NullIf => {
            if !args[0].is_null() && !args[1].is_null() && args[0].total_cmp(&args[1]).is_eq() {
                Value::Null
            } else {
                args[0].clone()
            }
        }
        Func::Greatest => args
            .iter()
            .filter(|v| !v.is_null())
            .max_by(|a, b| a.total_cmp(b))
            .cloned()
            .unwrap_or(Value::Null),
        Func::Least => args
            .iter()
            .filter(|v| !v.is_null())
            .min_by(|a, b| a.total_cmp(b))
            .cloned()
            .unwrap_or(Value::Null),
        Func::DatePart => crate::datetime::date_part(s(0), &args[1])?,
        Func::DateTrunc => crate::datetime::date_trunc(s(0), &args[1])?,
        Func::Age => crate::datetime::age(&args[0], &args[1])?,
        Func::RecordOut => Value::Text(record_out(args)),
        Func::FormatType => {
            let typmod = args.get(1).and_then(Value::as_i64).filter(|m| *m >= 4);
            Value::Text(
                DataType::from_oid(int(0) as u32)
                    .map(|t| match (t, typmod) {
                        (DataType::Varchar(_), Some(m)) => DataType::Varchar(Some(m as u32 - 4)),
                        (DataType::Char(_), Some(m)) => DataType::Char(Some(m as u32 - 4)),
                        (DataType::Numeric(_), Some(m)) => {
                            let m = m as u32 - 4;
                            DataType::Numeric(Some((m >> 16, m & 0xffff)))
                        }
                        (t, _) => t,
                    })
                    .map(|t| t.display_name())
                    .unwrap_or_else(|| "???".into()),
            )
        }
        _ => {
            return Err(PgError::internal(format!(
                "function {func:?} needs a session"
            )))
        }
    })
}

fn sign_f64(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

fn round_like(func: Func, args: &[Value]) -> PgResult<Value> {
    match &args[0] {
        Value::Numeric(d) => {
            let scale = args.get(1).and_then(Value::as_i64).unwrap_or(0);
            let out = match func {
                Func::Round if scale >= 0 => {
                    d.round_dp_with_strategy(scale as u32, RoundingStrategy::MidpointAwayFromZero)
                }
                Func::Round => {
                    let f = Decimal::from(10i64.pow((-scale).min(18) as u32));
                    (d / f).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero) * f
                }
                Func::Trunc if scale >= 0 => d.trunc_with_scale(scale as u32),
                Func::Trunc => {
                    let f = Decimal::from(10i64.pow((-scale).min(18) as u32));
                    (d / f).trunc() * f
                }
                Func::Ceil => d.ceil(),
                _ => d.floor(),
            };
            let mut out = out;
            if scale >= 0 && matches!(func, Func::Round | Func::Trunc) {
                out.rescale(scale as u32);
            }
            Ok(Value::Numeric(out))
        }
        v => {
            let f = v.as_f64().unwrap_or(0.0);
            Ok(Value::Float8(match func {
                Func::Round => {
                    // PostgreSQL's float round() is rint(): half to even.
                    let r = f.round();
                    if (f - f.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
                        r - f.signum()
                    } else {
                        r
                    }
                }
                Func::Trunc => f.trunc(),
                Func::Ceil => f.ceil(),
                _ => f.floor(),
            }))
        }
    }
}

fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_alnum = false;
    for c in s.chars() {
        if prev_alnum {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_alnum = c.is_alphanumeric();
    }
    out
}

/// `quote_ident`: double-quotes unless a plain lower-case identifier.
pub fn quote_ident(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !crate::keywords::is_reserved(s);
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// `quote_literal`.
pub fn quote_literal(s: &str) -> String {
    if s.contains('\\') {
        format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn pg_replacement(rep: &str) -> String {
    // PostgreSQL uses \1 for groups; the regex crate uses ${1}.
    let mut out = String::new();
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(d) if d.is_ascii_digit() => out.push_str(&format!("${{{d}}}")),
                Some('&') => out.push_str("${0}"),
                Some(o) => out.push(o),
                None => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

fn format_fn(args: &[Value]) -> PgResult<String> {
    let Some(fmt) = args.first().and_then(Value::as_str) else {
        return Ok(String::new());
    };
    let mut out = String::new();
    let mut next_arg = 1;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            return Err(PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "unterminated format() type specifier",
            ));
        };
        if spec == '%' {
            out.push('%');
            continue;
        }
        let arg = args.get(next_arg).ok_or_else(|| {
            PgError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "too few arguments for format()",
            )
        })?;
        next_arg += 1;
        match spec {
            's' => out.push_str(&arg.to_pg_text().unwrap_or_default()),
            'I' => match arg.to_pg_text() {
                Some(t) => out.push_str(&quote_ident(&t)),
                None => {
                    return Err(PgError::new(
                        SqlState("22004"),
                        "null values cannot be formatted as an SQL identifier",
                    ));
                }
            },
            'L' => match arg.to_pg_text() {
                Some(t) => out.push_str(&quote_literal(&t)),
                None => out.push_str("NULL"),
            },
            other => {
                return Err(PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("unrecognized format() type specifier \"{other}\""),
                ));
            }
        }
    }
    Ok(out)
}

trait SubstringState {
    fn new_substring_error() -> SqlState;
}

impl SubstringState for SqlState {
    fn new_substring_error() -> SqlState {
        SqlState("22011")
    }
}

/// PostgreSQL's record_out: `(f1,f2,…)`, NULL as nothing, a field quoted
/// when empty or holding a quote, backslash, parenthesis, comma or space
/// (quotes and backslashes doubled inside).
fn record_out(fields: &[Value]) -> String {
    let mut out = String::from("(");
    for (i, v) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let Some(text) = v.to_pg_text() else { continue };
        let quote = text.is_empty()
            || text
                .chars()
                .any(|c| matches!(c, '"' | '\\' | '(' | ')' | ',') || c.is_whitespace());
        if !quote {
            out.push_str(&text);
            continue;
        }
        out.push('"');
        for c in text.chars() {
            if c == '"' || c == '\\' {
                out.push(c);
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push(')');
    out
}
