//! Running statements on the async worker threads, and giving a worker up.
//!
//! Most statements run inline on the tokio worker that reads their message
//! (`Conn::with_session_inline`): handing every statement to another thread
//! would cost more than the statement. Two things hand the worker's other
//! connections to another thread (tokio's `block_in_place`): a blocking wait
//! (a lock, another thread's fsync: [`hand_off_worker`], the storage layer's
//! wait hook) and a statement that has run on the worker for longer than
//! [`LONG_RUNNING`] ([`offload_if_long`], called per row through
//! `rampart_storage::wait::long_running_point`), so that one big query does
//! not stall the connections sharing its worker.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Inline work longer than this gives the worker up.
pub const LONG_RUNNING: Duration = Duration::from_millis(20);

/// Long-running points between two looks at the clock (a point is a row,
/// or a row of a join's outer side; the clock costs ~25 ns).
const CHECK_EVERY: u32 = 8;

thread_local! {
    /// When the statement running inline on this worker thread started, and
    /// the long-running points it has passed; None when nothing runs inline.
    static INLINE: Cell<Option<(Instant, u32)>> = const { Cell::new(None) };
}

fn multi_thread() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// Runs `f` (session work) inline on this worker, watched by [`offload_if_long`].
pub fn run_inline<T>(f: impl FnOnce() -> T) -> T {
    let outer = INLINE.with(|c| c.replace(Some((Instant::now(), 0))));
    let r = f();
    INLINE.with(|c| c.set(outer));
    r
}

/// A lock or fsync wait on an async worker thread hands the worker's other
/// tasks to another thread first. Elsewhere — a blocking thread, a
/// current-thread runtime — the wait just blocks.
pub fn hand_off_worker(wait: &mut dyn FnMut()) {
    if multi_thread() {
        // This thread may not get its worker back: stop watching it.
        INLINE.with(|c| c.set(None));
        tokio::task::block_in_place(wait)
    } else {
        wait()
    }
}

/// The long-running hook: once inline work has run for [`LONG_RUNNING`],
/// hands the worker to another thread and lets this one finish the
/// statement. `block_in_place` gives the worker's core to a new thread and
/// takes it back on return if that thread has not picked it up yet, so the
/// hand-off waits a moment inside it for the other thread to do so.
pub fn offload_if_long() {
    let Some((started, seen)) = INLINE.with(Cell::get) else {
        return;
    };
    let seen = seen + 1;
    if seen % CHECK_EVERY != 0 || started.elapsed() < LONG_RUNNING {
        INLINE.with(|c| c.set(Some((started, seen))));
        return;
    }
    INLINE.with(|c| c.set(None));
    if multi_thread() {
        tokio::task::block_in_place(|| std::thread::sleep(Duration::from_micros(500)));
    }
}
