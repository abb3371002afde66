// matmul_wide.wgsl — batched C[b] = A[b] @ B[b] for large products: A[b]: [m, k], B[b]: [k, n]
// read through strides (transposed or broadcast views need no copy), C dense [batch, m, n].
// Same inputs, Params and results as matmul.wgsl; the host picks this kernel when the product has
// enough 128 x 128 output tiles to fill the device.
//
// Tiling: a workgroup of 16 x 16 threads computes a 128 x 128 block of C, each thread an 8 x 8
// block held in registers: rows {4y..4y+3, 64+4y..64+4y+3} and the same pattern of columns, so
// that a warp's reads of the staged slices are either broadcasts or consecutive vec4s. Per step
// along k, the workgroup stages a 128 x 8 slice of A and an 8 x 128 slice of B in workgroup
// memory as vec4s (one vec4 of A and one of B per thread); the next step's slices are read from
// global memory into registers while the current one is multiplied (software pipelining).
// Each step: 8 rank-1 updates of 64 multiply-adds per thread from 4 vec4 reads each.
// Bindings: 0 a (read), 1 b (read), 2 c (read_write), 3 params (uniform Params), with the
//   clipped loads and stores, in common.wgsl and wide_common.wgsl.
// Dispatch: (ceil(n / 128), min(ceil(m / 128) - row_tile_base, 65535), batch chunk <= 65535);
//   the host splits larger launches through row_tile_base / batch_base, and keeps ceil(k / 8)
//   within 65535 (lavapipe stops a loop after 65535 iterations; the k loop is the kernel's only loop).
// Batch dims: up to 4 (`batch_shape`, row-major); the batch offsets of A and B come from
//   a_bstride / b_bstride (0 on broadcast dims).

alias Elem = f32;
const KSTEP: u32 = 8u;

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
    // This thread stages A rows 4 * (tid / 8) .. +3 at k offset tid % 8, and B columns
    // 4 * (tid % 32) .. +3 at k offset tid / 32.
    let a_q = tid / 8u;
    let a_k = tid % 8u;
    let b_q = tid % 32u;
    let b_k = tid / 32u;
    var acc: array<vec4<f32>, 16>;
    var next_a = load_a(a_base, row0 + 4u * a_q, a_k, p);
    var next_b = load_b(b_base, b_k, col0 + 4u * b_q, p);
    let steps = (p.k + 7u) / 8u;
    for (var s = 0u; s < steps; s++) {
        tile_a[a_k][a_q] = next_a;
        tile_b[b_k][b_q] = next_b;
        workgroupBarrier();
        let k1 = (s + 1u) * 8u;
        next_a = load_a(a_base, row0 + 4u * a_q, k1 + a_k, p);
        next_b = load_b(b_base, k1 + b_k, col0 + 4u * b_q, p);
        rank1(&acc, 0u, lid);
        rank1(&acc, 1u, lid);
        rank1(&acc, 2u, lid);
        rank1(&acc, 3u, lid);
        rank1(&acc, 4u, lid);
        rank1(&acc, 5u, lid);
        rank1(&acc, 6u, lid);
        rank1(&acc, 7u, lid);
        workgroupBarrier();
    }
    store_block(batch, row0, col0, lid, &acc, p);
}
