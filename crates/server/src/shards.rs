//! Connections spread over single-worker runtimes.
//!
//! One tokio runtime with N workers lets any worker run any connection:
//! when one is busy, a parked one is woken to steal its queued work. With a
//! connection per pgbench client and a few microseconds per statement, those
//! wake-ups cost as much as the statements (measured on 2 vCPUs with pgbench
//! on the same cores: 31 µs of server CPU per prepared point select with two
//! workers in one runtime, 16 µs with one worker, ~26 µs with two
//! single-worker runtimes — the rest of that is pgbench's threads
//! preempting the workers; +11% throughput over the shared runtime).
//! So each connection lives on one of N runtimes that have a single worker
//! each — the worker waits in its own epoll for its own connections, as a
//! PostgreSQL backend does — and a new connection goes to the runtime with
//! the fewest. The workers still hand their core to another thread when a
//! statement waits or runs long (`crate::worker`): tokio's `block_in_place`
//! works on a one-worker multi-thread runtime.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::runtime::Handle;

/// The runtimes connections are spread over.
#[derive(Clone)]
pub struct Shards {
    shards: Arc<[Shard]>,
}

struct Shard {
    handle: Handle,
    live: Arc<AtomicUsize>,
}

/// Lowers its shard's connection count when the connection's task ends,
/// however it ends (a runtime shutting down drops its tasks).
struct LiveGuard(Arc<AtomicUsize>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Shards {
    /// Connections spread over these runtimes (at least one).
    pub fn new(handles: Vec<Handle>) -> Shards {
        assert!(!handles.is_empty(), "at least one runtime");
        Shards {
            shards: handles
                .into_iter()
                .map(|handle| Shard {
                    handle,
                    live: Arc::new(AtomicUsize::new(0)),
                })
                .collect(),
        }
    }

    /// Runs a connection on the runtime with the fewest. `start` is called on
    /// that runtime, so the sockets it registers belong to its reactor.
    pub fn spawn<F, Fut>(&self, start: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let shard = self
            .shards
            .iter()
            .min_by_key(|s| s.live.load(Ordering::Relaxed))
            .expect("at least one runtime");
        shard.live.fetch_add(1, Ordering::Relaxed);
        let guard = LiveGuard(shard.live.clone());
        shard.handle.spawn(async move {
            let _guard = guard;
            start().await
        });
    }
}
