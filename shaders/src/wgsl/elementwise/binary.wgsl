// binary.wgsl — z[i] = OP(a[view_a(i)], b[view_b(i)]): one op-table `BinaryOp`, both operands
// strided views already broadcast to the output shape (stride 0 on broadcast dims).
//
// Bindings: 0 a (read), 1 b (read), 2 z (read_write, dense), 3 params (uniform Params).
// Dispatch: ceil(numel / 256) workgroups of 256 folded into (x, y), x <= 65535.
// Overrides: OP = `BinaryOp::id()`. Comparisons write 1.0 / 0.0.
// The views: `rank` dims of `shape`; operand k's strides in strides[2k..2k+2], offset offsets[k].

override OP: u32 = 0u;

struct Params {
    numel: u32,
    rank: u32,
    p0: f32,
    p1: f32,
    offsets: vec4<u32>,
    shape: array<vec4<u32>, 2>,
    strides: array<vec4<u32>, 6>,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> z: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

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

fn nan() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}

fn inf() -> f32 {
    return bitcast<f32>(0x7f800000u);
}

// a^b with the real-valued cases of C's powf: negative bases need an integer exponent.
fn powf(x: f32, e: f32) -> f32 {
    if e == 0.0 {
        return 1.0;
    }
    if x == 0.0 {
        return select(inf(), 0.0, e > 0.0);
    }
    if x > 0.0 {
        return pow(x, e);
    }
    if floor(e) != e {
        return nan();
    }
    let m = pow(-x, e);
    let odd = abs(e) < 16777216.0 && (i32(abs(e)) % 2) == 1;
    return select(m, -m, odd);
}

fn mask(c: bool) -> f32 {
    return select(0.0, 1.0, c);
}

fn apply(u: f32, v: f32) -> f32 {
    switch OP {
        case 0u: { return u + v; }
        case 1u: { return u - v; }
        case 2u: { return u * v; }
        case 3u: { return u / v; }
        case 4u: { return powf(u, v); }
        case 5u: { return max(u, v); }
        case 6u: { return min(u, v); }
        case 7u: { return mask(u == v); }
        case 8u: { return mask(u != v); }
        case 9u: { return mask(u < v); }
        case 10u: { return mask(u <= v); }
        case 11u: { return mask(u > v); }
        case 12u: { return mask(u >= v); }
        default: { return nan(); }
    }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= params.numel {
        return;
    }
    z[i] = apply(a[offset_of(i, 0u)], b[offset_of(i, 1u)]);
}
