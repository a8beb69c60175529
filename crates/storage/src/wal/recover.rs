//! Reading the WAL back at startup.

use super::record::{HEADER, MAX_PAYLOAD};
use super::segment::{self, Segment};
use crate::error::{Result, StorageError};
use std::fs;
use std::io::{BufReader, Read, Seek, SeekFrom};
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
        let mut reader = SegmentReader::open(seg, expected - seg.start)?;
        let torn = loop {
            match reader.next_record()? {
                Frame::Record { end, payload } => apply(seg.start + end, payload)?,
                Frame::End => break None,
                Frame::Bad(reason) => break Some(reason),
            }
        };
        let pos = reader.pos;
        expected = seg.start + pos;
        if let Some(reason) = torn {
            if holds_data(&relevant[i + 1..])? {
                return Err(StorageError::Corrupt {
                    path: seg.path.clone(),
                    offset: pos,
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
            f.set_len(pos)
                .and_then(|_| f.sync_all())
                .map_err(|e| StorageError::io(&seg.path, e))?;
            remove_all(&relevant[i + 1..])?;
            return Ok(Recovered {
                end: expected,
                tail: Some(Segment {
                    start: seg.start,
                    len: pos,
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
        let mut reader = SegmentReader::open(seg, 0)?;
        if !reader.only_zeros_left()? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What [`SegmentReader::next_record`] found.
enum Frame<'a> {
    /// A valid record: its payload, and the offset just past it.
    Record { end: u64, payload: &'a [u8] },
    /// The end of the records: the file's end, or zeros up to it.
    End,
    /// A torn or corrupt frame, or data after the end of the records.
    Bad(&'static str),
}

/// Reads one segment's records in order, a frame at a time: recovery holds
/// one record in memory, not the segment (16 MiB, which the allocator then
/// kept for the life of the server).
struct SegmentReader {
    file: BufReader<fs::File>,
    path: std::path::PathBuf,
    /// Offset in the segment just past the last record returned.
    pos: u64,
    payload: Vec<u8>,
}

impl SegmentReader {
    fn open(seg: &Segment, offset: u64) -> Result<SegmentReader> {
        let io = |e| StorageError::io(&seg.path, e);
        let mut file = fs::File::open(&seg.path).map_err(io)?;
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        Ok(SegmentReader {
            file: BufReader::with_capacity(64 * 1024, file),
            path: seg.path.clone(),
            pos: offset,
            payload: Vec::new(),
        })
    }

    /// Reads until `buf` is full or the file ends; returns the bytes read.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize> {
        read_full(&mut self.file, &self.path, buf)
    }

    /// True when nothing but zeros is left to read.
    fn only_zeros_left(&mut self) -> Result<bool> {
        let mut chunk = [0u8; 8192];
        loop {
            let n = self.fill(&mut chunk)?;
            if chunk[..n].iter().any(|&b| b != 0) {
                return Ok(false);
            }
            if n < chunk.len() {
                return Ok(true);
            }
        }
    }

    /// The next frame after [`SegmentReader::pos`], which moves past it when
    /// it is a valid record.
    fn next_record(&mut self) -> Result<Frame<'_>> {
        let mut header = [0u8; HEADER];
        let got = self.fill(&mut header)?;
        if header[..got].iter().all(|&b| b == 0) {
            // The end of the records (or of the file): zeros only after it.
            return Ok(if self.only_zeros_left()? {
                Frame::End
            } else {
                Frame::Bad("data after the end of the records")
            });
        }
        if got < HEADER {
            return Ok(Frame::Bad("truncated record header"));
        }
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if len == 0 || len > MAX_PAYLOAD {
            return Ok(Frame::Bad("impossible record length"));
        }
        // Grown in steps as bytes arrive, so a corrupt length near
        // MAX_PAYLOAD does not allocate a gigabyte for a short file.
        self.payload.clear();
        let mut filled = 0;
        while filled < len {
            let step = (len - filled).min(1 << 20);
            self.payload.resize(filled + step, 0);
            let n = read_full(
                &mut self.file,
                &self.path,
                &mut self.payload[filled..filled + step],
            )?;
            filled += n;
            if n < step {
                return Ok(Frame::Bad("truncated record"));
            }
        }
        if crc32c::crc32c(&self.payload) != crc {
            return Ok(Frame::Bad("record checksum mismatch"));
        }
        self.pos += (HEADER + len) as u64;
        Ok(Frame::Record {
            end: self.pos,
            payload: &self.payload,
        })
    }
}

/// Deletes `segs` (segments past the end of the log).
fn remove_all(segs: &[Segment]) -> Result<()> {
    for seg in segs {
        fs::remove_file(&seg.path).map_err(|e| StorageError::io(&seg.path, e))?;
    }
    Ok(())
}

/// Reads from `file` until `buf` is full or the file ends; returns the
/// bytes read.
fn read_full(file: &mut impl Read, path: &Path, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(StorageError::io(path, e)),
        }
    }
    Ok(n)
}
