//! Losses, with upstream's convention: every loss is the mean over **all** elements of
//! `error * weight` (masked-out elements contribute 0 but still count in the denominator).

use crate::dist::Gaussian;
use autograd::Var;
use tensor::Tensor;

const HALF_LOG_2PI: f32 = 0.918_938_5;

/// `mean((pred - target)^2)` over all elements.
pub fn mse(pred: &Var, target: &Tensor) -> Var {
    pred.sub(&Var::constant(target.clone())).square().mean_all()
}

/// `mean(mask * (pred - target)^2)` over all elements (mask broadcasts).
pub fn masked_mse(pred: &Var, target: &Tensor, mask: &Tensor) -> Var {
    pred.sub(&Var::constant(target.clone())).square().mul(&Var::constant(mask.clone())).mean_all()
}

/// Negative log-likelihood under `N(pred, 1)`: `mean((x - pred)^2 / 2 + log(2 pi) / 2)`.
pub fn gaussian_nll_unit(pred: &Var, target: &Tensor) -> Var {
    pred.sub(&Var::constant(target.clone())).square().mul_scalar(0.5).add_scalar(HALF_LOG_2PI).mean_all()
}

/// Masked unit-variance Gaussian NLL: `mean(mask * ((x - pred)^2 / 2 + log(2 pi) / 2))`.
pub fn masked_gaussian_nll_unit(pred: &Var, target: &Tensor, mask: &Tensor) -> Var {
    let nll = pred.sub(&Var::constant(target.clone())).square().mul_scalar(0.5).add_scalar(HALF_LOG_2PI);
    nll.mul(&Var::constant(mask.clone())).mean_all()
}

/// Mean negative log-likelihood of integer `labels: [n]` under `logits: [n, classes]`.
pub fn cross_entropy(logits: &Var, labels: &Tensor) -> Var {
    let n = logits.dim(0);
    assert_eq!(
        labels.shape(),
        [n],
        "cross_entropy: labels shape {:?} does not fit logits {:?}",
        labels.shape(),
        logits.shape()
    );
    logits.log_softmax(-1).gather(1, &labels.reshape(&[n, 1])).mean_all().neg()
}

/// Mean over all elements of the per-dim `KL(q || p)`.
pub fn kl_loss(q: &Gaussian, p: &Gaussian) -> Var {
    q.kl(p).mean_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_entropy_of_uniform_logits_is_log_k() {
        let logits = Var::constant(Tensor::zeros(&[4, 5]));
        let ce = cross_entropy(&logits, &Tensor::from_vec(vec![0., 1., 4., 2.], &[4]));
        assert!((ce.item() - 5f32.ln()).abs() < 1e-6);
    }

    #[test]
    fn masked_losses_count_masked_elements_in_the_mean() {
        let p = Var::constant(Tensor::from_vec(vec![1., 2.], &[2]));
        let zero = Tensor::from_vec(vec![0., 0.], &[2]);
        assert!((mse(&p, &zero).item() - 2.5).abs() < 1e-6);
        let mask = Tensor::from_vec(vec![1., 0.], &[2]);
        assert!((masked_mse(&p, &zero, &mask).item() - 0.5).abs() < 1e-6);
        let nll = masked_gaussian_nll_unit(&p, &zero, &mask).item();
        assert!((nll - (0.5 + HALF_LOG_2PI) / 2.0).abs() < 1e-6);
    }
}
