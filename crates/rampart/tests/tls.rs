//! TLS end to end through psql (libpq): encryption, channel binding
//! (SCRAM-SHA-256-PLUS) and hostssl/hostnossl rules. Skipped when psql is absent.

mod common;

use std::process::Command;

use common::Server;

fn psql(server: &Server, conninfo: &str, password: &str) -> Option<std::process::Output> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-At",
            "-c",
            "SELECT 'ok'",
            &format!(
                "host=127.0.0.1 port={} user=admin dbname=postgres {conninfo}",
                server.port
            ),
        ])
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .ok()?;
    Some(out)
}

fn with_password() -> Server {
    let root = common::fresh_root();
    let pw = root.path().join("pw");
    std::fs::write(&pw, "tls-secret\n").unwrap();
    common::init(
        &root.path().join("data"),
        &["--pwfile", pw.to_str().unwrap()],
    );
    Server::start(root)
}

#[test]
fn tls_with_channel_binding_works_and_wrong_password_fails() {
    let server = with_password();
    let Some(out) = psql(
        &server,
        "sslmode=require channel_binding=require",
        "tls-secret",
    ) else {
        eprintln!("psql not installed: skipping");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    let out = psql(&server, "sslmode=require", "wrong").unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("password authentication failed for user \"admin\""));
}

#[test]
fn hostssl_rule_rejects_plain_connections() {
    let root = common::fresh_root();
    let data = root.path().join("data");
    let pw = root.path().join("pw");
    std::fs::write(&pw, "tls-secret\n").unwrap();
    common::init(&data, &["--pwfile", pw.to_str().unwrap()]);
    std::fs::write(
        data.join("pg_hba.conf"),
        "hostssl all all 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    let server = Server::start(root);
    let Some(out) = psql(&server, "sslmode=disable", "tls-secret") else {
        eprintln!("psql not installed: skipping");
        return;
    };
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no pg_hba.conf entry for host \"127.0.0.1\", user \"admin\", database \"postgres\", no encryption"), "{err}");
    let out = psql(&server, "sslmode=require", "tls-secret").unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
