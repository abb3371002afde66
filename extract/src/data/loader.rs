//! `Loader`: an endless stream of batches of one split, prepared ahead on worker threads.
//!
//! Batch `i` is `SkillDataset::batch(split, seed, i)`, so the stream does not depend on the number of
//! workers or the prefetch depth, and a loader built with `start = i` continues a killed run exactly.
//! Worker `w` of `W` makes batches `start + w, start + w + W, …` into its own bounded channel, and
//! the consumer reads the channels round-robin, which keeps the order.

use super::batch::Batch;
use super::dataset::{SkillDataset, Split};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

/// Background batch producer (an `Iterator` that never ends).
pub struct Loader {
    channels: Vec<Receiver<Batch>>,
    workers: Vec<JoinHandle<()>>,
    start: u64,
    next: u64,
}

impl Loader {
    /// Starts the data threads (`DataConfig::workers`, `DataConfig::prefetch`) at batch `start`.
    pub fn new(dataset: Arc<SkillDataset>, split: Split, seed: u64, start: u64) -> Loader {
        let (workers, prefetch) = (dataset.config().workers, dataset.config().prefetch);
        Loader::with_threads(dataset, split, seed, start, workers, prefetch)
    }

    /// Starts `workers` threads producing batches `start, start + 1, …` of `split`, keeping about
    /// `prefetch` batches ready in all.
    pub fn with_threads(
        dataset: Arc<SkillDataset>,
        split: Split,
        seed: u64,
        start: u64,
        workers: usize,
        prefetch: usize,
    ) -> Loader {
        let n = workers.max(1);
        let depth = prefetch.max(1).div_ceil(n);
        let mut channels = Vec::with_capacity(n);
        let mut handles = Vec::with_capacity(n);
        for w in 0..n as u64 {
            let (tx, rx) = sync_channel(depth);
            let dataset = Arc::clone(&dataset);
            let handle = std::thread::Builder::new()
                .name(format!("skill-data-{w}"))
                .spawn(move || {
                    // Ends when the loader is dropped (send fails on a closed channel).
                    for i in (start + w..).step_by(n) {
                        if tx.send(dataset.batch(split, seed, i)).is_err() {
                            break;
                        }
                    }
                })
                .expect("Loader: cannot spawn a data thread");
            channels.push(rx);
            handles.push(handle);
        }
        Loader { channels, workers: handles, start, next: start }
    }

    /// Index of the batch the next call to `next` returns.
    pub fn next_index(&self) -> u64 {
        self.next
    }
}

impl Iterator for Loader {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        let w = ((self.next - self.start) % self.channels.len() as u64) as usize;
        let batch =
            self.channels[w].recv().unwrap_or_else(|_| panic!("Loader: data thread {w} died (see its panic above)"));
        self.next += 1;
        Some(batch)
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        // Closing the receivers unblocks the workers, which then exit.
        self.channels.clear();
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}
