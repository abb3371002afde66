//! `EnvError`: failures that come from the outside world (files, MuJoCo loading), with a message that
//! names the file and says what to do.
use std::fmt;
use std::path::{Path, PathBuf};

/// An error a user can act on: which file, and what went wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvError {
    /// A file or folder the environment needs is missing or unreadable.
    Io { path: PathBuf, message: String },
    /// MuJoCo could not compile an MJCF model.
    Load { path: PathBuf, message: String },
    /// A file was read but its content is not what the environment expects.
    Invalid { path: PathBuf, message: String },
    /// Offscreen rendering failed (no EGL/OpenGL context, or a failed draw).
    Render { path: PathBuf, message: String },
    /// A configuration value is not usable (for example an unknown task name).
    Config(String),
    /// A saved env state cannot be restored (wrong env, wrong size, corrupt bytes).
    State(String),
}

impl EnvError {
    pub(crate) fn io(path: &Path, err: impl fmt::Display) -> Self {
        EnvError::Io { path: path.to_path_buf(), message: err.to_string() }
    }

    pub(crate) fn invalid(path: &Path, message: impl Into<String>) -> Self {
        EnvError::Invalid { path: path.to_path_buf(), message: message.into() }
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HINT: &str = "(the kitchen scene and MuJoCo come from `bash scripts/setup.sh`)";
        match self {
            EnvError::Io { path, message } => write!(f, "cannot read {}: {message} {HINT}", path.display()),
            EnvError::Load { path, message } => write!(f, "MuJoCo cannot load {}: {message}", path.display()),
            EnvError::Invalid { path, message } => write!(f, "{}: {message}", path.display()),
            EnvError::Render { path, message } => write!(f, "rendering {}: {message}", path.display()),
            EnvError::Config(message) => write!(f, "invalid environment configuration: {message}"),
            EnvError::State(message) => write!(f, "cannot restore the env state: {message}"),
        }
    }
}

impl std::error::Error for EnvError {}
