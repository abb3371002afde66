//! Finite-difference gradient check: analytic gradients from the tape against central
//! differences of the same function.

use crate::param::Param;
use crate::tape::Tape;
use crate::var::Var;
use tensor::Tensor;

/// Step and tolerances of a gradient check. An element passes when
/// `|analytic - numeric| <= atol + rtol * |numeric|`.
#[derive(Clone, Copy, Debug)]
pub struct GradcheckOptions {
    pub eps: f32,
    pub atol: f32,
    pub rtol: f32,
}

impl Default for GradcheckOptions {
    /// Suited to f32 compute: a step of 1e-3 keeps rounding error near 1e-4 for O(1) values.
    fn default() -> Self {
        GradcheckOptions { eps: 1e-3, atol: 2e-3, rtol: 2e-2 }
    }
}

/// `sum(f(inputs) * w)` in f64, with `w` a fixed pseudo-random projection so that every output
/// element matters and none cancels another.
fn projected(out: &Tensor) -> f64 {
    out.to_vec().iter().enumerate().map(|(i, &v)| v as f64 * weight(i)).sum()
}

fn weight(i: usize) -> f64 {
    0.5 + ((i as f64 * 0.754_877_666).fract())
}

/// Checks the gradients `f` produces for every input. Returns a message naming the input,
/// the element and both values on the first mismatch. Runs on the inputs' device (the
/// perturbed copies are moved there); the projection is summed in f64 on the host.
pub fn gradcheck(f: impl Fn(&[Var]) -> Var, inputs: &[Tensor], opts: GradcheckOptions) -> Result<(), String> {
    let params: Vec<Param> =
        inputs.iter().enumerate().map(|(i, t)| Param::new(format!("input{i}"), t.contiguous())).collect();
    let tape = Tape::new();
    let vars: Vec<Var> = params.iter().map(|p| tape.param(p)).collect();
    let out = f(&vars);
    let w: Vec<f32> = (0..out.numel()).map(|i| weight(i) as f32).collect();
    let grads = out.backward_with(Tensor::from_vec(w, out.shape()).to(&out.value().device()));
    let eval = |xs: &[Tensor]| {
        let vs: Vec<Var> = xs.iter().map(|t| Var::constant(t.clone())).collect();
        projected(f(&vs).value())
    };
    for (i, p) in params.iter().enumerate() {
        let x = p.value().to_vec();
        let analytic = match grads.get(p) {
            Some(g) => g.to_vec(),
            None => vec![0.0; x.len()],
        };
        for j in 0..x.len() {
            let mut xs: Vec<Tensor> = params.iter().map(|q| q.value()).collect();
            let mut bump = |delta: f32| {
                let mut v = x.clone();
                v[j] += delta;
                xs[i] = Tensor::from_vec(v, p.value().shape()).to(&p.value().device());
                eval(&xs)
            };
            let numeric = ((bump(opts.eps) - bump(-opts.eps)) / (2.0 * opts.eps as f64)) as f32;
            let a = analytic[j];
            let ok = (a - numeric).abs() <= opts.atol + opts.rtol * numeric.abs();
            if !ok {
                return Err(format!("input {i} element {j}: analytic {a} vs numeric {numeric} (x = {})", x[j]));
            }
        }
    }
    Ok(())
}
