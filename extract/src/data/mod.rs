//! Skill-learning data: the SPiRL sequence data set, EXTRACT's cluster-segment data set and BC's single
//! steps (spec §2.4), image preparation (antialiased 128 -> 64 resize, [-1, 1] scaling, frame stacks)
//! and a background batch loader whose batches are pure functions of (seed, split, index).
//!
//! ```text
//! config.rs    DataConfig, the [data] table          resize.rs    torch-exact antialiased bilinear
//! steps.rs     StepData: the file, in RAM once       window.rs    Window (indices) -> Batch (collate)
//! sequence.rs  SPiRL / BC windows                    segments.rs  EXTRACT segment windows
//! dataset.rs   SkillDataset: split, epoch, batch(i)  loader.rs    Loader: prefetching worker threads
//! ```

mod batch;
mod config;
mod dataset;
mod loader;
pub mod resize;
mod segments;
mod sequence;
mod steps;
mod window;

pub use batch::Batch;
pub use config::{DataConfig, DatasetKind};
pub use dataset::{SkillDataset, Split};
pub use loader::Loader;
pub use segments::SegmentWindows;
pub use sequence::SequenceWindows;
pub use steps::{Observations, StepData};
pub use window::{Window, collate};
