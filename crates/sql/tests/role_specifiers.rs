//! Role specifiers (`crate::rolespec`): a quoted `"current_user"` names a
//! role of that name, never the caller, in every statement that takes a
//! role; PUBLIC and `none` are refused where a role is needed; and the
//! checks on who may act still apply to the role named. Compat script 118
//! compares the same statements with PostgreSQL 15 through psql; these tests
//! try them as roles that must fail.

mod support;

use std::sync::Arc;

use rampart_sql::{Engine, Session};
use support::{engine, fails, must};

/// A superuser session with roles "current_user" and "session_user", and
/// alice, who may create roles and databases' schemas but is a member of
/// neither.
fn setup() -> (Arc<Engine>, Session) {
    let engine = engine();
    let mut s = support::session_as(&engine, "postgres");
    for sql in [
        "CREATE ROLE \"current_user\"",
        "CREATE ROLE \"session_user\"",
        "CREATE ROLE alice LOGIN CREATEROLE",
        "GRANT CREATE ON DATABASE postgres TO alice",
        "CREATE TABLE t (a int)",
        "ALTER TABLE t OWNER TO alice",
    ] {
        must(&mut s, sql);
    }
    (engine, s)
}

#[test]
fn quoted_keywords_name_roles_a_non_member_cannot_give_objects_to() {
    let (engine, _) = setup();
    let mut alice = support::session_as(&engine, "alice");
    // With the keyword, alice's own role: allowed.
    must(&mut alice, "CREATE SCHEMA mine AUTHORIZATION CURRENT_USER");
    // Quoted, another role, which alice is not a member of.
    fails(
        &mut alice,
        "CREATE SCHEMA theirs AUTHORIZATION \"current_user\"",
        "42501",
        "must be member of role \"current_user\"",
    );
    fails(
        &mut alice,
        "ALTER TABLE t OWNER TO \"session_user\"",
        "42501",
        "must be member of role \"session_user\"",
    );
    must(&mut alice, "ALTER TABLE t OWNER TO SESSION_USER");
    assert_eq!(
        must(
            &mut alice,
            "SELECT n.nspname, pg_get_userbyid(n.nspowner) FROM pg_namespace n \
             WHERE n.nspname IN ('mine', 'theirs')"
        ),
        vec![vec!["mine".to_string(), "alice".to_string()]]
    );
}

#[test]
fn grants_to_a_quoted_keyword_reach_that_role_not_the_caller() {
    let (engine, mut admin) = setup();
    must(&mut admin, "CREATE TABLE secret (a int)");
    must(&mut admin, "GRANT SELECT ON secret TO \"current_user\"");
    let rows = must(
        &mut admin,
        "SELECT has_table_privilege('current_user', 'secret', 'SELECT'), \
                has_table_privilege('alice', 'secret', 'SELECT')",
    );
    assert_eq!(rows, vec![vec!["t".to_string(), "f".to_string()]]);
    // alice, whose current_user is alice, got nothing from it.
    let mut alice = support::session_as(&engine, "alice");
    fails(
        &mut alice,
        "SELECT * FROM secret",
        "42501",
        "permission denied for table secret",
    );
    // and cannot name "none" or PUBLIC where a role is needed.
    fails(
        &mut alice,
        "GRANT SELECT ON t TO \"none\"",
        "42939",
        "role name \"none\" is reserved",
    );
    fails(
        &mut alice,
        "ALTER TABLE t OWNER TO PUBLIC",
        "42704",
        "role \"public\" does not exist",
    );
}

#[test]
fn alter_role_on_a_quoted_keyword_alters_that_role_and_all_is_for_superusers() {
    let (engine, mut admin) = setup();
    must(&mut admin, "ALTER ROLE \"current_user\" CONNECTION LIMIT 3");
    let rows = must(
        &mut admin,
        "SELECT rolname, rolconnlimit FROM pg_roles \
         WHERE rolname IN ('current_user', 'postgres') ORDER BY 1",
    );
    assert_eq!(
        rows,
        vec![
            vec!["current_user".to_string(), "3".to_string()],
            vec!["postgres".to_string(), "-1".to_string()],
        ]
    );
    fails(
        &mut admin,
        "CREATE ROLE current_user",
        "42939",
        "CURRENT_USER cannot be used as a role name here",
    );
    fails(
        &mut admin,
        "DROP ROLE SESSION_USER",
        "22023",
        "cannot use special role specifier in DROP ROLE",
    );
    let mut alice = support::session_as(&engine, "alice");
    fails(
        &mut alice,
        "ALTER ROLE ALL SET work_mem TO '8MB'",
        "42501",
        "must be superuser to alter settings globally",
    );
    must(&mut admin, "ALTER ROLE ALL SET work_mem TO '8MB'");
    must(&mut admin, "ALTER ROLE alice SET lock_timeout TO '1s'");
    // A new session gets the global default and its own role's.
    let mut alice = support::session_as(&engine, "alice");
    assert_eq!(
        must(
            &mut alice,
            "SELECT current_setting('work_mem'), current_setting('lock_timeout')"
        ),
        vec![vec!["8MB".to_string(), "1s".to_string()]]
    );
}

#[test]
fn per_database_role_settings_need_the_right_role_and_apply_at_login() {
    let (engine, mut admin) = setup();
    must(&mut admin, "CREATE ROLE bob LOGIN");
    must(&mut admin, "ALTER ROLE bob SET work_mem TO '2MB'");
    must(
        &mut admin,
        "ALTER ROLE bob IN DATABASE postgres SET work_mem TO '5MB'",
    );
    let mut alice = support::session_as(&engine, "alice");
    // CREATEROLE lets alice change other roles' defaults, but not a
    // superuser's, nor the database-wide ones (the owner's).
    fails(
        &mut alice,
        "ALTER ROLE ALL IN DATABASE postgres SET work_mem TO '6MB'",
        "42501",
        "must be owner of database postgres",
    );
    fails(
        &mut alice,
        "ALTER ROLE postgres IN DATABASE postgres SET work_mem TO '6MB'",
        "42501",
        "must be superuser to alter superusers",
    );
    fails(
        &mut admin,
        "ALTER ROLE bob IN DATABASE nowhere SET work_mem TO '6MB'",
        "3D000",
        "database \"nowhere\" does not exist",
    );
    let mut bob = support::session_as(&engine, "bob");
    assert_eq!(
        must(&mut bob, "SELECT current_setting('work_mem')"),
        vec![vec!["5MB".to_string()]]
    );
    must(&mut admin, "ALTER ROLE bob IN DATABASE postgres RESET ALL");
    let mut bob = support::session_as(&engine, "bob");
    assert_eq!(
        must(&mut bob, "SELECT current_setting('work_mem')"),
        vec![vec!["2MB".to_string()]]
    );
}

#[test]
fn create_role_membership_lists_give_admin_to_the_caller_not_a_namesake() {
    let (_engine, mut admin) = setup();
    must(
        &mut admin,
        "CREATE ROLE team ADMIN CURRENT_USER IN ROLE \"current_user\"",
    );
    let rows = must(
        &mut admin,
        "SELECT r.rolname, m.rolname, a.admin_option FROM pg_auth_members a \
           JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member \
          WHERE 'team' IN (r.rolname, m.rolname) ORDER BY 1, 2",
    );
    assert_eq!(
        rows,
        vec![
            vec![
                "current_user".to_string(),
                "team".to_string(),
                "f".to_string()
            ],
            vec!["team".to_string(), "postgres".to_string(), "t".to_string()],
        ]
    );
    fails(
        &mut admin,
        "COMMENT ON ROLE CURRENT_USER IS 'x'",
        "42601",
        "syntax error at or near \"CURRENT_USER\"",
    );
}
