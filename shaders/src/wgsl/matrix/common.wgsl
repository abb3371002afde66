// common.wgsl — what every matmul kernel of this folder shares, prepended to each kernel's own
// file by the `Kernel` table (`Kernel::source`): the Params uniform, the bindings, and the
// batch offsets, and the clipped vec4 loads / stores of the wide kernels (the 64 x 64 kernel uses
// the first three).
// Bindings: 0 a (read), 1 b (read), 2 c (read_write), 3 params (uniform Params).
// Dispatch: each kernel's own header.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    batch_rank: u32,
    a_rs: u32,
    a_cs: u32,
    b_rs: u32,
    b_cs: u32,
    a_off: u32,
    b_off: u32,
    batch_base: u32,
    row_tile_base: u32,
    batch_shape: vec4<u32>,
    a_bstride: vec4<u32>,
    b_bstride: vec4<u32>,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// Where batch `batch` of A and of B starts (the batch dims decoded row-major).
fn batch_bases(batch: u32, p: Params) -> vec2<u32> {
    var bases = vec2<u32>(p.a_off, p.b_off);
    var rem = batch;
    for (var d = i32(p.batch_rank) - 1; d >= 0; d--) {
        let s = p.batch_shape[d];
        let idx = rem % s;
        rem = rem / s;
        bases += idx * vec2<u32>(p.a_bstride[d], p.b_bstride[d]);
    }
    return bases;
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
