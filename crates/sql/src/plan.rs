//! Logical/physical plan nodes (one tree; the executor interprets it).

use rampart_types::DataType;

use crate::expr::Expr;
use crate::functions::AggFunc;

/// One output column of a plan.
#[derive(Clone, Debug)]
pub struct OutputColumn {
    /// Column label as psql shows it.
    pub name: String,
    /// Type.
    pub ty: DataType,
    /// Source table OID and attribute number, for RowDescription.
    pub source: Option<(u32, i16)>,
}

/// An aggregate call computed by [`Plan::Aggregate`].
#[derive(Clone, Debug)]
pub struct AggCall {
    /// Which aggregate.
    pub func: AggFunc,
    /// Arguments (empty for `count(*)`).
    pub args: Vec<Expr>,
    /// `DISTINCT` inside the call.
    pub distinct: bool,
    /// `FILTER (WHERE ...)`.
    pub filter: Option<Expr>,
    /// `ORDER BY` inside the call: the order the inputs are fed in.
    pub order: Vec<SortKey>,
    /// Result type.
    pub ty: DataType,
}

/// One window function call: `func(args) OVER (PARTITION BY … ORDER BY …)`
/// with the default frame (from the partition's start to the current row's
/// last peer).
#[derive(Clone, Debug)]
pub struct WindowCall {
    /// Which function.
    pub func: WindowFunc,
    /// Arguments over the input row (an aggregate's are in its call).
    pub args: Vec<Expr>,
    /// PARTITION BY expressions.
    pub partition: Vec<Expr>,
    /// ORDER BY keys (rows equal on all of them are peers).
    pub order: Vec<SortKey>,
    /// The rows an aggregate or first/last/nth_value sees.
    pub frame: WindowFrame,
    /// Result type.
    pub ty: DataType,
}

/// A window frame: the rows of the partition, relative to the current row,
/// that an aggregate or first_value/last_value/nth_value sees.
#[derive(Clone, Debug)]
pub struct WindowFrame {
    /// ROWS (offsets count rows); else RANGE (CURRENT ROW means its peers).
    pub rows: bool,
    /// Where the frame starts.
    pub start: FrameBound,
    /// Where it ends (inclusive).
    pub end: FrameBound,
}

impl WindowFrame {
    /// RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, the default.
    pub fn default_frame() -> WindowFrame {
        WindowFrame {
            rows: false,
            start: FrameBound::UnboundedPreceding,
            end: FrameBound::CurrentRow,
        }
    }
}

/// One end of a [`WindowFrame`]; offsets are int8 expressions without
/// columns.
#[derive(Clone, Debug)]
pub enum FrameBound {
    /// UNBOUNDED PRECEDING
    UnboundedPreceding,
    /// n PRECEDING
    Preceding(Expr),
    /// CURRENT ROW
    CurrentRow,
    /// n FOLLOWING
    Following(Expr),
    /// UNBOUNDED FOLLOWING
    UnboundedFollowing,
}

/// The window functions.
#[derive(Clone, Debug)]
pub enum WindowFunc {
    /// row_number()
    RowNumber,
    /// rank()
    Rank,
    /// dense_rank()
    DenseRank,
    /// percent_rank()
    PercentRank,
    /// cume_dist()
    CumeDist,
    /// ntile(n)
    Ntile,
    /// lag(value [, offset [, default]])
    Lag,
    /// lead(value [, offset [, default]])
    Lead,
    /// first_value(value)
    FirstValue,
    /// last_value(value)
    LastValue,
    /// nth_value(value, n)
    NthValue,
    /// An aggregate over the frame.
    Aggregate(AggCall),
}

/// A sort key.
#[derive(Clone, Debug)]
pub struct SortKey {
    /// Expression over the input row.
    pub expr: Expr,
    /// Descending.
    pub desc: bool,
    /// NULLS FIRST.
    pub nulls_first: bool,
}

/// Join kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    /// INNER / CROSS
    Inner,
    /// LEFT OUTER
    Left,
    /// RIGHT OUTER
    Right,
    /// FULL OUTER
    Full,
}

/// Set operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOpKind {
    /// UNION
    Union,
    /// INTERSECT
    Intersect,
    /// EXCEPT
    Except,
}

/// How a table scan finds its rows.
#[derive(Clone, Debug)]
pub enum Access {
    /// Every row.
    Full,
    /// Rows whose index key equals these values (prefix of the index columns).
    IndexEq {
        /// Index OID.
        index: u32,
        /// One expression per leading index column.
        key: Vec<Expr>,
        /// The index is unique and `key` covers all its columns: at most one
        /// entry matches, stored under exactly the key (a point read).
        unique: bool,
    },
    /// The row a cursor is on (`WHERE CURRENT OF cursor`, PostgreSQL's TID
    /// scan): looked up when the statement runs, since the cursor moves.
    CurrentOf {
        /// The cursor's name.
        cursor: String,
    },
    /// `TABLESAMPLE method (percent) [REPEATABLE (seed)]`: every row, of
    /// which the sampler keeps some (before any predicate runs).
    Sample(Box<TableSample>),
}

/// A TABLESAMPLE clause, bound.
#[derive(Clone, Debug)]
pub struct TableSample {
    /// Which sampler.
    pub method: SampleMethod,
    /// The percentage (a real).
    pub percent: Expr,
    /// The REPEATABLE seed (a double precision); a random seed per scan without it.
    pub repeatable: Option<Expr>,
}

/// PostgreSQL's two built-in TABLESAMPLE methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleMethod {
    /// Each row with the given probability.
    Bernoulli,
    /// Each page (all its rows) with the given probability.
    System,
}

impl SampleMethod {
    /// The method's name as PostgreSQL prints it.
    pub fn name(self) -> &'static str {
        match self {
            SampleMethod::Bernoulli => "bernoulli",
            SampleMethod::System => "system",
        }
    }
}

/// A table reached through a parent it inherits from (a scan of the parent
/// without ONLY): its rows are read and changed in the parent's shape.
#[derive(Clone, Debug)]
pub struct InheritedTable {
    /// The inheriting table's OID.
    pub table: u32,
    /// For each parent column, its position in this table.
    pub columns: Vec<usize>,
    /// This table's CHECK constraints over its own row (for UPDATE).
    pub checks: Vec<(String, Expr)>,
}

impl InheritedTable {
    /// A row of this table in the parent's column order.
    pub fn parent_row(&self, row: &[rampart_types::Value]) -> Vec<rampart_types::Value> {
        self.columns.iter().map(|&c| row[c].clone()).collect()
    }
}

/// A plan node. Rows are `Vec<Value>`; each node documents its output.
#[derive(Clone, Debug)]
pub enum Plan {
    /// One empty row (SELECT without FROM).
    Single,
    /// Literal rows.
    Values {
        /// Rows of expressions.
        rows: Vec<Vec<Expr>>,
        /// Column count.
        width: usize,
    },
    /// Table rows (all columns), optionally filtered.
    Scan {
        /// Table OID.
        table: u32,
        /// How rows are found.
        access: Access,
        /// Residual predicate over the table row.
        filter: Option<Expr>,
        /// Row-level security predicate, evaluated before `filter` (a security barrier).
        security: Option<Expr>,
        /// Tables inheriting from this one, scanned after it (every row in
        /// this table's column order; `access` is for this table only).
        inherited: Vec<InheritedTable>,
        /// Append each row's row id (int8) after its columns: a cursor's
        /// scan, so `WHERE CURRENT OF` can find the row it is on.
        rowid: bool,
    },
    /// Rows of a system catalog view (pg_roles, …), computed from the catalog.
    SystemView {
        /// View OID.
        oid: u32,
        /// For relation catalogs: the relation OID the query pins
        /// (`WHERE attrelid = …`), so only that relation's rows are computed.
        /// The predicate itself still filters above.
        rel: Option<Expr>,
    },
    /// Rows of a common table expression materialized earlier in this query.
    CteScan {
        /// CTE slot.
        id: usize,
        /// How EXPLAIN names it: the CTE's name and the alias, if any.
        label: String,
    },
    /// A user-defined function in FROM: its rows (set-returning) or its one value.
    FunctionScan {
        /// The function's OID.
        oid: u32,
        /// Arguments (coerced, defaults filled in).
        args: Vec<Expr>,
    },
    /// `generate_series(start, stop [, step])`.
    Series {
        /// start, stop, step
        args: Vec<Expr>,
        /// Element type.
        ty: DataType,
    },
    /// `aclexplode(aclitem[])`: (grantor, grantee, privilege_type,
    /// is_grantable) per privilege of each item.
    AclExplode {
        /// The ACL.
        arg: Expr,
    },
    /// A sequence read as a relation: one row (last_value, log_cnt, is_called).
    SequenceState {
        /// The sequence's OID.
        oid: u32,
    },
    /// A built-in set-returning function other than generate_series and
    /// unnest (see [`crate::builtin_srf`]).
    BuiltinSrf {
        /// Which function.
        srf: crate::builtin_srf::BuiltinSrf,
        /// Arguments (coerced).
        args: Vec<Expr>,
    },
    /// Set-returning functions of a select list (PostgreSQL's ProjectSet):
    /// each input row followed by one value of every function, repeated
    /// for the longest result, shorter ones padded with NULL.
    ProjectSet {
        /// Input.
        input: Box<Plan>,
        /// One single-column plan per function; each reads the input row
        /// as its outer row (depth 1).
        srfs: Vec<Plan>,
    },
    /// `unnest(array)`: one row per element.
    Unnest {
        /// The array.
        arg: Expr,
    },
    /// Keeps rows where the predicate is true.
    Filter {
        /// Input.
        input: Box<Plan>,
        /// Predicate.
        predicate: Expr,
    },
    /// The rows of a `security_barrier` view: predicates from the query
    /// around it move inside only when leakproof, so a leaky function
    /// never sees a row the view's own conditions (or policies) hide.
    Barrier {
        /// The view's plan.
        input: Box<Plan>,
        /// The view's name (EXPLAIN's `Subquery Scan on name`).
        name: String,
        /// The view's output columns (to print a predicate over them).
        columns: Vec<String>,
    },
    /// Computes expressions per row.
    Project {
        /// Input.
        input: Box<Plan>,
        /// Output expressions.
        exprs: Vec<Expr>,
    },
    /// Nested-loop join; output is left columns then right columns.
    Join {
        /// Left input.
        left: Box<Plan>,
        /// Right input.
        right: Box<Plan>,
        /// Kind.
        kind: JoinKind,
        /// ON condition over the concatenated row.
        on: Option<Expr>,
        /// Width of the right row (for NULL padding).
        right_width: usize,
        /// Width of the left row.
        left_width: usize,
    },
    /// LATERAL nested loop: `right` runs once per left row, with that row
    /// as its outer row (depth 1); output is left columns then right columns.
    Lateral {
        /// Left input.
        left: Box<Plan>,
        /// Right input (reads the left row through `Expr::Outer`).
        right: Box<Plan>,
        /// Inner or Left.
        kind: JoinKind,
        /// ON condition over the concatenated row.
        on: Option<Expr>,
        /// Width of the right row (for NULL padding).
        right_width: usize,
    },
    /// GROUP BY; output is group keys then aggregate results.
    Aggregate {
        /// Input.
        input: Box<Plan>,
        /// Grouping expressions.
        group_by: Vec<Expr>,
        /// Aggregates.
        aggs: Vec<AggCall>,
    },
    /// Window functions (PostgreSQL's WindowAgg): each input row followed by
    /// one value per call; rows come out in the last call's window order.
    Window {
        /// Input.
        input: Box<Plan>,
        /// The calls, in the order their values are appended.
        calls: Vec<WindowCall>,
    },
    /// ORDER BY.
    Sort {
        /// Input.
        input: Box<Plan>,
        /// Keys.
        keys: Vec<SortKey>,
    },
    /// LIMIT/OFFSET.
    Limit {
        /// Input.
        input: Box<Plan>,
        /// LIMIT (None = ALL).
        limit: Option<Expr>,
        /// OFFSET.
        offset: Option<Expr>,
    },
    /// DISTINCT (on all columns, or on the first `on` columns for DISTINCT ON).
    Distinct {
        /// Input.
        input: Box<Plan>,
        /// DISTINCT ON key expressions; empty = whole row.
        on: Vec<Expr>,
    },
    /// UNION / INTERSECT / EXCEPT.
    SetOp {
        /// Operation.
        kind: SetOpKind,
        /// ALL (keep duplicates).
        all: bool,
        /// Left input.
        left: Box<Plan>,
        /// Right input.
        right: Box<Plan>,
    },
    /// Materializes CTEs, then runs the body.
    With {
        /// CTE plans in order, with recursive flags and their ids.
        ctes: Vec<CtePlan>,
        /// Main query.
        body: Box<Plan>,
    },
    /// `SELECT … FOR UPDATE/SHARE` of one table: locks each row its scan
    /// (`input`, always a [`Plan::Scan`]) yields.
    LockRows {
        /// The scan of the locked table.
        input: Box<Plan>,
        /// What to do with a row another transaction holds.
        wait: RowLockWait,
    },
    /// A data-modifying statement in WITH (`WITH d AS (DELETE … RETURNING …)`):
    /// runs once, its RETURNING rows are the CTE's rows.
    Modify(Box<DataStatement>),
}

/// `FOR UPDATE` (wait), `NOWAIT` (error) or `SKIP LOCKED` (leave the row out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowLockWait {
    /// Wait for the other transaction.
    Wait,
    /// Fail with 55P03.
    NoWait,
    /// Skip the row.
    SkipLocked,
}

/// A CTE inside [`Plan::With`].
#[derive(Clone, Debug)]
pub struct CtePlan {
    /// Slot id used by [`Plan::CteScan`].
    pub id: usize,
    /// The CTE's name (for EXPLAIN).
    pub name: String,
    /// Non-recursive part (or the whole CTE).
    pub base: Plan,
    /// Recursive part, evaluated until no new rows (WITH RECURSIVE).
    pub recursive: Option<(Plan, bool)>,
    /// Whether any part of the statement reads it.
    pub read: bool,
}

/// Row-level security checks on a new row (INSERT, UPDATE).
#[derive(Clone, Debug)]
pub struct RlsCheck {
    /// Table name for the error message.
    pub table: String,
    /// The permissive policies ORed (false when there are none).
    pub permissive: Expr,
    /// Restrictive policies, each named in its own error.
    pub restrictive: Vec<(String, Expr)>,
    /// Which row it checks, for the error's wording.
    pub kind: RlsCheckKind,
}

/// What a row-level security check is, for PostgreSQL's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RlsCheckKind {
    /// WITH CHECK on a new row: "new row violates row-level security policy".
    NewRow,
    /// ON CONFLICT DO UPDATE's USING on the existing row: "new row violates
    /// row-level security policy (USING expression)".
    ConflictUsing,
    /// MERGE's UPDATE/DELETE USING on the target row: "target row violates
    /// row-level security policy (USING expression)".
    MergeTarget,
}

/// A bound statement that reads or writes table data.
#[derive(Clone, Debug)]
pub enum DataStatement {
    /// SELECT / VALUES / set operations.
    Query(Plan),
    /// INSERT.
    Insert(Box<InsertPlan>),
    /// UPDATE.
    Update(Box<UpdatePlan>),
    /// DELETE.
    Delete(DeletePlan),
    /// MERGE.
    Merge(Box<MergePlan>),
}

/// MERGE INTO target USING source ON … WHEN [NOT] MATCHED …: each source
/// row runs the first WHEN clause that applies, for each target row it
/// matches (MATCHED) or once when it matches none (NOT MATCHED).
#[derive(Clone, Debug)]
pub struct MergePlan {
    /// Target table.
    pub table: u32,
    /// The source rows.
    pub source: Box<Plan>,
    /// The join condition, over the target row followed by the source row.
    pub on: Expr,
    /// The SELECT policies' USING on target rows: rows they hide match nothing.
    pub security: Option<Expr>,
    /// WHEN clauses, in order.
    pub clauses: Vec<MergeClausePlan>,
    /// CHECK constraints of the target (over its row).
    pub checks: Vec<(String, Expr)>,
    /// WITH queries run first.
    pub with: Vec<CtePlan>,
}

/// One WHEN clause of a MERGE.
#[derive(Clone, Debug)]
pub struct MergeClausePlan {
    /// WHEN MATCHED (its expressions read the target row then the source
    /// row) or WHEN NOT MATCHED (the source row alone).
    pub matched: bool,
    /// `AND condition`.
    pub condition: Option<Expr>,
    /// What it does.
    pub action: MergeActionPlan,
}

/// What a MERGE clause does to the row.
#[derive(Clone, Debug)]
pub enum MergeActionPlan {
    /// UPDATE SET.
    Update {
        /// (target column, value).
        assignments: Vec<(usize, Expr)>,
        /// The UPDATE policies' USING on the target row: failing it is an error.
        target_check: Option<RlsCheck>,
        /// The UPDATE policies' WITH CHECK on the new row.
        check: Option<RlsCheck>,
        /// The SELECT policies on the new row (it must stay visible).
        select_check: Option<RlsCheck>,
    },
    /// DELETE.
    Delete {
        /// The DELETE policies' USING on the target row: failing it is an error.
        target_check: Option<RlsCheck>,
    },
    /// INSERT [(columns)] VALUES (…).
    Insert {
        /// Target columns given values, in order.
        targets: Vec<usize>,
        /// One value per target column, over the source row.
        values: Vec<Expr>,
        /// Default per column of the table.
        defaults: Vec<Option<Expr>>,
        /// The INSERT policies' WITH CHECK.
        check: Option<RlsCheck>,
    },
    /// DO NOTHING.
    Nothing,
}

/// INSERT … [ON CONFLICT] [RETURNING].
#[derive(Clone, Debug)]
pub struct InsertPlan {
    /// Target table.
    pub table: u32,
    /// Source rows (one value per entry of `targets`).
    pub source: Plan,
    /// Table column position for each source column.
    pub targets: Vec<usize>,
    /// Default for every table column (None = NULL).
    pub defaults: Vec<Option<Expr>>,
    /// CHECK constraints (name, predicate over the new row).
    pub checks: Vec<(String, Expr)>,
    /// WITH CHECK OPTION of the views written through (view name, condition over the row).
    pub view_checks: Vec<(String, Expr)>,
    /// ON CONFLICT handling.
    pub on_conflict: Option<OnConflictPlan>,
    /// RLS WITH CHECK for new rows.
    pub check: Option<RlsCheck>,
    /// RLS check for ON CONFLICT DO UPDATE's new row.
    pub update_check: Option<RlsCheck>,
    /// ON CONFLICT DO UPDATE: the existing row must pass the UPDATE and
    /// SELECT policies' USING (an error, not a filter, as PostgreSQL).
    pub conflict_check: Option<RlsCheck>,
    /// When the INSERT needs SELECT (RETURNING, an ON CONFLICT arbiter):
    /// the SELECT policies every new row must pass, inserted or updated.
    pub select_check: Option<RlsCheck>,
    /// RETURNING expressions over the new row.
    pub returning: Option<Vec<Expr>>,
    /// `WITH … INSERT/UPDATE/DELETE`: the WITH queries, materialized
    /// before the statement runs (empty without WITH).
    pub with: Vec<CtePlan>,
}

/// ON CONFLICT DO NOTHING / DO UPDATE.
#[derive(Clone, Debug)]
pub enum OnConflictPlan {
    /// DO NOTHING.
    Nothing,
    /// DO UPDATE SET … [WHERE …]; expressions see the existing row followed by EXCLUDED.
    Update {
        /// (column position, value) pairs.
        assignments: Vec<(usize, Expr)>,
        /// WHERE over existing ++ excluded.
        filter: Option<Expr>,
    },
}

/// UPDATE … [RETURNING].
#[derive(Clone, Debug)]
pub struct UpdatePlan {
    /// Target table.
    pub table: u32,
    /// How rows are found.
    pub access: Access,
    /// WHERE over the table row.
    pub filter: Option<Expr>,
    /// (column position, new value over the old row).
    pub assignments: Vec<(usize, Expr)>,
    /// CHECK constraints.
    pub checks: Vec<(String, Expr)>,
    /// WITH CHECK OPTION of the views written through (view name, condition over the row).
    pub view_checks: Vec<(String, Expr)>,
    /// RETURNING over the new row.
    pub returning: Option<Vec<Expr>>,
    /// RLS USING predicate on target rows (before WHERE).
    pub security: Option<Expr>,
    /// RLS WITH CHECK on new rows.
    pub check: Option<RlsCheck>,
    /// When the UPDATE reads the table (WHERE, SET, RETURNING): the SELECT
    /// policies the new row must pass.
    pub select_check: Option<RlsCheck>,
    /// With FROM/USING: the WHERE conjuncts that read only the target,
    /// applied by its scan (`filter` holds the ones needing both rows).
    pub target_filter: Option<Expr>,
    /// UPDATE … FROM: rows joined to each target row; WHERE, SET and
    /// RETURNING then see the target row followed by the FROM row.
    pub from: Option<Box<Plan>>,
    /// Tables inheriting from the target, updated after it (none with ONLY).
    pub inherited: Vec<InheritedTable>,
    /// `WITH … INSERT/UPDATE/DELETE`: the WITH queries, materialized
    /// before the statement runs (empty without WITH).
    pub with: Vec<CtePlan>,
}

/// DELETE … [RETURNING].
#[derive(Clone, Debug)]
pub struct DeletePlan {
    /// Target table.
    pub table: u32,
    /// How rows are found.
    pub access: Access,
    /// WHERE over the table row.
    pub filter: Option<Expr>,
    /// RETURNING over the deleted row.
    pub returning: Option<Vec<Expr>>,
    /// RLS USING predicate on target rows (before WHERE).
    pub security: Option<Expr>,
    /// With FROM/USING: the WHERE conjuncts that read only the target,
    /// applied by its scan (`filter` holds the ones needing both rows).
    pub target_filter: Option<Expr>,
    /// DELETE … USING: rows joined to each target row (as UPDATE … FROM).
    pub using: Option<Box<Plan>>,
    /// Tables inheriting from the target, deleted from after it (none with ONLY).
    pub inherited: Vec<InheritedTable>,
    /// `WITH … INSERT/UPDATE/DELETE`: the WITH queries, materialized
    /// before the statement runs (empty without WITH).
    pub with: Vec<CtePlan>,
}
