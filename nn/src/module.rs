//! The `Module` trait: anything that owns named parameters.

use autograd::Param;

/// A network part with trainable parameters (names are dotted paths, PyTorch style).
pub trait Module {
    /// Every parameter, in a fixed order.
    fn parameters(&self) -> Vec<Param>;

    /// Total number of scalar parameters.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(|p| p.value().numel()).sum()
    }
}
