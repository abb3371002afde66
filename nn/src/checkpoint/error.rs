//! `CheckpointError`: everything that can go wrong reading or writing a checkpoint, each shown as one
//! line that names the file and what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

/// At most this many names are listed per category in a mismatch message; the rest are counted.
const MAX_LISTED: usize = 20;

/// A failed checkpoint read, write or load. `Display` gives one line a user can act on.
#[derive(Debug)]
pub enum CheckpointError {
    /// The file system refused (`action` is e.g. "read", "write", "rename").
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    /// The file is not a valid `format` file (truncated, corrupt, or using something we do not read).
    Corrupt { path: PathBuf, format: &'static str, detail: String },
    /// The tensors to save are not savable (duplicate names, …).
    Invalid { path: PathBuf, detail: String },
    /// The file's tensors do not fit the parameters they were loaded into; nothing was set.
    Mismatch { path: PathBuf, report: MismatchReport },
}

/// Every disagreement between a checkpoint and a model, collected before anything is set.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MismatchReport {
    /// Model names with no tensor in the file.
    pub missing: Vec<String>,
    /// File names the model has no slot for.
    pub unexpected: Vec<String>,
    /// `(name, file shape, model shape)`.
    pub shape: Vec<(String, Vec<usize>, Vec<usize>)>,
    /// Names that occur more than once (in the file, or among the model's parameters).
    pub duplicate: Vec<String>,
}

impl MismatchReport {
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.shape.is_empty() && self.duplicate.is_empty()
    }
}

impl CheckpointError {
    pub(crate) fn io(path: &Path, action: &'static str, source: std::io::Error) -> CheckpointError {
        CheckpointError::Io { path: path.to_path_buf(), action, source }
    }

    pub(crate) fn corrupt(path: &Path, format: &'static str, detail: impl Into<String>) -> CheckpointError {
        CheckpointError::Corrupt { path: path.to_path_buf(), format, detail: detail.into() }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            CheckpointError::Io { path, .. }
            | CheckpointError::Corrupt { path, .. }
            | CheckpointError::Invalid { path, .. }
            | CheckpointError::Mismatch { path, .. } => path,
        }
    }
}

/// `[a, b, c]`, or `[a, b, … and 7 more]` past `MAX_LISTED`.
fn list<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    let mut parts: Vec<String> = items.iter().take(MAX_LISTED).map(show).collect();
    if items.len() > MAX_LISTED {
        parts.push(format!("… and {} more", items.len() - MAX_LISTED));
    }
    format!("[{}]", parts.join(", "))
}

impl fmt::Display for MismatchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!("missing {}", list(&self.missing, |s| s.clone())));
        }
        if !self.unexpected.is_empty() {
            parts.push(format!("unexpected {}", list(&self.unexpected, |s| s.clone())));
        }
        if !self.shape.is_empty() {
            let show =
                |(n, file, model): &(String, Vec<usize>, Vec<usize>)| format!("{n}: file {file:?} vs model {model:?}");
            parts.push(format!("shape mismatch {}", list(&self.shape, show)));
        }
        if !self.duplicate.is_empty() {
            parts.push(format!("duplicate {}", list(&self.duplicate, |s| s.clone())));
        }
        write!(f, "{}", parts.join(", "))
    }
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Io { path, action, source } => {
                write!(f, "checkpoint {}: cannot {action}: {source}", path.display())
            }
            CheckpointError::Corrupt { path, format, detail } => {
                write!(f, "checkpoint {} is not a readable {format} file: {detail}", path.display())
            }
            CheckpointError::Invalid { path, detail } => {
                write!(f, "checkpoint {} cannot be written: {detail}", path.display())
            }
            CheckpointError::Mismatch { path, report } => {
                write!(f, "checkpoint {} does not fit the model: {report}", path.display())
            }
        }
    }
}

impl std::error::Error for CheckpointError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckpointError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
