//! Settings (`crate::guc`): the file-location settings are hidden from
//! roles without pg_read_all_settings, and bad values are refused with
//! PostgreSQL's SQLSTATE and message. Compat scripts 119 and 120 compare the
//! same with PostgreSQL 15 through psql.

mod support;

use support::{engine, fails, must};

#[test]
fn file_locations_need_pg_read_all_settings() {
    let engine = engine();
    let mut admin = support::session_as(&engine, "postgres");
    must(&mut admin, "CREATE ROLE alice LOGIN");
    let mut alice = support::session_as(&engine, "alice");
    let denied = "must be superuser or have privileges of pg_read_all_settings to examine";
    fails(
        &mut alice,
        "SHOW hba_file",
        "42501",
        &format!("{denied} \"hba_file\""),
    );
    fails(
        &mut alice,
        "SELECT current_setting('data_directory')",
        "42501",
        &format!("{denied} \"data_directory\""),
    );
    fails(
        &mut alice,
        "SELECT current_setting('config_file', true)",
        "42501",
        &format!("{denied} \"config_file\""),
    );
    let hidden = "SELECT count(*) FROM pg_settings WHERE name IN \
                  ('data_directory', 'config_file', 'hba_file', 'ident_file')";
    assert_eq!(must(&mut alice, hidden), vec![vec!["0".to_string()]]);
    fails(
        &mut alice,
        "SET session_preload_libraries = 'x'",
        "42501",
        "permission denied to set parameter \"session_preload_libraries\"",
    );
    must(&mut admin, "GRANT pg_read_all_settings TO alice");
    let mut alice = support::session_as(&engine, "alice");
    must(&mut alice, "SHOW hba_file");
    assert_eq!(must(&mut alice, hidden), vec![vec!["4".to_string()]]);
    fails(
        &mut alice,
        "SET data_directory = '/tmp'",
        "55P02",
        "parameter \"data_directory\" cannot be changed without restarting the server",
    );
}

#[test]
fn bad_setting_values_are_refused() {
    let engine = engine();
    let mut s = support::session_as(&engine, "postgres");
    fails(
        &mut s,
        "SET work_mem = 'lots'",
        "22023",
        "invalid value for parameter \"work_mem\": \"lots\"",
    );
    fails(
        &mut s,
        "SET statement_timeout = -5",
        "22023",
        "-5 ms is outside the valid range for parameter \"statement_timeout\" (0 .. 2147483647)",
    );
    fails(
        &mut s,
        "SET check_function_bodies = 'maybe'",
        "22023",
        "parameter \"check_function_bodies\" requires a Boolean value",
    );
    must(&mut s, "SET statement_timeout = '1.5min'");
    assert_eq!(
        must(&mut s, "SHOW statement_timeout"),
        vec![vec!["90s".to_string()]]
    );
}
