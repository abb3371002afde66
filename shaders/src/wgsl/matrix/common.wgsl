// common.wgsl — what every matmul kernel of this folder shares, prepended to each kernel's own
// file by the `Kernel` table (`Kernel::source`): the Params uniform, the bindings and the batch
// offsets.
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
