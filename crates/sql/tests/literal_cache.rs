//! Simple-protocol queries reused across literal values
//! (`session/literal_cache.rs`) must answer exactly as parsing and binding
//! each query afresh does: same rows, same result columns, same errors
//! (SQLSTATE, message, position) — and never another role's or another
//! setting's plan.
//!
//! The reference for every query is a new session on the same engine (a
//! session caches a shape only the second time it sees it, so a fresh one
//! takes the ordinary path).

use std::sync::Arc;

use proptest::prelude::*;
use rampart_sql::{Engine, QueryResult, Session};

/// What a query answered, as the client would see it.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Rows {
        columns: Vec<(String, String)>,
        rows: Vec<Vec<String>>,
        tag: String,
    },
    Command(String),
    Error {
        code: String,
        message: String,
        position: Option<u32>,
    },
    Other,
}

fn run(s: &mut Session, sql: &str) -> Outcome {
    let mut results = s.execute(sql);
    s.take_notices();
    assert_eq!(results.len(), 1, "{sql}");
    match results.pop().unwrap() {
        Ok(QueryResult::Rows { columns, rows, tag }) => Outcome::Rows {
            columns: columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.display_name()))
                .collect(),
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|v| v.to_pg_text().unwrap_or_else(|| "NULL".into()))
                        .collect()
                })
                .collect(),
            tag,
        },
        Ok(QueryResult::Command { tag }) => Outcome::Command(tag),
        Ok(_) => Outcome::Other,
        Err(e) => Outcome::Error {
            code: e.code.0.to_string(),
            message: e.message,
            position: e.position,
        },
    }
}

fn must(s: &mut Session, sql: &str) {
    if let Outcome::Error { code, message, .. } = run(s, sql) {
        panic!("{sql}: {code} {message}");
    }
}

fn engine() -> Arc<Engine> {
    let engine = Engine::new(rampart_storage::Store::in_memory(), "postgres");
    engine.bootstrap("postgres", None).expect("bootstrap");
    let engine = Arc::new(engine);
    let mut s = Session::new(engine.clone(), "postgres", "postgres").expect("session");
    for sql in [
        "CREATE TABLE t (id int PRIMARY KEY, name text, v varchar(3), big bigint, d date)",
        "INSERT INTO t SELECT g, 'n' || g, 'v' || (g % 10), g * 10, date '2020-01-01' + g \
         FROM generate_series(1, 40) g",
        "INSERT INTO t VALUES (41, 'it''s', NULL, NULL, NULL)",
        "CREATE ROLE alice",
        "CREATE ROLE bob",
        "CREATE TABLE docs (id int PRIMARY KEY, tenant int, title text)",
        "INSERT INTO docs SELECT g, g % 3, 'doc ' || g FROM generate_series(1, 12) g",
        "ALTER TABLE docs ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY by_tenant ON docs USING (tenant = current_setting('app.tenant')::int)",
        "CREATE POLICY bob_sees_zero ON docs TO bob USING (tenant = 0)",
        "GRANT SELECT, UPDATE ON docs TO alice, bob",
    ] {
        must(&mut s, sql);
    }
    engine
}

fn session(engine: &Arc<Engine>) -> Session {
    Session::new(engine.clone(), "postgres", "postgres").expect("session")
}

/// Runs `sql` in `cached` and in a fresh session after `setup` (the
/// settings and role the cached session has), and compares.
fn same_as_fresh(engine: &Arc<Engine>, cached: &mut Session, setup: &[&str], sql: &str) {
    let got = run(cached, sql);
    let mut fresh = session(engine);
    for s in setup {
        must(&mut fresh, s);
    }
    let want = run(&mut fresh, sql);
    assert_eq!(got, want, "{sql}");
}

/// Read-only queries whose literals vary; each template is of one shape.
fn query() -> impl Strategy<Value = String> {
    let id = prop_oneof![-3i64..45, Just(2_147_483_648i64), Just(9_000_000_000i64)];
    let text = prop_oneof![
        Just("n7".to_string()),
        Just("it''s".to_string()),
        Just("12".to_string()),
        Just("x1".to_string()),
        Just("2020-01-09".to_string()),
        Just("2020-13-01".to_string()),
        Just("".to_string()),
    ];
    prop_oneof![
        id.clone()
            .prop_map(|i| format!("SELECT id, name FROM t WHERE id = {i}")),
        (id.clone(), id.clone())
            .prop_map(|(a, b)| format!("SELECT id FROM t WHERE id IN ({a}, {b}) ORDER BY id")),
        (id.clone(), 1..3u8).prop_map(|(a, o)| format!(
            "SELECT name, id FROM t WHERE id BETWEEN {a} AND {a} + 3 ORDER BY {o}"
        )),
        text.clone()
            .prop_map(|s| format!("SELECT id FROM t WHERE name = '{s}'")),
        text.clone()
            .prop_map(|s| format!("SELECT id FROM t WHERE id = '{s}'")),
        text.clone()
            .prop_map(|s| format!("SELECT count(*) FROM t WHERE d > '{s}'")),
        (text.clone(), id.clone())
            .prop_map(|(s, i)| format!("SELECT '{s}'::int + id FROM t WHERE id = {i}")),
        (id.clone(), id.clone())
            .prop_map(|(a, b)| format!("SELECT big / {a}, {b}::text || name FROM t WHERE id = 5")),
        id.clone()
            .prop_map(|i| format!("SELECT name FROM t WHERE big = {i}0")),
        (id.clone(), 0..3u8)
            .prop_map(|(i, l)| format!("SELECT id FROM t WHERE id > {i} ORDER BY id LIMIT {l}")),
        text.prop_map(|s| format!("SELECT '{s}' AS label, id FROM t WHERE id = 1")),
        id.prop_map(|i| format!("SELECT {i}.5 * 2 AS x")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn cached_queries_answer_as_fresh_ones(queries in proptest::collection::vec(query(), 30..60)) {
        let engine = engine();
        let mut cached = session(&engine);
        // Each query twice, so its shape is cached from the second on.
        for sql in &queries {
            same_as_fresh(&engine, &mut cached, &[], sql);
            same_as_fresh(&engine, &mut cached, &[], sql);
        }
        prop_assert!(cached.shape_cache_hits() > 0);
    }
}

#[test]
fn a_repeated_point_select_runs_from_the_cache() {
    let engine = engine();
    let mut s = session(&engine);
    for id in 1..=40 {
        let want = Outcome::Rows {
            columns: vec![("name".into(), "text".into())],
            rows: vec![vec![format!("n{id}")]],
            tag: "SELECT 1".into(),
        };
        assert_eq!(
            run(&mut s, &format!("SELECT name FROM t WHERE id = {id};")),
            want
        );
    }
    // The first run is seen, the second cached, the rest hit.
    assert_eq!(s.shape_cache_hits(), 38);
}

#[test]
fn kept_literals_must_match() {
    let engine = engine();
    let mut s = session(&engine);
    for _ in 0..3 {
        same_as_fresh(
            &engine,
            &mut s,
            &[],
            "SELECT id, name FROM t WHERE id < 4 ORDER BY 1",
        );
        same_as_fresh(
            &engine,
            &mut s,
            &[],
            "SELECT id, name FROM t WHERE id < 4 ORDER BY 2 DESC",
        );
        same_as_fresh(&engine, &mut s, &[], "SELECT 1");
        same_as_fresh(&engine, &mut s, &[], "SELECT 2");
    }
}

#[test]
fn a_value_that_does_not_read_gets_the_ordinary_error() {
    let engine = engine();
    let mut s = session(&engine);
    must(&mut s, "SELECT name FROM t WHERE id = '1'");
    must(&mut s, "SELECT name FROM t WHERE id = '2'");
    let hits = s.shape_cache_hits();
    assert_eq!(
        run(&mut s, "SELECT name FROM t WHERE id = 'x2'"),
        Outcome::Error {
            code: "22P02".into(),
            message: "invalid input syntax for type integer: \"x2\"".into(),
            position: Some(31),
        }
    );
    assert_eq!(
        s.shape_cache_hits(),
        hits,
        "the bad value took the ordinary path"
    );
    // Too long for varchar(3): the ordinary path's error.
    same_as_fresh(&engine, &mut s, &[], "UPDATE t SET v = 'ab' WHERE id = 40");
    same_as_fresh(
        &engine,
        &mut s,
        &[],
        "UPDATE t SET v = 'abcd' WHERE id = 40",
    );
}

/// The cached plan of one role is never another role's: SET ROLE, policy
/// changes, revoked privileges and `row_security` all take effect at once.
#[test]
fn roles_policies_and_settings_are_never_stale() {
    let engine = engine();
    let mut s = session(&engine);
    let point = |id: i32| format!("SELECT title FROM docs WHERE id = {id}");
    let titles = |s: &mut Session, id: i32| match run(s, &point(id)) {
        Outcome::Rows { rows, .. } => rows.into_iter().flatten().collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    must(&mut s, "SET ROLE alice");
    must(&mut s, "SELECT set_config('app.tenant', '1', false)");
    must(&mut s, "SELECT set_config('app.tenant', '1', false)");
    // alice, tenant 1: ids 1, 4, 7, 10 only.
    for id in 1..=12 {
        let want: Vec<String> = if id % 3 == 1 {
            vec![format!("doc {id}")]
        } else {
            vec![]
        };
        assert_eq!(titles(&mut s, id), want, "alice id {id}");
    }
    assert!(s.shape_cache_hits() >= 10);
    // Another tenant through set_config's cached statement.
    must(&mut s, "SELECT set_config('app.tenant', '2', false)");
    assert_eq!(titles(&mut s, 2), vec!["doc 2".to_string()]);
    assert_eq!(titles(&mut s, 1), Vec::<String>::new());
    // bob has his own policy too (permissive: OR).
    must(&mut s, "SET ROLE bob");
    assert_eq!(titles(&mut s, 3), vec!["doc 3".to_string()]);
    assert_eq!(titles(&mut s, 2), vec!["doc 2".to_string()]);
    assert_eq!(titles(&mut s, 1), Vec::<String>::new());
    must(&mut s, "RESET ROLE");
    must(&mut s, "DROP POLICY by_tenant ON docs");
    must(&mut s, "SET ROLE bob");
    assert_eq!(titles(&mut s, 2), Vec::<String>::new());
    assert_eq!(titles(&mut s, 6), vec!["doc 6".to_string()]);
    // Revoked: refused, not served from the cache.
    must(&mut s, "RESET ROLE");
    must(&mut s, "REVOKE SELECT ON docs FROM bob");
    must(&mut s, "SET ROLE bob");
    assert_eq!(
        run(&mut s, &point(6)),
        Outcome::Error {
            code: "42501".into(),
            message: "permission denied for table docs".into(),
            position: None,
        }
    );
    // row_security = off: an error instead of fewer rows.
    must(&mut s, "RESET ROLE");
    must(&mut s, "GRANT SELECT ON docs TO bob");
    must(&mut s, "SET ROLE bob");
    assert_eq!(titles(&mut s, 6), vec!["doc 6".to_string()]);
    must(&mut s, "SET row_security = off");
    assert_eq!(
        run(&mut s, &point(6)),
        Outcome::Error {
            code: "42501".into(),
            message: "query would be affected by row-level security policy for table \"docs\""
                .into(),
            position: None,
        }
    );
    // The superuser bypasses RLS and sees every row.
    must(&mut s, "RESET ROLE");
    must(&mut s, "RESET row_security");
    assert_eq!(titles(&mut s, 1), vec!["doc 1".to_string()]);
}

/// UPDATE's SET values and WHERE literals are parameters; the rows they
/// wrote are the ones each statement named.
#[test]
fn cached_updates_write_what_they_say() {
    let engine = engine();
    let mut s = session(&engine);
    for id in 1..=10 {
        must(
            &mut s,
            &format!("UPDATE t SET big = big + -{id} WHERE id = {id}"),
        );
    }
    assert!(s.shape_cache_hits() >= 8);
    for id in 1..=10i64 {
        let got = run(&mut s, &format!("SELECT big FROM t WHERE id = {id}"));
        let Outcome::Rows { rows, .. } = got else {
            panic!("{got:?}")
        };
        assert_eq!(rows, vec![vec![(id * 10 - id).to_string()]]);
    }
}

/// SELECT … INTO creates a table each time; it is never served from the cache.
#[test]
fn select_into_is_not_reused() {
    let engine = engine();
    let mut s = session(&engine);
    for id in 1..=4 {
        must(
            &mut s,
            &format!("SELECT id, name INTO t2 FROM t WHERE id = {id}"),
        );
        assert_eq!(
            run(&mut s, "SELECT name FROM t2"),
            Outcome::Rows {
                columns: vec![("name".into(), "text".into())],
                rows: vec![vec![format!("n{id}")]],
                tag: "SELECT 1".into(),
            }
        );
        must(&mut s, "DROP TABLE t2");
    }
}
