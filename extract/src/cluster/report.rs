//! The clustering report written next to `clusters.h5`: `report.json`, `skill_lengths.png` (how long
//! the segments of each cluster are) and `skill_strip.png` (label sequences above the ground truth).
use super::Segment;
use super::run::{ClusterConfig, ClusterSummary};
use crate::plot::{PlotOptions, Series, StripRow, label_strips, line_plot_with};
use envs::dataset::{NO_SUBTASK, SubtaskLabels};
use rand::{SeedableRng, rngs::StdRng};
use std::ops::RangeInclusive;
use std::path::Path;

/// Up to `m` distinct indices below `n`, sorted (seeded).
pub fn sample_rows(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5117);
    let mut v = rand::seq::index::sample(&mut rng, n, m.min(n)).into_vec();
    v.sort_unstable();
    v
}

/// Trajectories shown in the strip.
const STRIP_ROWS: usize = 16;

pub fn write(
    out: &Path,
    cfg: &ClusterConfig,
    summary: &ClusterSummary,
    labels: &[u32],
    segs: &[Segment],
    trajectories: &[RangeInclusive<usize>],
    truth: Option<&SubtaskLabels>,
) -> Result<(), String> {
    crate::demo::write_json_atomic(&out.join("report.json"), summary)?;
    // Segment-length histogram per cluster, as frequency polygons over 5-step bins.
    let max_len = segs.iter().map(|s| s.len()).max().unwrap_or(0);
    let bins = max_len / 5 + 1;
    let series: Vec<Series> = (0..cfg.k as u32)
        .map(|c| {
            let mut counts = vec![0usize; bins];
            segs.iter().filter(|s| s.label == c).for_each(|s| counts[s.len() / 5] += 1);
            Series::new(
                format!("skill {c}"),
                counts.iter().enumerate().map(|(b, &n)| (b as f64 * 5.0 + 2.5, n as f64)).collect(),
            )
        })
        .collect();
    let opts = PlotOptions::default();
    line_plot_with(
        &out.join("skill_lengths.png"),
        "segments per length (5-step bins)",
        "segment length (steps)",
        "segments",
        &series,
        &opts,
    )
    .map_err(|e| e.to_string())?;
    let rows: Vec<StripRow> = trajectories
        .iter()
        .take(STRIP_ROWS)
        .enumerate()
        .map(|(i, r)| {
            let mut bands = vec![labels[r.clone()].iter().map(|&l| Some(l)).collect()];
            if let Some(t) = truth {
                bands.push(t.labels[r.clone()].iter().map(|&l| (l != NO_SUBTASK).then_some(l as u32)).collect());
            }
            StripRow { caption: format!("traj {i}"), bands }
        })
        .collect();
    let mut legends = vec![("clusters", (0..cfg.k).map(|c| c.to_string()).collect::<Vec<_>>())];
    if let Some(t) = truth {
        legends.push(("subtask", t.names.clone()));
    }
    let title = format!(
        "{} K-means (K={}), median filter {}: clusters (top) vs ground truth (bottom)",
        cfg.embedder.name(),
        cfg.k,
        cfg.window
    );
    label_strips(&out.join("skill_strip.png"), &title, &rows, &legends).map_err(|e| e.to_string())
}
