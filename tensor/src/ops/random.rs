//! Seeded random tensors (uniform, normal, categorical) from `rand`'s generators.
//!
//! Every function takes the generator explicitly, so a run is reproducible from its seed and
//! two parts of a program never share hidden state. Samples are always drawn on the CPU; for a
//! GPU they are uploaded (`*_on`, or `categorical` of GPU probabilities), so a seed gives the
//! same numbers on every device.

use crate::storage::Device;
use crate::tensor::Tensor;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

impl Tensor {
    /// Uniform samples in `[lo, hi)`.
    pub fn rand_uniform<R: Rng + ?Sized>(shape: &[usize], lo: f32, hi: f32, rng: &mut R) -> Tensor {
        let n = shape.iter().product();
        Tensor::from_vec((0..n).map(|_| lo + (hi - lo) * rng.random::<f32>()).collect(), shape)
    }

    /// Normal samples with the given mean and standard deviation.
    pub fn randn<R: Rng + ?Sized>(shape: &[usize], mean: f32, std: f32, rng: &mut R) -> Tensor {
        let n = shape.iter().product();
        Tensor::from_vec(
            (0..n)
                .map(|_| {
                    let z: f32 = StandardNormal.sample(rng);
                    mean + std * z
                })
                .collect(),
            shape,
        )
    }

    /// One class index per row of `probs: [.., k]` (non-negative weights, need not sum to 1),
    /// drawn by inverse-CDF sampling -> `[..]`.
    pub fn categorical<R: Rng + ?Sized>(probs: &Tensor, rng: &mut R) -> Tensor {
        let k = probs.dim(-1);
        assert!(k > 0, "categorical: probabilities of shape {:?} have no classes", probs.shape());
        let p = probs.to_vec();
        let out: Vec<f32> = p
            .chunks(k)
            .map(|row| {
                assert!(row.iter().all(|&w| w >= 0.0), "categorical: row {row:?} has a negative weight");
                let total: f32 = row.iter().sum();
                assert!(total > 0.0 && total.is_finite(), "categorical: row {row:?} has no positive finite mass");
                let u = rng.random::<f32>() * total;
                let mut acc = 0.0;
                for (i, &w) in row.iter().enumerate() {
                    acc += w;
                    if u < acc {
                        return i as f32;
                    }
                }
                // Rounding left `u` past the last bin: take the last class with mass.
                row.iter().rposition(|&w| w > 0.0).unwrap_or(k - 1) as f32
            })
            .collect();
        Tensor::from_vec(out, &probs.shape()[..probs.rank() - 1]).to(&probs.device())
    }

    /// `rand_uniform` placed on `device`.
    pub fn rand_uniform_on<R: Rng + ?Sized>(shape: &[usize], lo: f32, hi: f32, rng: &mut R, device: &Device) -> Tensor {
        Tensor::rand_uniform(shape, lo, hi, rng).to(device)
    }

    /// `randn` placed on `device`.
    pub fn randn_on<R: Rng + ?Sized>(shape: &[usize], mean: f32, std: f32, rng: &mut R, device: &Device) -> Tensor {
        Tensor::randn(shape, mean, std, rng).to(device)
    }
}
