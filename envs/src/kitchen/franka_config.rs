//! Reads the scene's `franka_assets/franka_config.xml`: per `qpos` element, the position and velocity
//! bounds and the observation-noise amplitude (D4RL's `robot_pos_bound`, `robot_vel_bound`,
//! `robot_pos_noise_amp`).
//!
//! The file is a flat list of `<qposN name=… pos_bound='lo hi' vel_bound='lo hi' pos_noise_amp='a' …/>`
//! elements, so a small attribute scanner reads it; no XML crate needed.
use std::path::Path;

use crate::EnvError;

/// The per-element limits and noise of the 30 kitchen `qpos` elements.
#[derive(Clone, Debug, PartialEq)]
pub struct FrankaConfig {
    /// `[lo, hi]` per element: the robot's 9 control targets are clipped to the first 9.
    pub pos_bound: Vec<[f64; 2]>,
    /// `[lo, hi]` per element: the robot's 9 commanded joint velocities are clipped to the first 9.
    pub vel_bound: Vec<[f64; 2]>,
    /// Observation noise amplitude per element (scaled by the env's noise ratio, times U(−1, 1)).
    pub pos_noise_amp: Vec<f64>,
}

impl FrankaConfig {
    /// Reads elements `qpos0 .. qpos{n-1}` from the file at `path`.
    pub fn load(path: &Path, n: usize) -> Result<Self, EnvError> {
        let text = std::fs::read_to_string(path).map_err(|e| EnvError::io(path, e))?;
        Self::parse(&text, n).map_err(|message| EnvError::invalid(path, message))
    }

    /// Parses the text of a `franka_config.xml`; the error says which element or attribute is wrong.
    pub fn parse(text: &str, n: usize) -> Result<Self, String> {
        let mut cfg = FrankaConfig { pos_bound: Vec::new(), vel_bound: Vec::new(), pos_noise_amp: Vec::new() };
        for i in 0..n {
            let tag = format!("<qpos{i} ");
            let start = text.find(&tag).ok_or_else(|| format!("no <qpos{i}> element"))?;
            let end = text[start..].find('>').ok_or_else(|| format!("<qpos{i}> is not closed"))? + start;
            let element = &text[start..end];
            cfg.pos_bound.push(pair(element, "pos_bound").map_err(|e| format!("<qpos{i}>: {e}"))?);
            cfg.vel_bound.push(pair(element, "vel_bound").map_err(|e| format!("<qpos{i}>: {e}"))?);
            let amp = numbers(element, "pos_noise_amp").map_err(|e| format!("<qpos{i}>: {e}"))?;
            cfg.pos_noise_amp.push(*amp.first().ok_or_else(|| format!("<qpos{i}>: empty pos_noise_amp"))?);
        }
        Ok(cfg)
    }
}

/// The two numbers of attribute `name` (for example `pos_bound='-2.9 2.9'`), checked `lo <= hi`.
fn pair(element: &str, name: &str) -> Result<[f64; 2], String> {
    match numbers(element, name)?[..] {
        [lo, hi] if lo <= hi => Ok([lo, hi]),
        _ => Err(format!("{name} must hold two numbers lo <= hi")),
    }
}

/// The whitespace-separated numbers of attribute `name` (quoted with `'` or `"`).
fn numbers(element: &str, name: &str) -> Result<Vec<f64>, String> {
    let key = format!(" {name}=");
    let at = element.find(&key).ok_or_else(|| format!("no {name} attribute"))? + key.len();
    let rest = &element[at..];
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"').ok_or(format!("{name} is not quoted"))?;
    let value = rest[1..].split(quote).next().unwrap_or_default();
    value.split_whitespace().map(|s| s.parse::<f64>().map_err(|_| format!("{name}: {s:?} is not a number"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "<config name='Franka'>\n<qpos0 name='q0' pos_bound='-2.9 2.9' vel_bound='-10 10' \
        pos_noise_amp='0.1' vel_noise_amp='0.1' />\n<qpos1 name='q1' pos_bound=\"00.0 0.04\" vel_bound='-5 5' \
        pos_noise_amp='0.005' vel_noise_amp='0.005' />\n</config>";

    #[test]
    fn parses_bounds_and_noise() {
        let cfg = FrankaConfig::parse(TEXT, 2).unwrap();
        assert_eq!(cfg.pos_bound, vec![[-2.9, 2.9], [0.0, 0.04]]);
        assert_eq!(cfg.vel_bound, vec![[-10.0, 10.0], [-5.0, 5.0]]);
        assert_eq!(cfg.pos_noise_amp, vec![0.1, 0.005]);
    }

    #[test]
    fn missing_element_is_named() {
        let err = FrankaConfig::parse(TEXT, 3).unwrap_err();
        assert_eq!(err, "no <qpos2> element");
        let bad = TEXT.replace("pos_bound='-2.9 2.9'", "pos_bound='2.9 -2.9'");
        assert_eq!(FrankaConfig::parse(&bad, 1).unwrap_err(), "<qpos0>: pos_bound must hold two numbers lo <= hi");
    }
}
