//! ACL privilege bits and PostgreSQL's aclitem text form (`alice=arw*/bob`).

use crate::AclItem;

/// INSERT (`a`).
pub const INSERT: u16 = 1 << 0;
/// SELECT (`r`).
pub const SELECT: u16 = 1 << 1;
/// UPDATE (`w`).
pub const UPDATE: u16 = 1 << 2;
/// DELETE (`d`).
pub const DELETE: u16 = 1 << 3;
/// TRUNCATE (`D`).
pub const TRUNCATE: u16 = 1 << 4;
/// REFERENCES (`x`).
pub const REFERENCES: u16 = 1 << 5;
/// TRIGGER (`t`).
pub const TRIGGER: u16 = 1 << 6;
/// EXECUTE (`X`).
pub const EXECUTE: u16 = 1 << 7;
/// USAGE (`U`).
pub const USAGE: u16 = 1 << 8;
/// CREATE (`C`).
pub const CREATE: u16 = 1 << 9;
/// TEMPORARY (`T`).
pub const TEMPORARY: u16 = 1 << 10;
/// CONNECT (`c`).
pub const CONNECT: u16 = 1 << 11;

/// SET on a parameter (`s`); only in ACLs written by hand or acldefault.
pub const SET: u16 = 1 << 12;
/// ALTER SYSTEM on a parameter (`A`); as SET.
pub const ALTER_SYSTEM: u16 = 1 << 13;

/// Letters in PostgreSQL's print order.
pub const LETTERS: &[(u16, char)] = &[
    (INSERT, 'a'),
    (SELECT, 'r'),
    (UPDATE, 'w'),
    (DELETE, 'd'),
    (TRUNCATE, 'D'),
    (REFERENCES, 'x'),
    (TRIGGER, 't'),
    (EXECUTE, 'X'),
    (USAGE, 'U'),
    (CREATE, 'C'),
    (TEMPORARY, 'T'),
    (CONNECT, 'c'),
    (SET, 's'),
    (ALTER_SYSTEM, 'A'),
];

/// Privilege names in bit order, as aclexplode and information_schema
/// print them (the table privileges are the first seven).
pub const NAMES: &[(u16, &str)] = &[
    (INSERT, "INSERT"),
    (SELECT, "SELECT"),
    (UPDATE, "UPDATE"),
    (DELETE, "DELETE"),
    (TRUNCATE, "TRUNCATE"),
    (REFERENCES, "REFERENCES"),
    (TRIGGER, "TRIGGER"),
    (EXECUTE, "EXECUTE"),
    (USAGE, "USAGE"),
    (CREATE, "CREATE"),
    (TEMPORARY, "TEMPORARY"),
    (CONNECT, "CONNECT"),
    (SET, "SET"),
    (ALTER_SYSTEM, "ALTER SYSTEM"),
];

/// All privileges of a table.
pub const ALL_TABLE: u16 = INSERT | SELECT | UPDATE | DELETE | TRUNCATE | REFERENCES | TRIGGER;
/// All privileges of a column.
pub const ALL_COLUMN: u16 = INSERT | SELECT | UPDATE | REFERENCES;
/// All privileges of a sequence.
pub const ALL_SEQUENCE: u16 = USAGE | SELECT | UPDATE;
/// All privileges of a schema.
pub const ALL_SCHEMA: u16 = USAGE | CREATE;
/// All privileges of a database.
pub const ALL_DATABASE: u16 = CREATE | TEMPORARY | CONNECT;
/// All privileges of a function.
pub const ALL_FUNCTION: u16 = EXECUTE;

/// Formats one item as PostgreSQL prints it, given a role-name lookup.
pub fn format_item(item: &AclItem, name: &dyn Fn(u32) -> String) -> String {
    let mut s = String::new();
    if item.grantee != 0 {
        s.push_str(&quote_role(&name(item.grantee)));
    }
    s.push('=');
    for (bit, c) in LETTERS {
        if item.privs & bit != 0 {
            s.push(*c);
            if item.grant_options & bit != 0 {
                s.push('*');
            }
        }
    }
    s.push('/');
    s.push_str(&quote_role(&name(item.grantor)));
    s
}

fn quote_role(n: &str) -> String {
    // PostgreSQL's putid: letters of either case, digits and `_` print bare.
    if n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !n.is_empty() {
        n.to_string()
    } else {
        format!("\"{}\"", n.replace('"', "\"\""))
    }
}

/// Formats a whole ACL as an array literal (`{a=r/b,=U/b}`).
pub fn format_acl(acl: &[AclItem], name: &dyn Fn(u32) -> String) -> String {
    let items: Vec<String> = acl
        .iter()
        .map(|i| {
            let t = format_item(i, name);
            // Array output quotes what would not read back bare.
            if t.chars()
                .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_whitespace())
            {
                format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                t
            }
        })
        .collect();
    format!("{{{}}}", items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_print_like_postgres() {
        let names = |o: u32| match o {
            10 => "postgres".to_string(),
            20 => "Alice".to_string(),
            30 => "bob-x".to_string(),
            _ => "bob".to_string(),
        };
        let item = AclItem {
            grantee: 20,
            grantor: 10,
            privs: SELECT | INSERT | UPDATE,
            grant_options: SELECT,
        };
        // Upper case prints bare (PostgreSQL's putid); other characters quote.
        assert_eq!(format_item(&item, &names), "Alice=ar*w/postgres");
        let odd = AclItem {
            grantee: 30,
            ..item.clone()
        };
        assert_eq!(format_item(&odd, &names), "\"bob-x\"=ar*w/postgres");
        let public = AclItem {
            grantee: 0,
            grantor: 10,
            privs: USAGE,
            grant_options: 0,
        };
        assert_eq!(format_acl(&[public], &names), "{=U/postgres}");
    }
}
