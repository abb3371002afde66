//! Square f32 matmul GFLOP/s, as the peers' `matmul.py`: our `Tensor::matmul` (on the kernel
//! `tensor::cpu::sgemm` picks for this CPU) and, as comparison rows, the two kernel libraries
//! called directly: `gemm` (its own rayon split) and `matrixmultiply` (rows split across the
//! pool's threads, since its own threading is fixed per process). On a GPU: each WGSL matmul
//! kernel (and the f16 one where the adapter has it) at sizes up to 4096.

use super::timing::{bench, device_fields, emit, pool, sync};
use rayon::prelude::*;
use serde_json::json;
use tensor::rand::SeedableRng;
use tensor::rand::rngs::StdRng;
use tensor::{Device, GpuDevice, MatmulKernel, Tensor};

pub const SIZES: [usize; 3] = [64, 256, 1024];

/// Sizes on a GPU: up to where a real card reaches its plateau.
pub const GPU_SIZES: [usize; 5] = [256, 512, 1024, 2048, 4096];

/// Products queued per timed call on a GPU (one sync per call), so the figure is the kernels'
/// throughput rather than one submit-and-wait round trip.
const GPU_QUEUED: usize = 8;

/// `c = a @ b` for dense row-major `n x n` matrices.
type Sgemm = fn(&[f32], &[f32], &mut [f32], usize);

/// `c = a @ b` for dense row-major `n x n` matrices through `matrixmultiply::sgemm`, the rows of
/// `c` split into one block per rayon worker.
fn mm_matrixmultiply(a: &[f32], b: &[f32], c: &mut [f32], n: usize) {
    let threads = rayon::current_num_threads();
    let rows = n.div_ceil(threads);
    c.par_chunks_mut(rows * n).enumerate().for_each(|(i, cb)| {
        let m = cb.len() / n;
        let ab = &a[i * rows * n..];
        // SAFETY: `ab` holds at least m rows of n, `b` is n x n and `cb` is m x n, all dense
        // row-major (row stride n, column stride 1), so every access is in bounds.
        unsafe {
            matrixmultiply::sgemm(
                m,
                n,
                n,
                1.0,
                ab.as_ptr(),
                n as isize,
                1,
                b.as_ptr(),
                n as isize,
                1,
                0.0,
                cb.as_mut_ptr(),
                n as isize,
                1,
            );
        }
    });
}

/// `c = a @ b` through the `gemm` crate directly, split across the pool when large.
fn mm_gemm(a: &[f32], b: &[f32], c: &mut [f32], n: usize) {
    let threads = rayon::current_num_threads();
    let par = if threads > 1 && n >= 64 { gemm::Parallelism::Rayon(threads) } else { gemm::Parallelism::None };
    let (s, p) = (n as isize, c.as_mut_ptr());
    // SAFETY: all three are dense row-major n x n matrices.
    unsafe {
        gemm::gemm(n, n, n, p, 1, s, false, a.as_ptr(), 1, s, b.as_ptr(), 1, s, 0.0, 1.0, false, false, false, par)
    }
}

/// Runs every size for each thread count; one JSON line per (library, size, threads). On a GPU
/// only our matmul runs (the WGSL tiled kernel), timed to completion.
pub fn run(threads: &[usize], dev: &Device) {
    if let Device::Gpu(g) = dev {
        return run_gpu(g, dev);
    }
    for &t in threads {
        let pool = pool(t);
        for n in SIZES {
            let mut rng = StdRng::seed_from_u64(0);
            let a = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng).to(dev);
            let b = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng).to(dev);
            let flop = 2.0 * (n as f64).powi(3);
            let timing = pool.install(|| {
                bench(
                    || {
                        std::hint::black_box(a.matmul(&b));
                        sync(dev);
                    },
                    3,
                )
            });
            let kernel = tensor::cpu::sgemm::kernel().name();
            let row =
                json!({"bench": "matmul", "lib": "ours", "kernel": kernel, "n": n, "gflops": flop / timing.sec / 1e9});
            emit(row, timing, t);
            let (av, bv) = (a.to_vec(), b.to_vec());
            let mut c = vec![0.0f32; n * n];
            let direct: [(&str, Sgemm); 2] = [("gemm", mm_gemm), ("matrixmultiply", mm_matrixmultiply)];
            for (lib, f) in direct {
                let timing = pool.install(|| bench(|| f(&av, &bv, &mut c, n), 3));
                emit(json!({"bench": "matmul", "lib": lib, "n": n, "gflops": flop / timing.sec / 1e9}), timing, t);
            }
        }
    }
}

/// Every GPU matmul kernel at every size (`auto` as the library picks, then each forced; the f16
/// variant where the adapter has `shader-f16`), `GPU_QUEUED` products per timed call.
fn run_gpu(g: &GpuDevice, dev: &Device) {
    let mut kernels = vec![(MatmulKernel::Auto, false), (MatmulKernel::Tiled64, false), (MatmulKernel::Wide128, false)];
    if g.info().shader_f16 {
        kernels.push((MatmulKernel::Wide128, true));
    }
    for n in GPU_SIZES {
        let mut rng = StdRng::seed_from_u64(0);
        let a = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng).to(dev);
        let b = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng).to(dev);
        let flop = 2.0 * (n as f64).powi(3);
        for &(kernel, f16) in &kernels {
            g.set_matmul_kernel(kernel);
            if let Err(e) = g.set_f16_compute(f16) {
                panic!("bench: {e}");
            }
            let timing = bench(
                || {
                    for _ in 0..GPU_QUEUED {
                        std::hint::black_box(a.matmul(&b));
                    }
                    sync(dev);
                },
                2,
            );
            let per = timing.per_call(GPU_QUEUED);
            let name = match (kernel, f16) {
                (MatmulKernel::Auto, _) => format!("auto:{}", kernel.resolve(n, n, 1).name()),
                (k, true) => format!("{}_f16", k.name()),
                (k, false) => k.name().to_string(),
            };
            let mut row = json!({"bench": "matmul", "lib": "ours", "kernel": name, "n": n, "gflops": flop / per.sec / 1e9,
                "queued": GPU_QUEUED});
            row.as_object_mut().expect("object").extend(device_fields(dev).as_object().expect("object").clone());
            emit(row, per, 1);
        }
    }
    g.set_matmul_kernel(MatmulKernel::Auto);
    if let Err(e) = g.set_f16_compute(false) {
        panic!("bench: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_kernels_match_ours() {
        let n = 37;
        let mut rng = StdRng::seed_from_u64(1);
        let a = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng);
        let b = Tensor::randn(&[n, n], 0.0, 1.0, &mut rng);
        let want = a.matmul(&b).to_vec();
        for f in [mm_gemm, mm_matrixmultiply] {
            let mut c = vec![0.0; n * n];
            pool(2).install(|| f(&a.to_vec(), &b.to_vec(), &mut c, n));
            for (x, y) in c.iter().zip(&want) {
                assert!((x - y).abs() < 1e-4);
            }
        }
    }
}
