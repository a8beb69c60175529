//! How a thread announces that it is about to block.
//!
//! The server runs most statements directly on its async worker threads. A
//! statement that does have to wait — for a row or table lock held by another
//! transaction, for another thread's WAL fsync, for an automatic checkpoint
//! its commit set off — must hand the worker off
//! first (tokio's `block_in_place`), or the other connections on that worker
//! stall, the lock holder's COMMIT among them. Every blocking wait in the
//! storage layer (and the table locks above it) runs through the hook the
//! server installs here; without one the wait just blocks.

/// A function that runs a blocking wait (see [`set_wait_hook`]).
pub type WaitHook = fn(&mut dyn FnMut());

static WAIT_HOOK: std::sync::OnceLock<WaitHook> = std::sync::OnceLock::new();

/// Installs the function every blocking wait runs through. Only the first
/// call takes effect.
pub fn set_wait_hook(hook: WaitHook) {
    let _ = WAIT_HOOK.set(hook);
}

/// Runs `wait` (which blocks) through the installed [`WaitHook`].
pub fn blocking_wait(wait: &mut dyn FnMut()) {
    match WAIT_HOOK.get() {
        Some(hook) => hook(wait),
        None => wait(),
    }
}

/// A function called at points of long-running work (see
/// [`set_long_running_hook`]).
pub type LongRunningHook = fn();

static LONG_RUNNING_HOOK: std::sync::OnceLock<LongRunningHook> = std::sync::OnceLock::new();

/// Installs the function [`long_running_point`] calls: the server's hands
/// the async worker off once a statement running on it has taken long, so
/// that one big query does not hold up the other connections. Only the
/// first call takes effect.
pub fn set_long_running_hook(hook: LongRunningHook) {
    let _ = LONG_RUNNING_HOOK.set(hook);
}

/// Called often (per row) by loops that may run long; cheap unless the
/// installed hook decides the work has taken long.
#[inline]
pub fn long_running_point() {
    if let Some(hook) = LONG_RUNNING_HOOK.get() {
        hook();
    }
}
