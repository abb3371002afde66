//! Losses: mean squared error and softmax cross-entropy.

use autograd::Var;
use tensor::Tensor;

/// `mean((pred - target)^2)` over all elements.
pub fn mse(pred: &Var, target: &Tensor) -> Var {
    pred.sub(&Var::constant(target.clone())).square().mean_all()
}

/// Mean negative log-likelihood of integer `labels: [n]` under `logits: [n, classes]`.
pub fn cross_entropy(logits: &Var, labels: &Tensor) -> Var {
    let n = logits.dim(0);
    assert_eq!(
        labels.shape(),
        [n],
        "cross_entropy: labels shape {:?} does not match logits {:?}",
        labels.shape(),
        logits.shape()
    );
    logits.log_softmax(-1).gather(1, &labels.reshape(&[n, 1])).mean_all().neg()
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
    fn mse_value() {
        let p = Var::constant(Tensor::from_vec(vec![1., 2.], &[2]));
        assert!((mse(&p, &Tensor::from_vec(vec![0., 0.], &[2])).item() - 2.5).abs() < 1e-6);
    }
}
