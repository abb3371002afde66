// where.wgsl — out[i] = cond[view_c(i)] != 0 ? a[view_a(i)] : b[view_b(i)], all three strided
// views broadcast to the output shape.
//
// Bindings: 0 cond (read), 1 a (read), 2 b (read), 3 out (read_write, dense), 4 params (uniform).
// Dispatch: ceil(numel / 256) workgroups of 256 folded into (x, y), x <= 65535.
// The views: operand k (cond, a, b) has strides in strides[2k..2k+2] and offset offsets[k].

struct Params {
    numel: u32,
    rank: u32,
    p0: f32,
    p1: f32,
    offsets: vec4<u32>,
    shape: array<vec4<u32>, 2>,
    strides: array<vec4<u32>, 6>,
}

@group(0) @binding(0) var<storage, read> cond: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn offset_of(i: u32, k: u32) -> u32 {
    var rem = i;
    var off = params.offsets[k];
    for (var d = i32(params.rank) - 1; d >= 0; d--) {
        let du = u32(d);
        let s = params.shape[du / 4u][du % 4u];
        off += (rem % s) * params.strides[k * 2u + du / 4u][du % 4u];
        rem = rem / s;
    }
    return off;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= params.numel {
        return;
    }
    let c = cond[offset_of(i, 0u)];
    out[i] = select(b[offset_of(i, 2u)], a[offset_of(i, 1u)], c != 0.0);
}
