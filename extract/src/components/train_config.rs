//! The typed config of a skill-learning run: `[general]`, `[model]` and `[data]`.

use super::general::GeneralConfig;
use crate::data::DataConfig;
use crate::models::ModelConfig;
use serde::{Deserialize, Serialize};

/// A whole skill-learning config file (see `extract/configs/skill_prior_learning/`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Optimisation, logging, checkpoints.
    #[serde(default)]
    pub general: GeneralConfig,
    /// Which skill model and its hyperparameters.
    pub model: ModelConfig,
    /// The data set and how windows are cut from it.
    pub data: DataConfig,
}
