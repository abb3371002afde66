// copy.wgsl — copy_strided: dst[view_d(i)] = src[view_s(i)] for every element i of a shape.
// Dense copies (contiguous), cat (each part into a narrow view of the output) and read-back of
// strided views all use it.
//
// Bindings: 0 src (read), 1 dst (read_write), 2 params (uniform Params).
// Dispatch: ceil(numel / 256) workgroups of 256 folded into (x, y), x <= 65535.
// The views: source strides in strides[0..2] and offset offsets.x; destination strides in
//   strides[2..4] and offset offsets.y. The destination view must not overlap itself.

struct Params {
    numel: u32,
    rank: u32,
    p0: f32,
    p1: f32,
    offsets: vec4<u32>,
    shape: array<vec4<u32>, 2>,
    strides: array<vec4<u32>, 6>,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

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
    dst[offset_of(i, 1u)] = src[offset_of(i, 0u)];
}
