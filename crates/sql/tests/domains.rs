//! Domains (`crate::domain`): values reaching a domain column by every
//! write path are checked (SQLSTATE and message as PostgreSQL), a role
//! without USAGE cannot build on a domain, and only the owner may drop or
//! give it away. Compat script 116 compares the same ground with
//! PostgreSQL 15 through psql; these tests add what psql cannot show
//! (COPY FROM STDIN through the session, plan reuse, persistence of the
//! catalog entry).

mod support;

use std::sync::Arc;

use rampart_sql::{Engine, Session};
use support::{engine, fails, must};

fn session(engine: &Arc<Engine>) -> Session {
    support::session_as(engine, "postgres")
}

fn setup(s: &mut Session) {
    for sql in [
        "CREATE DOMAIN posint AS int CHECK (VALUE > 0)",
        "CREATE DOMAIN small AS posint CONSTRAINT below_100 CHECK (VALUE < 100)",
        "CREATE DOMAIN email text NOT NULL CHECK (VALUE LIKE '%@%')",
        "CREATE TABLE t (id posint PRIMARY KEY, s small, m email DEFAULT 'a@b')",
    ] {
        must(s, sql);
    }
}

#[test]
fn every_write_path_checks_the_domain() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    must(&mut s, "INSERT INTO t (id, s) VALUES (1, 5)");
    let check = |domain: &str, constraint: &str| {
        format!("value for domain {domain} violates check constraint \"{constraint}\"")
    };
    fails(
        &mut s,
        "INSERT INTO t (id) VALUES (0)",
        "23514",
        &check("posint", "posint_check"),
    );
    // The inner domain's constraint, named after the domain coerced to.
    fails(
        &mut s,
        "INSERT INTO t (id, s) VALUES (2, -1)",
        "23514",
        &check("small", "posint_check"),
    );
    fails(
        &mut s,
        "UPDATE t SET s = 100",
        "23514",
        &check("small", "below_100"),
    );
    fails(
        &mut s,
        "UPDATE t SET m = NULL",
        "23502",
        "domain email does not allow null values",
    );
    fails(
        &mut s,
        "INSERT INTO t SELECT 3, 3, 'nope'",
        "23514",
        &check("email", "email_check"),
    );
    fails(
        &mut s,
        "INSERT INTO t (id, s) VALUES (4, 1) ON CONFLICT (id) DO NOTHING RETURNING (-1)::posint",
        "23514",
        &check("posint", "posint_check"),
    );
    // COPY FROM STDIN: a bad row stops the load, a good one lands.
    must(&mut s, "COPY t (id, s) FROM STDIN");
    s.copy_data(b"5\t0\n");
    let err = s.copy_done().expect_err("a zero is not small");
    assert_eq!(
        (err.code.0, err.message.as_str()),
        ("23514", check("small", "posint_check").as_str())
    );
    assert_eq!(
        err.context.as_deref(),
        Some("COPY t, line 1, column s: \"0\"")
    );
    must(&mut s, "COPY t (id, s) FROM STDIN");
    s.copy_data(b"6\t6\n");
    s.copy_done().expect("COPY of a good row");
    assert_eq!(
        must(&mut s, "SELECT id, s, m FROM t ORDER BY id"),
        vec![vec!["1", "5", "a@b"], vec!["6", "6", "a@b"]]
    );
}

#[test]
fn a_reused_plan_still_checks_each_value() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    // The second sighting of a shape reuses its plan with new literals.
    for id in 10..14 {
        must(&mut s, &format!("INSERT INTO t (id, s) VALUES ({id}, 7)"));
    }
    fails(
        &mut s,
        "INSERT INTO t (id, s) VALUES (14, 700)",
        "23514",
        "value for domain small violates check constraint \"below_100\"",
    );
    must(&mut s, "SELECT 5::posint");
    fails(
        &mut s,
        "SELECT (-5)::posint",
        "23514",
        "value for domain posint violates check constraint \"posint_check\"",
    );
}

#[test]
fn a_role_without_usage_cannot_build_on_a_domain() {
    let e = engine();
    let mut s = session(&e);
    setup(&mut s);
    for sql in [
        "CREATE ROLE mallory",
        "CREATE ROLE friend",
        "GRANT CREATE ON SCHEMA public TO mallory, friend",
        "REVOKE USAGE ON DOMAIN posint FROM PUBLIC",
        "GRANT USAGE ON TYPE posint TO friend",
    ] {
        must(&mut s, sql);
    }
    assert_eq!(
        must(
            &mut s,
            "SELECT has_type_privilege('mallory', 'posint', 'USAGE'), \
             has_type_privilege('friend', 'posint', 'USAGE'), \
             has_type_privilege('mallory', 'int4', 'USAGE')"
        ),
        vec![vec!["f", "t", "t"]]
    );
    must(&mut s, "SET ROLE mallory");
    let denied = "permission denied for type posint";
    fails(&mut s, "CREATE TABLE m1 (a posint)", "42501", denied);
    fails(&mut s, "CREATE DOMAIN m2 AS posint", "42501", denied);
    must(&mut s, "CREATE TABLE m3 (a int)");
    fails(
        &mut s,
        "ALTER TABLE m3 ADD COLUMN b posint",
        "42501",
        denied,
    );
    fails(
        &mut s,
        "GRANT USAGE ON DOMAIN posint TO mallory",
        "42501",
        denied,
    );
    fails(
        &mut s,
        "DROP DOMAIN email",
        "42501",
        "must be owner of type email",
    );
    fails(
        &mut s,
        "ALTER DOMAIN email OWNER TO mallory",
        "42501",
        "must be owner of type email",
    );
    must(&mut s, "RESET ROLE");
    must(&mut s, "SET ROLE friend");
    must(&mut s, "CREATE TABLE f1 (a posint)");
    fails(
        &mut s,
        "INSERT INTO f1 VALUES (0)",
        "23514",
        "value for domain posint violates check constraint \"posint_check\"",
    );
    must(&mut s, "RESET ROLE");
    fails(
        &mut s,
        "DROP ROLE friend",
        "2BP01",
        "role \"friend\" cannot be dropped because some objects depend on it",
    );
}

#[test]
fn dependents_block_drop_and_definitions_survive_a_restart() {
    let store = rampart_storage::Store::in_memory();
    let e = Arc::new({
        let engine = Engine::new(store.clone(), "postgres");
        engine.bootstrap("postgres", None).expect("bootstrap");
        engine
    });
    let mut s = session(&e);
    setup(&mut s);
    fails(
        &mut s,
        "DROP DOMAIN posint",
        "2BP01",
        "cannot drop type posint because other objects depend on it",
    );
    fails(
        &mut s,
        "DROP DOMAIN int4",
        "42809",
        "\"int4\" is not a domain",
    );
    drop(s);
    drop(e);
    // A new engine over the same store reads the catalog back.
    let e = Arc::new(Engine::new(store, "postgres"));
    let mut s = session(&e);
    fails(
        &mut s,
        "INSERT INTO t (id, s) VALUES (7, 0)",
        "23514",
        "value for domain small violates check constraint \"posint_check\"",
    );
    must(&mut s, "DROP TABLE t");
    must(&mut s, "DROP DOMAIN posint CASCADE");
    assert_eq!(
        must(&mut s, "SELECT typname FROM pg_type WHERE typtype = 'd'"),
        vec![vec!["email"]]
    );
}

#[test]
fn alter_domain_reaches_stored_rows_and_cached_plans() {
    let e = engine();
    let mut s = session(&e);
    for sql in [
        "CREATE DOMAIN q AS int",
        "CREATE DOMAIN q2 AS q",
        "CREATE TABLE parent (a q2)",
        "CREATE TABLE child () INHERITS (parent)",
        "INSERT INTO child VALUES (-3)",
        "PREPARE ins(int) AS INSERT INTO parent VALUES ($1)",
        "EXECUTE ins(-1)",
        "CREATE ROLE eve",
    ] {
        must(&mut s, sql);
    }
    // A stored value in a child table, through a domain over the domain.
    fails(
        &mut s,
        "ALTER DOMAIN q ADD CONSTRAINT q_pos CHECK (VALUE > 0)",
        "23514",
        "column \"a\" of table \"parent\" contains values that violate the new constraint",
    );
    must(&mut s, "DELETE FROM ONLY parent WHERE a < 0");
    fails(
        &mut s,
        "ALTER DOMAIN q ADD CONSTRAINT q_pos CHECK (VALUE > 0)",
        "23514",
        "column \"a\" of table \"child\" contains values that violate the new constraint",
    );
    must(&mut s, "DELETE FROM child");
    must(
        &mut s,
        "ALTER DOMAIN q ADD CONSTRAINT q_pos CHECK (VALUE > 0)",
    );
    // The prepared statement's plan predates the constraint.
    fails(
        &mut s,
        "EXECUTE ins(-1)",
        "23514",
        "value for domain q2 violates check constraint \"q_pos\"",
    );
    must(&mut s, "EXECUTE ins(1)");
    must(&mut s, "SET ROLE eve");
    fails(
        &mut s,
        "ALTER DOMAIN q DROP CONSTRAINT q_pos",
        "42501",
        "must be owner of type q",
    );
    must(&mut s, "RESET ROLE");
    must(&mut s, "ALTER DOMAIN q DROP CONSTRAINT q_pos");
    must(&mut s, "EXECUTE ins(-1)");
    assert_eq!(
        must(&mut s, "SELECT a FROM parent ORDER BY a"),
        vec![vec!["-1"], vec!["1"]]
    );
}
