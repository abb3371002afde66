//! Run-time SIMD dispatch for the dense inner loops: the same generic loop compiled for the
//! baseline x86-64 target (SSE2) and again with AVX2 + FMA enabled, the latter picked when the
//! CPU reports both. One binary, any x86-64; other architectures get the plain loop.

use std::mem::MaybeUninit;

/// `dst[j] = f([rows[0][j], .., rows[N-1][j]])` for every `j`; each row is at least as long
/// as `dst`.
#[inline]
pub fn dense_map<const N: usize, F: Fn([f32; N]) -> f32>(dst: &mut [MaybeUninit<f32>], rows: [&[f32]; N], f: &F) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above).
        unsafe { dense_map_avx2(dst, rows, f) };
        return;
    }
    dense_map_generic(dst, rows, f);
}

/// True when the running CPU has AVX2 and FMA (std caches the detection).
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn has_avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

#[inline(always)]
fn dense_map_generic<const N: usize, F: Fn([f32; N]) -> f32>(dst: &mut [MaybeUninit<f32>], rows: [&[f32]; N], f: &F) {
    let n = dst.len();
    // Re-slicing to exactly `n` lets the compiler drop the bounds checks and vectorise.
    let rows: [&[f32]; N] = rows.map(|r| &r[..n]);
    for (j, d) in dst.iter_mut().enumerate() {
        d.write(f(std::array::from_fn(|i| rows[i][j])));
    }
}

/// `dense_map_generic` compiled with 256-bit vectors.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dense_map_avx2<const N: usize, F: Fn([f32; N]) -> f32>(dst: &mut [MaybeUninit<f32>], rows: [&[f32]; N], f: &F) {
    dense_map_generic(dst, rows, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both compiled versions agree with the scalar rule on a ragged length.
    #[test]
    fn dispatch_matches_scalar() {
        let a: Vec<f32> = (0..1003).map(|i| (i as f32 * 0.01).sin()).collect();
        let b: Vec<f32> = (0..1003).map(|i| (i as f32 * 0.03).cos()).collect();
        let f = |[x, y]: [f32; 2]| crate::cpu::math::exp(x) * y;
        let mut out = vec![MaybeUninit::uninit(); a.len()];
        dense_map(&mut out, [&a, &b], &f);
        let mut plain = vec![MaybeUninit::uninit(); a.len()];
        dense_map_generic(&mut plain, [&a, &b], &f);
        for j in 0..a.len() {
            // SAFETY: both loops wrote every element.
            let (x, y) = unsafe { (out[j].assume_init(), plain[j].assume_init()) };
            assert_eq!(x, y, "element {j}");
            assert_eq!(x, f([a[j], b[j]]));
        }
    }
}
