//! WAL segment files: `wal/<start LSN as 16 hex digits>`, plus `<name>.done`
//! markers for segments the archiver has handled.

use crate::error::{Result, StorageError};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

/// One segment file on disk.
#[derive(Debug, Clone)]
pub struct Segment {
    /// LSN of the segment's first byte.
    pub start: u64,
    /// Current length in bytes.
    pub len: u64,
    /// Full path.
    pub path: PathBuf,
}

impl Segment {
    /// LSN just past the segment's last byte.
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// File name of the segment starting at `start`.
pub fn segment_name(start: u64) -> String {
    format!("{start:016X}")
}

/// Path of the archive-done marker of a segment.
pub fn done_marker(seg: &Path) -> PathBuf {
    let mut s = seg.as_os_str().to_owned();
    s.push(".done");
    PathBuf::from(s)
}

/// Lists the segments of `wal_dir`, sorted by start LSN.
pub fn list(wal_dir: &Path) -> Result<Vec<Segment>> {
    let mut out = Vec::new();
    let rd = fs::read_dir(wal_dir).map_err(|e| StorageError::io(wal_dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| StorageError::io(wal_dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.len() != 16 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let Ok(start) = u64::from_str_radix(name, 16) else {
            continue;
        };
        let path = entry.path();
        let len = entry
            .metadata()
            .map_err(|e| StorageError::io(&path, e))?
            .len();
        out.push(Segment { start, len, path });
    }
    out.sort_by_key(|s| s.start);
    Ok(out)
}

/// Fsyncs a directory so that created, renamed or removed entries are durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| StorageError::io(dir, e))
}

/// Creates an empty segment starting at `start` and makes its entry durable.
pub fn create(wal_dir: &Path, start: u64) -> Result<(File, PathBuf)> {
    let path = wal_dir.join(segment_name(start));
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(|e| StorageError::io(&path, e))?;
    file.sync_all().map_err(|e| StorageError::io(&path, e))?;
    sync_dir(wal_dir)?;
    Ok((file, path))
}
