// reduce.wgsl — out[o] = fold_OP(x[view(o, r)] for r in 0..n_red): sum / max / min over any set
// of dims of a strided view, no atomics, a fixed order (deterministic).
//
// The view is split into kept dims (`shape[0..rank_out]`, row-major output index o) and reduced
// dims (`shape[rank_out..rank_out + rank_red]`, row-major reduction index r); `strides` holds the
// input strides of those dims in the same order, `offset` the input offset (at most 8 dims).
// Bindings: 0 x (read), 1 out (read_write, dense [n_out]), 2 params (uniform Params).
// Entry points and dispatch:
//   reduce_tree:   one workgroup of 256 per output (workgroups folded into (x, y), x <= 65535);
//                  each thread folds r = t, t + 256, ...; then a shared-memory tree reduction.
//   reduce_thread: one thread per output folding its n_red elements in order (for short
//                  reductions); ceil(n_out / 256) workgroups of 256 folded into (x, y).
// Overrides: OP = `ReduceOp::id()` (0 sum, 1 max, 2 min). Max/min propagate NaN.
// Loop lengths: lavapipe (llvmpipe) stops every loop after 65535 iterations in total per
// invocation, so the host keeps each thread's loop below that (or splits the work).

override OP: u32 = 0u;

struct Params {
    n_out: u32,
    n_red: u32,
    rank_out: u32,
    rank_red: u32,
    offset: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    shape: array<vec4<u32>, 2>,
    strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> partial: array<f32, 256>;

fn dim_size(d: u32) -> u32 {
    return params.shape[d / 4u][d % 4u];
}

fn dim_stride(d: u32) -> u32 {
    return params.strides[d / 4u][d % 4u];
}

// Input offset of the first element of output o (kept dims only).
fn base_of(o: u32) -> u32 {
    var rem = o;
    var off = params.offset;
    for (var d = i32(params.rank_out) - 1; d >= 0; d--) {
        let s = dim_size(u32(d));
        off += (rem % s) * dim_stride(u32(d));
        rem = rem / s;
    }
    return off;
}

// Offset of reduction element r relative to its output's base.
fn red_offset(r: u32) -> u32 {
    var rem = r;
    var off = 0u;
    for (var d = i32(params.rank_red) - 1; d >= 0; d--) {
        let dd = params.rank_out + u32(d);
        let s = dim_size(dd);
        off += (rem % s) * dim_stride(dd);
        rem = rem / s;
    }
    return off;
}

fn identity() -> f32 {
    switch OP {
        case 1u: { return bitcast<f32>(0xff800000u); }
        case 2u: { return bitcast<f32>(0x7f800000u); }
        default: { return 0.0; }
    }
}

fn combine(acc: f32, v: f32) -> f32 {
    switch OP {
        case 1u: { return select(acc, v, v > acc || v != v); }
        case 2u: { return select(acc, v, v < acc || v != v); }
        default: { return acc + v; }
    }
}

@compute @workgroup_size(256)
fn reduce_tree(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    // Uniform control flow: every thread of a workgroup sees the same `o`.
    let o = wid.x + wid.y * nwg.x;
    var acc = identity();
    if o < params.n_out {
        let base = base_of(o);
        for (var r = t; r < params.n_red; r += 256u) {
            acc = combine(acc, x[base + red_offset(r)]);
        }
    }
    partial[t] = acc;
    workgroupBarrier();
    for (var half = 128u; half > 0u; half = half / 2u) {
        if t < half {
            partial[t] = combine(partial[t], partial[t + half]);
        }
        workgroupBarrier();
    }
    if t == 0u && o < params.n_out {
        out[o] = partial[0];
    }
}

@compute @workgroup_size(256)
fn reduce_thread(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let o = gid.x + gid.y * nwg.x * 256u;
    if o >= params.n_out {
        return;
    }
    let base = base_of(o);
    var acc = identity();
    for (var r = 0u; r < params.n_red; r++) {
        acc = combine(acc, x[base + red_offset(r)]);
    }
    out[o] = acc;
}
