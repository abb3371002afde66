//! `RlConfig`: an RL experiment file (`extract/configs/hrl/...`): `[general]`, `[train]` (the loop),
//! `[env]` (the kitchen task), `[skill]` (which skill-model run to build on) and `[agent]` (tagged by
//! `type`: `extract`, `spirl`, `bc_finetune` or `sac`).

use crate::rl::agents::{HybridSacConfig, PriorSacConfig, SacConfig};
use crate::rl::hierarchy::HrlConfig;
use envs::kitchen::{KitchenConfig, KitchenTask};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A whole RL config file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RlConfig {
    #[serde(default)]
    pub general: RlGeneral,
    #[serde(default)]
    pub train: HrlConfig,
    #[serde(default)]
    pub env: KitchenTaskConfig,
    /// The pretrained skill model (hierarchical agents only).
    pub skill: Option<SkillSource>,
    pub agent: AgentConfig,
}

/// Seed, device and where the run folder goes.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RlGeneral {
    /// Seed of the networks' initialisation, the env and the agent's noise (upstream 42; `--seed` overrides).
    pub seed: u64,
    /// "cpu", "gpu" or "auto" for the agent's networks (the frozen decoder stays on the CPU).
    pub device: String,
    /// Root folder of experiments: a run lives in `<exp_dir>/<config path after configs/>/<prefix>`.
    pub exp_dir: PathBuf,
    /// Name of this run inside the experiment folder.
    pub prefix: String,
}

impl Default for RlGeneral {
    fn default() -> Self {
        RlGeneral { seed: 42, device: "cpu".into(), exp_dir: "experiments".into(), prefix: "run".into() }
    }
}

/// The kitchen task of the RL stage (defaults: microwave -> kettle -> bottom burner -> light switch, 280 steps).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KitchenTaskConfig {
    /// Subtasks in order, by D4RL name ("microwave", "kettle", "bottom burner", "light switch", ...).
    pub tasks: Vec<String>,
    /// Steps per episode before the time-out.
    pub max_episode_steps: usize,
    /// Observation noise ratio (D4RL 0.1).
    pub noise_ratio: f64,
    /// Side of the rendered frames of image-based agents (upstream renders RL frames at 64).
    pub render_res: usize,
}

impl Default for KitchenTaskConfig {
    fn default() -> Self {
        let d = KitchenConfig::default();
        KitchenTaskConfig {
            tasks: d.tasks.iter().map(|t| t.name().to_string()).collect(),
            max_episode_steps: d.max_episode_steps,
            noise_ratio: d.noise_ratio,
            render_res: 64,
        }
    }
}

impl KitchenTaskConfig {
    /// The env settings, or an error naming the unknown subtask.
    pub fn kitchen(&self) -> Result<KitchenConfig, String> {
        let tasks = self
            .tasks
            .iter()
            .map(|name| {
                KitchenTask::ALL.into_iter().find(|t| t.name() == name).ok_or_else(|| {
                    let known: Vec<_> = KitchenTask::ALL.iter().map(|t| t.name()).collect();
                    format!("env.tasks: unknown subtask {name:?} (known: {})", known.join(", "))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(KitchenConfig {
            tasks,
            max_episode_steps: self.max_episode_steps,
            noise_ratio: self.noise_ratio,
            ..KitchenConfig::default()
        })
    }
}

/// A trained skill model: its run folder (holding `config.toml` and `weights/`) and which epoch.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SkillSource {
    /// Run folder of `extract train`.
    pub run: PathBuf,
    /// Checkpoint epoch; absent = the latest (upstream loads the latest).
    pub epoch: Option<usize>,
}

/// Which agent, with its hyperparameters.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentConfig {
    /// EXTRACT: hybrid skill-space SAC on the cluster skill model's priors.
    Extract(HybridSacConfig),
    /// SPiRL: prior-regularised SAC in the skill VAE's latent space.
    Spirl(PriorSacConfig),
    /// BC-finetune: SAC on env actions with the policy initialised from a BC model.
    BcFinetune(BcFinetuneConfig),
    /// Flat SAC on the 60-d state (the "SAC from scratch" baseline).
    Sac(SacConfig),
}

/// The `[agent]` table of `type = "bc_finetune"`: [`PriorSacConfig`]'s fields, with defaults from
/// [`PriorSacConfig::bc_finetune`] (entropy-regularised, target entropy -9 for the kitchen's
/// 9-d actions) instead of SPiRL's.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct BcFinetuneConfig(pub PriorSacConfig);

impl<'de> Deserialize<'de> for BcFinetuneConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let given = toml::Table::deserialize(d)?;
        let mut table = toml::Table::try_from(PriorSacConfig::bc_finetune(9)).map_err(D::Error::custom)?;
        table.extend(given);
        PriorSacConfig::deserialize(table).map(BcFinetuneConfig).map_err(D::Error::custom)
    }
}
