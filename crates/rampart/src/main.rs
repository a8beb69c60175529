//! The `rampart` binary: `init` and `serve` (more tools arrive with the backup issue).

mod conf;
mod init;
mod serve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's malloc: a statement allocates and frees many
/// small rows and values across worker threads, where glibc's arenas cost
/// about 7% of server CPU in a select-only profile (see README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A PostgreSQL-compatible database server built around PostgreSQL's security and recovery model.
#[derive(Parser)]
#[command(name = "rampart", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new data directory (like initdb).
    Init(init::InitArgs),
    /// Run the server (like postgres); initializes ./rampart-data on first start.
    Serve(serve::ServeArgs),
}

fn main() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => init::run(&args).map(|_| ()),
        Command::Serve(args) => serve::run(args),
    };
    if let Err(e) = result {
        eprintln!("rampart: error: {e}");
        std::process::exit(1);
    }
}

/// The default data directory.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from("rampart-data")
}
