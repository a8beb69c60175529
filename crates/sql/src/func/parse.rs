//! Parsing of the routine statements sqlparser does not cover fully:
//! CREATE [OR REPLACE] FUNCTION/PROCEDURE (with LEAKPROOF, SET, OUT
//! arguments, RETURNS TABLE), DO, DROP and ALTER FUNCTION/PROCEDURE/ROUTINE.
//! sqlparser's tokenizer supplies the tokens (dollar quoting included); the
//! grammar is PostgreSQL's `CreateFunctionStmt` in small.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use rampart_catalog::{ArgMode, FuncReturn};
use rampart_types::{DataType, PgError, PgResult, SqlState};

/// A routine statement.
#[derive(Clone, Debug, PartialEq)]
pub enum FuncStmt {
    /// CREATE [OR REPLACE] FUNCTION/PROCEDURE.
    Create(Box<CreateFunction>),
    /// DO [LANGUAGE l] 'body'.
    Do {
        /// Language name.
        language: String,
        /// The code.
        body: String,
        /// 1-based character offset of the body in the statement text.
        body_offset: u32,
    },
    /// DROP FUNCTION/PROCEDURE/ROUTINE.
    Drop(DropFunction),
    /// ALTER FUNCTION/PROCEDURE/ROUTINE.
    Alter(AlterFunction),
    /// CREATE [OR REPLACE] AGGREGATE name (types) (option = value, ...).
    CreateAggregate(CreateAggregate),
}

/// `CREATE AGGREGATE`, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateAggregate {
    /// OR REPLACE.
    pub or_replace: bool,
    /// Possibly schema-qualified name.
    pub name: Vec<String>,
    /// Input types.
    pub args: Vec<DataType>,
    /// `SFUNC = f, STYPE = t, ...`: lower-cased option names, values as
    /// written (names and types as text, INITCOND's string unquoted).
    pub options: Vec<(String, String)>,
}

/// One argument as declared.
#[derive(Clone, Debug, PartialEq)]
pub struct ArgDecl {
    /// Name, if given.
    pub name: Option<String>,
    /// Type.
    pub ty: DataType,
    /// Mode.
    pub mode: ArgMode,
    /// DEFAULT expression text.
    pub default: Option<String>,
}

/// Options that CREATE and ALTER share.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FuncOptions {
    /// IMMUTABLE/STABLE/VOLATILE as `i`/`s`/`v`.
    pub volatility: Option<char>,
    /// STRICT (true) or CALLED ON NULL INPUT (false).
    pub strict: Option<bool>,
    /// SECURITY DEFINER (true) or INVOKER (false).
    pub security_definer: Option<bool>,
    /// [NOT] LEAKPROOF.
    pub leakproof: Option<bool>,
    /// COST n.
    pub cost: Option<f64>,
    /// SET name = value (Some) / RESET name (None).
    pub config: Vec<(String, Option<String>)>,
}

/// CREATE FUNCTION / PROCEDURE.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateFunction {
    /// OR REPLACE.
    pub or_replace: bool,
    /// PROCEDURE rather than FUNCTION.
    pub procedure: bool,
    /// Possibly schema-qualified name.
    pub name: Vec<String>,
    /// Arguments.
    pub args: Vec<ArgDecl>,
    /// RETURNS clause (None for procedures or when OUT arguments define it).
    pub returns: Option<FuncReturn>,
    /// LANGUAGE.
    pub language: Option<String>,
    /// AS body.
    pub body: Option<String>,
    /// 1-based character offset of the body in the statement text.
    pub body_offset: u32,
    /// The other options.
    pub options: FuncOptions,
}

/// A routine named with an optional argument type list.
#[derive(Clone, Debug, PartialEq)]
pub struct RoutineRef {
    /// Possibly schema-qualified name.
    pub name: Vec<String>,
    /// Input argument types, when given.
    pub args: Option<Vec<DataType>>,
}

/// DROP FUNCTION/PROCEDURE/ROUTINE.
#[derive(Clone, Debug, PartialEq)]
pub struct DropFunction {
    /// `f`, `p`, or `r` (ROUTINE: either).
    pub kind: char,
    /// IF EXISTS.
    pub if_exists: bool,
    /// The routines.
    pub items: Vec<RoutineRef>,
    /// CASCADE.
    pub cascade: bool,
}

/// What ALTER FUNCTION changes.
#[derive(Clone, Debug, PartialEq)]
pub enum AlterAction {
    /// OWNER TO role.
    OwnerTo(crate::rolespec::RoleSpec),
    /// RENAME TO name.
    RenameTo(String),
    /// SET SCHEMA name.
    SetSchema(String),
    /// Volatility, STRICT, SECURITY, LEAKPROOF, SET/RESET.
    Options(FuncOptions),
}

/// ALTER FUNCTION/PROCEDURE/ROUTINE.
#[derive(Clone, Debug, PartialEq)]
pub struct AlterFunction {
    /// `f`, `p`, or `r`.
    pub kind: char,
    /// The routine.
    pub routine: RoutineRef,
    /// The change.
    pub action: AlterAction,
}

fn upper(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

fn ident_of(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// Whether a statement's first words make it a routine statement.
pub fn is_routine_statement(sig: &[&Token]) -> bool {
    let w: Vec<String> = sig
        .iter()
        .take(4)
        .map(|t| upper(t).unwrap_or_default())
        .collect();
    let w: Vec<&str> = w.iter().map(|s| s.as_str()).collect();
    matches!(
        w.as_slice(),
        ["DO", ..]
            | ["CREATE", "FUNCTION" | "PROCEDURE", ..]
            | ["CREATE", "OR", "REPLACE", "FUNCTION" | "PROCEDURE"]
            | ["DROP" | "ALTER", "FUNCTION" | "PROCEDURE" | "ROUTINE", ..]
            | ["CREATE", "AGGREGATE", ..]
            | ["CREATE", "OR", "REPLACE", "AGGREGATE"]
            | ["DROP" | "ALTER", "AGGREGATE", ..]
    )
}

struct Cursor<'t> {
    toks: Vec<&'t TokenWithSpan>,
    pos: usize,
    sql: &'t str,
}

impl<'t> Cursor<'t> {
    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.pos).map(|t| &t.token)
    }
    fn peek_at(&self, n: usize) -> Option<&'t Token> {
        self.toks.get(self.pos + n).map(|t| &t.token)
    }
    fn next(&mut self) -> Option<&'t Token> {
        let t = self.peek();
        self.pos += 1;
        t
    }
    fn is_kw(&self, kw: &str) -> bool {
        self.peek().and_then(upper).as_deref() == Some(kw)
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat(&mut self, t: &Token) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn error(&self) -> PgError {
        let e = match self.peek() {
            Some(t) => PgError::syntax(format!("syntax error at or near \"{}\"", token_text(t))),
            None => PgError::syntax("syntax error at end of input"),
        };
        match self.offset_of(self.pos) {
            Some(p) => e.with_position(p),
            None => e.with_position(self.sql.trim_end().chars().count() as u32 + 1),
        }
    }
    fn expect_kw(&mut self, kw: &str) -> PgResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.error())
        }
    }
    fn offset_of(&self, i: usize) -> Option<u32> {
        crate::front::span_position(self.toks.get(i)?.span, self.sql)
    }
    fn ident(&mut self) -> PgResult<String> {
        match self.peek().and_then(ident_of) {
            Some(n) => {
                self.pos += 1;
                Ok(n)
            }
            None => Err(self.error()),
        }
    }
    fn qualified_name(&mut self) -> PgResult<Vec<String>> {
        let mut name = vec![self.ident()?];
        while self.eat(&Token::Period) {
            name.push(self.ident()?);
        }
        if name.len() > 2 {
            return Err(PgError::syntax(format!(
                "improper qualified name (too many dotted names): {}",
                name.join(".")
            )));
        }
        Ok(name)
    }
    /// Tokens up to (not including) the first of `stops` at parenthesis depth 0.
    fn take_until(&mut self, stop: impl Fn(&Token) -> bool) -> Vec<&'t Token> {
        let mut out = Vec::new();
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            if depth == 0 && stop(t) {
                break;
            }
            match t {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1
                }
                _ => {}
            }
            out.push(t);
            self.pos += 1;
        }
        out
    }
    fn string(&mut self) -> Option<(String, u32)> {
        let i = self.pos;
        let (s, delim) = match self.peek()? {
            Token::SingleQuotedString(s) => (s.clone(), 1),
            Token::EscapedStringLiteral(s) => (s.clone(), 2),
            Token::DollarQuotedString(d) => (
                d.value.clone(),
                2 + d.tag.as_ref().map(|t| t.chars().count()).unwrap_or(0),
            ),
            _ => return None,
        };
        self.pos += 1;
        Some((s, self.offset_of(i).unwrap_or(1) + delim as u32))
    }
}

fn token_text(t: &Token) -> String {
    match t {
        Token::Word(w) => w.value.clone(),
        other => other.to_string(),
    }
}

fn tokens_text(ts: &[&Token]) -> String {
    ts.iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses a type name written as text (`int4`, `bigint`).
pub fn type_from_text(text: &str) -> PgResult<DataType> {
    try_parse_type(text)?.ok_or_else(|| {
        PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("type \"{text}\" does not exist"),
        )
    })
}

/// Parses a type written as tokens (`integer`, `character varying(10)`, `text[]`).
fn parse_type(ts: &[&Token]) -> PgResult<DataType> {
    let text = tokens_text(ts);
    try_parse_type(&text)?.ok_or_else(|| match ts.first() {
        Some(t) => PgError::syntax(format!("syntax error at or near \"{}\"", token_text(t))),
        None => PgError::syntax("syntax error at end of input"),
    })
}

/// A complete type name (None when the text is not exactly one type).
fn try_parse_type(text: &str) -> PgResult<Option<DataType>> {
    let parsed = sqlparser::parser::Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| {
            let ty = p.parse_data_type()?;
            Ok((ty, p.peek_token().token == Token::EOF))
        });
    match parsed {
        Ok((ty, true)) => routine_type(&ty).map(Some),
        _ => Ok(None),
    }
}

/// Types routines may use beyond table column types: `void`, `name`, `oid`.
fn routine_type(ty: &sqlparser::ast::DataType) -> PgResult<DataType> {
    if let sqlparser::ast::DataType::Custom(name, mods) = ty {
        if mods.is_empty() {
            if let Some(last) = name.0.last().and_then(|p| p.as_ident()) {
                if let Some(t) = DataType::from_sql_name(&last.value) {
                    return Ok(t);
                }
            }
        }
    }
    crate::bind::types::convert_type(ty)
}

/// Parses a routine statement (the caller checked [`is_routine_statement`]).
pub fn parse(tokens: &[TokenWithSpan], sql: &str) -> PgResult<FuncStmt> {
    let toks: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut c = Cursor { toks, pos: 0, sql };
    let first = c.next().and_then(upper).unwrap_or_default();
    let stmt = match first.as_str() {
        "DO" => parse_do(&mut c)?,
        "CREATE" => parse_create(&mut c)?,
        "DROP" => parse_drop(&mut c)?,
        _ => parse_alter(&mut c)?,
    };
    if c.peek().is_some() {
        return Err(c.error());
    }
    Ok(stmt)
}

fn parse_do(c: &mut Cursor) -> PgResult<FuncStmt> {
    let mut language = None;
    let mut body = None;
    loop {
        if c.eat_kw("LANGUAGE") {
            language = Some(c.ident().or_else(|_| {
                c.string()
                    .map(|(s, _)| s.to_lowercase())
                    .ok_or_else(|| c.error())
            })?);
        } else if let Some(b) = c.string() {
            body = Some(b);
        } else {
            break;
        }
    }
    let (body, body_offset) = body.ok_or_else(|| c.error())?;
    Ok(FuncStmt::Do {
        language: language.unwrap_or_else(|| "plpgsql".into()),
        body,
        body_offset,
    })
}

fn routine_kind(c: &mut Cursor) -> PgResult<char> {
    Ok(match c.next().and_then(upper).as_deref() {
        Some("FUNCTION") => 'f',
        Some("PROCEDURE") => 'p',
        Some("ROUTINE") => 'r',
        Some("AGGREGATE") => 'a',
        _ => {
            c.pos -= 1;
            return Err(c.error());
        }
    })
}

fn parse_create(c: &mut Cursor) -> PgResult<FuncStmt> {
    let or_replace = c.eat_kw("OR");
    if or_replace {
        c.expect_kw("REPLACE")?;
    }
    if c.eat_kw("AGGREGATE") {
        return parse_create_aggregate(c, or_replace);
    }
    let procedure = routine_kind(c)? == 'p';
    let name = c.qualified_name()?;
    let args = parse_arg_decls(c)?;
    let mut returns = None;
    let mut language = None;
    let mut body = None;
    let mut options = FuncOptions::default();
    loop {
        if c.peek().is_none() {
            break;
        }
        if !procedure
            && c.is_kw("RETURNS")
            && c.peek_at(1).and_then(upper).is_none_or(|w| w != "NULL")
        {
            c.next();
            returns = Some(parse_returns(c)?);
            continue;
        }
        if c.eat_kw("LANGUAGE") {
            language = Some(match c.string() {
                Some((s, _)) => s.to_lowercase(),
                None => c.ident()?,
            });
            continue;
        }
        if c.eat_kw("AS") {
            let (b, off) = c.string().ok_or_else(|| c.error())?;
            if c.eat(&Token::Comma) {
                return Err(PgError::new(
                    rampart_types::SqlState::INVALID_FUNCTION_DEFINITION,
                    "only one AS item needed for language \"sql\"",
                ));
            }
            body = Some((b, off));
            continue;
        }
        if c.is_kw("RETURN") {
            // SQL-standard body: RETURN expr.
            let start = c.offset_of(c.pos + 1).unwrap_or(1);
            c.next();
            let expr = tokens_text(&c.take_until(|_| false));
            body = Some((format!("SELECT {expr}"), start));
            continue;
        }
        if parse_option(c, &mut options)? {
            continue;
        }
        return Err(c.error());
    }
    let (body, body_offset) = match body {
        Some((b, o)) => (Some(b), o),
        None => (None, 0),
    };
    Ok(FuncStmt::Create(Box::new(CreateFunction {
        or_replace,
        procedure,
        name,
        args,
        returns,
        language,
        body,
        body_offset,
        options,
    })))
}

/// Parses one of the options CREATE and ALTER share; false if none is next.
fn parse_option(c: &mut Cursor, o: &mut FuncOptions) -> PgResult<bool> {
    let Some(w) = c.peek().and_then(upper) else {
        return Ok(false);
    };
    match w.as_str() {
        "IMMUTABLE" => o.volatility = Some('i'),
        "STABLE" => o.volatility = Some('s'),
        "VOLATILE" => o.volatility = Some('v'),
        "STRICT" => o.strict = Some(true),
        "LEAKPROOF" => o.leakproof = Some(true),
        "CALLED" => {
            c.next();
            for kw in ["ON", "NULL", "INPUT"] {
                c.expect_kw(kw)?;
            }
            o.strict = Some(false);
            return Ok(true);
        }
        "RETURNS" => {
            c.next();
            for kw in ["NULL", "ON", "NULL", "INPUT"] {
                c.expect_kw(kw)?;
            }
            o.strict = Some(true);
            return Ok(true);
        }
        "NOT" => {
            c.next();
            c.expect_kw("LEAKPROOF")?;
            o.leakproof = Some(false);
            return Ok(true);
        }
        "EXTERNAL" | "SECURITY" => {
            c.next();
            if w == "EXTERNAL" {
                c.expect_kw("SECURITY")?;
            }
            if c.eat_kw("DEFINER") {
                o.security_definer = Some(true);
            } else {
                c.expect_kw("INVOKER")?;
                o.security_definer = Some(false);
            }
            return Ok(true);
        }
        "PARALLEL" => {
            c.next();
            c.next();
            return Ok(true);
        }
        "COST" | "ROWS" => {
            let cost = w == "COST";
            c.next();
            let negative = matches!(c.peek(), Some(Token::Minus));
            if negative {
                c.next();
            }
            match c.next() {
                Some(Token::Number(n, _)) => {
                    let v: f64 = n.parse().map_err(|_| c.error())?;
                    let v = if negative { -v } else { v };
                    if v <= 0.0 {
                        let what = if cost { "COST" } else { "ROWS" };
                        return Err(PgError::new(
                            SqlState::INVALID_PARAMETER_VALUE,
                            format!("{what} must be positive"),
                        ));
                    }
                    if cost {
                        o.cost = Some(v);
                    }
                    return Ok(true);
                }
                _ => {
                    c.pos -= 1;
                    return Err(c.error());
                }
            }
        }
        "SET" => {
            c.next();
            let name = dotted_setting(c)?;
            if c.eat_kw("FROM") {
                c.expect_kw("CURRENT")?;
                return Err(PgError::unsupported(
                    "SET … FROM CURRENT is not supported yet",
                ));
            }
            if !c.eat(&Token::Eq) {
                c.expect_kw("TO")?;
            }
            let mut parts = Vec::new();
            loop {
                match c.next() {
                    Some(Token::SingleQuotedString(s)) => parts.push(s.clone()),
                    Some(Token::Number(n, _)) => parts.push(n.clone()),
                    Some(Token::Word(w)) => parts.push(if w.quote_style.is_some() {
                        format!("\"{}\"", w.value)
                    } else {
                        w.value.to_lowercase()
                    }),
                    _ => {
                        c.pos -= 1;
                        return Err(c.error());
                    }
                }
                if !c.eat(&Token::Comma) {
                    break;
                }
            }
            o.config.push((name, Some(parts.join(", "))));
            return Ok(true);
        }
        "RESET" => {
            c.next();
            let name = if c.eat_kw("ALL") {
                "all".to_string()
            } else {
                dotted_setting(c)?
            };
            o.config.push((name, None));
            return Ok(true);
        }
        _ => return Ok(false),
    }
    c.next();
    Ok(true)
}

fn dotted_setting(c: &mut Cursor) -> PgResult<String> {
    let mut name = c.ident()?;
    while c.eat(&Token::Period) {
        name = format!("{name}.{}", c.ident()?);
    }
    Ok(name)
}

fn parse_returns(c: &mut Cursor) -> PgResult<FuncReturn> {
    if c.eat_kw("TABLE") {
        if !c.eat(&Token::LParen) {
            return Err(c.error());
        }
        let mut cols = Vec::new();
        loop {
            let name = c.ident()?;
            let ty = c.take_until(|t| *t == Token::Comma);
            cols.push((name, parse_type(&ty)?));
            if c.eat(&Token::Comma) {
                continue;
            }
            if !c.eat(&Token::RParen) {
                return Err(c.error());
            }
            break;
        }
        return Ok(FuncReturn::Table(cols));
    }
    let set = c.eat_kw("SETOF");
    let ty = c.take_until(|t| {
        matches!(
            upper(t).as_deref(),
            Some(
                "LANGUAGE"
                    | "AS"
                    | "IMMUTABLE"
                    | "STABLE"
                    | "VOLATILE"
                    | "STRICT"
                    | "CALLED"
                    | "RETURNS"
                    | "SECURITY"
                    | "EXTERNAL"
                    | "LEAKPROOF"
                    | "NOT"
                    | "PARALLEL"
                    | "COST"
                    | "ROWS"
                    | "SET"
                    | "RETURN"
                    | "BEGIN"
                    | "WINDOW"
                    | "SUPPORT"
                    | "TRANSFORM"
            )
        )
    });
    if ty.is_empty() {
        return Err(c.error());
    }
    let ty = parse_type(&ty)?;
    Ok(if set {
        FuncReturn::SetOf(ty)
    } else {
        FuncReturn::Scalar(ty)
    })
}

fn parse_arg_decls(c: &mut Cursor) -> PgResult<Vec<ArgDecl>> {
    if !c.eat(&Token::LParen) {
        return Err(c.error());
    }
    let mut args = Vec::new();
    if c.eat(&Token::RParen) {
        return Ok(args);
    }
    loop {
        let mode = if c.eat_kw("INOUT") {
            ArgMode::InOut
        } else if c.eat_kw("IN") {
            if c.eat_kw("OUT") {
                ArgMode::InOut
            } else {
                ArgMode::In
            }
        } else if c.eat_kw("OUT") {
            ArgMode::Out
        } else if c.eat_kw("VARIADIC") {
            ArgMode::Variadic
        } else {
            ArgMode::In
        };
        let decl = c.take_until(|t| {
            *t == Token::Comma || *t == Token::Eq || upper(t).as_deref() == Some("DEFAULT")
        });
        if decl.is_empty() {
            return Err(c.error());
        }
        let (name, ty) = match try_parse_type(&tokens_text(&decl))? {
            Some(ty) => (None, ty),
            None => (
                Some(ident_of(decl[0]).ok_or_else(|| c.error())?),
                parse_type(&decl[1..])?,
            ),
        };
        let default = if c.eat(&Token::Eq) || c.eat_kw("DEFAULT") {
            let d = c.take_until(|t| *t == Token::Comma);
            if d.is_empty() {
                return Err(c.error());
            }
            Some(tokens_text(&d))
        } else {
            None
        };
        args.push(ArgDecl {
            name,
            ty,
            mode,
            default,
        });
        if c.eat(&Token::Comma) {
            continue;
        }
        if !c.eat(&Token::RParen) {
            return Err(c.error());
        }
        return Ok(args);
    }
}

/// A comma-separated list of routine references as written (`f(int), g`).
pub fn parse_routine_list(text: &str) -> PgResult<Vec<RoutineRef>> {
    let tokens = sqlparser::tokenizer::Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize_with_location()
        .map_err(|e| PgError::syntax(e.to_string()))?;
    let toks: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut c = Cursor {
        toks,
        pos: 0,
        sql: text,
    };
    let mut out = vec![parse_routine_ref(&mut c)?];
    while c.eat(&Token::Comma) {
        out.push(parse_routine_ref(&mut c)?);
    }
    if c.peek().is_some() {
        return Err(c.error());
    }
    Ok(out)
}

/// `name [(argtypes)]`: argument names and modes are allowed and ignored, OUT arguments dropped.
fn parse_routine_ref(c: &mut Cursor) -> PgResult<RoutineRef> {
    let name = c.qualified_name()?;
    let args = if c.peek() == Some(&Token::LParen) {
        Some(
            parse_arg_decls(c)?
                .into_iter()
                .filter(|a| a.mode.is_input())
                .map(|a| a.ty)
                .collect(),
        )
    } else {
        None
    };
    Ok(RoutineRef { name, args })
}

/// `name (type, ...) (option = value, ...)`: the old-style spelling
/// (`BASETYPE = …`) is not read.
fn parse_create_aggregate(c: &mut Cursor, or_replace: bool) -> PgResult<FuncStmt> {
    let name = c.qualified_name()?;
    let args = parse_arg_decls(c)?
        .into_iter()
        .filter(|a| a.mode.is_input())
        .map(|a| a.ty)
        .collect();
    if !c.eat(&Token::LParen) {
        return Err(c.error());
    }
    let mut options = Vec::new();
    loop {
        let key = c.ident()?.to_lowercase();
        if !c.eat(&Token::Eq) {
            return Err(c.error());
        }
        let value = match c.string() {
            Some((v, _)) => v,
            None => {
                let v = c.take_until(|t| matches!(t, Token::Comma | Token::RParen));
                if v.is_empty() {
                    return Err(c.error());
                }
                tokens_text(&v)
            }
        };
        options.push((key, value));
        if c.eat(&Token::Comma) {
            continue;
        }
        if !c.eat(&Token::RParen) {
            return Err(c.error());
        }
        break;
    }
    Ok(FuncStmt::CreateAggregate(CreateAggregate {
        or_replace,
        name,
        args,
        options,
    }))
}

fn parse_drop(c: &mut Cursor) -> PgResult<FuncStmt> {
    let kind = routine_kind(c)?;
    let if_exists = c.eat_kw("IF");
    if if_exists {
        c.expect_kw("EXISTS")?;
    }
    let mut items = vec![parse_routine_ref(c)?];
    while c.eat(&Token::Comma) {
        items.push(parse_routine_ref(c)?);
    }
    let cascade = c.eat_kw("CASCADE");
    if !cascade {
        c.eat_kw("RESTRICT");
    }
    Ok(FuncStmt::Drop(DropFunction {
        kind,
        if_exists,
        items,
        cascade,
    }))
}

fn parse_alter(c: &mut Cursor) -> PgResult<FuncStmt> {
    let kind = routine_kind(c)?;
    let routine = parse_routine_ref(c)?;
    let action = if c.eat_kw("OWNER") {
        c.expect_kw("TO")?;
        let role = c.peek().and_then(crate::rolespec::RoleSpec::from_token);
        match role {
            Some(r) => {
                c.pos += 1;
                AlterAction::OwnerTo(r)
            }
            None => return Err(c.error()),
        }
    } else if c.eat_kw("RENAME") {
        c.expect_kw("TO")?;
        AlterAction::RenameTo(c.ident()?)
    } else if c.is_kw("SET") && c.peek_at(1).and_then(upper).as_deref() == Some("SCHEMA") {
        c.next();
        c.next();
        AlterAction::SetSchema(c.ident()?)
    } else {
        let mut o = FuncOptions::default();
        let mut any = false;
        while parse_option(c, &mut o)? {
            any = true;
        }
        if !any {
            return Err(c.error());
        }
        c.eat_kw("RESTRICT");
        AlterAction::Options(o)
    };
    Ok(FuncStmt::Alter(AlterFunction {
        kind,
        routine,
        action,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::tokenizer::Tokenizer;

    fn p(sql: &str) -> PgResult<FuncStmt> {
        let toks = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        parse(&toks, sql)
    }

    #[test]
    fn create_function_with_every_option() {
        let sql =
            "CREATE OR REPLACE FUNCTION s.f(a integer, OUT b text, double precision DEFAULT 1.5) \
                   RETURNS SETOF text LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER LEAKPROOF \
                   SET search_path = pg_catalog, public AS $x$ BEGIN END $x$";
        let FuncStmt::Create(c) = p(sql).unwrap() else {
            panic!("not a create")
        };
        assert!(c.or_replace && !c.procedure);
        assert_eq!(c.name, vec!["s", "f"]);
        assert_eq!(c.args.len(), 3);
        assert_eq!(c.args[0].name.as_deref(), Some("a"));
        assert_eq!(c.args[1].mode, ArgMode::Out);
        assert_eq!(c.args[2].ty, DataType::Float8);
        assert_eq!(c.args[2].default.as_deref(), Some("1.5"));
        assert_eq!(c.returns, Some(FuncReturn::SetOf(DataType::Text)));
        assert_eq!(c.language.as_deref(), Some("plpgsql"));
        assert_eq!(c.body.as_deref(), Some(" BEGIN END "));
        assert_eq!(&sql[c.body_offset as usize - 1..][..6], " BEGIN");
        assert_eq!(c.options.volatility, Some('s'));
        assert_eq!(c.options.security_definer, Some(true));
        assert_eq!(
            c.options.config,
            vec![("search_path".into(), Some("pg_catalog, public".into()))]
        );
    }

    #[test]
    fn do_drop_alter() {
        assert!(
            matches!(p("DO $$ BEGIN END $$").unwrap(), FuncStmt::Do { language, .. } if language == "plpgsql")
        );
        let FuncStmt::Drop(d) = p("DROP FUNCTION IF EXISTS f(int, text), g CASCADE").unwrap()
        else {
            panic!()
        };
        assert_eq!(d.items.len(), 2);
        assert_eq!(d.items[0].args, Some(vec![DataType::Int4, DataType::Text]));
        assert!(d.if_exists && d.cascade);
        let FuncStmt::Alter(a) = p("ALTER FUNCTION f(integer) OWNER TO bob").unwrap() else {
            panic!()
        };
        assert_eq!(
            a.action,
            AlterAction::OwnerTo(crate::rolespec::RoleSpec::Name("bob".into()))
        );
        assert!(p("CREATE FUNCTION f( RETURNS int").is_err());
    }
}
