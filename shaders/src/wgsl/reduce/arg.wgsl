// arg.wgsl — argmax / argmin along one dim of a strided view: out[o] = index (as f32) of the
// largest (OP = 0) or smallest (OP = 1) element of row o, the first one on ties; NaN counts as
// the extreme (the CPU rule).
//
// The view: kept dims `shape[0..rank_out]` (row-major output index o) with input `strides`,
// then the reduced dim of size n_red and input stride red_stride; `offset` the input offset.
// Bindings: 0 x (read), 1 out (read_write, dense [n_out]), 2 params (uniform Params).
// Dispatch: one thread per output: ceil(n_out / 256) workgroups of 256 folded into (x, y).
// Loop lengths: lavapipe (llvmpipe) stops every loop after 65535 iterations in total per
// invocation, so the host keeps each thread's loop below that (or splits the work).

override OP: u32 = 0u;

struct Params {
    n_out: u32,
    n_red: u32,
    rank_out: u32,
    red_stride: u32,
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

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let o = gid.x + gid.y * nwg.x * 256u;
    if o >= params.n_out {
        return;
    }
    var rem = o;
    var base = params.offset;
    for (var d = i32(params.rank_out) - 1; d >= 0; d--) {
        let du = u32(d);
        let s = params.shape[du / 4u][du % 4u];
        base += (rem % s) * params.strides[du / 4u][du % 4u];
        rem = rem / s;
    }
    var best = 0u;
    var bv = x[base];
    for (var i = 1u; i < params.n_red; i++) {
        let v = x[base + i * params.red_stride];
        let better = select((v < bv), (v > bv), OP == 0u);
        if bv == bv && (better || v != v) {
            best = i;
            bv = v;
        }
    }
    out[o] = f32(best);
}
