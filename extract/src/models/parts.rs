//! Building blocks shared by the skill models, named as upstream's module tree names them: the
//! observation-conditioned MLP (`PriorNet`), the LSTM skill encoder (`SkillEncoder`, upstream `q`) and
//! the open-loop LSTM skill decoder with learned initial input and state (`SkillDecoder`).

use super::config::{ImageSpec, InputSpec, Normalization, ObsInput};
use autograd::{Param, Tape, Var};
use nn::dist::Gaussian;
use nn::{Conv2d, ConvEncoder, Linear, LstmState, Mlp, MlpConfig, Module, ProcessingLstm};
use rand::Rng;
use tensor::Tensor;

/// Every parameter of `parts`, in order.
pub(crate) fn params_of(parts: &[&dyn Module]) -> Vec<Param> {
    parts.iter().flat_map(|m| m.parameters()).collect()
}

/// Every buffer (BatchNorm running statistics) of `parts`, in order.
pub(crate) fn buffers_of(parts: &[&dyn Module]) -> Vec<Param> {
    parts.iter().flat_map(|m| m.buffers()).collect()
}

/// `mu + sigma * eps`: a reparameterised sample with given standard-normal noise `eps` (same shape).
pub fn sample_with(g: &Gaussian, eps: &Tensor) -> Var {
    assert_eq!(
        g.mu.shape(),
        eps.shape(),
        "sample_with: noise shape {:?} vs distribution {:?}",
        eps.shape(),
        g.mu.shape()
    );
    g.mu.add(&g.sigma().mul(&Var::constant(eps.to(&g.mu.value().device()))))
}

/// `mean_b(-sum_z log p(z_b))`: upstream's `NLL` of a `MultivariateGaussian`.
pub fn nll(p: &Gaussian, z: &Var) -> Var {
    p.log_prob_sum(z).mean_all().neg()
}

/// SPiRL's conv encoder as upstream's `Encoder` module named `prefix` holds it: the blocks at
/// `{prefix}.net.net.{input, pyramid-i}` and the head conv at `{prefix}.net.net.head`.
fn upstream_conv_encoder<R: Rng + ?Sized>(
    prefix: &str,
    img: ImageSpec,
    ngf: usize,
    out: usize,
    norm: Normalization,
    rng: &mut R,
) -> ConvEncoder {
    let mut enc = ConvEncoder::new(&format!("{prefix}.net"), img.res, 3 * img.frames, ngf, out, norm.norm(), rng);
    // nn's encoder names its head `{name}.head`; upstream's head sits inside the `net` Sequential.
    let (c_in, k) = (enc.head.weight.shape()[1], enc.head.weight.shape()[2]);
    enc.head = Conv2d::new(&format!("{prefix}.net.net.head"), (c_in, out), k, (1, 0), true, rng);
    enc
}

/// Where a `PriorNet`'s parameters live in upstream's module tree.
pub(crate) struct PriorNames<'a> {
    /// The `Encoder` module (image input only), e.g. `p.0.1`.
    pub encoder: &'a str,
    /// The MLP: for image input e.g. `p.0.3`; for state input the prefix of the whole net.
    pub mlp_image: &'a str,
    pub mlp_state: &'a str,
}

/// Sizes of a `PriorNet`.
pub(crate) struct PriorDims {
    /// Width of the image feature (image input).
    pub feature: usize,
    /// Width of the extra inputs concatenated after the feature (EXTRACT's one-hot skill).
    pub extra: usize,
    pub mid: usize,
    pub layers: usize,
    pub out: usize,
    pub ngf: usize,
}

/// An MLP on the observation: for states `Mlp(state [, extra])`; for frame stacks
/// `Mlp(ConvEncoder(frames) [, extra])` (upstream `Sequential(ResizeSpatial, Encoder, RemoveSpatial, Predictor)`).
pub struct PriorNet {
    pub encoder: Option<ConvEncoder>,
    pub mlp: Mlp,
}

impl PriorNet {
    pub(crate) fn new<R: Rng + ?Sized>(
        input: ObsInput,
        spec: &InputSpec,
        names: PriorNames,
        d: PriorDims,
        norm: Normalization,
        rng: &mut R,
    ) -> Result<PriorNet, String> {
        let (encoder, in_dim, mlp_name) = match input {
            ObsInput::State => (None, spec.state_dim, names.mlp_state),
            ObsInput::Image => {
                let img = spec.require_image()?;
                if img.res < 8 || img.frames == 0 {
                    return Err(format!(
                        "image input {}x{} with {} frames: need >= 8 px and >= 1 frame",
                        img.res, img.res, img.frames
                    ));
                }
                (
                    Some(upstream_conv_encoder(names.encoder, img, d.ngf, d.feature, norm, rng)),
                    d.feature,
                    names.mlp_image,
                )
            }
        };
        let cfg = MlpConfig {
            in_dim: in_dim + d.extra,
            mid_dim: d.mid,
            out_dim: d.out,
            num_layers: d.layers,
            norm: norm.norm(),
            slope: 0.2,
        };
        Ok(PriorNet { encoder, mlp: Mlp::new(mlp_name, cfg, rng) })
    }

    /// The observation feature: `[b, 3F, res, res] -> [b, feature]` through the conv encoder, states as they are.
    pub fn features(&self, tape: &Tape, obs: &Tensor) -> Var {
        let x = Var::constant(obs.to(&self.mlp.blocks[0].linear.weight.value().device()));
        match &self.encoder {
            Some(enc) => enc.forward(tape, &x),
            None => x,
        }
    }

    /// `obs -> [b, out]`, with `extra: [b, extra]` concatenated after the observation feature.
    pub fn forward(&self, tape: &Tape, obs: &Tensor, extra: Option<&Var>) -> Var {
        let f = self.features(tape, obs);
        match extra {
            Some(e) => self.mlp.forward_cat(tape, &[f, e.clone()]),
            None => self.mlp.forward(tape, &f),
        }
    }
}

impl Module for PriorNet {
    fn parameters(&self) -> Vec<Param> {
        let mut p = self.encoder.as_ref().map(|e| e.parameters()).unwrap_or_default();
        p.extend(self.mlp.parameters());
        p
    }
    fn buffers(&self) -> Vec<Param> {
        let mut b = self.encoder.as_ref().map(|e| e.buffers()).unwrap_or_default();
        b.extend(self.mlp.buffers());
        b
    }
    fn set_training(&mut self, training: bool) {
        if let Some(e) = &mut self.encoder {
            e.set_training(training);
        }
        self.mlp.set_training(training);
    }
}

/// Upstream `q = Sequential(BaseProcessingLSTM(in -> nz_enc), Linear(nz_enc -> 2Z))`: per-step
/// embed -> LSTM cells -> output Linear, read at one step per row, then the Gaussian head.
/// Names `q.0.cell.{embed, lstm.i, output}.*`, `q.1.*`.
pub struct SkillEncoder {
    pub lstm: ProcessingLstm,
    pub head: Linear,
}

impl SkillEncoder {
    /// `dims = (input, lstm hidden, nz_enc, 2Z)`.
    pub(crate) fn new<R: Rng + ?Sized>(dims: (usize, usize, usize, usize), layers: usize, rng: &mut R) -> Self {
        let (input, hidden, nz_enc, out) = dims;
        SkillEncoder {
            lstm: ProcessingLstm::new("q.0.cell", (input, hidden, nz_enc), layers, rng),
            head: Linear::new("q.1", nz_enc, out, true, rng),
        }
    }

    /// `x: [b, t, in]` -> `[b, 2Z]`, read at the last step, or at step `last[i]` of row `i` (`last: [b]`).
    pub fn forward(&self, tape: &Tape, x: &Tensor, last: Option<&Tensor>) -> Var {
        let (b, t) = (x.shape()[0], x.shape()[1]);
        let mut state = self.lstm.zero_state(b);
        let mut hs = Vec::with_capacity(t);
        for s in 0..t {
            // The inputs are data: slicing the tensor (not a Var) keeps the slices off the tape.
            hs.push(cells_step(&self.lstm, tape, &Var::constant(x.select(1, s)), &mut state));
        }
        let h = match last {
            None => hs.pop().expect("SkillEncoder: a sequence of zero steps"),
            Some(idx) => ProcessingLstm::output_at(&Var::stack(&hs, 1), &idx.to(&x.device())),
        };
        // The output Linear is per step upstream; applying it only to the step that is read is the same.
        self.head.forward(tape, &self.lstm.output.forward(tape, &h))
    }
}

/// Embed -> stacked cells for one step, updating `state`; returns the top cell's `h: [b, hidden]`.
fn cells_step(lstm: &ProcessingLstm, tape: &Tape, x: &Var, state: &mut LstmState) -> Var {
    let mut h_in = lstm.embed.forward(tape, x);
    for (cell, st) in lstm.cells.iter().zip(state.iter_mut()) {
        let (h, c) = cell.step(tape, &h_in, &st.0, &st.1);
        *st = (h.clone(), c);
        h_in = h;
    }
    h_in
}

impl Module for SkillEncoder {
    fn parameters(&self) -> Vec<Param> {
        params_of(&[&self.lstm, &self.head])
    }
}

/// Upstream's open-loop `RecurrentPredictor` decoder: step input `[x_{t-1}, statics]`, output `x_t`
/// fed back; `x_0` and the initial `(h, c)` of every layer are learned constants
/// (`decoder_input_initalizer.val: [1, out]`, `decoder_hidden_initalizer.val: [1, 2 * hidden * layers]`,
/// laid out `[h_0, c_0, h_1, c_1, ..]`). Cell names `decoder.cell.{embed, lstm.i, output}.*`.
pub struct SkillDecoder {
    pub lstm: ProcessingLstm,
    pub init_input: Param,
    pub init_hidden: Param,
    pub out_dim: usize,
}

impl SkillDecoder {
    /// `dims = (statics width, lstm hidden, out)`.
    pub(crate) fn new<R: Rng + ?Sized>(dims: (usize, usize, usize), layers: usize, rng: &mut R) -> Self {
        let (statics, hidden, out) = dims;
        SkillDecoder {
            lstm: ProcessingLstm::new("decoder.cell", (out + statics, hidden, out), layers, rng),
            init_input: Param::new("decoder_input_initalizer.val", Tensor::zeros(&[1, out])),
            init_hidden: Param::new("decoder_hidden_initalizer.val", Tensor::zeros(&[1, 2 * hidden * layers])),
            out_dim: out,
        }
    }

    /// Unrolls `steps` steps: `statics: [b, s]` -> `[b, steps, out]`.
    pub fn forward(&self, tape: &Tape, statics: &Var, steps: usize) -> Var {
        let b = statics.dim(0);
        let hidden = self.lstm.cells[0].hidden;
        let init = tape.param(&self.init_hidden);
        let part = |i: usize| init.narrow(1, i * hidden, hidden).broadcast_to(&[b, hidden]);
        let mut state: LstmState = (0..self.lstm.cells.len()).map(|l| (part(2 * l), part(2 * l + 1))).collect();
        let mut prev = tape.param(&self.init_input).broadcast_to(&[b, self.out_dim]);
        let mut outs = Vec::with_capacity(steps);
        for _ in 0..steps {
            let h = cells_step(&self.lstm, tape, &Var::cat(&[prev, statics.clone()], 1), &mut state);
            prev = self.lstm.output.forward(tape, &h);
            outs.push(prev.clone());
        }
        Var::stack(&outs, 1)
    }
}

impl Module for SkillDecoder {
    fn parameters(&self) -> Vec<Param> {
        let mut p = self.lstm.parameters();
        p.extend([self.init_input.clone(), self.init_hidden.clone()]);
        p
    }
}
