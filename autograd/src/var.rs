//! `Var`: a tensor value plus (when tracked) its place on a tape.

use crate::grads::Grads;
use crate::tape::{BackwardFn, NodeId, Tape};
use tensor::Tensor;

/// A value in a differentiable computation. Constants (data, targets, anything made under
/// `Tape::no_grad`) carry no tape; ops on them cost nothing beyond the tensor op.
#[derive(Clone)]
pub struct Var {
    value: Tensor,
    node: Option<(NodeId, Tape)>,
}

impl Var {
    /// A value that no gradient flows into.
    pub fn constant(value: Tensor) -> Var {
        Var { value, node: None }
    }

    pub(crate) fn tracked(value: Tensor, node: NodeId, tape: Tape) -> Var {
        Var { value, node: Some((node, tape)) }
    }

    pub fn value(&self) -> &Tensor {
        &self.value
    }

    pub fn into_value(self) -> Tensor {
        self.value
    }

    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    pub fn rank(&self) -> usize {
        self.value.rank()
    }

    pub fn dim(&self, d: isize) -> usize {
        self.value.dim(d)
    }

    pub fn numel(&self) -> usize {
        self.value.numel()
    }

    /// The single value of a one-element variable.
    pub fn item(&self) -> f32 {
        self.value.item()
    }

    /// True when gradients can flow into this value.
    pub fn requires_grad(&self) -> bool {
        self.node.is_some()
    }

    pub(crate) fn node(&self) -> Option<NodeId> {
        self.node.as_ref().map(|(n, _)| *n)
    }

    /// True for constants and for values recorded on `tape`.
    pub(crate) fn is_on(&self, tape: &Tape) -> bool {
        self.node.as_ref().is_none_or(|(_, t)| t.same_as(tape))
    }

    /// The same value cut off from the tape.
    pub fn detach(&self) -> Var {
        Var::constant(self.value.clone())
    }

    /// Records an op on the tape of the first tracked input; a constant if none is tracked.
    pub fn record(inputs: &[&Var], value: Tensor, backward: BackwardFn) -> Var {
        match inputs.iter().find_map(|v| v.node.as_ref()) {
            Some((_, tape)) => tape.push(inputs, value, backward),
            None => Var::constant(value),
        }
    }

    /// Gradients of this scalar with respect to every parameter it depends on.
    /// Consumes the tape: make a new `Tape` for the next step.
    pub fn backward(&self) -> Grads {
        assert_eq!(self.numel(), 1, "backward: needs a scalar loss, got shape {:?} (use backward_with)", self.shape());
        self.backward_with(self.value().ones_like())
    }

    /// Backward seeded with `grad` (same shape as this value; moved to its device if needed).
    pub fn backward_with(&self, grad: Tensor) -> Grads {
        assert_eq!(
            grad.shape(),
            self.shape(),
            "backward_with: seed shape {:?} differs from value shape {:?}",
            grad.shape(),
            self.shape()
        );
        // The seed follows the value's device (a CPU-built seed for a GPU loss is moved).
        let grad = grad.to(&self.value.device());
        match &self.node {
            Some((n, tape)) => tape.backward(*n, grad),
            None => Grads::new(),
        }
    }
}

impl From<Tensor> for Var {
    fn from(t: Tensor) -> Var {
        Var::constant(t)
    }
}

impl std::fmt::Debug for Var {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Var(requires_grad={}, {:?})", self.requires_grad(), self.value)
    }
}
