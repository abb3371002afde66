//! `DataConfig`: the `[data]` table of a skill-learning config — which file, which windows, how they
//! are batched and split, and the switches that reproduce upstream's data quirks (spec §2.4, §9.1-3).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which windows a data set cuts from the trajectories.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    /// SPiRL: fixed-length windows at random points of random trajectories.
    Sequence,
    /// EXTRACT: variable-length windows of cluster-label segments, with skill ids and progress.
    #[default]
    Segments,
    /// Behaviour cloning: one observation (frame stack) and the action taken at it.
    SingleStep,
}

/// Data-set settings; every field has upstream's kitchen default (spec §2.5, §3.4).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// D4RL-schema HDF5 file (`observations`, `actions`, `terminals`, `rendered_frames` for images).
    pub data_file: PathBuf,
    /// `clusters.h5` with per-step skill labels (`clusters`, optional `logprobs`); needed by `segments`.
    pub labels_file: Option<PathBuf>,
    /// Window kind: `sequence` (SPiRL), `segments` (EXTRACT) or `single_step` (BC).
    pub kind: DatasetKind,
    /// Observe stacked RGB frames (true, as all kitchen skill configs) or the 60-d state (false).
    pub use_image: bool,
    /// Side of the square frames the models see; `rendered_frames` are resized to it at load time.
    pub resolution: usize,
    /// Frames stacked into one observation, F (frames t-F+1..t); images only.
    pub n_input_frames: usize,
    /// SPiRL window length in steps; default 1 + F-1 + 10 = 14 with images, 1 + 10 = 11 with states.
    pub subseq_len: Option<usize>,
    /// EXTRACT: longest window in (padded) steps, 30 + F = 34; longer segments get a random window.
    pub max_subseq_len: usize,
    /// EXTRACT: shorter label runs are merged into the next segment (5 + F = 9).
    pub min_subseq_len: usize,
    /// EXTRACT: copies of a segment's first frame put before it; default F-1 with images, 0 with states.
    pub pad_n_steps: Option<usize>,
    /// Share of trajectories (SPiRL, BC) or segments (EXTRACT) held out for validation: the last ones.
    pub val_fraction: f64,
    /// Windows per batch.
    pub batch_size: usize,
    /// Passes over the training split per epoch (upstream's `epoch_cycles_train`).
    pub epoch_cycles_train: usize,
    /// Batches the background loader keeps ready.
    pub prefetch: usize,
    /// Threads preparing batches (the batches do not depend on it).
    pub workers: usize,
    /// Spec §9.1: a window starting in the pad region gets skill id 0 instead of its segment's label.
    pub quirk_pad_skill_zero: bool,
    /// Spec §9.2: EXTRACT targets start at the window's first step, i.e. include the F-1 history actions
    /// (zeros in the pad region) instead of starting at the current frame.
    pub quirk_pad_actions_in_targets: bool,
    /// Spec §9.3: too-short runs merge forward across trajectory ends, labelled by their first step.
    pub quirk_merge_across_trajectories: bool,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            data_file: PathBuf::new(),
            labels_file: None,
            kind: DatasetKind::Segments,
            use_image: true,
            resolution: 64,
            n_input_frames: 4,
            subseq_len: None,
            max_subseq_len: 34,
            min_subseq_len: 9,
            pad_n_steps: None,
            val_fraction: 0.01,
            batch_size: 128,
            epoch_cycles_train: 10,
            prefetch: 4,
            workers: 1,
            quirk_pad_skill_zero: false,
            quirk_pad_actions_in_targets: false,
            quirk_merge_across_trajectories: false,
        }
    }
}

impl DataConfig {
    /// Steps before the current frame that an observation looks back: F-1 with images, 0 with states.
    pub fn history(&self) -> usize {
        if self.use_image { self.n_input_frames - 1 } else { 0 }
    }

    /// Frames stacked into one observation (1 for state observations).
    pub fn frames_per_obs(&self) -> usize {
        self.history() + 1
    }

    /// The SPiRL window length (`subseq_len`, or its default for the observation kind).
    pub fn subseq_len(&self) -> usize {
        self.subseq_len.unwrap_or(self.history() + 11)
    }

    /// EXTRACT's pre-padding (`pad_n_steps`, or F-1 / 0).
    pub fn pad_n_steps(&self) -> usize {
        self.pad_n_steps.unwrap_or(self.history())
    }

    /// Steps a window spans, the denominator of upstream's epoch length: `subseq_len` (SPiRL),
    /// `max_subseq_len` (EXTRACT), history + 2 (BC, upstream's `subseq_len = 1 + F`).
    pub fn window_len(&self) -> usize {
        match self.kind {
            DatasetKind::Sequence => self.subseq_len(),
            DatasetKind::Segments => self.max_subseq_len,
            DatasetKind::SingleStep => self.history() + 2,
        }
    }

    /// Checks the settings against each other; the message names the `data.` key at fault.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |key: &str, why: String| Err(format!("data.{key}: {why}"));
        if self.data_file.as_os_str().is_empty() {
            return bad("data_file", "not set (expected a D4RL-schema HDF5 file)".into());
        }
        if self.use_image && self.n_input_frames == 0 {
            return bad("n_input_frames", "is 0, expected at least 1".into());
        }
        if self.use_image && !(1..=1024).contains(&self.resolution) {
            return bad("resolution", format!("is {}, expected 1..=1024", self.resolution));
        }
        if self.kind == DatasetKind::Sequence && self.subseq_len() <= self.history() + 1 {
            let want = self.history() + 2;
            return bad(
                "subseq_len",
                format!("is {}, expected at least {want} (F frames + 1 target)", self.subseq_len()),
            );
        }
        if self.kind == DatasetKind::Segments {
            if self.labels_file.is_none() {
                return bad("labels_file", "not set (the `segments` kind needs cluster labels)".into());
            }
            if self.min_subseq_len == 0 {
                return bad("min_subseq_len", "is 0, expected at least 1".into());
            }
            // Every window must hold the F frames of its observation (and so at least one target).
            let need = self.history() + 1;
            if self.max_subseq_len < need {
                return bad("max_subseq_len", format!("is {}, expected at least {need} (F)", self.max_subseq_len));
            }
            if self.pad_n_steps() > self.history() {
                let why = format!("is {}, expected at most F-1 = {}", self.pad_n_steps(), self.history());
                return bad("pad_n_steps", why);
            }
            if self.min_subseq_len + self.pad_n_steps() < need {
                let why = format!("{} + pad_n_steps {} < F = {need}", self.min_subseq_len, self.pad_n_steps());
                return bad("min_subseq_len", why);
            }
        }
        if !(self.val_fraction > 0.0 && self.val_fraction < 1.0) {
            return bad("val_fraction", format!("is {}, expected a value in (0, 1)", self.val_fraction));
        }
        if self.batch_size == 0 || self.epoch_cycles_train == 0 || self.prefetch == 0 || self.workers == 0 {
            return bad("batch_size/epoch_cycles_train/prefetch/workers", "must all be at least 1".into());
        }
        Ok(())
    }
}
