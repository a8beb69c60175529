//! [`ScanIter`]: an owning, chunked, ordered MVCC scan.

use super::{keys, SnapshotGuard};
use crate::error::{Result, StorageError};
use std::collections::VecDeque;
use std::iter::Peekable;
use std::ops::Bound;

/// KV entries read per chunk.
const CHUNK: usize = 256;

/// A buffered write of the transaction: `None` deletes.
type Write = (Vec<u8>, Option<Vec<u8>>);

/// Ordered scan over a snapshot merged with the transaction's own writes (as
/// they were when the scan started). Owns its data: it keeps the snapshot
/// registered and reads the KV `CHUNK` entries at a time. Yields
/// `Ok((key, value))` in ascending key order; after an `Err` it ends.
pub struct ScanIter {
    snap: SnapshotGuard,
    cursor: Bound<Vec<u8>>,
    end: Bound<Vec<u8>>,
    exhausted: bool,
    failed: bool,
    buffer: VecDeque<(Vec<u8>, Vec<u8>)>,
    /// Encoded user key of the last version looked at.
    last_user_key: Option<Vec<u8>>,
    overlay: Peekable<std::vec::IntoIter<Write>>,
}

impl std::fmt::Debug for ScanIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanIter")
            .field("snapshot", &self.snap.version)
            .field("exhausted", &self.exhausted)
            .finish()
    }
}

impl ScanIter {
    pub(crate) fn new(
        snap: SnapshotGuard,
        start: &Bound<Vec<u8>>,
        end: &Bound<Vec<u8>>,
        overlay: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    ) -> ScanIter {
        let exhausted = !keys::bounds_ok(start, end);
        ScanIter {
            snap,
            cursor: keys::lower(start),
            end: keys::upper(end),
            exhausted,
            failed: false,
            buffer: VecDeque::new(),
            last_user_key: None,
            overlay: overlay.into_iter().peekable(),
        }
    }

    /// Loads the next chunk of KV entries, keeping the visible version of each key.
    fn fill(&mut self) -> Result<()> {
        let inner = &self.snap.inner;
        let chunk = inner
            .kv
            .scan(keys::as_ref(&self.cursor), keys::as_ref(&self.end), CHUNK)?;
        if chunk.len() < CHUNK {
            self.exhausted = true;
        }
        for (k, v) in chunk {
            // Versions of one key share its encoded prefix: compare that
            // and decode only the version kept.
            let (encoded, version) =
                keys::split_encoded(&k).ok_or_else(|| inner.corrupt("malformed version key"))?;
            if version > self.snap.version
                || self
                    .last_user_key
                    .as_deref()
                    .is_some_and(|last| keys::same_encoded(last, encoded))
            {
                self.cursor = Bound::Excluded(k);
                continue;
            }
            let last = self.last_user_key.get_or_insert_with(Vec::new);
            last.clear();
            last.extend_from_slice(encoded);
            let user =
                keys::decode_user(encoded).ok_or_else(|| inner.corrupt("malformed version key"))?;
            self.cursor = Bound::Excluded(k);
            match keys::decode_value(&v) {
                Some(Some(value)) => self.buffer.push_back((user, value)),
                Some(None) => {}
                None => return Err(inner.corrupt("malformed version value")),
            }
        }
        Ok(())
    }

    fn next_overlay(&mut self) -> Option<(Vec<u8>, Vec<u8>)> {
        match self.overlay.next() {
            Some((k, Some(v))) => Some((k, v)),
            _ => None,
        }
    }
}

impl Iterator for ScanIter {
    type Item = Result<(Vec<u8>, Vec<u8>), StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.failed {
                return None;
            }
            if self.buffer.is_empty() && !self.exhausted {
                if let Err(e) = self.fill() {
                    self.failed = true;
                    return Some(Err(e));
                }
                continue;
            }
            let ord = match (self.buffer.front(), self.overlay.peek()) {
                (None, None) => return None,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(b), Some(o)) => b.0.cmp(&o.0),
            };
            match ord {
                std::cmp::Ordering::Less => return self.buffer.pop_front().map(Ok),
                std::cmp::Ordering::Equal => {
                    self.buffer.pop_front();
                    if let Some(row) = self.next_overlay() {
                        return Some(Ok(row));
                    }
                }
                std::cmp::Ordering::Greater => {
                    if let Some(row) = self.next_overlay() {
                        return Some(Ok(row));
                    }
                }
            }
        }
    }
}

/// How many user keys in `[start, end)` have a visible, non-deleted
/// version in the snapshot, read in place (no transaction writes merged).
pub(crate) fn count_visible(
    snap: &SnapshotGuard,
    start: &Bound<Vec<u8>>,
    end: &Bound<Vec<u8>>,
) -> Result<usize> {
    if !keys::bounds_ok(start, end) {
        return Ok(0);
    }
    let (kv_start, kv_end) = (keys::lower(start), keys::upper(end));
    let mut count = 0;
    let mut last: Vec<u8> = Vec::new();
    let mut seen_any = false;
    let mut malformed = None;
    snap.inner.kv.visit(
        keys::as_ref(&kv_start),
        keys::as_ref(&kv_end),
        &mut |k, v| {
            let Some((encoded, version)) = keys::split_encoded(k) else {
                malformed = Some("malformed version key");
                return false;
            };
            if version > snap.version || (seen_any && keys::same_encoded(&last, encoded)) {
                return true;
            }
            seen_any = true;
            last.clear();
            last.extend_from_slice(encoded);
            match v {
                [1, ..] => count += 1,
                [0] => {}
                _ => {
                    malformed = Some("malformed version value");
                    return false;
                }
            }
            true
        },
    )?;
    match malformed {
        Some(what) => Err(snap.inner.corrupt(what)),
        None => Ok(count),
    }
}
