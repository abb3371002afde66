//! Direct stride-2 convolution for few output channels (`groups == 1`, stride 2, no dilation,
//! `o <= 8`, on x86-64 with AVX2 + FMA; elsewhere the im2col path runs): the first layer of the image encoders (`[b, 3F, 64, 64] -> [b, 8, 32, 32]`,
//! kernel 4). There im2col + GEMM is a poor fit: the columns are 24x the input (`k = 192` rows
//! per output position) and the product is only 8 rows wide, so writing and re-reading the
//! columns costs as much as the arithmetic. Here no columns exist.
//!
//! # Phase rows
//! With stride 2, output column `ox` of tap `kx` reads input column `2*ox + kx - px`. Each input
//! row is split once into its even and odd elements ("phase rows", zero-padded on both sides);
//! a tap then reads `ox + d` of one phase row, `d = floor((kx - px) / 2)` — a contiguous run,
//! the same for every output row. An image's phase rows live in one buffer `[c, h, 2, R]`.
//!
//! # Kernels (per image; images in parallel; AVX2 + FMA intrinsics, 8 channels per vector)
//! - forward: for each output row and block of 8 output columns, 8 accumulators (one per
//!   column, holding the 8 output channels) take one FMA per tap: `acc[j] += w[tap][..8] * phase[j]`;
//! - weight gradient: for each tap, `gy` (transposed to channels-last) times the phase row, summed
//!   over every output row and column into `dW[..8][tap]`. Images are summed in groups set by the
//!   batch size and the groups in order, so `dW` does not depend on the thread count.

use super::conv_fused::FusedConv;
use rayon::prelude::*;

/// Output columns per accumulator vector.
const LANES: usize = 16;
/// Widest input row handled here.
const MAX_W: usize = 4096;

/// Whether [`conv2d_forward`] / [`conv2d_weight_grad`] handle this convolution (and the CPU has
/// the kernels: x86-64 with AVX2 and FMA).
pub fn applies(p: &FusedConv) -> bool {
    let g = &p.g;
    has_kernels()
        && g.stride == (2, 2)
        && g.dilation == (1, 1)
        && (1..=8).contains(&p.o)
        && p.w <= MAX_W
        && p.b * p.c * p.h * p.w > 0
        && g.out_size(p.h, p.w).0 * g.out_size(p.h, p.w).1 > 0
}

fn has_kernels() -> bool {
    #[cfg(target_arch = "x86_64")]
    return super::simd::has_avx2_fma();
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// The geometry of one image's phase rows.
#[derive(Clone, Copy)]
struct Phases {
    c: usize,
    h: usize,
    w: usize,
    /// Length of one (padded) phase row.
    r: usize,
    /// Zeros before element 0 of a phase row.
    left: usize,
    kh: usize,
    kw: usize,
    py: isize,
    px: isize,
    oh: usize,
    ow: usize,
    /// Output columns rounded up to whole blocks.
    ow_pad: usize,
}

impl Phases {
    fn new(p: &FusedConv) -> Phases {
        let g = &p.g;
        let (oh, ow) = g.out_size(p.h, p.w);
        let (py, px) = (g.padding.0 as isize, g.padding.1 as isize);
        let shift = |kx: usize| (kx as isize - px).div_euclid(2);
        let (dmin, dmax) = (shift(0), shift(g.kw - 1));
        let left = (-dmin).max(0) as usize;
        let ow_pad = ow.div_ceil(LANES) * LANES;
        // Real elements end at ceil(w/2); the last block reads up to ow_pad - 1 + dmax.
        let r = left + p.w.div_ceil(2).max(ow_pad + dmax.max(0) as usize) + 1;
        Phases { c: p.c, h: p.h, w: p.w, r, left, kh: g.kh, kw: g.kw, py, px, oh, ow, ow_pad }
    }

    fn len(&self) -> usize {
        self.c * self.h * 2 * self.r
    }

    /// Splits image `x: [c, h, w]` into `buf` (whose padding is zero and stays zero).
    fn fill(&self, x: &[f32], buf: &mut [f32]) {
        for (row, out) in x.chunks_exact(self.w).zip(buf.chunks_exact_mut(2 * self.r)) {
            let (even, odd) = out.split_at_mut(self.r);
            let (even, odd) = (&mut even[self.left..], &mut odd[self.left..]);
            for (j, pair) in row.chunks(2).enumerate() {
                even[j] = pair[0];
                if let Some(&v) = pair.get(1) {
                    odd[j] = v;
                }
            }
        }
    }

    /// Input row of output row `oy` under kernel row `ky`, if inside the image.
    fn input_row(&self, oy: usize, ky: usize) -> Option<usize> {
        let iy = (2 * oy + ky) as isize - self.py;
        (0..self.h as isize).contains(&iy).then_some(iy as usize)
    }

    /// Offset in an input row's `[2, r]` phase pair of output column 0 under kernel column `kx`.
    fn tap_offset(&self, kx: usize) -> usize {
        let rel = kx as isize - self.px;
        let phase = rel.rem_euclid(2) as usize;
        phase * self.r + (self.left as isize + rel.div_euclid(2)) as usize
    }
}

/// The AVX2 + FMA kernels (8 output channels per vector).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{LANES, Phases};
    use std::arch::x86_64::*;

    /// Output columns per forward block: 8 accumulators (+ weights + broadcast) fit the 16 ymm registers.
    const COLS: usize = 8;

    /// One image's forward: `wt: [taps, 8]` (tap-major, channels zero-padded to 8), `y: [o, oh, ow]`.
    /// Eight accumulators, one per output column of the block, each holding the 8 channels.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn forward_image(ph: &Phases, buf: &[f32], wt: &[f32], bias: &[f32; 8], o: usize, y: &mut [f32]) {
        let (kh, kw, r) = (ph.kh, ph.kw, ph.r);
        let offsets: Vec<usize> = (0..kw).map(|kx| ph.tap_offset(kx)).collect();
        assert!(wt.len() >= ph.c * kh * kw * 8 && y.len() >= o * ph.oh * ph.ow && o <= 8 && LANES.is_multiple_of(COLS));
        for oy in 0..ph.oh {
            for x0 in (0..ph.ow_pad).step_by(COLS) {
                let mut acc = [_mm256_setzero_ps(); COLS];
                for ci in 0..ph.c {
                    for ky in 0..kh {
                        let Some(iy) = ph.input_row(oy, ky) else { continue };
                        let pair = &buf[(ci * ph.h + iy) * 2 * r..][..2 * r];
                        let taps = &wt[(ci * kh + ky) * kw * 8..][..kw * 8];
                        for (&off, w) in offsets.iter().zip(taps.chunks_exact(8)) {
                            let xs: &[f32; COLS] = pair[off + x0..][..COLS].try_into().expect("in the row");
                            // SAFETY: `w` holds 8 floats.
                            let w = unsafe { _mm256_loadu_ps(w.as_ptr()) };
                            for (a, x) in acc.iter_mut().zip(xs) {
                                *a = _mm256_fmadd_ps(w, _mm256_broadcast_ss(x), *a);
                            }
                        }
                    }
                }
                let mut lanes = [0.0f32; 8];
                for (j, a) in acc.iter().enumerate().take(ph.ow.saturating_sub(x0)) {
                    // SAFETY: `lanes` holds 8 floats.
                    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), *a) };
                    for co in 0..o {
                        y[(co * ph.oh + oy) * ph.ow + x0 + j] = lanes[co] + bias[co];
                    }
                }
            }
        }
    }

    /// One image's weight gradient into `dw: [taps, 8]`; `gt: [oh, ow_pad, 8]` is its `gy`,
    /// channels-last and zero-padded.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn weight_grad_image(ph: &Phases, buf: &[f32], gt: &[f32], dw: &mut [f32]) {
        let (kh, kw, r) = (ph.kh, ph.kw, ph.r);
        assert!(gt.len() >= ph.oh * ph.ow_pad * 8 && dw.len() >= ph.c * kh * kw * 8);
        for ci in 0..ph.c {
            for ky in 0..kh {
                for kx in 0..kw {
                    let off = ph.tap_offset(kx);
                    // Four accumulators hide the FMA latency.
                    let mut acc = [_mm256_setzero_ps(); 4];
                    for oy in 0..ph.oh {
                        let Some(iy) = ph.input_row(oy, ky) else { continue };
                        let pair = &buf[(ci * ph.h + iy) * 2 * r..][..2 * r];
                        for x0 in (0..ph.ow_pad).step_by(LANES) {
                            let xs: &[f32; LANES] = pair[off + x0..][..LANES].try_into().expect("in the row");
                            let g0 = (oy * ph.ow_pad + x0) * 8;
                            for (j, x) in xs.iter().enumerate() {
                                // SAFETY: `g0 + 8 * j + 8 <= oh * ow_pad * 8 <= gt.len()` (assert above).
                                let g = unsafe { _mm256_loadu_ps(gt.as_ptr().add(g0 + 8 * j)) };
                                acc[j % 4] = _mm256_fmadd_ps(g, _mm256_broadcast_ss(x), acc[j % 4]);
                            }
                        }
                    }
                    let sum = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
                    let tap = (ci * kh + ky) * kw + kx;
                    // SAFETY: `tap * 8 + 8 <= dw.len()` (assert above).
                    unsafe { _mm256_storeu_ps(dw.as_mut_ptr().add(tap * 8), sum) };
                }
            }
        }
    }
}

/// Forward (see [`applies`]): dense `x: [b, c, h, w]`, `weight: [o, k]`, `bias: [o]` -> `[b, o, oh, ow]`.
pub fn conv2d_forward(p: &FusedConv, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let ph = Phases::new(p);
    let (o, k) = (p.o, p.k());
    let mut wt = vec![0.0f32; k * 8];
    for co in 0..o {
        for t in 0..k {
            wt[t * 8 + co] = weight[co * k + t];
        }
    }
    let mut b8 = [0.0f32; 8];
    b8[..o].copy_from_slice(&bias.map_or_else(|| vec![0.0; o], <[f32]>::to_vec));
    let per_out = o * ph.oh * ph.ow;
    let mut y = vec![0.0f32; p.b * per_out];
    let chw = p.c * p.h * p.w;
    y.par_chunks_mut(per_out).zip(x.par_chunks(chw)).for_each_init(
        || vec![0.0f32; ph.len()],
        |buf, (yi, xi)| {
            ph.fill(xi, buf);
            forward_image(&ph, buf, &wt, &b8, o, yi);
        },
    );
    y
}

/// Weight gradient (see [`applies`]): dense `x: [b, c, h, w]`, `gy: [b, o, oh, ow]` -> `dW: [o, k]`.
pub fn conv2d_weight_grad(p: &FusedConv, x: &[f32], gy: &[f32]) -> Vec<f32> {
    let ph = Phases::new(p);
    let (o, k) = (p.o, p.k());
    let (chw, per_gy, plane) = (p.c * p.h * p.w, o * ph.oh * ph.ow, ph.oh * ph.ow_pad);
    // Images in groups of a size set by the batch alone; each group sums its images in order, then
    // the groups are summed in order: the same dW for any thread count.
    let per_group = p.b.div_ceil(64).max(1);
    let partials: Vec<Vec<f32>> = x
        .par_chunks(chw * per_group)
        .zip(gy.par_chunks(per_gy * per_group))
        .map_init(
            || (vec![0.0f32; ph.len()], vec![0.0f32; 8 * plane], vec![0.0f32; k * 8]),
            |(buf, gt, dw), (xs, gs)| {
                let mut group = vec![0.0f32; k * 8];
                for (xi, gi) in xs.chunks_exact(chw).zip(gs.chunks_exact(per_gy)) {
                    ph.fill(xi, buf);
                    // gy [o, oh, ow] -> [oh, ow_pad, 8]; the padding stays zero.
                    for (co, g) in gi.chunks_exact(ph.oh * ph.ow).enumerate() {
                        for (oy, row) in g.chunks_exact(ph.ow).enumerate() {
                            for (ox, &v) in row.iter().enumerate() {
                                gt[(oy * ph.ow_pad + ox) * 8 + co] = v;
                            }
                        }
                    }
                    weight_grad_image(&ph, buf, gt, dw);
                    group.iter_mut().zip(dw.iter()).for_each(|(s, v)| *s += v);
                }
                group
            },
        )
        .collect();
    let mut sum = vec![0.0f32; k * 8];
    for part in &partials {
        sum.iter_mut().zip(part).for_each(|(s, v)| *s += v);
    }
    (0..o * k).map(|i| sum[(i % k) * 8 + i / k]).collect()
}

/// The AVX2 forward kernel, or (never reached: [`applies`] checks the CPU) nothing.
fn forward_image(ph: &Phases, buf: &[f32], wt: &[f32], bias: &[f32; 8], o: usize, y: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `applies` returned true only on a CPU with AVX2 and FMA.
    unsafe {
        avx2::forward_image(ph, buf, wt, bias, o, y)
    }
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!("conv_direct: no kernel for this architecture ({ph:p} {buf:p} {wt:p} {bias:?} {o} {y:p})")
}

/// The AVX2 weight-gradient kernel (see [`forward_image`]).
fn weight_grad_image(ph: &Phases, buf: &[f32], gt: &[f32], dw: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `applies` returned true only on a CPU with AVX2 and FMA.
    unsafe {
        avx2::weight_grad_image(ph, buf, gt, dw)
    }
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!("conv_direct: no kernel for this architecture ({ph:p} {buf:p} {gt:p} {dw:p})")
}
