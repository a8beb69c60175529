//! TCP and unix-socket listeners with clean shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use pgwire::tokio::{process_socket, process_socket_unix};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::watch;

use crate::connection::ConnHandlers;
use crate::shards::Shards;
use crate::Shared;

/// Resolves `listen_addresses` entries to socket addresses.
fn resolve(addrs: &[String], port: u16) -> std::io::Result<Vec<SocketAddr>> {
    let mut out = Vec::new();
    for a in addrs {
        match a.as_str() {
            "" => {}
            "*" => {
                out.push(SocketAddr::from(([0, 0, 0, 0], port)));
            }
            "localhost" => out.push(SocketAddr::from(([127, 0, 0, 1], port))),
            other => {
                let ip: std::net::IpAddr = other.parse().map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("invalid listen address \"{other}\""),
                    )
                })?;
                out.push(SocketAddr::new(ip, port));
            }
        }
    }
    Ok(out)
}

/// Runs an accepted connection on the runtime with the fewest: `socket`
/// has left this runtime's reactor (`into_std`), and `serve` registers it
/// with its own runtime's and serves it.
fn hand_to_shard<Std, Fut>(
    shards: &Shards,
    socket: std::io::Result<Std>,
    serve: impl FnOnce(Std) -> Fut + Send + 'static,
) where
    Std: Send + 'static,
    Fut: std::future::Future<Output = std::io::Result<()>> + Send + 'static,
{
    let socket = match socket {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("could not hand the connection to a worker: {e}");
            return;
        }
    };
    shards.spawn(move || async move {
        if let Err(e) = serve(socket).await {
            tracing::debug!("connection ended with error: {e}");
        }
    });
}

/// Binds every listener, prints readiness, and serves until `shutdown` flips to true.
/// Each accepted connection runs on one of `shards`' runtimes.
pub async fn serve(
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    shards: Shards,
) -> std::io::Result<()> {
    rampart_sql::set_wait_hook(crate::worker::hand_off_worker);
    rampart_sql::set_long_running_hook(crate::worker::offload_if_long);
    let cfg = shared.config.clone();
    let tls = match &cfg.tls {
        Some(files) => Some(
            crate::tls_acceptor(files)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?,
        ),
        None => None,
    };
    let mut tasks = Vec::new();
    for addr in resolve(&cfg.listen_addresses, cfg.port)? {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| std::io::Error::new(e.kind(), format!("could not bind to {addr}: {e}")))?;
        tracing::info!(
            "listening on IPv4 address \"{}\", port {}",
            addr.ip(),
            addr.port()
        );
        let shared = shared.clone();
        let tls = tls.clone();
        let shards = shards.clone();
        let mut stop = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    accepted = listener.accept() => match accepted {
                        Ok((socket, _)) => {
                            let _ = socket.set_nodelay(true);
                            let tls = tls.clone();
                            let handlers = ConnHandlers::tcp(shared.clone());
                            hand_to_shard(&shards, socket.into_std(), move |s| async move {
                                process_socket(TcpStream::from_std(s)?, tls, handlers).await
                            });
                        }
                        Err(e) => tracing::warn!("accept failed: {e}"),
                    }
                }
            }
        }));
    }
    for dir in &cfg.socket_dirs {
        let path = dir.join(format!(".s.PGSQL.{}", cfg.port));
        if path.exists() {
            // A stale socket from a killed server; the data-directory lock already
            // guarantees no other server of ours is running on this data.
            let _ = std::fs::remove_file(&path);
        }
        let listener = UnixListener::bind(&path).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("could not create Unix socket \"{}\": {e}", path.display()),
            )
        })?;
        crate::authn::set_socket_access(&path, cfg.socket_permissions, &cfg.socket_group)
            .map_err(std::io::Error::other)?;
        tracing::info!("listening on Unix socket \"{}\"", path.display());
        let shared = shared.clone();
        let shards = shards.clone();
        let mut stop = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    accepted = listener.accept() => match accepted {
                        Ok((socket, _)) => {
                            let handlers =
                                ConnHandlers::unix(shared.clone(), crate::authn::peer_user(&socket));
                            hand_to_shard(&shards, socket.into_std(), move |s| async move {
                                process_socket_unix(UnixStream::from_std(s)?, handlers).await
                            });
                        }
                        Err(e) => tracing::warn!("accept failed: {e}"),
                    }
                }
            }
            let _ = std::fs::remove_file(&path);
        }));
    }
    eprintln!("LOG:  database system is ready to accept connections");
    let _ = shutdown.changed().await;
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}
