// wide_common.wgsl — what the two wide matmul kernels (matmul_wide.wgsl, matmul_wide_f16.wgsl)
// share, prepended after common.wgsl by the `Kernel` table: the staged tiles and the rank-1 update
// in the kernel's element type `Elem`, the clipped vec4 loads of A and B and the stores of C.
// Bindings: those of common.wgsl.
// Dispatch: each kernel's own header.

// tile_a[kk][q] = A[row0 + 4q .. row0 + 4q + 3, k0 + kk]; tile_b[kk][q] = B[k0 + kk, col0 + 4q .. +3].
// Elem (f32 or f16) and KSTEP (k per step) come from the kernel's own file. tile_a has one vec4 of
// padding per k so that the 8 threads storing one column of A (k = 0..7) hit different banks.
var<workgroup> tile_a: array<array<vec4<Elem>, 33>, KSTEP>;
var<workgroup> tile_b: array<array<vec4<Elem>, 32>, KSTEP>;

// acc (8 rows x 2 vec4 of columns) += column kk of the staged A x row kk of the staged B
// (written out: constant indices keep acc in registers).
fn rank1(acc: ptr<function, array<vec4<Elem>, 16>>, kk: u32, lid: vec3<u32>) {
    let a0 = tile_a[kk][lid.y];
    let a1 = tile_a[kk][16u + lid.y];
    let b0 = tile_b[kk][lid.x];
    let b1 = tile_b[kk][16u + lid.x];
    (*acc)[0] += a0.x * b0;
    (*acc)[1] += a0.x * b1;
    (*acc)[2] += a0.y * b0;
    (*acc)[3] += a0.y * b1;
    (*acc)[4] += a0.z * b0;
    (*acc)[5] += a0.z * b1;
    (*acc)[6] += a0.w * b0;
    (*acc)[7] += a0.w * b1;
    (*acc)[8] += a1.x * b0;
    (*acc)[9] += a1.x * b1;
    (*acc)[10] += a1.y * b0;
    (*acc)[11] += a1.y * b1;
    (*acc)[12] += a1.z * b0;
    (*acc)[13] += a1.z * b1;
    (*acc)[14] += a1.w * b0;
    (*acc)[15] += a1.w * b1;
}

// Four consecutive rows of A at one k (zero outside the matrix; no loop, see the header).
fn load_a(base: u32, row: u32, kk: u32, p: Params) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    if kk < p.k {
        let at = base + row * p.a_rs + kk * p.a_cs;
        if row < p.m {
            v.x = a[at];
        }
        if row + 1u < p.m {
            v.y = a[at + p.a_rs];
        }
        if row + 2u < p.m {
            v.z = a[at + 2u * p.a_rs];
        }
        if row + 3u < p.m {
            v.w = a[at + 3u * p.a_rs];
        }
    }
    return v;
}

// Four consecutive columns of B at one k (zero outside the matrix).
fn load_b(base: u32, kk: u32, col: u32, p: Params) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    if kk < p.k {
        let at = base + kk * p.b_rs + col * p.b_cs;
        if col < p.n {
            v.x = b[at];
        }
        if col + 1u < p.n {
            v.y = b[at + p.b_cs];
        }
        if col + 2u < p.n {
            v.z = b[at + 2u * p.b_cs];
        }
        if col + 3u < p.n {
            v.w = b[at + 3u * p.b_cs];
        }
    }
    return v;
}

// Stores one vec4 of C (row `row`, columns col..col+3), clipped to the matrix.
fn store(batch: u32, row: u32, col: u32, v: vec4<f32>, p: Params) {
    if row >= p.m {
        return;
    }
    let at = (batch * p.m + row) * p.n + col;
    if col + 3u < p.n {
        c[at] = v.x;
        c[at + 1u] = v.y;
        c[at + 2u] = v.z;
        c[at + 3u] = v.w;
        return;
    }
    if col < p.n {
        c[at] = v.x;
    }
    if col + 1u < p.n {
        c[at + 1u] = v.y;
    }
    if col + 2u < p.n {
        c[at + 2u] = v.z;
    }
}

// Stores this thread's 8 x 8 block of C (rows 4y..4y+3 and 64+4y.., columns likewise).
fn store_block(batch: u32, row0: u32, col0: u32, lid: vec3<u32>, acc: ptr<function, array<vec4<f32>, 16>>, p: Params) {
    let c0 = col0 + 4u * lid.x;
    let c1 = c0 + 64u;
    let r0 = row0 + 4u * lid.y + 0u;
    store(batch, r0, c0, (*acc)[0], p);
    store(batch, r0, c1, (*acc)[1], p);
    store(batch, r0 + 64u, c0, (*acc)[8], p);
    store(batch, r0 + 64u, c1, (*acc)[9], p);
    let r1 = row0 + 4u * lid.y + 1u;
    store(batch, r1, c0, (*acc)[2], p);
    store(batch, r1, c1, (*acc)[3], p);
    store(batch, r1 + 64u, c0, (*acc)[10], p);
    store(batch, r1 + 64u, c1, (*acc)[11], p);
    let r2 = row0 + 4u * lid.y + 2u;
    store(batch, r2, c0, (*acc)[4], p);
    store(batch, r2, c1, (*acc)[5], p);
    store(batch, r2 + 64u, c0, (*acc)[12], p);
    store(batch, r2 + 64u, c1, (*acc)[13], p);
    let r3 = row0 + 4u * lid.y + 3u;
    store(batch, r3, c0, (*acc)[6], p);
    store(batch, r3, c1, (*acc)[7], p);
    store(batch, r3 + 64u, c0, (*acc)[14], p);
    store(batch, r3 + 64u, c1, (*acc)[15], p);
}
