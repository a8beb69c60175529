//! A small front parser for PostgreSQL statements sqlparser does not parse:
//! `GRANT role TO role`, `REVOKE role FROM role`, `CREATE USER/GROUP`,
//! `ALTER/DROP USER/GROUP`, `ENCRYPTED PASSWORD`, `ALTER DEFAULT PRIVILEGES`,
//! `DROP OWNED`, `REASSIGN OWNED`. Role-membership statements
//! become [`RoleStmt`]; the others are rewritten to the `ROLE` forms sqlparser
//! parses. Statements that need none of this go to sqlparser untouched (so
//! error positions stay exact).

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use rampart_types::{PgError, PgResult, SqlState};

use crate::rolespec::RoleSpec;

/// GRANT/REVOKE of role membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleStmt {
    /// GRANT (false) or REVOKE (true).
    pub revoke: bool,
    /// Roles granted or revoked.
    pub roles: Vec<String>,
    /// Grantees (or revokees).
    pub members: Vec<RoleSpec>,
    /// WITH ADMIN OPTION (GRANT) or ADMIN OPTION FOR (REVOKE).
    pub admin_option: bool,
    /// GRANTED BY.
    pub granted_by: Option<RoleSpec>,
    /// CASCADE (REVOKE).
    pub cascade: bool,
    /// Written as `ALTER GROUP … ADD/DROP USER` (command tag `ALTER ROLE`).
    pub alter_group: bool,
}

/// `ALTER DEFAULT PRIVILEGES [FOR ROLE r, ...] [IN SCHEMA s, ...] GRANT|REVOKE ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultPrivStmt {
    /// FOR ROLE targets (empty = the current role).
    pub roles: Vec<RoleSpec>,
    /// IN SCHEMA targets (empty = a global entry).
    pub schemas: Vec<String>,
    /// Object kind letter: `r` TABLES, `S` SEQUENCES, `f` FUNCTIONS/ROUTINES, `T` TYPES, `n` SCHEMAS.
    pub objtype: char,
    /// The GRANT/REVOKE with the object class replaced by a placeholder object,
    /// so sqlparser parses the privilege and grantee lists.
    pub inner: String,
}

/// `DROP OWNED BY roles [CASCADE|RESTRICT]` or `REASSIGN OWNED BY roles TO role`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedStmt {
    /// The roles whose objects are dropped or reassigned.
    pub roles: Vec<RoleSpec>,
    /// REASSIGN: the new owner; DROP: None.
    pub reassign_to: Option<RoleSpec>,
    /// DROP … CASCADE.
    pub cascade: bool,
}

/// `ALTER {SEQUENCE|VIEW|SCHEMA} name OWNER TO role`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterOwnerStmt {
    /// `S` sequence, `v` view, `n` schema, `d` domain (`ALTER DOMAIN` or
    /// `ALTER TYPE`).
    pub kind: char,
    /// The object's (possibly qualified) name.
    pub name: Vec<String>,
    /// The new owner.
    pub owner: RoleSpec,
}

/// `ALTER SEQUENCE [IF EXISTS] name OWNED BY table.column | NONE`.
#[derive(Debug, Clone)]
pub struct SequenceOwnedByStmt {
    /// The sequence's (possibly qualified) name.
    pub name: Vec<String>,
    /// IF EXISTS.
    pub if_exists: bool,
    /// The (possibly qualified) table and the column; None for NONE.
    pub owned_by: Option<(Vec<String>, String)>,
}

/// A piece of a multi-statement string.
pub enum Piece {
    /// Text for sqlparser.
    Sql(String),
    /// Text for sqlparser with `ONLY` blanked out before table names, and
    /// where those names start (line, column; sqlparser's numbering), for
    /// [`crate::parser::mark_only`].
    SqlOnly(String, Vec<(u64, u64)>),
    /// A membership statement.
    Role(RoleStmt),
    /// ALTER DEFAULT PRIVILEGES.
    DefaultPrivileges(DefaultPrivStmt),
    /// DROP OWNED / REASSIGN OWNED.
    Owned(OwnedStmt),
    /// ALTER SEQUENCE/VIEW/SCHEMA … OWNER TO.
    AlterOwner(AlterOwnerStmt),
    /// ALTER SEQUENCE … OWNED BY.
    SequenceOwnedBy(SequenceOwnedByStmt),
    /// CREATE/DROP/ALTER FUNCTION or PROCEDURE, DO.
    Function(crate::func::FuncStmt),
    /// CREATE/DROP/ALTER DATABASE.
    Database(crate::database::DatabaseStmt),
    /// VACUUM / ANALYZE / CHECKPOINT.
    Maintenance(MaintenanceStmt),
    /// ALTER TABLE … [NO] INHERIT.
    Inherit(InheritStmt),
    /// CREATE RULE.
    Rule(RuleStmt),
    /// FETCH / MOVE on a cursor.
    Fetch(FetchStmt),
    /// ALTER TABLE … ATTACH / DETACH PARTITION.
    Attach(AttachStmt),
    /// ALTER DOMAIN (other than OWNER TO).
    AlterDomain(crate::domain::AlterDomainStmt),
}

/// `ALTER TABLE [IF EXISTS] [ONLY] parent ATTACH PARTITION child FOR VALUES
/// … | DEFAULT` or `… DETACH PARTITION child` (sqlparser reads neither).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachStmt {
    /// The partitioned table.
    pub parent: Vec<String>,
    /// The partition.
    pub child: Vec<String>,
    /// The bound as SQL text (`FOR VALUES IN (1)`, `DEFAULT`); None for DETACH.
    pub bound: Option<String>,
}

/// `FETCH|MOVE [direction] [FROM|IN] cursor` (sqlparser reads no MOVE, and
/// FETCH only with FROM/IN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchStmt {
    /// MOVE: position only, no rows.
    pub moving: bool,
    /// Where to go.
    pub direction: FetchDirection,
    /// Cursor name.
    pub cursor: String,
}

/// A FETCH/MOVE direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchDirection {
    /// NEXT, FORWARD [n], n, ALL (None: every remaining row).
    Forward(Option<i64>),
    /// PRIOR, BACKWARD [n | ALL].
    Backward(Option<i64>),
    /// FIRST, LAST, ABSOLUTE n.
    Absolute(i64),
    /// RELATIVE n.
    Relative(i64),
}

/// `ALTER TABLE [IF EXISTS] [ONLY] child [NO] INHERIT parent` (sqlparser
/// does not read it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InheritStmt {
    /// The child table's (possibly qualified) name.
    pub child: Vec<String>,
    /// The parent table's name.
    pub parent: Vec<String>,
    /// NO INHERIT.
    pub remove: bool,
    /// IF EXISTS.
    pub if_exists: bool,
}

/// `CREATE [OR REPLACE] RULE name AS ON event TO table [WHERE …] DO [ALSO |
/// INSTEAD] action` (sqlparser does not read it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleStmt {
    /// The rule's name.
    pub name: String,
    /// SELECT, INSERT, UPDATE or DELETE.
    pub event: String,
    /// The table's (possibly qualified) name.
    pub table: Vec<String>,
    /// A WHERE condition was given.
    pub qualified: bool,
    /// DO INSTEAD.
    pub instead: bool,
    /// The action's text (NOTHING, a command or a parenthesized list).
    pub action: String,
}

/// `VACUUM [(options)] [ANALYZE] [table, …]` or `ANALYZE [table, …]`: Rampart
/// has nothing to reclaim or sample (MVCC versions are removed by the storage
/// layer's own vacuum), so these check their targets and do nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaintenanceStmt {
    /// `VACUUM`, `ANALYZE` or `CHECKPOINT`.
    pub command: String,
    /// Target tables (possibly qualified); empty = every table.
    pub tables: Vec<Vec<String>>,
    /// Per table, the columns listed after it (empty: all).
    pub columns: Vec<Vec<String>>,
    /// Statistics are gathered (ANALYZE, or VACUUM with ANALYZE).
    pub analyze: bool,
}

fn word(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

fn name_of(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    }
}

fn significant(tokens: &[TokenWithSpan]) -> Vec<&Token> {
    tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect()
}

/// Splits `sql` into pieces when any statement needs the front parser; None otherwise.
pub fn split_if_needed(sql: &str) -> PgResult<Option<Vec<Piece>>> {
    if is_single_plain_dml(sql) {
        return Ok(None);
    }
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() else {
        return Ok(None); // sqlparser reports the tokenizer error with PostgreSQL's wording
    };
    let mut statements: Vec<Vec<TokenWithSpan>> = vec![vec![]];
    for t in tokens {
        if t.token == Token::SemiColon {
            statements.push(vec![]);
        } else {
            if let Some(s) = statements.last_mut() {
                s.push(t);
            }
        }
    }
    if !statements.iter().any(|s| {
        needs_front(&significant(s))
            || only_noise(s).is_some()
            || current_of_rewrite(s).is_some()
            || merge_default_values(s).is_some()
    }) {
        return Ok(None);
    }
    let mut out = Vec::new();
    for s in statements {
        let sig = significant(&s);
        if sig.is_empty() {
            continue;
        }
        check_policy_kind(&s, sql)?;
        if let Some(text) = create_domain(&sig)? {
            out.push(Piece::Sql(text));
        } else if let Some(a) = alter_domain(&sig)? {
            out.push(Piece::AlterDomain(a));
        } else if crate::func::parse::is_routine_statement(&sig) {
            out.push(Piece::Function(crate::func::parse::parse(&s, sql)?));
        } else if let Some(r) = alter_group_members(&sig) {
            out.push(Piece::Role(r));
        } else if let Some(text) = view_check_option(&sig) {
            // The rewritten statement may still need the other view rewrites.
            match split_if_needed(&text)? {
                Some(mut pieces) if pieces.len() == 1 => out.push(pieces.remove(0)),
                _ => out.push(Piece::Sql(text)),
            }
        } else if let Some(text) = table_statement(&sig)
            .or_else(|| bare_view_options(&sig))
            .or_else(|| ctas_column_names(&sig))
            .or_else(|| grant_all_columns(&sig))
            .or_else(|| grant_routine_list(&sig))
            .or_else(|| grant_all_routines(&sig))
            .or_else(|| drop_domain(&sig))
            .or_else(|| copy_boolean_options(&sig))
            .or_else(|| operator_quantified(&sig))
            .or_else(|| sequence_options_in_order(&sig))
            .or_else(|| current_of_rewrite(&s))
            .or_else(|| merge_default_values(&s))
        {
            out.push(Piece::Sql(text));
        } else if let Some((text, only)) = only_noise(&s) {
            out.push(Piece::SqlOnly(text, only));
        } else if let Some(m) = maintenance(&sig)? {
            out.push(Piece::Maintenance(m));
        } else if let Some(i) = inherit_stmt(&sig) {
            out.push(Piece::Inherit(i));
        } else if let Some(r) = rule_stmt(&sig)? {
            out.push(Piece::Rule(r));
        } else if let Some(f) = fetch_stmt(&sig)? {
            out.push(Piece::Fetch(f));
        } else if let Some(a) = attach_stmt(&sig) {
            out.push(Piece::Attach(a));
        } else if crate::database::is_database_statement(&sig) {
            out.push(Piece::Database(crate::database::parse(&s)?));
        } else if let Some(d) = default_privileges(&sig)? {
            out.push(Piece::DefaultPrivileges(d));
        } else if let Some(o) = owned_stmt(&sig)? {
            out.push(Piece::Owned(o));
        } else if let Some(a) = alter_owner(&sig) {
            out.push(Piece::AlterOwner(a));
        } else if let Some(o) = sequence_owned_by(&sig) {
            out.push(Piece::SequenceOwnedBy(o));
        } else if let Some(r) = role_stmt(&sig)? {
            out.push(Piece::Role(r));
        } else {
            out.push(Piece::Sql(rewrite(&s, sql)?));
        }
    }
    Ok(Some(out))
}

/// Whether `sql` is one SELECT/INSERT/UPDATE/DELETE/WITH/VALUES statement
/// that the front parser would leave alone, decided without tokenizing: no
/// `;` before trailing ones, no leading comment, and no ENCRYPTED word (the
/// only thing `needs_front` looks for in such statements). Anything else
/// takes the tokenizing path.
fn is_single_plain_dml(sql: &str) -> bool {
    let body = sql.trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    if body.contains(';') {
        return false;
    }
    let start = body.trim_start();
    let first: String = start
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    matches!(
        first.as_str(),
        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "WITH" | "VALUES"
    ) && {
        let upper = body.to_ascii_uppercase();
        !upper.contains("ENCRYPTED")
            && !upper.contains("ONLY")
            && !mentions_current_of(&upper)
            && !upper.contains("OPERATOR(")
    }
}

/// Whether upper-cased SQL text has the words `CURRENT OF` (cheap check
/// before tokenizing; strings and comments may give false positives).
fn mentions_current_of(upper: &str) -> bool {
    upper.match_indices("CURRENT").any(|(i, w)| {
        let rest = upper[i + w.len()..].trim_start();
        rest.len() < upper.len() - i - w.len()
            && rest.starts_with("OF")
            && !rest[2..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// `CREATE VIEW … AS query WITH [CASCADED | LOCAL] CHECK OPTION`, which
/// sqlparser does not read, as the equivalent `WITH (check_option = …)`
/// option before AS (what PostgreSQL stores it as).
fn view_check_option(sig: &[&Token]) -> Option<String> {
    let words: Vec<Option<String>> = sig.iter().map(|t| word(t)).collect();
    if words.first()?.as_deref() != Some("CREATE")
        || !words.iter().take(6).any(|w| w.as_deref() == Some("VIEW"))
    {
        return None;
    }
    let n = sig.len();
    if n < 4
        || words[n - 1].as_deref() != Some("OPTION")
        || words[n - 2].as_deref() != Some("CHECK")
    {
        return None;
    }
    let (kind, with) = match words[n - 3].as_deref() {
        Some("CASCADED") => ("cascaded", n - 4),
        Some("LOCAL") => ("local", n - 4),
        _ => ("cascaded", n - 3),
    };
    if words.get(with)?.as_deref() != Some("WITH") {
        return None;
    }
    let body = &sig[..with];
    let as_at = body.iter().position(
        |t| matches!(t, Token::Word(w) if w.keyword == Keyword::AS && w.quote_style.is_none()),
    )?;
    let mut parts: Vec<String> = body.iter().map(|t| t.to_string()).collect();
    let option = format!("check_option = '{kind}'");
    // An option list right before AS (`WITH ( … )`) takes it; else one is added.
    let has_list = as_at >= 2 && *body[as_at - 1] == Token::RParen && {
        let mut depth = 0i32;
        let mut open = None;
        for j in (0..as_at).rev() {
            match body[j] {
                Token::RParen => depth += 1,
                Token::LParen => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        open.is_some_and(|o| o > 0 && words[o - 1].as_deref() == Some("WITH"))
    };
    if has_list {
        parts.insert(as_at - 1, format!(", {option}"));
    } else {
        parts.insert(as_at, format!("WITH ({option})"));
    }
    Some(parts.join(" "))
}

/// MERGE's `INSERT DEFAULT VALUES`, which sqlparser does not read, as
/// `INSERT VALUES (DEFAULT)`: the same row (columns without a value get
/// their defaults).
fn merge_default_values(tokens: &[TokenWithSpan]) -> Option<String> {
    let sig = significant(tokens);
    if !sig.iter().any(|t| word(t).as_deref() == Some("MERGE")) {
        return None;
    }
    let words: Vec<Option<String>> = sig.iter().map(|t| word(t)).collect();
    let mut parts = Vec::with_capacity(sig.len());
    let mut i = 0;
    while i < sig.len() {
        let here = |k: usize, w: &str| words.get(i + k).and_then(|x| x.as_deref()) == Some(w);
        if here(0, "INSERT") && here(1, "DEFAULT") && here(2, "VALUES") {
            parts.push("INSERT VALUES (DEFAULT)".to_string());
            i += 3;
        } else {
            parts.push(sig[i].to_string());
            i += 1;
        }
    }
    (parts.len() < sig.len()).then(|| parts.join(" "))
}

/// `UPDATE/DELETE … WHERE CURRENT OF cursor`, which sqlparser does not
/// read: the words become a call of [`crate::bind::CURRENT_OF_MARKER`]
/// with the cursor's name, which the binder turns into a scan of the row
/// the cursor is on.
fn current_of_rewrite(tokens: &[TokenWithSpan]) -> Option<String> {
    // UPDATE/DELETE, also after EXPLAIN … or PREPARE … AS.
    let sig = significant(tokens);
    if !sig
        .iter()
        .any(|t| matches!(word(t).as_deref(), Some("UPDATE" | "DELETE")))
    {
        return None;
    }
    let is = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.keyword == k);
    let mut text = String::new();
    let mut found = false;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i].token;
        if is(t, Keyword::CURRENT) {
            // CURRENT, OF and the name, with whitespace between.
            let mut next =
                (i + 1..tokens.len()).filter(|&j| !matches!(tokens[j].token, Token::Whitespace(_)));
            if let (Some(of), Some(name)) = (next.next(), next.next()) {
                if let (true, Token::Word(w)) =
                    (is(&tokens[of].token, Keyword::OF), &tokens[name].token)
                {
                    let cursor = match w.quote_style {
                        Some(_) => w.value.clone(),
                        None => w.value.to_lowercase(),
                    };
                    text.push_str(&format!(
                        "\"{}\"('{}')",
                        crate::bind::CURRENT_OF_MARKER,
                        cursor.replace('\'', "''")
                    ));
                    found = true;
                    i = name + 1;
                    continue;
                }
            }
        }
        text.push_str(&t.to_string());
        i += 1;
    }
    found.then_some(text)
}

/// `FROM ONLY t`, `UPDATE ONLY t`, `DELETE FROM ONLY t`, `JOIN ONLY t`:
/// ONLY keeps a table's inheritance children out, and sqlparser does not
/// read it there. The word is blanked out (the rest of the text keeps its
/// positions, for error cursors) and where the table name after it starts
/// is returned, so the parsed table can be marked ([`crate::parser::mark_only`]).
fn only_noise(tokens: &[TokenWithSpan]) -> Option<(String, Vec<(u64, u64)>)> {
    let is_only = |t: &Token| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::ONLY);
    let mut previous: Option<String> = None;
    let mut text = String::new();
    let mut starts = Vec::new();
    let mut after_only = false;
    let (mut line, mut column) = (1u64, 1u64);
    for t in tokens {
        let shown = t.token.to_string();
        let significant = !matches!(t.token, Token::Whitespace(_));
        if significant
            && is_only(&t.token)
            && matches!(previous.as_deref(), Some("FROM" | "UPDATE" | "JOIN"))
        {
            after_only = true;
            let blank = " ".repeat(shown.chars().count());
            column += blank.len() as u64;
            text.push_str(&blank);
            previous = word(&t.token);
            continue;
        }
        if significant && std::mem::take(&mut after_only) {
            starts.push((line, column));
        }
        for ch in shown.chars() {
            if ch == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        text.push_str(&shown);
        if significant {
            previous = word(&t.token);
        }
    }
    (!starts.is_empty()).then_some((text, starts))
}

fn needs_front(sig: &[&Token]) -> bool {
    let w2: Vec<String> = sig.iter().take(2).filter_map(|t| word(t)).collect();
    if w2 == ["CREATE", "POLICY"]
        || w2 == ["CREATE", "DOMAIN"]
        || w2 == ["DROP", "DOMAIN"]
        || w2 == ["ALTER", "DOMAIN"]
    {
        return true;
    }
    if crate::func::parse::is_routine_statement(sig)
        || crate::database::is_database_statement(sig)
        || table_statement(sig).is_some()
        || bare_view_options(sig).is_some()
        || view_check_option(sig).is_some()
        || ctas_column_names(sig).is_some()
        || grant_all_columns(sig).is_some()
        || grant_all_routines(sig).is_some()
        || grant_routine_list(sig).is_some()
        || operator_quantified(sig).is_some()
        || copy_boolean_options(sig).is_some()
        || sequence_options_in_order(sig).is_some()
        || inherit_stmt(sig).is_some()
        || matches!(rule_stmt(sig), Ok(Some(_)) | Err(_))
        || attach_stmt(sig).is_some()
        || matches!(
            sig.first().and_then(|t| word(t)).as_deref(),
            Some("FETCH" | "MOVE")
        )
        || matches!(
            sig.first().and_then(|t| word(t)).as_deref(),
            Some("VACUUM" | "ANALYZE" | "ANALYSE" | "CHECKPOINT")
        )
    {
        return true;
    }
    let w: Vec<String> = sig.iter().take(3).filter_map(|t| word(t)).collect();
    match w.as_slice() {
        [a, b, c] if a == "ALTER" && b == "DEFAULT" && c == "PRIVILEGES" => true,
        [a, b, ..] if (a == "DROP" || a == "REASSIGN") && b == "OWNED" => true,
        [a, b, ..]
            if a == "ALTER"
                && matches!(
                    b.as_str(),
                    "SEQUENCE" | "VIEW" | "SCHEMA" | "DOMAIN" | "TYPE"
                )
                && alter_owner(sig).is_some() =>
        {
            true
        }
        [a, b, ..] if a == "ALTER" && b == "SEQUENCE" && sequence_owned_by(sig).is_some() => true,
        [a, b, ..]
            if (a == "CREATE" || a == "ALTER" || a == "DROP") && (b == "USER" || b == "GROUP") =>
        {
            true
        }
        [a, b, ..]
            if a == "CREATE"
                && b == "ROLE"
                && sig.iter().any(|t| word(t).as_deref() == Some("SYSID")) =>
        {
            true
        }
        [a, ..] if a == "GRANT" || a == "REVOKE" => !sig
            .iter()
            .any(|t| matches!(t, Token::Word(w) if w.keyword == Keyword::ON)),
        _ => sig
            .iter()
            .any(|t| matches!(word(t).as_deref(), Some("ENCRYPTED") | Some("UNENCRYPTED"))),
    }
}

thread_local! {
    /// NOTICEs raised while parsing (PostgreSQL raises them from its grammar).
    static PARSE_NOTICES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn add_parse_notice(message: &str) {
    PARSE_NOTICES.with(|n| n.borrow_mut().push(message.to_string()));
}

/// The NOTICEs the last parse on this thread raised (and forgets them).
pub fn take_parse_notices() -> Vec<String> {
    PARSE_NOTICES.with(|n| std::mem::take(&mut *n.borrow_mut()))
}

/// Rewrites USER/GROUP forms and ENCRYPTED PASSWORD to what sqlparser parses.
fn rewrite(tokens: &[TokenWithSpan], sql: &str) -> PgResult<String> {
    if let Some(t) = tokens
        .iter()
        .find(|t| word(&t.token).as_deref() == Some("UNENCRYPTED"))
    {
        let mut e = PgError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            "UNENCRYPTED PASSWORD is no longer supported",
        )
        .with_hint("Remove UNENCRYPTED to store the password in encrypted form instead.");
        if let Some(p) = span_position(t.span, sql) {
            e = e.with_position(p);
        }
        return Err(e);
    }
    let sig: Vec<&Token> = significant(tokens);
    let first: Vec<String> = sig.iter().take(2).filter_map(|t| word(t)).collect();
    let mut parts: Vec<String> = Vec::new();
    let mut skip_first_two = false;
    let mut add_login = false;
    if let [a, b] = first.as_slice() {
        if (a == "CREATE" || a == "ALTER" || a == "DROP") && (b == "USER" || b == "GROUP") {
            parts.push(format!("{a} ROLE"));
            skip_first_two = true;
            add_login = a == "CREATE"
                && b == "USER"
                && !sig
                    .iter()
                    .any(|t| matches!(word(t).as_deref(), Some("LOGIN") | Some("NOLOGIN")));
        }
    }
    let creates_role = matches!(first.as_slice(), [a, b] if a == "CREATE" && matches!(b.as_str(), "ROLE" | "USER" | "GROUP"));
    let mut seen = 0;
    let mut iter = sig.iter().peekable();
    while let Some(t) = iter.next() {
        seen += 1;
        if skip_first_two && seen <= 2 {
            continue;
        }
        match word(t).as_deref() {
            Some("ENCRYPTED") => continue,
            // A noise word kept for compatibility: PostgreSQL says so and ignores it.
            Some("SYSID") if creates_role && matches!(iter.peek(), Some(Token::Number(..))) => {
                iter.next();
                add_parse_notice("SYSID can no longer be specified");
            }
            _ => parts.push(t.to_string()),
        }
    }
    if add_login {
        parts.push("LOGIN".into());
    }
    Ok(parts.join(" "))
}

/// `CREATE SEQUENCE` takes its options in any order (PostgreSQL);
/// sqlparser only in one. Returns the statement with the options in that
/// order, or None when they already are (or this is not CREATE SEQUENCE).
fn sequence_options_in_order(sig: &[&Token]) -> Option<String> {
    let words: Vec<Option<String>> = sig.iter().map(|t| word(t)).collect();
    let mut i = match words
        .iter()
        .take(3)
        .map(|w| w.as_deref())
        .collect::<Vec<_>>()
        .as_slice()
    {
        [Some("CREATE"), Some("SEQUENCE"), ..] => 2,
        [Some("CREATE"), Some("TEMP" | "TEMPORARY"), Some("SEQUENCE")] => 3,
        _ => return None,
    };
    if words.get(i).and_then(|w| w.as_deref()) == Some("IF") {
        i += 3;
    }
    // The (possibly qualified) name.
    i += 1;
    while sig.get(i) == Some(&&Token::Period) {
        i += 2;
    }
    let rank = |k: usize| -> Option<u8> {
        let w = words.get(k)?.as_deref()?;
        let next = words.get(k + 1).and_then(|w| w.as_deref());
        Some(match (w, next) {
            ("AS", _) => 0,
            ("INCREMENT", _) => 1,
            ("MINVALUE", _) | ("NO", Some("MINVALUE")) => 2,
            ("MAXVALUE", _) | ("NO", Some("MAXVALUE")) => 3,
            ("START", _) => 4,
            ("CACHE", _) => 5,
            ("CYCLE", _) | ("NO", Some("CYCLE")) => 6,
            ("OWNED", _) => 7,
            _ => return None,
        })
    };
    let mut clauses: Vec<(u8, Vec<String>)> = Vec::new();
    let mut k = i;
    while k < sig.len() {
        match rank(k) {
            // A clause keyword (a `NO` pair counts once).
            Some(r) if !(k > i && words[k - 1].as_deref() == Some("NO")) => {
                clauses.push((r, vec![sig[k].to_string()]))
            }
            _ => clauses.last_mut()?.1.push(sig[k].to_string()),
        }
        k += 1;
    }
    if clauses.windows(2).all(|w| w[0].0 <= w[1].0) {
        return None;
    }
    clauses.sort_by_key(|c| c.0);
    let head: Vec<String> = sig[..i].iter().map(|t| t.to_string()).collect();
    let body: Vec<String> = clauses.into_iter().flat_map(|c| c.1).collect();
    Some(format!("{} {}", head.join(" "), body.join(" ")))
}

/// `TABLE name` is `SELECT * FROM name` (sqlparser does not take it as a statement).
fn table_statement(sig: &[&Token]) -> Option<String> {
    if sig.first().and_then(|t| word(t)).as_deref() != Some("TABLE") || sig.len() < 2 {
        return None;
    }
    let rest: Vec<String> = sig[1..].iter().map(|t| t.to_string()).collect();
    Some(format!("SELECT * FROM {}", rest.join(" ")))
}

/// `CREATE VIEW … WITH (security_barrier)`: a boolean option without a value
/// means true; sqlparser wants `= true`.
fn bare_view_options(sig: &[&Token]) -> Option<String> {
    let w: Vec<String> = sig.iter().take(6).filter_map(|t| word(t)).collect();
    if w.first().map(String::as_str) != Some("CREATE") || !w.iter().any(|x| x == "VIEW") {
        return None;
    }
    let with = sig
        .iter()
        .position(|t| word(t).as_deref() == Some("WITH"))?;
    if sig.get(with + 1) != Some(&&Token::LParen) {
        return None;
    }
    let mut out: Vec<String> = sig[..=with + 1].iter().map(|t| t.to_string()).collect();
    let mut i = with + 2;
    let mut changed = false;
    while let Some(t) = sig.get(i) {
        out.push(t.to_string());
        if **t == Token::RParen {
            break;
        }
        if matches!(t, Token::Word(_))
            && matches!(sig.get(i + 1), Some(Token::Comma) | Some(Token::RParen))
            && !matches!(sig.get(i.wrapping_sub(1)), Some(Token::Eq))
        {
            out.push("= true".into());
            changed = true;
        }
        i += 1;
    }
    if !changed {
        return None;
    }
    out.extend(sig[(i + 1).min(sig.len())..].iter().map(|t| t.to_string()));
    Some(out.join(" "))
}

/// `ALTER GROUP g ADD|DROP USER u, …` is GRANT/REVOKE g TO/FROM u, ….
fn alter_group_members(sig: &[&Token]) -> Option<RoleStmt> {
    let w: Vec<String> = sig.iter().take(5).filter_map(|t| word(t)).collect();
    if w.len() < 5 || w[0] != "ALTER" || w[1] != "GROUP" || w[4] != "USER" {
        return None;
    }
    let revoke = match w[3].as_str() {
        "ADD" => false,
        "DROP" => true,
        _ => return None,
    };
    let group = name_of(sig[2])?;
    let mut members = Vec::new();
    let mut i = 5;
    loop {
        members.push(RoleSpec::from_token(sig.get(i)?)?);
        match sig.get(i + 1) {
            None => break,
            Some(Token::Comma) => i += 2,
            Some(_) => return None,
        }
    }
    Some(RoleStmt {
        revoke,
        roles: vec![group],
        members,
        admin_option: false,
        granted_by: None,
        cascade: false,
        alter_group: true,
    })
}

/// `CREATE POLICY … AS x`: PostgreSQL's error for a kind other than
/// PERMISSIVE/RESTRICTIVE (sqlparser would only say "syntax error").
fn check_policy_kind(tokens: &[TokenWithSpan], sql: &str) -> PgResult<()> {
    let sig: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let w = |i: usize| sig.get(i).and_then(|t| word(&t.token));
    if w(0).as_deref() != Some("CREATE") || w(1).as_deref() != Some("POLICY") {
        return Ok(());
    }
    let Some(at) = (0..sig.len()).find(|&i| w(i).as_deref() == Some("AS")) else {
        return Ok(());
    };
    let Some(kind) = sig.get(at + 1) else {
        return Ok(());
    };
    let Token::Word(kw) = &kind.token else {
        return Ok(());
    };
    let k = kw.value.to_ascii_uppercase();
    if k == "PERMISSIVE" || k == "RESTRICTIVE" {
        return Ok(());
    }
    let mut e = PgError::syntax(format!(
        "unrecognized row security option \"{}\"",
        kw.value.to_lowercase()
    ))
    .with_hint("Only PERMISSIVE or RESTRICTIVE policies are supported currently.");
    if let Some(p) = span_position(kind.span, sql) {
        e = e.with_position(p);
    }
    Err(e)
}

/// `ALTER DOMAIN name action` (sqlparser has no ALTER DOMAIN); None for
/// other statements and for `OWNER TO` (see [`alter_owner`]).
fn alter_domain(sig: &[&Token]) -> PgResult<Option<crate::domain::AlterDomainStmt>> {
    use crate::domain::AlterDomainAction as A;
    if !(is_keyword(sig.first(), "ALTER") && is_keyword(sig.get(1), "DOMAIN")) {
        return Ok(None);
    }
    let mut i = 2;
    let mut name =
        vec![name_of(sig.get(i).ok_or_else(|| near(sig.get(i)))?).ok_or_else(|| near(sig.get(i)))?];
    i += 1;
    if sig.get(i) == Some(&&Token::Period) {
        name.push(
            name_of(sig.get(i + 1).ok_or_else(|| near(sig.get(i + 1)))?)
                .ok_or_else(|| near(sig.get(i + 1)))?,
        );
        i += 2;
    }
    let kw = |k: usize, w: &str| is_keyword(sig.get(i + k), w);
    let ident_at = |k: usize| -> PgResult<String> {
        sig.get(i + k)
            .and_then(|t| name_of(t))
            .ok_or_else(|| near(sig.get(i + k)))
    };
    let rest = |from: usize| -> String {
        sig.get(i + from..)
            .unwrap_or_default()
            .iter()
            .map(|t| token_sql(t))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let end = |k: usize| -> PgResult<()> {
        match sig.get(i + k) {
            None => Ok(()),
            t => Err(near(t)),
        }
    };
    let action = if kw(0, "OWNER") {
        return Ok(None);
    } else if kw(0, "SET") && kw(1, "DEFAULT") {
        if sig.get(i + 2).is_none() {
            return Err(near(None));
        }
        A::SetDefault(rest(2))
    } else if kw(0, "DROP") && kw(1, "DEFAULT") {
        end(2)?;
        A::DropDefault
    } else if (kw(0, "SET") || kw(0, "DROP")) && kw(1, "NOT") && kw(2, "NULL") {
        end(3)?;
        if kw(0, "SET") {
            A::SetNotNull
        } else {
            A::DropNotNull
        }
    } else if kw(0, "ADD") {
        let (cname, at) = if kw(1, "CONSTRAINT") {
            (Some(ident_at(2)?), 3)
        } else {
            (None, 1)
        };
        if kw(at, "NOT") && kw(at + 1, "NULL") {
            end(at + 2)?;
            A::SetNotNull
        } else if kw(at, "CHECK") && sig.get(i + at + 1) == Some(&&Token::LParen) {
            let open = i + at + 1;
            let mut depth = 0;
            let mut close = None;
            for (j, t) in sig.iter().enumerate().skip(open) {
                match t {
                    Token::LParen => depth += 1,
                    Token::RParen => {
                        depth -= 1;
                        if depth == 0 {
                            close = Some(j);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let close = close.ok_or_else(|| near(None))?;
            let expr: Vec<String> = sig[open + 1..close].iter().map(|t| token_sql(t)).collect();
            let after = close + 1 - i;
            let not_valid = kw(after, "NOT") && kw(after + 1, "VALID");
            end(if not_valid { after + 2 } else { after })?;
            A::AddCheck {
                name: cname,
                expr: expr.join(" "),
                not_valid,
            }
        } else {
            return Err(near(sig.get(i + at)));
        }
    } else if kw(0, "DROP") && kw(1, "CONSTRAINT") {
        let if_exists = kw(2, "IF") && kw(3, "EXISTS");
        let at = if if_exists { 4 } else { 2 };
        let c = ident_at(at)?;
        if kw(at + 1, "CASCADE") || kw(at + 1, "RESTRICT") {
            end(at + 2)?;
        } else {
            end(at + 1)?;
        }
        A::DropConstraint { name: c, if_exists }
    } else if kw(0, "RENAME") && kw(1, "CONSTRAINT") && kw(3, "TO") {
        end(5)?;
        A::RenameConstraint {
            from: ident_at(2)?,
            to: ident_at(4)?,
        }
    } else if kw(0, "RENAME") && kw(1, "TO") {
        end(3)?;
        A::Rename(ident_at(2)?)
    } else if kw(0, "VALIDATE") && kw(1, "CONSTRAINT") {
        end(3)?;
        A::ValidateConstraint(ident_at(2)?)
    } else if kw(0, "SET") && kw(1, "SCHEMA") {
        return Err(PgError::unsupported(
            "ALTER DOMAIN … SET SCHEMA is not supported yet",
        ));
    } else if sig.get(i).is_none() {
        return Err(near(None));
    } else {
        return Err(near(sig.get(i + 1)));
    };
    Ok(Some(crate::domain::AlterDomainStmt { name, action }))
}

/// `DROP DOMAIN [IF EXISTS] a, b [CASCADE]`: sqlparser takes one name
/// there, so it becomes `DROP TYPE [IF EXISTS] "placeholder", a, b …`
/// ([`crate::domain::DROP_DOMAIN_PLACEHOLDER`] first: a DROP DOMAIN).
fn drop_domain(sig: &[&Token]) -> Option<String> {
    if !(is_keyword(sig.first(), "DROP") && is_keyword(sig.get(1), "DOMAIN")) {
        return None;
    }
    let names_at = if is_keyword(sig.get(2), "IF") && is_keyword(sig.get(3), "EXISTS") {
        4
    } else {
        2
    };
    let head: Vec<String> = sig[2..names_at].iter().map(|t| token_sql(t)).collect();
    let tail: Vec<String> = sig[names_at..].iter().map(|t| token_sql(t)).collect();
    Some(format!(
        "DROP TYPE {} \"{}\", {}",
        head.join(" "),
        crate::domain::DROP_DOMAIN_PLACEHOLDER,
        tail.join(" ")
    ))
}

/// A token as SQL text again: a string literal with its quotes doubled
/// (sqlparser's Display prints the unescaped value).
fn token_sql(t: &Token) -> String {
    match t {
        Token::SingleQuotedString(v) => format!("'{}'", v.replace('\'', "''")),
        other => other.to_string(),
    }
}

/// Whether `t` is the unquoted keyword `kw`.
fn is_keyword(t: Option<&&Token>, kw: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// `CREATE DOMAIN name [AS] type … [CONSTRAINT n] NOT NULL | NULL …`:
/// sqlparser wants `AS` and reads only CHECK constraints there, so `AS` is
/// written in and the NULL / NOT NULL constraints are taken out (outside
/// parentheses, a NULL after DEFAULT being the default), NOT NULL coming
/// back as a CHECK named [`crate::domain::NOT_NULL_PLACEHOLDER`].
fn create_domain(sig: &[&Token]) -> PgResult<Option<String>> {
    if !(is_keyword(sig.first(), "CREATE") && is_keyword(sig.get(1), "DOMAIN")) {
        return Ok(None);
    }
    let mut i = 3;
    while sig.get(i) == Some(&&Token::Period) {
        i += 2;
    }
    if i > sig.len() {
        return Ok(None);
    }
    let mut out: Vec<String> = sig[..i].iter().map(|t| token_sql(t)).collect();
    if !is_keyword(sig.get(i), "AS") {
        out.push("AS".into());
    }
    let (mut depth, mut not_null, mut null) = (0i32, false, false);
    let mut j = i;
    while j < sig.len() {
        let t = sig[j];
        if depth == 0 {
            if is_keyword(Some(&t), "CONSTRAINT")
                && (is_keyword(sig.get(j + 2), "NOT") || is_keyword(sig.get(j + 2), "NULL"))
            {
                j += 2;
                continue;
            }
            // `COLLATE pg_catalog."C"` (pg_dump's spelling): sqlparser takes
            // one identifier there, and collations live in pg_catalog.
            if is_keyword(Some(&t), "COLLATE")
                && matches!(sig.get(j + 1), Some(Token::Word(w)) if w.value == "pg_catalog")
                && sig.get(j + 2) == Some(&&Token::Period)
            {
                out.push("COLLATE".into());
                j += 3;
                continue;
            }
            if is_keyword(Some(&t), "NOT") && is_keyword(sig.get(j + 1), "NULL") {
                not_null = true;
                j += 2;
                continue;
            }
            if is_keyword(Some(&t), "NULL") && !is_keyword(sig.get(j.wrapping_sub(1)), "DEFAULT") {
                null = true;
                j += 1;
                continue;
            }
        }
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        out.push(token_sql(t));
        j += 1;
    }
    if not_null && null {
        return Err(PgError::syntax("conflicting NULL/NOT NULL constraints"));
    }
    if not_null {
        out.push(format!(
            "CONSTRAINT \"{}\" CHECK (TRUE)",
            crate::domain::NOT_NULL_PLACEHOLDER
        ));
    }
    Ok(Some(out.join(" ")))
}

/// 1-based character position of a token in the statement text.
pub(crate) fn span_position(span: sqlparser::tokenizer::Span, sql: &str) -> Option<u32> {
    let (line, col) = (span.start.line as usize, span.start.column as usize);
    if line == 0 {
        return None;
    }
    let offset: usize = sql
        .split('\n')
        .take(line - 1)
        .map(|l| l.chars().count() + 1)
        .sum();
    Some((offset + col) as u32)
}

/// `CREATE TABLE t (a, b) AS query`: sqlparser wants column types there, so
/// the names move onto the query (`AS SELECT * FROM (query) AS q(a, b)`).
fn ctas_column_names(sig: &[&Token]) -> Option<String> {
    let w: Vec<String> = sig.iter().take(2).filter_map(|t| word(t)).collect();
    if w != ["CREATE", "TABLE"] {
        return None;
    }
    let open = sig.iter().position(|t| **t == Token::LParen)?;
    let mut names = Vec::new();
    let mut i = open + 1;
    loop {
        match sig.get(i)? {
            Token::Word(_) => names.push(sig[i].to_string()),
            _ => return None,
        }
        match sig.get(i + 1)? {
            Token::Comma => i += 2,
            Token::RParen => break,
            _ => return None,
        }
    }
    let close = i + 1;
    if word(sig.get(close + 1)?).as_deref() != Some("AS") {
        return None;
    }
    let head: Vec<String> = sig[..open].iter().map(|t| t.to_string()).collect();
    let query: Vec<String> = sig[close + 2..].iter().map(|t| t.to_string()).collect();
    Some(format!(
        "{} AS SELECT * FROM ({}) AS __ctas({})",
        head.join(" "),
        query.join(" "),
        names.join(", ")
    ))
}

/// `GRANT ALL [PRIVILEGES] (cols) ON t …`: every column privilege on those
/// columns (sqlparser has no column list after ALL).
fn grant_all_columns(sig: &[&Token]) -> Option<String> {
    let first = word(sig.first()?)?;
    if first != "GRANT" && first != "REVOKE" {
        return None;
    }
    let all = sig.iter().position(|t| word(t).as_deref() == Some("ALL"))?;
    let mut open = all + 1;
    if word(sig.get(open)?).as_deref() == Some("PRIVILEGES") {
        open += 1;
    }
    if *sig.get(open)? != &Token::LParen {
        return None;
    }
    let close = open + sig[open..].iter().position(|t| **t == Token::RParen)?;
    let cols: Vec<String> = sig[open + 1..close].iter().map(|t| t.to_string()).collect();
    let cols = cols.join(" ");
    let privs = ["SELECT", "INSERT", "UPDATE", "REFERENCES"]
        .iter()
        .map(|p| format!("{p} ({cols})"))
        .collect::<Vec<_>>()
        .join(", ");
    let head: Vec<String> = sig[..all].iter().map(|t| t.to_string()).collect();
    let tail: Vec<String> = sig[close + 1..].iter().map(|t| t.to_string()).collect();
    Some(format!("{} {privs} {}", head.join(" "), tail.join(" ")))
}

/// Schema name that marks `ALL FUNCTIONS IN SCHEMA` as written `ALL
/// PROCEDURES` (first in the schema list); see [`grant_all_routines`].
pub const ALL_PROCEDURES_PLACEHOLDER: &str = "__rampart_all_procedures__";
/// As [`ALL_PROCEDURES_PLACEHOLDER`], for `ALL ROUTINES`.
pub const ALL_ROUTINES_PLACEHOLDER: &str = "__rampart_all_routines__";
/// Schema name marking a schema list as `ON LANGUAGE l, …` (first in the
/// list): sqlparser has no GRANT ON LANGUAGE.
pub const LANGUAGE_PLACEHOLDER: &str = "__rampart_language__";
/// Schema name marking a schema list as `ON TYPE t, …`: sqlparser has no
/// GRANT ON TYPE.
pub const TYPE_PLACEHOLDER: &str = "__rampart_type__";
/// Schema name marking a schema list as `ON DOMAIN d, …`.
pub const DOMAIN_PLACEHOLDER: &str = "__rampart_domain__";
/// First name part marking `ON FUNCTION` as written `ON ROUTINE`.
pub const ROUTINE_PLACEHOLDER: &str = "__rampart_routine__";

/// `GRANT … ON ALL {PROCEDURES|ROUTINES} IN SCHEMA s, …` and `… ON
/// ROUTINE r`: sqlparser knows only `ALL FUNCTIONS IN SCHEMA` and `ON
/// FUNCTION`, so the statement is rewritten to those with a placeholder
/// first in the schema list or the name (`privileges` takes it off again).
fn grant_all_routines(sig: &[&Token]) -> Option<String> {
    let first = word(sig.first()?)?;
    if first != "GRANT" && first != "REVOKE" {
        return None;
    }
    let on = sig
        .iter()
        .position(|t| matches!(t, Token::Word(w) if w.keyword == Keyword::ON))?;
    let words: Vec<String> = sig[on + 1..]
        .iter()
        .take(4)
        .filter_map(|t| word(t))
        .collect();
    let placeholder = match words.as_slice() {
        [all, kind, i, s, ..] if all == "ALL" && i == "IN" && s == "SCHEMA" => {
            match kind.as_str() {
                "PROCEDURES" => ALL_PROCEDURES_PLACEHOLDER,
                "ROUTINES" => ALL_ROUTINES_PLACEHOLDER,
                _ => return None,
            }
        }
        // `ON LANGUAGE a, b` → `ON SCHEMA "placeholder", a, b`.
        [language, ..] if language == "LANGUAGE" => {
            return Some(respell_object(
                sig,
                on,
                1,
                &format!("SCHEMA \"{LANGUAGE_PLACEHOLDER}\","),
            ));
        }
        // `ON TYPE a, b` → `ON SCHEMA "placeholder", a, b` (DOMAIN alike).
        [kind, ..] if kind == "TYPE" || kind == "DOMAIN" => {
            let placeholder = if kind == "TYPE" {
                TYPE_PLACEHOLDER
            } else {
                DOMAIN_PLACEHOLDER
            };
            return Some(respell_object(
                sig,
                on,
                1,
                &format!("SCHEMA \"{placeholder}\","),
            ));
        }
        // `ON ROUTINE name(args)` → `ON FUNCTION "placeholder".name(args)`.
        [routine, ..] if routine == "ROUTINE" => {
            return Some(respell_object(
                sig,
                on,
                1,
                &format!("FUNCTION \"{ROUTINE_PLACEHOLDER}\"."),
            ));
        }
        _ => return None,
    };
    Some(respell_object(
        sig,
        on,
        4,
        &format!("ALL FUNCTIONS IN SCHEMA \"{placeholder}\","),
    ))
}

/// The statement with the `words` tokens after `ON` (at `on`) replaced by
/// `with`, which is written directly before what followed them.
fn respell_object(sig: &[&Token], on: usize, words: usize, with: &str) -> String {
    let head: Vec<String> = sig[..=on].iter().map(|t| t.to_string()).collect();
    let tail: Vec<String> = sig[on + 1 + words..]
        .iter()
        .map(|t| t.to_string())
        .collect();
    format!("{} {with} {}", head.join(" "), tail.join(" "))
}

/// First name part marking `ON FUNCTION` whose second part is a list of
/// routines as written (`f(int), g(text)`); the letter after it is the
/// kind written (`f`, `p`, `r`). See [`grant_routine_list`].
pub const ROUTINE_LIST_PLACEHOLDER: &str = "__rampart_routine_list_";

/// `GRANT … ON {FUNCTION|PROCEDURE|ROUTINE} f(int), g(text) TO …`:
/// sqlparser takes one routine there, so the list travels as one quoted
/// name after a placeholder (`privileges` parses it again).
fn grant_routine_list(sig: &[&Token]) -> Option<String> {
    let first = word(sig.first()?)?;
    let end_keyword = match first.as_str() {
        "GRANT" => Keyword::TO,
        "REVOKE" => Keyword::FROM,
        _ => return None,
    };
    let on = sig
        .iter()
        .position(|t| matches!(t, Token::Word(w) if w.keyword == Keyword::ON))?;
    let kind = match word(sig.get(on + 1)?)?.as_str() {
        "FUNCTION" => 'f',
        "PROCEDURE" => 'p',
        "ROUTINE" => 'r',
        _ => return None,
    };
    let mut depth = 0i32;
    let mut comma = false;
    let mut end = None;
    for (i, t) in sig.iter().enumerate().skip(on + 2) {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => comma = true,
            Token::Word(w) if depth == 0 && w.keyword == end_keyword => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    if !comma {
        return None;
    }
    let list: Vec<String> = sig[on + 2..end].iter().map(|t| t.to_string()).collect();
    let head: Vec<String> = sig[..=on].iter().map(|t| t.to_string()).collect();
    let tail: Vec<String> = sig[end..].iter().map(|t| t.to_string()).collect();
    Some(format!(
        "{} FUNCTION \"{ROUTINE_LIST_PLACEHOLDER}{kind}\".\"{}\" {}",
        head.join(" "),
        list.join(" ").replace('"', "\"\""),
        tail.join(" ")
    ))
}

/// `COPY … WITH (FREEZE ON, HEADER OFF)`: PostgreSQL takes on/off for
/// boolean options (pgbench -i sends `freeze on`); sqlparser wants true/false.
fn copy_boolean_options(sig: &[&Token]) -> Option<String> {
    if word(sig.first()?).as_deref() != Some("COPY") {
        return None;
    }
    let mut changed = false;
    let parts: Vec<String> = sig
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let prev = i.checked_sub(1).and_then(|p| word(sig[p]));
            let boolean_option = matches!(prev.as_deref(), Some("FREEZE" | "HEADER" | "OIDS"));
            match word(t).as_deref() {
                Some("ON") if boolean_option => {
                    changed = true;
                    "TRUE".to_string()
                }
                Some("OFF") if boolean_option => {
                    changed = true;
                    "FALSE".to_string()
                }
                _ => t.to_string(),
            }
        })
        .collect();
    changed.then(|| parts.join(" "))
}

/// `x OPERATOR(pg_catalog.=) ANY (array[…])`, as pg_dump matches its
/// `-t`/`-n` patterns: sqlparser takes no ANY/ALL/SOME after an
/// `OPERATOR()` spelling, so a built-in comparison is written bare.
fn operator_quantified(sig: &[&Token]) -> Option<String> {
    let mut out = Vec::new();
    let mut changed = false;
    let mut i = 0;
    while i < sig.len() {
        if word(sig[i]).as_deref() == Some("OPERATOR") && sig.get(i + 1) == Some(&&Token::LParen) {
            let close = (i + 2..sig.len()).find(|&j| *sig[j] == Token::RParen);
            if let Some(close) = close {
                let quantified = matches!(
                    sig.get(close + 1).and_then(|t| word(t)).as_deref(),
                    Some("ANY" | "ALL" | "SOME")
                );
                let inner = &sig[i + 2..close];
                let op_tokens = match inner {
                    [schema, dot, rest @ ..]
                        if **dot == Token::Period
                            && word(schema).as_deref() == Some("PG_CATALOG") =>
                    {
                        rest
                    }
                    all => all,
                };
                let op: String = op_tokens.iter().map(|t| t.to_string()).collect();
                let comparison = matches!(
                    op.as_str(),
                    "=" | "<>"
                        | "!="
                        | "<"
                        | "<="
                        | ">"
                        | ">="
                        | "~"
                        | "~*"
                        | "!~"
                        | "!~*"
                        | "~~"
                        | "!~~"
                );
                if quantified && comparison {
                    out.push(op);
                    changed = true;
                    i = close + 1;
                    continue;
                }
            }
        }
        out.push(sig[i].to_string());
        i += 1;
    }
    changed.then(|| out.join(" "))
}

/// Parses VACUUM / ANALYZE (options are accepted and ignored) and CHECKPOINT.
fn maintenance(sig: &[&Token]) -> PgResult<Option<MaintenanceStmt>> {
    let command = match sig.first().and_then(|t| word(t)).as_deref() {
        Some("VACUUM") => "VACUUM",
        Some("ANALYZE" | "ANALYSE") => "ANALYZE",
        Some("CHECKPOINT") => {
            return match sig.get(1) {
                None => Ok(Some(MaintenanceStmt {
                    command: "CHECKPOINT".into(),
                    tables: vec![],
                    columns: vec![],
                    analyze: false,
                })),
                Some(t) => Err(near(Some(t))),
            }
        }
        _ => return Ok(None),
    };
    let mut i = 1;
    let mut analyze = command == "ANALYZE";
    let is_analyze = |t: &Token| matches!(word(t).as_deref(), Some("ANALYZE" | "ANALYSE"));
    if sig.get(i) == Some(&&Token::LParen) {
        while sig.get(i).is_some_and(|t| **t != Token::RParen) {
            analyze |= is_analyze(sig[i]);
            i += 1;
        }
        i += 1;
    }
    while matches!(
        sig.get(i).and_then(|t| word(t)).as_deref(),
        Some("FULL" | "FREEZE" | "VERBOSE" | "ANALYZE" | "ANALYSE")
    ) {
        analyze |= is_analyze(sig[i]);
        i += 1;
    }
    let mut tables = Vec::new();
    let mut columns = Vec::new();
    while i < sig.len() {
        let mut name = vec![name_of(sig[i]).ok_or_else(|| near(sig.get(i)))?];
        i += 1;
        while sig.get(i) == Some(&&Token::Period) {
            name.push(
                name_of(sig.get(i + 1).ok_or_else(|| near(None))?)
                    .ok_or_else(|| near(sig.get(i + 1)))?,
            );
            i += 2;
        }
        // A column list: the columns ANALYZE gathers statistics for.
        let mut cols = Vec::new();
        if sig.get(i) == Some(&&Token::LParen) {
            i += 1;
            while sig.get(i).is_some_and(|t| **t != Token::RParen) {
                if *sig[i] != Token::Comma {
                    cols.push(name_of(sig[i]).ok_or_else(|| near(sig.get(i)))?);
                }
                i += 1;
            }
            i += 1;
        }
        tables.push(name);
        columns.push(cols);
        match sig.get(i) {
            None => break,
            Some(Token::Comma) => i += 1,
            Some(_) => return Err(near(sig.get(i))),
        }
    }
    Ok(Some(MaintenanceStmt {
        command: command.to_string(),
        tables,
        columns,
        analyze,
    }))
}

/// PostgreSQL's syntax error at a token (or at the end of the input).
fn near(t: Option<&&Token>) -> PgError {
    match t {
        Some(t) => PgError::syntax(format!("syntax error at or near \"{t}\"")),
        None => PgError::syntax("syntax error at end of input"),
    }
}

/// Placeholder object name the inner GRANT/REVOKE of ALTER DEFAULT PRIVILEGES names.
pub const DEFAULT_PRIVILEGES_PLACEHOLDER: &str = "__rampart_default_privileges__";

/// Parses ALTER DEFAULT PRIVILEGES.
fn default_privileges(sig: &[&Token]) -> PgResult<Option<DefaultPrivStmt>> {
    let w: Vec<String> = sig.iter().take(3).filter_map(|t| word(t)).collect();
    if w != ["ALTER", "DEFAULT", "PRIVILEGES"] {
        return Ok(None);
    }
    let mut i = 3;
    let mut roles = Vec::new();
    let mut schemas = Vec::new();
    loop {
        match sig.get(i).and_then(|t| word(t)).as_deref() {
            Some("FOR") => {
                if !matches!(
                    sig.get(i + 1).and_then(|t| word(t)).as_deref(),
                    Some("ROLE" | "USER")
                ) {
                    return Err(near(sig.get(i + 1)));
                }
                i += 2;
                if !roles.is_empty() {
                    return Err(near(sig.get(i - 2)));
                }
                i = role_list(sig, i, &mut roles).ok_or_else(|| near(sig.get(i)))?;
            }
            Some("IN") => {
                if sig.get(i + 1).and_then(|t| word(t)).as_deref() != Some("SCHEMA") {
                    return Err(near(sig.get(i + 1)));
                }
                i += 2;
                i = name_list(sig, i, &mut schemas).ok_or_else(|| near(sig.get(i)))?;
            }
            Some("GRANT" | "REVOKE") => break,
            _ => return Err(near(sig.get(i))),
        }
    }
    let rest = &sig[i..];
    let on = rest
        .iter()
        .position(|t| matches!(t, Token::Word(w) if w.keyword == Keyword::ON))
        .ok_or_else(|| near(None))?;
    let (objtype, replacement) = match rest.get(on + 1).and_then(|t| word(t)).as_deref() {
        Some("TABLES") => ('r', "TABLE"),
        Some("SEQUENCES") => ('S', "SEQUENCE"),
        Some("FUNCTIONS" | "ROUTINES") => ('f', "FUNCTION"),
        // sqlparser has no GRANT … ON TYPE; the privilege list is checked
        // against the object type later, so any object keyword parses it.
        Some("TYPES") => ('T', "TABLE"),
        Some("SCHEMAS") => ('n', "SCHEMA"),
        _ => return Err(near(rest.get(on + 1))),
    };
    let mut parts: Vec<String> = rest[..=on].iter().map(|t| t.to_string()).collect();
    parts.push(format!(
        "{replacement} \"{DEFAULT_PRIVILEGES_PLACEHOLDER}\""
    ));
    parts.extend(rest[on + 2..].iter().map(|t| t.to_string()));
    Ok(Some(DefaultPrivStmt {
        roles,
        schemas,
        objtype,
        inner: parts.join(" "),
    }))
}

/// Recognises `ALTER {SEQUENCE|VIEW|SCHEMA} name OWNER TO role` (other ALTER forms are left alone).
fn alter_owner(sig: &[&Token]) -> Option<AlterOwnerStmt> {
    let kind = match sig.get(1).and_then(|t| word(t)).as_deref() {
        Some("SEQUENCE") => 'S',
        Some("VIEW") => 'v',
        Some("SCHEMA") => 'n',
        Some("DOMAIN" | "TYPE") => 'd',
        _ => return None,
    };
    if sig.first().and_then(|t| word(t)).as_deref() != Some("ALTER") || sig.len() < 6 {
        return None;
    }
    let n = sig.len();
    if word(sig[n - 3]).as_deref() != Some("OWNER") || word(sig[n - 2]).as_deref() != Some("TO") {
        return None;
    }
    let mut name = Vec::new();
    for (i, t) in sig[2..n - 3].iter().enumerate() {
        if i % 2 == 1 {
            if **t != Token::Period {
                return None;
            }
        } else {
            name.push(name_of(t)?);
        }
    }
    if name.is_empty() || name.len() > 2 || (kind == 'n' && name.len() != 1) {
        return None;
    }
    Some(AlterOwnerStmt {
        kind,
        name,
        owner: RoleSpec::from_token(sig[n - 1])?,
    })
}

/// Recognizes `ALTER SEQUENCE [IF EXISTS] name OWNED BY table.column | NONE`
/// (sqlparser has no ALTER SEQUENCE; pg_dump writes this form).
fn sequence_owned_by(sig: &[&Token]) -> Option<SequenceOwnedByStmt> {
    let w = |i: usize| sig.get(i).and_then(|t| word(t));
    if w(0).as_deref() != Some("ALTER") || w(1).as_deref() != Some("SEQUENCE") {
        return None;
    }
    let mut i = 2;
    let if_exists = w(2).as_deref() == Some("IF") && w(3).as_deref() == Some("EXISTS");
    if if_exists {
        i = 4;
    }
    // A dotted name: word (. word)*, returning the index after it.
    let dotted = |mut i: usize| -> Option<(Vec<String>, usize)> {
        let mut parts = vec![name_of(sig.get(i)?)?];
        i += 1;
        while sig.get(i) == Some(&&Token::Period) {
            parts.push(name_of(sig.get(i + 1)?)?);
            i += 2;
        }
        Some((parts, i))
    };
    let (name, next) = dotted(i)?;
    if name.len() > 2 || w(next).as_deref() != Some("OWNED") || w(next + 1).as_deref() != Some("BY")
    {
        return None;
    }
    let (target, end) = dotted(next + 2)?;
    if end != sig.len() {
        return None;
    }
    let owned_by = match target.as_slice() {
        [none] if none == "none" => None,
        // Not table.column: PostgreSQL's "invalid OWNED BY option" (an
        // empty table name tells the executor).
        [other] => Some((vec![], other.clone())),
        [_, _] | [_, _, _] => {
            let mut table = target.clone();
            let column = table.pop()?;
            Some((table, column))
        }
        _ => return None,
    };
    Some(SequenceOwnedByStmt {
        name,
        if_exists,
        owned_by,
    })
}

/// Recognizes `ALTER TABLE [IF EXISTS] [ONLY] parent ATTACH PARTITION child
/// bound` and `… DETACH PARTITION child`.
fn attach_stmt(sig: &[&Token]) -> Option<AttachStmt> {
    let w = |i: usize| sig.get(i).and_then(|t| word(t));
    if w(0).as_deref() != Some("ALTER") || w(1).as_deref() != Some("TABLE") {
        return None;
    }
    let mut i = 2;
    if w(2).as_deref() == Some("IF") && w(3).as_deref() == Some("EXISTS") {
        i += 2;
    }
    if w(i).as_deref() == Some("ONLY") {
        i += 1;
    }
    let parent = qualified_name(sig, &mut i)?;
    let attach = match w(i).as_deref() {
        Some("ATTACH") => true,
        Some("DETACH") => false,
        _ => return None,
    };
    if w(i + 1).as_deref() != Some("PARTITION") {
        return None;
    }
    i += 2;
    let child = qualified_name(sig, &mut i)?;
    let rest: Vec<String> = sig[i..].iter().map(|t| t.to_string()).collect();
    let bound = if attach {
        Some(rest.join(" "))
    } else if rest.is_empty() {
        None
    } else {
        return None;
    };
    Some(AttachStmt {
        parent,
        child,
        bound,
    })
}

/// Parses `FETCH|MOVE [direction] [FROM|IN] cursor`.
fn fetch_stmt(sig: &[&Token]) -> PgResult<Option<FetchStmt>> {
    let moving = match sig.first().and_then(|t| word(t)).as_deref() {
        Some("FETCH") => false,
        Some("MOVE") => true,
        _ => return Ok(None),
    };
    let w = |i: usize| sig.get(i).and_then(|t| word(t));
    // A signed integer at sig[i]: (value, tokens used).
    let number = |i: usize| -> Option<(i64, usize)> {
        match (sig.get(i), sig.get(i + 1)) {
            (Some(Token::Number(n, _)), _) => n.parse().ok().map(|v| (v, 1)),
            (Some(Token::Minus), Some(Token::Number(n, _))) => {
                n.parse::<i64>().ok().map(|v| (-v, 2))
            }
            (Some(Token::Plus), Some(Token::Number(n, _))) => n.parse().ok().map(|v| (v, 2)),
            _ => None,
        }
    };
    let signed = |n: i64, forward: bool| match (n < 0, forward) {
        (false, true) | (true, false) => FetchDirection::Forward(Some(n.abs())),
        _ => FetchDirection::Backward(Some(n.abs())),
    };
    let mut i = 1;
    let direction = match w(i).as_deref() {
        Some("NEXT") => {
            i += 1;
            FetchDirection::Forward(Some(1))
        }
        Some("PRIOR") => {
            i += 1;
            FetchDirection::Backward(Some(1))
        }
        Some("FIRST") => {
            i += 1;
            FetchDirection::Absolute(1)
        }
        Some("LAST") => {
            i += 1;
            FetchDirection::Absolute(-1)
        }
        Some("ALL") => {
            i += 1;
            FetchDirection::Forward(None)
        }
        Some(d @ ("ABSOLUTE" | "RELATIVE")) => {
            let (n, used) = number(i + 1).ok_or_else(|| near(sig.get(i + 1)))?;
            i += 1 + used;
            if d == "ABSOLUTE" {
                FetchDirection::Absolute(n)
            } else {
                FetchDirection::Relative(n)
            }
        }
        Some(d @ ("FORWARD" | "BACKWARD")) => {
            let forward = d == "FORWARD";
            i += 1;
            if w(i).as_deref() == Some("ALL") {
                i += 1;
                if forward {
                    FetchDirection::Forward(None)
                } else {
                    FetchDirection::Backward(None)
                }
            } else if let Some((n, used)) = number(i) {
                i += used;
                signed(n, forward)
            } else {
                signed(1, forward)
            }
        }
        _ => match number(i) {
            Some((n, used)) => {
                i += used;
                signed(n, true)
            }
            None => FetchDirection::Forward(Some(1)),
        },
    };
    if matches!(w(i).as_deref(), Some("FROM" | "IN")) {
        i += 1;
    }
    let cursor = sig
        .get(i)
        .and_then(|t| name_of(t))
        .ok_or_else(|| near(sig.get(i)))?;
    if i + 1 != sig.len() {
        return Err(near(sig.get(i + 1)));
    }
    Ok(Some(FetchStmt {
        moving,
        direction,
        cursor,
    }))
}

/// A possibly qualified name starting at `sig[*i]`; advances past it.
fn qualified_name(sig: &[&Token], i: &mut usize) -> Option<Vec<String>> {
    let mut name = vec![name_of(sig.get(*i)?)?];
    *i += 1;
    while sig.get(*i) == Some(&&Token::Period) {
        name.push(name_of(sig.get(*i + 1)?)?);
        *i += 2;
    }
    Some(name)
}

/// Recognizes CREATE [OR REPLACE] RULE.
fn rule_stmt(sig: &[&Token]) -> PgResult<Option<RuleStmt>> {
    let w = |i: usize| sig.get(i).and_then(|t| word(t));
    if w(0).as_deref() != Some("CREATE") {
        return Ok(None);
    }
    let mut i = 1;
    if w(1).as_deref() == Some("OR") && w(2).as_deref() == Some("REPLACE") {
        i = 3;
    }
    if w(i).as_deref() != Some("RULE") {
        return Ok(None);
    }
    let name = sig
        .get(i + 1)
        .and_then(|t| name_of(t))
        .ok_or_else(|| near(sig.get(i + 1)))?;
    i += 2;
    for expected in ["AS", "ON"] {
        if w(i).as_deref() != Some(expected) {
            return Err(near(sig.get(i)));
        }
        i += 1;
    }
    let event = w(i)
        .filter(|e| matches!(e.as_str(), "SELECT" | "INSERT" | "UPDATE" | "DELETE"))
        .ok_or_else(|| near(sig.get(i)))?;
    i += 1;
    if w(i).as_deref() != Some("TO") {
        return Err(near(sig.get(i)));
    }
    i += 1;
    let table = qualified_name(sig, &mut i).ok_or_else(|| near(sig.get(i)))?;
    let qualified = w(i).as_deref() == Some("WHERE");
    while i < sig.len() && w(i).as_deref() != Some("DO") {
        i += 1;
    }
    if w(i).as_deref() != Some("DO") {
        return Err(near(sig.get(i)));
    }
    i += 1;
    let instead = w(i).as_deref() == Some("INSTEAD");
    if instead || w(i).as_deref() == Some("ALSO") {
        i += 1;
    }
    let action: Vec<String> = sig[i.min(sig.len())..]
        .iter()
        .map(|t| t.to_string())
        .collect();
    if action.is_empty() {
        return Err(near(None));
    }
    Ok(Some(RuleStmt {
        name,
        event,
        table,
        qualified,
        instead,
        action: action.join(" "),
    }))
}

/// Recognizes `ALTER TABLE [IF EXISTS] [ONLY] child [NO] INHERIT parent`.
fn inherit_stmt(sig: &[&Token]) -> Option<InheritStmt> {
    let w = |i: usize| sig.get(i).and_then(|t| word(t));
    if w(0).as_deref() != Some("ALTER") || w(1).as_deref() != Some("TABLE") {
        return None;
    }
    let mut i = 2;
    let if_exists = w(2).as_deref() == Some("IF") && w(3).as_deref() == Some("EXISTS");
    if if_exists {
        i += 2;
    }
    if w(i).as_deref() == Some("ONLY") {
        i += 1;
    }
    let child = qualified_name(sig, &mut i)?;
    let remove = w(i).as_deref() == Some("NO");
    if remove {
        i += 1;
    }
    if w(i).as_deref() != Some("INHERIT") {
        return None;
    }
    i += 1;
    let parent = qualified_name(sig, &mut i)?;
    (i == sig.len()).then_some(InheritStmt {
        child,
        parent,
        remove,
        if_exists,
    })
}

/// Parses DROP OWNED BY / REASSIGN OWNED BY.
fn owned_stmt(sig: &[&Token]) -> PgResult<Option<OwnedStmt>> {
    let w: Vec<String> = sig.iter().take(3).filter_map(|t| word(t)).collect();
    let reassign = match w.as_slice() {
        [a, b, ..] if a == "DROP" && b == "OWNED" => false,
        [a, b, ..] if a == "REASSIGN" && b == "OWNED" => true,
        _ => return Ok(None),
    };
    if sig.get(2).and_then(|t| word(t)).as_deref() != Some("BY") {
        return Err(near(sig.get(2)));
    }
    let mut roles = Vec::new();
    let mut i = role_list(sig, 3, &mut roles).ok_or_else(|| near(sig.get(3)))?;
    let mut stmt = OwnedStmt {
        roles,
        reassign_to: None,
        cascade: false,
    };
    if reassign {
        if sig.get(i).and_then(|t| word(t)).as_deref() != Some("TO") {
            return Err(near(sig.get(i)));
        }
        stmt.reassign_to = Some(
            sig.get(i + 1)
                .and_then(|t| RoleSpec::from_token(t))
                .ok_or_else(|| near(sig.get(i + 1)))?,
        );
        i += 2;
    } else {
        match sig.get(i).and_then(|t| word(t)).as_deref() {
            Some("CASCADE") => {
                stmt.cascade = true;
                i += 1;
            }
            Some("RESTRICT") => i += 1,
            _ => {}
        }
    }
    if i < sig.len() {
        return Err(near(sig.get(i)));
    }
    Ok(Some(stmt))
}

/// Reads `name [, name ...]` from `i`; returns the index after it.
fn name_list(sig: &[&Token], mut i: usize, out: &mut Vec<String>) -> Option<usize> {
    loop {
        out.push(name_of(sig.get(i)?)?);
        i += 1;
        if sig.get(i) != Some(&&Token::Comma) {
            return Some(i);
        }
        i += 1;
    }
}

/// Reads `role [, role ...]` from `i`; returns the index after it.
fn role_list(sig: &[&Token], mut i: usize, out: &mut Vec<RoleSpec>) -> Option<usize> {
    loop {
        out.push(RoleSpec::from_token(sig.get(i)?)?);
        i += 1;
        if sig.get(i) != Some(&&Token::Comma) {
            return Some(i);
        }
        i += 1;
    }
}

/// Parses GRANT/REVOKE of role membership.
fn role_stmt(sig: &[&Token]) -> PgResult<Option<RoleStmt>> {
    let Some(first) = sig.first().and_then(|t| word(t)) else {
        return Ok(None);
    };
    let revoke = match first.as_str() {
        "GRANT" => false,
        "REVOKE" => true,
        _ => return Ok(None),
    };
    if sig
        .iter()
        .any(|t| matches!(t, Token::Word(w) if w.keyword == Keyword::ON))
    {
        return Ok(None);
    }
    let err = |near: &Token| PgError::syntax(format!("syntax error at or near \"{near}\""));
    let mut i = 1;
    let mut admin_option = false;
    if revoke && sig.get(1).and_then(|t| word(t)).as_deref() == Some("ADMIN") {
        if sig.get(2).and_then(|t| word(t)).as_deref() != Some("OPTION")
            || sig.get(3).and_then(|t| word(t)).as_deref() != Some("FOR")
        {
            return Err(err(sig.get(2).copied().unwrap_or(&Token::EOF)));
        }
        admin_option = true;
        i = 4;
    }
    let list = |i: &mut usize, stop: &str| -> PgResult<Vec<String>> {
        let mut names = Vec::new();
        loop {
            let t = sig.get(*i).copied().unwrap_or(&Token::EOF);
            names.push(name_of(t).ok_or_else(|| {
                if *t == Token::EOF {
                    PgError::syntax("syntax error at end of input")
                } else {
                    err(t)
                }
            })?);
            *i += 1;
            match sig.get(*i) {
                Some(Token::Comma) => *i += 1,
                Some(t) if word(t).as_deref() == Some(stop) => break,
                Some(t) if stop.is_empty() => return Err(err(t)),
                None if stop.is_empty() => break,
                Some(t) => return Err(err(t)),
                None => return Err(PgError::syntax("syntax error at end of input")),
            }
        }
        Ok(names)
    };
    let roles = list(&mut i, if revoke { "FROM" } else { "TO" })?;
    i += 1;
    let mut members = Vec::new();
    loop {
        let t = sig.get(i).copied().unwrap_or(&Token::EOF);
        let n = match word(t).as_deref() {
            Some("GROUP") if members.is_empty() => {
                i += 1;
                continue;
            }
            _ => RoleSpec::from_token(t).ok_or_else(|| {
                if *t == Token::EOF {
                    PgError::syntax("syntax error at end of input")
                } else {
                    err(t)
                }
            })?,
        };
        members.push(n);
        i += 1;
        if sig.get(i) == Some(&&Token::Comma) {
            i += 1;
        } else {
            break;
        }
    }
    let mut granted_by = None;
    let mut cascade = false;
    while let Some(t) = sig.get(i) {
        match word(t).as_deref() {
            Some("WITH") if !revoke => {
                let what = sig.get(i + 1).and_then(|t| word(t));
                let val = sig.get(i + 2).and_then(|t| word(t));
                match (what.as_deref(), val.as_deref()) {
                    (Some("ADMIN"), Some("OPTION") | Some("TRUE")) => admin_option = true,
                    (Some("ADMIN"), Some("FALSE")) => admin_option = false,
                    _ => return Err(err(sig.get(i + 1).copied().unwrap_or(&Token::EOF))),
                }
                i += 3;
            }
            Some("GRANTED") if sig.get(i + 1).and_then(|t| word(t)).as_deref() == Some("BY") => {
                granted_by = Some(
                    RoleSpec::from_token(sig.get(i + 2).copied().unwrap_or(&Token::EOF))
                        .ok_or_else(|| PgError::syntax("syntax error at end of input"))?,
                );
                i += 3;
            }
            Some("CASCADE") if revoke => {
                cascade = true;
                i += 1;
            }
            Some("RESTRICT") if revoke => i += 1,
            _ => return Err(err(t)),
        }
    }
    Ok(Some(RoleStmt {
        revoke,
        roles,
        members,
        admin_option,
        granted_by,
        cascade,
        alter_group: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> Piece {
        split_if_needed(sql)
            .unwrap()
            .unwrap()
            .into_iter()
            .next()
            .unwrap()
    }

    #[test]
    fn grant_and_revoke_membership() {
        let Piece::Role(r) =
            one("GRANT admins, \"Staff\" TO alice WITH ADMIN OPTION GRANTED BY bob")
        else {
            panic!()
        };
        assert_eq!(r.roles, vec!["admins", "Staff"]);
        assert_eq!(r.members, vec![RoleSpec::Name("alice".into())]);
        assert!(r.admin_option && !r.revoke);
        assert_eq!(r.granted_by, Some(RoleSpec::Name("bob".into())));
        let Piece::Role(r) = one("REVOKE ADMIN OPTION FOR admins FROM alice CASCADE") else {
            panic!()
        };
        assert!(r.revoke && r.admin_option && r.cascade);
    }

    #[test]
    fn plain_dml_skips_the_tokenizer_only_when_safe() {
        for sql in [
            "SELECT 1",
            "  select abalance from pgbench_accounts where aid = 7;",
            "INSERT INTO t VALUES (1);;  ",
            "WITH x AS (SELECT 1) DELETE FROM t",
        ] {
            assert!(is_single_plain_dml(sql), "{sql}");
        }
        for sql in [
            "SELECT 1; CREATE USER u",
            "SELECT ';'",
            "-- c\nSELECT 1",
            "CREATE USER u",
            "SELECT encrypted FROM t",
            "COPY t FROM STDIN (HEADER)",
        ] {
            assert!(!is_single_plain_dml(sql), "{sql}");
        }
        // Multi-statement text still reaches the front parser.
        assert!(split_if_needed("SELECT 1; CREATE USER u")
            .unwrap()
            .is_some());
    }

    #[test]
    fn privilege_grants_are_left_to_sqlparser() {
        assert!(split_if_needed("GRANT SELECT ON t TO alice")
            .unwrap()
            .is_none());
        assert!(split_if_needed("SELECT 1").unwrap().is_none());
    }

    #[test]
    fn operator_spelled_comparison_before_any_is_written_bare() {
        let Piece::Sql(s) = one(
            "SELECT c.oid FROM pg_class c WHERE c.relkind OPERATOR(pg_catalog.=) ANY (array['r', 'v'])",
        ) else {
            panic!()
        };
        assert_eq!(
            s,
            "SELECT c . oid FROM pg_class c WHERE c . relkind = ANY ( array [ 'r' , 'v' ] )"
        );
        // Without a quantifier sqlparser reads OPERATOR() itself.
        assert!(split_if_needed("SELECT 1 WHERE 1 OPERATOR(pg_catalog.=) 1")
            .unwrap()
            .is_none());
    }

    #[test]
    fn user_forms_are_rewritten() {
        let Piece::Sql(s) = one("CREATE USER bob WITH ENCRYPTED PASSWORD 'x'") else {
            panic!()
        };
        assert_eq!(s, "CREATE ROLE bob WITH PASSWORD 'x' LOGIN");
        let Piece::Sql(s) = one("DROP GROUP IF EXISTS g") else {
            panic!()
        };
        assert_eq!(s, "DROP ROLE IF EXISTS g");
        let e = split_if_needed("CREATE ROLE r UNENCRYPTED PASSWORD 'x'")
            .err()
            .unwrap();
        assert_eq!(e.message, "UNENCRYPTED PASSWORD is no longer supported");
        let e = split_if_needed("GRANT a TO").err().unwrap();
        assert_eq!(e.message, "syntax error at end of input");
        let Piece::Sql(s) = one("CREATE GROUP g1") else {
            panic!()
        };
        assert_eq!(s, "CREATE ROLE g1");
    }

    #[test]
    fn owned_statements() {
        let Piece::Owned(o) = one("DROP OWNED BY a, b CASCADE") else {
            panic!()
        };
        assert_eq!(
            o.roles,
            [RoleSpec::Name("a".into()), RoleSpec::Name("b".into())]
        );
        assert!(o.cascade && o.reassign_to.is_none());
        let Piece::Owned(o) = one("REASSIGN OWNED BY a TO b") else {
            panic!()
        };
        assert_eq!(o.reassign_to, Some(RoleSpec::Name("b".into())));
        let e = split_if_needed("REASSIGN OWNED BY a").err().unwrap();
        assert_eq!(e.message, "syntax error at end of input");
        let e = split_if_needed("DROP OWNED BY a b").err().unwrap();
        assert_eq!(e.message, "syntax error at or near \"b\"");
    }

    #[test]
    fn alter_default_privileges() {
        let Piece::DefaultPrivileges(d) = one(
            "ALTER DEFAULT PRIVILEGES FOR ROLE a, b IN SCHEMA s GRANT SELECT ON TABLES TO c WITH GRANT OPTION",
        ) else {
            panic!()
        };
        assert_eq!(
            d.roles,
            [RoleSpec::Name("a".into()), RoleSpec::Name("b".into())]
        );
        assert_eq!(d.schemas, vec!["s"]);
        assert_eq!(d.objtype, 'r');
        assert_eq!(
            d.inner,
            format!(
                "GRANT SELECT ON TABLE \"{DEFAULT_PRIVILEGES_PLACEHOLDER}\" TO c WITH GRANT OPTION"
            )
        );
        let Piece::DefaultPrivileges(d) =
            one("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")
        else {
            panic!()
        };
        assert!(d.roles.is_empty() && d.schemas.is_empty());
        assert_eq!(d.objtype, 'f');
        let e =
            split_if_needed("ALTER DEFAULT PRIVILEGES FOR SCHEMA s GRANT SELECT ON TABLES TO c")
                .err()
                .unwrap();
        assert_eq!(e.message, "syntax error at or near \"SCHEMA\"");
        let e = split_if_needed("ALTER DEFAULT PRIVILEGES GRANT SELECT ON VIEWS TO c")
            .err()
            .unwrap();
        assert_eq!(e.message, "syntax error at or near \"VIEWS\"");
    }
}
