//! EXTRACT's skill extraction (spec §1): first-difference features of frame embeddings, K-means,
//! a per-trajectory median filter, and skill segments with progress ramps; plus agreement metrics to
//! judge the labels against our generated data's ground truth.
pub mod agreement;
pub mod features;
pub mod kmeans;
pub mod medfilt;
mod report;
pub mod run;
pub mod segments;

pub use agreement::{adjusted_rand_index, normalized_mutual_info, silhouette};
pub use features::first_diff;
pub use kmeans::{KMeans, KMeansConfig};
pub use medfilt::{Padding, filter_trajectories, median_filter};
pub use run::{ClusterConfig, ClusterSummary, EmbedderKind};
pub use segments::{Segment, SegmentRules, segments, skill_progress};
