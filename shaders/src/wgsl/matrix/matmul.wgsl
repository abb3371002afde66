// matmul.wgsl — batched C[b] = A[b] @ B[b] with A[b]: [m, k], B[b]: [k, n] read through strides
// (transposed or broadcast views need no copy), C dense [batch, m, n].
//
// Tiling: a workgroup of 16 x 16 threads computes a 64 x 64 block of C, each thread a 4 x 4
// sub-block held in registers. Per step along k, the workgroup stages a 64 x 16 slice of A and a
// 16 x 64 slice of B in workgroup memory (4 + 4 loads per thread), then every thread does
// 16 rank-1 updates of its 4 x 4 block from it: 64 multiply-adds per 8 loads.
// Bindings: 0 a (read), 1 b (read), 2 c (read_write), 3 params (uniform Params), in common.wgsl.
// Dispatch: (ceil(n / 64), min(ceil(m / 64) - row_tile_base, 65535), batch chunk <= 65535);
//   the host splits larger launches, passing the first row tile and batch of each in
//   row_tile_base / batch_base, and keeps ceil(k / 16) within 65535 / 4 (lavapipe stops a loop
//   after 65535 iterations in total; the inner loops run 4 times per k step).
// Batch dims: up to 4 (`batch_shape`, row-major); the batch offsets of A and B come from
//   a_bstride / b_bstride (0 on broadcast dims).

// tile_a[kk][r] = A[row0 + r, k0 + kk]; tile_b[kk][j] = B[k0 + kk, col0 + j].
var<workgroup> tile_a: array<array<f32, 64>, 16>;
var<workgroup> tile_b: array<array<f32, 64>, 16>;

// acc += (column kk of the A slice, this thread's 4 rows) x (row kk of the B slice, its 4 columns).
fn rank1(acc: ptr<function, array<vec4<f32>, 4>>, kk: u32, lid: vec3<u32>) {
    let r = lid.y * 4u;
    let j = lid.x * 4u;
    let bv = vec4<f32>(tile_b[kk][j], tile_b[kk][j + 1u], tile_b[kk][j + 2u], tile_b[kk][j + 3u]);
    (*acc)[0] += tile_a[kk][r] * bv;
    (*acc)[1] += tile_a[kk][r + 1u] * bv;
    (*acc)[2] += tile_a[kk][r + 2u] * bv;
    (*acc)[3] += tile_a[kk][r + 3u] * bv;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let p = params;
    let batch = wid.z + p.batch_base;
    let row0 = (wid.y + p.row_tile_base) * 64u;
    let col0 = wid.x * 64u;
    let tid = lid.y * 16u + lid.x;
    let bases = batch_bases(batch, p);
    let a_base = bases.x;
    let b_base = bases.y;
    var acc: array<vec4<f32>, 4>;
    for (var i = 0u; i < 4u; i++) {
        acc[i] = vec4<f32>(0.0);
    }
    let steps = (p.k + 15u) / 16u;
    for (var s = 0u; s < steps; s++) {
        let k0 = s * 16u;
        for (var q = 0u; q < 4u; q++) {
            let e = tid + q * 256u;
            // A: 64 rows x 16 k, consecutive threads along k.
            let ar = e / 16u;
            let ak = e % 16u;
            var va = 0.0;
            if row0 + ar < p.m && k0 + ak < p.k {
                va = a[a_base + (row0 + ar) * p.a_rs + (k0 + ak) * p.a_cs];
            }
            tile_a[ak][ar] = va;
            // B: 16 k x 64 columns, consecutive threads along n.
            let bk = e / 64u;
            let bj = e % 64u;
            var vb = 0.0;
            if k0 + bk < p.k && col0 + bj < p.n {
                vb = b[b_base + (k0 + bk) * p.b_rs + (col0 + bj) * p.b_cs];
            }
            tile_b[bk][bj] = vb;
        }
        workgroupBarrier();
        // Four rank-1 updates per iteration, written out (see the loop limit above).
        for (var kq = 0u; kq < 16u; kq += 4u) {
            rank1(&acc, kq, lid);
            rank1(&acc, kq + 1u, lid);
            rank1(&acc, kq + 2u, lid);
            rank1(&acc, kq + 3u, lid);
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
        let row = row0 + lid.y * 4u + i;
        if row >= p.m {
            break;
        }
        for (var j = 0u; j < 4u; j++) {
            let col = col0 + lid.x * 4u + j;
            if col < p.n {
                c[(batch * p.m + row) * p.n + col] = acc[i][j];
            }
        }
    }
}
