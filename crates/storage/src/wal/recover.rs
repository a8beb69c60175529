//! Reading the WAL back at startup.

use super::record::{HEADER, MAX_PAYLOAD};
use super::segment::{self, Segment};
use crate::error::{Result, StorageError};
use std::fs;
use std::path::Path;

/// Where the valid log ends after recovery.
#[derive(Debug)]
pub struct Recovered {
    /// LSN just past the last valid record (or the start LSN if none).
    pub end: u64,
    /// The last segment, if it ends exactly at `end` (appending continues there).
    pub tail: Option<Segment>,
}

/// Replays every valid record at or after `from`, calling `apply(end_lsn, payload)`
/// for each in log order. A torn or corrupt record in the last non-empty segment
/// ends the log: the segment is truncated there (with a warning). Bad data
/// followed by data in later segments, or a hole in the log, is
/// [`StorageError::Corrupt`].
pub fn replay(
    wal_dir: &Path,
    from: u64,
    mut apply: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<Recovered> {
    let segs = segment::list(wal_dir)?;
    let relevant: Vec<Segment> = segs
        .iter()
        .filter(|s| s.end() > from || s.start >= from)
        .cloned()
        .collect();
    let mut expected = from;
    for (i, seg) in relevant.iter().enumerate() {
        let later_has_data = relevant[i + 1..].iter().any(|s| s.len > 0);
        if seg.start > expected {
            if seg.len > 0 || later_has_data {
                return Err(StorageError::Corrupt {
                    path: seg.path.clone(),
                    offset: expected,
                    reason: format!("WAL is missing bytes {expected:#x}..{:#x}", seg.start),
                });
            }
            break;
        }
        let data = fs::read(&seg.path).map_err(|e| StorageError::io(&seg.path, e))?;
        let mut pos = (expected - seg.start) as usize;
        let torn = loop {
            let rest = data.get(pos..).unwrap_or(&[]);
            if rest.is_empty() {
                break None;
            }
            match check_frame(rest) {
                Ok(len) => {
                    let payload = &rest[HEADER..HEADER + len];
                    pos += HEADER + len;
                    apply(seg.start + pos as u64, payload)?;
                }
                Err(reason) => break Some(reason),
            }
        };
        expected = seg.start + pos as u64;
        if let Some(reason) = torn {
            if later_has_data {
                return Err(StorageError::Corrupt {
                    path: seg.path.clone(),
                    offset: pos as u64,
                    reason: format!("{reason}, and later WAL segments hold data"),
                });
            }
            tracing::warn!(
                file = %seg.path.display(),
                offset = pos,
                reason,
                "WAL ends with a torn or corrupt record; truncating it"
            );
            let f = fs::OpenOptions::new()
                .write(true)
                .open(&seg.path)
                .map_err(|e| StorageError::io(&seg.path, e))?;
            f.set_len(pos as u64)
                .and_then(|_| f.sync_all())
                .map_err(|e| StorageError::io(&seg.path, e))?;
            for later in &relevant[i + 1..] {
                fs::remove_file(&later.path).map_err(|e| StorageError::io(&later.path, e))?;
            }
            return Ok(Recovered {
                end: expected,
                tail: Some(Segment {
                    start: seg.start,
                    len: pos as u64,
                    path: seg.path.clone(),
                }),
            });
        }
    }
    let tail = segs.last().filter(|s| s.end() == expected).cloned();
    Ok(Recovered {
        end: expected,
        tail,
    })
}

/// Validates the frame at the start of `rest`; returns the payload length.
fn check_frame(rest: &[u8]) -> std::result::Result<usize, &'static str> {
    if rest.len() < HEADER {
        return Err("truncated record header");
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    if len == 0 || len > MAX_PAYLOAD {
        return Err("impossible record length");
    }
    if rest.len() - HEADER < len {
        return Err("truncated record");
    }
    if crc32c::crc32c(&rest[HEADER..HEADER + len]) != crc {
        return Err("record checksum mismatch");
    }
    Ok(len)
}
