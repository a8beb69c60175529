//! Helpers shared by the session-level integration tests: an in-memory
//! engine, and statements run with their rows as text or their error as
//! (SQLSTATE, message).

#![allow(dead_code)] // each test file uses its own subset

use std::sync::Arc;

use rampart_sql::{Engine, QueryResult, Session};

/// A bootstrapped engine on in-memory storage, superuser `postgres`.
pub fn engine() -> Arc<Engine> {
    let engine = Engine::new(rampart_storage::Store::in_memory(), "postgres");
    engine.bootstrap("postgres", None).expect("bootstrap");
    Arc::new(engine)
}

/// A session of `user` in database `postgres`.
pub fn session_as(engine: &Arc<Engine>, user: &str) -> Session {
    Session::new(engine.clone(), user, "postgres").unwrap_or_else(|e| panic!("{user}: {e:?}"))
}

/// Runs one statement; its rows as text, or its error as (SQLSTATE, message).
pub fn run(s: &mut Session, sql: &str) -> Result<Vec<Vec<String>>, (String, String)> {
    let mut results = s.execute(sql);
    s.take_notices();
    assert_eq!(results.len(), 1, "{sql}");
    match results.pop().unwrap() {
        Ok(QueryResult::Rows { rows, .. }) => Ok(rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.to_pg_text().unwrap_or_else(|| "NULL".into()))
                    .collect()
            })
            .collect()),
        Ok(_) => Ok(vec![]),
        Err(e) => Err((e.code.0.to_string(), e.message)),
    }
}

/// Runs a statement that must succeed; its rows.
pub fn must(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    run(s, sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
}

/// Runs a statement that must fail with this SQLSTATE and message.
pub fn fails(s: &mut Session, sql: &str, code: &str, message: &str) {
    assert_eq!(
        run(s, sql),
        Err((code.to_string(), message.to_string())),
        "{sql}"
    );
}
