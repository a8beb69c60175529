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
/// for each in log order. A segment's records end at the end of its file or
/// at an all-zero frame header followed only by zeros (the space the writer
/// zero-filled ahead). A torn or corrupt record in the last segment holding
/// data ends the log: the segment is truncated there (with a warning), so
/// that nothing written before the crash can later pass for a record. Bad
/// data followed by data in later segments, or a hole in the log, is
/// [`StorageError::Corrupt`].
pub fn replay(
    wal_dir: &Path,
    from: u64,
    mut apply: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<Recovered> {
    let segs = segment::list(wal_dir)?;
    // A closed segment's records end where the next segment starts.
    let relevant: Vec<Segment> = segs
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            let end = segs.get(i + 1).map_or(s.end(), |next| next.start);
            end > from || s.start >= from
        })
        .map(|(_, s)| s.clone())
        .collect();
    let mut expected = from;
    for (i, seg) in relevant.iter().enumerate() {
        if seg.start > expected {
            if holds_data(&relevant[i..])? {
                return Err(StorageError::Corrupt {
                    path: seg.path.clone(),
                    offset: expected,
                    reason: format!("WAL is missing bytes {expected:#x}..{:#x}", seg.start),
                });
            }
            // Segments created but never written to: the log ends before them.
            remove_all(&relevant[i..])?;
            return Ok(Recovered {
                end: expected,
                tail: None,
            });
        }
        let data = fs::read(&seg.path).map_err(|e| StorageError::io(&seg.path, e))?;
        let mut pos = (expected - seg.start) as usize;
        let torn = loop {
            let rest = data.get(pos..).unwrap_or(&[]);
            if rest.iter().take(HEADER).all(|&b| b == 0) {
                // The end of the records (or of the file): zeros only after it.
                break if rest.iter().all(|&b| b == 0) {
                    None
                } else {
                    Some("data after the end of the records")
                };
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
            if holds_data(&relevant[i + 1..])? {
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
            remove_all(&relevant[i + 1..])?;
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
    // Appending continues in the last segment when the records end inside it.
    let tail = segs
        .last()
        .filter(|s| s.start <= expected && expected <= s.end())
        .cloned();
    Ok(Recovered {
        end: expected,
        tail,
    })
}

/// True when any of `segs` holds a non-zero byte.
fn holds_data(segs: &[Segment]) -> Result<bool> {
    for seg in segs.iter().filter(|s| s.len > 0) {
        let data = fs::read(&seg.path).map_err(|e| StorageError::io(&seg.path, e))?;
        if data.iter().any(|&b| b != 0) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Deletes `segs` (segments past the end of the log).
fn remove_all(segs: &[Segment]) -> Result<()> {
    for seg in segs {
        fs::remove_file(&seg.path).map_err(|e| StorageError::io(&seg.path, e))?;
    }
    Ok(())
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
