//! EXTRACT's skill extraction (spec §1): frame embeddings (state, EfficientNet-Lite0, R3M's ResNet-50),
//! their first differences, K-means,
//! a per-trajectory median filter, and skill segments with progress ramps; plus agreement metrics to
//! judge the labels against our generated data's ground truth.
pub mod agreement;
pub mod embed;
pub mod features;
pub mod kmeans;
pub mod logprobs;
pub mod medfilt;
mod report;
pub mod run;
pub mod segments;

pub use agreement::{adjusted_rand_index, normalized_mutual_info, silhouette};
pub use embed::{Embedder, ImageEmbedder, embed_frames};
pub use features::first_diff;
pub use kmeans::{KMeans, KMeansConfig};
pub use medfilt::{Padding, filter_trajectories, median_filter};
pub use run::{ClusterConfig, ClusterSummary, EmbedderKind};
pub use segments::{Segment, SegmentRules, segments, skill_progress};
