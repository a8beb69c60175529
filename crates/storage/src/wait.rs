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
