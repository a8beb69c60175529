//! Data directory layout: the `FORMAT` file and the `storage.lock` lock file.

use crate::error::{Result, StorageError};
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

/// First line of the `FORMAT` file.
pub const FORMAT_MAGIC: &str = "RAMPART-STORAGE";
/// Storage format version written by this build.
pub const FORMAT_VERSION: u32 = 1;

const LOCK_FILE: &str = "storage.lock";
const FORMAT_FILE: &str = "FORMAT";

/// Prepares `dir` for use: creates it if needed, refuses foreign or newer
/// directories, takes the exclusive lock (held while the returned file is
/// open) and writes `FORMAT` on first use.
pub fn prepare(dir: &Path) -> Result<File> {
    fs::create_dir_all(dir).map_err(|e| StorageError::io(dir, e))?;
    let format = dir.join(FORMAT_FILE);
    let has_format = format.exists();
    if has_format {
        check_format(&format)?;
    } else {
        let rd = fs::read_dir(dir).map_err(|e| StorageError::io(dir, e))?;
        for entry in rd {
            let entry = entry.map_err(|e| StorageError::io(dir, e))?;
            let name = entry.file_name();
            if name != LOCK_FILE && name != ".FORMAT.tmp" {
                return Err(StorageError::NotRampart {
                    path: dir.to_path_buf(),
                });
            }
        }
    }
    let lock_path = dir.join(LOCK_FILE);
    let mut lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StorageError::io(&lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Err(StorageError::Locked { path: lock_path }),
        Err(fs::TryLockError::Error(e)) => return Err(StorageError::io(&lock_path, e)),
    }
    lock.set_len(0)
        .and_then(|_| writeln!(lock, "{}", std::process::id()))
        .map_err(|e| StorageError::io(&lock_path, e))?;
    if !has_format {
        let tmp = dir.join(".FORMAT.tmp");
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            writeln!(f, "{FORMAT_MAGIC}\n{FORMAT_VERSION}")?;
            f.sync_all()?;
            fs::rename(&tmp, &format)
        };
        write().map_err(|e| StorageError::io(&format, e))?;
        crate::wal::segment::sync_dir(dir)?;
    }
    Ok(lock)
}

fn check_format(path: &Path) -> Result<()> {
    let text = fs::read_to_string(path).map_err(|e| StorageError::io(path, e))?;
    let mut lines = text.lines();
    if lines.next() != Some(FORMAT_MAGIC) {
        return Err(StorageError::NotRampart {
            path: path.to_path_buf(),
        });
    }
    let version: u32 = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| StorageError::Corrupt {
            path: path.to_path_buf(),
            offset: 0,
            reason: "unreadable format version".into(),
        })?;
    if version > FORMAT_VERSION || version == 0 {
        return Err(StorageError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
        });
    }
    Ok(())
}
