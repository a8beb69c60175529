//! Shared helpers for Rampart's end-to-end tests: run `rampart init`, start
//! `rampart serve` in a temporary directory, wait for its ready line, connect
//! with tokio-postgres, and stop or kill the server.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The superuser every test cluster is created with.
pub const SUPERUSER: &str = "admin";

/// How long a server may take to print its ready line.
pub const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// The `rampart` binary under test.
pub fn rampart_bin() -> &'static str {
    env!("CARGO_BIN_EXE_rampart")
}

/// A fresh temporary directory for one cluster: the data directory is
/// `<root>/data` and the unix socket lives in `<root>` itself.
pub fn fresh_root() -> TempDir {
    tempfile::Builder::new()
        .prefix("rampart-e2e")
        .tempdir()
        .expect("create temp dir")
}

/// Runs `rampart init -D <data> -U admin <extra...>` and returns its output (any exit status).
pub fn run_init(data: &Path, extra: &[&str]) -> Output {
    Command::new(rampart_bin())
        .arg("init")
        .arg("-D")
        .arg(data)
        .args(["-U", SUPERUSER])
        .args(extra)
        .env_remove("PGDATA")
        .output()
        .expect("run rampart init")
}

/// Like [`run_init`], but panics unless init succeeds.
pub fn init(data: &Path, extra: &[&str]) -> Output {
    let out = run_init(data, extra);
    assert!(
        out.status.success(),
        "rampart init failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .expect("local addr")
        .port()
}

/// A running `rampart serve`, killed (SIGKILL) on drop if still running.
pub struct Server {
    child: Option<Child>,
    /// TCP port on 127.0.0.1 (also names the unix socket).
    pub port: u16,
    /// The cluster's root directory (socket dir; data dir is `root/data`).
    pub root: PathBuf,
    log: Arc<Mutex<String>>,
    dir: Option<TempDir>,
}

impl Server {
    /// A new cluster with `--auth trust`, started.
    pub fn start_trust() -> Server {
        Server::start_with_init(&["--auth", "trust"])
    }

    /// A new cluster initialized with the given extra init arguments, started.
    pub fn start_with_init(extra: &[&str]) -> Server {
        let root = fresh_root();
        init(&root.path().join("data"), extra);
        Server::start(root)
    }

    /// Starts `rampart serve` on an already initialized `<root>/data`.
    pub fn start(root: TempDir) -> Server {
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = free_port();
            match try_start(root.path(), port) {
                Ok((child, log)) => {
                    return Server {
                        child: Some(child),
                        port,
                        root: root.path().to_path_buf(),
                        log,
                        dir: Some(root),
                    }
                }
                // Another process may have taken the port in between: try another.
                Err(log) if log.contains("could not bind") => last_log = log,
                Err(log) => panic!("rampart serve did not become ready:\n{log}"),
            }
        }
        panic!("rampart serve could not bind a port:\n{last_log}");
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The unix socket directory.
    pub fn socket_dir(&self) -> PathBuf {
        self.root.clone()
    }

    /// The server's OS process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// Everything the server wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (up to ten seconds) until the server log contains `needle` and
    /// returns the log. The log reaches the test through a pipe read by
    /// another thread, so a line the server wrote a moment ago may not be
    /// here yet; positive log assertions must use this, not `log()`.
    pub fn log_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// True while the server process has not exited.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Panics (with the server log) if the server process has exited.
    pub fn assert_running(&mut self) {
        if !self.is_running() {
            let status = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            panic!(
                "server process is gone (exit status {status:?}); log:\n{}",
                self.log()
            );
        }
    }

    /// A tokio-postgres config for TCP as the superuser (no password).
    pub fn config(&self) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        c.host("127.0.0.1")
            .port(self.port)
            .user(SUPERUSER)
            .dbname("postgres")
            .connect_timeout(Duration::from_secs(10));
        c
    }

    /// A tokio-postgres config for the unix socket as the superuser.
    pub fn unix_config(&self) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        c.host_path(self.socket_dir())
            .port(self.port)
            .user(SUPERUSER)
            .dbname("postgres")
            .connect_timeout(Duration::from_secs(10));
        c
    }

    /// Connects over TCP as the superuser (panics on failure).
    pub async fn connect(&self) -> tokio_postgres::Client {
        connect_with(&self.config())
            .await
            .unwrap_or_else(|e| panic!("connect failed: {e:?}\nserver log:\n{}", self.log()))
    }

    /// SIGTERM, then wait (up to 15 s) for a clean exit; returns the cluster directory.
    pub fn stop(mut self) -> TempDir {
        let mut child = self.child.take().expect("server running");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(st) = child.try_wait().expect("try_wait") {
                assert!(
                    st.success(),
                    "server exited with {st} after SIGTERM; log:\n{}",
                    self.log()
                );
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "server did not exit within 15 s of SIGTERM; log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.dir.take().expect("cluster dir")
    }

    /// SIGKILL (no chance to clean up) and reap; returns the cluster directory.
    pub fn kill9(mut self) -> TempDir {
        let mut child = self.child.take().expect("server running");
        let _ = child.kill();
        let _ = child.wait();
        self.dir.take().expect("cluster dir")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Spawns `rampart serve` and waits for "ready to accept connections" on stderr.
/// On failure returns the collected stderr.
fn try_start(root: &Path, port: u16) -> Result<(Child, Arc<Mutex<String>>), String> {
    let mut child = Command::new(rampart_bin())
        .arg("serve")
        .arg("-D")
        .arg(root.join("data"))
        .args(["-p", &port.to_string(), "-h", "127.0.0.1", "-k"])
        .arg(root)
        .env_remove("PGDATA")
        .env("RAMPART_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn rampart serve: {e}"))?;
    let stderr = child.stderr.take().expect("piped stderr");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel::<()>();
    {
        let log = log.clone();
        // Keeps draining stderr for the server's whole life so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                {
                    let mut l = log.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
                if line.contains("ready to accept connections") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(());
                    }
                }
            }
        });
    }
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(()) => return Ok((child, log)),
            Err(mpsc::RecvTimeoutError::Disconnected) | Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Ok(Some(st)) = child.try_wait() {
                    // Let the reader thread collect the last lines.
                    std::thread::sleep(Duration::from_millis(100));
                    return Err(format!("exited with {st}:\n{}", log.lock().unwrap()));
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "no ready line within {READY_TIMEOUT:?}:\n{}",
                        log.lock().unwrap()
                    ));
                }
            }
        }
    }
}

/// Connects with `config`, spawning the connection driver on the current runtime.
pub async fn connect_with(
    config: &tokio_postgres::Config,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, conn) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// The SQLSTATE and message of a database error (panics for other errors).
pub fn db_error(e: &tokio_postgres::Error) -> (String, String) {
    let db = e
        .as_db_error()
        .unwrap_or_else(|| panic!("expected a database error, got {e:?}"));
    (db.code().code().to_string(), db.message().to_string())
}

/// Asserts `r` failed with exactly this SQLSTATE and message.
#[track_caller]
pub fn assert_db_error<T: std::fmt::Debug>(
    r: Result<T, tokio_postgres::Error>,
    code: &str,
    message: &str,
) {
    match r {
        Ok(v) => panic!("expected error {code} \"{message}\", got success: {v:?}"),
        Err(e) => {
            let (c, m) = db_error(&e);
            assert_eq!(
                (c.as_str(), m.as_str()),
                (code, message),
                "unexpected error (full: {e:?})"
            );
        }
    }
}

/// Runs `fut` with a timeout, panicking with `what` if it takes too long.
pub async fn within<T>(secs: u64, what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {secs} s: {what}"))
}

/// Asserts that a spawned statement is still blocked after a moment (it
/// waits for a lock another session holds).
pub async fn still_waiting<T>(task: &tokio::task::JoinHandle<T>, what: &str) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!task.is_finished(), "{what} did not wait");
}

/// The first column of every row a simple-protocol query returns, as text
/// (for statements the extended protocol cannot send, like EXECUTE).
pub fn first_column(rows: Vec<tokio_postgres::SimpleQueryMessage>) -> Vec<String> {
    rows.into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .collect()
}
