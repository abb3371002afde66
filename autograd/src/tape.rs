//! The tape: a record of the ops of one forward pass, replayed in reverse by `backward`.
//!
//! Each op pushes a node holding its backward closure (written with tensor ops beside the
//! forward, in `ops/`). Parameters are leaves keyed by id, so a parameter used twice (a critic
//! on two batches) is one leaf and its gradients add up. Broadcasting is undone in exactly one
//! place: when a gradient is accumulated into an input, it is summed down to the input's shape.

use crate::grads::Grads;
use crate::param::{Param, ParamId};
use crate::var::Var;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use tensor::Tensor;

/// Backward of one op: gets the output gradient and which inputs need a gradient, returns one
/// (possibly broadcast-shaped) gradient per input, `None` where not needed.
pub type BackwardFn = Box<dyn FnOnce(&Tensor, &[bool]) -> Vec<Option<Tensor>>>;

pub(crate) type NodeId = usize;

struct Node {
    inputs: Vec<Option<NodeId>>,
    shapes: Vec<Vec<usize>>,
    backward: Option<BackwardFn>,
    param: Option<ParamId>,
}

#[derive(Default)]
struct TapeInner {
    recording: bool,
    consumed: bool,
    nodes: Vec<Node>,
    leaves: HashMap<ParamId, NodeId>,
}

/// One update step's record of operations. Cheap to clone (a shared handle).
#[derive(Clone)]
pub struct Tape(Rc<RefCell<TapeInner>>);

impl Default for Tape {
    fn default() -> Self {
        Tape::new()
    }
}

impl Tape {
    /// A tape that records operations for `backward`.
    pub fn new() -> Tape {
        Tape(Rc::new(RefCell::new(TapeInner { recording: true, ..Default::default() })))
    }

    /// A tape that records nothing: every `Var` it makes is a constant (inference, targets).
    pub fn no_grad() -> Tape {
        Tape(Rc::new(RefCell::new(TapeInner::default())))
    }

    pub fn is_recording(&self) -> bool {
        self.0.borrow().recording
    }

    /// True when both handles are the same tape.
    pub(crate) fn same_as(&self, other: &Tape) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// The parameter as a differentiable leaf (the same leaf every time it is asked for).
    pub fn param(&self, p: &Param) -> Var {
        let value = p.value();
        let mut inner = self.0.borrow_mut();
        if !inner.recording {
            return Var::constant(value);
        }
        let id = p.id();
        let node = match inner.leaves.get(&id) {
            Some(&n) => n,
            None => {
                let n = inner.nodes.len();
                inner.nodes.push(Node { inputs: vec![], shapes: vec![], backward: None, param: Some(id) });
                inner.leaves.insert(id, n);
                n
            }
        };
        Var::tracked(value, node, self.clone())
    }

    /// Records an op whose inputs are `inputs` and returns its output as a `Var`.
    pub(crate) fn push(&self, inputs: &[&Var], value: Tensor, backward: BackwardFn) -> Var {
        // Node ids are per tape: an input from another tape would alias an unrelated node here.
        assert!(
            inputs.iter().all(|v| v.is_on(self)),
            "autograd: an op mixes values from two tapes; record one step on one Tape"
        );
        let mut inner = self.0.borrow_mut();
        assert!(!inner.consumed, "autograd: this tape was already used by backward(); make a new Tape per step");
        let n = inner.nodes.len();
        inner.nodes.push(Node {
            inputs: inputs.iter().map(|v| v.node()).collect(),
            shapes: inputs.iter().map(|v| v.shape().to_vec()).collect(),
            backward: Some(backward),
            param: None,
        });
        Var::tracked(value, n, self.clone())
    }

    /// Runs the recorded ops backwards from `root` seeded with `seed`; consumes the tape.
    pub(crate) fn backward(&self, root: NodeId, seed: Tensor) -> Grads {
        let mut nodes = {
            let mut inner = self.0.borrow_mut();
            assert!(!inner.consumed, "autograd: backward() called twice on one tape");
            inner.consumed = true;
            std::mem::take(&mut inner.nodes)
        };
        let mut grads: Vec<Option<Tensor>> = vec![None; root + 1];
        grads[root] = Some(seed);
        let mut out = Grads::new();
        for i in (0..=root).rev() {
            let Some(g) = grads[i].take() else { continue };
            let node = &mut nodes[i];
            if let Some(pid) = node.param {
                out.accumulate(pid, g);
                continue;
            }
            let Some(backward) = node.backward.take() else { continue };
            let needs: Vec<bool> = node.inputs.iter().map(Option::is_some).collect();
            let input_grads = backward(&g, &needs);
            for ((input, shape), gi) in node.inputs.iter().zip(&node.shapes).zip(input_grads) {
                if let (Some(j), Some(gi)) = (input, gi) {
                    let gi = gi.sum_to(shape);
                    grads[*j] = Some(match grads[*j].take() {
                        Some(acc) => acc.add(&gi),
                        None => gi,
                    });
                }
            }
        }
        out
    }
}
