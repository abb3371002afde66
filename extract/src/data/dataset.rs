//! `SkillDataset`: a loaded data set with its window source (SPiRL sequences, EXTRACT segments or BC
//! steps), its train/val split, upstream's epoch length, and batches that are pure functions of
//! `(seed, split, index)` — so a resumed run sees exactly the batches of an uninterrupted one.

use super::batch::Batch;
use super::config::{DataConfig, DatasetKind};
use super::segments::SegmentWindows;
use super::sequence::SequenceWindows;
use super::steps::StepData;
use super::window::{Window, collate};
use crate::cluster::Segment;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::ops::Range;

/// Which part of the data a batch comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Val,
}

/// The window source of a data set.
#[derive(Clone, Debug)]
enum Source {
    Sequence(SequenceWindows),
    Segments(SegmentWindows),
}

/// A data set ready to produce batches.
#[derive(Clone, Debug)]
pub struct SkillDataset {
    cfg: DataConfig,
    data: StepData,
    source: Source,
    /// Units (trajectories or segments) `0..n_train` are training data, the rest validation.
    n_train: usize,
    n_units: usize,
}

impl SkillDataset {
    /// Validates `cfg`, reads its files and cuts the windows.
    pub fn load(cfg: &DataConfig) -> Result<SkillDataset, String> {
        cfg.validate()?;
        let data = StepData::load(cfg)?;
        SkillDataset::new(cfg.clone(), data)
    }

    /// A data set over already loaded steps (`cfg.data_file` only names them in messages).
    pub fn new(cfg: DataConfig, data: StepData) -> Result<SkillDataset, String> {
        let file = cfg.data_file.display().to_string();
        let source = match cfg.kind {
            DatasetKind::Sequence | DatasetKind::SingleStep => {
                Source::Sequence(SequenceWindows::new(&data.trajectories, cfg.window_len(), cfg.history()))
            }
            DatasetKind::Segments => {
                let labels = data.labels.as_ref().ok_or("data.labels_file: not set (the `segments` kind needs it)")?;
                Source::Segments(SegmentWindows::new(labels, &data.trajectories, &cfg))
            }
        };
        let (n_units, what) = match &source {
            Source::Sequence(s) => (s.trajectories.len(), "trajectories with a full window"),
            Source::Segments(s) => (s.segments.len(), "segments"),
        };
        // Upstream: the first int(0.99 n) units train, the rest validate (no shuffle).
        let n_train = ((1.0 - cfg.val_fraction) * n_units as f64) as usize;
        if n_train == 0 || n_train == n_units {
            return Err(format!(
                "{file}: {n_units} {what} give an empty {} split with data.val_fraction = {}",
                if n_train == 0 { "train" } else { "val" },
                cfg.val_fraction
            ));
        }
        Ok(SkillDataset { cfg, data, source, n_train, n_units })
    }

    pub fn config(&self) -> &DataConfig {
        &self.cfg
    }

    pub fn steps(&self) -> &StepData {
        &self.data
    }

    /// The EXTRACT segments (`None` for the other kinds).
    pub fn segments(&self) -> Option<&[Segment]> {
        match &self.source {
            Source::Segments(s) => Some(&s.segments),
            Source::Sequence(_) => None,
        }
    }

    /// `(first step, length)` of the usable trajectories (`None` for EXTRACT).
    pub fn trajectories(&self) -> Option<&[(usize, usize)]> {
        match &self.source {
            Source::Sequence(s) => Some(&s.trajectories),
            Source::Segments(_) => None,
        }
    }

    /// Unit indices (trajectories or segments) of a split.
    pub fn units(&self, split: Split) -> Range<usize> {
        match split {
            Split::Train => 0..self.n_train,
            Split::Val => self.n_train..self.n_units,
        }
    }

    /// Window starts of unit `unit` (start offsets in a trajectory, or padded start steps of a segment).
    pub fn starts(&self, unit: usize) -> usize {
        match &self.source {
            Source::Sequence(s) => s.starts(unit),
            Source::Segments(s) => s.starts(unit),
        }
    }

    /// The window of unit `unit` at start `start` (< `starts(unit)`).
    pub fn window(&self, unit: usize, start: usize) -> Window {
        match &self.source {
            Source::Sequence(s) => s.window(unit, start),
            Source::Segments(s) => s.window(unit, start),
        }
    }

    /// A uniformly random unit of `split`, then a uniformly random start in it.
    pub fn sample_window(&self, split: Split, rng: &mut StdRng) -> Window {
        match &self.source {
            Source::Sequence(s) => s.sample(self.units(split), rng),
            Source::Segments(s) => s.sample(self.units(split), rng),
        }
    }

    /// Stacks windows into a right-padded batch.
    pub fn collate(&self, windows: &[Window]) -> Batch {
        collate(&self.data, windows)
    }

    /// Batch number `index` of `split`: `batch_size` windows drawn with an RNG seeded from
    /// `(seed, split, index)` only.
    pub fn batch(&self, split: Split, seed: u64, index: u64) -> Batch {
        let mut rng = StdRng::seed_from_u64(batch_seed(seed, split, index));
        let windows: Vec<Window> = (0..self.cfg.batch_size).map(|_| self.sample_window(split, &mut rng)).collect();
        self.collate(&windows)
    }

    /// A fixed validation set for the evaluator: validation batches `0..n` of `seed`.
    pub fn val_batches(&self, n: usize, seed: u64) -> Vec<Batch> {
        (0..n as u64).map(|i| self.batch(Split::Val, seed, i)).collect()
    }

    /// Upstream's epoch length in windows: `int(fraction · N_steps / window_len)`, N_steps = all steps
    /// of the file, fraction = the split's share, window_len = `DataConfig::window_len`.
    pub fn epoch_len(&self, split: Split) -> usize {
        let fraction = match split {
            Split::Train => 1.0 - self.cfg.val_fraction,
            Split::Val => self.cfg.val_fraction,
        };
        (fraction * self.data.len() as f64 / self.cfg.window_len() as f64) as usize
    }

    /// Batches per epoch (drop_last): `epoch_len / batch_size`, times `epoch_cycles_train` for training.
    pub fn batches_per_epoch(&self, split: Split) -> usize {
        let per_pass = self.epoch_len(split) / self.cfg.batch_size;
        match split {
            Split::Train => per_pass * self.cfg.epoch_cycles_train,
            Split::Val => per_pass,
        }
    }
}

/// SplitMix64 finalisation of `(seed, split, index)` into one RNG seed.
fn batch_seed(seed: u64, split: Split, index: u64) -> u64 {
    let tag: u64 = match split {
        Split::Train => 0x7472_6169_6e00_0001,
        Split::Val => 0x7661_6c00_0000_0002,
    };
    let mut z = seed ^ tag.rotate_left(7) ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    let mut rng = StdRng::seed_from_u64(z ^ (z >> 31));
    rng.random()
}
