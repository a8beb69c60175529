//! End-to-end authentication tests: SCRAM-SHA-256 logins against `rampart serve`,
//! failure messages that do not reveal which users exist, and no plaintext
//! password at rest.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{connect_with, db_error, fresh_root, init, Server, SUPERUSER};

const PASSWORD: &str = "Tr0ub4dor&3-correct-horse-battery";

/// A cluster initialized with `--auth scram-sha-256 --pwfile`, and started.
fn scram_server() -> Server {
    let root = fresh_root();
    let pwfile = root.path().join("pwfile");
    std::fs::write(&pwfile, format!("{PASSWORD}\n")).unwrap();
    init(
        &root.path().join("data"),
        &[
            "--auth",
            "scram-sha-256",
            "--pwfile",
            pwfile.to_str().unwrap(),
        ],
    );
    // The password file is ours, not part of the data directory: remove it so
    // the plaintext check below only sees what Rampart wrote.
    std::fs::remove_file(&pwfile).unwrap();
    Server::start(root)
}

fn config(srv: &Server, user: &str, password: Option<&str>) -> tokio_postgres::Config {
    let mut c = srv.config();
    c.user(user);
    if let Some(p) = password {
        c.password(p);
    }
    c
}

/// Every regular file under `dir`, recursively.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let ft = entry.file_type().unwrap();
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_file() {
                out.push(entry.path());
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correct_password_connects_over_scram() {
    let srv = scram_server();
    let client = connect_with(&config(&srv, SUPERUSER, Some(PASSWORD)))
        .await
        .unwrap_or_else(|e| panic!("login with the right password failed: {e:?}\n{}", srv.log()));
    let row = client
        .query_one("SELECT current_user, session_user", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), SUPERUSER);
    assert_eq!(row.get::<_, &str>(1), SUPERUSER);

    // The unix socket is scram too (--auth sets both): it works with the password...
    let mut uc = srv.unix_config();
    uc.password(PASSWORD);
    let uclient = connect_with(&uc)
        .await
        .unwrap_or_else(|e| panic!("unix-socket login failed: {e:?}\n{}", srv.log()));
    uclient.simple_query("SELECT 1").await.unwrap();
    // ...and refuses a wrong one.
    let mut uc = srv.unix_config();
    uc.password("nope");
    let err = connect_with(&uc)
        .await
        .err()
        .unwrap_or_else(|| panic!("wrong password accepted over unix socket"));
    assert_eq!(
        db_error(&err),
        (
            "28P01".to_string(),
            format!("password authentication failed for user \"{SUPERUSER}\"")
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_user_fail_identically() {
    let srv = scram_server();

    let wrong = connect_with(&config(&srv, SUPERUSER, Some("not-the-password")))
        .await
        .err()
        .unwrap_or_else(|| panic!("wrong password was accepted"));
    let (code, msg) = db_error(&wrong);
    assert_eq!(code, "28P01");
    assert_eq!(msg, "password authentication failed for user \"admin\"");
    assert_eq!(wrong.as_db_error().unwrap().severity(), "FATAL");

    // An unknown user goes through the same SCRAM exchange and fails the same way
    // (PostgreSQL uses a mock salt): no way to tell which users exist.
    let ghost = connect_with(&config(&srv, "ghost", Some("whatever")))
        .await
        .err()
        .unwrap_or_else(|| panic!("unknown user was accepted"));
    let (gcode, gmsg) = db_error(&ghost);
    assert_eq!(gcode, "28P01");
    assert_eq!(gmsg, "password authentication failed for user \"ghost\"");
    assert_eq!(ghost.as_db_error().unwrap().severity(), "FATAL");

    // Even the right password does not help a user that does not exist.
    let ghost2 = connect_with(&config(&srv, "ghost", Some(PASSWORD)))
        .await
        .err()
        .unwrap_or_else(|| panic!("unknown user was accepted"));
    assert_eq!(
        db_error(&ghost2),
        (
            "28P01".to_string(),
            "password authentication failed for user \"ghost\"".to_string()
        )
    );

    // A password-less connect attempt to a scram server: the client gives up
    // before sending anything (tokio-postgres's own error, not a login).
    let nopw = connect_with(&config(&srv, SUPERUSER, None)).await;
    assert!(nopw.is_err(), "connected without a password");

    // The server is still fine after the failures.
    let ok = connect_with(&config(&srv, SUPERUSER, Some(PASSWORD)))
        .await
        .unwrap();
    ok.simple_query("SELECT 1").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_directory_holds_no_plaintext_password() {
    let srv = scram_server();
    // Log in (and fail to log in) so anything written at runtime is covered too.
    let client = connect_with(&config(&srv, SUPERUSER, Some(PASSWORD)))
        .await
        .unwrap();
    client
        .batch_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
        .await
        .unwrap();
    drop(client);
    let _ = connect_with(&config(&srv, SUPERUSER, Some("wrong-password-123"))).await;
    let log = srv.log();
    let root = srv.stop();
    assert!(
        !log.contains(PASSWORD),
        "the server log shows the password:\n{log}"
    );

    let data = root.path().join("data");
    let files = all_files(&data);
    assert!(
        files.len() >= 3,
        "expected the data directory to hold files, found {files:?}"
    );
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            !contains(&bytes, PASSWORD.as_bytes()),
            "plaintext password found in {}",
            f.display()
        );
    }
    // With a --pwfile, no initial-password file is written.
    assert!(!data.join("initial-password").exists());
    // The data directory is private to its owner, like PostgreSQL's.
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "data directory mode {mode:o}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_without_pwfile_writes_initial_password_0600() {
    let root = fresh_root();
    let data = root.path().join("data");
    let out = init(&data, &["--auth", "scram-sha-256"]);
    let file = data.join("initial-password");
    let meta = std::fs::metadata(&file).expect("initial-password was not written");
    assert!(meta.is_file());
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "initial-password mode is {:o}",
        meta.permissions().mode() & 0o777
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let password = text.trim_end_matches('\n');
    assert_eq!(text.lines().count(), 1, "one line expected: {text:?}");
    assert!(
        password.len() >= 16,
        "generated password too short: {password:?}"
    );
    // Shown once by init.
    assert!(String::from_utf8_lossy(&out.stdout).contains(password));

    // And it is the superuser's real password.
    let srv = Server::start(root);
    let client = connect_with(&config(&srv, SUPERUSER, Some(password)))
        .await
        .unwrap_or_else(|e| panic!("generated password rejected: {e:?}\n{}", srv.log()));
    let user: String = client
        .query_one("SELECT current_user", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(user, SUPERUSER);
    let err = connect_with(&config(&srv, SUPERUSER, Some("x")))
        .await
        .err()
        .unwrap_or_else(|| panic!("wrong password accepted"));
    assert_eq!(db_error(&err).0, "28P01");

    // Two clusters get different generated passwords.
    let root2 = fresh_root();
    init(&root2.path().join("data"), &["--auth", "scram-sha-256"]);
    let other = std::fs::read_to_string(root2.path().join("data/initial-password")).unwrap();
    assert_ne!(other, text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_refuses_password_method_and_nonempty_dir() {
    let root = fresh_root();
    let data = root.path().join("data");
    let out = common::run_init(&data, &["--auth", "password"]);
    assert!(!out.status.success(), "init accepted --auth password");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("clear text"),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    init(&data, &["--auth", "trust"]);
    let again = common::run_init(&data, &["--auth", "trust"]);
    assert!(
        !again.status.success(),
        "init overwrote an existing data directory"
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists but is not empty"),
        "stderr: {}",
        String::from_utf8_lossy(&again.stderr)
    );
}

/// Starts a SCRAM exchange for `user` over raw TCP and returns the server-first
/// message's salt (`s=`) and iteration count (`i=`).
fn scram_server_first(srv: &Server, user: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut body = 196608i32.to_be_bytes().to_vec();
    for (k, v) in [("user", user), ("database", "postgres")] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut pkt = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    pkt.extend_from_slice(&body);
    s.write_all(&pkt).unwrap();
    let read_msg = |s: &mut std::net::TcpStream| -> (u8, Vec<u8>) {
        let mut head = [0u8; 5];
        s.read_exact(&mut head).unwrap();
        let len = i32::from_be_bytes(head[1..].try_into().unwrap()) as usize;
        let mut b = vec![0u8; len - 4];
        s.read_exact(&mut b).unwrap();
        (head[0], b)
    };
    let (t, b) = read_msg(&mut s);
    assert_eq!(t, b'R');
    assert_eq!(&b[..4], &10i32.to_be_bytes(), "expected AuthenticationSASL");
    assert!(contains(&b, b"SCRAM-SHA-256\0"));
    let client_first = b"n,,n=,r=rOprNGfwEbeRWgbNEkqO";
    let mut p = b"SCRAM-SHA-256\0".to_vec();
    p.extend_from_slice(&(client_first.len() as i32).to_be_bytes());
    p.extend_from_slice(client_first);
    let mut msg = vec![b'p'];
    msg.extend_from_slice(&((p.len() + 4) as i32).to_be_bytes());
    msg.extend_from_slice(&p);
    s.write_all(&msg).unwrap();
    let (t, b) = read_msg(&mut s);
    assert_eq!(t, b'R');
    assert_eq!(
        &b[..4],
        &11i32.to_be_bytes(),
        "expected AuthenticationSASLContinue"
    );
    let text = String::from_utf8(b[4..].to_vec()).unwrap();
    let field = |k: &str| {
        text.split(',')
            .find_map(|f| f.strip_prefix(k))
            .unwrap_or_else(|| panic!("no {k} in {text}"))
            .to_string()
    };
    assert!(field("r=").starts_with("rOprNGfwEbeRWgbNEkqO"), "{text}");
    (field("s="), field("i="))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_user_gets_a_stable_plausible_scram_challenge() {
    let srv = scram_server();
    let (admin_salt, admin_iter) = scram_server_first(&srv, SUPERUSER);
    let (admin_salt2, _) = scram_server_first(&srv, SUPERUSER);
    assert_eq!(admin_salt, admin_salt2);
    // A made-up user gets a salt too, the same one every time (a salt that
    // changed per attempt would reveal that the user does not exist), with the
    // same iteration count as real users.
    let (ghost_salt, ghost_iter) = scram_server_first(&srv, "ghost");
    let (ghost_salt2, ghost_iter2) = scram_server_first(&srv, "ghost");
    assert_eq!(
        ghost_salt, ghost_salt2,
        "decoy salt changes between attempts"
    );
    assert_eq!(ghost_iter, ghost_iter2);
    assert_eq!(ghost_iter, admin_iter);
    assert_eq!(
        ghost_salt.len(),
        admin_salt.len(),
        "decoy salt has another length"
    );
    assert_ne!(ghost_salt, admin_salt);
    let (other_salt, _) = scram_server_first(&srv, "someone_else");
    assert_ne!(other_salt, ghost_salt, "all unknown users share one salt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_the_user_out_without_saying_so() {
    let root = common::fresh_root();
    let pwfile = root.path().join("pw");
    std::fs::write(&pwfile, format!("{PASSWORD}\n")).unwrap();
    let data = root.path().join("data");
    common::init(
        &data,
        &[
            "--auth",
            "scram-sha-256",
            "--pwfile",
            pwfile.to_str().unwrap(),
        ],
    );
    let conf = data.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str("login_failure_limit = 3\nauth_delay = 0\n");
    std::fs::write(&conf, text).unwrap();
    let srv = Server::start(root);
    for _ in 0..3 {
        let err = connect_with(&config(&srv, SUPERUSER, Some("guess")))
            .await
            .err()
            .unwrap_or_else(|| panic!("wrong password accepted"));
        assert_eq!(
            common::db_error(&err),
            (
                "28P01".to_string(),
                format!("password authentication failed for user \"{SUPERUSER}\"")
            )
        );
    }
    // Locked: even the right password now fails, with the same message.
    let err = connect_with(&config(&srv, SUPERUSER, Some(PASSWORD)))
        .await
        .err()
        .unwrap_or_else(|| panic!("locked-out login accepted"));
    assert_eq!(
        common::db_error(&err),
        (
            "28P01".to_string(),
            format!("password authentication failed for user \"{SUPERUSER}\"")
        )
    );
    // The lockout is per user: the unix socket (another "address") still works.
    let mut uc = srv.unix_config();
    uc.password(PASSWORD);
    let admin = connect_with(&uc)
        .await
        .unwrap_or_else(|e| panic!("unix-socket login should not be locked: {e:?}"));
    // rampart_auth_failures shows the lockout (superusers only).
    let rows = admin
        .query(
            "SELECT user_name, client_addr, locked_until > now() FROM rampart_auth_failures",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(0), SUPERUSER);
    assert_eq!(
        rows[0].get::<_, Option<String>>(1).as_deref(),
        Some("127.0.0.1")
    );
    assert!(rows[0].get::<_, bool>(2));
    admin
        .batch_execute(&format!("CREATE ROLE watcher LOGIN PASSWORD '{PASSWORD}'"))
        .await
        .unwrap();
    let mut wc = srv.unix_config();
    wc.user("watcher").password(PASSWORD);
    let watcher = connect_with(&wc).await.unwrap();
    common::assert_db_error(
        watcher
            .query("SELECT * FROM rampart_auth_failures", &[])
            .await,
        "42501",
        "permission denied for view rampart_auth_failures",
    );
    let log = srv.log_with("login locked");
    assert!(
        log.contains("login locked"),
        "the lockout is logged:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attributes_are_enforced_at_connect() {
    let srv = scram_server();
    let admin = connect_with(&config(&srv, SUPERUSER, Some(PASSWORD)))
        .await
        .unwrap();
    admin
        .batch_execute(
            "CREATE ROLE nologin_r NOLOGIN PASSWORD 'pw-nologin';
             CREATE ROLE expired_r LOGIN PASSWORD 'pw-expired' VALID UNTIL '2000-01-01';
             CREATE ROLE future_r LOGIN PASSWORD 'pw-future' VALID UNTIL '2999-01-01';
             CREATE ROLE limited_r LOGIN PASSWORD 'pw-limited' CONNECTION LIMIT 1;",
        )
        .await
        .unwrap();

    // NOLOGIN: the right password still does not let the role in.
    let e = connect_with(&config(&srv, "nologin_r", Some("pw-nologin")))
        .await
        .err()
        .unwrap_or_else(|| panic!("NOLOGIN role connected"));
    assert_eq!(
        db_error(&e),
        (
            "28000".to_string(),
            "role \"nologin_r\" is not permitted to log in".to_string()
        )
    );

    // VALID UNTIL in the past: the password no longer works (as PostgreSQL: a plain auth failure).
    let e = connect_with(&config(&srv, "expired_r", Some("pw-expired")))
        .await
        .err()
        .unwrap_or_else(|| panic!("expired role connected"));
    assert_eq!(
        db_error(&e),
        (
            "28P01".to_string(),
            "password authentication failed for user \"expired_r\"".to_string()
        )
    );
    let future = connect_with(&config(&srv, "future_r", Some("pw-future")))
        .await
        .expect("role valid until 2999 could not connect");
    future.simple_query("SELECT 1").await.unwrap();

    // CONNECTION LIMIT 1: the second concurrent session is refused.
    let first = connect_with(&config(&srv, "limited_r", Some("pw-limited")))
        .await
        .expect("first limited connection refused");
    let e = connect_with(&config(&srv, "limited_r", Some("pw-limited")))
        .await
        .err()
        .unwrap_or_else(|| panic!("connection limit not enforced"));
    assert_eq!(
        db_error(&e),
        (
            "53300".to_string(),
            "too many connections for role \"limited_r\"".to_string()
        )
    );
    first.simple_query("SELECT 1").await.unwrap();
}
