//! Per-step embeddings for clustering: the `Embedder` trait, the state embedder, the pretrained image
//! embedders (`image`), and `embed_frames`, which runs an embedder over a data set's
//! `rendered_frames` in batches (in parallel on the CPU) with a progress bar.

pub mod image;

use envs::dataset::D4rlFile;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

pub use image::{Backbone, FRAME_SIZE, ImageEmbedder, default_efficientnet_weights, preprocess};

/// Frames read from the file at once (upstream's `BATCH_SIZE`), then cut into network batches.
pub const READ_CHUNK: usize = 256;

/// Frames per network forward.
pub const DEFAULT_BATCH: usize = 32;

/// A per-frame image embedding: uint8 RGB frames in, one `dim`-wide row of features per frame out.
pub trait Embedder: Sync {
    /// The name used in output folders (upstream: `r3m-99`).
    fn name(&self) -> &'static str;

    /// Width of one embedding.
    fn dim(&self) -> usize;

    /// The `(height, width)` the embedder requires, `None` for any.
    fn frame_size(&self) -> Option<(usize, usize)>;

    /// Whether batches may run concurrently (CPU backbones: yes; one GPU queue: no).
    fn parallel_batches(&self) -> bool;

    /// `frames`: `n` frames `[n, h, w, 3]` row-major -> `[n, dim]` row-major.
    fn embed(&self, frames: &[u8], n: usize, hw: (usize, usize)) -> Vec<f32>;
}

/// The `(height, width)` of `file`'s frames, or one error naming the file when it has none or when
/// they are not `want` (the size the `name` embedder takes).
pub fn check_frames(file: &D4rlFile, name: &str, want: Option<(usize, usize)>) -> Result<(usize, usize), String> {
    let path = file.path().display();
    let hw = file.frame_size().map_err(|e| e.to_string())?.ok_or_else(|| {
        format!("{path}: no `rendered_frames` dataset; the {name} embedder needs frames (gen-data renders them)")
    })?;
    match want {
        Some(w) if w != hw => Err(format!(
            "{path}: `rendered_frames` are {}x{}, the {name} embedder takes {}x{} frames",
            hw.0, hw.1, w.0, w.1
        )),
        _ => Ok(hw),
    }
}

/// Embeds every frame of `file` with `embedder`, `batch` frames per forward: `(n × dim, dim)`.
/// A file without `rendered_frames`, or with frames of another size than the embedder takes, is one
/// error naming the file (`check_frames`).
pub fn embed_frames(file: &D4rlFile, embedder: &dyn Embedder, batch: usize) -> Result<(Vec<f32>, usize), String> {
    let hw = check_frames(file, embedder.name(), embedder.frame_size())?;
    let (n, dim, frame) = (file.len(), embedder.dim(), hw.0 * hw.1 * 3);
    let bar = ProgressBar::new(n as u64);
    let style = ProgressStyle::with_template("embedding {pos}/{len} frames ({per_sec}, eta {eta}) {wide_bar}");
    bar.set_style(style.expect("valid template"));
    let mut out = Vec::with_capacity(n * dim);
    for start in (0..n).step_by(READ_CHUNK) {
        let frames = file.frames(start..(start + READ_CHUNK).min(n)).map_err(|e| e.to_string())?;
        let one = |chunk: &[u8]| {
            let rows = embedder.embed(chunk, chunk.len() / frame, hw);
            bar.inc((chunk.len() / frame) as u64);
            rows
        };
        let rows: Vec<Vec<f32>> = if embedder.parallel_batches() {
            frames.par_chunks(batch.max(1) * frame).map(one).collect()
        } else {
            frames.chunks(batch.max(1) * frame).map(one).collect()
        };
        rows.into_iter().for_each(|r| out.extend(r));
    }
    bar.finish_and_clear();
    Ok((out, dim))
}
