//! Direct stride-2 convolution for few output channels (`groups == 1`, stride 2, no dilation,
//! `o <= 16`, on x86-64 with AVX2 + FMA; elsewhere the im2col path runs): the first two layers of
//! the image encoders (`[b, 3F, 64, 64] -> [b, 8, 32, 32] -> [b, 16, 16, 16]`, kernel 4); of the
//! first: There im2col + GEMM is a poor fit: the columns are 24x the input (`k = 192` rows
//! per output position) and the product is only 8 rows wide, so writing and re-reading the
//! columns costs as much as the arithmetic. Here no columns exist.
//!
//! # Phase rows
//! With stride 2, output column `ox` of tap `kx` reads input column `2*ox + kx - px`. Each input
//! row is split once into its even and odd elements ("phase rows", zero-padded on both sides);
//! a tap then reads `ox + d` of one phase row, `d = floor((kx - px) / 2)` — a contiguous run,
//! the same for every output row. An image's phase rows live in one buffer `[c, h, 2, R]`.
//!
//! # Kernels (per image, images in parallel; AVX2 + FMA intrinsics, one or two vectors of 8 channels)
//! - forward: for each output row and block of 8 (4) output columns, one (two) accumulators per
//!   column holding its 8 (16) output channels take one FMA per tap: `acc[j] += w[tap][..] * phase[j]`;
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
        && (1..=16).contains(&p.o)
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
            let (even, odd, half) = (&mut even[self.left..], &mut odd[self.left..], self.w / 2);
            // Whole pairs (a loop the compiler turns into vector shuffles), then an odd last element.
            for ((e, o), pair) in even[..half].iter_mut().zip(&mut odd[..half]).zip(row.chunks_exact(2)) {
                (*e, *o) = (pair[0], pair[1]);
            }
            if self.w % 2 == 1 {
                even[half] = row[self.w - 1];
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

/// The AVX2 + FMA kernels: `V` vectors of 8 output channels per output column (`V = 1` for up to
/// 8 channels, 2 for up to 16).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{LANES, Phases};
    use std::arch::x86_64::*;

    /// One image's forward: `wt: [taps, 8V]` (tap-major, channels zero-padded), `bias: [8V]`,
    /// `y: [o, oh, ow]`. `COLS` output columns per block, each holding `V` accumulators:
    /// `COLS * V = 8` of the 16 ymm registers, beside the weights and the broadcast input.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn forward_image<const V: usize, const COLS: usize>(
        ph: &Phases,
        buf: &[f32],
        wt: &[f32],
        bias: &[f32],
        o: usize,
        y: &mut [f32],
    ) {
        let (kh, kw, r, ch) = (ph.kh, ph.kw, ph.r, 8 * V);
        let offsets: Vec<usize> = (0..kw).map(|kx| ph.tap_offset(kx)).collect();
        assert!(wt.len() >= ph.c * kh * kw * ch && y.len() >= o * ph.oh * ph.ow && o <= ch && bias.len() >= ch);
        assert!(LANES.is_multiple_of(COLS));
        for oy in 0..ph.oh {
            for x0 in (0..ph.ow_pad).step_by(COLS) {
                let mut acc = [[_mm256_setzero_ps(); V]; COLS];
                for ci in 0..ph.c {
                    for ky in 0..kh {
                        let Some(iy) = ph.input_row(oy, ky) else { continue };
                        let pair = &buf[(ci * ph.h + iy) * 2 * r..][..2 * r];
                        let taps = &wt[(ci * kh + ky) * kw * ch..][..kw * ch];
                        for (&off, w) in offsets.iter().zip(taps.chunks_exact(ch)) {
                            let xs: &[f32; COLS] = pair[off + x0..][..COLS].try_into().expect("in the row");
                            // SAFETY: `w` holds `8V` floats.
                            let w: [__m256; V] =
                                std::array::from_fn(|v| unsafe { _mm256_loadu_ps(w.as_ptr().add(8 * v)) });
                            for (a, x) in acc.iter_mut().zip(xs) {
                                let xb = _mm256_broadcast_ss(x);
                                for v in 0..V {
                                    a[v] = _mm256_fmadd_ps(w[v], xb, a[v]);
                                }
                            }
                        }
                    }
                }
                let mut lanes = [0.0f32; 16];
                for (j, a) in acc.iter().enumerate().take(ph.ow.saturating_sub(x0)) {
                    for (v, &av) in a.iter().enumerate() {
                        // SAFETY: `lanes` holds 16 >= 8V floats.
                        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr().add(8 * v), av) };
                    }
                    for co in 0..o {
                        y[(co * ph.oh + oy) * ph.ow + x0 + j] = lanes[co] + bias[co];
                    }
                }
            }
        }
    }

    /// One image's weight gradient into `dw: [taps, 8V]`; `gt: [oh, ow_pad, 8V]` is its `gy`,
    /// channels-last and zero-padded.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn weight_grad_image<const V: usize>(ph: &Phases, buf: &[f32], gt: &[f32], dw: &mut [f32]) {
        let (kh, kw, r, ch) = (ph.kh, ph.kw, ph.r, 8 * V);
        assert!(gt.len() >= ph.oh * ph.ow_pad * ch && dw.len() >= ph.c * kh * kw * ch);
        for ci in 0..ph.c {
            for ky in 0..kh {
                for kx in 0..kw {
                    let off = ph.tap_offset(kx);
                    // Four accumulator sets hide the FMA latency.
                    let mut acc = [[_mm256_setzero_ps(); V]; 4];
                    for oy in 0..ph.oh {
                        let Some(iy) = ph.input_row(oy, ky) else { continue };
                        let pair = &buf[(ci * ph.h + iy) * 2 * r..][..2 * r];
                        for x0 in (0..ph.ow_pad).step_by(LANES) {
                            let xs: &[f32; LANES] = pair[off + x0..][..LANES].try_into().expect("in the row");
                            let g0 = (oy * ph.ow_pad + x0) * ch;
                            for (j, x) in xs.iter().enumerate() {
                                let xb = _mm256_broadcast_ss(x);
                                for (v, a) in acc[j % 4].iter_mut().enumerate() {
                                    // SAFETY: `g0 + ch * j + 8v + 8 <= oh * ow_pad * ch <= gt.len()` (assert above).
                                    let g = unsafe { _mm256_loadu_ps(gt.as_ptr().add(g0 + ch * j + 8 * v)) };
                                    *a = _mm256_fmadd_ps(g, xb, *a);
                                }
                            }
                        }
                    }
                    let tap = (ci * kh + ky) * kw + kx;
                    let [a0, a1, a2, a3] = acc;
                    for (v, (((&x0, &x1), &x2), &x3)) in a0.iter().zip(&a1).zip(&a2).zip(&a3).enumerate() {
                        let sum = _mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3));
                        // SAFETY: `tap * ch + 8v + 8 <= dw.len()` (assert above).
                        unsafe { _mm256_storeu_ps(dw.as_mut_ptr().add(tap * ch + 8 * v), sum) };
                    }
                }
            }
        }
    }
}

/// Channels per output column in the kernels: 8 or 16.
fn padded_channels(o: usize) -> usize {
    if o <= 8 { 8 } else { 16 }
}

/// Forward (see [`applies`]): dense `x: [b, c, h, w]`, `weight: [o, k]`, `bias: [o]` -> `[b, o, oh, ow]`.
pub fn conv2d_forward(p: &FusedConv, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let ph = Phases::new(p);
    let (o, k, ch) = (p.o, p.k(), padded_channels(p.o));
    let mut wt = vec![0.0f32; k * ch];
    for co in 0..o {
        for t in 0..k {
            wt[t * ch + co] = weight[co * k + t];
        }
    }
    let mut bp = vec![0.0f32; ch];
    if let Some(b) = bias {
        bp[..o].copy_from_slice(b);
    }
    let per_out = o * ph.oh * ph.ow;
    let mut y = vec![0.0f32; p.b * per_out];
    let chw = p.c * p.h * p.w;
    y.par_chunks_mut(per_out).zip(x.par_chunks(chw)).for_each_init(
        || vec![0.0f32; ph.len()],
        |buf, (yi, xi)| {
            ph.fill(xi, buf);
            forward_image(&ph, buf, &wt, &bp, o, yi);
        },
    );
    y
}

/// Weight gradient (see [`applies`]): dense `x: [b, c, h, w]`, `gy: [b, o, oh, ow]` -> `dW: [o, k]`.
pub fn conv2d_weight_grad(p: &FusedConv, x: &[f32], gy: &[f32]) -> Vec<f32> {
    let ph = Phases::new(p);
    let (o, k, ch) = (p.o, p.k(), padded_channels(p.o));
    let (chw, per_gy, plane) = (p.c * p.h * p.w, o * ph.oh * ph.ow, ph.oh * ph.ow_pad);
    // Images in groups of a size set by the batch alone; each group sums its images in order, then
    // the groups are summed in order: the same dW for any thread count.
    let per_group = p.b.div_ceil(64).max(1);
    let partials: Vec<Vec<f32>> = x
        .par_chunks(chw * per_group)
        .zip(gy.par_chunks(per_gy * per_group))
        .map_init(
            || (vec![0.0f32; ph.len()], vec![0.0f32; ch * plane], vec![0.0f32; k * ch]),
            |(buf, gt, dw), (xs, gs)| {
                let mut group = vec![0.0f32; k * ch];
                for (xi, gi) in xs.chunks_exact(chw).zip(gs.chunks_exact(per_gy)) {
                    ph.fill(xi, buf);
                    // gy [o, oh, ow] -> [oh, ow_pad, ch]; the padding stays zero.
                    for (co, g) in gi.chunks_exact(ph.oh * ph.ow).enumerate() {
                        for (oy, row) in g.chunks_exact(ph.ow).enumerate() {
                            for (ox, &v) in row.iter().enumerate() {
                                gt[(oy * ph.ow_pad + ox) * ch + co] = v;
                            }
                        }
                    }
                    weight_grad_image(&ph, buf, gt, ch, dw);
                    group.iter_mut().zip(dw.iter()).for_each(|(s, v)| *s += v);
                }
                group
            },
        )
        .collect();
    let mut sum = vec![0.0f32; k * ch];
    for part in &partials {
        sum.iter_mut().zip(part).for_each(|(s, v)| *s += v);
    }
    (0..o * k).map(|i| sum[(i % k) * ch + i / k]).collect()
}

/// The AVX2 forward kernel for `o` channels (never reached elsewhere: [`applies`] checks the CPU).
fn forward_image(ph: &Phases, buf: &[f32], wt: &[f32], bias: &[f32], o: usize, y: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `applies` returned true only on a CPU with AVX2 and FMA.
    unsafe {
        match o {
            0..=8 => avx2::forward_image::<1, 8>(ph, buf, wt, bias, o, y),
            _ => avx2::forward_image::<2, 4>(ph, buf, wt, bias, o, y),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!("conv_direct: no kernel for this architecture ({ph:p} {buf:p} {wt:p} {bias:?} {o} {y:p})")
}

/// The AVX2 weight-gradient kernel for `ch` (8 or 16) padded channels (see [`forward_image`]).
fn weight_grad_image(ph: &Phases, buf: &[f32], gt: &[f32], ch: usize, dw: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `applies` returned true only on a CPU with AVX2 and FMA.
    unsafe {
        match ch {
            8 => avx2::weight_grad_image::<1>(ph, buf, gt, dw),
            _ => avx2::weight_grad_image::<2>(ph, buf, gt, dw),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!("conv_direct: no kernel for this architecture ({ph:p} {buf:p} {gt:p} {ch} {dw:p})")
}
