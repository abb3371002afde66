//! Loading a trained skill model for RL: the run folder's resolved `config.toml` says which model and
//! data it was trained on; the checkpoint gives its weights (upstream loads the latest epoch). Each
//! call builds a fresh copy, so the policy, the frozen prior and the decoder are independent networks.

use super::config::SkillSource;
use crate::components::checkpointer::{self, Resume};
use crate::components::config::RawConfig;
use crate::components::train_config::TrainConfig;
use crate::models::{BcModel, ClusterSkillModel, ImageSpec, InputSpec, ModelConfig, ObsInput, SpirlModel};
use crate::rl::agents::ObsView;
use nn::Module;
use std::path::PathBuf;
use tensor::rand::{SeedableRng, rngs::StdRng};

/// A skill run, resolved: its training config, checkpoint and the sizes its networks were built for.
pub struct SkillRun {
    pub config: TrainConfig,
    pub checkpoint: PathBuf,
    pub spec: InputSpec,
}

impl SkillRun {
    /// Reads `source.run/config.toml` and finds the checkpoint; `state_dim`/`action_dim` are the env's.
    pub fn open(source: &SkillSource, state_dim: usize, action_dim: usize) -> Result<SkillRun, String> {
        let path = source.run.join("config.toml");
        let config: TrainConfig =
            RawConfig::load(&path).and_then(|raw| raw.typed()).map_err(|e| format!("skill.run: {e}"))?;
        let which = source.epoch.map_or(Resume::Latest, Resume::Epoch);
        let checkpoint = checkpointer::find(&source.run, which).map_err(|e| format!("skill.run: {e}"))?;
        let d = &config.data;
        let image = d.use_image.then_some(ImageSpec { frames: d.n_input_frames, res: d.resolution });
        Ok(SkillRun { spec: InputSpec { action_dim, state_dim, image }, checkpoint, config })
    }

    /// What the model's priors look at, inside flat observations `[state | frames]`.
    pub fn view(&self) -> ObsView {
        let input = match &self.config.model {
            ModelConfig::Spirl(c) => c.input,
            ModelConfig::Extract(c) => c.input,
            ModelConfig::Bc(c) => c.input,
        };
        let image = if input == ObsInput::Image { self.spec.image } else { None };
        ObsView { state_dim: self.spec.state_dim, image, input }
    }

    /// A fresh EXTRACT model with the checkpoint's weights (error if the run trained another kind).
    pub fn extract_model(&self) -> Result<ClusterSkillModel, String> {
        let ModelConfig::Extract(c) = &self.config.model else {
            return Err(format!("skill.run: {} is not an EXTRACT skill model run", self.checkpoint.display()));
        };
        let model = ClusterSkillModel::new(c, &self.spec, &mut StdRng::seed_from_u64(0))?;
        self.load(&model)?;
        Ok(model)
    }

    /// A fresh SPiRL model with the checkpoint's weights (error if the run trained another kind).
    pub fn spirl_model(&self) -> Result<SpirlModel, String> {
        let ModelConfig::Spirl(c) = &self.config.model else {
            return Err(format!("skill.run: {} is not a SPiRL skill model run", self.checkpoint.display()));
        };
        let model = SpirlModel::new(c, &self.spec, &mut StdRng::seed_from_u64(0))?;
        self.load(&model)?;
        Ok(model)
    }

    /// A fresh BC model with the checkpoint's weights (error if the run trained another kind).
    pub fn bc_model(&self) -> Result<BcModel, String> {
        let ModelConfig::Bc(c) = &self.config.model else {
            return Err(format!("skill.run: {} is not a BC (flat) model run", self.checkpoint.display()));
        };
        let model = BcModel::new(c, &self.spec, &mut StdRng::seed_from_u64(0))?;
        self.load(&model)?;
        Ok(model)
    }

    fn load(&self, model: &dyn Module) -> Result<(), String> {
        checkpointer::load_model(&self.checkpoint, model).map(|_| ()).map_err(|e| format!("skill.run: {e}"))
    }
}
