//! Experiment configs: TOML files under `extract/configs/`, `--set a.b=value` overrides, and typed
//! deserialisation whose errors are one line naming the file, the key path and what was expected.
//!
//! A config file has up to three tables, as upstream's `conf.py` has three dicts: `[general]`
//! (optimisation, logging, checkpoints), `[model]` and `[data]`. Overrides are applied to the parsed
//! table before it is typed, so they go through the same checks as the file itself: an unknown key
//! is refused with the list of valid ones, a value of the wrong type names the expected type.

use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// A config that could not be read, parsed, overridden or typed.
#[derive(Debug)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// A parsed config file with the overrides applied, before typing.
#[derive(Clone, Debug)]
pub struct RawConfig {
    /// The file it came from (named in every error).
    pub path: PathBuf,
    pub table: Table,
}

impl RawConfig {
    /// Reads and parses `path` (TOML).
    pub fn load(path: &Path) -> Result<RawConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("config {}: cannot read: {e}", path.display())))?;
        Self::parse(&text, path)
    }

    /// Reads `path`, then applies the command line: the `--set` overrides in order, then `--seed`
    /// and `--device` as `general.seed` / `general.device` (every experiment file has `[general]`).
    pub fn load_with_cli(
        path: &Path,
        sets: &[String],
        seed: Option<u64>,
        device: Option<&str>,
    ) -> Result<RawConfig, ConfigError> {
        let mut raw = Self::load(path)?;
        raw.set_all(sets)?;
        if let Some(seed) = seed {
            raw.set(&format!("general.seed={seed}"))?;
        }
        if let Some(device) = device {
            raw.set(&format!("general.device={device:?}"))?;
        }
        Ok(raw)
    }

    /// Parses TOML `text` that came from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<RawConfig, ConfigError> {
        let table = text.parse::<Table>().map_err(|e| {
            let line = e.span().map(|s| text[..s.start].lines().count().max(1)).unwrap_or(0);
            ConfigError(format!("config {}: line {line}: {}", path.display(), one_line(e.message())))
        })?;
        Ok(RawConfig { path: path.to_path_buf(), table })
    }

    /// Applies one `a.b.c=value` override. `value` is read as a TOML value when it parses as one
    /// (`1e-3`, `true`, `"text"`, `[1, 2]`) and as a bare string otherwise (`cpu`). Missing
    /// intermediate tables are created; whether the key exists is checked when the config is typed.
    pub fn set(&mut self, assignment: &str) -> Result<(), ConfigError> {
        let (key, value) = assignment
            .split_once('=')
            .ok_or_else(|| ConfigError(format!("--set {assignment:?}: expected KEY=VALUE, e.g. general.lr=1e-4")))?;
        let path: Vec<&str> = key.trim().split('.').collect();
        if path.iter().any(|p| p.is_empty()) {
            return Err(ConfigError(format!("--set {assignment:?}: empty key segment in {key:?}")));
        }
        let value = parse_value(value.trim());
        let (last, parents) = path.split_last().expect("split yields at least one segment");
        let mut table = &mut self.table;
        for (i, part) in parents.iter().enumerate() {
            let entry = table.entry(part.to_string()).or_insert_with(|| Value::Table(Table::new()));
            table = entry.as_table_mut().ok_or_else(|| {
                ConfigError(format!("--set {assignment:?}: {} is a value, not a table", path[..=i].join(".")))
            })?;
        }
        table.insert(last.to_string(), value);
        Ok(())
    }

    /// Applies every override in order.
    pub fn set_all<S: AsRef<str>>(&mut self, assignments: &[S]) -> Result<(), ConfigError> {
        assignments.iter().try_for_each(|a| self.set(a.as_ref()))
    }

    /// Types the config. Errors name the key path: `config F: model.beta: invalid type: ...`.
    pub fn typed<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        let value = Value::Table(self.table.clone());
        serde_path_to_error::deserialize(value).map_err(|e| {
            let key = e.path().to_string();
            let at = if key == "." || key.is_empty() { String::new() } else { format!("{key}: ") };
            ConfigError(format!("config {}: {at}{}", self.path.display(), one_line(&e.into_inner().to_string())))
        })
    }
}

/// `1e-3` -> float, `true` -> bool, `"x"` / `[..]` -> as written; anything else -> a string.
fn parse_value(text: &str) -> Value {
    match format!("v = {text}").parse::<Table>() {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| Value::String(text.to_string())),
        Err(_) => Value::String(text.to_string()),
    }
}

/// Joins a multi-line message into one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The experiment name of a config path: the part after `configs/` without the extension
/// (upstream: the experiment folder mirrors the config's path), else the file stem.
pub fn experiment_name(path: &Path) -> PathBuf {
    let stem = path.with_extension("");
    let parts: Vec<_> = stem.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    match parts.iter().rposition(|p| p == "configs") {
        Some(i) if i + 1 < parts.len() => parts[i + 1..].iter().collect(),
        _ => PathBuf::from(stem.file_name().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        lr: f32,
        #[serde(default)]
        name: String,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        general: Inner,
    }

    fn raw(text: &str) -> RawConfig {
        RawConfig::parse(text, Path::new("configs/x/y.toml")).unwrap()
    }

    #[test]
    fn overrides_replace_and_add_values() {
        let mut c = raw("[general]\nlr = 0.1\n");
        c.set_all(&["general.lr=1e-3", "general.name=cpu"]).unwrap();
        assert_eq!(c.typed::<Outer>().unwrap(), Outer { general: Inner { lr: 1e-3, name: "cpu".into() } });
    }

    #[test]
    fn unknown_keys_list_the_valid_ones() {
        let mut c = raw("[general]\nlr = 0.1\n");
        c.set("general.lrr=2").unwrap();
        let e = c.typed::<Outer>().unwrap_err().to_string();
        assert!(
            e.contains("configs/x/y.toml") && e.contains("lrr") && e.contains("`lr`") && e.contains("`name`"),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn wrong_types_name_the_key() {
        let mut c = raw("[general]\nlr = 0.1\n");
        c.set("general.lr=fast").unwrap();
        let e = c.typed::<Outer>().unwrap_err().to_string();
        assert!(e.contains("general.lr") && e.contains("fast"), "{e}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = RawConfig::parse("[general]\nlr = = 1\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.starts_with("config c.toml: line 2:") && !e.contains('\n'), "{e}");
        assert!(raw("[general]\nlr = 1\n").set("general.lr.x=1").is_err());
        assert!(raw("").set("nokey").is_err());
    }

    #[test]
    fn experiment_names_mirror_the_config_path() {
        let p = Path::new("extract/configs/skill_prior_learning/kitchen/hierarchical_cluster/extract.toml");
        assert_eq!(experiment_name(p), PathBuf::from("skill_prior_learning/kitchen/hierarchical_cluster/extract"));
        assert_eq!(experiment_name(Path::new("/tmp/mine.toml")), PathBuf::from("mine"));
    }
}
