//! Write-ahead log: segment files, append, group commit, archiving.
//!
//! The LSN is the global byte offset in the log. Records never span segments;
//! a segment is closed (fsynced, then handed to the archiver) once it reaches
//! the configured size, and the next one is named by its start LSN.
//!
//! Group commit: committers append under the store's commit mutex, apply
//! their writes to the KV, then wait for the fsync. A committer alone in the
//! store leads the fsync on its own thread ([`Wal::try_lead_durable`], as a
//! PostgreSQL backend's XLogFlush): no thread hand-off. With other
//! transactions open (or another thread's fsync under way), a committer asks
//! the flusher thread to fsync right after appending ([`Wal::start_flush`]),
//! so the fsync overlaps its KV apply, and the server awaits it
//! ([`WalCore::poll_durable`], woken by the fsync that covers the record)
//! without blocking a thread; a blocking waiter hands its async worker off
//! first ([`WalCore::wait_durable_handing_off`], see `crate::wait`). Whoever
//! flushes first fsyncs everything appended so far. A failed write or fsync
//! poisons the log: every later commit gets [`StorageError::WalFailed`].
//!
//! Zero-filled space: records are written into space the log zero-filled
//! beforehand ([`ZERO_FILL_CHUNK`] at a time, as PostgreSQL zero-fills its
//! WAL segments), so a commit's `fdatasync` writes the record's blocks only;
//! appending instead also allocates blocks and grows the file, metadata the
//! fsync must write too (`pgbench -N`, 8 clients: mean fdatasync 0.39 ms
//! appending, 0.31 ms into zero-filled space).
//! Recovery reads an all-zero frame header as the end of a segment's
//! records (see [`recover`]).

pub mod record;
pub mod recover;
pub mod segment;

use crate::error::{Result, StorageError};
use parking_lot::{Condvar, Mutex};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// The archive callback: called with the path of each completed segment.
pub type ArchiveFn = Arc<dyn Fn(&Path) -> std::io::Result<()> + Send + Sync>;

/// Bytes zero-filled ahead of the records at a time.
pub const ZERO_FILL_CHUNK: u64 = 1 << 20;

struct Writer {
    file: Arc<File>,
    path: PathBuf,
    seg_start: u64,
    lsn: u64,
    /// Length of the segment file: records end at `lsn - seg_start`, zeros
    /// follow up to here.
    filled: u64,
}

struct SyncState {
    flushed: u64,
    flushing: bool,
    /// Async waiters ([`WalCore::poll_durable`]): woken once the log is
    /// durable up to their LSN, or poisoned.
    wakers: Vec<(u64, Waker)>,
}

impl SyncState {
    /// Removes the waiters whose LSN is durable now (all of them once the
    /// log is poisoned), to be woken after the lock is released.
    fn take_ready(&mut self, poisoned: bool) -> Vec<Waker> {
        let flushed = self.flushed;
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.wakers)
            .into_iter()
            .partition(|(lsn, _)| poisoned || *lsn <= flushed);
        self.wakers = waiting;
        ready.into_iter().map(|(_, w)| w).collect()
    }
}

/// The log proper, shared between the [`Wal`] handle and its flusher thread.
pub struct WalCore {
    dir: PathBuf,
    seg_size: u64,
    writer: Mutex<Writer>,
    insert_lsn: AtomicU64,
    sync: Mutex<SyncState>,
    synced: Condvar,
    poisoned: AtomicBool,
    archiver: Option<Mutex<mpsc::Sender<PathBuf>>>,
    archiving: bool,
}

impl Wal {
    /// Opens the log for appending at `recovered.end` (see [`WalCore::open`])
    /// and starts its flusher thread.
    pub fn open(
        dir: &Path,
        recovered: recover::Recovered,
        seg_size: u64,
        archive: Option<ArchiveFn>,
    ) -> Result<Wal> {
        let core = Arc::new(WalCore::open(dir, recovered, seg_size, archive)?);
        let kick = Arc::new(FlushKick::default());
        let (c, k) = (core.clone(), kick.clone());
        std::thread::Builder::new()
            .name("wal-flusher".into())
            .spawn(move || flusher(&c, &k))
            .map_err(|e| StorageError::io(dir, e))?;
        Ok(Wal { core, kick })
    }

    /// Starts an fsync of everything appended so far on the flusher thread,
    /// without waiting for it: a committer calls this right after appending,
    /// so that the fsync overlaps its KV apply; [`WalCore::wait_durable`]
    /// then waits for that fsync (or leads the next one).
    pub fn start_flush(&self) {
        let mut k = self.kick.state.lock();
        k.requested = true;
        self.kick.wake.notify_one();
    }

    /// Leads fsyncs on this thread until `lsn` is durable (or the log is
    /// poisoned). None when another thread's fsync is under way: the flusher
    /// thread is then asked for the fsync after it, for the caller to await
    /// ([`WalCore::poll_durable`]) instead of blocking.
    pub fn try_lead_durable(&self, lsn: u64) -> Option<Result<()>> {
        let led = self.core.lead_until_durable(lsn);
        if led.is_none() {
            self.start_flush();
        }
        led
    }
}

/// The open log: [`WalCore`] (reached through `Deref`) and the flusher
/// thread that fsyncs it when a committer asks ([`Wal::start_flush`]).
pub struct Wal {
    core: Arc<WalCore>,
    kick: Arc<FlushKick>,
}

impl std::ops::Deref for Wal {
    type Target = WalCore;
    fn deref(&self) -> &WalCore {
        &self.core
    }
}

/// Requests to the flusher thread.
#[derive(Default)]
struct FlushKick {
    state: Mutex<KickState>,
    wake: Condvar,
}

#[derive(Default)]
struct KickState {
    requested: bool,
    stop: bool,
}

/// The flusher thread: one group fsync per request (errors poison the log,
/// which every waiting and later committer then reports).
fn flusher(core: &WalCore, kick: &FlushKick) {
    loop {
        {
            let mut k = kick.state.lock();
            while !k.requested && !k.stop {
                kick.wake.wait(&mut k);
            }
            if k.stop {
                return;
            }
            k.requested = false;
        }
        let _ = core.flush();
    }
}

impl WalCore {
    /// Opens the log for appending at `recovered.end` (continuing the tail
    /// segment when there is one). Completed segments that were never
    /// archived are queued for `archive`.
    pub fn open(
        dir: &Path,
        recovered: recover::Recovered,
        seg_size: u64,
        archive: Option<ArchiveFn>,
    ) -> Result<WalCore> {
        let end = recovered.end;
        let (file, path, seg_start, filled) = match recovered.tail {
            Some(seg) => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&seg.path)
                    .map_err(|e| StorageError::io(&seg.path, e))?;
                (f, seg.path, seg.start, seg.len)
            }
            None => {
                let (f, p) = segment::create(dir, end)?;
                (f, p, end, 0)
            }
        };
        let archiving = archive.is_some();
        let archiver = archive.map(|cb| Mutex::new(spawn_archiver(cb)));
        let wal = WalCore {
            dir: dir.to_path_buf(),
            seg_size: seg_size.max(1),
            writer: Mutex::new(Writer {
                file: Arc::new(file),
                path: path.clone(),
                seg_start,
                lsn: end,
                filled,
            }),
            insert_lsn: AtomicU64::new(end),
            sync: Mutex::new(SyncState {
                flushed: end,
                flushing: false,
                wakers: Vec::new(),
            }),
            synced: Condvar::new(),
            poisoned: AtomicBool::new(false),
            archiver,
            archiving,
        };
        if wal.archiving {
            for seg in segment::list(dir)? {
                if seg.path != path && !segment::done_marker(&seg.path).exists() {
                    wal.queue_archive(seg.path);
                }
            }
        }
        Ok(wal)
    }

    /// LSN where the next record will start.
    pub fn insert_lsn(&self) -> u64 {
        self.insert_lsn.load(Ordering::Acquire)
    }

    /// True once a write or fsync has failed.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::Acquire)
    }

    /// Poisons the log because of a failure outside it (e.g. applying a
    /// logged commit to the KV failed, so log and KV disagree).
    pub fn poison_external(&self, what: &str, err: &dyn std::fmt::Display) {
        self.poison(what, err);
    }

    fn poison(&self, what: &str, err: &dyn std::fmt::Display) {
        tracing::error!(error = %err, "WAL {what} failed; refusing further commits");
        self.poisoned.store(true, Ordering::Release);
        self.synced.notify_all();
        let ready = self.sync.lock().take_ready(true);
        ready.into_iter().for_each(Waker::wake);
    }

    /// Appends one record; returns the LSN just past it. Not yet durable.
    pub fn append(&self, payload: &[u8]) -> Result<u64> {
        if self.is_poisoned() {
            return Err(StorageError::WalFailed);
        }
        let framed = record::frame(payload);
        let len = framed.len() as u64;
        let mut w = self.writer.lock();
        let used = w.lsn - w.seg_start;
        // A record larger than a whole segment gets a segment of its own.
        if used > 0 && used + len > self.seg_size {
            self.switch_segment(&mut w)?;
        }
        let offset = w.lsn - w.seg_start;
        if offset + len > w.filled {
            let to = (w.filled + ZERO_FILL_CHUNK)
                .min(self.seg_size)
                .max(offset + len);
            if let Err(e) = zero_fill(&w.file, w.filled, to) {
                self.poison("write", &e);
                return Err(StorageError::io(&w.path, e));
            }
            w.filled = to;
        }
        if let Err(e) = w.file.write_all_at(&framed, offset) {
            self.poison("write", &e);
            return Err(StorageError::io(&w.path, e));
        }
        w.lsn += len;
        self.insert_lsn.store(w.lsn, Ordering::Release);
        Ok(w.lsn)
    }

    fn switch_segment(&self, w: &mut Writer) -> Result<()> {
        if let Err(e) = w.file.sync_data() {
            self.poison("fsync", &e);
            return Err(StorageError::io(&w.path, e));
        }
        let (file, path) = match segment::create(&self.dir, w.lsn) {
            Ok(x) => x,
            Err(e) => {
                self.poison("segment creation", &e);
                return Err(e);
            }
        };
        let old = std::mem::replace(&mut w.path, path);
        w.file = Arc::new(file);
        w.seg_start = w.lsn;
        w.filled = 0;
        if self.archiving {
            self.queue_archive(old);
        }
        Ok(())
    }

    fn queue_archive(&self, path: PathBuf) {
        if let Some(tx) = &self.archiver {
            let _ = tx.lock().send(path);
        }
    }

    /// Blocks until everything up to `lsn` is fsynced (group commit): leads
    /// the fsync on this thread when no other is under way; waiting for
    /// another thread's fsync hands the async worker off first (see
    /// `crate::wait`).
    pub fn wait_durable(&self, lsn: u64) -> Result<()> {
        match self.lead_until_durable(lsn) {
            Some(result) => result,
            None => self.wait_durable_handing_off(lsn),
        }
    }

    /// [`WalCore::wait_durable`], but any wait — leading the fsync too — hands
    /// the async worker off first: for a commit while other transactions
    /// are open, whose statements would otherwise stall behind the fsync.
    pub fn wait_durable_handing_off(&self, lsn: u64) -> Result<()> {
        if self.sync.lock().flushed >= lsn && !self.is_poisoned() {
            return Ok(());
        }
        let mut result = Ok(());
        crate::wait::blocking_wait(&mut || result = self.wait_durable_here(lsn));
        result
    }

    fn wait_durable_here(&self, lsn: u64) -> Result<()> {
        loop {
            if let Some(result) = self.lead_until_durable(lsn) {
                return result;
            }
            let mut s = self.sync.lock();
            while s.flushing && !self.is_poisoned() {
                self.synced.wait(&mut s);
            }
        }
    }

    /// Leads fsyncs on this thread until `lsn` is durable (or the log is
    /// poisoned); None when another thread's fsync is under way.
    fn lead_until_durable(&self, lsn: u64) -> Option<Result<()>> {
        let mut s = self.sync.lock();
        loop {
            if self.is_poisoned() {
                return Some(Err(StorageError::WalFailed));
            }
            if s.flushed >= lsn {
                return Some(Ok(()));
            }
            if s.flushing {
                return None;
            }
            self.lead_flush(s);
            s = self.sync.lock();
        }
    }

    /// Fsyncs everything appended so far as the group's leader (`s` shows
    /// no fsync under way) and wakes the waiters.
    fn lead_flush(&self, mut s: parking_lot::MutexGuard<'_, SyncState>) {
        s.flushing = true;
        drop(s);
        let (file, target) = {
            let w = self.writer.lock();
            (w.file.clone(), w.lsn)
        };
        let res = file.sync_data();
        let mut s = self.sync.lock();
        s.flushing = false;
        let ready = match res {
            Ok(()) => {
                s.flushed = s.flushed.max(target);
                s.take_ready(false)
            }
            Err(e) => {
                drop(s);
                self.poison("fsync", &e);
                s = self.sync.lock();
                Vec::new()
            }
        };
        self.synced.notify_all();
        drop(s);
        ready.into_iter().for_each(Waker::wake);
    }

    /// Polls whether everything up to `lsn` is durable, registering the
    /// task to be woken by the fsync that makes it so. Never starts an
    /// fsync itself: the committer asked the flusher thread for one
    /// ([`Wal::start_flush`]) when it appended.
    pub fn poll_durable(&self, lsn: u64, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let mut s = self.sync.lock();
        if self.is_poisoned() {
            return Poll::Ready(Err(StorageError::WalFailed));
        }
        if s.flushed >= lsn {
            return Poll::Ready(Ok(()));
        }
        match s.wakers.iter_mut().find(|(l, _)| *l == lsn) {
            Some((_, w)) if w.will_wake(cx.waker()) => {}
            _ => s.wakers.push((lsn, cx.waker().clone())),
        }
        Poll::Pending
    }

    /// Fsyncs everything appended so far.
    pub fn flush(&self) -> Result<()> {
        self.wait_durable(self.insert_lsn())
    }

    /// Deletes segments whose records end at or below `lsn` (and are
    /// archived when archiving is on), never the current one.
    pub fn remove_below(&self, lsn: u64) -> Result<()> {
        let current = self.writer.lock().seg_start;
        let mut removed = false;
        let segs = segment::list(&self.dir)?;
        for (seg, next) in segs.iter().zip(segs.iter().skip(1)) {
            // A closed segment's records end where the next segment starts
            // (zeros may follow them in the file).
            if seg.start >= current || next.start > lsn {
                continue;
            }
            let done = segment::done_marker(&seg.path);
            if self.archiving && !done.exists() {
                continue;
            }
            std::fs::remove_file(&seg.path).map_err(|e| StorageError::io(&seg.path, e))?;
            let _ = std::fs::remove_file(&done);
            removed = true;
        }
        if removed {
            segment::sync_dir(&self.dir)?;
        }
        Ok(())
    }
}

impl Drop for Wal {
    fn drop(&mut self) {
        if !self.is_poisoned() {
            let _ = self.flush();
        }
        let mut k = self.kick.state.lock();
        k.stop = true;
        self.kick.wake.notify_one();
    }
}

/// Writes zeros to `file` from byte `from` up to `to`.
fn zero_fill(file: &File, from: u64, to: u64) -> std::io::Result<()> {
    static ZEROS: [u8; 64 << 10] = [0; 64 << 10];
    let mut at = from;
    while at < to {
        let n = (to - at).min(ZEROS.len() as u64);
        file.write_all_at(&ZEROS[..n as usize], at)?;
        at += n;
    }
    Ok(())
}

/// Runs the archive callback on a background thread, retrying failures
/// with backoff until it succeeds or the log is closed.
fn spawn_archiver(cb: ArchiveFn) -> mpsc::Sender<PathBuf> {
    let (tx, rx) = mpsc::channel::<PathBuf>();
    let spawned = std::thread::Builder::new()
        .name("wal-archiver".into())
        .spawn(move || {
            let mut queue = std::collections::VecDeque::new();
            let mut delay = Duration::from_millis(100);
            loop {
                let Some(path) = queue.front().cloned() else {
                    match rx.recv() {
                        Ok(p) => queue.push_back(p),
                        Err(_) => return,
                    }
                    continue;
                };
                match cb(&path) {
                    Ok(()) => {
                        let marker = segment::done_marker(&path);
                        if let Err(e) = File::create(&marker) {
                            tracing::warn!(file = %marker.display(), error = %e, "cannot write archive marker");
                        }
                        queue.pop_front();
                        delay = Duration::from_millis(100);
                    }
                    Err(e) => {
                        tracing::warn!(file = %path.display(), error = %e, "WAL archiving failed; retrying");
                        match rx.recv_timeout(delay) {
                            Ok(p) => queue.push_back(p),
                            Err(mpsc::RecvTimeoutError::Timeout) => {}
                            Err(mpsc::RecvTimeoutError::Disconnected) => return,
                        }
                        delay = (delay * 2).min(Duration::from_secs(10));
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the WAL archiver thread");
    }
    tx
}
