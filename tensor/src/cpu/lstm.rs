//! The LSTM cell's pointwise step and its two backward halves, row by row over dense arrays.
//!
//! A new primitive for speed: composed, one cell step is 4 narrows, 4 activations, 3 products
//! and a sum forward (and about twice as many ops backward), each a pass over `[b, h]` and an
//! allocation; the skill VAE runs it ten times per training step. Here the forward is one
//! sweep and each backward half one more. Gate order is PyTorch's `[i, f, g, o]`; sigmoid and
//! tanh are the op table's (`UnaryOp::apply`), so values match the composition exactly.

use super::elementwise::PAR_MIN_ELEMS;
use super::simd;
use crate::op::UnaryOp;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// An uninitialised `[rows, width]` output, filled row by row by `body(row, dst)` (in parallel
/// for large arrays).
fn rows_out(rows: usize, width: usize, body: impl Fn(usize, &mut [MaybeUninit<f32>]) + Sync) -> Vec<f32> {
    let n = rows * width;
    let mut out: Vec<f32> = Vec::with_capacity(n);
    let dst = &mut out.spare_capacity_mut()[..n];
    let fill = |first: usize, part: &mut [MaybeUninit<f32>]| {
        part.chunks_mut(width.max(1)).enumerate().for_each(|(i, d)| body(first + i, d));
    };
    if n >= PAR_MIN_ELEMS && rayon::current_num_threads() > 1 {
        // Several rows per task: a task per 128-wide row would cost more than its arithmetic.
        let per = (PAR_MIN_ELEMS / 4 / width).max(1);
        dst.par_chunks_mut(per * width).enumerate().for_each(|(t, part)| fill(t * per, part));
    } else {
        fill(0, dst);
    }
    // SAFETY: `body` wrote every element of every row through `dense_map`.
    unsafe { out.set_len(n) };
    out
}

/// Forward of one cell step. `gates: [b, 4h]` pre-activations, `c: [b, h]`. Returns
/// `(h_new, c_new, act)` with `act: [b, 4h]` the activated gates `[σ(i), σ(f), tanh(g), σ(o)]`
/// (what the backward reads), `c_new = f·c + i·g`, `h_new = o·tanh(c_new)`.
pub fn forward(gates: &[f32], c: &[f32], b: usize, h: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let act = rows_out(b, 4 * h, |r, d| {
        let row = &gates[r * 4 * h..][..4 * h];
        for (k, (dst, src)) in d.chunks_mut(h).zip(row.chunks(h)).enumerate() {
            // The op is picked outside the loop so each loop body is straight-line code.
            if k == 2 {
                simd::dense_map(dst, [src], &|[x]| UnaryOp::Tanh.apply(x));
            } else {
                simd::dense_map(dst, [src], &|[x]| UnaryOp::Sigmoid.apply(x));
            }
        }
    });
    let gate = |r: usize, k: usize| &act[(4 * r + k) * h..][..h];
    let c_new = rows_out(b, h, |r, d| {
        let rows = [gate(r, 0), gate(r, 1), gate(r, 2), &c[r * h..]];
        simd::dense_map(d, rows, &|[i, f, g, c]| f * c + i * g);
    });
    let h_new = rows_out(b, h, |r, d| {
        simd::dense_map(d, [gate(r, 3), &c_new[r * h..]], &|[o, c]| o * UnaryOp::Tanh.apply(c));
    });
    (h_new, c_new, act)
}

/// Backward through `h_new = o·tanh(c_new)` given `g_h: [b, h]`: returns the gradient of the
/// `o` pre-activation, `g_h·tanh(c_new)·o(1-o)`, and of `c_new`, `g_h·o·(1-tanh²(c_new))`.
pub fn backward_h(act: &[f32], c_new: &[f32], g_h: &[f32], b: usize, h: usize) -> (Vec<f32>, Vec<f32>) {
    let o = |r: usize| &act[(4 * r + 3) * h..][..h];
    let tc = |c: f32| UnaryOp::Tanh.apply(c);
    let d_o = rows_out(b, h, |r, d| {
        simd::dense_map(d, [&g_h[r * h..], o(r), &c_new[r * h..]], &|[g, o, c]| g * tc(c) * (o * (1.0 - o)));
    });
    let d_c = rows_out(b, h, |r, d| {
        simd::dense_map(d, [&g_h[r * h..], o(r), &c_new[r * h..]], &|[g, o, c]| {
            let t = tc(c);
            g * o * (1.0 - t * t)
        });
    });
    (d_o, d_c)
}

/// Backward through `c_new = f·c + i·g` given its total gradient `g_c: [b, h]` and the `o`
/// gradient from `backward_h` (zeros when `None`): returns `d_gates: [b, 4h]` (pre-activation
/// gradients in `[i, f, g, o]` order) and `d_c = g_c·f`.
pub fn backward_c(
    act: &[f32],
    c: &[f32],
    g_c: &[f32],
    d_o: Option<&[f32]>,
    b: usize,
    h: usize,
) -> (Vec<f32>, Vec<f32>) {
    let gate = |r: usize, k: usize| &act[(4 * r + k) * h..][..h];
    let d_gates = rows_out(b, 4 * h, |r, d| {
        let (gc, cr) = (&g_c[r * h..][..h], &c[r * h..][..h]);
        let (i, f, g) = (gate(r, 0), gate(r, 1), gate(r, 2));
        let mut parts = d.chunks_mut(h);
        let mut next = || parts.next().expect("four gate slices");
        simd::dense_map(next(), [gc, g, i], &|[gc, g, i]| gc * g * (i * (1.0 - i)));
        simd::dense_map(next(), [gc, cr, f], &|[gc, c, f]| gc * c * (f * (1.0 - f)));
        simd::dense_map(next(), [gc, i, g], &|[gc, i, g]| gc * i * (1.0 - g * g));
        match d_o {
            Some(d_o) => simd::dense_map(next(), [&d_o[r * h..]], &|[x]| x),
            None => simd::dense_map(next(), [gc], &|[_]| 0.0),
        }
    });
    let d_c = rows_out(b, h, |r, d| simd::dense_map(d, [&g_c[r * h..], gate(r, 1)], &|[g, f]| g * f));
    (d_gates, d_c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::sigmoid;

    fn data(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * 0.71 + seed).sin() * 2.0).collect()
    }

    /// The fused step equals the scalar definition element by element (same activations).
    #[test]
    fn forward_matches_the_scalar_definition() {
        let (b, h) = (3, 5);
        let (gates, c) = (data(b * 4 * h, 0.2), data(b * h, 1.3));
        let (hn, cn, act) = forward(&gates, &c, b, h);
        for r in 0..b {
            for j in 0..h {
                let x = |k: usize| gates[r * 4 * h + k * h + j];
                let (i, f, g, o) = (sigmoid(x(0)), sigmoid(x(1)), UnaryOp::Tanh.apply(x(2)), sigmoid(x(3)));
                let c2 = f * c[r * h + j] + i * g;
                assert_eq!(cn[r * h + j], c2);
                assert_eq!(hn[r * h + j], o * UnaryOp::Tanh.apply(c2));
                assert_eq!(act[r * 4 * h + 3 * h + j], o);
            }
        }
    }

    /// Large enough to run in parallel pieces: still the scalar definition, row for row.
    #[test]
    fn parallel_rows_match_the_scalar_definition() {
        let (b, h) = (97, 130);
        let (gates, c) = (data(b * 4 * h, 0.4), data(b * h, 0.8));
        let (hn, cn, _) = forward(&gates, &c, b, h);
        for j in (0..b * h).step_by(37) {
            let (r, k) = (j / h, j % h);
            let x = |q: usize| gates[r * 4 * h + q * h + k];
            let c2 = sigmoid(x(1)) * c[j] + sigmoid(x(0)) * UnaryOp::Tanh.apply(x(2));
            assert_eq!((cn[j], hn[j]), (c2, sigmoid(x(3)) * UnaryOp::Tanh.apply(c2)), "element {j}");
        }
    }

    /// `backward_c` without an `o` gradient leaves that slice zero; with one, copies it.
    #[test]
    fn backward_c_places_the_output_gate_gradient() {
        let (b, h) = (2, 3);
        let (gates, c, g) = (data(b * 4 * h, 0.5), data(b * h, 0.9), data(b * h, 2.1));
        let (_, cn, act) = forward(&gates, &c, b, h);
        let (d_o, _) = backward_h(&act, &cn, &g, b, h);
        let (with, dc) = backward_c(&act, &c, &g, Some(&d_o), b, h);
        let (without, _) = backward_c(&act, &c, &g, None, b, h);
        for r in 0..b {
            assert_eq!(&with[(4 * r + 3) * h..][..h], &d_o[r * h..][..h]);
            assert!(without[(4 * r + 3) * h..][..h].iter().all(|&v| v == 0.0));
            assert_eq!(&with[4 * r * h..][..3 * h], &without[4 * r * h..][..3 * h]);
            assert_eq!(dc[r * h], g[r * h] * act[(4 * r + 1) * h]);
        }
    }
}
