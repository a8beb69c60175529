//! `rampart serve`: run the server on a data directory.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

/// Arguments of `rampart serve` (`-h` is the listen address, as for `postgres`; help is `--help`).
#[derive(Args, Debug)]
#[command(disable_help_flag = true)]
pub struct ServeArgs {
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Data directory (default ./rampart-data, created on first start).
    #[arg(short = 'D', long = "pgdata", env = "PGDATA")]
    pub data_dir: Option<PathBuf>,
    /// TCP port.
    #[arg(short = 'p', long = "port")]
    pub port: Option<u16>,
    /// Comma-separated addresses to listen on ('*' for all, '' for none).
    #[arg(short = 'h', long = "listen-addresses")]
    pub listen: Option<String>,
    /// Directory for the unix-domain socket ('' for none).
    #[arg(short = 'k', long = "socket-dir")]
    pub socket_dir: Option<String>,
}

/// Runs until SIGINT/SIGTERM.
pub fn run(args: ServeArgs) -> Result<(), String> {
    let dir = args
        .data_dir
        .clone()
        .unwrap_or_else(crate::default_data_dir);
    let mut first_start = None;
    if !dir.join("postgresql.conf").exists() {
        if dir.exists()
            && std::fs::read_dir(&dir)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
        {
            return Err(format!(
                "\"{}\" is not a Rampart data directory (postgresql.conf is missing)",
                dir.display()
            ));
        }
        eprintln!(
            "Data directory \"{}\" does not exist: initializing it.",
            dir.display()
        );
        first_start = Some(crate::init::run(&crate::init::InitArgs {
            data_dir: Some(dir.clone()),
            username: None,
            pwfile: None,
            auth: None,
            auth_local: None,
            auth_host: None,
        })?);
    }
    let conf = crate::conf::read(&dir.join("postgresql.conf"))?;
    let conf_path = |key: &str, default: &str| -> PathBuf {
        let name = conf
            .get(key)
            .cloned()
            .unwrap_or_else(|| default.to_string());
        if std::path::Path::new(&name).is_absolute() {
            PathBuf::from(&name)
        } else {
            dir.join(&name)
        }
    };
    let auth_files = rampart_server::AuthFiles {
        hba_file: conf_path("hba_file", "pg_hba.conf"),
        ident_file: conf_path("ident_file", "pg_ident.conf"),
    };
    let port: u16 = match args.port {
        Some(p) => p,
        None => conf
            .get("port")
            .map(|p| p.parse().map_err(|_| format!("invalid port \"{p}\"")))
            .transpose()?
            .unwrap_or(5432),
    };
    let listen = args
        .listen
        .clone()
        .or_else(|| conf.get("listen_addresses").cloned())
        .unwrap_or_else(|| "localhost".into());
    let socket_dirs: Vec<String> = args
        .socket_dir
        .clone()
        .or_else(|| conf.get("unix_socket_directories").cloned())
        .unwrap_or_else(|| "/tmp".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let socket_permissions = match conf.get("unix_socket_permissions") {
        Some(v) => u32::from_str_radix(v.trim_start_matches("0o").trim_start_matches('0'), 8)
            .ok()
            .or_else(|| (v.trim_start_matches('0').is_empty()).then_some(0))
            .filter(|m| *m <= 0o777)
            .ok_or_else(|| {
                format!("invalid value for parameter \"unix_socket_permissions\": \"{v}\"")
            })?,
        None => 0o777,
    };
    let worker_threads = match conf.get("worker_threads") {
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1024).contains(n))
            .ok_or_else(|| format!("invalid value for parameter \"worker_threads\": \"{v}\""))?,
        None => default_worker_threads(),
    };
    let max_connections = conf
        .get("max_connections")
        .and_then(|m| m.parse().ok())
        .unwrap_or(100);
    let superuser_reserved_connections: usize = conf
        .get("superuser_reserved_connections")
        .map(|v| {
            v.parse().map_err(|_| {
                format!("invalid value for parameter \"superuser_reserved_connections\": \"{v}\"")
            })
        })
        .transpose()?
        .unwrap_or(3);
    if superuser_reserved_connections >= max_connections {
        return Err(format!("superuser_reserved_connections ({superuser_reserved_connections}) must be less than max_connections ({max_connections})"));
    }
    let flag = |key: &str| {
        conf.get(key)
            .is_some_and(|v| matches!(v.as_str(), "on" | "true" | "yes" | "1"))
    };
    let on_off = |key: &str| if flag(key) { "on" } else { "off" }.to_string();
    rampart_sql::guc::set_server_values(&[
        ("max_connections", max_connections.to_string()),
        (
            "superuser_reserved_connections",
            superuser_reserved_connections.to_string(),
        ),
        (
            "log_statement",
            conf.get("log_statement")
                .cloned()
                .unwrap_or_else(|| "none".into()),
        ),
        (
            "log_min_error_statement",
            conf.get("log_min_error_statement")
                .cloned()
                .unwrap_or_else(|| "error".into()),
        ),
        (
            "pgaudit.log",
            match conf.get("pgaudit.log") {
                Some(v) if rampart_sql::audit::AuditClasses::parse(v).is_none() => {
                    return Err(format!(
                        "invalid value for parameter \"pgaudit.log\": \"{v}\""
                    ));
                }
                Some(v) => v.clone(),
                None => "none".into(),
            },
        ),
        ("pgaudit.log_parameter", on_off("pgaudit.log_parameter")),
        (
            "pgaudit.role",
            conf.get("pgaudit.role").cloned().unwrap_or_default(),
        ),
        ("log_connections", on_off("log_connections")),
        ("data_directory", absolute(&dir)),
        ("config_file", absolute(&dir.join("postgresql.conf"))),
        ("hba_file", absolute(&auth_files.hba_file)),
        ("ident_file", absolute(&auth_files.ident_file)),
        ("unix_socket_directories", socket_dirs.join(", ")),
        ("log_disconnections", on_off("log_disconnections")),
    ]);
    let synchronous_commit = conf
        .get("synchronous_commit")
        .map(|v| v != "off")
        .unwrap_or(true);
    let opts = rampart_storage::StoreOptions {
        synchronous_commit,
        ..Default::default()
    };
    let store =
        rampart_storage::Store::open(&dir.join("storage"), opts).map_err(|e| e.to_string())?;
    let engine = Arc::new(rampart_sql::Engine::new(store, "postgres"));
    if !engine.is_initialized().map_err(|e| e.message)? {
        return Err(format!(
            "data directory \"{}\" has no catalog; run rampart init",
            dir.display()
        ));
    }
    let tls = if flag("ssl") {
        let read = |key: &str, default: &str| -> Result<Vec<u8>, String> {
            let path = conf_path(key, default);
            std::fs::read(&path)
                .map_err(|e| format!("could not load {key} \"{}\": {e}", path.display()))
        };
        let optional = |key: &str| -> Result<Option<Vec<u8>>, String> {
            match conf.get(key).filter(|v| !v.is_empty()) {
                Some(_) => read(key, "").map(Some),
                None => Ok(None),
            }
        };
        Some(rampart_server::TlsFiles {
            cert_pem: read("ssl_cert_file", "server.crt")?,
            key_pem: read("ssl_key_file", "server.key")?,
            ca_pem: optional("ssl_ca_file")?,
            crl_pem: optional("ssl_crl_file")?,
            min_protocol: conf
                .get("ssl_min_protocol_version")
                .cloned()
                .unwrap_or_else(|| "TLSv1.2".into()),
        })
    } else {
        None
    };
    let auth = auth_files
        .load(tls.is_some())
        .map_err(|e| format!("{e}\ncould not load {}", auth_files.hba_file.display()))?;
    *engine.server_files.write() = Some(rampart_sql::engine::ServerFiles {
        hba_file: auth_files.hba_file.clone(),
        ssl: tls.is_some(),
    });
    let num = |key: &str, default: u64| -> Result<u64, String> {
        match conf.get(key) {
            Some(v) => v
                .trim_end_matches("ms")
                .trim_end_matches('s')
                .parse()
                .map_err(|_| format!("invalid value for parameter \"{key}\": \"{v}\"")),
            None => Ok(default),
        }
    };
    let throttle = rampart_server::throttle::ThrottleConfig {
        limit: num("login_failure_limit", 10)? as u32,
        window: std::time::Duration::from_secs(num("login_failure_window", 60)?),
        lockout: std::time::Duration::from_secs(num("login_lockout", 300)?),
        delay: std::time::Duration::from_millis(num("auth_delay", 500)?),
    };
    let config = rampart_server::ServerConfig {
        tls,
        throttle,
        listen_addresses: listen
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        port,
        socket_dirs: socket_dirs.iter().map(PathBuf::from).collect(),
        socket_permissions,
        socket_group: conf.get("unix_socket_group").cloned().unwrap_or_default(),
        auth,
        auth_files: Some(auth_files),
        max_connections,
        superuser_reserved_connections,
        log_connections: flag("log_connections"),
        log_disconnections: flag("log_disconnections"),
    };
    let shared = rampart_server::Shared::new(engine.clone(), config.clone());
    let weak = Arc::downgrade(&shared);
    engine.set_reload_hook(Arc::new(move || {
        if let Some(s) = weak.upgrade() {
            s.reload();
        }
    }));
    let weak = Arc::downgrade(&shared);
    engine.set_auth_failure_source(Arc::new(move || {
        weak.upgrade()
            .map(|s| s.auth_failures())
            .unwrap_or_default()
    }));
    tracing::info!(worker_threads, "starting the async workers");
    // One single-worker runtime per worker thread, connections spread over
    // them (rampart_server::Shards says why); the first also accepts.
    let runtimes = (0..worker_threads)
        .map(|i| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name(format!("rampart-worker-{i}"))
                .enable_all()
                // Parsing, binding and evaluation recurse over expression depth and
                // statements run on the worker threads (block_in_place): give them
                // room. The parser and binder stop at depth 200/500 with SQLSTATE
                // 54001 well within 64 MiB.
                .thread_stack_size(64 * 1024 * 1024)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let shards = rampart_server::Shards::new(runtimes.iter().map(|r| r.handle().clone()).collect());
    let runtime = &runtimes[0];
    if let Some(init) = &first_start {
        eprintln!(
            "Connect with:  psql -h localhost -p {port} -U {} postgres",
            init.superuser
        );
    } else {
        eprintln!(
            "Connect with:  psql -h {} -p {port} postgres",
            config
                .listen_addresses
                .first()
                .cloned()
                .or_else(|| socket_dirs.first().cloned())
                .unwrap_or_default()
        );
    }
    runtime.block_on(async move {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let server = tokio::spawn(rampart_server::serve(shared.clone(), rx, shards));
        let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .map_err(|e| e.to_string())?;
        let reloader = shared.clone();
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                reloader.reload();
            }
        });
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| e.to_string())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => eprintln!("LOG:  received fast shutdown request"),
            _ = term.recv() => eprintln!("LOG:  received smart shutdown request"),
            r = server => {
                return match r {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
            }
        }
        shared.cancel_all();
        let _ = tx.send(true);
        Ok::<(), String>(())
    })?;
    engine.store().checkpoint().map_err(|e| e.to_string())?;
    eprintln!("LOG:  database system is shut down");
    Ok(())
}

/// Async worker threads (each its own single-worker runtime, connections
/// spread over them) when postgresql.conf sets no `worker_threads`: one
/// per core. Measured on 2 vCPUs with pgbench beside the server (README,
/// Performance): one worker ran point selects with 8 clients faster than
/// two did in one shared runtime (16 instead of 31 us of server CPU each:
/// the workers parked and woke each other), but a 1,000-row indexed count
/// at half the rate (5.9k vs 11.5k TPS), its statements then sharing one
/// core. Two single-worker runtimes (now the default on 2 cores) keep the
/// count's rate and run those point selects ~11% faster than two workers
/// sharing one runtime did.
fn default_worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A path as the file-location settings show it: absolute, as given when
/// it cannot be resolved.
fn absolute(p: &std::path::Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
