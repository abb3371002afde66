//! Validation of skill models: the losses on held-out windows and upstream's top-of-N evaluator —
//! decode each window `N` times with latents from the fixed N(0, I) prior and keep, per window, the
//! best action MSE (how well the *space* of skills covers the held-out behaviour).

use crate::data::Batch;
use crate::models::SkillModel;
use autograd::Tape;
use rand::rngs::StdRng;
use tensor::Tensor;

/// Averages of one validation pass.
#[derive(Clone, Debug, Default)]
pub struct ValResult {
    /// `(loss name, mean unweighted value)` in the model's order, then `("total", ..)`.
    pub losses: Vec<(String, f32)>,
    /// Mean over windows of the best-of-N masked action MSE.
    pub top_of_n_mse: f32,
    /// Mean over windows of the masked action MSE of the posterior-mean reconstruction (BC: of the
    /// policy's mean action).
    pub reconstruction_mse: f32,
}

/// Per-window masked action MSE `[B]`: `sum_t,a m_t (x - y)^2 / (A * sum_t m_t)`.
pub fn masked_mse(pred: &Tensor, target: &Tensor, mask: &Tensor) -> Vec<f32> {
    let (b, t, a) = (target.shape()[0], target.shape()[1], target.shape()[2]);
    let (p, y, m) = (pred.to_vec(), target.to_vec(), mask.to_vec());
    (0..b)
        .map(|i| {
            let (mut err, mut count) = (0.0f64, 0.0f64);
            for s in 0..t {
                let w = m[i * t + s] as f64;
                for k in 0..a {
                    let j = (i * t + s) * a + k;
                    err += w * ((p[j] - y[j]) as f64).powi(2);
                }
                count += w * a as f64;
            }
            (err / count.max(1.0)) as f32
        })
        .collect()
}

/// Validation losses and the top-of-N MSE over `batches`. The model is put in evaluation mode for
/// the pass and back in training mode after it.
pub fn validate(model: &mut dyn SkillModel, batches: &[Batch], top_of_n: usize, rng: &mut StdRng) -> ValResult {
    model.eval();
    let tape = Tape::no_grad();
    let mut sums: Vec<(String, f64)> = Vec::new();
    let (mut best_sum, mut rec_sum, mut windows) = (0.0f64, 0.0f64, 0usize);
    for batch in batches {
        let losses = model.losses(&tape, batch, rng);
        let mut values: Vec<(String, f32)> = losses.values().into_iter().map(|(n, v)| (n.to_string(), v)).collect();
        values.push(("total".into(), losses.total().item()));
        if sums.is_empty() {
            sums = values.iter().map(|(n, _)| (n.clone(), 0.0)).collect();
        }
        for ((_, s), (_, v)) in sums.iter_mut().zip(&values) {
            *s += *v as f64 * batch.len() as f64;
        }
        let mut best = vec![f32::INFINITY; batch.len()];
        for _ in 0..top_of_n.max(1) {
            let decoded = model.decode_prior_sample(&tape, batch, rng);
            for (b, e) in best.iter_mut().zip(masked_mse(&decoded, &batch.actions, &batch.action_mask)) {
                *b = b.min(e);
            }
        }
        let rec = model.reconstruct(&tape, batch);
        rec_sum += masked_mse(&rec, &batch.actions, &batch.action_mask).iter().map(|&v| v as f64).sum::<f64>();
        best_sum += best.iter().map(|&v| v as f64).sum::<f64>();
        windows += batch.len();
    }
    model.train();
    let n = windows.max(1) as f64;
    ValResult {
        losses: sums.into_iter().map(|(k, s)| (k, (s / n) as f32)).collect(),
        top_of_n_mse: (best_sum / n) as f32,
        reconstruction_mse: (rec_sum / n) as f32,
    }
}

#[cfg(test)]
mod tests {
    use super::masked_mse;
    use tensor::Tensor;

    #[test]
    fn masked_mse_ignores_padding() {
        // Two windows of 2 steps x 1 action; the second window's second step is padding.
        let pred = Tensor::from_vec(vec![1.0, 2.0, 3.0, 100.0], &[2, 2, 1]);
        let target = Tensor::from_vec(vec![0.0, 0.0, 1.0, 0.0], &[2, 2, 1]);
        let mask = Tensor::from_vec(vec![1.0, 1.0, 1.0, 0.0], &[2, 2]);
        assert_eq!(masked_mse(&pred, &target, &mask), vec![2.5, 4.0]);
    }
}
