//! The run folder of an experiment: `<exp_dir>/<config path after configs/>/<prefix>/` with the
//! resolved config, the command line, the commit it ran from, `metrics.jsonl`, `weights/` and
//! `plots/`. Every file is written whole (temp file + rename), so nothing is left half-written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// An experiment's run folder.
#[derive(Clone, Debug)]
pub struct RunDir {
    pub root: PathBuf,
}

impl RunDir {
    /// Creates `root` with its `weights/` and `plots/` folders.
    pub fn create(root: PathBuf) -> Result<RunDir, String> {
        for sub in ["weights", "plots"] {
            std::fs::create_dir_all(root.join(sub)).map_err(|e| format!("{}: cannot create: {e}", root.display()))?;
        }
        Ok(RunDir { root })
    }

    pub fn metrics(&self) -> PathBuf {
        self.root.join("metrics.jsonl")
    }

    pub fn plots(&self) -> PathBuf {
        self.root.join("plots")
    }

    /// Writes the resolved config, the command line and the commit id (`git.txt`: commit and
    /// whether the working tree had local changes).
    pub fn record(&self, resolved_toml: &str) -> Result<(), String> {
        write_atomic(&self.root.join("config.toml"), resolved_toml.as_bytes())?;
        let cmd: Vec<String> = std::env::args().collect();
        write_atomic(&self.root.join("cmd.txt"), format!("{}\n", cmd.join(" ")).as_bytes())?;
        write_atomic(&self.root.join("git.txt"), git_description().as_bytes())
    }

    /// Drops the metrics records written after optimizer step `global_step` (a killed run may have
    /// logged steps its last checkpoint does not hold), keeping the file's other lines as they are.
    pub fn truncate_metrics(&self, global_step: u64) -> Result<(), String> {
        let path = self.metrics();
        let Ok(text) = std::fs::read_to_string(&path) else { return Ok(()) };
        let kept: String = text
            .lines()
            .filter(|l| {
                let step = serde_json::from_str::<serde_json::Value>(l).ok().and_then(|v| v["step"].as_u64());
                step.is_some_and(|s| s <= global_step)
            })
            .map(|l| format!("{l}\n"))
            .collect();
        write_atomic(&path, kept.as_bytes())
    }
}

/// `commit <id>` plus `dirty` when the working tree has uncommitted changes (or a note that git
/// is unavailable: runs outside a checkout are fine).
fn git_description() -> String {
    let run =
        |args: &[&str]| Command::new("git").args(args).output().ok().filter(|o| o.status.success()).map(|o| o.stdout);
    match run(&["rev-parse", "HEAD"]) {
        Some(id) => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
            format!("commit {}{}\n", String::from_utf8_lossy(&id).trim(), if dirty { "\ndirty" } else { "" })
        }
        None => "commit unknown (not run from a git checkout)\n".into(),
    }
}

/// Writes `bytes` to `path` through a temp file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    result.and_then(|_| std::fs::rename(&tmp, path)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: cannot write: {e}", path.display())
    })
}
