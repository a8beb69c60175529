//! PL/pgSQL parser: statements by recursive descent over sqlparser's tokens;
//! embedded expressions and SQL statements are cut out as source text and
//! syntax-checked with the SQL parser, as PostgreSQL's pl_gram.y does.
//! Errors carry a position relative to the body (1-based characters).

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use rampart_types::{DataType, PgError, PgResult, SqlState};

use super::ast::*;

struct Tok {
    token: Token,
    /// Byte offset in the body.
    off: usize,
    line: u32,
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    src: &'a str,
    next_id: usize,
    /// Declared names per block (innermost last), for "is not a known variable".
    scopes: Vec<Vec<String>>,
}

/// Parses a function body. `args` are the names visible as variables.
/// Errors without a position carry PostgreSQL's `compilation of PL/pgSQL
/// function "name" near line N` context.
pub fn parse_body(src: &str, args: &[String], name: &str) -> PgResult<Block> {
    let mut line = 0;
    parse_inner(src, args, &mut line).map_err(|e| {
        if e.position.is_none() && e.context.is_none() {
            e.add_context(format!(
                "compilation of PL/pgSQL function \"{name}\" near line {line}"
            ))
        } else {
            e
        }
    })
}

fn parse_inner(src: &str, args: &[String], line_out: &mut u32) -> PgResult<Block> {
    let raw = Tokenizer::new(&PostgreSqlDialect {}, src)
        .tokenize_with_location()
        .map_err(|e| PgError::syntax(format!("syntax error: {e}")))?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut toks = Vec::new();
    for t in raw {
        if matches!(t.token, Token::Whitespace(_)) {
            continue;
        }
        let line = t.span.start.line as usize;
        let col = t.span.start.column as usize;
        let start = line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let off = src[start..]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map(|(i, _)| start + i)
            .unwrap_or(src.len());
        toks.push(Tok {
            token: t.token,
            off,
            line: line as u32,
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        src,
        next_id: 0,
        scopes: vec![args.to_vec(), vec!["found".into()]],
    };
    let r = p.label().and_then(|label| p.block(label));
    *line_out = p.line().max(1);
    let block = r?;
    p.eat(&Token::SemiColon);
    if p.peek().is_some() {
        return Err(p.error());
    }
    Ok(block)
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

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos).map(|t| &t.token)
    }
    fn peek_at(&self, n: usize) -> Option<&Token> {
        self.toks.get(self.pos + n).map(|t| &t.token)
    }
    fn is_kw(&self, kw: &str) -> bool {
        self.peek().and_then(upper).as_deref() == Some(kw)
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.is_kw(kw);
        if hit {
            self.pos += 1;
        }
        hit
    }
    fn eat(&mut self, t: &Token) -> bool {
        let hit = self.peek() == Some(t);
        if hit {
            self.pos += 1;
        }
        hit
    }
    fn expect_kw(&mut self, kw: &str) -> PgResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.error())
        }
    }
    fn expect(&mut self, t: &Token) -> PgResult<()> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.error())
        }
    }
    fn char_pos(&self, byte: usize) -> u32 {
        self.src[..byte.min(self.src.len())].chars().count() as u32 + 1
    }
    fn error(&self) -> PgError {
        match self.toks.get(self.pos) {
            Some(t) => {
                let text = match &t.token {
                    Token::Word(w) => w.value.clone(),
                    other => other.to_string(),
                };
                PgError::syntax(format!("syntax error at or near \"{text}\""))
                    .with_position(self.char_pos(t.off))
            }
            None => PgError::syntax("syntax error at end of input")
                .with_position(self.char_pos(self.src.trim_end().len())),
        }
    }
    fn line(&self) -> u32 {
        self.toks.get(self.pos).map(|t| t.line).unwrap_or(0)
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
    fn new_src(&mut self, text: String) -> Src {
        self.next_id += 1;
        Src {
            text,
            id: self.next_id,
        }
    }
    fn known(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.iter().any(|n| n == name))
    }

    /// Source text from the current token up to the first token (at
    /// parenthesis depth 0) for which `stop` holds; returns the text and its byte offset.
    fn cut(&mut self, stop: &dyn Fn(&Parser, usize) -> bool) -> PgResult<(String, usize)> {
        let start = self.pos;
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            if depth == 0 && (stop(self, self.pos) || *t == Token::SemiColon) {
                break;
            }
            match t {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        let from = self
            .toks
            .get(start)
            .map(|t| t.off)
            .unwrap_or(self.src.len());
        let to = self
            .toks
            .get(self.pos)
            .map(|t| t.off)
            .unwrap_or(self.src.len());
        Ok((self.src[from..to].trim_end().to_string(), from))
    }

    /// An expression up to a stop keyword, syntax-checked.
    fn expr_until(&mut self, stops: &[&str]) -> PgResult<Src> {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let (text, off) = self.cut(&|p, i| {
            p.toks[i].token == Token::Comma && stops.iter().any(|s| s == ",")
                || upper(&p.toks[i].token).is_some_and(|w| stops.contains(&w))
        })?;
        if text.is_empty() {
            return Err(self.error());
        }
        self.check_expr(&text, off)?;
        Ok(self.new_src(text))
    }

    fn check_expr(&self, text: &str, off: usize) -> PgResult<()> {
        if let Err(e) = crate::parser::parse_expr(text) {
            // A query-shaped expression (`x := count(*) FROM t`) is checked as SELECT.
            if crate::parser::parse_sql(&format!("SELECT {text}")).is_ok() {
                return Ok(());
            }
            return Err(self.shift(e, off));
        }
        Ok(())
    }

    fn check_sql(&self, text: &str, off: usize) -> PgResult<()> {
        crate::parser::parse(text)
            .map(|_| ())
            .map_err(|e| self.shift(e, off))
    }

    /// Moves an error position from a fragment to the body.
    fn shift(&self, mut e: PgError, off: usize) -> PgError {
        if let Some(p) = e.position {
            e.position = Some(p + self.char_pos(off) - 1);
        }
        e
    }

    fn label(&mut self) -> PgResult<Option<String>> {
        if self.eat(&Token::ShiftLeft) {
            let l = self.ident()?;
            self.expect(&Token::ShiftRight)?;
            return Ok(Some(l));
        }
        Ok(None)
    }

    fn block(&mut self, label: Option<String>) -> PgResult<Block> {
        self.scopes.push(vec![]);
        let mut decls = Vec::new();
        if self.eat_kw("DECLARE") {
            while !self.is_kw("BEGIN") {
                if self.peek().is_none() {
                    return Err(self.error());
                }
                if self.eat_kw("DECLARE") {
                    continue;
                }
                decls.push(self.decl()?);
            }
        }
        self.expect_kw("BEGIN")?;
        let body = self.stmts(&["END", "EXCEPTION"])?;
        let mut handlers = Vec::new();
        if self.eat_kw("EXCEPTION") {
            while self.eat_kw("WHEN") {
                let mut conditions = Vec::new();
                loop {
                    if self.eat_kw("SQLSTATE") {
                        match self.peek().cloned() {
                            Some(Token::SingleQuotedString(s)) => {
                                self.pos += 1;
                                conditions.push(format!("sqlstate:{s}"));
                            }
                            _ => return Err(self.error()),
                        }
                    } else {
                        let name = self.ident()?;
                        if name != "others" && super::exec::condition_code(&name).is_none() {
                            return Err(PgError::new(
                                SqlState::UNDEFINED_OBJECT,
                                format!("unrecognized exception condition \"{name}\""),
                            ));
                        }
                        conditions.push(name);
                    }
                    if !self.eat_kw("OR") {
                        break;
                    }
                }
                self.expect_kw("THEN")?;
                let body = self.stmts(&["WHEN", "END"])?;
                handlers.push(Handler { conditions, body });
            }
        }
        self.expect_kw("END")?;
        if let Some(l) = &label {
            if self.peek().and_then(ident_of).as_deref() == Some(l.as_str()) {
                self.pos += 1;
            }
        } else if matches!(self.peek(), Some(Token::Word(_))) && !self.is_kw("END") {
            self.pos += 1;
        }
        self.scopes.pop();
        Ok(Block {
            label,
            decls,
            body,
            handlers,
        })
    }

    fn decl(&mut self) -> PgResult<Decl> {
        let name = self.ident()?;
        if self.eat_kw("ALIAS") {
            self.expect_kw("FOR")?;
            let n = match self.peek().cloned() {
                Some(Token::Placeholder(p)) if p.starts_with('$') => {
                    self.pos += 1;
                    p[1..].parse::<usize>().map_err(|_| self.error())?
                }
                _ => return Err(self.error()),
            };
            self.expect(&Token::SemiColon)?;
            self.declare(&name);
            return Ok(Decl {
                name,
                ty: VarType::Record,
                constant: false,
                not_null: false,
                default: None,
                alias_of: Some(n),
            });
        }
        let constant = self.eat_kw("CONSTANT");
        let (ty_text, _) = self.cut(&|p, i| {
            matches!(p.toks[i].token, Token::Assignment | Token::Eq)
                || matches!(
                    upper(&p.toks[i].token).as_deref(),
                    Some("DEFAULT" | "NOT" | "COLLATE")
                )
        })?;
        let ty = var_type(&ty_text).ok_or_else(|| {
            PgError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type \"{}\" does not exist", ty_text.trim()),
            )
        })?;
        let mut not_null = false;
        if self.eat_kw("NOT") {
            self.expect_kw("NULL")?;
            not_null = true;
        }
        let default =
            if self.eat(&Token::Assignment) || self.eat(&Token::Eq) || self.eat_kw("DEFAULT") {
                Some(self.expr_until(&[])?)
            } else {
                None
            };
        self.expect(&Token::SemiColon)?;
        self.declare(&name);
        Ok(Decl {
            name,
            ty,
            constant,
            not_null,
            default,
            alias_of: None,
        })
    }

    fn declare(&mut self, name: &str) {
        if let Some(s) = self.scopes.last_mut() {
            s.push(name.to_string());
        }
    }

    fn stmts(&mut self, stops: &[&str]) -> PgResult<Vec<Stmt>> {
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.error()),
                Some(t) if upper(t).is_some_and(|w| stops.contains(&w.as_str())) => {
                    // `END IF`/`END LOOP` close statements; a bare END closes the block.
                    return Ok(out);
                }
                _ => out.push(self.stmt()?),
            }
        }
    }

    fn stmt(&mut self) -> PgResult<Stmt> {
        let line = self.line();
        let label = self.label()?;
        let kw = self.peek().and_then(upper).unwrap_or_default();
        let kind = match kw.as_str() {
            "DECLARE" | "BEGIN" => {
                let b = self.block(label)?;
                self.expect(&Token::SemiColon)?;
                return Ok(Stmt {
                    line,
                    kind: StmtKind::Block(b),
                });
            }
            "LOOP" => {
                self.pos += 1;
                let body = self.loop_body(&label)?;
                StmtKind::Loop { label, body }
            }
            "WHILE" => {
                self.pos += 1;
                let cond = self.expr_until(&["LOOP"])?;
                self.expect_kw("LOOP")?;
                let body = self.loop_body(&label)?;
                StmtKind::While { label, cond, body }
            }
            "FOR" => {
                self.pos += 1;
                self.for_loop(label)?
            }
            "IF" => {
                self.pos += 1;
                self.if_stmt()?
            }
            "CASE" => {
                self.pos += 1;
                self.case_stmt()?
            }
            "EXIT" | "CONTINUE" => {
                self.pos += 1;
                let label = match self.peek() {
                    Some(t) if upper(t).as_deref() != Some("WHEN") && ident_of(t).is_some() => {
                        Some(self.ident()?)
                    }
                    _ => None,
                };
                let when = if self.eat_kw("WHEN") {
                    Some(self.expr_until(&[])?)
                } else {
                    None
                };
                StmtKind::Exit {
                    continue_: kw == "CONTINUE",
                    label,
                    when,
                }
            }
            "RETURN" => {
                self.pos += 1;
                if self.eat_kw("NEXT") {
                    StmtKind::ReturnNext(self.opt_expr()?)
                } else if self.eat_kw("QUERY") {
                    if self.eat_kw("EXECUTE") {
                        let cmd = self.expr_until(&["USING"])?;
                        let using = self.using()?;
                        StmtKind::ReturnQuery {
                            query: None,
                            execute: Some((cmd, using)),
                        }
                    } else {
                        let (text, off) = self.cut(&|_, _| false)?;
                        self.check_sql(&text, off)?;
                        StmtKind::ReturnQuery {
                            query: Some(self.new_src(text)),
                            execute: None,
                        }
                    }
                } else {
                    StmtKind::Return(self.opt_expr()?)
                }
            }
            "RAISE" => {
                self.pos += 1;
                self.raise()?
            }
            "ASSERT" => {
                self.pos += 1;
                let cond = self.expr_until(&[","])?;
                let message = if self.eat(&Token::Comma) {
                    Some(self.expr_until(&[])?)
                } else {
                    None
                };
                StmtKind::Assert { cond, message }
            }
            "PERFORM" => {
                self.pos += 1;
                let (text, off) = self.cut(&|_, _| false)?;
                let q = format!("SELECT {text}");
                crate::parser::parse_sql(&q).map_err(|mut e| {
                    e.position = e.position.map(|p| p.saturating_sub(7).max(1));
                    self.shift(e, off)
                })?;
                StmtKind::Perform(self.new_src(q))
            }
            "EXECUTE" => {
                self.pos += 1;
                let command = self.expr_until(&["INTO", "USING"])?;
                let mut into = None;
                let mut using = Vec::new();
                loop {
                    if self.eat_kw("INTO") {
                        into = Some(self.parse_into()?);
                    } else if self.is_kw("USING") {
                        using = self.using()?;
                    } else {
                        break;
                    }
                }
                StmtKind::Execute {
                    command,
                    into,
                    using,
                }
            }
            "GET" => {
                self.pos += 1;
                self.eat_kw("CURRENT");
                self.expect_kw("DIAGNOSTICS")?;
                let mut items = Vec::new();
                loop {
                    let var = self.ident()?;
                    if !self.eat(&Token::Eq) {
                        self.expect(&Token::Assignment)?;
                    }
                    let item = self.ident()?;
                    if item != "row_count" {
                        return Err(PgError::unsupported(format!(
                            "GET DIAGNOSTICS {item} is not supported yet"
                        )));
                    }
                    items.push((var, item));
                    if !self.eat(&Token::Comma) {
                        break;
                    }
                }
                StmtKind::GetDiagnostics(items)
            }
            "NULL" if self.peek_at(1) == Some(&Token::SemiColon) => {
                self.pos += 1;
                StmtKind::Null
            }
            "OPEN" | "FETCH" | "CLOSE" | "MOVE" | "FOREACH" | "COMMIT" | "ROLLBACK" => {
                return Err(PgError::unsupported(format!(
                    "PL/pgSQL {kw} is not supported yet"
                )))
            }
            _ if self.is_assignment() => {
                let start = self.toks[self.pos].off;
                let (target, _) = self.cut(&|p, i| {
                    p.toks[i].token == Token::Assignment || p.toks[i].token == Token::Eq
                })?;
                let base = target.split('.').next().unwrap_or("").trim().to_lowercase();
                if !self.known(&base) {
                    return Err(
                        PgError::syntax(format!("\"{base}\" is not a known variable"))
                            .with_position(self.char_pos(start)),
                    );
                }
                self.pos += 1;
                let expr = self.expr_until(&[])?;
                let end = self
                    .toks
                    .get(self.pos)
                    .map(|t| t.off)
                    .unwrap_or(self.src.len());
                let text = self.src[start..end].trim_end().to_string();
                StmtKind::Assign {
                    target: target.to_lowercase(),
                    expr,
                    text,
                }
            }
            _ => self.sql_stmt()?,
        };
        self.expect(&Token::SemiColon)?;
        Ok(Stmt { line, kind })
    }

    fn is_assignment(&self) -> bool {
        let is_target = |t: Option<&Token>| matches!(t, Some(Token::Word(_)));
        if !is_target(self.peek()) {
            return false;
        }
        match self.peek_at(1) {
            Some(Token::Assignment) | Some(Token::Eq) => true,
            Some(Token::Period) => {
                is_target(self.peek_at(2))
                    && matches!(self.peek_at(3), Some(Token::Assignment | Token::Eq))
            }
            _ => false,
        }
    }

    fn opt_expr(&mut self) -> PgResult<Option<Src>> {
        if self.peek() == Some(&Token::SemiColon) {
            Ok(None)
        } else {
            Ok(Some(self.expr_until(&[])?))
        }
    }

    fn using(&mut self) -> PgResult<Vec<Src>> {
        let mut out = Vec::new();
        if self.eat_kw("USING") {
            loop {
                out.push(self.expr_until(&[",", "INTO", "LOOP"])?);
                if !self.eat(&Token::Comma) {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn parse_into(&mut self) -> PgResult<IntoTarget> {
        let strict = self.eat_kw("STRICT");
        let mut vars = vec![self.ident()?];
        while self.eat(&Token::Comma) {
            vars.push(self.ident()?);
        }
        Ok(IntoTarget { vars, strict })
    }

    fn loop_body(&mut self, label: &Option<String>) -> PgResult<Vec<Stmt>> {
        let body = self.stmts(&["END"])?;
        self.expect_kw("END")?;
        self.expect_kw("LOOP")?;
        if let Some(l) = label {
            if self.peek().and_then(ident_of).as_deref() == Some(l.as_str()) {
                self.pos += 1;
            }
        }
        Ok(body)
    }

    fn for_loop(&mut self, label: Option<String>) -> PgResult<StmtKind> {
        let mut vars = vec![self.ident()?];
        while self.eat(&Token::Comma) {
            vars.push(self.ident()?);
        }
        self.expect_kw("IN")?;
        if self.eat_kw("EXECUTE") {
            let cmd = self.expr_until(&["USING", "LOOP"])?;
            let using = self.using()?;
            self.expect_kw("LOOP")?;
            let body = self.loop_body(&label)?;
            return Ok(StmtKind::ForQuery {
                label,
                vars,
                query: None,
                execute: Some((cmd, using)),
                body,
            });
        }
        let reverse = self.eat_kw("REVERSE");
        let (text, off) = self.cut(&|p, i| upper(&p.toks[i].token).as_deref() == Some("LOOP"))?;
        self.expect_kw("LOOP")?;
        if let Some((lo, rest)) = split_range(&text) {
            let (hi, step) = match split_by(&rest) {
                Some((h, s)) => (h, Some(s)),
                None => (rest, None),
            };
            self.scopes.push(vec![vars[0].clone()]);
            let lo = self.checked(lo, off)?;
            let hi = self.checked(hi, off)?;
            let step = match step {
                Some(s) => Some(self.checked(s, off)?),
                None => None,
            };
            let body = self.loop_body(&label)?;
            self.scopes.pop();
            return Ok(StmtKind::ForInt {
                label,
                var: vars.remove(0),
                reverse,
                lo,
                hi,
                step,
                body,
            });
        }
        self.check_sql(&text, off)?;
        let query = Some(self.new_src(text));
        let body = self.loop_body(&label)?;
        Ok(StmtKind::ForQuery {
            label,
            vars,
            query,
            execute: None,
            body,
        })
    }

    fn checked(&mut self, text: String, off: usize) -> PgResult<Src> {
        self.check_expr(&text, off)?;
        Ok(self.new_src(text))
    }

    fn if_stmt(&mut self) -> PgResult<StmtKind> {
        let mut branches = Vec::new();
        let cond = self.expr_until(&["THEN"])?;
        self.expect_kw("THEN")?;
        branches.push((cond, self.stmts(&["ELSIF", "ELSEIF", "ELSE", "END"])?));
        let mut else_ = Vec::new();
        loop {
            if self.eat_kw("ELSIF") || self.eat_kw("ELSEIF") {
                let cond = self.expr_until(&["THEN"])?;
                self.expect_kw("THEN")?;
                branches.push((cond, self.stmts(&["ELSIF", "ELSEIF", "ELSE", "END"])?));
            } else if self.eat_kw("ELSE") {
                else_ = self.stmts(&["END"])?;
            } else {
                break;
            }
        }
        self.expect_kw("END")?;
        self.expect_kw("IF")?;
        Ok(StmtKind::If { branches, else_ })
    }

    fn case_stmt(&mut self) -> PgResult<StmtKind> {
        let operand = if self.is_kw("WHEN") {
            None
        } else {
            Some(self.expr_until(&["WHEN"])?)
        };
        let mut whens = Vec::new();
        while self.eat_kw("WHEN") {
            let mut exprs = vec![self.expr_until(&["THEN", ","])?];
            while self.eat(&Token::Comma) {
                exprs.push(self.expr_until(&["THEN", ","])?);
            }
            self.expect_kw("THEN")?;
            whens.push((exprs, self.stmts(&["WHEN", "ELSE", "END"])?));
        }
        let else_ = if self.eat_kw("ELSE") {
            Some(self.stmts(&["END"])?)
        } else {
            None
        };
        self.expect_kw("END")?;
        self.expect_kw("CASE")?;
        Ok(StmtKind::Case {
            operand,
            whens,
            else_,
        })
    }

    fn raise(&mut self) -> PgResult<StmtKind> {
        if self.peek() == Some(&Token::SemiColon) {
            return Ok(StmtKind::ReRaise);
        }
        let level = match self.peek().and_then(upper).as_deref() {
            Some("DEBUG") => RaiseLevel::Debug,
            Some("LOG") => RaiseLevel::Log,
            Some("INFO") => RaiseLevel::Info,
            Some("NOTICE") => RaiseLevel::Notice,
            Some("WARNING") => RaiseLevel::Warning,
            Some("EXCEPTION") => RaiseLevel::Exception,
            _ => {
                self.pos -= 1;
                RaiseLevel::Exception
            }
        };
        self.pos += 1;
        let mut message = None;
        let mut condition = None;
        let mut args = Vec::new();
        match self.peek().cloned() {
            Some(Token::SingleQuotedString(s)) | Some(Token::EscapedStringLiteral(s)) => {
                self.pos += 1;
                message = Some(s);
                while self.eat(&Token::Comma) {
                    args.push(self.expr_until(&[",", "USING"])?);
                }
                let needed = count_placeholders(message.as_deref().unwrap_or(""));
                if needed > args.len() {
                    return Err(PgError::syntax("too few parameters specified for RAISE"));
                }
                if needed < args.len() {
                    return Err(PgError::syntax("too many parameters specified for RAISE"));
                }
            }
            Some(Token::Word(_)) if !self.is_kw("USING") => {
                if self.eat_kw("SQLSTATE") {
                    match self.peek().cloned() {
                        Some(Token::SingleQuotedString(s)) => {
                            self.pos += 1;
                            condition = Some(format!("sqlstate:{s}"));
                        }
                        _ => return Err(self.error()),
                    }
                } else {
                    let name = self.ident()?;
                    if super::exec::condition_code(&name).is_none() {
                        return Err(PgError::new(
                            SqlState::UNDEFINED_OBJECT,
                            format!("unrecognized exception condition \"{name}\""),
                        ));
                    }
                    condition = Some(name);
                }
            }
            _ => {}
        }
        let mut options = Vec::new();
        if self.eat_kw("USING") {
            loop {
                let opt = self.ident()?.to_ascii_uppercase();
                if !matches!(
                    opt.as_str(),
                    "MESSAGE"
                        | "DETAIL"
                        | "HINT"
                        | "ERRCODE"
                        | "COLUMN"
                        | "CONSTRAINT"
                        | "DATATYPE"
                        | "TABLE"
                        | "SCHEMA"
                ) {
                    return Err(PgError::syntax(format!(
                        "unrecognized RAISE statement option \"{}\"",
                        opt.to_lowercase()
                    )));
                }
                if !self.eat(&Token::Eq) {
                    self.expect(&Token::Assignment)?;
                }
                options.push((opt, self.expr_until(&[","])?));
                if !self.eat(&Token::Comma) {
                    break;
                }
            }
        }
        Ok(StmtKind::Raise {
            level,
            message,
            condition,
            args,
            options,
        })
    }

    /// A SQL statement, with `INTO [STRICT] targets` taken out.
    fn sql_stmt(&mut self) -> PgResult<StmtKind> {
        let start = self.pos;
        let first = self.peek().and_then(upper).unwrap_or_default();
        let mut into_at = None;
        let mut depth = 0i32;
        let mut i = self.pos;
        let mut seen_into = 0;
        while let Some(t) = self.toks.get(i).map(|t| &t.token) {
            match t {
                Token::SemiColon if depth == 0 => break,
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            if depth == 0 && upper(t).as_deref() == Some("INTO") {
                seen_into += 1;
                // INSERT INTO / MERGE INTO name the table, not a target.
                let table_into = (first == "INSERT" || first == "MERGE") && seen_into == 1;
                if !table_into && into_at.is_none() {
                    into_at = Some(i);
                }
            }
            i += 1;
        }
        let end_tok = i;
        let (text, into) = match into_at {
            None => {
                self.pos = end_tok;
                let from = self.toks[start].off;
                let to = self
                    .toks
                    .get(end_tok)
                    .map(|t| t.off)
                    .unwrap_or(self.src.len());
                (self.src[from..to].trim_end().to_string(), None)
            }
            Some(at) => {
                self.pos = at + 1;
                let into = self.parse_into()?;
                let after = self.pos;
                let from = self.toks[start].off;
                let cut_from = self.toks[at].off;
                let cut_to = self
                    .toks
                    .get(after)
                    .map(|t| t.off)
                    .unwrap_or(self.src.len());
                let to = self
                    .toks
                    .get(end_tok)
                    .map(|t| t.off)
                    .unwrap_or(self.src.len());
                self.pos = end_tok;
                let text = format!(
                    "{}{}",
                    &self.src[from..cut_from],
                    &self.src[cut_to.min(to)..to]
                );
                (text.trim_end().to_string(), Some(into))
            }
        };
        let off = self.toks[start].off;
        if into.is_none() {
            self.check_sql(&text, off)?;
        } else if let Err(e) = crate::parser::parse(&text) {
            return Err(PgError {
                position: None,
                ..e
            });
        }
        Ok(StmtKind::Sql {
            query: self.new_src(text),
            into,
        })
    }
}

/// `lo .. hi` split at the first `..` outside quotes.
fn split_range(text: &str) -> Option<(String, String)> {
    let mut in_quote = false;
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(1) {
        if b[i] == b'\'' {
            in_quote = !in_quote;
        }
        if !in_quote && b[i] == b'.' && b[i + 1] == b'.' {
            return Some((
                text[..i].trim().to_string(),
                text[i + 2..].trim().to_string(),
            ));
        }
    }
    None
}

/// `hi BY step`.
fn split_by(text: &str) -> Option<(String, String)> {
    let lower = text.to_ascii_lowercase();
    let i = lower.find(" by ")?;
    Some((
        text[..i].trim().to_string(),
        text[i + 4..].trim().to_string(),
    ))
}

fn count_placeholders(fmt: &str) -> usize {
    let mut n = 0;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            if chars.peek() == Some(&'%') {
                chars.next();
            } else {
                n += 1;
            }
        }
    }
    n
}

fn var_type(text: &str) -> Option<VarType> {
    let t = text.trim().to_ascii_lowercase();
    if t == "record" || t.ends_with("%rowtype") {
        return Some(VarType::Record);
    }
    let parsed = sqlparser::parser::Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .ok()?
        .parse_data_type()
        .ok()?;
    if let sqlparser::ast::DataType::Custom(name, mods) = &parsed {
        if mods.is_empty() {
            if let Some(t) = name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .and_then(|i| DataType::from_sql_name(&i.value))
            {
                return Some(VarType::Scalar(t));
            }
        }
    }
    crate::bind::types::convert_type(&parsed)
        .ok()
        .map(VarType::Scalar)
}
