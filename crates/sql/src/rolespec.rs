//! Role specifiers, PostgreSQL's `RoleSpec`: a role's name, one of the
//! keywords `CURRENT_ROLE`, `CURRENT_USER`, `SESSION_USER`, or `PUBLIC`.
//!
//! Only an unquoted keyword is a specifier: `"current_user"` names a role
//! called current_user, and `ALTER ROLE "current_user"` must not alter the
//! caller. `public` and `none` are not keywords in PostgreSQL's grammar, so
//! they are read from quoted names too (`TO "public"` is PUBLIC, and `"none"`
//! is refused like `none`); `"Public"` is an ordinary name.

use sqlparser::ast;
use sqlparser::tokenizer::Span;

use rampart_types::{PgError, PgResult, SqlState};

use crate::session::Session;

/// A role as a statement names it, before it is resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleSpec {
    /// A role's name (case-folded unless it was quoted).
    Name(String),
    /// `CURRENT_ROLE`.
    CurrentRole,
    /// `CURRENT_USER`.
    CurrentUser,
    /// `SESSION_USER`.
    SessionUser,
    /// `PUBLIC` (or `"public"`).
    Public,
    /// `none` (or `"none"`): a reserved name, refused wherever a role goes
    /// (where it was written, for the error's position).
    Reserved(Span),
    /// An unquoted `USER` or `ALL`, as written: reserved keywords that
    /// are a syntax error where a role goes.
    Misplaced(String, Span),
}

impl RoleSpec {
    /// Reads an identifier as written, whether it was double-quoted, and
    /// where it was written ([`Span::empty`] when unknown).
    pub fn parse(written: &str, quoted: bool, at: Span) -> RoleSpec {
        let name = if quoted {
            written.to_string()
        } else {
            written.to_lowercase()
        };
        if !quoted {
            match name.as_str() {
                "current_role" => return RoleSpec::CurrentRole,
                "current_user" => return RoleSpec::CurrentUser,
                "session_user" => return RoleSpec::SessionUser,
                "user" | "all" => return RoleSpec::Misplaced(written.to_string(), at),
                _ => {}
            }
        }
        match name.as_str() {
            "public" => RoleSpec::Public,
            "none" => RoleSpec::Reserved(at),
            _ => RoleSpec::Name(name),
        }
    }

    /// Reads a sqlparser identifier.
    pub fn from_ident(i: &ast::Ident) -> RoleSpec {
        RoleSpec::parse(&i.value, i.quote_style.is_some(), i.span)
    }

    /// Reads a sqlparser token (a word; anything else is not a role).
    pub fn from_token(t: &sqlparser::tokenizer::Token) -> Option<RoleSpec> {
        match t {
            sqlparser::tokenizer::Token::Word(w) => Some(RoleSpec::parse(
                &w.value,
                w.quote_style.is_some(),
                Span::empty(),
            )),
            _ => None,
        }
    }

    /// Reads a one-part sqlparser name (a longer one is a syntax error).
    pub fn from_name(n: &ast::ObjectName) -> PgResult<RoleSpec> {
        match n.0.as_slice() {
            [part] => part
                .as_ident()
                .map(RoleSpec::from_ident)
                .ok_or_else(|| PgError::syntax(format!("syntax error at or near \"{n}\""))),
            _ => Err(PgError::syntax(format!("syntax error at or near \"{n}\""))),
        }
    }

    /// Reads sqlparser's `OWNER TO` / `TO` role.
    pub fn from_owner(o: &ast::Owner) -> RoleSpec {
        match o {
            ast::Owner::Ident(i) => RoleSpec::from_ident(i),
            ast::Owner::CurrentRole => RoleSpec::CurrentRole,
            ast::Owner::CurrentUser => RoleSpec::CurrentUser,
            ast::Owner::SessionUser => RoleSpec::SessionUser,
        }
    }

    /// The name of the role meant, where PUBLIC is not a role (owners,
    /// ALTER ROLE, memberships): PostgreSQL's get_rolespec_tuple.
    pub fn role_name(&self, s: &Session) -> PgResult<String> {
        match self {
            RoleSpec::Name(n) => Ok(n.clone()),
            RoleSpec::CurrentRole | RoleSpec::CurrentUser => Ok(s.state.current_user()),
            RoleSpec::SessionUser => Ok(s.state.session_user()),
            RoleSpec::Public => Err(PgError::new(
                SqlState::UNDEFINED_OBJECT,
                "role \"public\" does not exist",
            )),
            RoleSpec::Reserved(_) | RoleSpec::Misplaced(..) => Err(self.refusal(Some(s))),
        }
    }

    /// A GRANT/REVOKE grantee: `None` for PUBLIC.
    pub fn grantee(&self, s: &Session) -> PgResult<Option<String>> {
        match self {
            RoleSpec::Public => Ok(None),
            other => other.role_name(s).map(Some),
        }
    }

    /// The name for a new role (CREATE ROLE, RENAME TO): PostgreSQL's
    /// `RoleId`, which refuses the keywords.
    pub fn new_role_name(&self) -> PgResult<String> {
        let keyword = match self {
            RoleSpec::Name(n) => return Ok(n.clone()),
            RoleSpec::CurrentRole => "CURRENT_ROLE",
            RoleSpec::CurrentUser => "CURRENT_USER",
            RoleSpec::SessionUser => "SESSION_USER",
            RoleSpec::Public => {
                return Err(PgError::new(
                    SqlState("42939"),
                    "role name \"public\" is reserved",
                ))
            }
            RoleSpec::Reserved(_) | RoleSpec::Misplaced(..) => return Err(self.refusal(None)),
        };
        Err(PgError::new(
            SqlState("42939"),
            format!("{keyword} cannot be used as a role name here"),
        ))
    }

    /// True for the keywords that stand for the session's roles.
    pub fn is_keyword(&self) -> bool {
        matches!(
            self,
            RoleSpec::CurrentRole | RoleSpec::CurrentUser | RoleSpec::SessionUser
        )
    }

    /// The error for `none`, `USER` or `ALL`, at their position in the
    /// session's statement when known.
    pub(crate) fn refusal(&self, s: Option<&Session>) -> PgError {
        let (e, at) = match self {
            RoleSpec::Misplaced(w, at) => (
                PgError::syntax(format!("syntax error at or near \"{w}\"")),
                *at,
            ),
            RoleSpec::Reserved(at) => (
                PgError::new(SqlState("42939"), "role name \"none\" is reserved"),
                *at,
            ),
            _ => return PgError::internal("not a refused role specifier"),
        };
        match s.and_then(|s| crate::bind::span_position(&s.current_sql, at)) {
            Some(p) => e.with_position(p),
            None => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(written: &str, quoted: bool) -> RoleSpec {
        RoleSpec::parse(written, quoted, Span::empty())
    }

    #[test]
    fn only_unquoted_keywords_are_specifiers() {
        assert_eq!(p("CURRENT_USER", false), RoleSpec::CurrentUser);
        assert_eq!(
            p("current_user", true),
            RoleSpec::Name("current_user".into())
        );
        assert_eq!(p("Session_User", false), RoleSpec::SessionUser);
        assert_eq!(
            p("session_user", true),
            RoleSpec::Name("session_user".into())
        );
        assert_eq!(
            p("USER", false),
            RoleSpec::Misplaced("USER".into(), Span::empty())
        );
        assert_eq!(p("user", true), RoleSpec::Name("user".into()));
    }

    #[test]
    fn public_and_none_are_read_from_quoted_names_too() {
        assert_eq!(p("PUBLIC", false), RoleSpec::Public);
        assert_eq!(p("public", true), RoleSpec::Public);
        assert_eq!(p("Public", true), RoleSpec::Name("Public".into()));
        assert_eq!(p("none", true), RoleSpec::Reserved(Span::empty()));
        assert_eq!(p("NONE", false), RoleSpec::Reserved(Span::empty()));
        assert_eq!(p("None", true), RoleSpec::Name("None".into()));
    }

    #[test]
    fn new_role_names_refuse_keywords_with_postgres_errors() {
        let e = RoleSpec::CurrentUser.new_role_name().unwrap_err();
        assert_eq!(
            (e.code.0, e.message.as_str()),
            ("42939", "CURRENT_USER cannot be used as a role name here")
        );
        let e = RoleSpec::Public.new_role_name().unwrap_err();
        assert_eq!(e.message, "role name \"public\" is reserved");
        let e = RoleSpec::Reserved(Span::empty())
            .new_role_name()
            .unwrap_err();
        assert_eq!(
            (e.code.0, e.message.as_str()),
            ("42939", "role name \"none\" is reserved")
        );
        let e = p("all", false).new_role_name().unwrap_err();
        assert_eq!(
            (e.code.0, e.message.as_str()),
            ("42601", "syntax error at or near \"all\"")
        );
    }
}
