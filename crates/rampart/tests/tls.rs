//! TLS end to end through psql (libpq): encryption, channel binding
//! (SCRAM-SHA-256-PLUS) and hostssl/hostnossl rules. Skipped when psql is absent.

mod common;

use std::process::Command;

use common::Server;

/// Runs `sql` through psql as admin on 127.0.0.1 (later `conninfo` keywords
/// override, e.g. `user=`, `host=`); None if psql is not installed.
fn psql_run(
    server: &Server,
    conninfo: &str,
    password: &str,
    sql: &str,
) -> Option<std::process::Output> {
    Command::new("psql")
        .args([
            "-X",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
            &format!(
                "host=127.0.0.1 port={} user=admin dbname=postgres {conninfo}",
                server.port
            ),
        ])
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .ok()
}

fn psql(server: &Server, conninfo: &str, password: &str) -> Option<std::process::Output> {
    psql_run(server, conninfo, password, "SELECT 'ok'")
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

/// A test CA with client certificates (CN = the name), written as PEM files.
struct Pki {
    dir: std::path::PathBuf,
}

impl Pki {
    /// CA `ca.crt`, client certificates `<cn>.crt`/`<cn>.key` for `names`,
    /// `revoked.crt` (CN alice, on `ca.crl`) and a self-signed `rogue.crt` (CN alice).
    fn new(dir: &std::path::Path, names: &[&str]) -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa,
            Issuer, KeyIdMethod, KeyPair, RevokedCertParams, SerialNumber,
        };
        let write_key = |path: std::path::PathBuf, pem: String| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(&path, pem).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        };
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Rampart test CA");
        std::fs::write(dir.join("ca.crt"), ca.self_signed(&ca_key).unwrap().pem()).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let client = |cn: &str, serial: u64| {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
            p.distinguished_name.push(DnType::CommonName, cn);
            p.serial_number = Some(SerialNumber::from(serial));
            (
                p.signed_by(&key, &issuer).unwrap().pem(),
                key.serialize_pem(),
            )
        };
        for (i, cn) in names.iter().enumerate() {
            let (crt, key) = client(cn, 100 + i as u64);
            std::fs::write(dir.join(format!("{cn}.crt")), crt).unwrap();
            write_key(dir.join(format!("{cn}.key")), key);
        }
        let (crt, key) = client("alice", 999);
        std::fs::write(dir.join("revoked.crt"), crt).unwrap();
        write_key(dir.join("revoked.key"), key);
        let crl = CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(2024, 1, 1),
            next_update: rcgen::date_time_ymd(2099, 1, 1),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: vec![RevokedCertParams {
                serial_number: SerialNumber::from(999u64),
                revocation_time: rcgen::date_time_ymd(2024, 1, 1),
                reason_code: None,
                invalidity_date: None,
            }],
            key_identifier_method: KeyIdMethod::Sha256,
        };
        std::fs::write(
            dir.join("ca.crl"),
            crl.signed_by(&issuer).unwrap().pem().unwrap(),
        )
        .unwrap();
        let rogue_key = KeyPair::generate().unwrap();
        let mut rogue = CertificateParams::new(Vec::<String>::new()).unwrap();
        rogue.distinguished_name.push(DnType::CommonName, "alice");
        std::fs::write(
            dir.join("rogue.crt"),
            rogue.self_signed(&rogue_key).unwrap().pem(),
        )
        .unwrap();
        write_key(dir.join("rogue.key"), rogue_key.serialize_pem());
        Pki {
            dir: dir.to_path_buf(),
        }
    }

    fn conninfo(&self, user: &str, cert: Option<&str>) -> String {
        let mut s = format!("sslmode=require user={user}");
        if let Some(c) = cert {
            s.push_str(&format!(
                " sslcert={} sslkey={}",
                self.dir.join(format!("{c}.crt")).display(),
                self.dir.join(format!("{c}.key")).display()
            ));
        } else {
            // libpq would otherwise pick up ~/.postgresql/postgresql.crt.
            s.push_str(" sslcert=/nonexistent sslkey=/nonexistent");
        }
        s
    }
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn client_certificates_authenticate_by_cn_and_bad_ones_fail() {
    if Command::new("psql").arg("--version").output().is_err() {
        eprintln!("psql not installed: skipping");
        return;
    }
    let root = common::fresh_root();
    let data = root.path().join("data");
    let pw = root.path().join("pw");
    std::fs::write(&pw, "tls-secret\n").unwrap();
    common::init(&data, &["--pwfile", pw.to_str().unwrap()]);
    let pki = Pki::new(root.path(), &["alice", "mallory", "bob"]);
    let mut conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
    conf.push_str(&format!(
        "ssl_ca_file = '{}'\nssl_crl_file = '{}'\nlog_connections = on\n",
        root.path().join("ca.crt").display(),
        root.path().join("ca.crl").display()
    ));
    std::fs::write(data.join("postgresql.conf"), conf).unwrap();
    std::fs::write(
        data.join("pg_hba.conf"),
        "hostssl all alice 127.0.0.1/32 cert\n\
         hostssl all carol 127.0.0.1/32 cert map=certs\n\
         hostssl all bob 127.0.0.1/32 scram-sha-256 clientcert=verify-full\n\
         host all admin 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    std::fs::write(data.join("pg_ident.conf"), "certs alice carol\n").unwrap();
    let server = Server::start(root);
    let admin = psql_run(
        &server,
        "sslmode=require user=admin",
        "tls-secret",
        "CREATE ROLE alice LOGIN; CREATE ROLE carol LOGIN; CREATE ROLE bob LOGIN PASSWORD 'bob-pw'",
    )
    .expect("psql");
    assert!(admin.status.success(), "{}", stderr(&admin));
    let run = |user: &str, cert: Option<&str>, password: &str| {
        psql(&server, &pki.conninfo(user, cert), password).unwrap()
    };
    // cert: the CN names the role.
    let ok = run("alice", Some("alice"), "");
    assert!(ok.status.success(), "{}\n{}", stderr(&ok), server.log());
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "ok");
    let line = "connection authenticated: identity=\"alice\" method=cert (pg_hba.conf:1)";
    let log = server.log_with(line);
    assert!(log.contains(line), "{log}");
    // Another valid certificate (CN mallory) does not make you alice.
    let out = run("alice", Some("mallory"), "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("certificate authentication failed for user \"alice\""),
        "{}",
        stderr(&out)
    );
    // No certificate at all.
    let out = run("alice", None, "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("connection requires a valid client certificate"),
        "{}",
        stderr(&out)
    );
    // A self-signed certificate with the right CN, and a revoked one, fail the TLS handshake.
    for bad in ["rogue", "revoked"] {
        let out = run("alice", Some(bad), "");
        assert!(!out.status.success(), "{bad} certificate accepted");
        assert!(
            stderr(&out).contains("SSL error"),
            "{bad}: {}",
            stderr(&out)
        );
    }
    // map=certs: alice's certificate may log in as carol; mallory's may not.
    let out = run("carol", Some("alice"), "");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run("carol", Some("mallory"), "");
    assert!(
        stderr(&out).contains("certificate authentication failed for user \"carol\""),
        "{}",
        stderr(&out)
    );
    // clientcert=verify-full on a password rule: both the password and the CN must match.
    let out = run("bob", Some("bob"), "bob-pw");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run("bob", Some("alice"), "bob-pw");
    assert!(
        stderr(&out).contains("password authentication failed for user \"bob\""),
        "{}",
        stderr(&out)
    );
    let out = run("bob", Some("bob"), "wrong");
    assert!(
        stderr(&out).contains("password authentication failed for user \"bob\""),
        "{}",
        stderr(&out)
    );
    let line = "certificate validation (clientcert=verify-full) failed";
    let log = server.log_with(line);
    assert!(log.contains(line), "{log}");
}

#[test]
fn verify_full_against_the_generated_certificate() {
    let server = with_password();
    let crt = server.data_dir().join("server.crt");
    let run = |host: &str| {
        psql(
            &server,
            &format!(
                "host={host} sslmode=verify-full sslrootcert={}",
                crt.display()
            ),
            "tls-secret",
        )
    };
    let Some(out) = run("localhost") else {
        eprintln!("psql not installed: skipping");
        return;
    };
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    // 127.0.0.1 is in the certificate too.
    let out = run("127.0.0.1").unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}
