//! The `aclitem` type's functions: text input (PostgreSQL's aclparse, role
//! names resolved against the catalog), `makeaclitem`, `aclcontains` and
//! `aclexplode`. An aclitem value is held as its canonical text
//! (`grantee=privs/grantor`), the form `rampart_catalog::acl::format_item`
//! prints, so equal items have equal text.

use rampart_catalog::acl::{self, LETTERS, NAMES};
use rampart_catalog::{AclItem, Catalog};
use rampart_types::{PgError, PgResult, SqlState, Value};

/// PostgreSQL's BOOTSTRAP_SUPERUSERID: the grantor of an item written
/// without `/grantor`.
const BOOTSTRAP_SUPERUSER: u32 = 10;

fn bad_input(msg: &str) -> PgError {
    PgError::new(SqlState::INVALID_TEXT_REPRESENTATION, msg.to_string())
}

/// Reads a role name as PostgreSQL's getid: optional spaces, then letters,
/// digits, `_`, non-ASCII characters, or a double-quoted part (`""` is a
/// quote); spaces after it are skipped too.
fn read_name(s: &str) -> (String, &str) {
    let s = s.trim_start();
    let mut name = String::new();
    let mut in_quotes = false;
    let mut chars = s.char_indices().peekable();
    let mut end = s.len();
    while let Some(&(i, c)) = chars.peek() {
        if c == '"' {
            chars.next();
            if !in_quotes {
                in_quotes = true;
            } else if chars.peek().map(|p| p.1) == Some('"') {
                chars.next();
                name.push('"');
            } else {
                in_quotes = false;
            }
            continue;
        }
        if !(in_quotes || c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()) {
            end = i;
            break;
        }
        name.push(c);
        chars.next();
    }
    (name, s[end.min(s.len())..].trim_start())
}

/// A role by name; with `stored`, a number no role is named is the OID of
/// a dropped role (how stored ACLs print those).
fn role_oid(cat: &Catalog, name: &str, stored: bool) -> PgResult<u32> {
    if let Some(r) = cat.role(name) {
        return Ok(r.oid);
    }
    name.parse::<u32>().ok().filter(|_| stored).ok_or_else(|| {
        PgError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("role \"{name}\" does not exist"),
        )
    })
}

/// Parses aclitem text input; the flag says the grantor was defaulted
/// (PostgreSQL warns "defaulting grantor to user ID 10").
pub fn parse(cat: &Catalog, text: &str) -> PgResult<(AclItem, bool)> {
    parse_with(cat, text, false)
}

fn parse_with(cat: &Catalog, text: &str, stored: bool) -> PgResult<(AclItem, bool)> {
    let (mut name, mut rest) = read_name(text);
    if !rest.starts_with('=') {
        // A leading `group` or `user` key word is accepted and ignored.
        if name != "group" && name != "user" {
            return Err(bad_input(&format!("unrecognized key word: \"{name}\""))
                .with_hint("ACL key word must be \"group\" or \"user\"."));
        }
        (name, rest) = read_name(rest);
        if name.is_empty() {
            return Err(bad_input("missing name")
                .with_hint("A name must follow the \"group\" or \"user\" key word."));
        }
    }
    let Some(mut rest) = rest.strip_prefix('=') else {
        return Err(bad_input("missing \"=\" sign"));
    };
    let (mut privs, mut grant_options, mut last) = (0u16, 0u16, 0u16);
    while let Some(c) = rest
        .chars()
        .next()
        .filter(|c| c.is_ascii_alphabetic() || *c == '*')
    {
        rest = &rest[1..];
        if c == '*' {
            grant_options |= last;
            continue;
        }
        last = match LETTERS.iter().find(|(_, l)| *l == c) {
            Some((bit, _)) => *bit,
            // Old RULE privileges are ignored, as in PostgreSQL.
            None if c == 'R' => 0,
            None => {
                return Err(bad_input(
                    "invalid mode character: must be one of \"arwdDxtXUCTcsA\"",
                ))
            }
        };
        privs |= last;
    }
    let grantee = if name.is_empty() {
        0
    } else {
        role_oid(cat, &name, stored)?
    };
    let (grantor, defaulted) = match rest.strip_prefix('/') {
        Some(after) => {
            let (g, r) = read_name(after);
            if g.is_empty() {
                return Err(bad_input("a name must follow the \"/\" sign"));
            }
            rest = r;
            (role_oid(cat, &g, stored)?, false)
        }
        None => (BOOTSTRAP_SUPERUSER, true),
    };
    if !rest.trim().is_empty() {
        return Err(bad_input(
            "extra garbage at the end of the ACL specification",
        ));
    }
    let item = AclItem {
        grantee,
        grantor,
        privs,
        grant_options,
    };
    Ok((item, defaulted))
}

/// The canonical text of an item (role names, or OIDs of dropped roles).
pub fn format(cat: &Catalog, item: &AclItem) -> String {
    acl::format_item(item, &|oid| {
        cat.role_by_oid(oid)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| oid.to_string())
    })
}

/// `'…'::aclitem`: parsed and printed back in canonical form.
pub fn input(cat: &Catalog, text: &str) -> PgResult<(String, bool)> {
    let (item, defaulted) = parse(cat, text)?;
    Ok((format(cat, &item), defaulted))
}

/// `makeaclitem(grantee, grantor, privilege, is_grantable)` (PostgreSQL 15
/// takes one privilege name).
pub fn make(
    cat: &Catalog,
    grantee: u32,
    grantor: u32,
    privilege: &str,
    grantable: bool,
) -> PgResult<String> {
    let upper = privilege.to_ascii_uppercase();
    let bit = match upper.as_str() {
        "TEMP" => acl::TEMPORARY,
        "RULE" => 0,
        p => NAMES
            .iter()
            .find(|(_, n)| *n == p)
            .map(|(b, _)| *b)
            .ok_or_else(|| {
                PgError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("unrecognized privilege type: \"{privilege}\""),
                )
            })?,
    };
    let item = AclItem {
        grantee,
        grantor,
        privs: bit,
        grant_options: if grantable { bit } else { 0 },
    };
    Ok(format(cat, &item))
}

/// The items of an `aclitem[]` value (NULL elements are refused as
/// PostgreSQL's check_acl does).
fn items(cat: &Catalog, acl: &Value) -> PgResult<Vec<AclItem>> {
    let Value::Array(elems) = acl else {
        return Ok(Vec::new());
    };
    elems
        .iter()
        .map(|e| match e {
            Value::Text(t) => parse_with(cat, t, true).map(|p| p.0),
            _ => Err(PgError::new(
                SqlState("22004"),
                "ACL arrays must not contain null values",
            )),
        })
        .collect()
}

/// `aclexplode(acl)`: one row (grantor, grantee, privilege_type,
/// is_grantable) per privilege of each item, in bit order.
pub fn explode(cat: &Catalog, acl: &Value) -> PgResult<Vec<Vec<Value>>> {
    let mut rows = Vec::new();
    for item in items(cat, acl)? {
        for (bit, name) in NAMES {
            if item.privs & bit != 0 {
                rows.push(vec![
                    Value::Oid(item.grantor),
                    Value::Oid(item.grantee),
                    Value::Text((*name).to_string()),
                    Value::Bool(item.grant_options & bit != 0),
                ]);
            }
        }
    }
    Ok(rows)
}

/// `aclcontains(acl, item)`: some item of `acl` has the grantee and grantor
/// of `item` and at least its privileges and grant options.
pub fn contains(cat: &Catalog, acl: &Value, item: &str) -> PgResult<bool> {
    let (want, _) = parse(cat, item)?;
    Ok(items(cat, acl)?.iter().any(|i| {
        i.grantee == want.grantee
            && i.grantor == want.grantor
            && i.privs & want.privs == want.privs
            && i.grant_options & want.grant_options == want.grant_options
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_name_handles_quotes_and_stops_at_punctuation() {
        assert_eq!(read_name("  alice=r/bob"), ("alice".into(), "=r/bob"));
        assert_eq!(
            read_name("\"we\"\"ird name\"=r"),
            ("we\"ird name".into(), "=r")
        );
        assert_eq!(read_name("=r/x"), (String::new(), "=r/x"));
    }
}
