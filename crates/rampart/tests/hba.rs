//! pg_hba.conf end to end with tokio-postgres: peer with pg_ident maps,
//! cleartext `password`, `+group` / `samerole` / regex rules, reload with a
//! broken file, pg_hba_file_rules, superuser_reserved_connections and
//! connection logging. Each rule is also tried by the wrong role.

mod common;

use std::time::Duration;

use common::{assert_db_error, connect_with, db_error, fresh_root, Server, SUPERUSER};

fn os_user() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A trust cluster whose rules are then replaced by `hba` (and `ident`)
/// through `pg_reload_conf()`, after `setup` SQL ran as the superuser.
async fn cluster(setup: &str, hba: &str, ident: &str) -> Server {
    let srv = Server::start_trust();
    let admin = srv.connect().await;
    // One statement per Query message: CREATE DATABASE cannot run in the
    // implicit transaction block of a multi-statement one.
    for stmt in setup.split(';').filter(|s| !s.trim().is_empty()) {
        admin.batch_execute(stmt).await.unwrap();
    }
    std::fs::write(srv.data_dir().join("pg_hba.conf"), hba).unwrap();
    std::fs::write(srv.data_dir().join("pg_ident.conf"), ident).unwrap();
    let reloaded: bool = admin
        .query_one("SELECT pg_reload_conf()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(reloaded);
    srv
}

async fn current_user(c: &tokio_postgres::Client) -> String {
    c.query_one("SELECT current_user", &[])
        .await
        .unwrap()
        .get(0)
}

/// Logs in over TCP and asserts the session's current_user is `user`.
async fn assert_login(srv: &Server, user: &str, password: &str, db: &str) {
    let c = connect_with(&tcp(srv, user, Some(password), db))
        .await
        .unwrap_or_else(|e| panic!("{user} could not log in: {e:?}\n{}", srv.log()));
    assert_eq!(current_user(&c).await, user);
}

fn tcp(srv: &Server, user: &str, password: Option<&str>, db: &str) -> tokio_postgres::Config {
    let mut c = srv.config();
    c.user(user).dbname(db);
    if let Some(p) = password {
        c.password(p);
    }
    c
}

#[tokio::test]
async fn peer_maps_the_os_user_through_pg_ident() {
    let me = os_user();
    let srv = cluster(
        "CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN;",
        &format!("local all all peer map=staff\nhost all {SUPERUSER} 127.0.0.1/32 trust\n"),
        &format!("staff {me} alice\nstaff /^nobody-(.*)$ \\1\n"),
    )
    .await;
    let mut as_alice = srv.unix_config();
    as_alice.user("alice");
    let c = connect_with(&as_alice)
        .await
        .unwrap_or_else(|e| panic!("peer login as alice failed: {e:?}\n{}", srv.log()));
    assert_eq!(current_user(&c).await, "alice");
    // The OS user is not mapped to bob: refused, and only the log says why.
    let mut as_bob = srv.unix_config();
    as_bob.user("bob");
    assert_db_error(
        connect_with(&as_bob).await,
        "28000",
        "Peer authentication failed for user \"bob\"",
    );
    let line = format!("no match in usermap \"staff\" for user \"bob\" authenticated as \"{me}\"");
    let log = srv.log_with(&line);
    assert!(log.contains(&line), "{log}");
    // peer never applies to TCP: the superuser rule is the only host line.
    assert_db_error(
        connect_with(&tcp(&srv, "alice", None, "postgres")).await,
        "28000",
        "no pg_hba.conf entry for host \"127.0.0.1\", user \"alice\", database \"postgres\", no encryption",
    );
}

#[tokio::test]
async fn password_group_samerole_and_regex_rules() {
    let srv = cluster(
        "CREATE ROLE staff; CREATE ROLE team IN ROLE staff; \
         CREATE ROLE carol LOGIN PASSWORD 'carol-pw' IN ROLE team; \
         CREATE ROLE sales; CREATE ROLE dave LOGIN PASSWORD 'dave-pw' IN ROLE sales; \
         CREATE ROLE tenant_7 LOGIN PASSWORD 't7'; \
         CREATE DATABASE sales;",
        &format!(
            "host all {SUPERUSER} 127.0.0.1/32 trust\n\
             host all +staff 127.0.0.1/32 password\n\
             host samerole all 127.0.0.1/32 scram-sha-256\n\
             host all /^tenant_[0-9]+$ 127.0.0.1/32 md5\n\
             host all all 127.0.0.1/32 reject\n"
        ),
        "",
    )
    .await;
    // +staff: carol is a member through team, and uses a cleartext password.
    assert_login(&srv, "carol", "carol-pw", "postgres").await;
    assert_db_error(
        connect_with(&tcp(&srv, "carol", Some("wrong"), "postgres")).await,
        "28P01",
        "password authentication failed for user \"carol\"",
    );
    assert!(srv
        .log()
        .contains("DETAIL: Password does not match for user \"carol\". Connection matched pg_hba.conf line 2."));
    assert!(
        !srv.log().contains("wrong"),
        "a tried password reached the log"
    );
    // samerole: dave may enter database sales (he is in role sales), nothing else.
    assert_login(&srv, "dave", "dave-pw", "sales").await;
    assert_db_error(
        connect_with(&tcp(&srv, "dave", Some("dave-pw"), "postgres")).await,
        "28000",
        "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"dave\", database \"postgres\", no encryption",
    );
    // The regex line (md5, run as SCRAM) admits tenant_7 with its password.
    assert_login(&srv, "tenant_7", "t7", "postgres").await;
    assert_db_error(
        connect_with(&tcp(&srv, "tenant_7", Some("t8"), "postgres")).await,
        "28P01",
        "password authentication failed for user \"tenant_7\"",
    );
}

#[tokio::test]
async fn broken_reload_keeps_the_rules_and_file_rules_show_errors() {
    let srv = cluster(
        "CREATE ROLE eve LOGIN PASSWORD 'eve-pw';",
        &format!(
            "host all {SUPERUSER} 127.0.0.1/32 trust\n\
             host all eve 127.0.0.1/32 scram-sha-256\n"
        ),
        "",
    )
    .await;
    let hba = srv.data_dir().join("pg_hba.conf");
    let good = std::fs::read_to_string(&hba).unwrap();
    // A broken file (which would also let eve in without a password) is refused as a whole.
    std::fs::write(
        &hba,
        format!("host all eve 127.0.0.1/32 trust\n{good}hostssl all all 10.0.0.0/40 cert\n"),
    )
    .unwrap();
    let admin = srv.connect().await;
    let reloaded: bool = admin
        .query_one("SELECT pg_reload_conf()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(reloaded);
    // Still the old rules: eve needs her password (the broken file would trust her).
    assert_db_error(
        connect_with(&tcp(&srv, "eve", Some("nope"), "postgres")).await,
        "28P01",
        "password authentication failed for user \"eve\"",
    );
    let log = srv.log_with("pg_hba.conf was not reloaded");
    assert!(log.contains("pg_hba.conf was not reloaded"), "{log}");
    let rows = admin
        .query(
            "SELECT line_number, type, database, user_name, address, netmask, auth_method, error \
             FROM pg_hba_file_rules ORDER BY line_number",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    let first = &rows[0];
    assert_eq!(first.get::<_, i32>(0), 1);
    assert_eq!(first.get::<_, String>(1), "host");
    assert_eq!(first.get::<_, Vec<String>>(2), ["all"]);
    assert_eq!(first.get::<_, Vec<String>>(3), ["eve"]);
    assert_eq!(first.get::<_, String>(4), "127.0.0.1");
    assert_eq!(first.get::<_, String>(5), "255.255.255.255");
    assert_eq!(first.get::<_, String>(6), "trust");
    assert_eq!(first.get::<_, Option<String>>(7), None);
    let last = &rows[3];
    assert_eq!(last.get::<_, i32>(0), 4);
    assert_eq!(last.get::<_, Option<String>>(1), None);
    assert_eq!(
        last.get::<_, Option<String>>(7).as_deref(),
        Some("invalid CIDR mask in address \"10.0.0.0/40\"")
    );
    // Only superusers may read the file or ask for a reload.
    let eve = connect_with(&tcp(&srv, "eve", Some("eve-pw"), "postgres"))
        .await
        .unwrap();
    assert_db_error(
        eve.query("SELECT * FROM pg_hba_file_rules", &[]).await,
        "42501",
        "permission denied for view pg_hba_file_rules",
    );
    assert_db_error(
        eve.query("SELECT pg_reload_conf()", &[]).await,
        "42501",
        "permission denied for function pg_reload_conf",
    );
    // A fixed file is picked up on SIGHUP: eve's line now rejects.
    std::fs::write(&hba, format!("host all eve 127.0.0.1/32 reject\n{good}")).unwrap();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &srv.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut last = None;
    for _ in 0..50 {
        match connect_with(&tcp(&srv, "eve", Some("eve-pw"), "postgres")).await {
            Ok(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => {
                last = Some(db_error(&e));
                break;
            }
        }
    }
    assert_eq!(
        last,
        Some((
            "28000".to_string(),
            "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"eve\", database \"postgres\", no encryption".to_string()
        )),
        "{}",
        srv.log()
    );
}

#[tokio::test]
async fn reserved_slots_are_kept_for_superusers_and_connections_are_logged() {
    let root = fresh_root();
    let data = root.path().join("data");
    common::init(&data, &["--auth", "trust"]);
    let conf = data.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text = text.replace("max_connections = 100", "max_connections = 3");
    text = text.replace(
        "superuser_reserved_connections = 3",
        "superuser_reserved_connections = 1",
    );
    text.push_str(
        "log_connections = on\nlog_disconnections = on\nunix_socket_permissions = 0770\n",
    );
    std::fs::write(&conf, text).unwrap();
    let srv = Server::start(root);
    let socket = srv.socket_dir().join(format!(".s.PGSQL.{}", srv.port));
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&socket).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o770, "unix_socket_permissions");
    let admin = srv.connect().await;
    admin.batch_execute("CREATE ROLE app LOGIN").await.unwrap();
    let app = tcp(&srv, "app", None, "postgres");
    let _a1 = connect_with(&app).await.unwrap();
    assert_db_error(
        connect_with(&app).await,
        "53300",
        "remaining connection slots are reserved for non-replication superuser connections",
    );
    // The reserved slot is the superuser's.
    let _s2 = srv.connect().await;
    assert_db_error(
        connect_with(&srv.config()).await,
        "53300",
        "sorry, too many clients already",
    );
    let log = srv.log_with("connection authorized: user=app database=postgres");
    assert!(
        log.contains("connection received: host=127.0.0.1 port="),
        "{log}"
    );
    assert!(
        log.contains("connection authorized: user=app database=postgres"),
        "{log}"
    );
    drop(admin);
    let mut seen = false;
    for _ in 0..50 {
        if srv.log().contains("disconnection: session time: 0:00:") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "{}", srv.log());
    let line = format!("user={SUPERUSER} database=postgres host=127.0.0.1 port=");
    let log = srv.log_with(&line);
    assert!(log.contains(&line), "{log}");
}

#[tokio::test]
async fn passwords_never_reach_the_log_or_pg_stat_activity() {
    let root = fresh_root();
    let data = root.path().join("data");
    common::init(&data, &["--auth", "trust"]);
    let conf = data.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str("log_statement = 'all'\n");
    std::fs::write(&conf, text).unwrap();
    let srv = Server::start(root);
    let admin = srv.connect().await;
    admin
        .batch_execute("CREATE ROLE sec LOGIN PASSWORD 'Sup3r-Secret-1'")
        .await
        .unwrap();
    assert_db_error(
        admin
            .batch_execute("CREATE ROLE sec PASSWORD 'Sup3r-Secret-2'")
            .await,
        "42710",
        "role \"sec\" already exists",
    );
    // Extended protocol (Parse/Bind/Execute) too.
    admin
        .execute("ALTER ROLE sec PASSWORD 'Sup3r-Secret-3'", &[])
        .await
        .unwrap();
    assert!(admin
        .batch_execute("ALTER ROLE sec PASSWORD 'Sup3r-Secret-4' 'junk'")
        .await
        .is_err());
    // pg_stat_activity shows an idle session's last statement: redacted.
    let other = srv.connect().await;
    other
        .batch_execute("ALTER ROLE sec ENCRYPTED PASSWORD 'Sup3r-Secret-5'")
        .await
        .unwrap();
    let pid: i32 = other
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    other
        .batch_execute("ALTER ROLE sec ENCRYPTED PASSWORD 'Sup3r-Secret-6'")
        .await
        .unwrap();
    let shown: String = admin
        .query_one("SELECT query FROM pg_stat_activity WHERE pid = $1", &[&pid])
        .await
        .unwrap()
        .get(0);
    assert_eq!(shown, "ALTER ROLE sec ENCRYPTED PASSWORD '********'");
    let log = srv.log_with("execute: ALTER ROLE sec PASSWORD '********'");
    assert!(
        log.contains("statement: CREATE ROLE sec LOGIN PASSWORD '********'"),
        "{log}"
    );
    assert!(
        log.contains("role \"sec\" already exists; STATEMENT: CREATE ROLE sec PASSWORD '********'"),
        "{log}"
    );
    assert!(
        log.contains("execute: ALTER ROLE sec PASSWORD '********'"),
        "{log}"
    );
    assert!(
        !log.contains("Sup3r-Secret"),
        "a password reached the log:\n{log}"
    );
    // Only a superuser may change what is logged.
    admin.batch_execute("CREATE ROLE peon LOGIN").await.unwrap();
    let peon = connect_with(&tcp(&srv, "peon", None, "postgres"))
        .await
        .unwrap();
    assert_db_error(
        peon.batch_execute("SET log_statement = 'none'").await,
        "42501",
        "permission denied to set parameter \"log_statement\"",
    );
}

/// The audit lines (after `AUDIT: `) of the server log, in order.
fn audit_lines(log: &str) -> Vec<(String, String)> {
    log.lines()
        .filter_map(|l| {
            let at = l
                .find("AUDIT: SESSION,")
                .or_else(|| l.find("AUDIT: OBJECT,"))?;
            Some((l[..at].to_string(), l[at + "AUDIT: ".len()..].to_string()))
        })
        .collect()
}

/// pgAudit-format session audit logging set in the configuration file: a
/// non-superuser's statements are logged with its role — the ones it was
/// refused too — it cannot switch the audit off, and passwords stay out.
#[tokio::test]
async fn audit_log_records_what_each_role_tried_and_cannot_be_switched_off() {
    let root = fresh_root();
    let data = root.path().join("data");
    common::init(&data, &["--auth", "trust"]);
    let conf = data.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str(
        "pgaudit.log = 'read, write, ddl, role'\npgaudit.log_parameter = on\n\
         pgaudit.role = 'auditor'\n",
    );
    std::fs::write(&conf, text).unwrap();
    let srv = Server::start(root);
    let admin = srv.connect().await;
    admin
        .batch_execute(
            "CREATE TABLE salaries (id int, amount int);
             CREATE TABLE notes (id int);
             CREATE ROLE clerk LOGIN PASSWORD 'Audit-Secret-1';
             GRANT SELECT ON salaries, notes TO clerk;
             CREATE ROLE auditor;
             GRANT SELECT, DELETE ON salaries TO auditor",
        )
        .await
        .unwrap();
    let clerk = connect_with(&tcp(&srv, "clerk", None, "postgres"))
        .await
        .unwrap();
    clerk
        .query("SELECT amount FROM salaries WHERE id = $1", &[&7i32])
        .await
        .unwrap();
    assert_db_error(
        clerk.batch_execute("UPDATE salaries SET amount = 0").await,
        "42501",
        "permission denied for table salaries",
    );
    // The audited role cannot turn the audit off for itself.
    assert_db_error(
        clerk.batch_execute("SET pgaudit.log = 'none'").await,
        "42501",
        "permission denied to set parameter \"pgaudit.log\"",
    );
    assert_db_error(
        clerk.batch_execute("SET pgaudit.log_parameter = off").await,
        "42501",
        "permission denied to set parameter \"pgaudit.log_parameter\"",
    );
    clerk.batch_execute("DELETE FROM salaries").await.ok();
    clerk
        .batch_execute("SELECT n.id FROM notes n JOIN salaries s USING (id)")
        .await
        .unwrap();
    clerk.batch_execute("SELECT * FROM notes").await.unwrap();
    let log = srv.log_with("SELECT * FROM notes");
    let lines = audit_lines(&log);
    let bodies: Vec<&str> = lines.iter().map(|l| l.1.as_str()).collect();
    // A multi-statement Query logs its whole text with each statement, as pgAudit.
    assert!(
        bodies
            .iter()
            .any(|b| b
                .starts_with("SESSION,1,1,DDL,CREATE TABLE,TABLE,public.salaries,\"CREATE TABLE")),
        "{log}"
    );
    assert!(
        bodies
            .iter()
            .any(|b| b.starts_with("SESSION,3,1,ROLE,CREATE ROLE,,,")),
        "{log}"
    );
    let clerk_lines: Vec<&(String, String)> =
        lines.iter().filter(|l| l.0.contains("clerk")).collect();
    let clerk_bodies: Vec<&str> = clerk_lines.iter().map(|l| l.1.as_str()).collect();
    // Object audit: what the auditor role holds privileges on (SELECT and
    // DELETE on salaries) is logged per relation; UPDATE is not audited,
    // notes is not.
    assert_eq!(
        clerk_bodies,
        vec![
            "SESSION,1,1,READ,SELECT,,,SELECT amount FROM salaries WHERE id = $1,7",
            "OBJECT,1,1,READ,SELECT,TABLE,public.salaries,SELECT amount FROM salaries WHERE id = $1,7",
            "SESSION,2,1,WRITE,UPDATE,,,UPDATE salaries SET amount = 0,<none>",
            "SESSION,3,1,WRITE,DELETE,,,DELETE FROM salaries,<none>",
            "OBJECT,3,1,WRITE,DELETE,TABLE,public.salaries,DELETE FROM salaries,<none>",
            "SESSION,4,1,READ,SELECT,,,SELECT n.id FROM notes n JOIN salaries s USING (id),<none>",
            "OBJECT,4,1,READ,SELECT,TABLE,public.salaries,SELECT n.id FROM notes n JOIN salaries s USING (id),<none>",
            "SESSION,5,1,READ,SELECT,,,SELECT * FROM notes,<none>",
        ],
        "{log}"
    );
    assert!(
        !log.contains("Audit-Secret"),
        "a password reached the log:\n{log}"
    );
}
