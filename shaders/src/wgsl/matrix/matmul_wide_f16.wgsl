// matmul_wide_f16.wgsl — the wide matmul (matmul_wide.wgsl) with f16 arithmetic, for adapters
// with `shader-f16`, opt-in (`GpuDevice::set_f16_compute`). Inputs and output stay f32 in memory;
// the staged slices are rounded to f16, each thread sums the 16 products of one k step in f16
// (vec4<f16> multiply-adds, two packed f16 operations per instruction where the hardware has
// them) and adds that partial sum to its f32 accumulator. Error: about 1e-3 of sum |a||b| per
// output (the inputs' rounding to f16 and the 16-term f16 sums); inputs beyond f16's range
// (|x| > 65504) or products beyond it overflow.
//
// Tiling as matmul_wide.wgsl (16 x 16 threads, 128 x 128 outputs, 8 x 8 per thread) but k steps
// of 16: each thread stages two vec4 of A (k offsets tid % 8 and tid % 8 + 8) and two of B.
// Bindings: 0 a (read), 1 b (read), 2 c (read_write), 3 params (uniform Params), with the
//   clipped loads and stores, in common.wgsl and wide_common.wgsl. `enable f16;` is put first by the
//   `Kernel` table (WGSL wants directives first).
// Dispatch: (ceil(n / 128), min(ceil(m / 128) - row_tile_base, 65535), batch chunk <= 65535);
//   ceil(k / 16) within 65535 (the k loop is the kernel's only loop).

alias Elem = f16;
const KSTEP: u32 = 16u;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let p = params;
    let batch = wid.z + p.batch_base;
    let row0 = (wid.y + p.row_tile_base) * 128u;
    let col0 = wid.x * 128u;
    let tid = lid.y * 16u + lid.x;
    let bases = batch_bases(batch, p);
    let a_base = bases.x;
    let b_base = bases.y;
    // This thread stages A rows 4 * (tid / 8) .. +3 at k offsets tid % 8 (+ 8), and B columns
    // 4 * (tid % 32) .. +3 at k offsets tid / 32 (+ 8).
    let a_q = tid / 8u;
    let a_k = tid % 8u;
    let b_q = tid % 32u;
    let b_k = tid / 32u;
    var acc: array<vec4<f32>, 16>;
    var next_a0 = load_a(a_base, row0 + 4u * a_q, a_k, p);
    var next_a1 = load_a(a_base, row0 + 4u * a_q, a_k + 8u, p);
    var next_b0 = load_b(b_base, b_k, col0 + 4u * b_q, p);
    var next_b1 = load_b(b_base, b_k + 8u, col0 + 4u * b_q, p);
    let steps = (p.k + 15u) / 16u;
    for (var s = 0u; s < steps; s++) {
        tile_a[a_k][a_q] = vec4<f16>(next_a0);
        tile_a[a_k + 8u][a_q] = vec4<f16>(next_a1);
        tile_b[b_k][b_q] = vec4<f16>(next_b0);
        tile_b[b_k + 8u][b_q] = vec4<f16>(next_b1);
        workgroupBarrier();
        let k1 = (s + 1u) * 16u;
        next_a0 = load_a(a_base, row0 + 4u * a_q, k1 + a_k, p);
        next_a1 = load_a(a_base, row0 + 4u * a_q, k1 + a_k + 8u, p);
        next_b0 = load_b(b_base, k1 + b_k, col0 + 4u * b_q, p);
        next_b1 = load_b(b_base, k1 + b_k + 8u, col0 + 4u * b_q, p);
        var part: array<vec4<f16>, 16>;
        rank1(&part, 0u, lid);
        rank1(&part, 1u, lid);
        rank1(&part, 2u, lid);
        rank1(&part, 3u, lid);
        rank1(&part, 4u, lid);
        rank1(&part, 5u, lid);
        rank1(&part, 6u, lid);
        rank1(&part, 7u, lid);
        rank1(&part, 8u, lid);
        rank1(&part, 9u, lid);
        rank1(&part, 10u, lid);
        rank1(&part, 11u, lid);
        rank1(&part, 12u, lid);
        rank1(&part, 13u, lid);
        rank1(&part, 14u, lid);
        rank1(&part, 15u, lid);
        acc[0] += vec4<f32>(part[0]);
        acc[1] += vec4<f32>(part[1]);
        acc[2] += vec4<f32>(part[2]);
        acc[3] += vec4<f32>(part[3]);
        acc[4] += vec4<f32>(part[4]);
        acc[5] += vec4<f32>(part[5]);
        acc[6] += vec4<f32>(part[6]);
        acc[7] += vec4<f32>(part[7]);
        acc[8] += vec4<f32>(part[8]);
        acc[9] += vec4<f32>(part[9]);
        acc[10] += vec4<f32>(part[10]);
        acc[11] += vec4<f32>(part[11]);
        acc[12] += vec4<f32>(part[12]);
        acc[13] += vec4<f32>(part[13]);
        acc[14] += vec4<f32>(part[14]);
        acc[15] += vec4<f32>(part[15]);
        workgroupBarrier();
    }
    store_block(batch, row0, col0, lid, &acc, p);
}
