//! `Grads`: the gradients one backward pass produced, keyed by parameter id.

use crate::param::{Param, ParamId};
use std::collections::HashMap;
use tensor::Tensor;

/// Gradient of the loss with respect to each parameter the loss depended on.
#[derive(Default, Clone)]
pub struct Grads(HashMap<ParamId, Tensor>);

impl Grads {
    pub fn new() -> Grads {
        Grads::default()
    }

    /// The gradient of `p`, or `None` when the loss did not depend on it.
    pub fn get(&self, p: &Param) -> Option<&Tensor> {
        self.0.get(&p.id())
    }

    pub fn get_id(&self, id: ParamId) -> Option<&Tensor> {
        self.0.get(&id)
    }

    /// Stores (or adds to) the gradient for `id`.
    pub fn accumulate(&mut self, id: ParamId, g: Tensor) {
        let entry = match self.0.remove(&id) {
            Some(old) => old.add(&g),
            None => g,
        };
        self.0.insert(id, entry);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ParamId, &Tensor)> {
        self.0.iter()
    }

    /// Euclidean norm of all gradients taken together.
    pub fn global_norm(&self) -> f32 {
        self.0.values().map(|g| g.square().sum_all().item()).sum::<f32>().sqrt()
    }

    /// Scales all gradients so their global norm is at most `max_norm`; returns the norm before.
    pub fn clip_global_norm(&mut self, max_norm: f32) -> f32 {
        let norm = self.global_norm();
        if norm > max_norm && norm > 0.0 {
            let s = max_norm / norm;
            for g in self.0.values_mut() {
                *g = g.mul_scalar(s);
            }
        }
        norm
    }
}
