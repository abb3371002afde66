// unary.wgsl — y[i] = OP(x[view(i)]): one op-table `UnaryOp` over a strided view.
//
// Bindings: 0 x (read, f32), 1 y (read_write, f32, dense), 2 params (uniform Params).
// Dispatch: ceil(numel / 256) workgroups of 256, folded into (x, y) with x <= 65535; the flat
//   thread id is gid.x + gid.y * num_workgroups.x * 256.
// Overrides: OP = `UnaryOp::id()` (its position in `UnaryOp::ALL`); the variant's constants
//   (`UnaryOp::params()`) arrive as params.p0 / params.p1.
// The view: `rank` dims (at most 8) of `shape`, input strides in strides[0..2], input offset in
//   offsets.x. tanh's argument is clamped to +-15 (NaN on some drivers for large arguments).

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

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
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

fn nan() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}

fn inf() -> f32 {
    return bitcast<f32>(0x7f800000u);
}

fn sigmoid(v: f32) -> f32 {
    if v >= 0.0 {
        return 1.0 / (1.0 + exp(-v));
    }
    let e = exp(v);
    return e / (1.0 + e);
}

// a^b with the real-valued cases of C's powf: negative bases need an integer exponent.
fn powf(a: f32, b: f32) -> f32 {
    if b == 0.0 {
        return 1.0;
    }
    if a == 0.0 {
        return select(inf(), 0.0, b > 0.0);
    }
    if a > 0.0 {
        return pow(a, b);
    }
    if floor(b) != b {
        return nan();
    }
    let m = pow(-a, b);
    let odd = abs(b) < 16777216.0 && (i32(abs(b)) % 2) == 1;
    return select(m, -m, odd);
}

fn apply(v: f32) -> f32 {
    let p0 = params.p0;
    let p1 = params.p1;
    switch OP {
        case 0u: { return -v; }
        case 1u: { return exp(v); }
        case 2u: { return log(v); }
        case 3u: { return sqrt(v); }
        case 4u: { return 1.0 / sqrt(v); }
        case 5u: { return tanh(clamp(v, -15.0, 15.0)); }
        case 6u: { return sigmoid(v); }
        case 7u: { return max(v, 0.0); }
        case 8u: { return select(p0 * v, v, v > 0.0); }
        case 9u: { return select(p0 * (exp(v) - 1.0), v, v > 0.0); }
        case 10u: { return max(v, 0.0) + log(1.0 + exp(-abs(v))); }
        case 11u: { return abs(v); }
        case 12u: { return v * v; }
        case 13u: { return 1.0 / v; }
        case 14u: { return sin(v); }
        case 15u: { return cos(v); }
        case 16u: { return min(max(v, p0), p1); }
        case 17u: { return v + p0; }
        case 18u: { return v * p0; }
        case 19u: { return powf(v, p0); }
        default: { return nan(); }
    }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if i >= params.numel {
        return;
    }
    y[i] = apply(x[offset_of(i, 0u)]);
}
