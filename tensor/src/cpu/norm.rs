//! Per-channel kernels of batch normalisation on a dense array viewed as `[outer, c, inner]`.
//!
//! A new primitive because the composed version (mean, subtract, square, mean, rsqrt, multiply,
//! scale, shift, and about as many ops again backward) makes ~7 full passes over the activations
//! forward and more backward, each allocating; the conv encoder spent ~15% of its time there.
//! These make two read passes for the statistics and one write pass for the map, forward and
//! backward alike. Statistics are two-pass (mean, then centred squares), as stable as the
//! composition; maps are vectorised by `simd::dense_map`.

use super::elementwise::PAR_MIN_ELEMS;
use super::simd;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// A dense array seen as `[outer, c, inner]`: per-channel statistics fold `outer * inner`
/// elements (batch and spatial dims of `[b, c, h, w]`; `inner = 1` for `[b, c]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channels {
    pub outer: usize,
    pub c: usize,
    pub inner: usize,
}

impl Channels {
    pub fn numel(self) -> usize {
        self.outer * self.c * self.inner
    }

    /// Elements per channel.
    pub fn count(self) -> usize {
        self.outer * self.inner
    }

    fn parallel(self) -> bool {
        self.numel() >= PAR_MIN_ELEMS && rayon::current_num_threads() > 1
    }

    /// Length of one contiguous run sharing per-channel parameters as scalars (`inner > 1`), or
    /// of one row `[c]` whose parameters vary along it (`inner = 1`).
    fn run_len(self) -> usize {
        if self.inner == 1 { self.c } else { self.inner }
    }
}

/// `Σ f(a[j], b[j])`, in eight lanes so the loop vectorises.
#[inline(always)]
fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let b = &b[..a.len()];
    let mut lanes = [0.0f32; 8];
    for (ca, cb) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for l in 0..8 {
            lanes[l] += f(ca[l], cb[l]);
        }
    }
    let tail = a.len() / 8 * 8;
    let mut s = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
    for (&x, &y) in a[tail..].iter().zip(&b[tail..]) {
        s += f(x, y);
    }
    s
}

/// Per channel `k`, `Σ f(p[k], a, b)` over the channel's elements of `a` and `b`.
fn channel_sum<F>(v: Channels, a: &[f32], b: &[f32], p: &[f32], f: F) -> Vec<f32>
where
    F: Fn(f32, f32, f32) -> f32 + Sync + Copy,
{
    if v.inner == 1 {
        return row_sum(v, a, b, p, f);
    }
    let chan = |k: usize| -> f32 {
        let pk = p[k];
        let run = |o: usize| (o * v.c + k) * v.inner..(o * v.c + k + 1) * v.inner;
        (0..v.outer).map(|o| lane_sum(&a[run(o)], &b[run(o)], |x, y| f(pk, x, y))).sum()
    };
    if v.parallel() { (0..v.c).into_par_iter().map(chan).collect() } else { (0..v.c).map(chan).collect() }
}

/// `channel_sum` for `[outer, c]`: rows accumulate into a `[c]` vector (vectorises along `c`).
fn row_sum<F>(v: Channels, a: &[f32], b: &[f32], p: &[f32], f: F) -> Vec<f32>
where
    F: Fn(f32, f32, f32) -> f32 + Sync + Copy,
{
    let c = v.c;
    let acc_rows = |rows: std::ops::Range<usize>| {
        let mut acc = vec![0.0f32; c];
        for r in rows {
            let (ra, rb) = (&a[r * c..][..c], &b[r * c..][..c]);
            for (((s, &x), &y), &pk) in acc.iter_mut().zip(ra).zip(rb).zip(p) {
                *s += f(pk, x, y);
            }
        }
        acc
    };
    if !v.parallel() {
        return acc_rows(0..v.outer);
    }
    let per = (PAR_MIN_ELEMS / c).max(1);
    let parts: Vec<Vec<f32>> =
        (0..v.outer.div_ceil(per)).into_par_iter().map(|t| acc_rows(t * per..((t + 1) * per).min(v.outer))).collect();
    let mut out = vec![0.0f32; c];
    for part in parts {
        out.iter_mut().zip(part).for_each(|(o, x)| *o += x);
    }
    out
}

/// Per-channel mean and biased variance of `x`.
pub fn moments(x: &[f32], v: Channels) -> (Vec<f32>, Vec<f32>) {
    let n = v.count().max(1) as f32;
    let zero = vec![0.0f32; v.c];
    let mean: Vec<f32> = channel_sum(v, x, x, &zero, |_, x, _| x).into_iter().map(|s| s / n).collect();
    let var = channel_sum(v, x, x, &mean, |m, x, _| (x - m) * (x - m)).into_iter().map(|s| s / n).collect();
    (mean, var)
}

/// Per-channel `Σ g` and `Σ g·(x - center)` (the sums batch norm's backward needs).
pub fn grad_sums(g: &[f32], x: &[f32], center: &[f32], v: Channels) -> (Vec<f32>, Vec<f32>) {
    let zero = vec![0.0f32; v.c];
    (channel_sum(v, g, g, &zero, |_, g, _| g), channel_sum(v, g, x, center, |m, g, x| g * (x - m)))
}

/// A fresh output of `v.numel()` elements, filled run by run: `body(run index, start, dst)`.
fn map_runs(v: Channels, body: impl Fn(usize, usize, &mut [MaybeUninit<f32>]) + Sync) -> Vec<f32> {
    let n = v.numel();
    let len = v.run_len().max(1);
    let mut out: Vec<f32> = Vec::with_capacity(n);
    let dst = &mut out.spare_capacity_mut()[..n];
    let fill = |first: usize, part: &mut [MaybeUninit<f32>]| {
        for (i, run) in part.chunks_mut(len).enumerate() {
            body(first + i, (first + i) * len, run);
        }
    };
    if v.parallel() {
        let runs_per = (PAR_MIN_ELEMS / 4 / len).max(1);
        dst.par_chunks_mut(runs_per * len).enumerate().for_each(|(t, part)| fill(t * runs_per, part));
    } else {
        fill(0, dst);
    }
    // SAFETY: every run of `dst` was written by `body` through `dense_map`.
    unsafe { out.set_len(n) };
    out
}

/// `y = (x - center[k]) · scale[k] + shift[k]` for channel `k` of every element.
pub fn affine(x: &[f32], center: &[f32], scale: &[f32], shift: &[f32], v: Channels) -> Vec<f32> {
    map_runs(v, |r, s, dst| {
        if v.inner == 1 {
            simd::dense_map(dst, [&x[s..], center, scale, shift], &|[x, m, a, b]| (x - m) * a + b);
        } else {
            let k = r % v.c;
            let (m, a, b) = (center[k], scale[k], shift[k]);
            simd::dense_map(dst, [&x[s..]], &|[x]| (x - m) * a + b);
        }
    })
}

/// `y = (g - gc[k]) · gs[k] + (x - xc[k]) · xs[k]` for channel `k` (batch norm's input gradient).
pub fn affine_pair(g: &[f32], gc: &[f32], gs: &[f32], x: &[f32], xc: &[f32], xs: &[f32], v: Channels) -> Vec<f32> {
    map_runs(v, |r, s, dst| {
        if v.inner == 1 {
            let rows = [&g[s..], gc, gs, &x[s..], xc, xs];
            simd::dense_map(dst, rows, &|[g, gm, ga, x, xm, xa]| (g - gm) * ga + (x - xm) * xa);
        } else {
            let k = r % v.c;
            let (gm, ga, xm, xa) = (gc[k], gs[k], xc[k], xs[k]);
            simd::dense_map(dst, [&g[s..], &x[s..]], &|[g, x]| (g - gm) * ga + (x - xm) * xa);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 * 0.37 + seed).sin() * 3.0) + 1.5).collect()
    }

    /// Reference per-channel statistics by plain f64 loops, for both layouts (`inner` 1 and 7).
    #[test]
    fn moments_and_sums_match_plain_loops() {
        // Small (one thread) and large enough for the parallel paths, both layouts.
        let large = [Channels { outer: 300, c: 130, inner: 1 }, Channels { outer: 8, c: 5, inner: 1000 }];
        for v in
            [Channels { outer: 5, c: 3, inner: 7 }, Channels { outer: 9, c: 11, inner: 1 }].into_iter().chain(large)
        {
            let (x, g) = (data(v.numel(), 0.1), data(v.numel(), 2.0));
            let idx = |k: usize| (0..v.outer).flat_map(move |o| (0..v.inner).map(move |i| (o * v.c + k) * v.inner + i));
            let (mean, var) = moments(&x, v);
            let (sg, sgx) = grad_sums(&g, &x, &mean, v);
            for k in 0..v.c {
                let n = v.count() as f64;
                let m: f64 = idx(k).map(|j| x[j] as f64).sum::<f64>() / n;
                let s2: f64 = idx(k).map(|j| (x[j] as f64 - m).powi(2)).sum::<f64>() / n;
                let s_g: f64 = idx(k).map(|j| g[j] as f64).sum();
                let s_gx: f64 = idx(k).map(|j| g[j] as f64 * (x[j] as f64 - m)).sum();
                for (got, want) in [(mean[k], m), (var[k], s2), (sg[k], s_g), (sgx[k], s_gx)] {
                    assert!(
                        (got as f64 - want).abs() < 1e-4 * (1.0 + want.abs()),
                        "{v:?} channel {k}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn maps_apply_per_channel_parameters() {
        let large = [Channels { outer: 40_000, c: 3, inner: 1 }, Channels { outer: 7, c: 3, inner: 2000 }];
        for v in [Channels { outer: 2, c: 3, inner: 5 }, Channels { outer: 4, c: 3, inner: 1 }].into_iter().chain(large)
        {
            let (x, g) = (data(v.numel(), 0.3), data(v.numel(), 1.0));
            let (c1, c2, c3) = (vec![0.5, -1.0, 2.0], vec![1.5, 2.0, -0.5], vec![0.1, 0.2, 0.3]);
            let y = affine(&x, &c1, &c2, &c3, v);
            let z = affine_pair(&g, &c1, &c2, &x, &c3, &c1, v);
            for (j, (&yj, &zj)) in y.iter().zip(&z).enumerate() {
                let k = (j / v.inner) % v.c;
                assert_eq!(yj, (x[j] - c1[k]) * c2[k] + c3[k], "affine element {j}");
                let want = (g[j] - c1[k]) * c2[k] + (x[j] - c3[k]) * c1[k];
                assert!((zj - want).abs() <= 1e-6 * (1.0 + want.abs()), "affine_pair element {j}");
            }
        }
    }
}
