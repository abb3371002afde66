//! The `Module` trait: anything that owns named parameters (and buffers), plus the helpers every
//! training loop needs — train/eval mode, parameter counts, hard copies and Polyak averaging.

use autograd::Param;
use std::collections::HashMap;
use tensor::{Device, Tensor};

/// A network part with trainable parameters. Names are dotted paths, PyTorch `state_dict` style
/// (`encoder.lstm.cell0.weight_ih`), so a PyTorch checkpoint maps onto a module one to one.
pub trait Module {
    /// Every trainable parameter, in a fixed order.
    fn parameters(&self) -> Vec<Param>;

    /// Non-trainable state saved with the parameters (BatchNorm running statistics). The
    /// `Param` type is reused as a named, shared tensor slot; optimizers never see buffers.
    fn buffers(&self) -> Vec<Param> {
        Vec::new()
    }

    /// Switches training behaviour (BatchNorm batch statistics vs running statistics).
    fn set_training(&mut self, _training: bool) {}

    fn train(&mut self) {
        self.set_training(true)
    }

    fn eval(&mut self) {
        self.set_training(false)
    }

    /// Total number of scalar parameters.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(|p| p.value().numel()).sum()
    }

    /// The device of the first parameter (the CPU for a module without parameters).
    fn device(&self) -> Device {
        self.parameters().first().map(|p| p.value().device()).unwrap_or_default()
    }

    /// Moves every parameter and buffer to `device` (in place: the `Param` slots are shared,
    /// so optimizers holding them see the moved values). Optimizer state created afterwards
    /// follows the parameters.
    fn to_device(&self, device: &Device) {
        for p in self.parameters().iter().chain(self.buffers().iter()) {
            p.set(p.value().to(device));
        }
    }

    /// Parameters and buffers by name, as a checkpoint stores them.
    fn state_dict(&self) -> Vec<(String, Tensor)> {
        self.parameters().iter().chain(self.buffers().iter()).map(|p| (p.name().to_string(), p.value())).collect()
    }
}

/// Pairs the parameters (and buffers) of two modules of the same architecture by name.
fn pair_by_name(dst: &dyn Module, src: &dyn Module) -> Vec<(Param, Param)> {
    let src_map: HashMap<String, Param> =
        src.parameters().into_iter().chain(src.buffers()).map(|p| (p.name().to_string(), p)).collect();
    dst.parameters()
        .into_iter()
        .chain(dst.buffers())
        .map(|d| {
            let s =
                src_map.get(d.name()).unwrap_or_else(|| panic!("copy: source module has no parameter {}", d.name()));
            (d, s.clone())
        })
        .collect()
}

/// `dst <- src` for every parameter and buffer (e.g. initialising SAC target critics).
pub fn hard_update(dst: &dyn Module, src: &dyn Module) {
    for (d, s) in pair_by_name(dst, src) {
        d.set(s.value());
    }
}

/// `dst <- (1 - tau) * dst + tau * src` for every parameter (buffers are copied), the Polyak
/// averaging of SAC's target networks.
pub fn polyak_update(dst: &dyn Module, src: &dyn Module, tau: f32) {
    let buffers: Vec<String> = dst.buffers().iter().map(|b| b.name().to_string()).collect();
    for (d, s) in pair_by_name(dst, src) {
        if buffers.iter().any(|b| b == d.name()) {
            d.set(s.value());
        } else {
            d.set(d.value().mul_scalar(1.0 - tau).add(&s.value().mul_scalar(tau)));
        }
    }
}
