//! LSTMs as SPiRL builds them: `LstmCell` (PyTorch's `nn.LSTMCell` layout), the per-step
//! `ProcessingLstm` (embed -> stacked cells -> output) and the autoregressive `RecurrentPredictor`.

use crate::init::torch_default_uniform;
use crate::linear::Linear;
use crate::module::Module;
use autograd::{Param, Tape, Var};
use rand::Rng;
use tensor::Tensor;

/// One LSTM cell: gates `[i, f, g, o] = x W_ih^T + b_ih + h W_hh^T + b_hh` (`[b, 4h]`).
/// Both forget-gate biases start at 1 (SPiRL's init, an effective +2).
pub struct LstmCell {
    pub weight_ih: Param,
    pub weight_hh: Param,
    pub bias_ih: Param,
    pub bias_hh: Param,
    pub hidden: usize,
}

impl LstmCell {
    pub fn new<R: Rng + ?Sized>(name: &str, input: usize, hidden: usize, rng: &mut R) -> LstmCell {
        let u = |shape: &[usize], rng: &mut R| torch_default_uniform(shape, hidden, rng);
        let forget_one = |b: Tensor| {
            let mut v = b.to_vec();
            v[hidden..2 * hidden].fill(1.0);
            Tensor::from_vec(v, &[4 * hidden])
        };
        LstmCell {
            weight_ih: Param::new(format!("{name}.weight_ih"), u(&[4 * hidden, input], rng)),
            weight_hh: Param::new(format!("{name}.weight_hh"), u(&[4 * hidden, hidden], rng)),
            bias_ih: Param::new(format!("{name}.bias_ih"), forget_one(u(&[4 * hidden], rng))),
            bias_hh: Param::new(format!("{name}.bias_hh"), forget_one(u(&[4 * hidden], rng))),
            hidden,
        }
    }

    /// One step: `x: [b, in]`, `(h, c): [b, hidden]` -> new `(h, c)`.
    pub fn step(&self, tape: &Tape, x: &Var, h: &Var, c: &Var) -> (Var, Var) {
        let gates = x
            .linear(&tape.param(&self.weight_ih), Some(&tape.param(&self.bias_ih)))
            .add(&h.linear(&tape.param(&self.weight_hh), Some(&tape.param(&self.bias_hh))));
        // c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'), as one fused op.
        Var::lstm_cell_pointwise(&gates, c)
    }
}

impl Module for LstmCell {
    fn parameters(&self) -> Vec<Param> {
        vec![self.weight_ih.clone(), self.weight_hh.clone(), self.bias_ih.clone(), self.bias_hh.clone()]
    }
}

/// SPiRL's per-step LSTM: `embed` Linear (no activation) -> `layers` stacked cells -> `output`
/// Linear, one output per step, state starting at zeros. Names `{name}.embed.*`,
/// `{name}.lstm.{i}.*`, `{name}.output.*`.
pub struct ProcessingLstm {
    pub embed: Linear,
    pub cells: Vec<LstmCell>,
    pub output: Linear,
}

/// Hidden and cell state of every layer.
pub type LstmState = Vec<(Var, Var)>;

impl ProcessingLstm {
    pub fn new<R: Rng + ?Sized>(name: &str, dims: (usize, usize, usize), layers: usize, rng: &mut R) -> Self {
        let (input, hidden, out) = dims;
        ProcessingLstm {
            embed: Linear::new(&format!("{name}.embed"), input, hidden, true, rng),
            cells: (0..layers).map(|i| LstmCell::new(&format!("{name}.lstm.{i}"), hidden, hidden, rng)).collect(),
            output: Linear::new(&format!("{name}.output"), hidden, out, true, rng),
        }
    }

    pub fn zero_state(&self, batch: usize) -> LstmState {
        let dev = self.embed.device();
        let z = || Var::constant(Tensor::zeros_on(&[batch, self.cells[0].hidden], &dev));
        self.cells.iter().map(|_| (z(), z())).collect()
    }

    /// One step: `x: [b, in]` -> (`[b, out]`, new state).
    pub fn step(&self, tape: &Tape, x: &Var, state: &LstmState) -> (Var, LstmState) {
        let mut e = self.embed.forward(tape, x);
        let mut next = Vec::with_capacity(self.cells.len());
        for (cell, (h, c)) in self.cells.iter().zip(state) {
            let (h2, c2) = cell.step(tape, &e, h, c);
            e = h2.clone();
            next.push((h2, c2));
        }
        (self.output.forward(tape, &e), next)
    }

    /// `x: [b, t, in] -> [b, t, out]`.
    pub fn forward(&self, tape: &Tape, x: &Var) -> Var {
        let (b, t) = (x.dim(0), x.dim(1));
        let mut state = self.zero_state(b);
        let mut outs = Vec::with_capacity(t);
        for s in 0..t {
            let (y, next) = self.step(tape, &x.select(1, s), &state);
            outs.push(y);
            state = next;
        }
        Var::stack(&outs, 1)
    }

    /// The output at step `index[i]` of sample `i` (the last valid step of right-padded rows):
    /// `outputs: [b, t, out]`, `index: [b]` -> `[b, out]`.
    pub fn output_at(outputs: &Var, index: &Tensor) -> Var {
        let (b, out) = (outputs.dim(0), outputs.dim(2));
        let idx = index.reshape(&[b, 1, 1]).broadcast_to(&[b, 1, out]);
        outputs.gather(1, &idx).reshape(&[b, out])
    }
}

impl Module for ProcessingLstm {
    fn parameters(&self) -> Vec<Param> {
        let mut p = self.embed.parameters();
        p.extend(self.cells.iter().flat_map(|c| c.parameters()));
        p.extend(self.output.parameters());
        p
    }
}

/// Autoregressive decoder: each step's input is `[previous output, static inputs]`; the first
/// "previous output" and the initial `(h, c)` of every layer are learned constants
/// (`{name}.init_input: [out]`, `{name}.init_hidden: [2 * hidden * layers]`).
pub struct RecurrentPredictor {
    pub lstm: ProcessingLstm,
    pub init_input: Param,
    pub init_hidden: Param,
    pub out_dim: usize,
}

impl RecurrentPredictor {
    /// `static_dim`: width of the inputs concatenated at every step; `out_dim`: fed-back output.
    pub fn new<R: Rng + ?Sized>(
        name: &str,
        static_dim: usize,
        hidden: usize,
        out_dim: usize,
        layers: usize,
        rng: &mut R,
    ) -> Self {
        RecurrentPredictor {
            lstm: ProcessingLstm::new(&format!("{name}.lstm"), (out_dim + static_dim, hidden, out_dim), layers, rng),
            init_input: Param::new(format!("{name}.init_input"), Tensor::zeros(&[out_dim])),
            init_hidden: Param::new(format!("{name}.init_hidden"), Tensor::zeros(&[2 * hidden * layers])),
            out_dim,
        }
    }

    /// Unrolls `steps` steps: `statics: [b, static_dim]` -> `[b, steps, out_dim]`.
    pub fn forward(&self, tape: &Tape, statics: &Var, steps: usize) -> Var {
        let b = statics.dim(0);
        let hidden = self.lstm.cells[0].hidden;
        let init = tape.param(&self.init_hidden);
        let mut state: LstmState = (0..self.lstm.cells.len())
            .map(|l| {
                let part =
                    |k: usize| init.narrow(0, (2 * l + k) * hidden, hidden).unsqueeze(0).broadcast_to(&[b, hidden]);
                (part(0), part(1))
            })
            .collect();
        let mut prev = tape.param(&self.init_input).unsqueeze(0).broadcast_to(&[b, self.out_dim]);
        let mut outs = Vec::with_capacity(steps);
        for _ in 0..steps {
            let (y, next) = self.lstm.step(tape, &Var::cat(&[prev, statics.clone()], 1), &state);
            outs.push(y.clone());
            prev = y;
            state = next;
        }
        Var::stack(&outs, 1)
    }
}

impl Module for RecurrentPredictor {
    fn parameters(&self) -> Vec<Param> {
        let mut p = self.lstm.parameters();
        p.extend([self.init_input.clone(), self.init_hidden.clone()]);
        p
    }
}
