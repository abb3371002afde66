//! Atomic file writes: a temporary sibling file, fsync, then rename over the target, so a reader (or a
//! crash) sees either the old file or the complete new one, never a half-written checkpoint.

use super::error::CheckpointError;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// A temporary name beside `path`, unique within this machine at this moment (pid + counter), so
/// that concurrent writers of the same target never share a temp file.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

/// Writes `bytes` to `path` atomically, creating the parent folder if needed. On any error the
/// temporary file is removed and an existing `path` is left untouched.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    if path.file_name().is_none() {
        return Err(CheckpointError::Invalid { path: path.to_path_buf(), detail: "the path names no file".into() });
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent {
        fs::create_dir_all(dir).map_err(|e| CheckpointError::io(dir, "create the folder", e))?;
    }
    let temp = temp_path(path);
    let written = write_synced(&temp, bytes).and_then(|()| {
        fs::rename(&temp, path).map_err(|e| CheckpointError::io(path, "rename the temporary file onto", e))
    });
    if written.is_err() {
        // Best effort: the temp file may not exist if creating it was what failed.
        let _ = fs::remove_file(&temp);
        return written;
    }
    sync_dir(parent.unwrap_or(Path::new(".")));
    Ok(())
}

/// Creates `temp`, writes everything and forces it to disk before the rename publishes it.
fn write_synced(temp: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    let mut file = File::create(temp).map_err(|e| CheckpointError::io(temp, "create", e))?;
    file.write_all(bytes).map_err(|e| CheckpointError::io(temp, "write", e))?;
    file.sync_all().map_err(|e| CheckpointError::io(temp, "fsync", e))
}

/// Makes the rename itself durable (the directory entry). Not every platform can open a folder,
/// and the data is already safe, so failures are ignored.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nn-atomic-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = scratch("replace");
        let path = dir.join("sub/ckpt.bin");
        write_atomic(&path, b"first version, longer").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let entries: Vec<_> = fs::read_dir(dir.join("sub")).unwrap().collect();
        assert_eq!(entries.len(), 1, "temporary files left behind");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failed_write_keeps_old_file() {
        let dir = scratch("fail");
        let path = dir.join("ckpt.bin");
        write_atomic(&path, b"old").unwrap();
        // Renaming onto a non-empty folder fails: the old content must survive and no temp remain.
        let blocked = dir.join("blocked");
        fs::create_dir_all(blocked.join("inner")).unwrap();
        let err = write_atomic(&blocked, b"new").unwrap_err();
        assert!(err.to_string().contains("blocked"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }
}
