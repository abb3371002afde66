//! `extract cluster`: embed every step of a data-set file, first-difference, K-means, median filter,
//! `clusters.h5` in an output folder named like upstream's, and a report next to it (silhouette,
//! skill lengths, label strips against the ground truth, ARI/NMI).
use super::embed::{
    DEFAULT_BATCH, FRAME_SIZE, ImageEmbedder, check_frames, default_efficientnet_weights, embed_frames,
};
use super::{KMeans, KMeansConfig, Padding, SegmentRules, filter_trajectories, first_diff, segments};
use envs::dataset::{D4rlFile, NO_SUBTASK, trajectory_ranges, write_labels};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::path::PathBuf;
use tensor::Device;

/// Which per-step embedding is clustered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmbedderKind {
    /// The observation vector itself (after first-differencing: state − first state).
    StateDiff,
    /// EfficientNet-Lite0 ImageNet features of the rendered frames (1280-d).
    EfficientNet,
    /// ResNet-50 features with R3M's preprocessing (2048-d; weights from `--weights`).
    R3m,
}

impl EmbedderKind {
    /// The name used in the output folder (upstream: `r3m-99`).
    pub fn name(self) -> &'static str {
        match self {
            EmbedderKind::StateDiff => "state",
            EmbedderKind::EfficientNet => "efficientnet-lite0",
            EmbedderKind::R3m => "r3m-99",
        }
    }
}

/// Settings of one clustering run.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    pub data: PathBuf,
    /// Root of the output tree (upstream: `generated_dataset_clusters`).
    pub out_root: PathBuf,
    pub embedder: EmbedderKind,
    pub k: usize,
    pub window: usize,
    pub padding: Padding,
    /// Full K-means instead of mini-batch.
    pub full_kmeans: bool,
    pub seed: u64,
    /// Points used for the silhouette score (it is quadratic in this).
    pub silhouette_sample: usize,
    /// Segment rules for the report's skill lengths.
    pub segment_rules: SegmentRules,
    /// Weights of an image embedder (default for EfficientNet: `.deps/weights/`; R3M needs one).
    pub weights: Option<PathBuf>,
    /// Where the image embedder runs.
    pub device: Device,
    /// Frames per forward of an image embedder.
    pub batch: usize,
}

impl ClusterConfig {
    pub fn new(data: PathBuf) -> Self {
        ClusterConfig {
            data,
            out_root: PathBuf::from("generated_dataset_clusters"),
            embedder: EmbedderKind::StateDiff,
            k: 8,
            window: 7,
            padding: Padding::Zeros,
            full_kmeans: false,
            seed: 0,
            silhouette_sample: 2000,
            segment_rules: SegmentRules::default(),
            weights: None,
            device: Device::Cpu,
            batch: DEFAULT_BATCH,
        }
    }

    /// `<root>/kitchen/<embedder>_first_diff_KMeans_n_clusters:<k>_MedFilt(<w>)/<dataset>/`, the dataset
    /// being the second `_`-token of the file name (`kitchen_mixed_data.h5` → `mixed`), as upstream.
    pub fn out_dir(&self) -> PathBuf {
        let stem = self.data.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        let dataset = stem.split('_').nth(1).unwrap_or(&stem).to_string();
        let method =
            format!("{}_first_diff_KMeans_n_clusters:{}_MedFilt({})", self.embedder.name(), self.k, self.window);
        self.out_root.join("kitchen").join(method).join(dataset)
    }
}

/// What a run found, also written to `report.json`.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterSummary {
    pub labels_file: PathBuf,
    pub steps: usize,
    pub trajectories: usize,
    pub feature_dim: usize,
    pub k: usize,
    pub kmeans_steps: usize,
    pub inertia: f64,
    pub silhouette: f64,
    pub segments: usize,
    pub mean_segment_len: f64,
    /// Agreement of the filtered labels with the ground-truth subtasks (steps that have one).
    pub ari: Option<f64>,
    pub nmi: Option<f64>,
    /// The same for the unfiltered K-means labels.
    pub ari_unfiltered: Option<f64>,
    pub nmi_unfiltered: Option<f64>,
    pub seconds: f64,
}

/// Runs the pipeline of `cfg`; writes `clusters.h5` and the report into `cfg.out_dir()`.
pub fn run(cfg: &ClusterConfig) -> Result<ClusterSummary, String> {
    let start = std::time::Instant::now();
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]").expect("valid template"));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let file = D4rlFile::open(&cfg.data).map_err(|e| e.to_string())?;
    let trajectories = trajectory_ranges(&file.terminals().map_err(|e| e.to_string())?);
    if cfg.k == 0 || cfg.k > 255 || cfg.k > file.len() {
        return Err(format!("{}: K = {} must be in 1..=min(255, {} steps)", cfg.data.display(), cfg.k, file.len()));
    }
    bar.set_message(format!("embedding {} steps ({})", file.len(), cfg.embedder.name()));
    // The embedding progress bar replaces the spinner while it runs.
    let (emb, dim) = bar.suspend(|| embed(&file, cfg))?;
    let features = first_diff(&emb, dim, &trajectories);
    bar.set_message(format!("K-means, K = {}", cfg.k));
    let kcfg =
        if cfg.full_kmeans { KMeansConfig::full(cfg.k, cfg.seed) } else { KMeansConfig::mini_batch(cfg.k, cfg.seed) };
    let km = KMeans::fit(&features, dim, &kcfg).map_err(|e| format!("{}: {e}", cfg.data.display()))?;
    let raw = km.predict(&features);
    let filtered = filter_trajectories(&raw, &trajectories, cfg.window, cfg.padding)?;
    let out = cfg.out_dir();
    let labels_file = out.join("clusters.h5");
    let clusters: Vec<u8> = filtered.iter().map(|&l| l as u8).collect();
    let attrs = vec![
        ("data".to_string(), cfg.data.display().to_string()),
        ("embedder".to_string(), cfg.embedder.name().to_string()),
        ("settings".to_string(), format!("{kcfg:?}, window {}, padding {:?}", cfg.window, cfg.padding)),
    ];
    // Spec §1.4's auxiliary per-cluster log-likelihoods, against the unfiltered K-means labels.
    let logprobs = super::logprobs::cluster_logprobs(&features, dim, &raw, cfg.k);
    write_labels(&labels_file, &clusters, Some((&logprobs, cfg.k)), &attrs).map_err(|e| e.to_string())?;

    bar.set_message("report");
    let sample = super::report::sample_rows(features.len() / dim, cfg.silhouette_sample, cfg.seed);
    let sx: Vec<f32> = sample.iter().flat_map(|&i| features[i * dim..(i + 1) * dim].to_vec()).collect();
    let sl: Vec<u32> = sample.iter().map(|&i| raw[i]).collect();
    let silhouette = super::silhouette(&sx, dim, &sl).unwrap_or(f64::NAN);
    let segs = segments(&filtered, &trajectories, cfg.segment_rules);
    let truth = file.subtasks().map_err(|e| e.to_string())?;
    let agree = |pred: &[u32]| -> Result<Option<(f64, f64)>, String> {
        let Some(t) = &truth else { return Ok(None) };
        let keep: Vec<usize> = (0..pred.len()).filter(|&i| t.labels[i] != NO_SUBTASK).collect();
        let tl: Vec<u32> = keep.iter().map(|&i| t.labels[i] as u32).collect();
        let pl: Vec<u32> = keep.iter().map(|&i| pred[i]).collect();
        Ok(Some((super::adjusted_rand_index(&tl, &pl)?, super::normalized_mutual_info(&tl, &pl)?)))
    };
    let (filtered_agree, raw_agree) = (agree(&filtered)?, agree(&raw)?);
    let summary = ClusterSummary {
        labels_file,
        steps: file.len(),
        trajectories: trajectories.len(),
        feature_dim: dim,
        k: cfg.k,
        kmeans_steps: km.steps,
        inertia: km.inertia,
        silhouette,
        segments: segs.len(),
        mean_segment_len: segs.iter().map(|s| s.len()).sum::<usize>() as f64 / segs.len().max(1) as f64,
        ari: filtered_agree.map(|a| a.0),
        nmi: filtered_agree.map(|a| a.1),
        ari_unfiltered: raw_agree.map(|a| a.0),
        nmi_unfiltered: raw_agree.map(|a| a.1),
        seconds: start.elapsed().as_secs_f64(),
    };
    super::report::write(&out, cfg, &summary, &filtered, &segs, &trajectories, truth.as_ref())?;
    bar.finish_and_clear();
    Ok(summary)
}

/// Per-step embeddings `(n × dim, dim)` of `file`.
fn embed(file: &D4rlFile, cfg: &ClusterConfig) -> Result<(Vec<f32>, usize), String> {
    if cfg.embedder == EmbedderKind::StateDiff {
        return file.observations().map_err(|e| e.to_string());
    }
    // The frames are checked before the weights are read (a cheap error first).
    check_frames(file, cfg.embedder.name(), Some((FRAME_SIZE, FRAME_SIZE)))?;
    let embedder = match cfg.embedder {
        EmbedderKind::StateDiff => unreachable!("returned above"),
        EmbedderKind::EfficientNet => {
            let weights = cfg.weights.clone().unwrap_or_else(default_efficientnet_weights);
            ImageEmbedder::efficientnet(&weights, &cfg.device)?
        }
        EmbedderKind::R3m => {
            let weights = cfg.weights.as_ref().ok_or(
                "--embedder r3m needs --weights FILE (an R3M model.pt, or a torchvision resnet50 state dict); R3M's \
                 weights are not published in any package registry",
            )?;
            ImageEmbedder::r3m(weights, &cfg.device)?
        }
    };
    embed_frames(file, &embedder, cfg.batch)
}
