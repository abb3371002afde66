//! Training metrics as JSON lines: one JSON object per line in `metrics.jsonl`, flushed as written.
//!
//! Non-finite floats cannot be JSON numbers; `serde_json` writes them as `null`.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

/// File name used by [`MetricsWriter::in_dir`].
pub const METRICS_FILE: &str = "metrics.jsonl";

/// A metrics file failure; `Display` is one line naming the file.
#[derive(Debug)]
pub struct MetricsError {
    pub path: PathBuf,
    pub message: String,
}

impl MetricsError {
    fn new(path: &Path, message: impl fmt::Display) -> Self {
        Self { path: path.to_path_buf(), message: message.to_string() }
    }
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "metrics file {}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for MetricsError {}

/// Appends one JSON object per line to a `.jsonl` file; every line is flushed before `write` returns,
/// so a crashed or interrupted run keeps everything logged so far.
#[derive(Debug)]
pub struct MetricsWriter {
    path: PathBuf,
    file: File,
}

impl MetricsWriter {
    /// Starts a fresh file at `path` (truncating an old one), creating parent folders.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, MetricsError> {
        Self::open_with(path.as_ref(), false)
    }

    /// Appends to `path` (creating it and its parent folders if missing), e.g. to resume a run.
    pub fn append(path: impl AsRef<Path>) -> Result<Self, MetricsError> {
        Self::open_with(path.as_ref(), true)
    }

    /// Starts a fresh `dir/metrics.jsonl`, creating `dir`.
    pub fn in_dir(dir: impl AsRef<Path>) -> Result<Self, MetricsError> {
        Self::create(dir.as_ref().join(METRICS_FILE))
    }

    fn open_with(path: &Path, append: bool) -> Result<Self, MetricsError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| MetricsError::new(path, format!("cannot create folder {}: {e}", parent.display())))?;
        }
        let mut options = OpenOptions::new();
        if append {
            options.append(true).create(true);
        } else {
            options.write(true).create(true).truncate(true);
        }
        let file = options.open(path).map_err(|e| MetricsError::new(path, format!("cannot open: {e}")))?;
        Ok(Self { path: path.to_path_buf(), file })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `record` as one line and flushes it. `record` must serialize to a JSON object
    /// (a struct, a map or `serde_json::json!({...})`).
    pub fn write<T: Serialize + ?Sized>(&mut self, record: &T) -> Result<(), MetricsError> {
        let value = serde_json::to_value(record).map_err(|e| MetricsError::new(&self.path, e))?;
        if !value.is_object() {
            let kind = json_kind(&value);
            return Err(MetricsError::new(&self.path, format!("record must be a JSON object, got {kind}")));
        }
        let mut line = value.to_string();
        line.push('\n');
        // One write call per line keeps lines whole even if another process reads concurrently.
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| MetricsError::new(&self.path, format!("cannot write: {e}")))?;
        self.file.flush().map_err(|e| MetricsError::new(&self.path, format!("cannot flush: {e}")))
    }
}

/// Reads every line of a metrics file back as JSON objects (blank lines are skipped).
pub fn read_metrics(path: impl AsRef<Path>) -> Result<Vec<Value>, MetricsError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| MetricsError::new(path, format!("cannot open: {e}")))?;
    let mut records = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| MetricsError::new(path, format!("cannot read line {}: {e}", i + 1)))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(&line)
            .map_err(|e| MetricsError::new(path, format!("line {} is not valid JSON: {e}", i + 1)))?;
        if !value.is_object() {
            return Err(MetricsError::new(path, format!("line {} is not a JSON object", i + 1)));
        }
        records.push(value);
    }
    Ok(records)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scratch_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("extract-metrics-test-{}", std::process::id())).join(name)
    }

    #[derive(Serialize)]
    struct Step {
        step: u64,
        loss: f64,
    }

    #[test]
    fn writes_one_object_per_line_and_creates_folders() {
        let dir = scratch_dir("nested/run");
        let mut writer = MetricsWriter::in_dir(&dir).unwrap();
        assert_eq!(writer.path(), dir.join(METRICS_FILE));
        writer.write(&Step { step: 1, loss: 0.5 }).unwrap();
        writer.write(&json!({"step": 2, "loss": 0.25, "phase": "eval"})).unwrap();
        // Flushed per line: readable before the writer is dropped.
        let text = std::fs::read_to_string(writer.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        let records = read_metrics(writer.path()).unwrap();
        assert_eq!(records[0], json!({"step": 1, "loss": 0.5}));
        assert_eq!(records[1]["phase"], "eval");
    }

    #[test]
    fn create_truncates_and_append_continues() {
        let path = scratch_dir("append").join("m.jsonl");
        MetricsWriter::create(&path).unwrap().write(&json!({"a": 1})).unwrap();
        MetricsWriter::append(&path).unwrap().write(&json!({"a": 2})).unwrap();
        assert_eq!(read_metrics(&path).unwrap().len(), 2);
        MetricsWriter::create(&path).unwrap().write(&json!({"a": 3})).unwrap();
        assert_eq!(read_metrics(&path).unwrap(), vec![json!({"a": 3})]);
    }

    #[test]
    fn non_finite_numbers_become_null() {
        let path = scratch_dir("nan").join("m.jsonl");
        MetricsWriter::create(&path).unwrap().write(&Step { step: 0, loss: f64::NAN }).unwrap();
        assert_eq!(read_metrics(&path).unwrap()[0]["loss"], Value::Null);
    }

    #[test]
    fn non_object_records_are_rejected_with_the_path() {
        let path = scratch_dir("reject").join("m.jsonl");
        let mut writer = MetricsWriter::create(&path).unwrap();
        let err = writer.write(&[1, 2, 3]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("m.jsonl") && message.contains("an array"), "{message}");
        assert!(read_metrics(&path).unwrap().is_empty());
    }

    #[test]
    fn errors_are_one_line_naming_the_file() {
        let blocker = scratch_dir("blocker");
        std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
        std::fs::write(&blocker, b"not a folder").unwrap();
        let err = MetricsWriter::create(blocker.join("m.jsonl")).unwrap_err();
        assert!(err.to_string().contains("m.jsonl") && !err.to_string().contains('\n'), "{err}");
        let bad = scratch_dir("bad").join("m.jsonl");
        std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
        std::fs::write(&bad, "{\"a\": 1}\nnot json\n").unwrap();
        let err = read_metrics(&bad).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
