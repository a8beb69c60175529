//! The PL/pgSQL syntax tree. Expressions and SQL statements stay source
//! text (as in PostgreSQL, which hands them to the SQL parser at run time).

/// An expression or query as written, with an id for caching its bound form.
#[derive(Clone, Debug)]
pub struct Src {
    /// The text.
    pub text: String,
    /// Unique within one function body.
    pub id: usize,
}

/// A declared variable's type.
#[derive(Clone, Debug)]
pub enum VarType {
    /// A scalar type.
    Scalar(rampart_types::DataType),
    /// `record` or `table%ROWTYPE`: takes the shape of what is assigned.
    Record,
}

/// One DECLARE entry.
#[derive(Clone, Debug)]
pub struct Decl {
    /// Variable name.
    pub name: String,
    /// Type.
    pub ty: VarType,
    /// CONSTANT.
    pub constant: bool,
    /// NOT NULL.
    pub not_null: bool,
    /// Initial value.
    pub default: Option<Src>,
    /// `name ALIAS FOR $n`: an alias of argument n (1-based).
    pub alias_of: Option<usize>,
}

/// `BEGIN … EXCEPTION … END`.
#[derive(Clone, Debug)]
pub struct Block {
    /// `<<label>>`.
    pub label: Option<String>,
    /// DECLARE section.
    pub decls: Vec<Decl>,
    /// Statements.
    pub body: Vec<Stmt>,
    /// EXCEPTION handlers (a non-empty list makes the block a subtransaction).
    pub handlers: Vec<Handler>,
}

/// `WHEN cond [OR cond] THEN stmts`.
#[derive(Clone, Debug)]
pub struct Handler {
    /// Condition names (`division_by_zero`, `others`) or `SQLSTATE 'xxxxx'` codes.
    pub conditions: Vec<String>,
    /// Statements.
    pub body: Vec<Stmt>,
}

/// A statement with its line (1-based within the body) for CONTEXT lines.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// Line number.
    pub line: u32,
    /// What it does.
    pub kind: StmtKind,
}

/// The target of INTO.
#[derive(Clone, Debug)]
pub struct IntoTarget {
    /// Variables (one record variable or several scalars).
    pub vars: Vec<String>,
    /// STRICT: exactly one row.
    pub strict: bool,
}

/// RAISE levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaiseLevel {
    /// DEBUG (not sent at the default client_min_messages).
    Debug,
    /// LOG.
    Log,
    /// INFO.
    Info,
    /// NOTICE.
    Notice,
    /// WARNING.
    Warning,
    /// EXCEPTION (the default): an error.
    Exception,
}

/// The kinds of statements.
#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `target := expr`.
    Assign {
        /// Variable (or `record.field`).
        target: String,
        /// Value.
        expr: Src,
        /// The statement text for CONTEXT (`x := 1/0`).
        text: String,
    },
    /// IF/ELSIF/ELSE.
    If {
        /// Conditions and their branches.
        branches: Vec<(Src, Vec<Stmt>)>,
        /// ELSE branch.
        else_: Vec<Stmt>,
    },
    /// CASE [operand] WHEN … THEN … [ELSE …] END CASE.
    Case {
        /// The searched operand.
        operand: Option<Src>,
        /// WHEN expressions (comma lists) and branches.
        whens: Vec<(Vec<Src>, Vec<Stmt>)>,
        /// ELSE (None: raise CASE_NOT_FOUND).
        else_: Option<Vec<Stmt>>,
    },
    /// LOOP … END LOOP.
    Loop {
        /// Label.
        label: Option<String>,
        /// Body.
        body: Vec<Stmt>,
    },
    /// WHILE cond LOOP … END LOOP.
    While {
        /// Label.
        label: Option<String>,
        /// Condition.
        cond: Src,
        /// Body.
        body: Vec<Stmt>,
    },
    /// FOR i IN [REVERSE] lo .. hi [BY step] LOOP.
    ForInt {
        /// Label.
        label: Option<String>,
        /// Loop variable (integer, declared implicitly).
        var: String,
        /// REVERSE.
        reverse: bool,
        /// Lower bound.
        lo: Src,
        /// Upper bound.
        hi: Src,
        /// BY step.
        step: Option<Src>,
        /// Body.
        body: Vec<Stmt>,
    },
    /// FOR target IN query LOOP / FOR target IN EXECUTE expr [USING …] LOOP.
    ForQuery {
        /// Label.
        label: Option<String>,
        /// Loop target variables.
        vars: Vec<String>,
        /// The query text (static) …
        query: Option<Src>,
        /// … or the dynamic query expression and its USING arguments.
        execute: Option<(Src, Vec<Src>)>,
        /// Body.
        body: Vec<Stmt>,
    },
    /// EXIT/CONTINUE [label] [WHEN cond].
    Exit {
        /// CONTINUE rather than EXIT.
        continue_: bool,
        /// Target label.
        label: Option<String>,
        /// Condition.
        when: Option<Src>,
    },
    /// RETURN [expr].
    Return(Option<Src>),
    /// RETURN NEXT [expr].
    ReturnNext(Option<Src>),
    /// RETURN QUERY query | RETURN QUERY EXECUTE expr [USING …].
    ReturnQuery {
        /// Static query.
        query: Option<Src>,
        /// Dynamic query.
        execute: Option<(Src, Vec<Src>)>,
    },
    /// PERFORM query (run as SELECT, result discarded).
    Perform(Src),
    /// Any other SQL statement, with an optional INTO.
    Sql {
        /// The statement (INTO removed).
        query: Src,
        /// INTO target.
        into: Option<IntoTarget>,
    },
    /// EXECUTE expr [INTO …] [USING …].
    Execute {
        /// The command string expression.
        command: Src,
        /// INTO target.
        into: Option<IntoTarget>,
        /// USING arguments ($1, $2, … in the command).
        using: Vec<Src>,
    },
    /// RAISE.
    Raise {
        /// Level.
        level: RaiseLevel,
        /// Format string with `%` placeholders.
        message: Option<String>,
        /// A condition name or SQLSTATE instead of a message.
        condition: Option<String>,
        /// Placeholder arguments.
        args: Vec<Src>,
        /// USING option = expr.
        options: Vec<(String, Src)>,
    },
    /// RAISE; (re-raise inside a handler).
    ReRaise,
    /// ASSERT cond [, message].
    Assert {
        /// Condition.
        cond: Src,
        /// Message.
        message: Option<Src>,
    },
    /// GET [CURRENT] DIAGNOSTICS var = item, ….
    GetDiagnostics(Vec<(String, String)>),
    /// NULL;
    Null,
    /// A nested block.
    Block(Block),
}
