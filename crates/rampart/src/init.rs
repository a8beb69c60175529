//! `rampart init`: a new data directory, like initdb, secure by default.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use clap::Args;

/// Arguments of `rampart init`.
#[derive(Args, Clone, Debug)]
pub struct InitArgs {
    /// Data directory to create.
    #[arg(short = 'D', long = "pgdata", env = "PGDATA")]
    pub data_dir: Option<PathBuf>,
    /// Name of the bootstrap superuser (default: the OS user name).
    #[arg(short = 'U', long = "username")]
    pub username: Option<String>,
    /// Read the superuser's password from this file (first line).
    #[arg(long)]
    pub pwfile: Option<PathBuf>,
    /// Authentication method for both local and host connections.
    #[arg(short = 'A', long = "auth")]
    pub auth: Option<String>,
    /// Authentication method for local (unix-socket) connections.
    #[arg(long = "auth-local")]
    pub auth_local: Option<String>,
    /// Authentication method for TCP connections.
    #[arg(long = "auth-host")]
    pub auth_host: Option<String>,
}

/// What init created (serve prints it on first start).
pub struct Initialized {
    /// Superuser name.
    pub superuser: String,
}

fn os_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres".into())
}

fn check_method(m: &str) -> Result<String, String> {
    match m {
        "trust" | "reject" | "scram-sha-256" | "md5" => Ok(m.to_string()),
        "password" => Err(
            "authentication method \"password\" sends passwords in clear text; use scram-sha-256"
                .into(),
        ),
        other => Err(format!(
            "invalid authentication method \"{other}\" (use trust, reject or scram-sha-256)"
        )),
    }
}

/// Creates the data directory.
pub fn run(args: &InitArgs) -> Result<Initialized, String> {
    let dir = args
        .data_dir
        .clone()
        .unwrap_or_else(crate::default_data_dir);
    let superuser = args.username.clone().unwrap_or_else(os_user);
    if superuser.is_empty() || superuser.starts_with("pg_") {
        return Err(format!(
            "superuser name \"{superuser}\" is disallowed; role names cannot begin with \"pg_\""
        ));
    }
    let local = check_method(
        args.auth_local
            .as_deref()
            .or(args.auth.as_deref())
            .unwrap_or("scram-sha-256"),
    )?;
    let host = check_method(
        args.auth_host
            .as_deref()
            .or(args.auth.as_deref())
            .unwrap_or("scram-sha-256"),
    )?;
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map_err(|e| format!("could not read directory \"{}\": {e}", dir.display()))?
            .next()
            .is_some()
    {
        return Err(format!("directory \"{}\" exists but is not empty\nIf you want to create a new database system, either remove or empty the directory \"{}\" or run rampart init with an argument other than \"{}\".", dir.display(), dir.display(), dir.display()));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("could not create directory \"{}\": {e}", dir.display()))?;
    set_mode(&dir, 0o700)?;
    let (password, generated) = match &args.pwfile {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .map_err(|e| format!("could not read password file \"{}\": {e}", f.display()))?;
            let pw = text.lines().next().unwrap_or("").to_string();
            if pw.is_empty() {
                return Err(format!("password file \"{}\" is empty", f.display()));
            }
            (pw, false)
        }
        None => (generate_password(), true),
    };
    let verifier = rampart_auth::scram::make_verifier(&password);
    write_file(&dir.join("postgresql.conf"), &default_conf(), 0o600)?;
    let (cert, key) = self_signed_certificate()?;
    write_file(&dir.join("server.crt"), &cert, 0o644)?;
    write_file(&dir.join("server.key"), &key, 0o600)?;
    write_file(&dir.join("pg_hba.conf"), &default_hba(&local, &host), 0o600)?;
    write_file(
        &dir.join("pg_ident.conf"),
        "# Rampart user name maps (PostgreSQL's pg_ident.conf format), used by\n\
         # pg_hba.conf lines with `map=NAME` (peer, cert).\n\
         # MAPNAME       SYSTEM-USERNAME         PG-USERNAME\n",
        0o600,
    )?;
    if generated {
        write_file(
            &dir.join("initial-password"),
            &format!("{password}\n"),
            0o600,
        )?;
    }
    let store = rampart_storage::Store::open(&dir.join("storage"), Default::default())
        .map_err(|e| e.to_string())?;
    let engine = rampart_sql::Engine::new(store, "postgres");
    engine
        .bootstrap(&superuser, Some(verifier))
        .map_err(|e| e.message)?;
    engine.store().checkpoint().map_err(|e| e.to_string())?;
    println!(
        "The files belonging to this database system will be owned by user \"{}\".",
        os_user()
    );
    println!("The database superuser is \"{superuser}\".");
    if generated {
        println!("\nA password was generated for \"{superuser}\" (shown once; also saved, mode 0600, in {}):\n\n    {password}\n", dir.join("initial-password").display());
    }
    println!(
        "Local connections use \"{local}\", TCP connections use \"{host}\" (see pg_hba.conf)."
    );
    println!(
        "\nSuccess. You can now start the database server using:\n\n    rampart serve -D {}\n",
        dir.display()
    );
    Ok(Initialized { superuser })
}

/// A self-signed certificate for localhost, so TLS works from the first start
/// (replace server.crt/server.key with a CA-signed pair for production).
fn self_signed_certificate() -> Result<(String, String), String> {
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| format!("could not generate a TLS certificate: {e}"))?;
    Ok((certified.cert.pem(), certified.signing_key.serialize_pem()))
}

fn generate_password() -> String {
    use base64::Engine as _;
    let bytes: [u8; 18] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("could not set permissions of \"{}\": {e}", path.display()))
}

fn write_file(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| format!("could not create file \"{}\": {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("could not write file \"{}\": {e}", path.display()))
}

fn default_conf() -> String {
    "# Rampart configuration file (PostgreSQL's format and names)\n\
     listen_addresses = 'localhost'\t# what IP address(es) to listen on; '*' for all\n\
     port = 5432\n\
     max_connections = 100\n\
     unix_socket_directories = '/tmp'\t# comma-separated list\n\
     #unix_socket_permissions = 0777\n\
     #unix_socket_group = ''\n\
     password_encryption = scram-sha-256\n\
     ssl = on\n\
     # Login throttling (Rampart): lock a user+address after this many failures\n\
     login_failure_limit = 10\t\t# 0 disables\n\
     login_failure_window = 60\t\t# seconds\n\
     login_lockout = 300\t\t# seconds\n\
     auth_delay = 500\t\t# milliseconds before answering a failed login\n\
     ssl_cert_file = 'server.crt'\n\
     ssl_key_file = 'server.key'\n\
     #ssl_ca_file = ''\t\t\t# CAs for client certificates (cert, clientcert=)\n\
     #ssl_crl_file = ''\n\
     #ssl_min_protocol_version = 'TLSv1.2'\n\
     superuser_reserved_connections = 3\n\
     #log_connections = off\n\
     #log_disconnections = off\n\
     #log_statement = 'none'\t\t# none, ddl, mod, all (passwords are always redacted)\n\
     #pgaudit.log = 'none'\t\t# pgAudit session audit: read, write, function, role, ddl, misc, misc_set, all\n\
     #pgaudit.log_parameter = off\n\
     synchronous_commit = on\n\
     # Rampart: async worker threads (default: one per core)\n\
     #worker_threads = 2\n"
        .to_string()
}

fn default_hba(local: &str, host: &str) -> String {
    format!(
        "# Rampart client authentication (PostgreSQL's pg_hba.conf format).\n\
         # The first matching line decides; no matching line means reject.\n\
         # TYPE  DATABASE        USER            ADDRESS                 METHOD\n\
         local   all             all                                     {local}\n\
         host    all             all             127.0.0.1/32            {host}\n\
         host    all             all             ::1/128                 {host}\n"
    )
}
