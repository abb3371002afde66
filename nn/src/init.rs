//! Weight initialisers, with PyTorch's formulas.

use rand::Rng;
use tensor::Tensor;

/// PyTorch's default for `nn.Linear` / `nn.Conv2d` weights (`kaiming_uniform_(a = sqrt(5))`) and
/// biases: `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`.
pub fn torch_default_uniform<R: Rng + ?Sized>(shape: &[usize], fan_in: usize, rng: &mut R) -> Tensor {
    let bound = 1.0 / (fan_in.max(1) as f32).sqrt();
    Tensor::rand_uniform(shape, -bound, bound, rng)
}

/// Xavier (Glorot) normal: `N(0, gain^2 * 2 / (fan_in + fan_out))`.
pub fn xavier_normal<R: Rng + ?Sized>(
    shape: &[usize],
    fan_in: usize,
    fan_out: usize,
    gain: f32,
    rng: &mut R,
) -> Tensor {
    let std = gain * (2.0 / (fan_in + fan_out).max(1) as f32).sqrt();
    Tensor::randn(shape, 0.0, std, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn xavier_std_matches_formula() {
        let mut rng = StdRng::seed_from_u64(1);
        let t = xavier_normal(&[200, 300], 300, 200, 1.0, &mut rng);
        let std = t.var(&[], false, true).item().sqrt();
        assert!((std - (2.0f32 / 500.0).sqrt()).abs() < 2e-3, "{std}");
    }

    #[test]
    fn uniform_bound() {
        let mut rng = StdRng::seed_from_u64(2);
        let t = torch_default_uniform(&[64, 16], 16, &mut rng);
        assert!(t.abs().max(&[], false).item() <= 0.25);
    }
}
